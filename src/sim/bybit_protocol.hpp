// Bybit v5 public spot stream, served by the sim at /v5/public/spot: {"op":"ping"},
// {"op":"subscribe"} and {"op":"unsubscribe"} requests, and the tickers.<SYMBOL>,
// orderbook.1.<SYMBOL> and publicTrade.<SYMBOL> topics fed by the market model.
//
// Behaviour copied from Bybit's v5 documentation ("Connect", "Ticker", "Orderbook"):
// - replies have the spot shape {"success":…,"ret_msg":…,"conn_id":…,"req_id":…,"op":…}
//   ("req_id" only when the request had one); a ping is answered with ret_msg "pong";
// - at most 10 args per subscribe request ("args size >10" refuses the whole request) and
//   21,000 characters of args per connection;
// - "if there is no ping-pong and no stream data sent from server end, the connection will be
//   cut off after 10 minutes", checked by a scan every 30 s ("ticker scans every 30s");
// - orderbook.1: a snapshot right after subscribing, then snapshots only ("level 1 data has
//   snapshot message only"), pushed again after 3 s without a change with the same "u";
// - tickers: a snapshot on every market event, nothing on subscribe;
// - orderbook.50: a snapshot on subscribe, then deltas (bybit_depth.hpp).
// The sim's choices where Bybit documents nothing: a topic for a symbol the model does not
// have is refused with "Invalid symbol :[<topic>]" (the live venue's wording); a syntactically
// valid topic the sim does not produce (orderbook.200.BTCUSDT, kline.1.BTCUSDT, …) is
// accepted and stays silent; any refused topic refuses the whole request; subscribing twice
// is not an error; malformed requests get success:false with a short reason.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/book_model.hpp"
#include "sim/bybit_depth.hpp"
#include "sim/bybit_encode.hpp"
#include "sim/bybit_streams.hpp"
#include "sim/connection.hpp"
#include "sim/market_model.hpp"
#include "sim/trade_faults.hpp"

namespace tickerd::sim::bybit {

struct endpoint_options {
  std::uint64_t seed = 42;                          // venue price offsets, connection ids
  std::chrono::milliseconds idle_timeout{600'000};  // no ping-pong and no data: cut off
  std::chrono::milliseconds idle_scan{30'000};      // how often idleness is checked
  std::chrono::milliseconds book_refresh{3'000};    // unchanged level-1 book pushed again
  std::size_t max_args_per_request = 10;            // spot
  std::size_t max_args_chars = 21'000;              // per connection
  std::function<std::int64_t()> clock_us;           // wall time in µs; empty = the real one
};

// How often the sim should call endpoint::housekeeping (book refreshes need ~this precision).
inline constexpr std::chrono::milliseconds housekeeping_interval{250};

struct venue_stats {
  std::uint64_t connections = 0;     // handlers created
  std::uint64_t frames_sent = 0;     // frames queued to clients
  std::uint64_t frames_refused = 0;  // send() returned false (closing or too slow)
  std::uint64_t idle_closes = 0;     // connections cut off for idleness
  std::uint64_t book_refreshes = 0;  // unchanged level-1 books pushed again
};

class session;

class endpoint final : public venue_endpoint {
 public:
  endpoint(const market_model& model, endpoint_options options);
  // The venue's documented limits and timings, prices and ids from `seed`.
  endpoint(const market_model& model, std::uint64_t seed);
  ~endpoint() override;

  std::string_view venue() const noexcept override { return "bybit"; }
  std::vector<std::string> routes() const override { return {std::string(spot_path)}; }
  std::unique_ptr<connection_handler> accept(std::string_view target, http_reject& reject) override;

  // Symbol `index` of the model just stepped: encode its ticker and, when its top of book
  // changed, its level-1 book, once each, and queue them to every subscriber.
  void publish(std::size_t index, std::int64_t wall_us);
  // Periodic work, called every housekeeping_interval: idle cut-offs and book refreshes.
  void housekeeping(std::int64_t wall_us);
  // The publicTrade, orderbook.1 and orderbook.50 topics' faults (trade_faults.hpp).
  trade_faults& stream_faults() noexcept { return faults_; }
  // The books behind orderbook.50 (book_model.hpp), stepped before publish(); without them
  // the topic stays silent.
  void set_books(book_set* books) { books_ = books; }

  std::int64_t offset_ticks(std::size_t index) const { return symbols_.at(index).offset; }
  const venue_stats& stats() const noexcept { return stats_; }
  std::size_t open_sessions() const noexcept { return sessions_.size(); }

 private:
  friend class session;
  struct request_reader;  // simdjson's DOM parser, reused by every session (one thread)
  struct symbol_feed {
    std::int64_t offset = 0;      // Bybit's price offset, ticks
    std::int64_t cross_base = 0;  // "cs"/"seq" = cross_base + model events
    std::int64_t update_id = 0;   // orderbook "u"; 0 until the first book is made
    std::int64_t book_seq = 0;    // "seq" of the current book
    std::int64_t last_book_push_us = 0;
    symbol_state book;  // top of book last pushed (venue view)
    std::vector<session*> ticker_subs;
    std::vector<session*> book_subs;
    std::vector<session*> trade_subs;  // publicTrade
    // orderbook.50: the top last sent (kept only while someone listens) and its "u".
    std::vector<session*> depth_subs;
    top_levels depth_top;
    std::int64_t depth_u = 0;
  };

  std::int64_t now_us() const;
  // A topic's symbol index, or nullopt when the model has no such symbol.
  std::optional<std::size_t> symbol_of(std::string_view native) const;
  // Brings symbol i's book up to date with the model; true when the top of book changed.
  bool refresh_book(std::size_t i);
  std::string book_frame(std::size_t i, std::int64_t ts_ms) const;
  void fan_out(const std::vector<session*>& subs, const frame_ptr& frame);
  void publish_depth(std::size_t i, std::int64_t ts_ms);
  void subscribe_depth(std::size_t i, session* s);

  const market_model& model_;
  endpoint_options options_;
  std::unique_ptr<request_reader> reader_;
  std::unordered_map<std::string, std::size_t> by_native_;  // "BTCUSDT" -> index
  std::vector<symbol_feed> symbols_;
  std::vector<session*> sessions_;
  std::uint64_t next_connection_ = 1;
  std::int64_t last_idle_scan_us_ = 0;
  trade_faults faults_;
  venue_stats stats_;
  book_set* books_ = nullptr;
};

// One client connection's Bybit state.
class session final : public connection_handler {
 public:
  session(endpoint& ep, std::string conn_id, std::int64_t now_us);
  ~session() override;

  void on_open(connection& conn) override;
  void on_text(std::string_view message) override;

  const std::string& conn_id() const noexcept { return conn_id_; }
  const std::vector<std::string>& topics() const noexcept { return topics_; }
  void deliver(const frame_ptr& frame);  // stream data: also proof of life

 private:
  friend class endpoint;
  void reply(std::string text);
  void subscribe(const std::vector<std::string>& args, const std::optional<std::string>& req_id);
  void unsubscribe(const std::vector<std::string>& args, const std::optional<std::string>& req_id);
  void add_topic(const std::string& topic);
  void remove_topic(const std::string& topic);

  endpoint& endpoint_;
  connection* conn_ = nullptr;
  std::string conn_id_;
  std::vector<std::string> topics_;  // in subscription order
  std::size_t args_chars_ = 0;
  std::int64_t last_activity_us_ = 0;
  bool idle_closed_ = false;
};

}  // namespace tickerd::sim::bybit
