// The sim's TCP front door: one port for plain HTTP (GET /healthz, the control requests the
// sim_app answers) and WebSocket upgrades, which the router hands to a venue protocol. It also
// keeps each venue's fault state (fault.hpp) and applies faults to the venue's connections.
// Asio and Beast stay in the .cpp files.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sim/fault.hpp"
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

// A plain-HTTP request the server does not answer itself (see control_handler).
struct control_request {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // path and query
  std::string_view body;
};

struct control_response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Answers control requests (POST /faults/<venue>, GET /faults, ...); nullopt when the path is
// not a control path, so the server's own 404/405/426 handling applies.
using control_handler = std::function<std::optional<control_response>(const control_request&)>;

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

  // Plain-HTTP requests other than /healthz are offered to `handler` first. Set before start().
  void set_control_handler(control_handler handler);

  // Applies `f` (its scheduling keys are the caller's business) to `venue`: the venue-wide
  // state (stall, drip, refuse, max_age, clear) and each open connection (reset, close,
  // garbage, invalid_json, the start of a refuse or max_age). A gap is Coinbase's protocol
  // state and is not applied here. Returns the venue's open connections; 0 for an unknown venue.
  std::size_t apply_fault(std::string_view venue, const fault& f);
  // The venue's open WebSocket connections.
  std::size_t connections(std::string_view venue) const;
  // The venue's fault state; nullptr for a venue the router does not serve.
  const venue_fault_state* fault_state(std::string_view venue) const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace tickerd::sim
