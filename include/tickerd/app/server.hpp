// The tickerd process: the ingest thread (feeds, aggregator, publisher) and the gateway
// shards, wired together from a validated config.
#pragma once

#include <memory>

#include "tickerd/app/config.hpp"

namespace tickerd {

class server {
 public:
  explicit server(config cfg);  // throws config_error for inconsistent settings
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

// Creates the named loggers (tickerd, feeds, market, gateway) at `level`, writing to stderr.
void setup_logging(const std::string& level);

}  // namespace tickerd
