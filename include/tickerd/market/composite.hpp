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
  tick value;             // composed fields; `fields` says which are known
  venue_mask venues = 0;  // who contributed
  decimal change_pct;     // valid when has_change
  bool has_change = false;
  bool stale = false;
};

struct compose_options {
  // With three or more venues, a venue whose last price is further than this from the
  // venues' median (in basis points of the median) is left out. 0 disables the check;
  // tickerd's configuration default is 500 (market.outlier_band_bp).
  std::uint32_t outlier_band_bp = 0;
};

// Composes from `inputs` (one tick per contributing venue, already merged per venue).
// last, open, high and low: the median across venues (the midpoint for an even count);
// volumes: summed; bid: the highest; ask: the lowest; ts: the newest.
composite_ticker compose(std::span<const tick> inputs, const compose_options& options = {});

// True when |value - reference| > band_bp / 10000 * |reference|, exactly.
bool outside_band(decimal value, decimal reference, std::uint32_t band_bp) noexcept;

// Appends the ticker `data` object for `symbol`: with `venues` for a composite channel.
void encode_ticker(std::string& out, const std::string& symbol, const composite_ticker& c);

// Appends one venue's ticker `data` (channel ticker.<symbol>@<venue>): `venue` instead of
// `venues`.
void encode_venue_ticker(std::string& out, const std::string& symbol, venue_id venue,
                         const composite_ticker& c);

}  // namespace tickerd
