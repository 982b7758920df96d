// Kraken spot WebSocket API v2 (wss://ws.kraken.com/v2), channels "ticker" (24 h ticker and,
// with event_trigger "bbo", the top of book) and "trade", parsed with simdjson
// On-Demand. Kraken v2 sends prices and sizes as JSON numbers; their decimals are taken from
// each number's own text, never through double.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

class kraken_adapter final : public venue_adapter {
 public:
  // Frames above this are rejected unparsed (a ticker message is about 300 bytes).
  static constexpr std::size_t max_frame_bytes = 1u << 20;
  // Kraken closes connections it considers inactive after about a minute ("Spot Websockets
  // Introduction", FAQ); an application-level ping well inside that keeps ours open.
  static constexpr std::chrono::milliseconds ping_interval{30'000};
  static constexpr std::string_view default_path = "/v2";
  static constexpr std::string_view ping_message = R"({"method":"ping"})";

  explicit kraken_adapter(symbol_map symbols, feed_streams streams = default_feed_streams);

  venue_id venue() const noexcept override { return venue_id::kraken; }
  std::string target(std::string_view url_path) const override;
  std::vector<std::string> subscribe_messages() const override;
  std::string keepalive_message() const override { return std::string(ping_message); }
  std::chrono::milliseconds keepalive_interval() const override { return ping_interval; }
  void reset() noexcept override { trade_ids_.reset(); }
  using upstream_adapter::parse;
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     market_events& out) noexcept override;

 private:
  symbol_map symbols_;                  // "BTC/USDT" -> id, as Kraken spells it in payloads
  std::vector<std::string> subscribe_;  // the subscribe requests, built once
  feed_streams wanted_;
  venue_json::trade_sequence trade_ids_;  // trade_id is sequential per book

  simdjson::ondemand::parser parser_{max_frame_bytes};
  venue_json::padded_frame frame_;
};

}  // namespace tickerd
