// OKX v5's public trade and tick-by-tick best-bid/ask channels, as the venue prints them (pure
// string building; OKX API v5 docs, "WS / Trades channel" and "WS / Order book channel"):
// - trades: {"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",
//   "tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897",
//   "count":"3","source":"0","seqId":1234}]}: "side" is the taker's, "count" the trades
//   aggregated into the push (one taker order at one price: always "1" here, as every sim
//   trade has its own id), numbers as strings except seqId.
// - bbo-tbt: {"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["8476.98",
//   "415","0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085","seqId":123}]}:
//   one level a side as [price, size, "0" (deprecated), number of orders].
// Prices are the venue's (okx::offset_price), so the last trade is the ticker's "last".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/market_model.hpp"

namespace tickerd::sim::okx {

inline constexpr std::string_view trades_channel = "trades";
inline constexpr std::string_view bbo_channel = "bbo-tbt";

// One trade push; `t` in model units (ticks, lot steps, venue id), `seq_id` the push's seqId.
std::string encode_trade(const symbol_spec& spec, const trade_print& t, std::int64_t event_time_us,
                         std::int64_t seq_id);

// One bbo-tbt push from the model's state (the venue offset is applied here).
std::string encode_bbo(const symbol_spec& spec, const symbol_state& model,
                       std::int64_t event_time_us, std::int64_t seq_id);

}  // namespace tickerd::sim::okx
