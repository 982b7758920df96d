// The client-facing side: N shards, each an io_context on its own thread that owns its
// listening socket (SO_REUSEPORT), its HTTP and WebSocket sessions, and its copy of each
// channel's latest state. The ingest thread hands every batch of updates to each shard once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tickerd/app/config.hpp"
#include "tickerd/gateway/server_stats.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/update.hpp"
#include "tickerd/market/candle_json.hpp"
#include "tickerd/market/feed_status.hpp"

namespace tickerd {

// GET /v1/candles/<SYM>, checked by the shard (the symbol, venue and interval exist), for the
// server to answer off the shard: the candles live on the ingest thread, or in Redis on an edge.
struct candles_query {
  instrument_id instrument = no_instrument;
  std::string symbol;             // "BTC-USDT"
  std::optional<venue_id> venue;  // none: the consolidated tape's candles
  candle_interval interval = candle_interval::m1;
  channel_id channel = 0;  // candles.<SYM>[@venue].<interval>
  candle_page_query page;
  update_ptr latest;  // the channel's latest update on the asking shard (null: none yet)
};
// Answers a request once, from any thread: an HTTP status and a JSON body.
using http_reply = std::function<void(int status, std::string body)>;

struct gateway_options {
  server_config server;
  limits_config limits;
  const channel_registry* channels = nullptr;
  std::vector<feed_status_entry> feeds;  // the stats outlive the gateway
  std::size_t resume_history = 256;      // updates kept per channel for `since` resumes
  // An edge node has no feeds of its own: /v1/feeds and /healthz show the ingest node's, from
  // the latest `status` channel data.
  bool feeds_from_status_channel = false;
  const redis_stats* redis = nullptr;  // for /v1/stats; null without [redis]
  auth_config auth;
  // Writes the body of GET /metrics from the shards' stats (any shard's thread); empty: the
  // client port has no /metrics (a separate [metrics] listen serves it).
  std::function<void(std::string& out, std::span<const shard_stats* const> shards)> metrics;
  // GET /v1/candles/<SYM>: called on a shard's thread; must not block it (post the work to the
  // thread that holds the candles) and must call the reply exactly once (the shard answers 503
  // when it takes longer than candles_timeout). Empty: the route answers 404.
  std::function<void(candles_query, http_reply)> candles;
  std::chrono::milliseconds candles_timeout{5'000};
};

using update_batch = std::shared_ptr<const std::vector<update_ptr>>;

// What /readyz and the stale notices depend on besides the feeds (set by the server).
struct node_health {
  bool draining = false;  // SIGTERM received: stopping after [server] drain_ms
  // An edge that has lost its ingest node: "" while heartbeats arrive, else the reason code
  // ("ingest_lost": the bus is up but silent; "bus_down": no connection to Redis), with a
  // sentence for people. Every channel is then stale on this node.
  std::string upstream_lost;
  std::string upstream_message;
};

class gateway {
 public:
  explicit gateway(gateway_options options);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  // Binds every shard's listener and starts the shard threads. Throws std::runtime_error
  // (with the address and reason) when the port cannot be bound.
  void start();

  // The port actually bound (useful with port 0).
  std::uint16_t port() const noexcept;

  // Every shard's stats (after start(); any thread may read them, they live until the
  // gateway is destroyed).
  std::span<const shard_stats* const> stats() const noexcept;

  // Called from the ingest thread; crosses to each shard once per batch.
  void deliver(update_batch batch);

  // Any thread: the shards answer /readyz and mark snapshots from this; a change of
  // upstream_lost sends every client a `status` message.
  void set_health(const node_health& health);

  // Any thread (SIGHUP): re-reads [server.tls] cert and key into a new context for new
  // connections; existing ones keep theirs. A file that does not load keeps the current
  // context and is logged at error level. False then, or without [server.tls].
  bool reload_tls();
  // SIGHUP: reads [auth]'s key or JWKS file again; a bad file keeps the old keys (logged).
  // Connections already open keep their verified token; new tokens meet the new keys.
  void reload_auth_keys();

  // Any thread: the graceful drain. Every shard stops accepting (its listener closes), sends
  // each client a `reconnect` notice with an after_ms drawn uniformly from [0, window], and
  // closes it with 1001 once its after_ms has passed. `on_empty` runs once, on a shard's
  // thread, when no client is left on any shard. Returns the number of clients told.
  std::size_t drain(std::chrono::milliseconds window, std::function<void()> on_empty);
  // WebSocket and SSE clients connected now, summed over the shards (any thread).
  std::size_t clients() const noexcept;

  // Ingest thread (SIGHUP): new limits for every shard, each taking one shared immutable copy
  // on its own thread; the connection counts' maxima at once.
  void set_limits(const limits_config& limits);

  // Ingest thread (the systemd watchdog, every half WatchdogSec): true when every shard's loop
  // ran the probe posted at the previous call, so none is stuck; posts the next probes.
  bool shards_alive();

  // Closes every client with 1001 and joins the shard threads (waits at most `grace`).
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd
