// The separate `[metrics] listen` address: a small HTTP server on its own thread that answers
// GET /metrics (and nothing else), so scrapes never share a port, a shard or a limit with
// clients. Each connection is bounded by a timeout and a request size.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tickerd {

class metrics_server {
 public:
  using body_writer = std::function<void(std::string& out)>;  // called on the server's thread

  explicit metrics_server(body_writer write);
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  // Binds the first of `addresses` that can be bound, on `port`, and starts the thread.
  // Throws std::runtime_error naming metrics.listen when none can be.
  void start(const std::vector<std::string>& addresses, std::uint16_t port);
  std::uint16_t port() const noexcept;
  void stop();  // closes the listener and every connection, joins the thread

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd
