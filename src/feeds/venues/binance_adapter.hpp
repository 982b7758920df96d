// Binance spot combined streams (<symbol>@ticker, <symbol>@trade, <symbol>@bookTicker), parsed
// with simdjson On-Demand.
#pragma once

#include <cstddef>
#include <memory>

#include <simdjson.h>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

struct binance_trade_fields;
struct binance_book_fields;

class binance_adapter final : public venue_adapter {
 public:
  // Frames above this are rejected unparsed (a 24hrTicker is about 500 bytes).
  static constexpr std::size_t max_frame_bytes = 1u << 20;

  explicit binance_adapter(const symbol_map& symbols, feed_streams streams = default_feed_streams);

  venue_id venue() const noexcept override { return venue_id::binance; }
  std::string target(std::string_view url_path) const override;
  std::vector<std::string> subscribe_messages() const override { return {}; }
  void reset() noexcept override { trade_ids_.reset(); }
  using upstream_adapter::parse;
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     market_events& out) noexcept override;

 private:
  parse_result finish_trade(binance_trade_fields& f, std::int64_t recv_ts_us,
                            market_events& out) noexcept;
  parse_result finish_book(binance_book_fields& f, std::int64_t recv_ts_us,
                           market_events& out) noexcept;

  // Binance spells symbols in upper case in payloads and lower case in stream names; both
  // maps are keyed by the configured symbol folded to that case.
  symbol_map upper_;                      // "BTCUSDT" -> id, for the payload's "s"
  std::vector<std::string> streams_;      // "btcusdt@ticker", "btcusdt@trade", "btcusdt@bookTicker"
  venue_json::trade_sequence trade_ids_;  // "t" is consecutive per symbol

  simdjson::ondemand::parser parser_{max_frame_bytes};
  venue_json::padded_frame frame_;
};

}  // namespace tickerd
