#include "load/core/soak_plan.hpp"

#include <algorithm>
#include <cstdio>

namespace tickerd::bench {
namespace {

constexpr double min_events_per_kind = 2;  // in a short run, at least this many of each

// Events of one series: the first at `phase` of the interval, then every interval, while the
// event's effect ends before the settle window.
void add_series(std::vector<soak_event>& out, const soak_settings& s, double interval, double phase,
                const std::vector<soak_event>& cycle) {
  if (interval <= 0 || cycle.empty()) return;
  const double active = s.duration_s - s.settle_s;
  const double fitted = std::min(interval, active / (min_events_per_kind + phase));
  if (fitted <= 0) return;
  std::size_t i = 0;
  for (double t = fitted * phase; t < active; t += fitted, ++i) {
    soak_event e = cycle[i % cycle.size()];
    if (t + e.effect_s > active) break;
    e.at_s = t;
    out.push_back(std::move(e));
  }
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

client_mix split_clients(std::size_t clients) {
  client_mix m;
  m.throttled = clients * 3 / 10;
  m.churners = clients * 2 / 10;
  m.slow = clients / 10;
  m.bad = clients / 10;
  m.steady = clients - m.throttled - m.churners - m.slow - m.bad;
  return m;
}

const std::vector<fault_kind>& soak_fault_kinds() {
  // Six kinds against five venues: coprime, so 30 faults visit every (venue, kind) pair.
  static const std::vector<fault_kind> kinds{
      {"reset", 0},           {"stall,ms=8000", 8},    {"refuse,ms=4000", 4},
      {"close,code=1011", 0}, {"garbage,count=20", 0}, {"invalid_json,count=3", 0},
  };
  return kinds;
}

const char* to_string(soak_event_kind k) noexcept {
  switch (k) {
    case soak_event_kind::venue_fault:
      return "venue fault";
    case soak_event_kind::redis_restart:
      return "redis restart";
    case soak_event_kind::burst:
      return "burst";
  }
  return "?";
}

std::vector<soak_event> plan_soak(const soak_settings& s) {
  std::vector<soak_event> out;
  std::vector<soak_event> faults;
  const auto& kinds = soak_fault_kinds();
  const std::size_t pairs = s.venues.size() * kinds.size();
  for (std::size_t i = 0; i < pairs; ++i) {
    soak_event e;
    e.kind = soak_event_kind::venue_fault;
    e.venue = s.venues[i % s.venues.size()];
    e.fault = kinds[i % kinds.size()].spec;
    e.effect_s = kinds[i % kinds.size()].effect_s;
    e.bound_s = e.effect_s + s.recovery_bound_s;
    e.label = e.venue + " " + e.fault;
    faults.push_back(std::move(e));
  }
  soak_event redis;
  redis.kind = soak_event_kind::redis_restart;
  redis.effect_s = s.redis_down_s;
  redis.bound_s = s.redis_down_s + s.recovery_bound_s;
  redis.label = "redis restart (down " + number(s.redis_down_s) + " s)";
  soak_event burst;
  burst.kind = soak_event_kind::burst;
  burst.effect_s = s.burst_s;
  burst.bound_s = s.burst_s;
  burst.label = "burst " + number(s.burst_s) + " s";

  add_series(out, s, s.fault_interval_s, 0.5, faults);
  add_series(out, s, s.redis_interval_s, 1.0, {redis});
  add_series(out, s, s.burst_interval_s, 0.25, {burst});
  std::stable_sort(out.begin(), out.end(),
                   [](const soak_event& a, const soak_event& b) { return a.at_s < b.at_s; });
  return out;
}

}  // namespace tickerd::bench
