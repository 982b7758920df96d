#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "load/core/message_scan.hpp"
#include "load/core/soak_verdict.hpp"

namespace tickerd::bench {
namespace {

// One sample a second for `seconds`, RSS from `rss(t)`.
template <typename F>
std::vector<soak_sample> series(int seconds, F rss) {
  std::vector<soak_sample> out;
  for (int t = 1; t <= seconds; ++t) {
    soak_sample s;
    s.t_s = t;
    s.rss_kib = rss(t);
    s.fds = 100;
    out.push_back(s);
  }
  return out;
}

soak_inputs healthy() {
  soak_inputs in;
  in.samples = series(600, [](int) { return 50'000u; });
  in.fd_baseline = 40;
  in.fd_end = 40;
  in.clients_planned = 100;
  in.tallies.steady_updates = 1000;
  in.tallies.throttled_updates = 500;
  in.tallies.resumes = 20;
  in.tallies.stalls = 5;
  in.tallies.stall_closed = 5;
  in.tallies.bad_sent = 30;
  in.tallies.bad_errors = 30;
  in.server_conflations = 12;
  in.server_slow_drops = 5;
  soak_recovery r;
  r.label = "okx reset";
  r.at_s = 90;
  r.bound_s = 20;
  r.recovered_after_s = 1.5;
  in.recoveries.push_back(r);
  return in;
}

const soak_check& check_named(const soak_verdict& v, const std::string& prefix) {
  for (const auto& c : v.checks) {
    if (c.name.rfind(prefix, 0) == 0) return c;
  }
  throw std::runtime_error("no check " + prefix);
}

TEST(BenchSoakVerdict, FlatRssIsNoGrowth) {
  const auto g = measure_rss_growth(series(300, [](int) { return 40'000u; }));
  ASSERT_TRUE(g.measured);
  EXPECT_NEAR(g.pct, 0, 1e-9);
  EXPECT_NEAR(g.window_start_s, 100.667, 0.01) << "the last two thirds of 1..300";
  EXPECT_EQ(g.samples, 200u);
}

TEST(BenchSoakVerdict, WarmUpInTheFirstThirdDoesNotCount) {
  // Grows from 20 MB to 50 MB in the first third, then flat.
  const auto g =
      measure_rss_growth(series(900, [](int t) { return t < 300 ? 20'000u + 100u * t : 50'000u; }));
  ASSERT_TRUE(g.measured);
  EXPECT_LT(g.pct, 0.5);
}

TEST(BenchSoakVerdict, SteadyGrowthIsMeasuredAlongTheLine) {
  // +10 KiB/s from 60 MB: over the last 599 s of 900, the line rises ~6 MB: about 9 %.
  const auto g = measure_rss_growth(series(900, [](int t) { return 60'000u + 10u * t; }));
  ASSERT_TRUE(g.measured);
  const double from = 60'000 + 10 * (1 + 899.0 / 3);
  const double to = 60'000 + 10 * 900.0;
  EXPECT_NEAR(g.from_kib, from, 1);
  EXPECT_NEAR(g.to_kib, to, 1);
  EXPECT_NEAR(g.pct, (to - from) / from * 100, 0.01);
}

TEST(BenchSoakVerdict, OneSpikeDoesNotDecide) {
  // A burst at the very end doubles RSS in the last sample (+100 % end to end): the fitted
  // line moves by 1.5 %, far inside the 5 % limit.
  auto s = series(600, [](int) { return 50'000u; });
  s.back().rss_kib = 100'000;
  const auto g = measure_rss_growth(s);
  ASSERT_TRUE(g.measured);
  EXPECT_LT(g.pct, 2.0);
}

TEST(BenchSoakVerdict, TooFewSamplesIsNotMeasured) {
  EXPECT_FALSE(measure_rss_growth(series(5, [](int) { return 1000u; })).measured);
  EXPECT_FALSE(measure_rss_growth({}).measured);
}

TEST(BenchSoakVerdict, AHealthyRunPasses) {
  const auto v = judge_soak(healthy());
  for (const auto& c : v.checks) EXPECT_TRUE(c.pass) << c.name << ": " << c.measured;
  EXPECT_TRUE(v.pass);
  EXPECT_NE(soak_verdict_text(v).find("verdict: PASS"), std::string::npos);
}

TEST(BenchSoakVerdict, EachProblemFailsItsOwnCheck) {
  {
    auto in = healthy();
    in.samples = series(600, [](int t) { return 50'000u + 10u * t; });  // ~11 % over 400 s
    const auto v = judge_soak(in);
    EXPECT_FALSE(v.pass);
    EXPECT_FALSE(check_named(v, "tickerd RSS").pass);
  }
  {
    auto in = healthy();
    in.fd_end = 41;
    const auto v = judge_soak(in);
    EXPECT_FALSE(check_named(v, "tickerd descriptors").pass);
    EXPECT_FALSE(v.pass);
  }
  {
    auto in = healthy();
    in.fd_end.reset();
    EXPECT_FALSE(check_named(judge_soak(in), "tickerd descriptors").pass) << "unmeasured fails";
  }
  {
    auto in = healthy();
    in.tallies.steady_gaps = 1;
    EXPECT_FALSE(check_named(judge_soak(in), "seq gaps, steady").pass);
  }
  {
    auto in = healthy();
    in.tallies.steady_conflated = 500;  // announced: not a gap
    EXPECT_TRUE(check_named(judge_soak(in), "seq gaps, steady").pass);
  }
  {
    auto in = healthy();
    in.tallies.churn_gaps = 2;
    EXPECT_FALSE(check_named(judge_soak(in), "seq gaps, churners").pass);
  }
  {
    auto in = healthy();
    in.tallies.resumes = 0;
    EXPECT_FALSE(check_named(judge_soak(in), "seq gaps, churners").pass) << "nothing resumed";
  }
  {
    auto in = healthy();
    in.tallies.throttled_regressions = 1;
    EXPECT_FALSE(check_named(judge_soak(in), "seq order, throttled").pass);
  }
  {
    auto in = healthy();
    in.tallies.stall_survived = 1;
    EXPECT_FALSE(check_named(judge_soak(in), "slow readers").pass);
  }
  {
    auto in = healthy();
    in.server_conflations = 0;
    EXPECT_FALSE(check_named(judge_soak(in), "tickerd conflated").pass);
    in = healthy();
    in.server_slow_drops.reset();
    EXPECT_FALSE(check_named(judge_soak(in), "tickerd conflated").pass) << "unmeasured fails";
  }
  {
    auto in = healthy();
    in.tallies.bad_errors = 29;
    EXPECT_FALSE(check_named(judge_soak(in), "malformed requests").pass);
  }
  {
    auto in = healthy();
    in.tallies.unexpected_disconnects = 3;
    EXPECT_FALSE(check_named(judge_soak(in), "steady, throttled and bad").pass);
  }
}

TEST(BenchSoakVerdict, ARecoveryMustComeWithinItsBound) {
  auto in = healthy();
  in.recoveries.front().recovered_after_s = 25;  // bound 20
  auto v = judge_soak(in);
  const auto& c = check_named(v, "disruptions recovered");
  EXPECT_FALSE(c.pass);
  EXPECT_NE(c.measured.find("okx reset at 90 s, back after 25.0 s"), std::string::npos)
      << c.measured;
  in.recoveries.front().recovered_after_s.reset();
  v = judge_soak(in);
  EXPECT_NE(check_named(v, "disruptions recovered").measured.find("never back"), std::string::npos);
  in.recoveries.clear();
  EXPECT_FALSE(check_named(judge_soak(in), "disruptions recovered").pass)
      << "a soak without a disruption proves nothing about recovery";
}

TEST(BenchSoakVerdict, JsonCarriesVerdictChecksAndSampleColumns) {
  auto in = healthy();
  in.samples.resize(3);
  const auto v = judge_soak(in);
  const auto text = soak_json(in, v, R"("command":"tickerd-soak --minutes 2")");
  const auto doc = flatten_json(text);
  ASSERT_TRUE(doc) << text;
  EXPECT_EQ(flat_value(*doc, "command"), "tickerd-soak --minutes 2");
  EXPECT_EQ(flat_value(*doc, "verdict"), v.pass ? "pass" : "fail");
  EXPECT_EQ(flat_value(*doc, "checks.0.name"), v.checks[0].name);
  EXPECT_EQ(flat_int(*doc, "descriptors.baseline"), 40);
  EXPECT_EQ(flat_int(*doc, "clients.bad_sent"), 30);
  EXPECT_EQ(flat_value(*doc, "recoveries.0.label"), "okx reset");
  EXPECT_EQ(flat_value(*doc, "recoveries.0.ok"), "true");
  EXPECT_EQ(flat_int(*doc, "samples.rss_kib.2"), 50'000);
  EXPECT_FALSE(flat_value(*doc, "samples.rss_kib.3"));
}

}  // namespace
}  // namespace tickerd::bench
