// Coinbase Exchange market data feed (wss://ws-feed.exchange.coinbase.com, path "/"): the
// `ticker` (24 h ticker and best bid/ask), `matches` (trades) and `heartbeat` channels, parsed
// with simdjson On-Demand.
//
// Wire format (docs.cdp.coinbase.com/exchange/websocket-feed/overview and .../channels):
// - one subscribe message after the handshake; the venue answers with a `subscriptions`
//   message listing every channel and product, or an `error` ({"type":"error","message":..});
// - ticker: {"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22",
//   "open_24h","volume_24h","low_24h","high_24h","volume_30d","best_bid","best_bid_size",
//   "best_ask","best_ask_size","side","time":"2022-10-19T23:28:22.061769Z","trade_id",
//   "last_size"}; decimals are strings, time is ISO-8601 UTC with microseconds;
// - heartbeat (once a second per product): {"type":"heartbeat","sequence":90,
//   "last_trade_id":20,"product_id":"BTC-USD","time":..}; it repeats the product's current
//   sequence number rather than taking a new one;
// - "New message types can be added at any time. Clients are expected to ignore messages
//   they do not support": any other well-formed typed message is a control frame.
// - match / last_match: {"type":"match","trade_id":10,"sequence":50,"maker_order_id":..,
//   "taker_order_id":..,"time":"2014-11-07T08:19:27.028459Z","product_id":"BTC-USD",
//   "size":"5.23512","price":"400.23","side":"sell"}; side is the maker's side.
// No quote volume and no change percent: those tick fields stay unset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <simdjson.h>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

namespace coinbase_detail {
struct message_fields;
}

class coinbase_adapter final : public venue_adapter {
 public:
  // Frames above this are rejected unparsed (a ticker is about 450 bytes).
  static constexpr std::size_t max_frame_bytes = 1u << 20;

  explicit coinbase_adapter(const symbol_map& symbols, feed_streams streams = default_feed_streams);

  venue_id venue() const noexcept override { return venue_id::coinbase; }
  std::string target(std::string_view url_path) const override;
  std::vector<std::string> subscribe_messages() const override;
  void reset() noexcept override;
  using upstream_adapter::parse;
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     market_events& out) noexcept override;

  // Parses "2022-10-19T23:28:22.061769Z" (any number of fraction digits, "Z" or a +hh:mm /
  // -hh:mm offset) into µs since the epoch, truncating below the microsecond. False when the
  // text is not such a timestamp.
  static bool parse_time_us(std::string_view text, std::int64_t& us) noexcept;

 private:
  parse_result parse_match(const coinbase_detail::message_fields& f, bool last_match,
                           std::int64_t recv_ts_us, market_events& out) noexcept;

  // Per product and per connection. Sequence numbers are per product on Coinbase.
  struct sequence_state {
    std::uint64_t last = 0;         // highest sequence seen (ticker or heartbeat)
    std::uint64_t last_ticker = 0;  // highest ticker sequence accepted
    bool known = false;             // `last` is meaningful
    bool ticker_known = false;      // `last_ticker` is meaningful
  };

  symbol_map upper_;                       // "BTC-USDT" -> id (product ids are upper case)
  std::vector<std::string> products_;      // in configuration order, for the subscribe message
  std::vector<sequence_state> sequences_;  // indexed by instrument id
  feed_streams wanted_;
  venue_json::trade_sequence trade_ids_;  // trade_id is consecutive per product

  simdjson::ondemand::parser parser_{max_frame_bytes};
  venue_json::padded_frame frame_;
};

}  // namespace tickerd
