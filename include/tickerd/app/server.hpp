// The tickerd process: the ingest thread (feeds, aggregator, publisher) and the gateway
// shards, wired together from a validated config.
#pragma once

#include <functional>
#include <memory>

#include "tickerd/app/config.hpp"

namespace tickerd {

class server {
 public:
  // What SIGHUP reads: the configuration as start-up would load it now (throws config_error).
  using config_loader = std::function<config()>;

  // Throws config_error for inconsistent settings. Without `reload`, SIGHUP re-reads only the
  // TLS and auth key files.
  explicit server(config cfg, config_loader reload = {});
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds the listener (throws std::runtime_error on failure), starts the shards and the
  // feeds, and runs the ingest loop on the calling thread until SIGINT/SIGTERM or stop().
  void run();

  // Thread-safe: ends run() after closing clients with 1001.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Creates the named loggers (tickerd, feeds, market, gateway, store) at log.level, writing to
// stderr as text or, with log.format "json", one JSON object per line.
void setup_logging(const log_config& log);

}  // namespace tickerd
