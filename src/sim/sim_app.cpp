#include "sim/sim_app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <csignal>
#include <cstdio>

#include "sim/binance_protocol.hpp"
#include "sim/bybit_protocol.hpp"
#include "sim/coinbase_protocol.hpp"
#include "sim/kraken_protocol.hpp"
#include "sim/market_driver.hpp"
#include "sim/okx_protocol.hpp"
#include "sim/router.hpp"
#include "sim/server.hpp"
#include "sim/sim_log.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim {
namespace {

constexpr auto shutdown_grace = std::chrono::seconds(3);
constexpr auto shutdown_poll = std::chrono::milliseconds(20);
constexpr auto stats_interval = std::chrono::seconds(60);

std::vector<symbol_spec> or_builtins(std::vector<symbol_spec> symbols) {
  if (!symbols.empty()) return symbols;
  const auto all = builtin_specs();
  return {all.begin(), all.end()};
}

}  // namespace

bool parse_listen(std::string_view text, std::string& host, std::uint16_t& port,
                  std::string& error) {
  std::string_view h;
  std::string_view p;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) {
      error = "expected [IPv6]:PORT";
      return false;
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      error = "expected HOST:PORT, e.g. 127.0.0.1:9001";
      return false;
    }
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  if (h.empty()) {
    error = "missing host";
    return false;
  }
  boost::system::error_code ec;
  if (h != "localhost") net::ip::make_address(std::string(h), ec);
  if (ec) {
    error = "host must be an IP address or localhost";
    return false;
  }
  unsigned value = 0;
  const auto r = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || value > 65535) {
    error = "port must be 0..65535";
    return false;
  }
  host = std::string(h);
  port = static_cast<std::uint16_t>(value);
  return true;
}

struct simulator::impl {
  impl(net::io_context& ioc, sim_options o)
      : options(std::move(o)),
        model(or_builtins(options.symbols), options.seed),
        driver(ioc, model, options.rate),
        binance(model, binance::format_options{options.binance_fixed8},
                options.max_incoming_per_sec),
        okx(model, &ioc),
        coinbase(model),
        kraken(model, options.seed),
        bybit(model, options.seed),
        bybit_timer(ioc),
        srv(ioc, routes, make_server_options(options)),
        stats_timer(ioc),
        coinbase_timer(ioc),
        kraken_timer(ioc) {
    routes.add(binance);
    routes.add(okx);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { okx.publish(i, ts); });
    routes.add(coinbase);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { coinbase.publish(i, ts); });
    routes.add(kraken);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { kraken.publish(i, ts); });
    routes.add(bybit);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { bybit.publish(i, ts); });
    driver.add_listener([this](std::size_t i, std::int64_t ts) { binance.publish(i, ts); });
  }

  static server_options make_server_options(const sim_options& o) {
    server_options s;
    s.host = o.host;
    s.port = o.port;
    s.limits.ping_interval = std::chrono::milliseconds(o.ping_interval_ms);
    s.limits.pong_timeout = std::chrono::milliseconds(o.pong_timeout_ms);
    s.limits.max_age = std::chrono::milliseconds(o.max_conn_age_ms);
    s.limits.max_queue_bytes = o.max_queue_bytes;
    return s;
  }

  void schedule_coinbase(std::chrono::steady_clock::time_point at) {
    coinbase_timer.expires_at(at);  // absolute deadlines: no drift
    coinbase_timer.async_wait([this, at](boost::system::error_code ec) {
      if (ec) return;
      coinbase.on_timer(wall_us());
      schedule_coinbase(at + coinbase::heartbeat_interval);
    });
  }

  void schedule_bybit() {
    bybit_timer.expires_after(bybit::housekeeping_interval);
    bybit_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      bybit.housekeeping(wall_us());  // level-1 book refreshes, idle cut-offs
      schedule_bybit();
    });
  }

  void schedule_kraken(std::chrono::steady_clock::time_point at) {
    kraken_timer.expires_at(at);  // absolute deadlines: no drift
    kraken_timer.async_wait([this, at](boost::system::error_code ec) {
      if (ec) return;
      kraken.on_second();
      schedule_kraken(at + kraken::tick_interval);
    });
  }

  void schedule_stats() {
    stats_timer.expires_after(stats_interval);
    stats_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      log().debug("{}", stats_line());
      schedule_stats();
    });
  }

  std::string stats_line() const {
    const auto& s = srv.stats();
    const auto& b = binance.stats();
    return fmt::format(
        "events={} skipped={} open={} accepted={} upgraded={} frames_sent={} refused={} "
        "slow_drops={} pong_drops={} rate_drops={} aged_out={}",
        driver.events(), driver.skipped(), s.open, s.accepted, s.upgraded, b.frames_sent,
        b.frames_refused, s.slow_drops, s.pong_drops, s.rate_drops, s.aged_out);
  }

  sim_options options;
  market_model model;
  market_driver driver;
  binance::endpoint binance;
  okx::endpoint okx;  // /ws/v5/public
  coinbase::endpoint coinbase;
  kraken::endpoint kraken;  // /v2
  bybit::endpoint bybit;    // /v5/public/spot
  // Bybit level-1 book refreshes and idle scan, every 250 ms.
  net::steady_timer bybit_timer;
  router routes;
  server srv;
  net::steady_timer stats_timer;
  net::steady_timer coinbase_timer;  // Coinbase heartbeats and subscribe deadline, every second
  net::steady_timer kraken_timer;    // Kraken heartbeats and idle cutoff, every second
};

