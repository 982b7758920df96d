// Coinbase Exchange market data (wss://ws-feed.exchange.coinbase.com), served by the sim on
// path "/": subscribe / unsubscribe requests, the `subscriptions` reply, `error` messages, and
// the `ticker`, `heartbeat` and `matches` (coinbase_streams.hpp) channels fed by the market
// model.
//
// Behaviour copied from Coinbase's Exchange WebSocket pages (overview, channels, rate limits):
// - a client that has not subscribed within 5 seconds is disconnected;
// - product ids may be given at the root of a request (they apply to every channel in it) or
//   per channel ({"name":"ticker","product_ids":[..]}); each subscribe or unsubscribe is
//   answered with a `subscriptions` message listing everything the connection now receives;
// - unsubscribing from a channel without product ids drops the whole channel;
// - sequence numbers are per product; a heartbeat, once a second per subscribed product,
//   repeats the product's current sequence number and last trade id;
// - at most 100 client messages per second (more: the connection is closed).
// Error texts seen on the venue are reused ("Failed to subscribe" with "<id> is not a valid
// product" or "No channels provided"); a request is refused as a whole, as on the venue. Other
// wording, and which close code ends a connection that never subscribed, is the sim's choice.
// - level2_batch and level2 (coinbase_depth.hpp): the whole book as a snapshot after the
//   subscriptions reply, then an l2update at each market event that changed it, sent before
//   that event's ticker. The sim serves `level2` as the venue does for a signed subscribe and
//   does not check the signature (it has no accounts); an unsigned subscribe to level2,
//   level3 or full is refused with the venue's error ("... now require authentication"); it sends
//   each event's changes at once on both (the venue batches level2_batch every 50 ms: a batch
//   merges several events). Faults: book_drop skips the next l2update that moves the top of book:
//   the channel has no sequence, so the only way a client can see the loss is its top disagreeing
//   with the next `ticker` (sequenced, sent right after); book_cross adds a bid at the best ask.
// Other documented channels (status, level3, full, ...) are acknowledged and stay silent.
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
#include "sim/coinbase_depth.hpp"
#include "sim/coinbase_encode.hpp"
#include "sim/coinbase_streams.hpp"
#include "sim/connection.hpp"
#include "sim/market_model.hpp"
#include "sim/trade_faults.hpp"
#include "tickerd/core/clock.hpp"  // wall_us(), the default clock

namespace tickerd::sim::coinbase {

// "Messages sent by the client every second per IP: 100" (applied per connection here).
inline constexpr unsigned max_incoming_per_sec = 100;
inline constexpr std::int64_t subscribe_deadline_us = 5'000'000;
inline constexpr std::chrono::seconds heartbeat_interval{1};

struct venue_stats {
  std::uint64_t connections = 0;      // handlers created
  std::uint64_t events = 0;           // ticker events with at least one subscriber
  std::uint64_t heartbeats = 0;       // heartbeat messages encoded (one per product per second)
  std::uint64_t frames_sent = 0;      // frames queued to clients
  std::uint64_t frames_refused = 0;   // send() returned false (closing or too slow)
  std::uint64_t deadline_closes = 0;  // connections closed for not subscribing in time
  std::uint64_t injected_gaps = 0;    // skip_sequence() calls
  std::uint64_t l2updates = 0;        // l2update messages encoded
};

class session;

class endpoint final : public venue_endpoint {
 public:
  using clock = std::function<std::int64_t()>;  // wall time, µs since the epoch

  explicit endpoint(const market_model& model, clock now = {});
  ~endpoint() override;

  std::string_view venue() const noexcept override { return "coinbase"; }
  std::vector<std::string> routes() const override { return {"/"}; }
  // Only "/" itself (with any query) is Coinbase's; anything below it is 404.
  std::unique_ptr<connection_handler> accept(std::string_view target, http_reject& reject) override;

  // Symbol `index` of the model just stepped: the next sequence number; one ticker message,
  // encoded once and queued to every ticker subscriber of the product.
  void publish(std::size_t index, std::int64_t wall_us);
  // The books behind level2 and level2_batch (book_model.hpp), stepped before publish();
  // without them those channels stay silent.
  void set_books(book_set* books);
  // Called every `heartbeat_interval`: heartbeats for every product with heartbeat
  // subscribers, and the subscribe deadline.
  void on_timer(std::int64_t wall_us);

