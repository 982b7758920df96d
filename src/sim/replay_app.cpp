#include "sim/replay_app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>

#include "sim/graceful_run.hpp"
#include "sim/replay_endpoint.hpp"
#include "sim/replay_file.hpp"
#include "sim/router.hpp"
#include "sim/server.hpp"
#include "sim/sim_log.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim {
namespace {

// The live sim's limits (pings, pong deadline, age, send queue) apply to replay connections.
server_options make_server_options(const sim_options& o) {
  server_options s;
  s.host = o.host;
  s.port = o.port;
  s.limits.ping_interval = std::chrono::milliseconds(o.ping_interval_ms);
  s.limits.pong_timeout = std::chrono::milliseconds(o.pong_timeout_ms);
  s.limits.max_age = std::chrono::milliseconds(o.max_conn_age_ms);
  s.limits.max_queue_bytes = o.max_queue_bytes;
  return s;
}

}  // namespace

int run_replay(const sim_options& sim, const replay_settings& settings) {
  const auto venue = parse_venue(settings.venue);
  if (!venue) {
    std::fprintf(stderr, "--venue %s: must be binance, okx, coinbase, bybit or kraken\n",
                 settings.venue.c_str());
    return 2;
  }
  if (!sim.faults.empty()) {
    // Faults are scheduled by the synthetic simulator (sim_app), which replay does not run.
    std::fprintf(stderr, "--fault: not available with --replay\n");
    return 2;
  }
  if (!replay::valid_speed(settings.speed)) {
    std::fprintf(stderr, "--speed %g: must be a number > 0\n", settings.speed);
    return 2;
  }
  auto records = std::make_shared<replay::capture>();
  std::string message;
  if (!replay::load_capture(settings.file, *records, message)) {
    std::fprintf(stderr, "%s\n", message.c_str());
    return 2;  // a bad capture is a bad command-line value
  }

  net::io_context ioc(1);
  // Before the "listening" line: a signal sent as soon as it is seen must be handled.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  replay::endpoint_options eo;
  eo.venue = *venue;
  eo.speed = settings.speed;
  eo.loop = settings.loop;
  eo.seed = sim.seed;
  eo.binance_max_incoming_per_sec = sim.max_incoming_per_sec;
  replay::endpoint ep(ioc, records, eo);
  router routes;
  routes.add(ep);
  server srv(ioc, routes, make_server_options(sim));
  try {
    srv.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "--listen %s:%u: %s\n", sim.host.c_str(), unsigned{sim.port}, e.what());
    return 2;
  }
  log().info("listening on {}: replaying {} as {} ({} records over {} ms, speed {}{})",
             srv.address(), settings.file, settings.venue, records->records.size(),
             records->duration_ms(), settings.speed, settings.loop ? ", looping" : "");
  std::printf("tickerd-sim listening on %s\n", srv.address().c_str());
  std::fflush(stdout);

  run_until_signal(
      ioc, signals, [&]() -> std::uint64_t { return srv.stats().open; }, [&] { srv.stop(); });
  const auto& s = ep.stats();
  log().info("stopped: connections={} started={} frames_sent={} refused={} passes={}",
             s.connections, s.started, s.frames_sent, s.frames_refused, s.passes);
  return 0;
}

}  // namespace tickerd::sim
