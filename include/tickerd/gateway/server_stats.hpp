// Gauges and counters behind `GET /v1/stats` (docs/OPERATIONS.md), and the numbers a future
// `/metrics` reads. Each shard writes only its own `shard_stats` and the ingest thread only the
// `redis_stats`; anyone may read them. Single writer, so an update is a relaxed load and store
// (a plain move on x86, no locked instruction), and nothing is written per message: queue
// depths and armed timers are summed by the shard's keepalive sweep (at most a second old),
// counters move only on rare events (a connection, a conflation, a close).
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

namespace tickerd {

using stat_counter = std::atomic<std::uint64_t>;

// Only the owning thread may call this: it is not an atomic increment.
inline void bump(stat_counter& c, std::uint64_t n = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
inline void set(stat_counter& c, std::uint64_t v) noexcept {
  c.store(v, std::memory_order_relaxed);
}
inline std::uint64_t read(const stat_counter& c) noexcept {
  return c.load(std::memory_order_relaxed);
}

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
};

struct redis_stats {
  std::atomic<bool> enabled{false};
  std::atomic<bool> connected{false};
  stat_counter connects{0};     // successful connects, the first included
  stat_counter disconnects{0};  // losses of an open connection
};

// The `/v1/stats` body: totals over the shards, then each shard, then Redis.
void encode_server_stats(std::string& out, std::span<const shard_stats* const> shards,
                         const redis_stats* redis, std::int64_t ts_ms);

}  // namespace tickerd
