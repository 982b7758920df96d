#include "app/store_link.hpp"

#include <unistd.h>

#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <hiredis/hiredis.h>

#include "tickerd/core/clock.hpp"
#include "tickerd/market/candle_json.hpp"
#include "tickerd/net.hpp"
#include "tickerd/store/redis_connection.hpp"
#include "tickerd/store/redis_store.hpp"

namespace tickerd {
namespace {

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = [] {
    auto l = spdlog::get("store");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

// Renews the lease only while this node still holds it: 1 renewed, 0 lost.
constexpr std::string_view renew_script = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua";

}  // namespace

std::string default_node_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "%s", "tickerd");
  }
  return std::string(host) + "-" + std::to_string(::getpid());
}

struct store_link::impl {
  impl(net::io_context& io, const config& c, const channel_registry& ch, hooks h)
      : ioc(io),
        cfg(c),
        channels(ch),
        on(std::move(h)),
        node_id(c.node.id.empty() ? default_node_id() : c.node.id),
        data(io, c.redis.endpoint, "data"),
        writer(io, data, c.redis, ch),
        warm_timer(io),
        lease_timer(io),
        heartbeat_timer(io),
        epochs(ch.size()),
        last_seq(ch.size(), 0) {
    if (role() == node_role::ingest) {
      writer.set_fence(node_id);
      writer.on_fenced([this] { lose_lease("another node holds the lease"); });
    }
  }

  node_role role() const { return cfg.node.role; }
  std::string lease_key() const { return key_space(cfg.redis) + ":lease:ingest"; }
  // Inside the edges' bus pattern, and not a channel name (those have no ':').
  std::string heartbeat_channel() const {
    return key_space(cfg.redis) + ":bus:" + std::string(heartbeat_name);
  }
  static constexpr std::string_view heartbeat_name = ":heartbeat";

