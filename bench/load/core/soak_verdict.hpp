// The soak's verdict (make soak): from the per-second samples of tickerd's RSS, descriptors
// and /v1/stats gauges, the recovery of every disruption and the clients' tallies, a list of
// checks, each measured against its target, and whether all passed. Pure, unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tickerd::bench {

struct soak_sample {
  double t_s = 0;  // since the soak's clients started
  std::uint64_t rss_kib = 0;
  std::uint64_t fds = 0;
  std::uint64_t clients_open = 0;  // as the load generator sees them
  // From GET /v1/stats; -1 when the reply was missing.
  std::int64_t connections = -1;
  std::int64_t queued_messages = -1;
  std::int64_t queued_bytes = -1;
  std::int64_t pending_timers = -1;
  std::uint64_t messages_per_s = 0;  // received by all clients
};

struct rss_growth {
  bool measured = false;
  double pct = 0;       // the fitted line's rise over the window, % of its start
  double from_kib = 0;  // the line at the window's start and end
  double to_kib = 0;
  double window_start_s = 0;  // the window: the last two thirds of the samples' span
  double window_end_s = 0;
  std::size_t samples = 0;
};

// A least-squares line through RSS over the last two thirds of the run (the first third is
// warm-up: allocator pools, queues and history filling): a line, not the two end points, so
// one sample taken during a burst does not decide the verdict. Needs 10 samples in the window.
rss_growth measure_rss_growth(const std::vector<soak_sample>& samples);

// One disruption and when it was over (feeds `up` with fresh messages again, Redis connected
// again, the burst back at the base rate), in seconds after it started.
struct soak_recovery {
  std::string label;
  double at_s = 0;
  double bound_s = 0;
  std::optional<double> recovered_after_s;  // nullopt: not seen before the soak ended
  std::string observed;                     // what it did, e.g. "went down; parse_errors +20"
  bool ok() const noexcept { return recovered_after_s && *recovered_after_s <= bound_s; }
};

// What each kind of client saw, over the whole soak.
struct soak_tallies {
  std::uint64_t steady_updates = 0;
  std::uint64_t steady_gaps = 0;  // unannounced holes in seq
  std::uint64_t steady_regressions = 0;
  std::uint64_t steady_conflated = 0;  // dropped and announced by `conflated` (not gaps)
  std::uint64_t throttled_updates = 0;
  std::uint64_t throttled_regressions = 0;
  std::uint64_t churn_cycles = 0;
  std::uint64_t resumes = 0;  // reconnects with `since`
  std::uint64_t resets = 0;   // resumes the server answered with `reset` + snapshot
  std::uint64_t churn_gaps = 0;
  std::uint64_t churn_regressions = 0;
  std::uint64_t stalls = 0;          // slow readers that stopped reading
  std::uint64_t stall_closed = 0;    // found closed by the server, as documented
  std::uint64_t stall_survived = 0;  // found still open
  std::uint64_t bad_sent = 0;
  std::uint64_t bad_errors = 0;              // `error` replies they got
  std::uint64_t unexpected_disconnects = 0;  // steady, throttled and bad clients dropped
};

struct soak_inputs {
  std::vector<soak_sample> samples;
  std::optional<std::uint64_t> fd_baseline;  // tickerd's descriptors before the clients
  std::optional<std::uint64_t> fd_end;       // after they all closed and tickerd settled
  std::uint64_t clients_planned = 0;
  std::vector<soak_recovery> recoveries;
  soak_tallies tallies;
  // tickerd's own count (/v1/stats at the end): conflations, and clients it dropped as slow
  // or silent (slow_closes + idle_closes).
  std::optional<std::int64_t> server_conflations;
  std::optional<std::int64_t> server_slow_drops;
  double rss_limit_pct = 5;
};

struct soak_check {
  std::string name;
  std::string measured;
  std::string target;
  bool pass = false;
};

struct soak_verdict {
  std::vector<soak_check> checks;
  rss_growth rss;
  bool pass = false;
};

soak_verdict judge_soak(const soak_inputs& in);

// The verdict, the tallies, the recoveries and the samples as one JSON object, plus whatever
// `head` holds (already-encoded members such as "command", "settings"; may be empty).
std::string soak_json(const soak_inputs& in, const soak_verdict& v, const std::string& head);
// The checks as lines for the terminal: "PASS  name: measured (target)".
std::string soak_verdict_text(const soak_verdict& v);

}  // namespace tickerd::bench
