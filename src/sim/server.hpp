// The sim's TCP front door: one port for plain HTTP (GET /healthz) and WebSocket upgrades,
// which the router hands to a venue protocol. Asio and Beast stay in the .cpp files.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sim/router.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd::sim {

struct session_limits {
  std::chrono::milliseconds ping_interval{20'000};  // Binance: a ping frame every 20 s; 0 = none
  std::chrono::milliseconds pong_timeout{60'000};   // no pong this long after a ping: dropped
  std::chrono::milliseconds max_age{0};             // close connections this old; 0 = never
  std::chrono::milliseconds close_timeout{5'000};   // a graceful close that takes longer: dropped
  std::chrono::milliseconds handshake_timeout{10'000};
  std::size_t max_queue_bytes = 4u << 20;  // a client further behind than this is dropped
  std::size_t max_queue_frames = 8192;
  std::size_t max_message_bytes = 64u << 10;  // largest client message read
};

struct server_options {
  std::string host = "127.0.0.1";  // an IP literal or "localhost"
  std::uint16_t port = 9001;       // 0 = ephemeral
  session_limits limits;
};

struct server_stats {
  std::uint64_t accepted = 0;    // TCP connections
  std::uint64_t upgraded = 0;    // WebSocket handshakes completed
  std::uint64_t open = 0;        // WebSocket connections open now
  std::uint64_t slow_drops = 0;  // dropped because their send queue overflowed
  std::uint64_t pong_drops = 0;  // dropped for not answering pings
  std::uint64_t rate_drops = 0;  // closed for sending too many messages
  std::uint64_t aged_out = 0;    // closed at max_age
};

class server {
 public:
  server(boost::asio::io_context& ioc, const router& routes, server_options options);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts accepting. Throws std::system_error when the address cannot be bound.
  void start();
  // Stops accepting and closes every WebSocket with 1001 (after the venues' shutdown notices).
  void stop();

  std::uint16_t port() const noexcept;  // the bound port, after start()
  std::string address() const;          // "127.0.0.1:9001" / "[::1]:9001", after start()
  const server_stats& stats() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace tickerd::sim
