#include "sim/replay_app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "sim/graceful_run.hpp"
#include "sim/replay_depth.hpp"
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

// Binance's GET /api/v3/depth from the recorded snapshots; without any, every symbol is
// Binance's "Invalid symbol." (tickerd counts a snapshot error and asks again later).
control_handler depth_handler(replay::depth_snapshots& snapshots) {
  return [&snapshots](const control_request& r) -> std::optional<control_response> {
    const bool get = r.method == "GET";
    if (!(get || r.method == "HEAD") || !replay::depth_snapshots::is_depth_target(r.target)) {
      return std::nullopt;
    }
    auto reply = snapshots.answer(r.target, get);
    log().debug("{} {}: {} ({} bytes)", r.method, r.target, reply.status, reply.body.size());
    control_response out;
    out.status = reply.status;
    out.body = std::move(reply.body);
    return out;
  };
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
  if (!settings.depth_snapshots.empty() && *venue != venue_id::binance) {
    std::fprintf(stderr, "--depth-snapshot: only with --venue binance (its REST depth snapshot)\n");
    return 2;
  }
  auto records = std::make_shared<replay::capture>();
  std::string message;
  if (!replay::load_capture(settings.file, *records, message)) {
    std::fprintf(stderr, "%s\n", message.c_str());
    return 2;  // a bad capture is a bad command-line value
  }
  replay::depth_snapshots snapshots;
  if (!replay::load_depth_snapshots(settings.depth_snapshots, snapshots, message)) {
    std::fprintf(stderr, "--depth-snapshot %s\n", message.c_str());
    return 2;
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
  if (*venue == venue_id::binance) srv.set_control_handler(depth_handler(snapshots));
  try {
    srv.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "--listen %s:%u: %s\n", sim.host.c_str(), unsigned{sim.port}, e.what());
    return 2;
  }
  log().info("listening on {}: replaying {} as {} ({} records over {} ms, speed {}{})",
             srv.address(), settings.file, settings.venue, records->records.size(),
             records->duration_ms(), settings.speed, settings.loop ? ", looping" : "");
  for (const auto& [symbol, files] : snapshots.counts()) {
    log().info("GET /api/v3/depth?symbol={}: {} snapshot file(s), the last repeated", symbol,
               files);
  }
  std::printf("tickerd-sim listening on %s\n", srv.address().c_str());
  std::fflush(stdout);

  run_until_signal(
      ioc, signals, [&]() -> std::uint64_t { return srv.stats().open; }, [&] { srv.stop(); });
  const auto& s = ep.stats();
  log().info("stopped: connections={} started={} frames_sent={} refused={} passes={}",
             s.connections, s.started, s.frames_sent, s.frames_refused, s.passes);
  for (const auto& c : snapshots.counts()) {
    log().info("depth snapshots served for {}: {}", c.first, snapshots.served(c.first));
  }
  return 0;
}

}  // namespace tickerd::sim