  void start(std::function<void()> r) {
    ready = std::move(r);
    active = role() == node_role::all;
    if (on.stats) {
      on.stats->enabled = true;
      on.stats->ingest = role() == node_role::ingest;
    }
    data.start(
        [this] {
          if (on.stats) {
            on.stats->connected = true;
            bump(on.stats->connects);
          }
          on_data_up();
        },
        [this] {
          if (!on.stats) return;
          on.stats->connected = false;
          bump(on.stats->disconnects);
        });
    if (role() == node_role::edge) {
      bus = std::make_unique<redis_connection>(ioc, cfg.redis.endpoint, "bus");
      bus->psubscribe(
          key_space(cfg.redis) + ":bus:*",
          [this](std::string_view channel, std::string_view payload) { on_bus(channel, payload); });
      // Messages published while the bus was down are gone: reload the state after each
      // (re)subscribe, so every channel catches up to its latest seq.
      bus->start([this] { reload_edge(); }, [] {});
    }
    if (role() == node_role::ingest) schedule_lease();
    last_heartbeat = std::chrono::steady_clock::now();  // a full bus_silence of grace at start
    schedule_heartbeat();
    warm_timer.expires_after(cfg.redis.warm_start_timeout);
    warm_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || warm) return;
      log()->warn("redis {}:{} not reachable within {} ms: starting cold", cfg.redis.endpoint.host,
                  cfg.redis.endpoint.port, cfg.redis.warm_start_timeout.count());
      finish_warm_start();
    });
  }

  void finish_warm_start() {
    if (warm) return;
    warm = true;
    warm_timer.cancel();
    if (ready) ready();
  }

  void on_data_up() {
    switch (role()) {
      case node_role::all:
        if (!warm) return load_and_restore([this] { finish_warm_start(); });
        writer.flush();  // what changed while Redis was away
        return;
      case node_role::ingest:
        if (active) {
          writer.flush();
        } else {
          try_acquire();
        }
        return;
      case node_role::edge:
        // A (re)subscribe that found the data connection down left its reload for now.
        if ((!warm || reload_pending) && bus && bus->connected()) reload_edge();
        return;
    }
  }

  // ---- all / ingest: warm start and takeover ------------------------------------------------

  // role all also reloads the recent history, so clients can resume across a restart.
  void load_and_restore(std::function<void()> then) {
    const std::size_t history = role() == node_role::all ? cfg.node.resume_history : 0;
    load_channels(data, cfg.redis, channels, history,
                  [this, then = std::move(then)](const std::vector<stored_channel>& found,
                                                 std::string_view error) {
                    if (!error.empty()) {
                      log()->warn("redis: loading state failed: {}", error);
                    } else {
                      for (auto& c : found) restore(c);
                      log()->info("redis: restored {} channels", found.size());
                    }
                    restore_candles(std::move(then));
                  });
  }

  // The closed candles kept in Redis go back into the candle builders (survive a restart).
  void restore_candles(std::function<void()> then) {
    if (!on.restore_candles) return then();
    load_candles(
        data, cfg.redis, channels,
        [this, then = std::move(then)](std::vector<stored_candles> found, std::string_view error) {
          if (!error.empty()) {
            log()->warn("redis: loading candles failed: {}", error);
          } else {
            std::size_t n = 0;
            for (auto& c : found) {
              n += c.candles.size();
              on.restore_candles(c.channel, std::move(c.candles));
            }
            log()->info("redis: restored {} closed candles of {} channels", n, found.size());
          }
          then();
        });
  }

  void restore(const stored_channel& c) {
    epochs[c.channel] = c.epoch;
    last_seq[c.channel] = c.seq;
    if (!on.restore) return;
    const auto name = channels.info(c.channel).name;
    for (const auto& [seq, body] : c.history) {
      if (seq < c.seq) on.restore(make_update(c.channel, name, seq, body, c.epoch));
    }
    on.restore(make_update(c.channel, name, c.seq, c.data, c.epoch));
  }

  // ---- ingest: the lease ----------------------------------------------------------------------

  void schedule_lease() {
    lease_timer.expires_after(cfg.redis.lease_ttl / 3);
    lease_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped) return;
      if (data.connected()) {
        if (active) {
          renew();
        } else if (!acquiring) {
          try_acquire();
        }
      }
      schedule_lease();
    });
  }

  void try_acquire() {
    if (acquiring || active || stopped) return;
    acquiring = true;
    const std::string key = lease_key();
    const std::string ttl = std::to_string(cfg.redis.lease_ttl.count());
    const std::string_view args[] = {"SET", key, node_id, "NX", "PX", ttl};
    data.command(args, [this](const redis_result& r) {
      if (!r || r.reply->type != REDIS_REPLY_STATUS) {
        acquiring = false;
        if (!warm) {
          log()->info("node {}: standby (another ingest node holds the lease)", node_id);
          finish_warm_start();  // a standby runs its feeds hot
        }
        return;
      }
      // Ours: continue every channel's seq from Redis before writing anything.
      load_and_restore([this] {
        acquiring = false;
        active = true;
        if (on.stats) on.stats->lease_held = true;
        log()->info("node {}: active ingest (lease {})", node_id, lease_key());
        if (on.on_active) on.on_active(true);
        finish_warm_start();
      });
    });
  }

  void renew() {
    const std::string key = lease_key();
    const std::string ttl = std::to_string(cfg.redis.lease_ttl.count());
    const std::string_view args[] = {"EVAL", renew_script, "1", key, node_id, ttl};
    data.command(args, [this](const redis_result& r) {
      if (!r) return;  // Redis away: fenced writes decide when it is back
      if (r.reply->type == REDIS_REPLY_INTEGER && r.reply->integer == 0) {
        lose_lease("lease taken over");
      }
    });
  }

  void lose_lease(std::string_view why) {
    if (!active) return;
    active = false;
    if (on.stats) on.stats->lease_held = false;
    writer.clear();
    log()->warn("node {}: standby now: {}", node_id, why);
    if (on.on_active) on.on_active(false);
  }

  // ---- heartbeat: the writer says it is alive, edges listen ------------------------------------

  void schedule_heartbeat() {
    heartbeat_timer.expires_after(cfg.node.heartbeat_interval);
    heartbeat_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped || draining) return;
      if (role() == node_role::edge) {
        check_upstream();
      } else if (active && data.connected()) {
        const std::string channel = heartbeat_channel();
        const std::string payload = node_id + " " + std::to_string(wall_us());
        const std::string_view args[] = {"PUBLISH", channel, payload};
        data.command(args, [](const redis_result&) {});  // a lost beat is the edges' business
      }
      schedule_heartbeat();
    });
  }

  void check_upstream() {
    const auto silent = std::chrono::steady_clock::now() - last_heartbeat;
    if (silent < cfg.node.bus_silence || !upstream_reason.empty()) return;
    const bool bus_up = bus && bus->connected();
    upstream_reason = bus_up ? "ingest_lost" : "bus_down";
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(silent).count();
    const std::string message =
        bus_up ? "no heartbeat from the ingest node for " + std::to_string(ms) + " ms"
               : "no connection to Redis (the bus) for " + std::to_string(ms) + " ms";
    log()->warn("edge {}: upstream lost: {}", node_id, message);
    if (on.on_upstream) on.on_upstream(upstream_reason, message);
  }

  void on_heartbeat() {
    last_heartbeat = std::chrono::steady_clock::now();
    if (upstream_reason.empty() || recovering) return;
    // Back: catch up from Redis first (whatever was published while this edge was not
    // listening), then say so.
    recovering = true;
    reload_edge([this](bool loaded) {
      recovering = false;
      if (!loaded || upstream_reason.empty()) return;  // not caught up: the next beat retries
      upstream_reason.clear();
      log()->info("edge {}: upstream back", node_id);
      if (on.on_upstream) on.on_upstream("", "");
    });
  }

  // ---- edge: the bus ----------------------------------------------------------------------------

  void reload_edge(std::function<void(bool loaded)> then = {}) {
    if (!data.connected()) {  // on_data_up calls again
      reload_pending = true;
      if (then) then(false);
      return;
    }
    reload_pending = false;
    // The history too: whatever this edge has not seen, in order, so its clients can resume.
    load_channels(data, cfg.redis, channels, cfg.node.resume_history,
                  [this, then = std::move(then)](const std::vector<stored_channel>& found,
                                                 std::string_view error) {
                    if (!error.empty()) {
                      log()->warn("redis: loading state failed: {}", error);
                    } else {
                      for (auto& c : found) {
                        for (const auto& [seq, body] : c.history) {
                          if (seq < c.seq) accept(c.channel, c.epoch, seq, body);
                        }
                        accept(c.channel, c.epoch, c.seq, c.data);
                      }
                      finish_warm_start();
                    }
                    if (then) then(error.empty());
                  });
  }

  void on_bus(std::string_view channel, std::string_view payload) {
    const std::size_t head = key_space(cfg.redis).size() + 5;  // "<space>:bus:"
    if (channel.size() < head) return;
    const auto name = channel.substr(head);
    if (name == heartbeat_name) return on_heartbeat();
    const auto id = channels.find(name);
    std::string_view epoch;
    std::string_view body;
    std::uint64_t seq = 0;
    if (!id || !parse_bus_message(payload, epoch, seq, body)) {
      if (++bad_messages == 1 || bad_messages % 1000 == 0) {
        log()->warn("redis bus: ignoring a malformed message on {}", channel);
      }
      return;
    }
    // Bus messages were missed (a reconnect): Redis holds them, written before published, so
    // catch up from its history, in order, rather than hand on a seq gap.
    if (epoch == epochs[*id] && last_seq[*id] != 0 && seq > last_seq[*id] + 1) return catch_up();
    accept(*id, epoch, seq, body);
  }

  // One reload at a time; gaps seen meanwhile ask for one more after it.
  void catch_up() {
    if (catching_up) {
      catch_up_again = true;
      return;
    }
    catching_up = true;
    reload_edge([this](bool) {
      catching_up = false;
      if (std::exchange(catch_up_again, false)) catch_up();
    });
  }

  // Hands on anything newer than what this node has; a new epoch starts a new stream.
  void accept(channel_id id, std::string_view epoch, std::uint64_t seq, std::string_view body) {
    if (epoch == epochs[id] && seq <= last_seq[id]) return;  // already delivered
    if (epoch == epochs[id] && last_seq[id] != 0 && seq != last_seq[id] + 1) ++gaps;
    epochs[id] = std::string(epoch);
    last_seq[id] = seq;
    const auto kind = channels.info(id).kind;
    const bool final_candle =
        (kind == channel_kind::candles || kind == channel_kind::venue_candles) &&
        candle_data_closed(body);
    if (on.deliver) {
      on.deliver(make_update(id, channels.info(id).name, seq, body, epoch, !final_candle));
    }
  }

  net::io_context& ioc;
  const config& cfg;
  const channel_registry& channels;
  hooks on;
  std::string node_id;
  redis_connection data;
  std::unique_ptr<redis_connection> bus;
  redis_writer writer;
  net::steady_timer warm_timer;
  net::steady_timer lease_timer;
  net::steady_timer heartbeat_timer;  // writer: the next beat; edge: the next silence check
  std::chrono::steady_clock::time_point last_heartbeat;
  std::string upstream_reason;  // edge: "" while heartbeats arrive
  bool recovering = false;      // edge: reloading after heartbeats came back
  bool reload_pending = false;  // edge: a reload waits for the data connection
  bool catching_up = false;     // edge: reloading to fill a gap on the bus
  bool catch_up_again = false;
  std::vector<std::string> epochs;
  std::vector<std::uint64_t> last_seq;
  std::function<void()> ready;
  std::uint64_t bad_messages = 0;
  std::uint64_t gaps = 0;
  bool warm = false;
  bool active = false;
  bool acquiring = false;
  bool stopped = false;
  bool draining = false;
};

