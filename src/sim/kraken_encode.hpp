// Kraken spot WebSocket API v2 messages, as the venue prints them: ticker snapshot/update,
// status, heartbeat, and the replies to subscribe / unsubscribe / ping (docs.kraken.com,
// "WebSocket v2"). Pure string building.
//
// Numbers are JSON numbers printed with the engine's precision, as the production feed does:
// prices at the pair's tick precision ("last":65972.9, "high":66450.0), sizes with 8 decimals
// ("bid_qty":0.10000000), change_pct with 2. Keys of replies are in Kraken's (alphabetical)
// order; ticker keys in the documented order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/market_model.hpp"

namespace tickerd::sim::kraken {

inline constexpr int qty_scale = 8;         // Kraken's lot decimals for every seed coin
inline constexpr int change_pct_scale = 2;  // "change_pct":-0.17
inline constexpr std::string_view heartbeat_message = R"({"channel":"heartbeat"})";
inline constexpr std::string_view api_version = "v2";
inline constexpr std::string_view service_version = "2.0.0";  // the documented example's

// "BTC/USDT"
std::string native_symbol(const symbol_spec& spec);

// This venue's deterministic deviation from the shared market model, in price ticks: 1 to 5
// basis points of the symbol's start price (at least one tick), up or down, chosen by `seed`
// and the symbol. Added to every price Kraken prints, so composites across venues differ.
std::int64_t price_offset_ticks(const symbol_spec& spec, std::uint64_t seed) noexcept;

// RFC 3339 with microseconds, as Kraken prints it: "2023-09-25T09:04:31.742648Z".
void append_rfc3339(std::string& out, std::int64_t wall_us);

// {"channel":"ticker","type":"snapshot"|"update","data":[{"symbol":...,"timestamp":...}]}
std::string encode_ticker(const symbol_spec& spec, const symbol_state& state,
                          std::int64_t offset_ticks, std::int64_t event_time_us, bool snapshot);

// {"channel":"status","data":[{"api_version":"v2","connection_id":N,"system":"online",
//  "version":"2.0.0"}],"type":"update"}
std::string encode_status(std::uint64_t connection_id);

// The pieces every reply carries. `req_id_json` is the request's req_id as JSON, or empty when
// the request had none (then the reply has none either).
struct reply_times {
  std::int64_t time_in_us = 0;
  std::int64_t time_out_us = 0;
};

// {"method":"subscribe","req_id":1,"result":{"channel":"ticker","event_trigger":"trades",
//  "snapshot":true,"symbol":"BTC/USDT"},"success":true,"time_in":...,"time_out":...}
std::string encode_subscribe_ack(std::string_view symbol, std::string_view event_trigger,
                                 bool snapshot, std::string_view req_id_json, reply_times t);
// {"method":"unsubscribe","req_id":1,"result":{"channel":"ticker","event_trigger":"trades",
//  "symbol":"BTC/USDT"},"success":true,"time_in":...,"time_out":...}
std::string encode_unsubscribe_ack(std::string_view symbol, std::string_view event_trigger,
                                   std::string_view req_id_json, reply_times t);
// {"method":"pong","req_id":101,"time_in":...,"time_out":...}
std::string encode_pong(std::string_view req_id_json, reply_times t);
// {"error":"...","method":"subscribe","req_id":1,"success":false,"symbol":"X/Y",
//  "time_in":...,"time_out":...}; method and symbol are left out when empty.
std::string encode_error(std::string_view error, std::string_view method,
                         std::string_view req_id_json, std::string_view symbol, reply_times t);

}  // namespace tickerd::sim::kraken
