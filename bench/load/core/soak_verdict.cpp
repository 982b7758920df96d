#include "load/core/soak_verdict.hpp"

#include <cmath>
#include <cstdio>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::bench {
namespace {

constexpr std::size_t min_window_samples = 10;
constexpr double window_share = 2.0 / 3.0;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string count(std::uint64_t v) {
  return std::to_string(v);
}

void key_u64(std::string& out, const char* key, std::uint64_t v) {
  json::append_key(out, key);
  json::append_int(out, static_cast<std::int64_t>(v));
}

void key_double(std::string& out, const char* key, double v) {
  json::append_key(out, key);
  out.append(std::isfinite(v) ? fmt("%.3f", v) : std::string("null"));
}

void key_string(std::string& out, const char* key, const std::string& v) {
  json::append_key(out, key);
  json::append_string(out, v);
}

}  // namespace

rss_growth measure_rss_growth(const std::vector<soak_sample>& samples) {
  rss_growth g;
  if (samples.size() < 2) return g;
  const double first = samples.front().t_s;
  const double last = samples.back().t_s;
  g.window_start_s = first + (last - first) * (1.0 - window_share);
  g.window_end_s = last;
  double n = 0;
  double sx = 0;
  double sy = 0;
  double sxx = 0;
  double sxy = 0;
  for (const auto& s : samples) {
    if (s.t_s < g.window_start_s || s.rss_kib == 0) continue;
    const double x = s.t_s - g.window_start_s;
    const auto y = static_cast<double>(s.rss_kib);
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  g.samples = static_cast<std::size_t>(n);
  const double denom = n * sxx - sx * sx;
  if (g.samples < min_window_samples || denom <= 0) return g;
  const double slope = (n * sxy - sx * sy) / denom;
  const double intercept = (sy - slope * sx) / n;
  g.from_kib = intercept;
  g.to_kib = intercept + slope * (g.window_end_s - g.window_start_s);
  if (g.from_kib <= 0) return g;
  g.pct = (g.to_kib - g.from_kib) / g.from_kib * 100.0;
  g.measured = true;
  return g;
}

soak_verdict judge_soak(const soak_inputs& in) {
  soak_verdict v;
  const auto& t = in.tallies;
  auto add = [&v](std::string name, std::string measured, std::string target, bool pass) {
    v.checks.push_back({std::move(name), std::move(measured), std::move(target), pass});
  };

  v.rss = measure_rss_growth(in.samples);
  add("tickerd RSS growth over the last two thirds",
      v.rss.measured ? fmt("%+.2f %%", v.rss.pct) + " (" + fmt("%.1f", v.rss.from_kib / 1024) +
                           " -> " + fmt("%.1f", v.rss.to_kib / 1024) + " MiB, fitted over " +
                           count(v.rss.samples) + " samples)"
                     : "not measured (" + count(v.rss.samples) + " samples in the window)",
      "< " + fmt("%g", in.rss_limit_pct) + " %", v.rss.measured && v.rss.pct < in.rss_limit_pct);

  const bool fds_known = in.fd_baseline && in.fd_end;
  add("tickerd descriptors after every client closed",
      fds_known
          ? count(*in.fd_end) + " (baseline " + count(*in.fd_baseline) + " before the clients)"
          : "not measured",
      "<= baseline", fds_known && *in.fd_end <= *in.fd_baseline);

  add("seq gaps, steady clients (every update of ticker.*)",
      count(t.steady_gaps) + " gaps, " + count(t.steady_regressions) + " regressions in " +
          count(t.steady_updates) + " updates (" + count(t.steady_conflated) +
          " announced by `conflated`)",
      "0", t.steady_updates > 0 && t.steady_gaps == 0 && t.steady_regressions == 0);
  add("seq gaps, churners across `since` resumes",
      count(t.churn_gaps) + " gaps, " + count(t.churn_regressions) + " regressions over " +
          count(t.resumes) + " resumes (" + count(t.resets) + " answered with reset)",
      "0, and resumes > 0", t.resumes > 0 && t.churn_gaps == 0 && t.churn_regressions == 0);
  add("seq order, throttled dashboards",
      count(t.throttled_regressions) + " regressions in " + count(t.throttled_updates) + " updates",
      "0", t.throttled_updates > 0 && t.throttled_regressions == 0);
  add("slow readers closed by the server",
      count(t.stall_closed) + " of " + count(t.stalls) + " stalled readers closed, " +
          count(t.stall_survived) + " still open after the idle timeout",
      "all that woke, none still open", t.stalls > 0 && t.stall_survived == 0);
  const bool server_known = in.server_conflations && in.server_slow_drops;
  add("tickerd conflated and dropped slow clients (/v1/stats)",
      server_known
          ? std::to_string(*in.server_conflations) + " conflations, " +
                std::to_string(*in.server_slow_drops) + " clients dropped as slow or silent"
          : "not measured",
      "> 0 each", server_known && *in.server_conflations > 0 && *in.server_slow_drops > 0);
  add("malformed requests answered with `error`",
      count(t.bad_errors) + " errors for " + count(t.bad_sent) + " sent", "one each",
      t.bad_sent > 0 && t.bad_errors == t.bad_sent);
  add("steady, throttled and bad clients dropped by the server", count(t.unexpected_disconnects),
      "0", t.unexpected_disconnects == 0);

  std::size_t recovered = 0;
  std::string late;
  for (const auto& r : in.recoveries) {
    if (r.ok()) {
      ++recovered;
    } else if (late.empty()) {
      late = "; first failure: " + r.label + " at " + fmt("%.0f", r.at_s) + " s, " +
             (r.recovered_after_s ? "back after " + fmt("%.1f", *r.recovered_after_s) + " s"
                                  : std::string("never back"));
    }
  }
  add("disruptions recovered within their bound",
      count(recovered) + " of " + count(in.recoveries.size()) + late, "all, and at least one",
      !in.recoveries.empty() && recovered == in.recoveries.size());

  v.pass = true;
  for (const auto& c : v.checks) v.pass = v.pass && c.pass;
  return v;
}

std::string soak_verdict_text(const soak_verdict& v) {
  std::string out;
  for (const auto& c : v.checks) {
    out += std::string(c.pass ? "PASS  " : "FAIL  ") + c.name + ": " + c.measured + " (target " +
           c.target + ")\n";
  }
  out += std::string("verdict: ") + (v.pass ? "PASS" : "FAIL") + "\n";
  return out;
}

std::string soak_json(const soak_inputs& in, const soak_verdict& v, const std::string& head) {
  std::string out = "{";
  if (!head.empty()) out += head;
  json::append_key(out, "verdict");
  out += v.pass ? "\"pass\"" : "\"fail\"";
  json::append_key(out, "checks");
  out += '[';
  for (std::size_t i = 0; i < v.checks.size(); ++i) {
    const auto& c = v.checks[i];
    out += i ? ",{" : "{";
    key_string(out, "name", c.name);
    key_string(out, "measured", c.measured);
    key_string(out, "target", c.target);
    json::append_key(out, "pass");
    out += c.pass ? "true" : "false";
    out += '}';
  }
  out += ']';
  json::append_key(out, "rss_growth");
  out += '{';
  json::append_key(out, "measured");
  out += v.rss.measured ? "true" : "false";
  key_double(out, "pct", v.rss.pct);
  key_double(out, "from_kib", v.rss.from_kib);
  key_double(out, "to_kib", v.rss.to_kib);
  key_double(out, "window_start_s", v.rss.window_start_s);
  key_double(out, "window_end_s", v.rss.window_end_s);
  out += '}';
  json::append_key(out, "descriptors");
  out += '{';
  json::append_key(out, "baseline");
  out += in.fd_baseline ? count(*in.fd_baseline) : "null";
  json::append_key(out, "end");
  out += in.fd_end ? count(*in.fd_end) : "null";
  out += '}';
  json::append_key(out, "server");
  out += "{\"conflations\":";
  out += in.server_conflations ? std::to_string(*in.server_conflations) : "null";
  out += ",\"slow_drops\":";
  out += in.server_slow_drops ? std::to_string(*in.server_slow_drops) : "null";
  out += '}';
  const auto& t = in.tallies;
  json::append_key(out, "clients");
  out += '{';
  key_u64(out, "planned", in.clients_planned);
  key_u64(out, "steady_updates", t.steady_updates);
  key_u64(out, "steady_gaps", t.steady_gaps);
  key_u64(out, "steady_regressions", t.steady_regressions);
  key_u64(out, "steady_conflated", t.steady_conflated);
  key_u64(out, "throttled_updates", t.throttled_updates);
  key_u64(out, "throttled_regressions", t.throttled_regressions);
  key_u64(out, "churn_cycles", t.churn_cycles);
  key_u64(out, "resumes", t.resumes);
  key_u64(out, "resets", t.resets);
  key_u64(out, "churn_gaps", t.churn_gaps);
  key_u64(out, "churn_regressions", t.churn_regressions);
  key_u64(out, "stalls", t.stalls);
  key_u64(out, "stall_closed", t.stall_closed);
  key_u64(out, "stall_survived", t.stall_survived);
  key_u64(out, "bad_sent", t.bad_sent);
  key_u64(out, "bad_errors", t.bad_errors);
  key_u64(out, "unexpected_disconnects", t.unexpected_disconnects);
  out += '}';
  json::append_key(out, "recoveries");
  out += '[';
  for (std::size_t i = 0; i < in.recoveries.size(); ++i) {
    const auto& r = in.recoveries[i];
    out += i ? ",{" : "{";
    key_string(out, "label", r.label);
    key_double(out, "at_s", r.at_s);
    key_double(out, "bound_s", r.bound_s);
    json::append_key(out, "recovered_after_s");
    out += r.recovered_after_s ? fmt("%.3f", *r.recovered_after_s) : std::string("null");
    key_string(out, "observed", r.observed);
    json::append_key(out, "ok");
    out += r.ok() ? "true" : "false";
    out += '}';
  }
  out += ']';
  // Samples as columns: a 30-minute soak has 1,800 of them.
  json::append_key(out, "samples");
  out += '{';
  const auto column = [&](const char* name, auto get) {
    json::append_key(out, name);
    out += '[';
    for (std::size_t i = 0; i < in.samples.size(); ++i) {
      if (i) out += ',';
      get(in.samples[i]);
    }
    out += ']';
  };
  column("t_s", [&](const soak_sample& s) { out += fmt("%.1f", s.t_s); });
  column("rss_kib", [&](const soak_sample& s) { out += count(s.rss_kib); });
  column("fds", [&](const soak_sample& s) { out += count(s.fds); });
  column("clients_open", [&](const soak_sample& s) { out += count(s.clients_open); });
  column("connections", [&](const soak_sample& s) { json::append_int(out, s.connections); });
  column("queued_messages",
         [&](const soak_sample& s) { json::append_int(out, s.queued_messages); });
  column("queued_bytes", [&](const soak_sample& s) { json::append_int(out, s.queued_bytes); });
  column("pending_timers", [&](const soak_sample& s) { json::append_int(out, s.pending_timers); });
  column("messages_per_s", [&](const soak_sample& s) { out += count(s.messages_per_s); });
  out += "}}";
  return out;
}

}  // namespace tickerd::bench
