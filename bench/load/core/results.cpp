#include "load/core/results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::bench {
namespace {

struct quantile_point {
  const char* name;
  double q;
};
constexpr quantile_point summary_quantiles[] = {
    {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void key(std::string& out, std::string_view k) {
  json::append_key(out, k);
}
void num(std::string& out, std::string_view k, std::uint64_t v) {
  key(out, k);
  json::append_int(out, static_cast<std::int64_t>(v));
}
void dbl(std::string& out, std::string_view k, double v, int decimals = 3) {
  key(out, k);
  if (v < 0 || !std::isfinite(v)) {
    out.append("null");
  } else {
    out.append(fixed(v, decimals));
  }
}
void str(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  json::append_string(out, v);
}
void boolean(std::string& out, std::string_view k, bool v) {
  key(out, k);
  out.append(v ? "true" : "false");
}

void histogram_json(std::string& out, std::string_view k, const histogram& h, bool buckets) {
  key(out, k);
  out.push_back('{');
  num(out, "count", h.count());
  num(out, "min", h.min());
  for (const auto& q : summary_quantiles) num(out, q.name, h.quantile(q.q));
  num(out, "max", h.max());
  dbl(out, "mean", h.mean(), 1);
  if (buckets) {
    key(out, "buckets");
    out.push_back('[');
    bool first = true;
    for (const auto& b : h.nonempty_buckets()) {
      if (!first) out.push_back(',');
      first = false;
      out.push_back('[');
      json::append_int(out, static_cast<std::int64_t>(b.low));
      out.push_back(',');
      json::append_int(out, static_cast<std::int64_t>(b.high));
      out.push_back(',');
      json::append_int(out, static_cast<std::int64_t>(b.count));
      out.push_back(']');
    }
    out.push_back(']');
  }
  out.push_back('}');
}

void run_json(std::string& out, const run_result& r) {
  out.push_back('{');
  str(out, "label", r.label);
  str(out, "url", r.url);
  dbl(out, "rate", r.rate);
  dbl(out, "offered_per_client", r.offered_per_client);
  num(out, "throttle_ms", static_cast<std::uint64_t>(r.throttle_ms));
  num(out, "channels_per_client", r.channels_per_client);
  key(out, "clients");
  out.push_back('{');
  num(out, "planned", r.clients_planned);
  num(out, "connected", r.clients_connected);
  num(out, "connect_errors", r.connect_errors);
  num(out, "handshake_errors", r.handshake_errors);
  num(out, "disconnects", r.disconnects);
  num(out, "moved", r.moved);
  out.push_back('}');
  str(out, "first_error", r.first_error);
  dbl(out, "duration_s", r.duration_s);
  num(out, "messages", r.messages);
  num(out, "updates", r.updates);
  num(out, "snapshots", r.snapshots);
  num(out, "bytes", r.bytes);
  dbl(out, "messages_per_s", r.messages_per_s(), 1);
  dbl(out, "updates_per_s", r.updates_per_s(), 1);
  dbl(out, "bytes_per_s", r.bytes_per_s(), 1);
  dbl(out, "updates_per_client_channel_s", r.updates_per_client_channel_s(), 3);
  num(out, "gaps", r.gaps);
  num(out, "gap_events", r.gap_events);
  num(out, "skipped", r.skipped);
  num(out, "conflated_notices", r.conflated_notices);
  num(out, "conflated_dropped", r.conflated_dropped);
  num(out, "error_messages", r.error_messages);
  num(out, "negative_latencies", r.negative_latencies);
  num(out, "cycles", r.cycles);
  histogram_json(out, "latency_us", r.latency_us, true);
  histogram_json(out, "connect_us", r.connect_us, false);
  histogram_json(out, "ready_us", r.ready_us, false);
  key(out, "server");
  out.push_back('{');
  dbl(out, "cpu_pct", r.server_cpu_pct, 1);
  num(out, "rss_kib_start", r.server_rss_kib_start);
  num(out, "rss_kib_end", r.server_rss_kib_end);
  num(out, "rss_kib_max", r.server_rss_kib_max);
  dbl(out, "cpu_us_per_message", r.server_cpu_us_per_message(), 2);
  out.push_back('}');
  dbl(out, "bench_cpu_pct", r.bench_cpu_pct, 1);
  key(out, "latest");
  if (r.latest) {
    const auto& l = *r.latest;
    out.push_back('{');
    boolean(out, "ok", l.ok());
    num(out, "clients", l.clients);
    num(out, "checked", l.checked);
    num(out, "behind", l.behind);
    num(out, "missing", l.missing);
    num(out, "worst_lag", static_cast<std::uint64_t>(l.worst_lag));
    str(out, "first_problem", l.first_problem);
    out.push_back('}');
  } else {
    out.append("null");
  }
  str(out, "latest_how", r.latest_how);
  boolean(out, "client_sweep", r.client_sweep);
  key(out, "series");
  out.push_back('[');
  for (std::size_t i = 0; i < r.series.size(); ++i) {
    const auto& s = r.series[i];
    if (i != 0) out.push_back(',');
    out.push_back('{');
    dbl(out, "t", s.t, 2);
    num(out, "messages", s.messages);
    num(out, "bytes", s.bytes);
    num(out, "p50_us", s.p50_us);
    num(out, "p99_us", s.p99_us);
    num(out, "max_us", s.max_us);
    num(out, "connections", s.connections);
    dbl(out, "server_cpu_pct", s.server_cpu_pct, 1);
    num(out, "server_rss_kib", s.server_rss_kib);
    dbl(out, "bench_cpu_pct", s.bench_cpu_pct, 1);
    dbl(out, "offered_rate", s.offered_rate, 2);
    boolean(out, "measuring", s.measuring);
    out.push_back('}');
  }
  out.push_back(']');
  out.push_back('}');
}

// ---- HTML ---------------------------------------------------------------------------------

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

struct series_line {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;
};

constexpr const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c",
                                   "#ff7f0e", "#9467bd", "#8c564b"};
constexpr double chart_w = 720;
constexpr double chart_h = 260;
constexpr double pad_l = 70;
constexpr double pad_r = 20;
constexpr double pad_t = 28;
constexpr double pad_b = 42;

// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten.
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    if (v <= m * p) return m * p;
  }
  return 10 * p;
}

