// Bybit v5 public spot WebSocket (wss://stream.bybit.com/v5/public/spot): the tickers.<SYMBOL>
// and orderbook.1.<SYMBOL> topics, parsed with simdjson On-Demand.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <simdjson.h>

#include "feeds/venues/json_frame.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

class bybit_adapter final : public venue_adapter {
 public:
  // Frames above this are rejected unparsed (a spot ticker is about 400 bytes).
  static constexpr std::size_t max_frame_bytes = 1u << 20;
  // "Spot can input up to 10 args for each subscription request sent to one connection"
  // (Bybit v5 "Connect", Public channel - Args limits).
  static constexpr std::size_t max_args_per_request = 10;
  // "we recommend that you send the ping heartbeat packet every 20 seconds" (same page).
  static constexpr std::chrono::milliseconds ping_interval{20'000};

  explicit bybit_adapter(const symbol_map& symbols);

  venue_id venue() const noexcept override { return venue_id::bybit; }
  std::string target(std::string_view url_path) const override;
  std::vector<std::string> subscribe_messages() const override;
  std::string keepalive_message() const override { return R"({"op":"ping"})"; }
  std::chrono::milliseconds keepalive_interval() const override { return ping_interval; }
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     std::vector<tick>& out) noexcept override;

 private:
  symbol_map upper_;                 // "BTCUSDT" -> id; Bybit symbols are upper case
  std::vector<std::string> topics_;  // "tickers.BTCUSDT", "orderbook.1.BTCUSDT", ...

  simdjson::ondemand::parser parser_{max_frame_bytes};
  venue_json::padded_frame frame_;
};

}  // namespace tickerd
