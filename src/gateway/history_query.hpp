// The queries of GET /v1/trades/<SYM> and GET /v1/candles/<SYM> (docs/PROTOCOL.md "HTTP"), as
// pure code: the request target turned into what to serve, or the error to answer with (400).
// Whether the symbol and venue exist is the shard's business (404).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tickerd/core/venue.hpp"
#include "tickerd/market/candle.hpp"

namespace tickerd {

inline constexpr std::size_t trades_default_limit = 100;
inline constexpr std::size_t candles_default_limit = 500;
inline constexpr std::size_t history_max_limit = 1000;

struct history_query {
  std::string symbol;                              // the path segment after the route, as sent
  std::optional<venue_id> venue;                   // none: the consolidated stream
  candle_interval interval = candle_interval::m1;  // candles only
  std::size_t limit = 0;
  std::optional<std::int64_t> start_us;  // candles only: open time, inclusive
  std::optional<std::int64_t> end_us;    // candles only: open time, exclusive
};

struct history_query_error {
  std::string_view code;  // bad_request, bad_venue, bad_interval, bad_limit, bad_time
  std::string message;
};

// `target` is the whole request target; `route` its path prefix ("/v1/trades/").
bool parse_trades_query(std::string_view target, std::string_view route, history_query& out,
                        history_query_error& err);
bool parse_candles_query(std::string_view target, std::string_view route, history_query& out,
                         history_query_error& err);

}  // namespace tickerd