// A line chart with linear axes; `x_label_of` formats x tick values.
template <typename XLabel>
std::string line_chart(const std::string& title, const std::vector<series_line>& lines,
                       const std::string& x_name, const std::string& y_name, double x_min,
                       double x_max, const std::vector<double>& x_ticks, XLabel x_label_of) {
  double y_max = 0;
  for (const auto& l : lines) {
    for (const auto& [x, y] : l.points) y_max = std::max(y_max, y);
  }
  y_max = nice_ceiling(y_max * 1.05);
  if (x_max <= x_min) x_max = x_min + 1;
  const double plot_w = chart_w - pad_l - pad_r;
  const double plot_h = chart_h - pad_t - pad_b;
  const auto px = [&](double x) { return pad_l + (x - x_min) / (x_max - x_min) * plot_w; };
  const auto py = [&](double y) { return pad_t + plot_h - y / y_max * plot_h; };
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << chart_w << "\" height=\""
      << chart_h << "\" viewBox=\"0 0 " << chart_w << " " << chart_h
      << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  svg << "<text x=\"" << pad_l << "\" y=\"16\" font-size=\"13\" font-weight=\"bold\">"
      << escape(title) << "</text>\n";
  for (int i = 0; i <= 4; ++i) {
    const double y = y_max * i / 4;
    svg << "<line x1=\"" << pad_l << "\" x2=\"" << chart_w - pad_r << "\" y1=\"" << py(y)
        << "\" y2=\"" << py(y) << "\" stroke=\"#ddd\"/>"
        << "<text x=\"" << pad_l - 6 << "\" y=\"" << py(y) + 4 << "\" text-anchor=\"end\">"
        << escape(short_number(y)) << "</text>\n";
  }
  for (const double x : x_ticks) {
    svg << "<line x1=\"" << px(x) << "\" x2=\"" << px(x) << "\" y1=\"" << pad_t << "\" y2=\""
        << pad_t + plot_h << "\" stroke=\"#eee\"/>"
        << "<text x=\"" << px(x) << "\" y=\"" << pad_t + plot_h + 14 << "\" text-anchor=\"middle\">"
        << escape(x_label_of(x)) << "</text>\n";
  }
  svg << "<text x=\"" << pad_l + plot_w / 2 << "\" y=\"" << chart_h - 6
      << "\" text-anchor=\"middle\">" << escape(x_name) << "</text>\n";
  svg << "<text transform=\"translate(14," << pad_t + plot_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << escape(y_name) << "</text>\n";
  svg << "<rect x=\"" << pad_l << "\" y=\"" << pad_t << "\" width=\"" << plot_w << "\" height=\""
      << plot_h << "\" fill=\"none\" stroke=\"#999\"/>\n";
  double legend_x = pad_l + 8;
  for (const auto& l : lines) {
    if (l.points.empty()) continue;
    svg << "<polyline fill=\"none\" stroke=\"" << l.color << "\" stroke-width=\"1.8\" points=\"";
    for (const auto& [x, y] : l.points) svg << fixed(px(x), 1) << "," << fixed(py(y), 1) << " ";
    svg << "\"/>\n";
    if (l.points.size() <= 12) {
      // Few points (a sweep's steps): mark each, so a single step is visible too.
      for (const auto& [x, y] : l.points) {
        svg << "<circle cx=\"" << fixed(px(x), 1) << "\" cy=\"" << fixed(py(y), 1)
            << "\" r=\"3\" fill=\"" << l.color << "\"/>";
      }
      svg << "\n";
    }
    svg << "<rect x=\"" << legend_x << "\" y=\"" << pad_t + 6
        << "\" width=\"10\" height=\"10\" fill=\"" << l.color << "\"/><text x=\"" << legend_x + 14
        << "\" y=\"" << pad_t + 15 << "\">" << escape(l.name) << "</text>\n";
    legend_x += 24 + 7.0 * static_cast<double>(l.name.size());
  }
  svg << "</svg>\n";
  return svg.str();
}

