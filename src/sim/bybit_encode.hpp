// Bybit v5 public spot messages, as the venue prints them: the tickers.<SYMBOL> and
// orderbook.1.<SYMBOL> pushes and the replies to ping / subscribe / unsubscribe.
// Pure string building; shapes follow bybit-exchange.github.io/docs/v5 ("Connect", "Ticker",
// "Orderbook").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/market_model.hpp"

namespace tickerd::sim::bybit {

inline constexpr std::string_view spot_path = "/v5/public/spot";
inline constexpr std::string_view ticker_prefix = "tickers.";
inline constexpr std::string_view book_prefix = "orderbook.1.";
// price24hPcnt is a fraction with 4 decimals ("0.0196" = 1.96 %).
inline constexpr int change_fraction_scale = 4;

// "tickers.BTCUSDT", "orderbook.1.BTCUSDT"
std::string ticker_topic(const symbol_spec& spec);
std::string book_topic(const symbol_spec& spec);

// Bybit's own price for a symbol: the shared model's walk shifted by a fixed number of ticks
// (1 to 5 basis points of the start price, up or down), derived from the seed and the symbol,
// so venues disagree a little and deterministically.
std::int64_t venue_offset_ticks(const symbol_spec& spec, std::uint64_t seed) noexcept;

// The model's state as Bybit quotes it: every price shifted by `offset_ticks` (at least one
// tick), quantities and volumes unchanged.
symbol_state venue_view(const symbol_state& s, std::int64_t offset_ticks) noexcept;

// A connection id in the UUID form of the documented spot replies
// ("2324d924-aa4d-45b0-a858-7b8be29ab52b"), deterministic in (seed, n).
std::string connection_id(std::uint64_t seed, std::uint64_t n);

// {"topic":"tickers.BTCUSDT","ts":…,"type":"snapshot","cs":…,"data":{"symbol":…,"lastPrice":…,
//  "highPrice24h":…,"lowPrice24h":…,"prevPrice24h":…,"volume24h":…,"turnover24h":…,
//  "price24hPcnt":…,"usdIndexPrice":…}}, field order as in the documented spot example.
// Decimals are printed without trailing zeros, as that example does ("lowPrice24h":"20575").
// usdIndexPrice is the mid price for USDT and USDC pairs and "" otherwise ("non-collateral
// margin coin returns \"\"").
std::string encode_ticker(const symbol_spec& spec, const symbol_state& view, std::int64_t ts_ms,
                          std::int64_t cs);

// {"topic":"orderbook.1.BTCUSDT","ts":…,"type":"snapshot","data":{"s":…,"b":[[p,q]],
//  "a":[[p,q]],"u":…,"seq":…},"cts":…}: spot level 1 is snapshot-only and puts "ts" before
// "type" (the Orderbook page's reminder). Prices and sizes at the symbol's tick and lot
// precision, as the documented orderbook example prints them ("16493.50").
std::string encode_book(const symbol_spec& spec, const symbol_state& view, std::int64_t ts_ms,
                        std::int64_t update_id, std::int64_t seq);

// {"success":true,"ret_msg":"pong","conn_id":…,"op":"ping"}, with "req_id" before "op" when
// the request had one.
std::string encode_pong(std::string_view conn_id, const std::optional<std::string>& req_id);

// {"success":…,"ret_msg":…,"conn_id":…[,"req_id":…],"op":…}: the spot subscribe reply shape.
std::string encode_reply(bool success, std::string_view ret_msg, std::string_view conn_id,
                         const std::optional<std::string>& req_id, std::string_view op);

}  // namespace tickerd::sim::bybit
