// Binance spot market-stream messages, as the venue prints them: the 24hrTicker event, the
// combined-stream wrapper, replies to live requests, and the serverShutdown event.
// Pure string building; the shapes follow Binance's "WebSocket Streams" document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/market_model.hpp"

namespace tickerd::sim::binance {

enum class time_unit : std::uint8_t { millisecond, microsecond };  // ?timeUnit= on the URL

struct format_options {
  // Real Binance spot prints every price and quantity with 8 fraction digits
  // ("85205.70000000"), and so does the sim by default; false prints the symbol's own tick
  // and lot precision (--binance-tick-precision).
  bool fixed8 = true;
};

// Fraction digits Binance uses for the price-change percent "P" ("-1.490").
inline constexpr int change_pct_scale = 3;
inline constexpr std::int64_t window_ms = 86'400'000;  // the 24 h rolling window

// A price or size as a JSON string ("85205.70", or "85205.70000000" with fixed8).
void append_amount(std::string& out, decimal d, const format_options& fmt);

// "btcusdt@ticker"
std::string ticker_stream_name(const symbol_spec& spec);

// Appends the bare 24hrTicker object (fields e, E, s, p, P, w, x, c, Q, b, B, a, A, o, h, l,
// v, q, O, C, F, L, n in Binance's order). `event_time_us` is wall time in microseconds.
void append_ticker(std::string& out, const symbol_spec& spec, const symbol_state& state,
                   std::int64_t event_time_us, time_unit unit, const format_options& fmt);

// The whole text frame: bare for raw streams (/ws), wrapped as
// {"stream":"btcusdt@ticker","data":{...}} for combined streams (/stream).
std::string encode_ticker(const symbol_spec& spec, const symbol_state& state,
                          std::int64_t event_time_us, time_unit unit, const format_options& fmt,
                          bool combined);

// {"e":"serverShutdown","E":...}, wrapped in {"stream":"!serverShutdown",...} when combined.
std::string encode_server_shutdown(std::int64_t event_time_us, time_unit unit, bool combined);

// The 24hrMiniTicker event of "<symbol>@miniTicker" (Binance "Individual Symbol Mini Ticker
// Stream": e, E, s, c, o, h, l, v, q), bare or combined like encode_ticker.
std::string mini_ticker_stream_name(const symbol_spec& spec);  // "btcusdt@miniTicker"
void append_mini_ticker(std::string& out, const symbol_spec& spec, const symbol_state& state,
                        std::int64_t event_time_us, time_unit unit, const format_options& fmt);
std::string encode_mini_ticker(const symbol_spec& spec, const symbol_state& state,
                               std::int64_t event_time_us, time_unit unit,
                               const format_options& fmt, bool combined);

}  // namespace tickerd::sim::binance
