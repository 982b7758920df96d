// The venues' public REST market-metadata endpoints on the sim's port, so a client library's
// loadMarkets() (CCXT's) finds the configured symbols: a GET target in, a reply out. Pure.
// A target may carry the venue's name first ("/okx/api/v5/public/instruments?instType=SPOT"),
// as WebSocket paths may; every path below is unique to one venue, so the prefix is optional.
//   binance   /api/v3/exchangeInfo, /api/v3/time, /fapi/v1/exchangeInfo, /dapi/v1/exchangeInfo
//   okx       /api/v5/public/instruments?instType=SPOT|MARGIN|SWAP|FUTURES|OPTION
//   coinbase  /products, /currencies
//   bybit     /v5/market/instruments-info?category=spot|linear|inverse|option
//   kraken    /0/public/Assets, /0/public/AssetPairs
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/rest_common.hpp"

namespace tickerd::sim::rest {

struct reply {
  unsigned status = 200;
  std::string body;
};

// nullopt when `target` is none of the paths above (or names another venue's prefix).
std::optional<reply> answer(specs symbols, std::string_view target, std::int64_t now_ms);

// The value of `key` in the target's query string, undecoded; empty when absent.
std::string_view query_value(std::string_view target, std::string_view key) noexcept;

}  // namespace tickerd::sim::rest
