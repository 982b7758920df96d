// Bybit's GET /v5/market/instruments-info?category=…, as CCXT's loadMarkets() reads it. spot
// lists the sim's symbols; linear, inverse and option answer an empty list (spot only). Shape
// from Bybit v5 "Get Instruments Info": {"retCode":0,"retMsg":"OK","result":{"category":"spot",
// "list":[{"symbol","baseCoin","quoteCoin","status":"Trading","lotSizeFilter":{…},
// "priceFilter":{"tickSize"}}]},"retExtInfo":{},"time":…}.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/rest_common.hpp"

namespace tickerd::sim::bybit {

bool known_category(std::string_view category) noexcept;
std::string instruments_info(rest::specs symbols, std::string_view category, std::int64_t now_ms);
// {"retCode":10001,"retMsg":…,"result":{},"retExtInfo":{},"time":…}
std::string rest_error(std::string_view message, std::int64_t now_ms);

}  // namespace tickerd::sim::bybit
