// Kraken v2 `book` channel's CRC32 checksum, over the sim's integer levels (pure). From Kraken's
// "Book checksum (WebSocket v2)" guide (docs.kraken.com): over the top 10 asks (low to high)
// then the top 10 bids (high to low), each level's price and qty printed at the pair's
// precision (price_precision, qty_precision of the `instrument` channel) with the point and
// the leading zeros removed, concatenated; CRC32 (zlib's) of that string, as an unsigned
// 32-bit integer. At the pair's precision a value's text without point and leading zeros is
// its mantissa in decimal, which is what the sim keeps (ticks, lot steps).
//
// The `book` channel (docs.kraken.com, spot WebSocket v2 "Book"): {"channel":"book","type":
// "snapshot"|"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.10000000}],
// "asks":[...],"checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]}; depth 10,
// 25, 100, 500 or 1000 (default 10); "qty":0 removes a level, and a level pushed out of the
// subscribed depth is not sent: the client truncates. The sim's pair precision is its
// AssetPairs metadata's (pair_decimals = the price scale, lot_decimals = the qty scale; sizes
// print with 8 decimals as the sim's other Kraken sizes, trailing zeros only).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "sim/book_model.hpp"

namespace tickerd::sim::kraken {

// CRC-32/ISO-HDLC (zlib's crc32), bitwise: the sim computes a few per event.
std::uint32_t crc32(std::string_view bytes) noexcept;

// Levels as (mantissa at the pair's price precision, mantissa at its qty precision), best
// first; only the first 10 of each side count.
using mantissa_level = std::pair<std::int64_t, std::int64_t>;
std::uint32_t book_checksum(std::span<const mantissa_level> asks,
                            std::span<const mantissa_level> bids);
// The checksum of a top (bids and asks best first).
std::uint32_t book_checksum(const top_levels& top);

inline constexpr std::string_view book_channel = "book";
inline constexpr std::array<int, 5> book_depths{10, 25, 100, 500, 1000};

// A snapshot (every level as a change) or an update; `extra_bid`, when set, is added to the
// bids as is (the crossed-book fault).
std::string encode_book(const symbol_spec& spec, bool snapshot,
                        std::span<const level_change> levels, std::uint32_t checksum,
                        std::int64_t wall_us, std::optional<level_change> extra_bid = std::nullopt);

}  // namespace tickerd::sim::kraken