// Latency by percentile, HdrHistogram style: x is the number of nines, -log10(1 - q).
std::string latency_chart(const std::vector<const run_result*>& runs) {
  std::vector<series_line> lines;
  constexpr double max_nines = 4;  // 99.99 %
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& h = runs[i]->latency_us;
    if (h.count() == 0) continue;
    series_line l{runs[i]->label, palette[i % std::size(palette)], {}};
    for (int step = 0; step <= 80; ++step) {
      const double nines = max_nines * step / 80;
      const double q = 1 - std::pow(10.0, -nines);
      l.points.emplace_back(nines, static_cast<double>(h.quantile(q)) / 1000.0);
    }
    lines.push_back(std::move(l));
  }
  if (lines.empty()) return {};
  return line_chart("End-to-end latency by percentile (recv_ts to client receipt)", lines,
                    "percentile", "ms", 0, max_nines, {0, 1, 2, 3, 4}, [](double n) {
                      static const char* names[] = {"0", "90", "99", "99.9", "99.99"};
                      return std::string(names[static_cast<int>(n + 0.5)]);
                    });
}

std::string throughput_chart(const run_result& r) {
  if (r.series.empty()) return {};
  series_line msgs{"messages/s", palette[0], {}};
  series_line p99{"p99 latency, µs (per second)", palette[1], {}};
  double t_max = 0;
  for (const auto& s : r.series) {
    msgs.points.emplace_back(s.t, static_cast<double>(s.messages));
    t_max = std::max(t_max, s.t);
  }
  std::vector<double> ticks;
  const double step = nice_ceiling(t_max / 8);
  for (double t = 0; t <= t_max + 1e-9; t += step) ticks.push_back(t);
  auto chart = line_chart("Delivered messages per second: " + r.label, {msgs}, "seconds",
                          "messages/s", 0, t_max, ticks, [](double t) { return fixed(t, 0); });
  for (const auto& s : r.series) {
    if (s.messages > 0) p99.points.emplace_back(s.t, static_cast<double>(s.p99_us) / 1000.0);
  }
  if (!p99.points.empty()) {
    p99.name = "p99 latency per second";
    chart += line_chart("Latency p99 per second: " + r.label, {p99}, "seconds", "ms", 0, t_max,
                        ticks, [](double t) { return fixed(t, 0); });
  }
  return chart;
}

