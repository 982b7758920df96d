#include "tickerd/app/server.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include "almanac/almanac.hpp"
#include "app/almanac_source.hpp"
#include "app/config_diff.hpp"
#include "app/fng_source.hpp"
#include "app/gas_source.hpp"
#include "app/service_notify.hpp"
#include "app/store_link.hpp"
#include "gateway/error_body.hpp"
#include "metrics/prometheus_text.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/feeds/book_feed.hpp"
#include "tickerd/feeds/feed_session.hpp"
#include "tickerd/gateway/gateway.hpp"
#include "tickerd/gateway/ops_http_server.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/aggregator.hpp"
#include "tickerd/market/book_channels.hpp"
#include "tickerd/market/candle_json.hpp"
#include "tickerd/market/feed_status.hpp"
#include "tickerd/market/market_streams.hpp"
#include "tickerd/metrics/collector.hpp"
#include "tickerd/net.hpp"

namespace tickerd {
namespace {

constexpr auto upstream_close_grace = std::chrono::seconds(1);
// The shortest time between two batches to the shards (schedule_turn_end). 1 ms (the floor
// peer's tick) gave the latency scenario tails of ~110 ms (p99.9, 4 runs of 6) that 250 us
// and one batch per frame did not (bench/RESULTS.md, "Candles cost per trade frame").
constexpr std::chrono::nanoseconds batch_interval = std::chrono::microseconds(250);
// After drain_ms the last clients' closing handshakes get this long before the shutdown.
constexpr auto drain_close_grace = std::chrono::seconds(2);

std::vector<symbol_map> build_symbol_maps(const config& cfg) {
  std::vector<symbol_map> maps;
  std::set<venue_id> seen;
  for (std::size_t f = 0; f < cfg.feeds.size(); ++f) {
    const auto& feed = cfg.feeds[f];
    if (!seen.insert(feed.session.venue).second) {
      throw config_error("feeds[" + std::to_string(f) + "].venue: " +
                         std::string(to_string(feed.session.venue)) + " is configured twice");
    }
    symbol_map map;
    for (std::size_t i = 0; i < cfg.instruments.size(); ++i) {
      map.add(native_symbol(feed, cfg.instruments[i]), static_cast<instrument_id>(i));
    }
    maps.push_back(std::move(map));
  }
  return maps;
}

market_streams_options streams_options(const config& cfg) {
  market_streams_options o;
  o.bbo.quote_stale_after_us =
      std::chrono::duration_cast<std::chrono::microseconds>(cfg.quote_stale).count();
  return o;
}

}  // namespace

namespace {

bool secure_url(std::string_view url) {
  const auto has = [&](std::string_view scheme) {
    return url.size() >= scheme.size() &&
           std::equal(scheme.begin(), scheme.end(), url.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  return has("wss://") || has("https://");
}

// Whether any upstream of this process speaks TLS (feeds, the Ethereum node, the F&G API).
bool needs_client_tls(const config& c) {
  for (const auto& f : c.feeds) {
    if (secure_url(f.session.url)) return true;
    if ((f.session.streams & fs_book) != 0 && secure_url(f.session.rest_url)) return true;
  }
  return (c.gas.enabled && secure_url(c.gas.session.url)) || secure_url(c.fng.url);
}

}  // namespace

struct server::impl {
  impl(config c, config_loader r)
      : cfg(std::move(c)),
        reload(std::move(r)),
        symbol_maps(build_symbol_maps(cfg)),
        channels(cfg.instruments, cfg.venues(), cfg.families()),
        signals(ioc, SIGINT, SIGTERM, SIGHUP),
        out(channels, [this](update_ptr u) { on_published(std::move(u)); }),
        market(cfg.instruments, channels, out, cfg.composite),
        streams(cfg.instruments, channels, out, streams_options(cfg)),
        books(cfg.instruments, channels, out),
        log(spdlog::get("tickerd") ? spdlog::get("tickerd") : spdlog::default_logger()) {
    if (needs_client_tls(cfg)) {
      tls.emplace(net::ssl::context::tls_client);
      tls->set_default_verify_paths();
    }
    for (const auto& f : cfg.feeds) {
      stats.emplace_back();
      status_entries.push_back({std::string(to_string(f.session.venue)), &stats.back()});
    }
    if (cfg.gas.enabled) {
      // The gas feed is listed like a venue (as "eth") in /v1/feeds and the status channel.
      gas_stats = &stats.emplace_back();
      status_entries.push_back({cfg.gas.session.name, gas_stats});
    }
    gateway_options g;
    g.server = cfg.server;
    g.limits = cfg.limits;
    g.channels = &channels;
    g.feeds = status_entries;
    g.resume_history = cfg.node.resume_history;
    g.feeds_from_status_channel = cfg.node.role == node_role::edge;
    g.auth = cfg.auth;
    if (cfg.redis.enabled) g.redis = &redis_state;
    if (cfg.metrics.enabled && !cfg.metrics.separate) {
      g.metrics = [this](std::string& body, std::span<const shard_stats* const> shards) {
        write_metrics(body, shards);
      };
    }
    // GET /v1/candles: from a shard's thread to this (ingest) thread, which holds the candles.
    g.candles = [this](candles_query q, http_reply reply) {
      net::post(ioc, [this, q = std::move(q), reply = std::move(reply)]() mutable {
        answer_candles(std::move(q), std::move(reply));
      });
    };
    gate = std::make_unique<gateway>(std::move(g));
    if (cfg.redis.enabled) {
      store_link::hooks h;
      h.restore = [this](update_ptr u) {
        out.restore(u);
        if (cfg.node.role == node_role::all) enqueue(std::move(u));
      };
      h.restore_candles = [this](channel_id ch, std::vector<std::string> stored) {
        restore_candles(ch, stored);
      };
      h.deliver = [this](update_ptr u) { enqueue(std::move(u)); };
      h.on_upstream = [this](std::string_view reason, std::string_view message) {
        health.upstream_lost = std::string(reason);
        health.upstream_message = std::string(message);
        if (gate_started) gate->set_health(health);
      };
      h.stats = &redis_state;
      link = std::make_unique<store_link>(ioc, cfg, channels, std::move(h));
    }
  }

  // A scrape reads the link's and the feeds' counters: the threads that serve one stop before
  // those go, even when run() ended by an exception.
  ~impl() {
    if (admin_listener) admin_listener->stop();
    if (metrics_listener) metrics_listener->stop();
    gate->stop();
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  // GET /metrics, on a shard's thread or the metrics server's: only atomics are read.
  void write_metrics(std::string& body, std::span<const shard_stats* const> shards) const {
    metrics::sources from;
    from.shards = shards;
    // An edge's feeds are the ingest node's: scrape that node for them.
    if (cfg.node.role != node_role::edge) from.feeds = status_entries;
    if (!from.feeds.empty()) from.market = &market;
    if (cfg.redis.enabled) from.redis = &redis_state;
    if (link) from.redis_writer = &link->writer_stats();
    metrics::collect(body, from, wall_ms());
  }

  // GET /v1/candles on the ingest thread: from the candle builders, or on an edge from Redis.
  void answer_candles(candles_query q, http_reply reply) {
    if (cfg.node.role == node_role::edge) return answer_candles_from_redis(std::move(q), reply);
    const candle_set* set = streams.candles(q.instrument, q.venue);
    if (set == nullptr) return reply(404, error_body("unknown_channel", "no such candle stream"));
    std::string body;
    encode_candle_page(body, q.symbol, q.venue, set->builder(q.interval), q.page);
    reply(200, std::move(body));
  }

  // A warm start: the closed candles Redis kept for a candles channel, back into its builder.
  void restore_candles(channel_id ch, const std::vector<std::string>& stored) {
    const auto& info = channels.info(ch);
    std::vector<candle> closed;
    closed.reserve(stored.size());
    for (const auto& text : stored) {
      if (auto c = decode_candle(text); c && c->closed()) closed.push_back(*c);
    }
    if (closed.size() != stored.size()) {
      log->warn("redis: {} stored candle(s) of {} not readable; skipped",
                stored.size() - closed.size(), info.name);
    }
    const std::optional<venue_id> venue =
        info.kind == channel_kind::venue_candles ? std::optional(info.venue) : std::nullopt;
    streams.restore_candles(info.instrument, venue, static_cast<candle_interval>(info.interval),
                            closed);
  }

  // An edge has no candle builders: the closed candles come from Redis, the forming one is the
  // channel's latest update on the asking shard.
  void answer_candles_from_redis(candles_query q, const http_reply& reply) {
    if (!link) return reply(503, error_body("redis_unavailable", "no [redis] on this edge"));
    std::string forming;
    if (q.latest) {
      const auto c = decode_candle(q.latest->data());
      if (c && !c->closed() && q.page.includes(c->open_time_us())) {
        forming = std::string(q.latest->data());
      }
    }
    const auto channel = q.channel;
    const auto start = q.page.start_us;
    const auto end = q.page.end_us;
    const auto limit = q.page.closed_limit(!forming.empty());
    link->read_candles(
        channel, start, end, limit,
        [q = std::move(q), forming = std::move(forming), reply](std::vector<std::string> closed,
                                                                std::string_view error) mutable {
          if (!error.empty()) {
            return reply(503, error_body("redis_unavailable",
                                         "reading candles from Redis: " + std::string(error)));
          }
          if (closed.size() >= q.page.limit) forming.clear();
          std::string body;
          encode_candle_page(body, q.symbol, q.venue, q.interval, closed, forming);
          reply(200, std::move(body));
        });
  }

  // Every update the publisher assigns a seq: to Redis, and to this node's clients unless
  // this is an ingest node (its clients would see a standby's own numbering).
  void on_published(update_ptr u) {
    if (link) link->on_published(u);
    if (cfg.node.role != node_role::ingest) enqueue(std::move(u));
  }

  // Updates published during one ingest turn cross to the shards as one batch. Before the
  // gateway starts (a warm start's restored state) they wait here.
  void enqueue(update_ptr u) {
    pending.push_back(std::move(u));
    if (gate_started) schedule_turn_end();
  }

  // The end of an ingest turn: the forming candles of the frames read since the last one,
  // then every update published since, as one batch to the shards. A turn ends at once (a
  // posted handler, after the frames already read) when the last one ended batch_interval
  // ago or more, else at that mark: a burst of upstream frames becomes one batch, one shard
  // wake-up and one forming candle per stream each interval, not one of each per frame; an
  // update after a quiet interval waits for nothing (bench/RESULTS.md, "Candles cost per trade
  // frame").
  void schedule_turn_end() {
    if (turn_end_scheduled) return;
    turn_end_scheduled = true;
    const std::int64_t wait = last_turn_end_ns + batch_interval.count() - mono_ns();
    if (wait <= 0) {
      net::post(ioc, [this] { end_turn(); });
      return;
    }
    turn_timer.expires_after(std::chrono::nanoseconds(wait));
    turn_timer.async_wait([this](beast::error_code ec) {
      if (!ec) end_turn();
    });
  }

  void end_turn() {
    streams.flush();  // its updates join this batch: the turn is still scheduled
    books.flush();    // the composed books of this turn's frames, one merge each
    turn_end_scheduled = false;
    last_turn_end_ns = mono_ns();
    if (!gate_started || stopped || pending.empty()) return;
    auto batch = std::make_shared<const std::vector<update_ptr>>(std::move(pending));
    pending.clear();
    gate->deliver(std::move(batch));
  }

  void start_gateway() {
    gate->start();
    if (cfg.metrics.enabled && cfg.metrics.separate) {
      ops_http_server::route scrape{"/metrics", ops_http_server::method::get,
                                    [this](ops_http_server::response& r) {
                                      r.content_type = metrics::content_type;
                                      write_metrics(r.body, gate->stats());
                                    }};
      std::vector<ops_http_server::route> routes;
      routes.push_back(std::move(scrape));
      metrics_listener = std::make_unique<ops_http_server>(
          ops_http_server::options{"metrics", {}, false, "only /metrics is served here"},
          std::move(routes));
      metrics_listener->start(cfg.metrics.listen_addresses, cfg.metrics.listen.port);
    }
    if (cfg.admin.enabled) start_admin();
    gate_started = true;
    gate->set_health(health);
    if (!pending.empty()) schedule_turn_end();
  }

  // Candle boundaries are closed on time even without trades; silent bbo streams expire.
  void arm_streams_timer() {
    const auto now = wall_us();
    // Just after the next whole second, so a minute's candle closes within ~1 ms of it.
    streams_timer.expires_after(std::chrono::microseconds(1'000'000 - now % 1'000'000 + 1'000));
    streams_timer.async_wait([this](beast::error_code ec) {
      if (ec || stopped) return;
      streams.on_timer(wall_us());
      arm_streams_timer();
    });
  }

  void publish_status() {
    status_buffer.clear();
    encode_feed_status(status_buffer, status_entries, wall_ms());
    out.publish(channels.status(), status_buffer);
  }

  void start_feeds() {
    for (std::size_t i = 0; i < cfg.feeds.size(); ++i) {
      const auto& f = cfg.feeds[i];
      const venue_id venue = f.session.venue;
      auto adapter = make_venue_adapter(venue, symbol_maps[i], f.session.streams);
      auto venue_books = (f.session.streams & fs_book) != 0
                             ? std::make_unique<book_feed>(venue, symbol_maps[i], stats[i])
                             : nullptr;
      feeds.push_back(std::make_unique<feed_session>(
          ioc, client_tls(), f.session, std::move(adapter), stats[i],
          [this](const market_events& events) {
            if (!events.ticks.empty()) market.on_ticks(events.ticks);
            streams.on_events(events);
            books.on_events(events);
            if (streams.has_pending() || books.has_pending()) schedule_turn_end();
          },
          [this, venue](feed_state state) {
            log->info("feed {} is {}", to_string(venue), to_string(state));
            market.on_venue_fresh(venue, state == feed_state::up);
            streams.on_venue_fresh(venue, state == feed_state::up);
            books.on_venue_fresh(venue, state == feed_state::up);
            if (books.has_pending()) schedule_turn_end();
            publish_status();
          },
          std::move(venue_books)));
    }
    publish_status();
    if (streams.enabled()) {
      streams.on_timer(wall_us());  // opens the candle streams now, before any trade
      arm_streams_timer();
    }
    for (auto& f : feeds) f->start();
    auto tz = almanac::load_time_zone(cfg.almanac.tz);  // checked by load_config
    almanac = std::make_unique<almanac_source>(ioc, std::move(tz.zone), cfg.instruments, market,
                                               out, channels.almanac());
    almanac->start();
    if (cfg.gas.enabled) {
      gas = std::make_unique<gas_source>(ioc, client_tls(), cfg.gas, *gas_stats, out,
                                         channels.gas_eth(), [this] { publish_status(); });
      gas->start();
    }
    // Always: without [fng] the index computed from the composites is published alone.
    fng = std::make_unique<fng_source>(ioc, client_tls(), cfg.fng, cfg.instruments, market, out,
                                       channels.fng());
    fng->start();
  }

  // The first SIGINT/SIGTERM drains (clients are told to reconnect elsewhere, spread over
  // [server] drain_ms, then closed with 1001); a second signal shuts down at once.
  void on_signal(int signal) {
    log->info("signal {} received", signal);
    if (signal == SIGHUP) return on_reload();
    if (signalled || !gate_started) return shutdown();
    signalled = true;  // a drain begun by POST /admin/drain goes on: the next signal stops
    drain_requested = true;
    begin_drain("signal");
    wait_signal();
  }

  // The graceful drain (docs/OPERATIONS.md "Draining"): /readyz says `draining`, the client
  // port stops accepting, every client gets `reconnect` with its own after_ms in
  // [0, drain_ms] and is closed with 1001 after it; the process stops when the last client
  // has gone, or drain_ms plus a grace after the start, whichever comes first.
  void begin_drain(std::string_view why) {
    if (draining || stopped) return;
    draining = true;
    drain_started_us = wall_us();
    notify.stopping();
    health.draining = true;
    gate->set_health(health);
    const auto told = gate->drain(cfg.server.drain, [this] {
      net::post(ioc, [this] {
        log->info("drained: no client left");
        shutdown();
      });
    });
    log->info("draining ({}): {} client(s) told to reconnect within {} ms", why, told,
              cfg.server.drain.count());
    drain_timer.expires_after(cfg.server.drain + drain_close_grace);
    drain_timer.async_wait([this](beast::error_code ec) {
      if (!ec) shutdown();
    });
  }

  void start_admin() {
    // On the admin thread: the request crosses to the ingest thread; the reply is the plan.
    auto drain = [this](ops_http_server::response& r) {
      const bool first = !drain_requested.exchange(true);
      if (first) net::post(ioc, [this] { begin_drain("POST /admin/drain"); });
      r.status = 202;
      r.body = R"({"draining":true,"already":)";
      r.body.append(first ? "false" : "true");
      json::append_key(r.body, "clients");
      json::append_int(r.body, static_cast<std::int64_t>(gate->clients()));
      json::append_key(r.body, "drain_ms");
      json::append_int(r.body, cfg.server.drain.count());
      r.body.push_back('}');
    };
    auto status = [this](ops_http_server::response& r) {
      r.body = R"({"state":)";
      r.body.append(drain_requested ? R"("draining")" : R"("serving")");
      json::append_key(r.body, "clients");
      json::append_int(r.body, static_cast<std::int64_t>(gate->clients()));
      json::append_key(r.body, "drain_ms");
      json::append_int(r.body, cfg.server.drain.count());
      json::append_key(r.body, "drain_started");
      const auto started = drain_started_us.load();
      if (started == 0) {
        r.body.append("null");
      } else {
        json::append_int(r.body, started);
      }
      r.body.push_back('}');
    };
    std::vector<ops_http_server::route> routes;
    routes.push_back({"/admin/drain", ops_http_server::method::post, std::move(drain)});
    routes.push_back({"/admin/status", ops_http_server::method::get, std::move(status)});
    admin_listener = std::make_unique<ops_http_server>(
        ops_http_server::options{"admin", cfg.admin.token, true,
                                 "POST /admin/drain, GET /admin/status"},
        std::move(routes));
    admin_listener->start(cfg.admin.listen_addresses, cfg.admin.listen.port);
  }

  // SIGHUP: re-read the config file. [limits] and [log] level apply at once (new limits reach
  // each shard's thread as one immutable copy), [server.tls] cert and key and the [auth] key
  // or JWKS file are read again; any other changed key is named as needing a restart. A file
  // that does not load keeps everything as it was (logged); so does a key file that does not.
  void on_reload() {
    if (reload) reload_config();
    if (gate_started) {
      if (cfg.server.tls.enabled()) gate->reload_tls();
      gate->reload_auth_keys();
    }
    wait_signal();
  }

  void reload_config() {
    config next;
    try {
      next = reload();
    } catch (const config_error& e) {
      log->error("config reload: {}; keeping the running configuration", e.what());
      return;
    }
    std::string restart;
    for (const auto& change : changed_keys(cfg.source_text, next.source_text)) {
      if (reloadable(change)) continue;
      restart += (restart.empty() ? "" : ", ") + change.name();
    }
    if (!restart.empty()) log->warn("config reload: {} changed; needs a restart", restart);
    if (next.log.level != cfg.log.level) {
      spdlog::set_level(spdlog::level::from_str(next.log.level));  // every logger
      cfg.log.level = next.log.level;
    }
    gate->set_limits(next.limits);
    cfg.limits = next.limits;
    // Compared against next time, so a key still waiting for its restart is named again.
    if (restart.empty()) cfg.source_text = std::move(next.source_text);
    log->info("config reload: limits and log level ({}) applied", cfg.log.level);
  }

  void wait_signal() {
    signals.async_wait([this](beast::error_code ec, int signal) {
      if (!ec) on_signal(signal);
    });
  }

  void shutdown() {
    if (stopped) return;
    drain_timer.cancel();
    streams_timer.cancel();
    stopped = true;
    notify.stopping();
    notify.close();
    log->info("shutting down");
    for (auto& f : feeds) f->stop();  // starts polite closes upstream
    if (almanac) almanac->stop();
    if (gas) gas->stop();
    if (fng) fng->stop();
    if (link) link->drain();  // the last writes go out during the close grace
    signals.cancel();
    if (admin_listener) admin_listener->stop();
    if (metrics_listener) metrics_listener->stop();
    gate->stop();   // clients get 1001; joins the shard threads
    feeds.clear();  // each session's state lives on until its close completes
  }

  config cfg;
  config_loader reload;  // empty: SIGHUP reloads only the key files
  std::vector<symbol_map> symbol_maps;
  channel_registry channels;
  net::io_context ioc{1};
  // The TLS client context for wss:// and https:// upstreams, made only when one is configured:
  // OpenSSL's set-up and CA store would be a third of tickerd's memory at start.
  std::optional<net::ssl::context> tls;
  net::ssl::context* client_tls() { return tls ? &*tls : nullptr; }
  net::signal_set signals;
  net::steady_timer drain_timer{ioc};
  net::steady_timer streams_timer{ioc};
  service_notify notify{ioc};
  node_health health;
  bool draining = false;
  bool signalled = false;                         // SIGINT or SIGTERM seen
  std::atomic<bool> drain_requested{false};       // by a signal or POST /admin/drain
  std::atomic<std::int64_t> drain_started_us{0};  // wall time (µs); for GET /admin/status
  std::deque<feed_stats> stats;                   // atomics: never moved once created
  std::vector<feed_status_entry> status_entries;
  publisher out;
  aggregator market;
  market_streams streams;   // trades, bbo and candles channels
  book_channels books;      // book<N> channels, per venue and composed
  redis_stats redis_state;  // written by the link, read by /v1/stats; outlives both
  std::unique_ptr<gateway> gate;
  std::unique_ptr<store_link> link;  // null without [redis]
  std::unique_ptr<almanac_source> almanac;
  feed_stats* gas_stats = nullptr;  // in `stats`, when [gas] is configured
  std::unique_ptr<gas_source> gas;
  std::unique_ptr<fng_source> fng;
  std::vector<std::unique_ptr<feed_session>> feeds;
  std::vector<update_ptr> pending;
  net::steady_timer turn_timer{ioc};
  bool turn_end_scheduled = false;
  std::int64_t last_turn_end_ns = 0;  // mono_ns()
  bool gate_started = false;
  bool stopped = false;
  std::string status_buffer;
  std::shared_ptr<spdlog::logger> log;
  // Last: destroyed (its thread joined) before everything a scrape reads.
  std::unique_ptr<ops_http_server> metrics_listener;  // with [metrics] listen
  std::unique_ptr<ops_http_server> admin_listener;    // with [admin]
};

server::server(config cfg, config_loader reload)
    : impl_(std::make_unique<impl>(std::move(cfg), std::move(reload))) {}

server::~server() = default;

void server::run() {
  auto& i = *impl_;
  i.wait_signal();
  if (i.link) {
    // Warm start first (bounded by redis.warm_start_timeout_ms): the first client then gets
    // the cached state at once, and seq continues from Redis.
    bool warm = false;
    i.link->start([&warm] { warm = true; });
    while (!warm && !i.stopped && i.ioc.run_one() > 0) {
    }
  }
  if (!i.stopped) {
    i.start_gateway();
    if (i.cfg.node.role != node_role::edge) i.start_feeds();
    i.notify.ready([&i] { return i.gate->shards_alive(); });
  }
  while (!i.stopped && i.ioc.run_one() > 0) {
  }
  i.shutdown();
  // Let the upstream close handshakes and the last Redis writes finish, but never hang on
  // a silent venue.
  i.ioc.run_for(upstream_close_grace);
  if (i.link) i.link->stop();
}

void server::stop() {
  net::post(impl_->ioc, [this] { impl_->shutdown(); });
}

}  // namespace tickerd
