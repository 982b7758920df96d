// OKX v5 public WebSocket, channels "tickers", "trades" and "bbo-tbt"
// (wss://ws.okx.com:8443/ws/v5/public), parsed with simdjson On-Demand.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <simdjson.h>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

class okx_adapter final : public venue_adapter {
 public:
  // Frames above this are rejected unparsed (a tickers push is about 400 bytes).
  static constexpr std::size_t max_frame_bytes = 1u << 20;
  // OKX: "the total length of multiple channels cannot exceed 64 KB" per subscribe request;
  // larger symbol lists are split into several requests below that.
  static constexpr std::size_t max_subscribe_bytes = 60'000;
  // OKX closes a connection that has seen no data for 30 s; a text "ping" (answered with
  // "pong") every 20 s keeps a quiet one open. OKX asks for N < 30 s.
  static constexpr std::chrono::milliseconds keepalive_every{20'000};

  explicit okx_adapter(const symbol_map& symbols, feed_streams streams = default_feed_streams);

  venue_id venue() const noexcept override { return venue_id::okx; }
  std::string target(std::string_view url_path) const override;
  std::vector<std::string> subscribe_messages() const override;
  std::string keepalive_message() const override { return "ping"; }
  std::chrono::milliseconds keepalive_interval() const override { return keepalive_every; }
  void reset() noexcept override { trade_ids_.reset(); }
  using upstream_adapter::parse;
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     market_events& out) noexcept override;

 private:
  feed_errc on_trade_item(simdjson::ondemand::object& obj, std::int64_t recv_ts_us,
                          market_events& out, parse_result& result) noexcept;
  feed_errc on_bbo_item(simdjson::ondemand::object& obj, bool have_inst_id,
                        std::string_view inst_id, std::int64_t recv_ts_us, market_events& out,
                        parse_result& result) noexcept;

  symbol_map upper_;  // "BTC-USDT" -> id; OKX instrument ids are upper case
  feed_streams wanted_;
  // OKX trade ids increase per instrument but are not consecutive (a push may aggregate
  // several fills, "count"): only duplicates and older ids are caught.
  venue_json::trade_sequence trade_ids_;

  simdjson::ondemand::parser parser_{max_frame_bytes};
  venue_json::padded_frame frame_;
};

}  // namespace tickerd
