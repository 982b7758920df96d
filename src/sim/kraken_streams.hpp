// Kraken WebSocket v2's `trade` channel, as the venue prints it (pure string building;
// docs.kraken.com "WebSocket v2 / trade"):
// {"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"buy",
//  "price":0.5147,"qty":6423.46326,"ord_type":"limit","trade_id":4665846,
//  "timestamp":"2023-09-25T07:48:36.925533Z"}]}
// - "side" and "ord_type" are the taker order's; "trade_id" is a "sequence number unique per
//   trading book", so a jump in it is a lost trade;
// - a subscribe asks for a snapshot with "snapshot":true (the trade channel's default is
//   false), answered with the book's most recent trades (up to 50) as "type":"snapshot";
// - numbers are JSON numbers: prices at the pair's tick precision, sizes with 8 decimals like
//   the ticker's (kraken_encode.hpp).
// Top of book is the ticker channel with "event_trigger":"bbo" ("on a change in the best bid or
// offer", the fastest level-1 source v2 documents besides the full book).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sim/kraken_encode.hpp"
#include "sim/market_model.hpp"

namespace tickerd::sim::kraken {

inline constexpr std::string_view trade_channel = "trade";
inline constexpr std::size_t trade_snapshot_size = 50;

// A trade as Kraken sends it: model units (ticks, lot steps, venue id) and its time.
struct timed_trade {
  trade_print trade;
  std::int64_t time_us = 0;
};

// {"channel":"trade","type":"update"|"snapshot","data":[...]}; prices moved by offset_ticks.
std::string encode_trades(const symbol_spec& spec, std::span<const timed_trade> trades,
                          std::int64_t offset_ticks, bool snapshot);

// The subscribe / unsubscribe acks of a channel without event_trigger (trade):
// {"method":"subscribe","req_id":1,"result":{"channel":"trade","snapshot":false,
//  "symbol":"BTC/USDT"},"success":true,"time_in":..,"time_out":..}; the unsubscribe ack has
// no "snapshot".
std::string encode_channel_ack(std::string_view method, std::string_view channel,
                               std::string_view symbol, bool snapshot, std::string_view req_id_json,
                               reply_times t);

// The `instrument` channel (docs.kraken.com, spot WebSocket v2 "Instrument"), as much of it as
// a book needs: {"method":"subscribe","req_id":..,"result":{"channel":"instrument",
// "snapshot":true},"success":true,..} then {"channel":"instrument","type":"snapshot","data":
// {"assets":[],"pairs":[{"symbol":"BTC/USDT","base":"BTC","quote":"USDT","status":"online",
// "price_precision":1,"qty_precision":8,"price_increment":..,"qty_increment":..}]}}. The
// precisions are the pair's AssetPairs pair_decimals and lot_decimals, which the sim's book
// checksums use.
std::string encode_instrument_ack(std::string_view method, std::string_view req_id_json,
                                  reply_times t);
std::string encode_instrument_snapshot(const market_model& model);

}  // namespace tickerd::sim::kraken
