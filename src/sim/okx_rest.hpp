// OKX's GET /api/v5/public/instruments?instType=…, as CCXT's loadMarkets() reads it. SPOT lists
// the sim's symbols; MARGIN, SWAP, FUTURES and OPTION answer an empty list (spot only). Shape
// from OKX's "Get instruments": {"code":"0","msg":"","data":[{"instType":"SPOT",
// "instId":"BTC-USDT","baseCcy","quoteCcy","tickSz","lotSz","minSz","state":"live",…}]}.
#pragma once

#include <string>
#include <string_view>

#include "sim/rest_common.hpp"

namespace tickerd::sim::okx {

// An unknown instType gets OKX's error body instead (code 51000, "Parameter instType error").
bool known_inst_type(std::string_view inst_type) noexcept;
std::string instruments(rest::specs symbols, std::string_view inst_type);
std::string instruments_error(std::string_view parameter);

}  // namespace tickerd::sim::okx
