// OKX v5 public WebSocket (/ws/v5/public), served by the sim: live subscribe / unsubscribe of
// the "tickers" channel fed by the market model, the text ping/pong keepalive, and OKX's idle
// cutoff.
//
// Behaviour copied from OKX's API v5 documentation ("WebSocket" overview, "WS / Tickers
// channel", "Error Code" -> "WebSocket" -> "Public"):
// - {"id":"1512","op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]} gets one
//   {"id":"1512","event":"subscribe","arg":{...},"connId":"..."} per arg ("unsubscribe" alike);
//   nothing is pushed until the next ticker event;
// - an arg naming a channel or instrument the sim does not have: error 60018 "Wrong URL or
//   channel:<channel>,instId:<instId> doesn't exist. ..."; the other args still succeed;
// - a request that is not JSON or lacks a field: 60012 "Invalid request: <request>"; an op
//   other than subscribe / unsubscribe: 60019 "Invalid op: <op>";
// - more than 480 subscribe / unsubscribe requests per connection per hour: 60014;
// - the text "ping" is answered with the text "pong";
// - "The connection will break automatically if the subscription is not established or data
//   has not been pushed for more than 30 seconds": closed with 4004 "No data received in 30s"
//   (OKX's close-frame table); pushes, acks, errors and pongs all count as data pushed;
// - a request above 64 KB is closed with 1009 by the server's message limit (64 KiB);
// - on shutdown each client gets the 64008 notice ("The connection will soon be closed for a
//   service upgrade") before the close frame.
// Not modelled: login and private channels, the per-IP limit of 3 connection requests per
// second (the endpoint does not see the peer address).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/book_model.hpp"
#include "sim/connection.hpp"
#include "sim/market_model.hpp"
#include "sim/okx_encode.hpp"
#include "sim/okx_streams.hpp"
#include "sim/trade_faults.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd::sim::okx {

inline constexpr std::string_view public_path = "/ws/v5/public";
inline constexpr std::int64_t idle_timeout_ms = 30'000;
inline constexpr std::uint16_t idle_close_code = 4004;
inline constexpr std::string_view idle_close_reason = "No data received in 30s";
inline constexpr std::size_t max_requests_per_window = 480;
inline constexpr std::int64_t request_window_ms = 3'600'000;
inline constexpr std::size_t max_id_chars = 32;
// How often idle connections are looked for: they close between 30 and 30.5 s.
inline constexpr std::int64_t sweep_interval_ms = 500;

struct venue_stats {
  std::uint64_t connections = 0;     // handlers created
  std::uint64_t events = 0;          // ticker events with at least one subscriber
  std::uint64_t frames_sent = 0;     // ticker frames queued to clients
  std::uint64_t frames_refused = 0;  // send() returned false (closing or too slow)
  std::uint64_t idle_closes = 0;     // connections closed with 4004
};

class session;

class endpoint final : public venue_endpoint {
 public:
  using clock_fn = std::function<std::int64_t()>;  // monotonic milliseconds

  // With an io_context, a timer closes idle connections every sweep_interval_ms; without one
  // (unit tests), sweep() is called by hand. `clock` defaults to the steady clock.
  endpoint(const market_model& model, boost::asio::io_context* ioc, clock_fn clock = {});
  ~endpoint() override;

  std::string_view venue() const noexcept override { return "okx"; }
  std::vector<std::string> routes() const override { return {std::string(public_path)}; }
  std::unique_ptr<connection_handler> accept(std::string_view target, http_reject& reject) override;
  void stop() override;  // stops the idle timer

  // Symbol `index` of the model just stepped: encode its ticker once and queue it to every
  // subscriber.
  void publish(std::size_t index, std::int64_t wall_us);
  // Closes every connection that has been idle for idle_timeout_ms.
  void sweep();
  // The trades, bbo-tbt and books channels' faults (trade_faults.hpp).
  trade_faults& stream_faults() noexcept { return faults_; }
  // The books behind the books channel (book_model.hpp, okx_depth.hpp), stepped before
  // publish(); without them the channel is unknown (60018), as before.
  void set_books(book_set* books);

  const venue_stats& stats() const noexcept { return stats_; }
  std::size_t subscriber_count(std::size_t index) const { return subscribers_.at(index).size(); }
  std::size_t session_count() const noexcept { return sessions_.size(); }

 private:
  friend class session;
  struct request_reader;  // simdjson's DOM parser, reused by every session (one thread)
  struct sweeper;         // the Asio timer, kept out of this header

  std::int64_t now_ms() const;
  std::optional<std::size_t> symbol_of(std::string_view inst) const;
  // A subscription's index: the symbol's, plus one model size per kind (tickers, trades,
  // bbo-tbt, books); nullopt for another channel or an unknown instrument.
  std::optional<std::size_t> stream_of(std::string_view channel, std::string_view inst) const;
  void publish_streams(std::size_t index, std::int64_t wall_us);
  void publish_books(std::size_t index, std::int64_t wall_us);
  // A books subscription's snapshot, sent after its ack.
  void send_books_snapshot(std::size_t stream, session* s);
  void add_subscriber(std::size_t index, session* s);
  void remove_subscriber(std::size_t index, session* s);
  void forget(session* s);
  void schedule_sweep();

  const market_model& model_;
  clock_fn clock_;
  std::unique_ptr<request_reader> reader_;
  std::unique_ptr<sweeper> sweeper_;
  std::unordered_map<std::string, std::size_t> by_inst_;  // "BTC-USDT" -> index
  std::vector<std::vector<session*>> subscribers_;        // per kind, then symbol index
  trade_faults faults_{1'000'000'000};                    // OKX numbers its trades apart
  std::vector<std::int64_t> seq_ids_;                     // per symbol: the latest seqId
  std::vector<session*> sessions_;                        // every live handler
  venue_stats stats_;
  book_set* books_ = nullptr;
  struct books_state {
    top_levels top;           // the top last pushed (kept only while someone listens)
    std::int64_t seq_id = 0;  // its seqId
  };
  std::vector<books_state> books_state_;
};

// One client connection's OKX state.
class session final : public connection_handler {
 public:
  session(endpoint& ep, std::int64_t now_ms);
  ~session() override;

  void on_open(connection& conn) override;
  void on_text(std::string_view message) override;
  void on_server_shutdown() override;

  void deliver(const frame_ptr& frame, std::int64_t now_ms);
  // True when OKX would break the connection now: nothing pushed for 30 s, or no
  // subscription established within 30 s of opening.
  bool idle(std::int64_t now_ms) const noexcept;
  void close_idle();
  const std::string& conn_id() const noexcept { return conn_id_; }
  const std::vector<std::size_t>& subscriptions() const noexcept { return subscribed_; }

 private:
  friend class endpoint;
  void reply(std::string text);
  void reply_error(std::string_view code, std::string_view msg, std::string_view id);
  void subscribe(std::size_t index);
  void unsubscribe(std::size_t index);
  bool count_request(std::int64_t now_ms);  // false over 480 requests an hour

  endpoint* endpoint_;  // null once the endpoint is gone
  connection* conn_ = nullptr;
  std::string conn_id_;
  std::vector<std::size_t> subscribed_;  // symbol indices, in subscription order
  std::int64_t opened_ms_;
  std::int64_t last_push_ms_;
  std::int64_t window_start_ms_;
  std::size_t window_requests_ = 0;
  bool ever_subscribed_ = false;
  bool closing_ = false;
};

}  // namespace tickerd::sim::okx
