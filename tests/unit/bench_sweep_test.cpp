#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "load/core/sweep.hpp"

namespace tickerd::bench {
namespace {

// A sweep step: `delivered` msg/s over one second, every latency sample at `p99_us`.
run_result step(const std::string& label, double delivered, std::uint64_t p99_us) {
  run_result r;
  r.label = label;
  r.duration_s = 1;
  r.messages = static_cast<std::uint64_t>(delivered);
  for (int i = 0; i < 100; ++i) r.latency_us.record(p99_us);
  return r;
}

constexpr double limit_ms = 5;

TEST(BenchSweep, BestWithinTheLimitAndPeak) {
  const std::vector<run_result> runs{
      step("tickerd rate 1", 11'000, 900),           step("tickerd rate 5", 55'000, 4'000),
      step("tickerd rate 10", 110'000, 6'000),       step("tickerd rate 20", 220'000, 30'000),
      step("ws-broadcast rate 1", 11'000, 3'000),    step("ws-broadcast rate 5", 40'000, 8'000),
      step("tickerd-other rate 99", 999'000, 1'000),  // another server's label: not tickerd's
  };
  const auto t = best_of(runs, "tickerd", limit_ms);
  EXPECT_EQ(t.steps, 4u);
  EXPECT_EQ(t.within_limit, 55'000);
  EXPECT_EQ(t.peak, 220'000);
  EXPECT_EQ(t.lowest, 11'000);
  EXPECT_NE(t.within_text.find("tickerd rate 5"), std::string::npos);
  const auto p = best_of(runs, "ws-broadcast", limit_ms);
  EXPECT_EQ(p.steps, 2u);
  EXPECT_EQ(p.within_limit, 11'000);

  const auto c = compare_sweeps(t, p, limit_ms);
  ASSERT_TRUE(c.measured);
  ASSERT_TRUE(c.ratio);
  EXPECT_DOUBLE_EQ(*c.ratio, 5.0);  // 55k / 11k: the best steps within the limit, not the peaks
  EXPECT_EQ(c.ratio_text, "5.00×");
  ASSERT_TRUE(c.peak_ratio);
  EXPECT_DOUBLE_EQ(*c.peak_ratio, 220'000.0 / 40'000.0);
}

TEST(BenchSweep, PeerNeverWithinTheLimitIsNotMeasured) {
  const std::vector<run_result> runs{
      step("tickerd rate 1", 11'000, 900),
      step("tickerd rate 10", 110'000, 4'000),
      step("ws-broadcast rate 1", 11'000, 9'000),
      step("ws-broadcast rate 5", 50'000, 20'000),
  };
  const auto c = compare_sweeps(best_of(runs, "tickerd", limit_ms),
                                best_of(runs, "ws-broadcast", limit_ms), limit_ms);
  EXPECT_FALSE(c.measured);
  EXPECT_FALSE(c.ratio);
  EXPECT_EQ(c.ratio_text, "not measured");
  EXPECT_EQ(c.reason, "the peer held p99 ≤ 5 ms at no step");
  // What the run can still say: a bound from the peer's lowest step, and the peak ratio.
  EXPECT_NE(c.explanation.find("above 10.0×"), std::string::npos) << c.explanation;
  EXPECT_NE(c.explanation.find("for reference only: 2.20×"), std::string::npos) << c.explanation;
}

TEST(BenchSweep, TickerdOrNeitherWithinTheLimitIsNotMeasured) {
  const std::vector<run_result> tickerd_slow{
      step("tickerd rate 1", 11'000, 7'000),
      step("ws-broadcast rate 1", 11'000, 2'000),
  };
  const auto a = compare_sweeps(best_of(tickerd_slow, "tickerd", limit_ms),
                                best_of(tickerd_slow, "ws-broadcast", limit_ms), limit_ms);
  EXPECT_FALSE(a.measured);
  EXPECT_EQ(a.reason, "tickerd held p99 ≤ 5 ms at no step");

  const std::vector<run_result> neither{
      step("tickerd rate 5", 55'000, 17'000),
      step("ws-broadcast rate 5", 55'000, 18'000),
  };
  const auto b = compare_sweeps(best_of(neither, "tickerd", limit_ms),
                                best_of(neither, "ws-broadcast", limit_ms), limit_ms);
  EXPECT_FALSE(b.measured);
  EXPECT_EQ(b.reason, "neither server held p99 ≤ 5 ms at any step");
  ASSERT_TRUE(b.peak_ratio);
  EXPECT_DOUBLE_EQ(*b.peak_ratio, 1.0);

  const auto none = compare_sweeps(best_of(neither, "tickerd", limit_ms), sweep_best{}, limit_ms);
  EXPECT_FALSE(none.measured);
  EXPECT_EQ(none.reason, "the peer ran no step");
}

}  // namespace
}  // namespace tickerd::bench
