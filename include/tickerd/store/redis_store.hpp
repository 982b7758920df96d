// tickerd's state in Redis: the latest state and a capped history per channel, written by the
// node that assigns `seq`, read back at start-up (warm start) and by edge nodes (the bus).
// Key layout (docs/OPERATIONS.md), <space> = key_space(cfg) = <prefix>:<store_format>:
//   <space>:state:<channel>    hash   seq, epoch, data     latest state
//   <space>:hist:<channel>     stream id <seq>-0, data     capped history (MAXLEN ~)
//   <space>:bus:<channel>      pub/sub "<epoch> <seq> <data>"
//   <space>:lease:ingest       string node id, PX ttl      which ingest node writes
//   <space>:candles:<channel>  sorted set  closed candles of a candles channel, scored by
//                              open time (µs), member = the candle's data JSON; capped at the
//                              interval's history (market/candle_builder.hpp)
// Redis slow or down never blocks the caller: writes go to a bounded buffer, latest state wins
// when it fills, and everything still buffered is written after the reconnect.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/stat_counter.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/update.hpp"
#include "tickerd/store/redis_connection.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd {

struct redis_config {
  bool enabled = false;  // a [redis] section is present
  redis_endpoint endpoint;
  std::string prefix = "tickerd";
  std::size_t history_length = 1000;  // entries kept per channel (approximately: MAXLEN ~)
  std::size_t max_buffered = 50'000;  // updates held while Redis is down or slow
  // Updates are gathered this long before a write goes out (and while one is in flight).
  std::chrono::milliseconds flush_interval{5};
  std::chrono::milliseconds lease_ttl{3'000};
  std::chrono::milliseconds warm_start_timeout{2'000};
};

// The stored JSON's format, part of every key. v2: every timestamp is µs since the epoch
// (docs/PROTOCOL.md, Conventions); the unversioned keys of earlier releases held ms. A node
// reads and writes only its own format's keys, so it never serves the other unit: after an
// upgrade the first start is cold (a new epoch), and nodes of both formats sharing one Redis
// during a rolling upgrade are two separate groups.
inline constexpr std::string_view store_format = "v2";

inline std::string key_space(const redis_config& cfg) {
  return cfg.prefix + ':' + std::string(store_format);
}

// One channel as Redis has it.
struct stored_channel {
  channel_id channel = 0;
  std::uint64_t seq = 0;
  std::string epoch;
  std::string data;  // JSON
  // Older entries, oldest first, ending with `seq` (may be empty).
  std::vector<std::pair<std::uint64_t, std::string>> history;
};

// Written by the writer's (ingest) thread only; read by /metrics on any thread.
struct redis_store_stats {
  stat_counter written{0};   // updates Redis accepted
  stat_counter batches{0};   // script calls that succeeded
  stat_counter failures{0};  // script calls that failed (rewritten later)
  stat_counter dropped{0};   // history entries given up when the buffer was full
  stat_counter buffered{0};  // updates waiting now
};

struct writer_timer;  // the flush timer (Asio stays in the .cpp)

// Writes published updates: gathered for flush_interval, then one script call (state written
// once per channel, every update appended to the history and published); one call in flight
// at a time, everything that arrives meanwhile goes into the next (only the latest state per
// channel kept when the buffer is full). With a node id
// set, every write is fenced by the ingest lease: a node that lost it writes nothing.
class redis_writer {
 public:
  redis_writer(boost::asio::io_context& ioc, redis_connection& conn, const redis_config& cfg,
               const channel_registry& channels);
  ~redis_writer();

  // Writes carry each update's own epoch. Fences every write by the lease held under `node_id` (""
  // = unfenced).
  void set_fence(std::string node_id) { node_id_ = std::move(node_id); }
  // Called when a fenced write finds that another node holds the lease.
  void on_fenced(std::function<void()> f) { on_fenced_ = std::move(f); }

  void write(update_ptr u);  // never blocks
  void flush();              // sends the buffer now if nothing is in flight (on reconnect)
  void clear();              // forgets the buffer (this node stopped being the writer)

  const redis_store_stats& stats() const noexcept { return stats_; }

 private:
  void send();
  void schedule();  // send after the flush interval
  void shrink();

  redis_connection& conn_;
  const redis_config& cfg_;
  const channel_registry& channels_;
  std::string node_id_;
  std::function<void()> on_fenced_;
  std::vector<update_ptr> buffer_;
  std::vector<update_ptr> inflight_;
  std::unique_ptr<writer_timer> timer_;
  bool sending_ = false;
  bool scheduled_ = false;
  std::uint64_t generation_ = 0;  // bumped by clear(): a late reply must not requeue
  redis_store_stats stats_;
};

// Reads every channel's state and up to `history` recent entries (pipelined), then calls
// `done` once: with the channels Redis has, or with an error.
void load_channels(redis_connection& conn, const redis_config& cfg,
                   const channel_registry& channels, std::size_t history,
                   std::function<void(std::vector<stored_channel>, std::string_view error)> done);

// The closed candles Redis holds for one candles channel, oldest first (candle data JSON).
struct stored_candles {
  channel_id channel = 0;
  std::vector<std::string> candles;
};

// Reads every candles channel's closed candles (pipelined), then calls `done` once: with the
// channels that have some, or with an error.
void load_candles(redis_connection& conn, const redis_config& cfg, const channel_registry& channels,
                  std::function<void(std::vector<stored_candles>, std::string_view error)> done);

// GET /v1/candles on an edge: one channel's closed candles by open time in [start_us, end_us),
// at most `limit`, oldest first: the oldest from start_us when it is given, else the newest
// (the slice rule of candle_history::range).
void load_candle_page(redis_connection& conn, const redis_config& cfg, std::string_view channel,
                      std::optional<std::int64_t> start_us, std::optional<std::int64_t> end_us,
                      std::size_t limit,
                      std::function<void(std::vector<std::string>, std::string_view error)> done);

// A bus message "<epoch> <seq> <data>"; false when malformed.
bool parse_bus_message(std::string_view payload, std::string_view& epoch, std::uint64_t& seq,
                       std::string_view& data);

}  // namespace tickerd
