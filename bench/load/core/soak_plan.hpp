// The soak's schedule (make soak, docs/OPERATIONS.md "Soak"): how the clients split into
// kinds, and when the disruptions come: a venue fault (rotating venue and kind), a Redis
// restart and a burst of the market rate, each every few minutes, none in the final settle
// window (which is for recovery and the end checks). Pure, so a 30-minute plan is unit-tested
// without running for 30 minutes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tickerd::bench {

struct client_mix {
  std::size_t steady = 0;     // ticker.*, every update: seq continuity
  std::size_t throttled = 0;  // ticker.* with throttle_ms: dashboards
  std::size_t churners = 0;   // two composite channels, reconnecting with `since`
  std::size_t slow = 0;       // stop reading: conflated, then dropped by the server
  std::size_t bad = 0;        // send malformed requests, expect `error`
  std::size_t total() const noexcept { return steady + throttled + churners + slow + bad; }
};

// 30 % steady, 30 % throttled, 20 % churners, 10 % slow, 10 % bad (rounded; the remainder
// goes to steady, so the kinds always add up to `clients`).
client_mix split_clients(std::size_t clients);

struct soak_settings {
  double duration_s = 1800;
  double fault_interval_s = 180;  // a venue fault this often
  double redis_interval_s = 240;  // a Redis restart this often
  double burst_interval_s = 120;  // a market-rate burst this often
  double burst_s = 15;
  double redis_down_s = 3;       // how long Redis stays down during a restart
  double settle_s = 45;          // no disruption may still be in effect this close to the end
  double recovery_bound_s = 20;  // after a disruption's effect ends, to be back
  std::vector<std::string> venues{"binance", "okx", "coinbase", "bybit", "kraken"};
};

enum class soak_event_kind { venue_fault, redis_restart, burst };

struct soak_event {
  double at_s = 0;
  soak_event_kind kind = soak_event_kind::venue_fault;
  std::string venue;    // venue_fault
  std::string fault;    // venue_fault: the body of POST /faults/<venue>
  double effect_s = 0;  // how long the disruption itself lasts (a stall's ms, Redis down...)
  double bound_s = 0;   // recovery must be seen within this long after at_s
  std::string label;    // e.g. "okx stall,ms=8000"
};

// Each interval is shortened to fit at least two of each event into a short run (a 2-minute
// soak still restarts Redis and faults a venue); the venue faults rotate over venues and
// kinds so that every (venue, kind) pair comes up within venues x kinds faults.
std::vector<soak_event> plan_soak(const soak_settings& s);

// The fault kinds the plan rotates through, with how long each lasts.
struct fault_kind {
  std::string spec;
  double effect_s;
};
const std::vector<fault_kind>& soak_fault_kinds();

const char* to_string(soak_event_kind k) noexcept;

}  // namespace tickerd::bench
