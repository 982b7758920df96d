// Kraken spot WebSocket API v2, served by the sim on /v2 (wss://ws.kraken.com/v2): the status
// message on connect, subscribe / unsubscribe to the ticker channel (event_trigger trades or
// bbo), the trade channel (kraken_streams.hpp) and the book channel (kraken_depth.hpp) with
// one ack per symbol, a snapshot then updates fed by the market model, application-level
// ping -> pong, and heartbeats while subscribed.
//
// Behaviour copied from Kraken (docs.kraken.com "WebSocket v2": ticker, status, heartbeat,
// ping; "Spot Websockets Introduction"):
// - {"channel":"status",...,"system":"online"} as soon as the connection is open;
// - each symbol of a subscribe request gets its own ack (or error, e.g. "Currency pair not
//   supported X/Y" with "symbol"), then its snapshot unless "snapshot":false;
// - {"channel":"heartbeat"} about once a second, only while subscribed to something and only
//   in a second without other channel messages;
// - {"method":"ping","req_id":N} -> {"method":"pong","req_id":N,"time_in":..,"time_out":..};
// - an inactive connection is closed after about a minute. The docs do not define "inactive";
//   the sim closes a connection that has no subscription and has sent nothing for 60 s
//   (Kraken's own note for v1: "A client connection lives only for 60 seconds if no
//   subscription made"), with close code 1000 (the sim's choice).
// Error texts not in Kraken's documentation are taken from replies seen on the production
// feed ("Unsupported event", "EGeneral:Invalid arguments", "Already subscribed", "Unsupported
// field: 'params' for the given msg type: ping"); "Malformed request" for text that is not a
// JSON object is the sim's choice (Kraken's v1 wording).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/book_model.hpp"
#include "sim/connection.hpp"
#include "sim/kraken_encode.hpp"
#include "sim/kraken_streams.hpp"
#include "sim/market_model.hpp"
#include "sim/trade_faults.hpp"

namespace tickerd::sim::kraken {

inline constexpr std::string_view endpoint_path = "/v2";
// Seconds without a subscription or a client message before the connection is closed.
inline constexpr unsigned idle_cutoff_seconds = 60;
// How often the server calls endpoint::on_second().
inline constexpr std::chrono::seconds tick_interval{1};

struct venue_stats {
  std::uint64_t connections = 0;     // handlers created
  std::uint64_t events = 0;          // ticker events with at least one subscriber
  std::uint64_t frames_sent = 0;     // ticker frames (snapshots and updates) queued to clients
  std::uint64_t frames_refused = 0;  // send() returned false (closing or too slow)
  std::uint64_t heartbeats = 0;      // heartbeat frames queued
  std::uint64_t idle_closes = 0;     // connections closed by the idle cutoff
};

class session;

class endpoint final : public venue_endpoint {
 public:
  // Plain C++ like every venue protocol: the server's timer calls on_second() every
  // tick_interval (tests call it directly).
  endpoint(const market_model& model, std::uint64_t seed);
  ~endpoint() override;

  std::string_view venue() const noexcept override { return "kraken"; }
  std::vector<std::string> routes() const override { return {std::string(endpoint_path)}; }
  std::unique_ptr<connection_handler> accept(std::string_view target, http_reject& reject) override;

  // Symbol `index` of the model just stepped: encode its update once and queue it to every
  // subscriber.
  void publish(std::size_t index, std::int64_t wall_us);
  // Once a second: heartbeats to subscribed connections that were otherwise quiet, and the
  // idle cutoff.
  void on_second();
  // The trade channel's and the bbo-triggered ticker's faults (trade_faults.hpp).
  trade_faults& stream_faults() noexcept { return faults_; }

  const venue_stats& stats() const noexcept { return stats_; }
  // Ticker subscribers of symbol `index`, either trigger.
  std::size_t subscriber_count(std::size_t index) const {
    return subscribers_.at(index).size() + subscribers_.at(2 * model_.size() + index).size();
  }
  std::int64_t offset_ticks(std::size_t index) const { return offsets_.at(index); }
  std::optional<std::size_t> symbol_of(std::string_view kraken_symbol) const;
  // The books behind the book channel (book_model.hpp, kraken_depth.hpp), stepped before
  // publish(); without them a book subscription is refused as before.
  void set_books(book_set* books);

 private:
  friend class session;
  void add_subscriber(std::size_t index, session* s);
  void remove_subscriber(std::size_t index, session* s);
  frame_ptr snapshot(std::size_t index);
  frame_ptr trade_snapshot(std::size_t index) const;              // the symbol's recent trades
  void publish_streams(std::size_t index, std::int64_t wall_us);  // trade, bbo-triggered ticker
  void publish_books(std::size_t index, std::int64_t wall_us);
  // A book subscription's snapshot (stream = book kind * model size + symbol).
  frame_ptr book_snapshot(std::size_t stream);
  top_levels book_top(std::size_t symbol, std::size_t depth_index) const;

  static constexpr std::size_t stream_kinds = 3;  // ticker (trades trigger), trade, ticker (bbo)
  // Then one kind per book depth (kraken_depth.hpp's book_depths).
  static constexpr std::size_t book_kinds = 5;
  std::uint64_t next_connection_id();

  struct request_reader;  // simdjson's DOM parser, reused by every session (one thread)

  const market_model& model_;
  std::uint64_t seed_;
  std::unique_ptr<request_reader> reader_;
  std::unordered_map<std::string, std::size_t> by_symbol_;  // "BTC/USDT" -> index
  std::vector<std::int64_t> offsets_;                       // per symbol index, in ticks
  std::vector<std::vector<session*>> subscribers_;          // per kind, then symbol index
  std::vector<std::deque<timed_trade>> recent_;             // per symbol: the latest trades
  trade_faults faults_;
  std::vector<frame_ptr> snapshots_;         // per symbol: latest snapshot, until the next event
  std::vector<std::int64_t> last_event_us_;  // per symbol: 0 before its first event
  std::vector<session*> sessions_;           // every open session
  frame_ptr heartbeat_;
  book_set* books_ = nullptr;
  std::vector<top_levels> book_tops_;  // per book kind, then symbol: the top last sent
  std::uint64_t connection_counter_ = 0;
  venue_stats stats_;
};

// One client connection's Kraken state.
class session final : public connection_handler {
 public:
  explicit session(endpoint& ep);
  ~session() override;

  void on_open(connection& conn) override;
  void on_text(std::string_view message) override;

  void deliver(const frame_ptr& frame);
  const std::vector<std::size_t>& subscriptions() const noexcept { return subscribed_; }

 private:
  friend class endpoint;
  void on_second();
  void reply(std::string text);
  // One request's symbols, already validated as a request; replies per symbol.
  struct request {
    bool subscribe = true;
    std::string req_id;  // as JSON, empty when absent
    std::int64_t time_in_us = 0;
    std::vector<std::string> symbols;
    std::string channel = "ticker";
    bool snapshot = true;
    std::string event_trigger = "trades";
    std::size_t depth_index = 0;  // book: kraken_depth.hpp's book_depths
  };
  void apply(const request& r);

  endpoint& endpoint_;
  connection* conn_ = nullptr;
  std::vector<std::size_t> subscribed_;  // kind * model size + symbol, in subscription order
  unsigned idle_seconds_ = 0;            // without subscriptions or client messages
  bool quiet_ = true;                    // no channel message since the last heartbeat tick
  bool closed_ = false;
};

}  // namespace tickerd::sim::kraken
