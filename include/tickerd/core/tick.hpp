// One normalized upstream ticker observation: the single shape every venue parser produces.
#pragma once

#include <cstdint>

#include "tickerd/core/decimal.hpp"
#include "tickerd/core/instrument.hpp"
#include "tickerd/core/venue.hpp"

namespace tickerd {

// Which fields a tick carries; venues that send partial updates set only what they sent.
enum tick_field : std::uint16_t {
  tf_last = 1u << 0,
  tf_open = 1u << 1,
  tf_high = 1u << 2,
  tf_low = 1u << 3,
  tf_volume_base = 1u << 4,
  tf_volume_quote = 1u << 5,
  tf_bid = 1u << 6,
  tf_ask = 1u << 7,
  tf_bid_qty = 1u << 8,
  tf_ask_qty = 1u << 9,
  tf_change_pct = 1u << 10,  // venue-reported 24 h change, informational
};

struct tick {
  venue_id venue = venue_id::binance;
  instrument_id instrument = no_instrument;
  std::uint16_t fields = 0;  // tick_field bits
  decimal last;
  decimal open_24h;
  decimal high_24h;
  decimal low_24h;
  decimal volume_base;
  decimal volume_quote;
  decimal bid;
  decimal ask;
  decimal bid_qty;
  decimal ask_qty;
  decimal venue_change_pct;         // as the venue reported it (percent)
  std::int64_t exchange_ts_us = 0;  // the venue's event time (µs since the epoch); 0 = not sent
  std::int64_t recv_ts_us = 0;      // when tickerd read the upstream frame (µs since the epoch)

  bool has(tick_field f) const noexcept { return (fields & f) != 0; }
};

}  // namespace tickerd
