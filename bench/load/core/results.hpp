// What one tickerd-bench run measured, and its two renderings: JSON for machines (and for
// bench/load/results.mjs, which writes RESULTS.md) and a self-contained HTML page with inline
// SVG charts (no script, no external resource).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "load/core/histogram.hpp"
#include "load/core/seq_check.hpp"

namespace tickerd::bench {

// One second of a run, as the progress line shows it.
struct second_sample {
  double t = 0;  // seconds since the run started
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t p50_us = 0;
  std::uint64_t p99_us = 0;
  std::uint64_t max_us = 0;
  std::uint64_t connections = 0;
  double server_cpu_pct = -1;  // -1: not sampled
  std::uint64_t server_rss_kib = 0;
  double bench_cpu_pct = -1;
  double offered_rate = 0;  // sim events/s per symbol at that time
  bool measuring = false;
};

// The counters and distributions of one measured window.
struct run_result {
  std::string label;  // "tickerd", "ws-broadcast", "tickerd rate 50", ...
  std::string url;
  double rate = 0;                        // sim events/s per symbol (the base rate for phased runs)
  double offered_per_client = 0;          // updates/s each client should see (0: unknown)
  std::int64_t throttle_ms = 0;           // the clients' subscribe option (0: every update)
  std::uint64_t channels_per_client = 0;  // concrete channels each client gets updates on
  std::uint64_t clients_planned = 0;
  std::uint64_t clients_connected = 0;  // at the end of the window
  std::uint64_t connect_errors = 0;
  std::uint64_t handshake_errors = 0;
  std::uint64_t disconnects = 0;  // closed by the server or the network during the run
  std::uint64_t moved = 0;        // closed after a `reconnect` (a draining server) and reconnected
  std::string first_error;
  double duration_s = 0;  // the measured window
  std::uint64_t messages = 0;
  std::uint64_t updates = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t bytes = 0;  // WebSocket payload bytes
  std::uint64_t gaps = 0;   // updates missing from seq, not announced by `conflated`
  std::uint64_t gap_events = 0;
  std::uint64_t skipped = 0;  // updates throttle_ms skipped by design (never gaps)
  std::uint64_t conflated_notices = 0;
  std::uint64_t conflated_dropped = 0;
  std::uint64_t error_messages = 0;  // `error` replies
  std::uint64_t negative_latencies = 0;
  std::uint64_t cycles = 0;  // churn: connect-subscribe-snapshot-close cycles completed
  histogram latency_us;
  histogram connect_us;
  histogram ready_us;          // connect start to the subscribe's ack (or the handshake when none)
  double server_cpu_pct = -1;  // average over the window; -1 when not sampled
  std::uint64_t server_rss_kib_start = 0;
  std::uint64_t server_rss_kib_end = 0;
  std::uint64_t server_rss_kib_max = 0;
  double bench_cpu_pct = -1;
  std::vector<second_sample> series;
  // Throttled runs: after the window, did every client reach each channel's latest seq?
  std::optional<latest_check> latest;
  std::string latest_how;     // how the check was made, or why it was not
  bool client_sweep = false;  // a step of the scenario's [clients] sweep, not its main run

  // Microseconds of server CPU per delivered message (cpu % x 10,000 / msg/s); -1: unknown.
  double server_cpu_us_per_message() const {
    const double per_s = messages_per_s();
    return server_cpu_pct >= 0 && per_s > 0 ? server_cpu_pct * 10'000.0 / per_s : -1;
  }

  double messages_per_s() const { return duration_s > 0 ? messages / duration_s : 0; }
  double updates_per_s() const { return duration_s > 0 ? updates / duration_s : 0; }
  double bytes_per_s() const { return duration_s > 0 ? bytes / duration_s : 0; }
  // Updates one client got per channel per second (0 when unknown).
  double updates_per_client_channel_s() const {
    return duration_s > 0 && clients_connected > 0 && channels_per_client > 0
               ? static_cast<double>(updates) / duration_s /
                     static_cast<double>(clients_connected) /
                     static_cast<double>(channels_per_client)
               : 0;
  }
};

struct target_check {
  std::string name;      // "p99 latency", "KiB per idle connection", "ratio to ws peer"
  std::string measured;  // formatted
  std::string target;    // formatted, e.g. "≤ 1 ms"
  bool met = false;
  bool conclusive = true;  // false: this run could not tell, so neither met nor missed
};

// A stream scenario's [clients] sweep: the same load at other client counts, so p99 can be read
// against clients per shard (load/core/client_sweep.hpp fills the verdict).
struct client_sweep_info {
  std::vector<std::uint64_t> counts;            // the steps' client counts, ascending
  double warmup_s = 0;                          // per step
  double step_s = 0;                            // each step's measured window
  unsigned shards = 0;                          // 0: unknown (a tickerd the bench did not start)
  double budget_ms = 0;                         // the p99 compared with (targets.p99_ms); 0: none
  std::optional<std::uint64_t> largest_within;  // most clients of a run that held the budget
  std::string summary;  // the largest count within the budget, and what the next one did
};

struct scenario_report {
  std::string scenario;
  std::string description;
  std::string mode;
  std::string note;
  std::string command;
  std::string started_at;  // ISO 8601 UTC
  std::string target_url;
  bool started_stack = false;
  std::string pinning;      // e.g. "tickerd on cpu 1, bench on cpu 0"
  double p99_limit_ms = 0;  // sweeps: the p99 a step must hold (0: none)
  std::vector<run_result> runs;
  std::vector<target_check> targets;
  std::vector<std::pair<std::string, std::string>> facts;  // extra key/value lines
  std::optional<client_sweep_info> client_sweep;
};

std::string to_json(const scenario_report& r);
std::string to_html(const scenario_report& r);
// The terminal summary table.
std::string summary_table(const scenario_report& r);

// "523.1k", "1.20M": short human numbers for the progress line and tables.
std::string short_number(double v);
// "0.84 ms", "12 µs", "1.3 s".
std::string format_us(std::uint64_t us);

}  // namespace tickerd::bench
