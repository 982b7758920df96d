// Composing one instrument's ticker from the latest tick of each venue that lists it, and
// encoding it as the `data` of a ticker channel (docs/PROTOCOL.md). Pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/tick.hpp"

namespace tickerd {

using venue_mask = std::uint8_t;  // bit i = venue_id i

struct composite_ticker {
  tick value;              // composed fields; `fields` says which are known
  venue_mask venues = 0;   // who contributed
  decimal change_pct;      // valid when has_change
  bool has_change = false;
  bool stale = false;
};

// Composes from `inputs` (one tick per contributing venue, already merged per venue).
// last, open, high and low: the median across venues (the midpoint for an even count);
// volumes: summed; bid: the highest; ask: the lowest; ts: the newest.
composite_ticker compose(std::span<const tick> inputs);

// Appends the ticker `data` object for `symbol`.
void encode_ticker(std::string& out, const std::string& symbol, const composite_ticker& c);

}  // namespace tickerd
