#include "load/core/client_sweep.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace tickerd::bench {
namespace {

struct point {
  std::uint64_t clients = 0;
  double p99_ms = 0;
};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string p99_text(const point& p) {
  return "p99 " + fixed(p.p99_ms, 2) + " ms";
}

// "200 clients on 1 shard", "400 clients on 2 shards, 200 per shard", "200 clients".
std::string clients_text(std::uint64_t clients, unsigned shards) {
  const auto n = std::to_string(clients) + " clients";
  if (shards == 0) return n;
  if (shards == 1) return n + " on 1 shard";
  return n + " on " + std::to_string(shards) + " shards, " + std::to_string(clients / shards) +
         " per shard";
}

}  // namespace

client_sweep_info summarize_client_sweep(const std::vector<run_result>& runs,
                                         client_sweep_info info) {
  info.largest_within.reset();
  std::vector<point> points;
  for (const auto& r : runs) {
    if (r.latency_us.count() == 0 || r.clients_connected == 0) continue;
    points.push_back(
        {r.clients_connected, static_cast<double>(r.latency_us.quantile(0.99)) / 1000.0});
  }
  std::sort(points.begin(), points.end(),
            [](const point& a, const point& b) { return a.clients < b.clients; });
  if (points.empty()) {
    info.summary = "no run measured latency";
    return info;
  }
  if (info.budget_ms <= 0) {
    info.summary = "no p99 budget to compare with (targets.p99_ms)";
    return info;
  }
  const auto within = [&](const point& p) { return p.p99_ms <= info.budget_ms; };
  const auto best = std::find_if(points.rbegin(), points.rend(), within);
  if (best == points.rend()) {
    info.summary = "none (the fewest, " + clients_text(points.front().clients, info.shards) +
                   ", had " + p99_text(points.front()) + ")";
    return info;
  }
  info.largest_within = best->clients;
  info.summary = clients_text(best->clients, info.shards) + " (" + p99_text(*best) + ")";
  if (best != points.rbegin()) {
    const auto& next = *std::prev(best);  // the next larger count, which missed it
    info.summary += "; the next count, " + std::to_string(next.clients) + ", had " + p99_text(next);
  }
  // A smaller count that missed the budget while a larger one held it is noise between runs
  // on a shared machine, and the reader should know the line is not a clean threshold.
  for (auto it = points.begin(); it != std::prev(best.base()); ++it) {
    if (!within(*it)) {
      info.summary += "; but " + std::to_string(it->clients) + " missed it (" + p99_text(*it) + ")";
      break;
    }
  }
  return info;
}

}  // namespace tickerd::bench
