// Binance spot market streams, served by the sim: the raw (/ws/<stream>) and combined
// (/stream?streams=a/b) endpoints, live SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS /
// SET_PROPERTY / GET_PROPERTY requests, and the <symbol>@ticker stream fed by the market model
// (with @miniTicker, @trade, @bookTicker, and @depth@100ms / @depth from the books).
//
// Behaviour copied from Binance (its "WebSocket Streams" document and observed replies):
// - a well-formed stream name that the sim does not produce (another symbol, @depth5, ...) is
//   accepted and stays silent, as Binance acks any syntactically valid name;
// - a malformed name in a request gets {"error":{"code":2,"msg":"Invalid request: invalid
//   stream"},"id":..} and the connection is closed; in the URL it is refused with HTTP 400
//   (the sim's choice: the real venue's answer is not documented);
// - at most 1024 streams per connection and 5 incoming messages per second (more: closed);
// - on shutdown each client gets a serverShutdown event before the close frame.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/binance_depth.hpp"
#include "sim/binance_encode.hpp"
#include "sim/book_model.hpp"
#include "sim/connection.hpp"
#include "sim/market_model.hpp"
#include "sim/trade_faults.hpp"

namespace tickerd::sim::binance {

inline constexpr std::size_t max_streams_per_connection = 1024;
inline constexpr std::size_t max_id_chars = 36;

// Syntax only: "btcusdt@ticker", "btcusdt@kline_1m", "!ticker@arr", "btcusdt@depth@100ms".
bool valid_stream_name(std::string_view name) noexcept;

struct target_info {
  bool combined = false;  // /stream (wrapped events) vs /ws (bare events)
  time_unit unit = time_unit::millisecond;
  std::vector<std::string> streams;  // from the URL, in order, without duplicates
};

// Parses "/ws", "/ws/a@ticker/b@ticker", "/stream", "/stream?streams=a@ticker/b@ticker" (and
// timeUnit=MICROSECOND). nullopt with `error` set when the target is not a Binance endpoint or
// names a malformed stream.
std::optional<target_info> parse_target(std::string_view target, std::string& error);

struct venue_stats {
  std::uint64_t connections = 0;     // handlers created
  std::uint64_t events = 0;          // ticker events with at least one subscriber
  std::uint64_t frames_sent = 0;     // frames queued to clients
  std::uint64_t frames_refused = 0;  // send() returned false (closing or too slow)
};

class session;

// The per-symbol streams the sim produces; anything else is acked and stays silent.
// @ticker, @miniTicker, @trade, @bookTicker, @depth@100ms, @depth
enum class stream_kind : std::uint8_t {
  ticker,
  mini_ticker,
  trade,
  book_ticker,
  depth_fast,
  depth_slow
};
inline constexpr std::size_t stream_kinds = 6;

class endpoint final : public venue_endpoint {
 public:
  endpoint(const market_model& model, format_options fmt, unsigned max_incoming_per_sec);
  ~endpoint() override;

  std::string_view venue() const noexcept override { return "binance"; }
  std::vector<std::string> routes() const override { return {"/ws", "/stream"}; }
  std::unique_ptr<connection_handler> accept(std::string_view target, http_reject& reject) override;

  // Symbol `index` of the model just stepped: encode its ticker, trades and bookTicker once
  // per wire variant in use and queue them to every subscriber.
  void publish(std::size_t index, std::int64_t wall_us);
  // The trade, bookTicker and depth streams' faults (trade_faults.hpp).
  trade_faults& stream_faults() noexcept { return faults_; }
  // The books behind the depth streams (book_model.hpp), stepped before publish(); without
  // them @depth streams stay silent.
  void set_books(book_set* books);
  // GET /api/v3/depth?symbol=&limit=: status and body (Binance's error codes for a bad query).
  std::pair<unsigned, std::string> depth_snapshot(std::string_view target);

  const venue_stats& stats() const noexcept { return stats_; }
  unsigned max_incoming_per_sec() const noexcept { return max_incoming_per_sec_; }
  // Subscribers of symbol `index`, over every stream kind.
  std::size_t subscriber_count(std::size_t index) const;

 private:
  friend class session;
  // The subscriber slot of a stream name (symbol index * stream_kinds + kind), or nullopt.
  std::optional<std::size_t> slot_of(std::string_view stream) const;
  void add_subscriber(std::size_t slot, session* s);
  void remove_subscriber(std::size_t slot, session* s);
  void publish_streams(std::size_t index, std::int64_t wall_us);  // @trade and @bookTicker
  void publish_depth(std::size_t index, std::int64_t wall_us);

  struct request_reader;  // simdjson's DOM parser, reused by every session (one thread)

  const market_model& model_;
  format_options fmt_;
  unsigned max_incoming_per_sec_;
  std::unique_ptr<request_reader> reader_;
  std::unordered_map<std::string, std::size_t> by_stream_;  // "btcusdt@ticker" -> slot
  std::vector<std::vector<session*>> subscribers_;          // per slot
  trade_faults faults_;
  venue_stats stats_;
  book_set* books_ = nullptr;
  struct depth_state {
    std::array<depth_batch, 2> batch;  // fast, slow
    std::array<std::int64_t, 2> last_sent_us{};
    // Copies of the book taken every stale_period events: `older` is what book_stale serves.
    book_copy older, newer;
    bool live = false;  // the books were active at a previous event
  };
  std::vector<depth_state> depth_;
};

// One client connection's Binance state.
class session final : public connection_handler {
 public:
  session(endpoint& ep, target_info target);
  ~session() override;

  void on_open(connection& conn) override;
  void on_text(std::string_view message) override;
  void on_server_shutdown() override;
  unsigned max_incoming_per_sec() const noexcept override;

  bool combined() const noexcept { return combined_; }
  time_unit unit() const noexcept { return unit_; }
  const std::vector<std::string>& streams() const noexcept { return streams_; }
  void deliver(const frame_ptr& frame);

 private:
  // false when the stream list would exceed the limit
  bool subscribe(const std::string& stream);
  void unsubscribe(std::string_view stream);
  void reply(std::string text);
  void reply_error(int code, std::string_view msg, std::string_view id_json);

  endpoint& endpoint_;
  connection* conn_ = nullptr;
  bool combined_;
  time_unit unit_;
  std::vector<std::string> initial_;  // URL streams, subscribed on open
  std::vector<std::string> streams_;  // current subscriptions, in order
};

}  // namespace tickerd::sim::binance
