// The Prometheus text exposition format (0.0.4) as src/metrics/prometheus_text writes it.
#include "metrics/prometheus_text.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace tickerd::metrics {
namespace {

TEST(prometheus_text, writes_help_type_and_samples) {
  std::string out;
  prometheus_text text(out);
  text.family("tickerd_connections", metric_type::gauge, "WebSocket connections.");
  text.sample("tickerd_connections", {{"shard", "0"}}, std::uint64_t{3});
  text.sample("tickerd_connections", {{"shard", "1"}}, std::uint64_t{0});
  text.family("tickerd_build_info", metric_type::gauge, "Always 1.");
  text.sample("tickerd_build_info", {}, std::uint64_t{1});
  text.family("x_total", metric_type::counter, "c");
  text.sample("x_total", {{"a", "b"}, {"c", "d"}}, std::uint64_t{18446744073709551615u});
  EXPECT_EQ(out,
            "# HELP tickerd_connections WebSocket connections.\n"
            "# TYPE tickerd_connections gauge\n"
            "tickerd_connections{shard=\"0\"} 3\n"
            "tickerd_connections{shard=\"1\"} 0\n"
            "# HELP tickerd_build_info Always 1.\n"
            "# TYPE tickerd_build_info gauge\n"
            "tickerd_build_info 1\n"
            "# HELP x_total c\n"
            "# TYPE x_total counter\n"
            "x_total{a=\"b\",c=\"d\"} 18446744073709551615\n");
}

TEST(prometheus_text, escapes_label_values_and_help) {
  std::string out;
  prometheus_text text(out);
  text.family("m", metric_type::gauge, "a \\ backslash\nand \"quotes\" kept");
  text.sample("m", {{"feed", "a\"b\\c\nd"}}, std::uint64_t{1});
  EXPECT_EQ(out,
            "# HELP m a \\\\ backslash\\nand \"quotes\" kept\n"
            "# TYPE m gauge\n"
            "m{feed=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(prometheus_text, writes_floats_as_prometheus_reads_them) {
  const auto text_of = [](double v) {
    std::string s;
    append_float(s, v);
    return s;
  };
  EXPECT_EQ(text_of(0), "0");
  EXPECT_EQ(text_of(1.5), "1.5");
  EXPECT_EQ(text_of(0.00005), "5e-05");
  EXPECT_EQ(text_of(0.0001), "0.0001");
  EXPECT_EQ(text_of(1e21), "1e+21");
  EXPECT_EQ(text_of(2.5), "2.5");
  EXPECT_EQ(text_of(123456.25), "123456.25");
  EXPECT_EQ(text_of(1234567.25), "1.23456725e+06");  // as Go's strconv 'g', -1 writes it
  EXPECT_EQ(text_of(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(text_of(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(text_of(std::nan("")), "NaN");
}

TEST(prometheus_text, writes_a_histogram_with_cumulative_buckets) {
  std::string out;
  prometheus_text text(out);
  const std::array<double, 3> bounds{0.001, 0.01, 0.1};
  const std::array<std::uint64_t, 3> cumulative{1, 4, 4};
  text.family("lat_seconds", metric_type::histogram, "h");
  const std::array<label, 1> labels{{{"shard", "0"}}};
  text.histogram("lat_seconds", labels, bounds, cumulative, 6, 2.5);
  EXPECT_EQ(out,
            "# HELP lat_seconds h\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{shard=\"0\",le=\"0.001\"} 1\n"
            "lat_seconds_bucket{shard=\"0\",le=\"0.01\"} 4\n"
            "lat_seconds_bucket{shard=\"0\",le=\"0.1\"} 4\n"
            "lat_seconds_bucket{shard=\"0\",le=\"+Inf\"} 6\n"
            "lat_seconds_sum{shard=\"0\"} 2.5\n"
            "lat_seconds_count{shard=\"0\"} 6\n");
}

}  // namespace
}  // namespace tickerd::metrics