// p50 and p99 by clients (a stream scenario's [clients] sweep: the main run and its steps).
std::string clients_chart(std::vector<const run_result*> runs) {
  if (runs.empty()) return {};
  std::sort(runs.begin(), runs.end(), [](const run_result* a, const run_result* b) {
    return a->clients_connected < b->clients_connected;
  });
  series_line p50{"p50", palette[0], {}};
  series_line p99{"p99", palette[1], {}};
  std::vector<double> ticks{0};
  double x_max = 0;
  for (const auto* run : runs) {
    const auto clients = static_cast<double>(run->clients_connected);
    p50.points.emplace_back(clients, static_cast<double>(run->latency_us.quantile(0.5)) / 1000.0);
    p99.points.emplace_back(clients, static_cast<double>(run->latency_us.quantile(0.99)) / 1000.0);
    ticks.push_back(clients);
    x_max = std::max(x_max, clients);
  }
  return line_chart("Latency by clients (same load per client)", {p50, p99}, "clients", "ms", 0,
                    x_max, ticks, [](double x) { return short_number(x); });
}

void html_row(std::ostringstream& out, std::string_view k, const std::string& v) {
  out << "<tr><th>" << escape(k) << "</th><td>" << escape(v) << "</td></tr>\n";
}

std::string latency_text(const histogram& h) {
  if (h.count() == 0) return "–";
  std::string s;
  for (const auto& q : summary_quantiles) {
    s += std::string(q.name) + " " + format_us(h.quantile(q.q)) + ", ";
  }
  return s + "max " + format_us(h.max());
}

std::string target_state(const target_check& t) {
  if (!t.conclusive) return "NOT MEASURED";
  return t.met ? "MET" : "MISSED";
}

// "4.00 updates/s per client per channel (throttle_ms 250), 1234 skipped by design".
std::string throttle_text(const run_result& run) {
  return fixed(run.updates_per_client_channel_s(), 2) + " updates/s per client per channel (" +
         (run.throttle_ms > 0 ? "throttle_ms " + std::to_string(run.throttle_ms)
                              : std::string("unthrottled")) +
         "), " + std::to_string(run.skipped) + " seq skipped by the throttle (by design)";
}

std::string latest_text(const run_result& run) {
  if (!run.latest) return "not checked" + (run.latest_how.empty() ? "" : ": " + run.latest_how);
  const auto& l = *run.latest;
  std::string s = l.ok() ? "every client got the latest seq of every channel"
                         : (l.checked == 0 ? std::string("nothing to compare")
                                           : std::to_string(l.behind) + " behind, " +
                                                 std::to_string(l.missing) + " missing of " +
                                                 std::to_string(l.checked) + " (LOST updates)");
  s += " (" + std::to_string(l.clients) + " clients, " + std::to_string(l.checked) +
       " client-channel pairs";
  if (!run.latest_how.empty()) s += "; " + run.latest_how;
  s += ")";
  if (!l.first_problem.empty()) s += "; first: " + l.first_problem;
  return s;
}

}  // namespace

std::string short_number(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fixed(v / 1e9, 2) + "G";
  if (a >= 1e6) return fixed(v / 1e6, 2) + "M";
  if (a >= 1e4) return fixed(v / 1e3, 1) + "k";
  if (a >= 100 || v == std::floor(v)) return fixed(v, 0);
  return fixed(v, 2);
}

