// A venue's best bid and best ask, from its fastest top-of-book stream (not the 24 h ticker).
#pragma once

#include <cstdint>

#include "tickerd/core/decimal.hpp"
#include "tickerd/core/instrument.hpp"
#include "tickerd/core/venue.hpp"

namespace tickerd {

struct top_of_book {
  venue_id venue = venue_id::binance;
  instrument_id instrument = no_instrument;
  decimal bid;  // valid when has_bid: a side can be empty (a book with no bids)
  decimal bid_size;
  decimal ask;
  decimal ask_size;
  bool has_bid = false;
  bool has_ask = false;
  std::uint64_t venue_seq = 0;      // the venue's book update id where it sends one; 0 = none
  std::int64_t exchange_ts_us = 0;  // the venue's event time (µs since the epoch); 0 = not sent
  std::int64_t recv_ts_us = 0;      // when tickerd read the frame (µs since the epoch)
};

}  // namespace tickerd
