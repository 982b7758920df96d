// Coinbase Exchange's `matches` channel, as the venue prints it (pure string building; Coinbase
// "Exchange WebSocket Channels", Match):
// {"type":"match","trade_id":10,"sequence":50,"maker_order_id":"ac928c66-…",
//  "taker_order_id":"132fb6ae-…","time":"2014-11-07T08:19:27.028459Z","product_id":"BTC-USD",
//  "size":"5.23512","price":"400.23","side":"sell"}
// - "side" is the MAKER order's side: "sell" means the taker bought (an uptick);
// - right after subscribing, the product's latest match is sent once as "type":"last_match";
// - the sim's sequence counts market events, not messages: every match of one event carries the
//   product's sequence of that event, the same number its ticker message carries (on the venue
//   a ticker repeats the sequence of the match it reports).
// Top of book is the ticker channel's best_bid / best_ask (+ sizes), coinbase_encode.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/market_model.hpp"

namespace tickerd::sim::coinbase {

inline constexpr std::string_view channel_matches = "matches";

// The ticker's "price" for a state: the venue's bid or ask, whichever the last trade hit
// (encode_ticker's rule), so the last match of an event prints the ticker's price.
std::int64_t ticker_price(const symbol_spec& spec, const symbol_state& s) noexcept;

// A UUID-form order id, deterministic in (product, trade id, maker or taker).
std::string order_id(const symbol_spec& spec, std::int64_t trade_id, bool maker);

// One match (or last_match); `price_ticks` already at the venue's price.
std::string encode_match(const symbol_spec& spec, const trade_print& t, std::int64_t price_ticks,
                         std::uint64_t sequence, std::int64_t time_us, bool last_match);

}  // namespace tickerd::sim::coinbase
