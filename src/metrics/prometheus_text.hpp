// Writes the Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` once per
// metric family, then its samples, label values escaped. Knows nothing about tickerd's stats.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace tickerd::metrics {

enum class metric_type : std::uint8_t { counter, gauge, histogram };

struct label {
  std::string_view name;
  std::string_view value;
};

// The Content-Type of a scrape's response.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

class prometheus_text {
 public:
  explicit prometheus_text(std::string& out) : out_(out) {}

  // Starts a family: the samples that follow (until the next family) belong to it. `name` is
  // the family name (for a counter, with its `_total`; for a histogram, without `_bucket`).
  void family(std::string_view name, metric_type type, std::string_view help);

  void sample(std::string_view name, std::span<const label> labels, std::uint64_t value);
  void sample(std::string_view name, std::span<const label> labels, double value);
  void sample(std::string_view name, std::initializer_list<label> labels, std::uint64_t value) {
    sample(name, std::span<const label>(labels.begin(), labels.size()), value);
  }
  void sample(std::string_view name, std::initializer_list<label> labels, double value) {
    sample(name, std::span<const label>(labels.begin(), labels.size()), value);
  }

  // A histogram's samples: `cumulative[i]` observations at most `bounds[i]` (seconds), then
  // `_bucket{le="+Inf"}` and `_count` = `count`, and `_sum`.
  void histogram(std::string_view name, std::span<const label> labels,
                 std::span<const double> bounds, std::span<const std::uint64_t> cumulative,
                 std::uint64_t count, double sum);

 private:
  void begin_sample(std::string_view name, std::string_view suffix, std::span<const label> labels,
                    const label* extra);

  std::string& out_;
};

// Appends `v` as Prometheus reads a float: the shortest text that reads back the same, and
// +Inf, -Inf, NaN.
void append_float(std::string& out, double v);
// Appends a label value with \\, \" and \n escaped.
void append_label_value(std::string& out, std::string_view v);
// Appends HELP text with \\ and \n escaped.
void append_help(std::string& out, std::string_view v);

}  // namespace tickerd::metrics
