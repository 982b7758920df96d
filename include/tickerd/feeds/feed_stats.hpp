// Live counters of one upstream feed. Written by the ingest thread, read by HTTP handlers on
// other threads, so every field is a relaxed atomic (no locks, no torn values).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace tickerd {

enum class feed_state : std::uint8_t {
  connecting,  // no connection yet, or reconnecting after a failure
  up,          // connected and receiving within the staleness bound
  stale,       // connected but silent for longer than stale_after
  down,        // stopped
};
std::string_view to_string(feed_state s) noexcept;

struct feed_stats {
  std::atomic<feed_state> state{feed_state::connecting};
  std::atomic<std::int64_t> last_message_wall_ms{0};  // 0 = never
  std::atomic<std::int64_t> connected_since_wall_ms{0};
  std::atomic<std::uint64_t> messages{0};      // upstream text frames read
  std::atomic<std::uint64_t> ticks{0};         // ticks produced by the parser
  std::atomic<std::uint64_t> parse_errors{0};  // frames the parser rejected
  std::atomic<std::uint64_t> unknown_symbols{0};
  std::atomic<std::uint64_t> connects{0};    // successful handshakes
  std::atomic<std::uint64_t> reconnects{0};  // connection attempts after the first
  std::atomic<std::uint64_t> rollovers{0};   // planned make-before-break reconnects
  std::atomic<std::uint64_t> gaps{0};        // venue sequence gaps detected
  std::atomic<std::uint64_t> trades{0};      // trades produced by the parser
  std::atomic<std::uint64_t> quotes{0};      // top-of-book updates produced by the parser
  std::atomic<std::uint64_t> trade_gaps{0};  // trade-id jumps, plus duplicate/older ids dropped
  // Books (streams "book", book_feed): resyncs by reason (book::resync_reason), snapshots that
  // started a book (WebSocket or REST), level changes applied from deltas, REST snapshot
  // requests that failed, and how many of the feed's books are ready now (a gauge).
  std::atomic<std::uint64_t> book_resyncs_gap{0};
  std::atomic<std::uint64_t> book_resyncs_checksum{0};
  std::atomic<std::uint64_t> book_resyncs_crossed{0};
  std::atomic<std::uint64_t> book_resyncs_stale_snapshot{0};
  std::atomic<std::uint64_t> book_resyncs_out_of_order{0};
  std::atomic<std::uint64_t> book_snapshots{0};
  std::atomic<std::uint64_t> book_level_changes{0};
  std::atomic<std::uint64_t> book_snapshot_errors{0};
  std::atomic<std::uint64_t> books_ready{0};
};

}  // namespace tickerd
