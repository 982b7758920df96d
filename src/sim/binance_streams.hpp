// Binance spot's trade and best-bid/ask streams, as the venue prints them (pure string
// building). Shapes from Binance's "WebSocket Streams" document (developers.binance.com,
// binance-spot-api-docs web-socket-streams.md):
// - <symbol>@trade: {"e":"trade","E":..,"s":"BNBBTC","t":12345,"p":"0.001","q":"100",
//   "T":..,"m":true,"M":true}, one trade per event. The buyer and seller order ids "b" and "a"
//   are no longer sent (removed from the document in 2025). "m" is "is the buyer the market
//   maker?", so a taker buy prints "m":false.
// - <symbol>@bookTicker: {"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000",
//   "a":"25.36520000","A":"40.66000000"}: no event time at all, "u" the order book update id.
// Time fields follow ?timeUnit= like every Binance stream; amounts follow format_options.
#pragma once

#include <cstdint>
#include <string>

#include "sim/binance_encode.hpp"
#include "sim/market_model.hpp"

namespace tickerd::sim::binance {

// "btcusdt@trade", "btcusdt@bookTicker"
std::string trade_stream_name(const symbol_spec& spec);
std::string book_ticker_stream_name(const symbol_spec& spec);

// The order book update id "u" of the state's top of book: increases with every event.
std::int64_t book_update_id(const symbol_state& s) noexcept;

// One trade event, bare (/ws) or wrapped in {"stream":..,"data":..} (combined).
std::string encode_trade(const symbol_spec& spec, const trade_print& t, std::int64_t event_time_us,
                         time_unit unit, const format_options& fmt, bool combined);

// One bookTicker event from the state's bid and ask.
std::string encode_book_ticker(const symbol_spec& spec, const symbol_state& s,
                               const format_options& fmt, bool combined);

}  // namespace tickerd::sim::binance