std::string format_us(std::uint64_t us) {
  if (us < 1000) return std::to_string(us) + " µs";
  if (us < 1'000'000) return fixed(static_cast<double>(us) / 1000.0, us < 10'000 ? 2 : 1) + " ms";
  return fixed(static_cast<double>(us) / 1e6, 2) + " s";
}

std::string to_json(const scenario_report& r) {
  std::string out = "{";
  str(out, "scenario", r.scenario);
  str(out, "description", r.description);
  str(out, "mode", r.mode);
  str(out, "note", r.note);
  str(out, "command", r.command);
  str(out, "started_at", r.started_at);
  str(out, "target_url", r.target_url);
  boolean(out, "started_stack", r.started_stack);
  str(out, "pinning", r.pinning);
  key(out, "p99_limit_ms");
  if (r.p99_limit_ms > 0) {
    out.append(fixed(r.p99_limit_ms, 3));
  } else {
    out.append("null");
  }
  key(out, "facts");
  out.push_back('{');
  for (const auto& [k, v] : r.facts) str(out, k, v);
  out.push_back('}');
  key(out, "targets");
  out.push_back('[');
  for (std::size_t i = 0; i < r.targets.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.push_back('{');
    str(out, "name", r.targets[i].name);
    str(out, "measured", r.targets[i].measured);
    str(out, "target", r.targets[i].target);
    boolean(out, "met", r.targets[i].met);
    boolean(out, "conclusive", r.targets[i].conclusive);
    out.push_back('}');
  }
  out.push_back(']');
  key(out, "client_sweep");
  if (r.client_sweep) {
    const auto& c = *r.client_sweep;
    out.push_back('{');
    key(out, "counts");
    out.push_back('[');
    for (std::size_t i = 0; i < c.counts.size(); ++i) {
      if (i != 0) out.push_back(',');
      json::append_int(out, static_cast<std::int64_t>(c.counts[i]));
    }
    out.push_back(']');
    dbl(out, "warmup_s", c.warmup_s, 2);
    dbl(out, "step_s", c.step_s, 2);
    num(out, "shards", c.shards);
    key(out, "budget_ms");
    if (c.budget_ms > 0) {
      out.append(fixed(c.budget_ms, 3));
    } else {
      out.append("null");
    }
    key(out, "largest_within");
    if (c.largest_within) {
      json::append_int(out, static_cast<std::int64_t>(*c.largest_within));
    } else {
      out.append("null");
    }
    str(out, "summary", c.summary);
    out.push_back('}');
  } else {
    out.append("null");
  }
  key(out, "runs");
  out.push_back('[');
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    if (i != 0) out.push_back(',');
    run_json(out, r.runs[i]);
  }
  out.append("]}\n");
  return out;
}

