// What a stream scenario's [clients] sweep says: which client counts held a p99 budget. A
// shard sends each update to its clients one `sendmsg` after another, so p99 grows with clients
// per shard; ops read the largest count within their budget off this (bench/RESULTS.md).
#pragma once

#include <vector>

#include "load/core/results.hpp"

namespace tickerd::bench {

// Fills `largest_within` and `summary` of `info` from every run with latency samples and
// connected clients (the main run and the steps), compared by clients at the window's end.
client_sweep_info summarize_client_sweep(const std::vector<run_result>& runs,
                                         client_sweep_info info);

}  // namespace tickerd::bench
