// Coinbase Exchange market-data messages, as the venue prints them: ticker, heartbeat,
// subscriptions and error. Pure string building; the shapes follow Coinbase's "Exchange
// WebSocket Overview" and "Exchange WebSocket Channels" pages (docs.cdp.coinbase.com).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/market_model.hpp"

namespace tickerd::sim::coinbase {

// "BTC-USDT": Coinbase's product id, base and quote joined by a dash, upper case.
std::string product_id(const symbol_spec& spec);

// Coinbase's prices sit a few basis points away from the shared model's (so a composite over
// several venues is not a copy of one walk): -4..-1 or 1..4 bps, fixed per symbol.
int price_offset_bps(const symbol_spec& spec) noexcept;
// `ticks` moved by `bps` basis points, rounded half away from zero to whole ticks, at least 1.
std::int64_t offset_price(std::int64_t ticks, int bps) noexcept;

// "2022-10-19T23:28:22.061769Z": UTC, always six fraction digits, as in Coinbase's examples.
void append_time(std::string& out, std::int64_t wall_us);

// The first sequence number of a product's stream: large and different per product, as on the
// venue (the documented example has 37475248783), and the same on every run.
std::uint64_t sequence_base(const symbol_spec& spec) noexcept;

// {"type":"ticker","sequence":..,"product_id":..,"price":..,"open_24h":..,"volume_24h":..,
//  "low_24h":..,"high_24h":..,"volume_30d":..,"best_bid":..,"best_bid_size":..,"best_ask":..,
//  "best_ask_size":..,"side":..,"time":..,"trade_id":..,"last_size":..}: the documented
// fields in the documented order. Prices print without trailing zeros ("1313.8", as in the
// example); sizes and volumes at the symbol's lot precision.
std::string encode_ticker(const symbol_spec& spec, const symbol_state& state,
                          std::uint64_t sequence, std::int64_t time_us);

// {"type":"heartbeat","sequence":..,"last_trade_id":..,"product_id":..,"time":..}
std::string encode_heartbeat(const symbol_spec& spec, const symbol_state& state,
                             std::uint64_t sequence, std::int64_t time_us);

struct channel_products {
  std::string name;                      // "ticker"
  std::vector<std::string> product_ids;  // in subscription order
};

// {"type":"subscriptions","channels":[{"name":..,"product_ids":[..]},..]}
std::string encode_subscriptions(const std::vector<channel_products>& channels);

// {"type":"error","message":..,"reason":..}; `reason` is left out when empty.
std::string encode_error(std::string_view message, std::string_view reason);

}  // namespace tickerd::sim::coinbase
