// Binance spot combined streams (<symbol>@ticker), parsed with simdjson On-Demand.
#pragma once

#include <cstddef>
#include <memory>

#include <simdjson.h>

#include "feeds/venues/json_frame.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

class binance_adapter final : public venue_adapter {
 public:
  // Frames above this are rejected unparsed (a 24hrTicker is about 500 bytes).
  static constexpr std::size_t max_frame_bytes = 1u << 20;

  explicit binance_adapter(const symbol_map& symbols);

  venue_id venue() const noexcept override { return venue_id::binance; }
  std::string target(std::string_view url_path) const override;
  std::vector<std::string> subscribe_messages() const override { return {}; }
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     std::vector<tick>& out) noexcept override;

 private:
  // Binance spells symbols in upper case in payloads and lower case in stream names; both
  // maps are keyed by the configured symbol folded to that case.
  symbol_map upper_;                  // "BTCUSDT" -> id, for the payload's "s"
  std::vector<std::string> streams_;  // "btcusdt@ticker"

  simdjson::ondemand::parser parser_{max_frame_bytes};
  venue_json::padded_frame frame_;
};

}  // namespace tickerd
