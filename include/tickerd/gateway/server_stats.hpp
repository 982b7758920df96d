// Gauges and counters behind `GET /v1/stats` and `GET /metrics` (docs/OPERATIONS.md). Each
// shard writes only its own `shard_stats` and the ingest thread only the `redis_stats`; anyone
// may read them. Single writer, so an update is a relaxed load and store (a plain move on x86,
// no locked instruction), and nothing is written per message: queue depths, subscriptions and
// armed timers are summed by the shard's keepalive sweep (at most a second old), sent bytes
// once per system call, the latency once per update per shard, and the other counters on rare
// events (a connection, a conflation, a close). A scrape sums the shards.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "tickerd/core/latency_histogram.hpp"
#include "tickerd/core/stat_counter.hpp"
#include "tickerd/gateway/refusal.hpp"
#include "tickerd/hub/channel_registry.hpp"

namespace tickerd {

// Subscriptions are sampled by family: one slot per channel_kind, then `ticker.*`, then the
// other wildcards (`trades.*`, `bbo.*@okx`…).
constexpr std::size_t channel_kind_count = 14;
constexpr std::size_t subscription_families = channel_kind_count + 2;
constexpr std::size_t ticker_wildcard_family = channel_kind_count;
constexpr std::size_t other_wildcard_family = channel_kind_count + 1;
static_assert(static_cast<std::size_t>(channel_kind::venue_book) + 1 == channel_kind_count);

struct shard_stats {
  // Gauges.
  stat_counter connections{0};       // WebSocket sessions (open or closing)
  stat_counter http_connections{0};  // plain HTTP and not yet upgraded connections
  stat_counter queued_messages{0};   // messages waiting in client queues (sampled)
  stat_counter queued_bytes{0};      // their bytes, plus partly written frames (sampled)
  stat_counter pending_timers{0};    // armed timers: throttles (sampled) and the shard's own
  stat_counter queued_batches{0};    // update batches posted to the shard, not yet delivered
  stat_counter tls_handshakes_in_progress{0};  // [server.tls]: at most max_handshakes
  // Counters since start.
  stat_counter accepted{0};                // WebSocket sessions opened
  stat_counter conflations{0};             // times a client queue was conflated
  stat_counter conflated_dropped{0};       // updates dropped by conflation
  stat_counter slow_closes{0};             // closed 1013: queue above max_queued_bytes
  stat_counter idle_closes{0};             // dropped after idle_timeout_ms without a byte
  stat_counter tls_handshakes{0};          // TLS handshakes completed
  stat_counter tls_handshake_failures{0};  // refused (protocol, version, cipher) or reset
  stat_counter tls_handshake_timeouts{0};  // not done within handshake_timeout_ms
  stat_counter tls_accept_pauses{0};       // times accepting paused at max_handshakes
  stat_counter tls_handshake_us{0};        // time spent in OpenSSL's handshake steps
  // Upgrades refused, by reason; tokens refused and subscribes forbidden, by reason.
  std::array<stat_counter, refusal_count> refused{};
  std::array<stat_counter, auth_failure_count> auth_failures{};
  // Written once per sendmsg the kernel accepted, not per message (ws_session::write_pending).
  stat_counter messages_sent{0};  // messages handed to the kernel (updates, snapshots, replies)
  stat_counter bytes_sent{0};     // bytes the kernel took, WebSocket framing included
  // Sampled by the keepalive sweep: subscriptions by family (index: channel_kind, then ticker.*,
  // then the other wildcards).
  std::array<stat_counter, subscription_families> subscriptions{};
  // From an update's making (publisher, ingest thread) to the end of the shard's write loop
  // for the batch that carried it: one observation per update with a recipient on the shard.
  latency_histogram delivery_latency;
};

inline void bump(shard_stats& s, refusal r) noexcept {
  bump(s.refused[static_cast<std::size_t>(r)]);
}
inline void bump(shard_stats& s, auth_failure f) noexcept {
  bump(s.auth_failures[static_cast<std::size_t>(f)]);
}

struct redis_stats {
  std::atomic<bool> enabled{false};
  std::atomic<bool> connected{false};
  stat_counter connects{0};     // successful connects, the first included
  stat_counter disconnects{0};  // losses of an open connection
  // Role ingest only: whether this node holds the ingest lease (writes to Redis) now.
  std::atomic<bool> ingest{false};
  std::atomic<bool> lease_held{false};
};

// The `/v1/stats` body: totals over the shards, then each shard, then Redis.
void encode_server_stats(std::string& out, std::span<const shard_stats* const> shards,
                         const redis_stats* redis, std::int64_t ts_us);

}  // namespace tickerd
