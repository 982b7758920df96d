// OKX v5 public WebSocket messages, as the venue prints them: the "tickers" push, subscribe /
// unsubscribe acks, errors and the 64008 notice. Pure string building; shapes and field order
// follow OKX's API v5 documentation ("WebSocket" overview, "WS / Tickers channel").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/market_model.hpp"

namespace tickerd::sim::okx {

// The sim's OKX quotes sit a few basis points above the shared model (rounded down to whole
// ticks, at least one tick), so a composite across venues has something to take a median of.
inline constexpr std::int64_t price_offset_bps = 3;
// OKX's share of the model's 24 h volume: volumes are scaled by this fraction.
inline constexpr std::int64_t volume_share_num = 2;
inline constexpr std::int64_t volume_share_den = 5;

inline constexpr std::string_view tickers_channel = "tickers";

// "BTC-USDT"
std::string inst_id(const symbol_spec& spec);

// The model's state as OKX shows it: every price shifted by the venue offset, volumes scaled.
// Deterministic, so the same seed gives the same OKX prices.
symbol_state venue_view(const symbol_state& model);
std::int64_t offset_price(std::int64_t ticks) noexcept;

// A decimal the way OKX prints it: trailing fraction zeros dropped ("85205.70" -> "85205.7",
// "83800.00" -> "83800").
void append_trimmed(std::string& out, decimal d);

// The whole push frame for one symbol, from the venue view of the state:
// {"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT",...,"ts":"..."}]}
// `event_time_us` is wall time in microseconds; "ts" is in milliseconds.
std::string encode_ticker(const symbol_spec& spec, const symbol_state& view,
                          std::int64_t event_time_us);

// {"id":"1512","event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},
//  "connId":"a4d3ae55"}; `event` is "subscribe" or "unsubscribe", `id` empty when the request
// had none, and `inst` empty for an arg without instId.
std::string encode_ack(std::string_view event, std::string_view channel, std::string_view inst,
                       std::string_view id, std::string_view conn_id);

// {"id":"1512","event":"error","code":"60012","msg":"...","connId":"a4d3ae55"}
std::string encode_error(std::string_view code, std::string_view msg, std::string_view id,
                         std::string_view conn_id);

// {"event":"notice","code":"64008","msg":"The connection will soon be closed for a service
// upgrade. Please reconnect.","connId":"..."}
std::string encode_upgrade_notice(std::string_view conn_id);

}  // namespace tickerd::sim::okx
