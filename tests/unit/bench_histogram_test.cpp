#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "load/core/histogram.hpp"

namespace tickerd::bench {
namespace {

TEST(BenchHistogram, SmallValuesAreExact) {
  histogram h;
  for (std::uint64_t v = 0; v < histogram::sub_count; ++v) {
    EXPECT_EQ(histogram::index_of(v), v);
    EXPECT_EQ(histogram::lowest_in(v), v);
    EXPECT_EQ(histogram::highest_in(v), v);
  }
  h.record(7);
  h.record(7);
  h.record(200);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.min(), 7u);
  EXPECT_EQ(h.max(), 200u);
  EXPECT_EQ(h.quantile(0.5), 7u);
  EXPECT_EQ(h.quantile(0.67), 200u);
  EXPECT_EQ(h.quantile(1.0), 200u);
  EXPECT_NEAR(h.mean(), 214.0 / 3.0, 1e-9);
}

TEST(BenchHistogram, BucketsAreContiguousAndWithinRelativeError) {
  // Every value maps to a bucket that holds it, buckets tile the range without holes, and a
  // bucket is never wider than 1/128 of its lowest value.
  std::size_t previous = 0;
  for (std::uint64_t v = 1; v < (std::uint64_t{1} << 24); v += 1 + v / 300) {
    const auto i = histogram::index_of(v);
    EXPECT_LE(histogram::lowest_in(i), v);
    EXPECT_GE(histogram::highest_in(i), v);
    EXPECT_GE(i, previous);
    if (v >= histogram::sub_count) {
      const double width =
          static_cast<double>(histogram::highest_in(i) - histogram::lowest_in(i) + 1);
      EXPECT_LE(width / static_cast<double>(histogram::lowest_in(i)), 1.0 / 128 + 1e-12) << v;
    }
    previous = i;
  }
  for (std::size_t i = 0; i + 1 < histogram::bucket_count; ++i) {
    if (histogram::lowest_in(i + 1) > histogram::max_trackable) break;
    EXPECT_EQ(histogram::highest_in(i) + 1, histogram::lowest_in(i + 1)) << i;
  }
  EXPECT_LT(histogram::index_of(histogram::max_trackable), histogram::bucket_count);
  EXPECT_EQ(histogram::index_of(~std::uint64_t{0}), histogram::index_of(histogram::max_trackable));
}

TEST(BenchHistogram, QuantilesOfAUniformDistribution) {
  histogram h;
  for (std::uint64_t v = 1; v <= 100'000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100'000u);
  for (const double q : {0.5, 0.9, 0.99, 0.999}) {
    const double expected = q * 100'000;
    const double got = static_cast<double>(h.quantile(q));
    EXPECT_GE(got, expected) << q;  // the bucket's highest value: never an underestimate
    EXPECT_LE(got, expected * (1 + 1.0 / 128) + 1) << q;
  }
  EXPECT_EQ(h.quantile(1.0), 100'000u);
  EXPECT_EQ(h.quantile(0.0), 1u);
  EXPECT_NEAR(h.mean(), 50'000.5, 1e-6);
}

TEST(BenchHistogram, TailOfASkewedDistribution) {
  // 99 % fast, 1 % slow: p99 is still fast, p99.9 is slow.
  histogram h;
  h.record_n(300, 99'000);
  h.record_n(40'000, 1'000);
  EXPECT_LE(h.quantile(0.99), 301u);
  EXPECT_GE(h.quantile(0.999), 40'000u);
  EXPECT_LE(h.quantile(0.999), 40'000u);  // capped at the recorded max
  EXPECT_EQ(h.max(), 40'000u);
}

TEST(BenchHistogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(6.0, 1.5);
  histogram a, b, all;
  for (int i = 0; i < 50'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  histogram merged;
  merged.merge(a);
  merged.merge(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  for (const double q : {0.1, 0.5, 0.9, 0.99, 0.999})
    EXPECT_EQ(merged.quantile(q), all.quantile(q));
  EXPECT_NEAR(merged.mean(), all.mean(), 1e-6);
  EXPECT_EQ(merged.nonempty_buckets().size(), all.nonempty_buckets().size());
}

TEST(BenchHistogram, ResetAndEmpty) {
  histogram h;
  EXPECT_EQ(h.quantile(0.99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  h.record(1234);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_TRUE(h.nonempty_buckets().empty());
  h.record_n(5, 0);
  EXPECT_EQ(h.count(), 0u);
}

TEST(BenchHistogram, HugeValuesAreClamped) {
  histogram h;
  h.record(~std::uint64_t{0});
  EXPECT_EQ(h.max(), histogram::max_trackable);
  EXPECT_EQ(h.quantile(0.5), histogram::max_trackable);
}

}  // namespace
}  // namespace tickerd::bench
