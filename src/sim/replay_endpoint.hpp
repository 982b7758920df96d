// A venue endpoint that serves a capture file (replay_file.hpp) instead of the synthetic
// market: the venue's own paths, its subscribe acks and keepalive replies (built with the live
// sim's encoders), and the capture's frames byte for byte on each connection's own schedule.
//
// When a connection's replay starts: on connect for Binance (its streams are in the URL);
// for OKX, Coinbase, Bybit and Kraken at the client's first subscribe request, right after its
// ack, so a capture needs to hold market data only. What is answered, per venue:
// - Binance: SUBSCRIBE / UNSUBSCRIBE / SET_PROPERTY -> {"result":null,"id":<the request's id>};
//   serverShutdown on stop;
// - OKX: the text "ping" -> "pong"; one subscribe / unsubscribe ack per arg; the 64008 notice
//   on stop;
// - Coinbase: the `subscriptions` message after each subscribe / unsubscribe;
// - Bybit: {"op":"ping"} -> pong; subscribe / unsubscribe -> success replies;
// - Kraken: the status message on connect; {"method":"ping"} -> pong; one ack per symbol.
// Anything else a client sends is ignored (logged at debug). Server pings, the pong deadline,
// connection age and the send queue bound are the server's (session_limits), as in the live
// sim. Venue heartbeats (Kraken, Coinbase) are data-channel messages and are not made up:
// they are sent only if the capture holds them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/connection.hpp"
#include "sim/replay_file.hpp"
#include "tickerd/core/venue.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd::sim::replay {

struct endpoint_options {
  venue_id venue = venue_id::binance;
  double speed = 1.0;                         // delays are divided by it (> 0)
  bool loop = false;                          // start over after the last record
  std::uint64_t seed = 42;                    // connection ids in acks (OKX, Bybit, Kraken)
  unsigned binance_max_incoming_per_sec = 5;  // Binance's limit; 0 = none
};

struct endpoint_stats {
  std::uint64_t connections = 0;     // handlers created
  std::uint64_t started = 0;         // connections whose replay began
  std::uint64_t frames_sent = 0;     // capture frames queued to clients
  std::uint64_t frames_refused = 0;  // send() returned false: that connection's replay stops
  std::uint64_t passes = 0;          // whole passes over the capture, all connections together
};

struct endpoint_state;  // replay_endpoint.cpp

// The paths the live sim serves for `venue` ("/ws" and "/stream" for Binance, "/v2" for Kraken).
std::vector<std::string> venue_routes(venue_id venue);

class endpoint final : public venue_endpoint {
 public:
  endpoint(boost::asio::io_context& ioc, std::shared_ptr<const capture> records,
           endpoint_options options);
  ~endpoint() override;
  endpoint(const endpoint&) = delete;
  endpoint& operator=(const endpoint&) = delete;

  std::string_view venue() const noexcept override;
  std::vector<std::string> routes() const override;
  std::unique_ptr<connection_handler> accept(std::string_view target, http_reject& reject) override;

  const endpoint_stats& stats() const noexcept;

 private:
  // Held by every handler too: the server may destroy handlers after the endpoint.
  std::shared_ptr<endpoint_state> state_;
};

}  // namespace tickerd::sim::replay
