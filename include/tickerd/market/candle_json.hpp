// Encoding a candle as the `data` of `candles.<BASE>-<QUOTE>@<venue>.<interval>` and
// `candles.<BASE>-<QUOTE>.<interval>` (the consolidated tape), docs/PROTOCOL.md "Candle
// data"; the same object is one element of GET /v1/candles. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tickerd/core/venue.hpp"
#include "tickerd/market/candle.hpp"
#include "tickerd/market/candle_builder.hpp"

namespace tickerd {

// {"symbol","venue"(venue streams only),"interval","open_time","close_time","open","high",
//  "low","close","volume_base","volume_quote","trades","late","closed"}; prices are null for
// a candle with no trade and no earlier one to carry the close from.
void encode_candle(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                   candle_interval interval, const candle& c);

// The candle of an encode_candle object (Redis keeps closed candles as these, see
// docs/OPERATIONS.md "Redis"); nullopt when it is not one.
std::optional<candle> decode_candle(std::string_view json);

// GET /v1/candles (docs/PROTOCOL.md "HTTP"), what a request gets: the closed candles of
// candle_history::range, oldest first, then the forming one when its open time is in
// [start_us, end_us). Paging forward (`start_us` given) the forming one comes only when the
// closed ones leave room under `limit`; otherwise it is the newest and takes one of the
// `limit` places.
struct candle_page_query {
  std::optional<std::int64_t> start_us;
  std::optional<std::int64_t> end_us;
  std::size_t limit = 500;

  bool includes(std::int64_t open_time_us) const noexcept {
    return (!start_us || open_time_us >= *start_us) && (!end_us || open_time_us < *end_us);
  }
  // How many closed candles to take when the forming one is `forming_included`.
  std::size_t closed_limit(bool forming_included) const noexcept {
    return forming_included && !start_us && limit > 0 ? limit - 1 : limit;
  }
};

// {"symbol":…,"interval":…[,"venue":…],"candles":[…]} from a builder (the ingest node).
void encode_candle_page(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                        const candle_builder& builder, const candle_page_query& query);

// The same from candles already encoded: `closed` (oldest first, already sliced) and the forming
// one (empty: none). An edge node answers from Redis with it.
void encode_candle_page(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                        candle_interval interval, std::span<const std::string> closed,
                        std::string_view forming);

// Whether candle `data` as encode_candle wrote it is a closed candle ("closed" is its last
// key): an edge node, receiving the text from the bus, keeps such updates unconflatable too.
bool candle_data_closed(std::string_view data) noexcept;

}  // namespace tickerd
