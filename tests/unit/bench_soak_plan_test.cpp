#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "load/core/soak_plan.hpp"

namespace tickerd::bench {
namespace {

std::size_t count_kind(const std::vector<soak_event>& plan, soak_event_kind k) {
  std::size_t n = 0;
  for (const auto& e : plan) n += e.kind == k ? 1 : 0;
  return n;
}

TEST(BenchSoakPlan, ClientKindsAddUpToTheTotal) {
  for (const std::size_t n : {10u, 11u, 99u, 1000u, 5000u, 5003u}) {
    const auto m = split_clients(n);
    EXPECT_EQ(m.total(), n) << n;
    EXPECT_GT(m.steady, 0u);
    EXPECT_GT(m.slow, 0u);
    EXPECT_GT(m.bad, 0u);
  }
  const auto m = split_clients(5000);
  EXPECT_EQ(m.steady, 1500u);
  EXPECT_EQ(m.throttled, 1500u);
  EXPECT_EQ(m.churners, 1000u);
  EXPECT_EQ(m.slow, 500u);
  EXPECT_EQ(m.bad, 500u);
}

TEST(BenchSoakPlan, ThirtyMinutesHaveFaultsRestartsAndBurstsEveryFewMinutes) {
  soak_settings s;  // 30 minutes, faults every 3, Redis every 4, bursts every 2
  const auto plan = plan_soak(s);
  EXPECT_EQ(count_kind(plan, soak_event_kind::venue_fault), 10u);
  EXPECT_EQ(count_kind(plan, soak_event_kind::redis_restart), 7u);
  EXPECT_EQ(count_kind(plan, soak_event_kind::burst), 15u);
  double last = -1;
  for (const auto& e : plan) {
    EXPECT_GE(e.at_s, last) << "in time order";
    last = e.at_s;
    // Over before the settle window, and recovery expected within the bound.
    EXPECT_LE(e.at_s + e.effect_s, s.duration_s - s.settle_s) << e.label;
    EXPECT_GE(e.bound_s, e.effect_s) << e.label;
  }
  ASSERT_FALSE(plan.empty());
  EXPECT_EQ(plan.front().kind, soak_event_kind::burst);
  EXPECT_DOUBLE_EQ(plan.front().at_s, 30);
}

TEST(BenchSoakPlan, FaultsRotateOverVenuesAndKinds) {
  soak_settings s;
  s.duration_s = 10'000;
  s.fault_interval_s = 60;
  const auto plan = plan_soak(s);
  std::set<std::pair<std::string, std::string>> pairs;
  std::set<std::string> venues;
  std::string previous_venue;
  for (const auto& e : plan) {
    if (e.kind != soak_event_kind::venue_fault) continue;
    EXPECT_NE(e.venue, previous_venue) << "a different venue each time";
    previous_venue = e.venue;
    pairs.emplace(e.venue, e.fault);
    venues.insert(e.venue);
    EXPECT_EQ(e.label, e.venue + " " + e.fault);
  }
  EXPECT_EQ(venues.size(), 5u);
  EXPECT_EQ(pairs.size(), 5u * soak_fault_kinds().size()) << "every venue meets every kind";
}

TEST(BenchSoakPlan, AShortRunStillHasTwoOfEachDisruption) {
  soak_settings s;
  s.duration_s = 120;  // make soak MINUTES=2
  const auto plan = plan_soak(s);
  EXPECT_EQ(count_kind(plan, soak_event_kind::venue_fault), 2u);
  EXPECT_EQ(count_kind(plan, soak_event_kind::redis_restart), 2u);
  EXPECT_EQ(count_kind(plan, soak_event_kind::burst), 2u);
  for (const auto& e : plan) {
    EXPECT_GT(e.at_s, 0);
    EXPECT_LE(e.at_s + e.effect_s, s.duration_s - s.settle_s) << e.label;
  }
}

TEST(BenchSoakPlan, NoRoomMeansNoDisruption) {
  soak_settings s;
  s.duration_s = 30;  // shorter than the settle window
  EXPECT_TRUE(plan_soak(s).empty());
}

TEST(BenchSoakPlan, RedisRestartIsBoundedByItsDowntimePlusRecovery) {
  soak_settings s;
  s.redis_down_s = 4;
  s.recovery_bound_s = 10;
  for (const auto& e : plan_soak(s)) {
    if (e.kind != soak_event_kind::redis_restart) continue;
    EXPECT_DOUBLE_EQ(e.effect_s, 4);
    EXPECT_DOUBLE_EQ(e.bound_s, 14);
  }
}

}  // namespace
}  // namespace tickerd::bench
