// Bybit v5 spot's public trade topic, as the venue prints it (pure string building; Bybit v5
// docs, "WebSocket Stream / Public / Trade"):
// {"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,
//  "s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","i":"20f43950-d8dd-5b31-9112-a178eb6023af",
//  "BT":false,"RPI":false,"seq":…}]}
// - every push is a "snapshot" and carries all the trades of one market event, oldest first;
// - "S" is the taker's side, "i" a trade id in UUID form that cannot be counted (the sim makes
//   it from the symbol and the trade's number, so a duplicate repeats it), "BT" block trade,
//   "RPI" retail price improvement; "L" (tick direction) is a derivatives-only field and is not
//   sent on spot;
// - prices at the symbol's tick precision, as in the documented example ("16578.50").
// Top of book is orderbook.1 (bybit_encode.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sim/market_model.hpp"

namespace tickerd::sim::bybit {

inline constexpr std::string_view trade_prefix = "publicTrade.";

std::string trade_topic(const symbol_spec& spec);  // "publicTrade.BTCUSDT"

// The UUID-form id of trade number `id` of `spec` (deterministic).
std::string trade_uuid(const symbol_spec& spec, std::int64_t id);

// One push for an event's trades (model units; `offset_ticks` is Bybit's price offset).
// `seq` is the cross sequence of the event.
std::string encode_trades(const symbol_spec& spec, std::span<const trade_print> trades,
                          std::int64_t offset_ticks, std::int64_t ts_ms, std::int64_t seq);

}  // namespace tickerd::sim::bybit
