// One trade as a venue printed it: the single shape every venue's trade parser produces.
// Fixed size and allocation-free, so a frame of 500 trades is one vector append each.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tickerd/core/decimal.hpp"
#include "tickerd/core/instrument.hpp"
#include "tickerd/core/venue.hpp"

namespace tickerd {

// The side of the order that took liquidity (the aggressor).
enum class taker_side : std::uint8_t { unknown, buy, sell };
std::string_view to_string(taker_side s) noexcept;  // "buy", "sell", "unknown"

// A venue's trade id, kept inline. Binance, OKX, Coinbase and Kraken send integers; Bybit
// sends a UUID. An id longer than max_size is a malformed frame, not a truncation.
class trade_id {
 public:
  static constexpr std::size_t max_size = 47;

  // False (and `out` unchanged) when `text` is empty or longer than max_size.
  static bool make(std::string_view text, trade_id& out) noexcept;

  std::string_view view() const noexcept { return {chars_.data(), size_}; }
  bool empty() const noexcept { return size_ == 0; }
  // The id as a number when it is 1-19 decimal digits: what gap detection compares.
  std::optional<std::uint64_t> number() const noexcept;

  friend bool operator==(const trade_id& a, const trade_id& b) noexcept {
    return a.view() == b.view();
  }

 private:
  std::array<char, max_size> chars_{};
  std::uint8_t size_ = 0;
};

struct trade {
  venue_id venue = venue_id::binance;
  instrument_id instrument = no_instrument;
  decimal price;  // the venue's own string, exact
  decimal size;   // base quantity
  taker_side side = taker_side::unknown;
  trade_id id;
  std::int64_t exchange_ts_us = 0;  // the venue's trade time (µs since the epoch); 0 = not sent
  std::int64_t recv_ts_us = 0;      // when tickerd read the frame (µs since the epoch)
};

}  // namespace tickerd
