// GET /metrics: reads the stats tickerd already keeps (the shards' counters, the feeds', Redis')
// and writes them in the Prometheus text format. Nothing here is on a message path: a scrape
// reads relaxed atomics written by their owning threads and sums the shards.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tickerd/gateway/server_stats.hpp"
#include "tickerd/market/aggregator.hpp"
#include "tickerd/market/feed_status.hpp"
#include "tickerd/store/redis_store.hpp"

namespace tickerd::metrics {

class prometheus_text;
struct process_sample;

struct sources {
  std::span<const shard_stats* const> shards;
  std::span<const feed_status_entry> feeds;  // empty on an edge node (its feeds are elsewhere)
  const redis_stats* redis = nullptr;        // null without [redis]
  const redis_store_stats* redis_writer = nullptr;
  const aggregator* market = nullptr;  // the composites' venues; null where feeds are elsewhere
};

// The whole scrape: build info, the server's metrics, and the process' (read from /proc now).
void collect(std::string& out, const sources& from, std::int64_t now_wall_ms);

// The parts, for tests: deterministic given their inputs.
void write_build_info(prometheus_text& out);
void write_server_metrics(prometheus_text& out, const sources& from, std::int64_t now_wall_ms);
void write_process_metrics(prometheus_text& out, const process_sample& p);

}  // namespace tickerd::metrics
