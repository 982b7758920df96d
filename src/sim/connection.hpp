// The seam between the sim's WebSocket server (listener, ws_session) and the venue protocols
// (binance_*, later okx_*, ...). No Asio or Beast here: venue code is plain C++ and is
// unit-tested with fake connections.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd::sim {

// One encoded text frame, shared by every connection that sends it.
using frame_ptr = std::shared_ptr<const std::string>;

inline frame_ptr make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

// WebSocket close codes the sim uses.
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace close_code

// An open WebSocket connection, as a venue protocol sees it. Calls never re-enter the
// handler synchronously: a close or a drop takes effect later on the event loop.
class connection {
 public:
  virtual std::uint64_t id() const noexcept = 0;
  // Queues a text frame. False when the frame was not queued: the connection is closing, or
  // its send queue overflowed (then the connection is being dropped as too slow).
  virtual bool send(frame_ptr frame) = 0;
  // Sends a close frame after whatever is queued; further sends are refused.
  virtual void close(std::uint16_t code, std::string_view reason) = 0;

 protected:
  ~connection() = default;
};

// Per-connection protocol state, created by a venue_endpoint for an accepted upgrade and
// destroyed when the connection is gone (its destructor drops every subscription).
class connection_handler {
 public:
  virtual ~connection_handler() = default;
  // The handshake completed; `conn` outlives this handler.
  virtual void on_open(connection& conn) = 0;
  // One complete text message from the client.
  virtual void on_text(std::string_view message) = 0;
  // The server is about to close every connection with 1001 (venue shutdown notices).
  virtual void on_server_shutdown() {}
  // Incoming frames (text, ping and pong) allowed per second; more closes the connection
  // with 1008. 0 = no limit.
  virtual unsigned max_incoming_per_sec() const noexcept { return 0; }
};

// Why an upgrade request was refused: an HTTP status and a short body.
struct http_reject {
  unsigned status = 400;
  std::string body;
};

// One venue protocol served on the sim's port.
class venue_endpoint {
 public:
  virtual ~venue_endpoint() = default;
  virtual std::string_view venue() const noexcept = 0;  // "binance": also a path prefix
  // Paths this venue serves ("/ws", "/stream"); each matches itself and anything below it.
  virtual std::vector<std::string> routes() const = 0;
  // A WebSocket upgrade for `target` (path and query, venue prefix removed). Returns the
  // connection's handler, or nullptr with `reject` filled in.
  virtual std::unique_ptr<connection_handler> accept(std::string_view target,
                                                     http_reject& reject) = 0;
  // The server stops: last chance to tell clients (handlers get on_server_shutdown too).
  virtual void stop() {}
};

}  // namespace tickerd::sim
