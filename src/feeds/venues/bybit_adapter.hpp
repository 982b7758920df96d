// Bybit v5 public spot WebSocket (wss://stream.bybit.com/v5/public/spot): the tickers.<SYMBOL>,
// orderbook.1.<SYMBOL> and publicTrade.<SYMBOL> topics, parsed with simdjson On-Demand.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <simdjson.h>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

struct bybit_book_side;

class bybit_adapter final : public venue_adapter {
 public:
  // Frames above this are rejected unparsed (a spot ticker is about 400 bytes).
  static constexpr std::size_t max_frame_bytes = 1u << 20;
  // "Spot can input up to 10 args for each subscription request sent to one connection"
  // (Bybit v5 "Connect", Public channel - Args limits).
  static constexpr std::size_t max_args_per_request = 10;
  // "we recommend that you send the ping heartbeat packet every 20 seconds" (same page).
  static constexpr std::chrono::milliseconds ping_interval{20'000};

  explicit bybit_adapter(const symbol_map& symbols, feed_streams streams = default_feed_streams);

  venue_id venue() const noexcept override { return venue_id::bybit; }
  std::string target(std::string_view url_path) const override;
  std::vector<std::string> subscribe_messages() const override;
  std::string keepalive_message() const override { return R"({"op":"ping"})"; }
  std::chrono::milliseconds keepalive_interval() const override { return ping_interval; }
  void reset() noexcept override;
  using upstream_adapter::parse;
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     market_events& out) noexcept override;

 private:
  feed_errc parse_trades(simdjson::ondemand::value data, std::int64_t recv_ts_us,
                         market_events& out, parse_result& result) noexcept;
  void apply_book(instrument_id id, bool snapshot, const bybit_book_side& bid,
                  const bybit_book_side& ask) noexcept;

  symbol_map upper_;                 // "BTCUSDT" -> id; Bybit symbols are upper case
  std::vector<std::string> topics_;  // "tickers.BTCUSDT", "orderbook.1.BTCUSDT", ...
  feed_streams wanted_;
  std::vector<top_of_book> books_;  // level 1 per instrument, this connection (snapshot/delta)

  simdjson::ondemand::parser parser_{max_frame_bytes};
  venue_json::padded_frame frame_;
};

}  // namespace tickerd
