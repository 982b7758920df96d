// Binance's REST market metadata, as CCXT's loadMarkets() reads it: GET /api/v3/exchangeInfo
// for the sim's spot symbols, and the futures' /fapi/v1 and /dapi/v1 exchangeInfo with no
// symbols (the sim simulates spot only). Shapes from Binance's "General endpoints" document:
// {"timezone":"UTC","serverTime":…,"rateLimits":[…],"exchangeFilters":[],"symbols":[{"symbol",
// "status":"TRADING","baseAsset",…,"filters":[PRICE_FILTER, LOT_SIZE, …],…}]}, every price and
// quantity printed with 8 decimals as the venue does.
#pragma once

#include <cstdint>
#include <string>

#include "sim/rest_common.hpp"

namespace tickerd::sim::binance {

std::string exchange_info(rest::specs symbols, std::int64_t now_ms);
// fapi (USDⓈ-M) or dapi (COIN-M): the same envelope with "symbols":[].
std::string futures_exchange_info(std::int64_t now_ms, bool usd_margined);
// GET /api/v3/time: {"serverTime":…}
std::string server_time(std::int64_t now_ms);

}  // namespace tickerd::sim::binance
