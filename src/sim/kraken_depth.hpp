// Kraken v2 `book` channel's CRC32 checksum, over the sim's integer levels (pure). From Kraken's
// "Book checksum (WebSocket v2)" guide (docs.kraken.com): over the top 10 asks (low to high)
// then the top 10 bids (high to low), each level's price and qty printed at the pair's
// precision (price_precision, qty_precision of the `instrument` channel) with the point and
// the leading zeros removed, concatenated; CRC32 (zlib's) of that string, as an unsigned
// 32-bit integer. At the pair's precision a value's text without point and leading zeros is
// its mantissa in decimal, which is what the sim keeps (ticks, lot steps).
// Only the checksum exists so far: the sim does not serve Kraken's `book` channel yet.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

namespace tickerd::sim::kraken {

// CRC-32/ISO-HDLC (zlib's crc32), bitwise: the sim computes a few per event.
std::uint32_t crc32(std::string_view bytes) noexcept;

// Levels as (mantissa at the pair's price precision, mantissa at its qty precision), best
// first; only the first 10 of each side count.
using mantissa_level = std::pair<std::int64_t, std::int64_t>;
std::uint32_t book_checksum(std::span<const mantissa_level> asks,
                            std::span<const mantissa_level> bids);

}  // namespace tickerd::sim::kraken
