#include "load/core/sweep.hpp"

#include <cstdio>

namespace tickerd::bench {
namespace {

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string limit_text(double p99_limit_ms) {
  return "p99 ≤ " + short_number(p99_limit_ms) + " ms";
}

}  // namespace

sweep_best best_of(const std::vector<run_result>& runs, const std::string& server,
                   double p99_limit_ms) {
  sweep_best b;
  for (const auto& r : runs) {
    if (!r.label.starts_with(server + " ")) continue;
    const double p99_ms = static_cast<double>(r.latency_us.quantile(0.99)) / 1000.0;
    const auto text = r.label + ": " + short_number(r.messages_per_s()) + " msg/s, p99 " +
                      fixed(p99_ms, 2) + " ms";
    if (b.steps++ == 0) {
      b.lowest = r.messages_per_s();
      b.lowest_text = text;
    }
    if (r.latency_us.count() > 0 && p99_ms <= p99_limit_ms && r.messages_per_s() > b.within_limit) {
      b.within_limit = r.messages_per_s();
      b.within_text = text;
    }
    if (r.messages_per_s() > b.peak) {
      b.peak = r.messages_per_s();
      b.peak_text = text;
    }
  }
  return b;
}

sweep_comparison compare_sweeps(const sweep_best& tickerd, const sweep_best& peer,
                                double p99_limit_ms) {
  sweep_comparison c;
  const auto limit = limit_text(p99_limit_ms);
  if (tickerd.peak > 0 && peer.peak > 0) c.peak_ratio = tickerd.peak / peer.peak;
  if (tickerd.any_within() && peer.any_within()) {
    c.measured = true;
    c.ratio = tickerd.within_limit / peer.within_limit;
    c.ratio_text = fixed(*c.ratio, 2) + "×";
    c.explanation = "best msg/s with " + limit + " of each: " + short_number(tickerd.within_limit) +
                    " / " + short_number(peer.within_limit);
    return c;
  }
  c.ratio_text = "not measured";
  if (tickerd.steps == 0 || peer.steps == 0) {
    c.reason = std::string(tickerd.steps == 0 ? "tickerd" : "the peer") + " ran no step";
    c.explanation = c.reason;
    return c;
  }
  // The steps start at the lowest rate, so a server that missed the limit at every step held it
  // at no rate this sweep offered; its best within the limit is below its lowest step.
  if (tickerd.any_within()) {
    c.reason = "the peer held " + limit + " at no step";
    c.explanation = "the peer held " + limit + " at no step, not even its lowest (" +
                    peer.lowest_text + "); tickerd did up to " +
                    short_number(tickerd.within_limit) + " msg/s, so the ratio is above " +
                    fixed(tickerd.within_limit / peer.lowest, 1) +
                    "× if the peer's latency only grows with load; lower steps would measure it";
  } else if (peer.any_within()) {
    c.reason = "tickerd held " + limit + " at no step";
    c.explanation = "tickerd held " + limit + " at no step, not even its lowest (" +
                    tickerd.lowest_text + "); the peer did up to " +
                    short_number(peer.within_limit) + " msg/s";
  } else {
    c.reason = "neither server held " + limit + " at any step";
    c.explanation = "neither held " + limit + " at any step (lowest steps: " + tickerd.lowest_text +
                    "; " + peer.lowest_text + ")";
  }
  if (c.peak_ratio) {
    c.explanation += "; peak msg/s ratio, for reference only: " + fixed(*c.peak_ratio, 2) + "×";
  }
  return c;
}

}  // namespace tickerd::bench