simulator::simulator(net::io_context& ioc, sim_options options)
    : impl_(std::make_unique<impl>(ioc, std::move(options))) {}

simulator::~simulator() = default;

void simulator::start() {
  impl_->srv.start();
  impl_->driver.start();
  impl_->schedule_stats();
  impl_->schedule_coinbase(std::chrono::steady_clock::now() + coinbase::heartbeat_interval);
  impl_->schedule_kraken(std::chrono::steady_clock::now() + kraken::tick_interval);
  impl_->schedule_bybit();
  log().info("listening on {}: {} symbols, {} events/s each, seed {}", address(),
             impl_->model.size(), impl_->options.rate, impl_->options.seed);
}

void simulator::stop() {
  impl_->driver.stop();
  impl_->stats_timer.cancel();
  impl_->binance.stop();
  impl_->okx.stop();
  impl_->kraken_timer.cancel();
  impl_->bybit_timer.cancel();
  impl_->coinbase_timer.cancel();
  impl_->srv.stop();
}

std::uint16_t simulator::port() const noexcept {
  return impl_->srv.port();
}
std::string simulator::address() const {
  return impl_->srv.address();
}
std::uint64_t simulator::open_connections() const noexcept {
  return impl_->srv.stats().open;
}
std::uint64_t simulator::events() const noexcept {
  return impl_->driver.events();
}
const server_stats& simulator::connection_stats() const noexcept {
  return impl_->srv.stats();
}
std::string simulator::stats_line() const {
  return impl_->stats_line();
}

int run(const sim_options& options) {
  net::io_context ioc(1);
  // Before the "listening" line: a signal sent as soon as it is seen must be handled.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  simulator sim(ioc, options);
  try {
    sim.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "--listen %s:%u: %s\n", options.host.c_str(), unsigned{options.port},
                 e.what());
    return 2;  // the option's value cannot be used, like any other bad value
  }
  std::printf("tickerd-sim listening on %s\n", sim.address().c_str());
  std::fflush(stdout);

  net::steady_timer grace(ioc);
  net::steady_timer poll(ioc);
  std::function<void()> wait_closed = [&] {
    if (sim.open_connections() == 0) return ioc.stop();
    poll.expires_after(shutdown_poll);
    poll.async_wait([&](boost::system::error_code ec) {
      if (!ec) wait_closed();
    });
  };
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    log().info("signal {}: closing {} connections", signo, sim.open_connections());
    sim.stop();
    grace.expires_after(shutdown_grace);
    grace.async_wait([&](boost::system::error_code e) {
      if (e) return;
      log().warn("connections still open after the grace period; exiting anyway");
      ioc.stop();
    });
    wait_closed();
  });

  ioc.run();
  log().info("stopped: {}", sim.stats_line());
  return 0;
}

}  // namespace tickerd::sim
