// The server's link to Redis, by node role (docs/OPERATIONS.md "Redis" and "Nodes"):
// - all:    warm start from Redis, then every published update is written (cache, history).
// - ingest: the same, but only while this node holds the ingest lease; a standby keeps its
//           feeds hot and takes over, continuing `seq` from Redis, when the lease is free.
// - edge:   no writes; the latest state is loaded and the bus followed, and every update is
//           handed on with the `seq` the ingest node gave it.
// The writing node publishes a heartbeat on the bus every node.heartbeat_interval; an edge
// that hears none for node.bus_silence reports its upstream lost, and when heartbeats return
// reloads what it may have missed before reporting it back.
// Lives on the ingest io_context; nothing here blocks it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/app/config.hpp"
#include "tickerd/gateway/server_stats.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/update.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd {

struct redis_store_stats;

class store_link {
 public:
  struct hooks {
    // all/ingest: a channel's state as Redis has it: continue its seq from there.
    std::function<void(update_ptr)> restore;
    // all/ingest: a candles channel's closed candles as Redis has them (candle data JSON,
    // oldest first), at the warm start and at a takeover, before on_active / ready.
    std::function<void(channel_id, std::vector<std::string>)> restore_candles;
    // edge: an update from the bus (or from the state reloaded after a reconnect).
    std::function<void(update_ptr)> deliver;
    // ingest: this node became the writer (true) or stopped being it (false).
    std::function<void(bool)> on_active;
    // edge: the writing node's heartbeat stopped for node.bus_silence (reason "ingest_lost",
    // or "bus_down" when this node has no bus connection, and a sentence), or came back
    // (reason "", after the state was reloaded from Redis).
    std::function<void(std::string_view reason, std::string_view message)> on_upstream;
    // The data connection's state, for /v1/stats (outlives the link).
    redis_stats* stats = nullptr;
  };

  store_link(boost::asio::io_context& ioc, const config& cfg, const channel_registry& channels,
             hooks h);
  ~store_link();
  store_link(const store_link&) = delete;
  store_link& operator=(const store_link&) = delete;

  // Connects; `ready` runs once the warm start is done, or after redis.warm_start_timeout_ms
  // when Redis cannot be reached (the node then starts cold and writes once Redis is back).
  void start(std::function<void()> ready);
  // Shutting down: no new lease business, but buffered writes still go out.
  void drain();
  void stop();

  // Every update this node publishes (all/ingest). Written when this node is the writer.
  void on_published(const update_ptr& u);

  // GET /v1/candles on an edge: a candles channel's closed candles from Redis (see
  // load_candle_page in store/redis_store.hpp); `done` runs once, on the link's thread.
  void read_candles(channel_id channel, std::optional<std::int64_t> start_us,
                    std::optional<std::int64_t> end_us, std::size_t limit,
                    std::function<void(std::vector<std::string>, std::string_view error)> done);

  bool active() const noexcept;  // this node writes to Redis now
  bool connected() const noexcept;
  // The writer's counters, for /metrics (any thread; they live as long as the link).
  const redis_store_stats& writer_stats() const noexcept;
  // The stream epoch of a channel: changes when its seq starts over (docs/PROTOCOL.md).
  const std::string& epoch(channel_id channel) const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

// "<hostname>-<pid>": the default node id.
std::string default_node_id();

}  // namespace tickerd