std::string summary_table(const scenario_report& r) {
  std::ostringstream out;
  out << "\n== " << r.scenario << " (" << r.mode << ") against " << r.target_url << "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-22s %9s %10s %10s %9s %9s %9s %9s %9s %7s %6s %8s\n", "run",
                "clients", "msgs/s", "MB/s", "p50", "p90", "p99", "p99.9", "max", "gaps", "confl",
                "srv cpu");
  out << line;
  for (const auto& run : r.runs) {
    const auto& h = run.latency_us;
    const auto q = [&](double x) {
      return h.count() ? format_us(h.quantile(x)) : std::string("-");
    };
    std::snprintf(
        line, sizeof line, "%-22s %4llu/%-4llu %10s %10s %9s %9s %9s %9s %9s %7llu %6llu %7s%%\n",
        run.label.substr(0, 22).c_str(), static_cast<unsigned long long>(run.clients_connected),
        static_cast<unsigned long long>(run.clients_planned),
        short_number(run.messages_per_s()).c_str(), fixed(run.bytes_per_s() / 1e6, 1).c_str(),
        q(0.5).c_str(), q(0.9).c_str(), q(0.99).c_str(), q(0.999).c_str(),
        h.count() ? format_us(h.max()).c_str() : "-", static_cast<unsigned long long>(run.gaps),
        static_cast<unsigned long long>(run.conflated_dropped),
        run.server_cpu_pct < 0 ? "-" : fixed(run.server_cpu_pct, 0).c_str());
    out << line;
  }
  for (const auto& run : r.runs) {
    if (run.connect_us.count() != 0) {
      out << run.label << ": connect p50 " << format_us(run.connect_us.quantile(0.5)) << ", p99 "
          << format_us(run.connect_us.quantile(0.99)) << ", errors "
          << run.connect_errors + run.handshake_errors << ", disconnects " << run.disconnects;
      if (run.moved) out << ", moved by a drain " << run.moved;
      if (run.cycles) out << ", churn cycles " << run.cycles;
      if (run.server_rss_kib_end) {
        out << ", server RSS " << run.server_rss_kib_start << " -> " << run.server_rss_kib_end
            << " KiB";
      }
      out << "\n";
    }
    if (!run.first_error.empty()) out << run.label << ": first error: " << run.first_error << "\n";
    if (run.throttle_ms > 0 || run.skipped > 0) {
      out << run.label << ": " << throttle_text(run) << "\n";
    }
    if (run.latest || !run.latest_how.empty()) {
      out << run.label << ": latest seq: " << latest_text(run) << "\n";
    }
  }
  for (const auto& [k, v] : r.facts) out << k << ": " << v << "\n";
  for (const auto& t : r.targets) {
    out << "target " << t.name << ": " << t.measured << " (target " << t.target << ") "
        << target_state(t) << "\n";
  }
  if (!r.note.empty()) out << "note: " << r.note << "\n";
  return out.str();
}

