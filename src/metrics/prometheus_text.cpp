#include "metrics/prometheus_text.hpp"

#include <charconv>
#include <cmath>

namespace tickerd::metrics {
namespace {

std::string_view to_string(metric_type t) {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void append_float(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[32];
  // The shortest digits that read back the same, in %g's layout (0.0001, 5e-05), as Go's
  // client libraries write them.
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  out.append(buf, r.ptr);
}

namespace {

// Backslash and newline always; a double quote only inside a label value.
void append_escaped(std::string& out, std::string_view v, bool quote) {
  for (const char c : v) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '"' && quote) {
      out.append("\\\"");
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

void append_label_value(std::string& out, std::string_view v) {
  append_escaped(out, v, true);
}

void append_help(std::string& out, std::string_view v) {
  append_escaped(out, v, false);
}

void prometheus_text::family(std::string_view name, metric_type type, std::string_view help) {
  out_.append("# HELP ").append(name).push_back(' ');
  append_help(out_, help);
  out_.append("\n# TYPE ").append(name).push_back(' ');
  out_.append(to_string(type)).push_back('\n');
}

void prometheus_text::begin_sample(std::string_view name, std::string_view suffix,
                                   std::span<const label> labels, const label* extra) {
  out_.append(name).append(suffix);
  if (labels.empty() && extra == nullptr) {
    out_.push_back(' ');
    return;
  }
  out_.push_back('{');
  bool first = true;
  const auto put = [&](const label& l) {
    if (!first) out_.push_back(',');
    first = false;
    out_.append(l.name).append("=\"");
    append_label_value(out_, l.value);
    out_.push_back('"');
  };
  for (const auto& l : labels) put(l);
  if (extra != nullptr) put(*extra);
  out_.append("} ");
}

void prometheus_text::sample(std::string_view name, std::span<const label> labels,
                             std::uint64_t value) {
  begin_sample(name, {}, labels, nullptr);
  append_uint(out_, value);
  out_.push_back('\n');
}

void prometheus_text::sample(std::string_view name, std::span<const label> labels, double value) {
  begin_sample(name, {}, labels, nullptr);
  append_float(out_, value);
  out_.push_back('\n');
}

void prometheus_text::histogram(std::string_view name, std::span<const label> labels,
                                std::span<const double> bounds,
                                std::span<const std::uint64_t> cumulative, std::uint64_t count,
                                double sum) {
  std::string le;
  for (std::size_t i = 0; i < bounds.size() && i < cumulative.size(); ++i) {
    le.clear();
    append_float(le, bounds[i]);
    const label bound{"le", le};
    begin_sample(name, "_bucket", labels, &bound);
    append_uint(out_, cumulative[i]);
    out_.push_back('\n');
  }
  const label inf{"le", "+Inf"};
  begin_sample(name, "_bucket", labels, &inf);
  append_uint(out_, count);
  out_.push_back('\n');
  begin_sample(name, "_sum", labels, nullptr);
  append_float(out_, sum);
  out_.push_back('\n');
  begin_sample(name, "_count", labels, nullptr);
  append_uint(out_, count);
  out_.push_back('\n');
}

}  // namespace tickerd::metrics