store_link::store_link(net::io_context& ioc, const config& cfg, const channel_registry& channels,
                       hooks h)
    : impl_(std::make_unique<impl>(ioc, cfg, channels, std::move(h))) {}

store_link::~store_link() {
  stop();
}

void store_link::start(std::function<void()> ready) {
  impl_->start(std::move(ready));
}

void store_link::drain() {
  auto& d = *impl_;
  d.draining = true;
  d.warm_timer.cancel();
  d.lease_timer.cancel();
  d.heartbeat_timer.cancel();
  if (d.bus) d.bus->stop();
}

void store_link::stop() {
  auto& d = *impl_;
  if (d.stopped) return;
  d.stopped = true;
  d.warm_timer.cancel();
  d.lease_timer.cancel();
  d.heartbeat_timer.cancel();
  if (d.bus) d.bus->stop();
  d.data.stop();
}

void store_link::on_published(const update_ptr& u) {
  if (impl_->active) impl_->writer.write(u);
}

void store_link::read_candles(
    channel_id channel, std::optional<std::int64_t> start_us, std::optional<std::int64_t> end_us,
    std::size_t limit, std::function<void(std::vector<std::string>, std::string_view error)> done) {
  if (!impl_->data.connected()) return done({}, "redis is not connected");
  load_candle_page(impl_->data, impl_->cfg.redis, impl_->channels.info(channel).name, start_us,
                   end_us, limit, std::move(done));
}

bool store_link::active() const noexcept {
  return impl_->active;
}

bool store_link::connected() const noexcept {
  return impl_->data.connected();
}

const redis_store_stats& store_link::writer_stats() const noexcept {
  return impl_->writer.stats();
}

const std::string& store_link::epoch(channel_id channel) const {
  return impl_->epochs.at(channel);
}

}  // namespace tickerd