  // Fault injection: product `index` skips `n` sequence numbers, as if `n` of its messages
  // had been lost upstream. Heartbeats show the new sequence at once; the next ticker carries
  // the one after it.
  void skip_sequence(std::size_t index, std::uint64_t n);

  // The product's current sequence number: that of its latest message.
  std::uint64_t sequence(std::size_t index) const;
  // "BTC-USDT" -> model index.
  std::optional<std::size_t> product_index(std::string_view product_id) const;
  std::size_t ticker_subscribers(std::size_t index) const { return tickers_.at(index).size(); }
  std::size_t match_subscribers(std::size_t index) const { return matches_.at(index).size(); }
  std::size_t level2_subscribers(std::size_t index) const {
    return level2_.at(index).size() + level2_batch_.at(index).size();
  }
  // The matches and ticker (top of book) channels' faults (trade_faults.hpp).
  trade_faults& stream_faults() noexcept { return faults_; }
  std::size_t heartbeat_subscribers(std::size_t index) const {
    return heartbeats_.at(index).size();
  }
  const venue_stats& stats() const noexcept { return stats_; }

 private:
  friend class session;
  std::int64_t now() const { return now_ ? now_() : 0; }
  void publish_matches(std::size_t index, std::int64_t wall_us);
  frame_ptr last_match(std::size_t index) const;
  void publish_level2(std::size_t index, std::int64_t wall_us);
  // A session is about to listen to symbol `index`'s book: with nobody listening before, the
  // kept book is old and starts again from the model's.
  void open_level2(std::size_t index);
  frame_ptr level2_snapshot(std::size_t index) const;

  struct request_reader;  // simdjson's DOM parser, reused by every session (one thread)

  const market_model& model_;
  clock now_;
  std::unique_ptr<request_reader> reader_;
  std::unordered_map<std::string, std::size_t> by_product_;  // "BTC-USDT" -> index
  std::vector<std::uint64_t> skipped_;                       // per index: injected gaps
  std::vector<std::vector<session*>> tickers_;               // per index
  std::vector<std::vector<session*>> heartbeats_;            // per index
  std::vector<std::vector<session*>> matches_;               // per index
  std::vector<std::vector<session*>> level2_;                // per index
  std::vector<std::vector<session*>> level2_batch_;          // per index
  book_set* books_ = nullptr;
  std::vector<top_levels> level2_books_;  // per index: the book as last sent (while listened to)
  trade_faults faults_;
  std::vector<session*> sessions_;  // every open connection
  venue_stats stats_;
};

// One client connection's Coinbase state.
class session final : public connection_handler {
 public:
  explicit session(endpoint& ep);
  ~session() override;

  void on_open(connection& conn) override;
  void on_text(std::string_view message) override;
  unsigned max_incoming_per_sec() const noexcept override { return coinbase::max_incoming_per_sec; }

  // Everything this connection receives, in the order it was subscribed.
  const std::vector<channel_products>& subscriptions() const noexcept { return channels_; }
  void deliver(const frame_ptr& frame);

 private:
  friend class endpoint;
  void reply(std::string text);
  void reply_error(std::string_view message, std::string_view reason);
  void add(std::string_view channel, const std::vector<std::string>& products);
  void remove(std::string_view channel, const std::vector<std::string>& products, bool all);
  // The served channels' subscriber lists for `channel`, or nullptr for a silent one.
  std::vector<std::vector<session*>>* fanout(std::string_view channel) const;

  endpoint& endpoint_;
  connection* conn_ = nullptr;
  std::int64_t opened_us_ = 0;
  bool subscribed_ = false;  // a subscribe succeeded: the 5 s deadline no longer applies
  bool closing_ = false;
  std::vector<channel_products> channels_;
  std::vector<std::size_t> pending_last_match_;  // sent after the subscriptions reply
  std::vector<std::size_t> pending_snapshots_;   // level2 snapshots, after the reply too
};

}  // namespace tickerd::sim::coinbase
