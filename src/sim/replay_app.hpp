// `tickerd-sim --replay FILE --venue NAME [--speed X] [--replay-loop]
// [--depth-snapshot SYMBOL:FILE...]`: one venue's endpoint serving a capture file
// (docs/REPLAY.md) instead of the synthetic market, and for Binance the REST depth snapshots
// recorded with it (replay_depth.hpp). main.cpp parses the
// command line; the listen address and the server limits come from the same sim_options as
// the live sim's.
#pragma once

#include <string>
#include <vector>

#include "sim/replay_depth.hpp"
#include "sim/sim_app.hpp"

namespace tickerd::sim {

struct replay_settings {
  std::string file;    // the capture; empty = not in replay mode
  std::string venue;   // binance, okx, coinbase, bybit or kraken
  double speed = 1.0;  // delays are divided by it (> 0)
  bool loop = false;   // start over after the last record
  // GET /api/v3/depth answers, in order per symbol (Binance only).
  std::vector<replay::depth_snapshot_arg> depth_snapshots;
};

// Loads the capture and any depth snapshots (a bad one: "FILE:LINE: reason" or "FILE: reason"
// on stderr and status 2), then serves them
// until SIGINT/SIGTERM. Prints "tickerd-sim listening on <addr>" to stdout once bound.
// Returns the process exit status.
int run_replay(const sim_options& sim, const replay_settings& replay);

}  // namespace tickerd::sim
