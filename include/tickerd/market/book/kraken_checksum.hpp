// Kraken's book checksum (docs.kraken.com, "Book checksum (WebSocket v2)"): CRC32 (ISO 3309,
// as zlib) of the top 10 asks (low to high) then the top 10 bids (high to low), each level
// written as price then qty, each formatted at the pair's precision from the `instrument`
// channel, its "." removed and its leading zeros stripped ("0.00100000" -> "100000").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tickerd/core/decimal.hpp"
#include "tickerd/market/book/order_book.hpp"

namespace tickerd::book {

inline constexpr std::size_t kraken_checksum_depth = 10;

// The CRC32 of `bytes` (reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF).
std::uint32_t crc32(std::string_view bytes) noexcept;

// Appends `value` at `precision` fraction digits, without its point and leading zeros. False
// when the value does not fit that precision exactly (a level the checksum cannot describe).
bool append_kraken_checksum_field(decimal value, int precision, std::string& out);

// The checksum of `book`. A negative precision means "as each value was written". False when a
// level does not fit its precision (the book cannot match the venue's checksum).
bool kraken_checksum(const order_book& book, int price_precision, int qty_precision,
                     std::uint32_t& out);

}  // namespace tickerd::book
