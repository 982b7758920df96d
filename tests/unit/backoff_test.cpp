#include "tickerd/feeds/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace tickerd {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds initial{100};
constexpr milliseconds max{3'000};
constexpr milliseconds healthy{60'000};

TEST(backoff, ceiling_doubles_up_to_the_cap) {
  backoff b(initial, max, healthy, 1);
  const std::vector<std::int64_t> expected = {100, 200, 400, 800, 1600, 3000, 3000, 3000};
  for (const auto ceiling : expected) {
    EXPECT_EQ(b.ceiling().count(), ceiling);
    const auto delay = b.next();
    EXPECT_GE(delay.count(), 0);
    EXPECT_LE(delay.count(), ceiling);
  }
  EXPECT_EQ(b.attempts(), expected.size());
}

TEST(backoff, full_jitter_covers_the_whole_range) {
  // Many draws at the same ceiling: both ends of [0, ceiling] are reached in practice, and the
  // mean is near the middle (full jitter, not "ceiling plus a little noise").
  constexpr int draws = 20'000;
  std::int64_t sum = 0;
  std::int64_t low = 1'000'000;
  std::int64_t high = -1;
  for (int i = 0; i < draws; ++i) {
    backoff b(milliseconds{1'000}, milliseconds{1'000}, healthy, static_cast<std::uint64_t>(i));
    const auto d = b.next().count();
    sum += d;
    low = std::min(low, d);
    high = std::max(high, d);
  }
  EXPECT_LE(low, 10);
  EXPECT_GE(high, 990);
  const double mean = static_cast<double>(sum) / draws;
  EXPECT_NEAR(mean, 500.0, 25.0);
}

TEST(backoff, same_seed_same_delays_other_seed_other_delays) {
  backoff a(initial, max, healthy, 42);
  backoff b(initial, max, healthy, 42);
  backoff c(initial, max, healthy, 43);
  bool any_different = false;
  for (int i = 0; i < 20; ++i) {
    const auto da = a.next();
    EXPECT_EQ(da, b.next());
    any_different = any_different || da != c.next();
  }
  EXPECT_TRUE(any_different);
}

TEST(backoff, healthy_connection_resets_short_one_does_not) {
  backoff b(initial, max, healthy, 7);
  for (int i = 0; i < 5; ++i) b.next();
  EXPECT_EQ(b.ceiling().count(), 3'000);

  b.connection_ended(healthy - milliseconds{1});
  EXPECT_EQ(b.ceiling().count(), 3'000);
  EXPECT_EQ(b.attempts(), 5u);

  b.connection_ended(healthy);
  EXPECT_EQ(b.ceiling(), initial);
  EXPECT_EQ(b.attempts(), 0u);
  EXPECT_LE(b.next(), initial);
}

TEST(backoff, never_overflows_after_many_attempts) {
  backoff b(milliseconds{1}, milliseconds{30'000}, healthy, 9);
  for (int i = 0; i < 10'000; ++i) {
    const auto d = b.next();
    ASSERT_GE(d.count(), 0);
    ASSERT_LE(d.count(), 30'000);
  }
  EXPECT_EQ(b.ceiling().count(), 30'000);
}

TEST(backoff, initial_above_max_is_capped_and_zero_means_no_delay) {
  backoff capped(milliseconds{5'000}, milliseconds{1'000}, healthy, 3);
  EXPECT_EQ(capped.ceiling().count(), 1'000);
  EXPECT_LE(capped.next().count(), 1'000);

  backoff none(milliseconds{0}, milliseconds{0}, healthy, 3);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(none.next().count(), 0);
}

}  // namespace
}  // namespace tickerd
