// The channels that exist, fixed at start-up from the configured instruments and feeds.
// Immutable after construction: shared by the ingest thread and every gateway shard.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/venue.hpp"

namespace tickerd {

using channel_id = std::uint32_t;

enum class channel_kind : std::uint8_t {
  ticker,        // "ticker.BTC-USDT": the composite over venues
  venue_ticker,  // "ticker.BTC-USDT@binance": one venue's normalized ticker
  status,
  almanac,  // "almanac": the daily crypto almanac
  gas,      // "gas.ETH": Ethereum fees
  fng,      // "fng": the Fear & Greed index
};

struct channel_info {
  std::string name;  // "ticker.BTC-USDT", "ticker.BTC-USDT@okx", "status", "gas.ETH"…
  channel_kind kind = channel_kind::ticker;
  instrument_id instrument = no_instrument;
  venue_id venue = venue_id::binance;  // venue_ticker only
};

class channel_registry {
 public:
  static constexpr std::string_view ticker_wildcard = "ticker.*";

  // Composite tickers for every instrument, one venue ticker per instrument and configured
  // venue, then status, almanac, gas.ETH and fng.
  explicit channel_registry(const std::vector<instrument>& instruments,
                            std::span<const venue_id> venues = {});

  std::optional<channel_id> find(std::string_view name) const noexcept;
  const channel_info& info(channel_id id) const { return channels_.at(id); }
  std::size_t size() const noexcept { return channels_.size(); }

  channel_id ticker(instrument_id id) const { return ticker_ids_.at(id); }
  std::span<const channel_id> tickers() const noexcept { return ticker_ids_; }
  channel_id status() const noexcept { return status_id_; }
  channel_id almanac() const noexcept { return status_id_ + 1; }
  channel_id gas_eth() const noexcept { return status_id_ + 2; }
  channel_id fng() const noexcept { return status_id_ + 3; }
  // The venue ticker channel, if that venue is configured.
  std::optional<channel_id> venue_ticker(instrument_id id, venue_id venue) const noexcept;

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::vector<channel_info> channels_;
  std::vector<channel_id> ticker_ids_;        // by instrument_id
  std::vector<channel_id> venue_ticker_ids_;  // [instrument * venue_count + venue]; none = ~0
  channel_id status_id_ = 0;
  std::unordered_map<std::string, channel_id, string_hash, std::equal_to<>> by_name_;
};

}  // namespace tickerd