std::string to_html(const scenario_report& r) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>tickerd-bench: "
      << escape(r.scenario) << "</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}\n"
      << "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
         "padding:3px 8px;text-align:left;font-size:13px}th{background:#f4f4f4}\n"
      << ".met{color:#070}.missed{color:#b00}.unmeasured{color:#850}code{background:#f4f4f4;"
         "padding:1px 4px}\n"
      << "</style></head><body>\n";
  out << "<h1>tickerd-bench: " << escape(r.scenario) << "</h1>\n<p>" << escape(r.description)
      << "</p>\n<table>\n";
  html_row(out, "mode", r.mode);
  html_row(out, "target", r.target_url + (r.started_stack ? " (started by the bench)" : ""));
  html_row(out, "started", r.started_at);
  html_row(out, "command", r.command);
  if (!r.pinning.empty()) html_row(out, "pinning", r.pinning);
  for (const auto& [k, v] : r.facts) html_row(out, k, v);
  if (!r.note.empty()) html_row(out, "note", r.note);
  out << "</table>\n";
  if (!r.targets.empty()) {
    out << "<h2>Targets</h2>\n<table><tr><th>target</th><th>measured</th><th>goal</th>"
           "<th></th></tr>\n";
    for (const auto& t : r.targets) {
      out << "<tr><td>" << escape(t.name) << "</td><td>" << escape(t.measured) << "</td><td>"
          << escape(t.target) << "</td><td class=\""
          << (!t.conclusive ? "unmeasured"
              : t.met       ? "met"
                            : "missed")
          << "\">"
          << (!t.conclusive ? "not measured"
              : t.met       ? "met"
                            : "missed")
          << "</td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "<h2>Runs</h2>\n<table><tr><th>run</th><th>clients</th><th>messages/s</th>"
         "<th>MB/s</th><th>latency</th><th>seq gaps</th><th>conflated</th><th>server CPU</th>"
         "<th>server RSS</th><th>connect</th></tr>\n";
  for (const auto& run : r.runs) {
    out << "<tr><td>" << escape(run.label) << "</td><td>" << run.clients_connected << " / "
        << run.clients_planned << "</td><td>" << escape(short_number(run.messages_per_s()))
        << "</td><td>" << fixed(run.bytes_per_s() / 1e6, 2) << "</td><td>"
        << escape(latency_text(run.latency_us)) << "</td><td>" << run.gaps << "</td><td>"
        << run.conflated_dropped << " in " << run.conflated_notices << " notices</td><td>"
        << (run.server_cpu_pct < 0 ? std::string("–") : fixed(run.server_cpu_pct, 0) + " %")
        << "</td><td>" << run.server_rss_kib_start << " → " << run.server_rss_kib_end
        << " KiB</td><td>"
        << escape(run.connect_us.count()
                      ? "p50 " + format_us(run.connect_us.quantile(0.5)) + ", p99 " +
                            format_us(run.connect_us.quantile(0.99)) + ", errors " +
                            std::to_string(run.connect_errors + run.handshake_errors)
                      : std::string("–"))
        << "</td></tr>\n";
  }
  out << "</table>\n";
  for (const auto& run : r.runs) {
    if (run.throttle_ms == 0 && run.skipped == 0 && !run.latest && run.latest_how.empty()) {
      continue;
    }
    out << "<h2>Throttled delivery: " << escape(run.label) << "</h2>\n<table>\n";
    html_row(out, "delivered", throttle_text(run));
    html_row(out, "latest seq", latest_text(run));
    out << "</table>\n";
  }

  std::vector<const run_result*> with_latency;
  for (const auto& run : r.runs) {
    if (run.latency_us.count() != 0) with_latency.push_back(&run);
  }
  if (r.mode == "sweep") {
    // Delivered rate and p99 per step, one line per server.
    std::vector<series_line> rate_lines;
    std::vector<series_line> p99_lines;
    std::vector<std::string> servers;
    for (const auto& run : r.runs) {
      const auto server = run.label.substr(0, run.label.find(' '));
      if (std::find(servers.begin(), servers.end(), server) == servers.end()) {
        servers.push_back(server);
      }
    }
    double x_max = 0;
    for (std::size_t i = 0; i < servers.size(); ++i) {
      series_line rate{servers[i], palette[i % std::size(palette)], {}};
      series_line p99{servers[i], palette[i % std::size(palette)], {}};
      for (const auto& run : r.runs) {
        if (run.label.substr(0, run.label.find(' ')) != servers[i]) continue;
        const double offered = run.offered_per_client * static_cast<double>(run.clients_planned);
        x_max = std::max(x_max, offered);
        rate.points.emplace_back(offered, run.messages_per_s());
        p99.points.emplace_back(offered, static_cast<double>(run.latency_us.quantile(0.99)) / 1000);
      }
      rate_lines.push_back(std::move(rate));
      p99_lines.push_back(std::move(p99));
    }
    std::vector<double> ticks;
    const double step = nice_ceiling(x_max / 6);
    for (double x = 0; x <= x_max + 1e-9; x += step) ticks.push_back(x);
    const auto label = [](double x) { return short_number(x); };
    out << "<h2>Sweep</h2>\n"
        << line_chart("Delivered messages/s by offered deliveries/s", rate_lines,
                      "offered deliveries/s", "delivered/s", 0, x_max, ticks, label)
        << line_chart("p99 latency by offered deliveries/s", p99_lines, "offered deliveries/s",
                      "ms", 0, x_max, ticks, label);
  }
  if (r.client_sweep) {
    const auto& cs = *r.client_sweep;
    out << "<h2>Latency vs clients per shard</h2>\n<p>"
        << escape(cs.budget_ms > 0
                      ? "Largest client count with p99 ≤ " + short_number(cs.budget_ms) + " ms: "
                      : std::string())
        << escape(cs.summary) << "</p>\n"
        << clients_chart(with_latency);
  }
  if (!with_latency.empty()) {
    out << "<h2>Latency distribution</h2>\n" << latency_chart(with_latency);
  }
  out << "<h2>Over time</h2>\n";
  for (const auto& run : r.runs) out << throughput_chart(run);
  out << "<p>Generated by tickerd-bench. Latency is client receipt wall time minus the update's "
         "<code>recv_ts</code> (when the server read the upstream frame), on one machine's "
         "clock.</p>\n</body></html>\n";
  return out.str();
}

}  // namespace tickerd::bench
