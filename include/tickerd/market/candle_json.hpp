// Encoding a candle as the `data` of `candles.<BASE>-<QUOTE>@<venue>.<interval>` and
// `candles.<BASE>-<QUOTE>.<interval>` (the consolidated tape), docs/PROTOCOL.md "Candle
// data"; the same object is one element of GET /v1/candles. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tickerd/core/venue.hpp"
#include "tickerd/market/candle.hpp"

namespace tickerd {

// {"symbol","venue"(venue streams only),"interval","open_time","close_time","open","high",
//  "low","close","volume_base","volume_quote","trades","late","closed"}; prices are null for
// a candle with no trade and no earlier one to carry the close from.
void encode_candle(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                   candle_interval interval, const candle& c);

// Whether candle `data` as encode_candle wrote it is a closed candle ("closed" is its last
// key): an edge node, receiving the text from the bus, keeps such updates unconflatable too.
bool candle_data_closed(std::string_view data) noexcept;

}  // namespace tickerd
