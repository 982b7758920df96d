// Bybit v5 spot's orderbook.50.<SYMBOL> topic, as the venue prints it (pure). From Bybit's v5
// "Orderbook" document (bybit-exchange.github.io/docs/v5/websocket/public/orderbook):
// {"topic":"orderbook.50.BTCUSDT","ts":1671179923028,"type":"snapshot","data":{"s":"BTCUSDT",
// "b":[["17440.00","40.833"],...],"a":[...],"u":13079592,"seq":22520573250},"cts":...}:
// a snapshot right after subscribing, then deltas ("0" removes a level); a new snapshot
// replaces the book; "u" goes up by one per message of the topic (u = 1 is a service restart's
// snapshot), "seq" is the cross sequence (increasing, not contiguous); bids best (highest)
// first, asks best (lowest) first.
// The book is the sim's book_model shifted by Bybit's price offset, so its top is exactly what
// orderbook.1 shows; a delta is what changed in the top 50 (a level pushed below the 50th is
// sent as removed, one that moves up into the 50 as added), at most one per market event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/book_model.hpp"

namespace tickerd::sim::bybit {

inline constexpr std::string_view depth50_prefix = "orderbook.50.";
inline constexpr std::size_t depth50_levels = 50;

std::string depth50_topic(const symbol_spec& spec);

std::string encode_depth_snapshot(const symbol_spec& spec, const top_levels& top,
                                  std::int64_t ts_ms, std::int64_t u, std::int64_t seq);
// `extra_bid`, when set, is added to the bids as is (the crossed-book fault).
std::string encode_depth_delta(const symbol_spec& spec, const std::vector<level_change>& changes,
                               std::int64_t ts_ms, std::int64_t u, std::int64_t seq,
                               std::optional<level_change> extra_bid = std::nullopt);

}  // namespace tickerd::sim::bybit
