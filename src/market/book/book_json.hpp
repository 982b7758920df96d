// Readers the venue depth parsers share: level arrays (["price","size",...] string pairs, or
// Kraken's {"price": n, "qty": n} objects), signed ids as numbers or digit strings, and the
// per-venue message readers book_parser dispatches to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/feeds/venue_adapter.hpp"
#include "tickerd/market/book/book_message.hpp"
#include "tickerd/market/book/book_parsers.hpp"

namespace tickerd::book::json {

namespace ondemand = simdjson::ondemand;

// [["price","size",...], ...]: the first two elements are decimal strings, the rest (OKX's
// order counts) skipped. A price must be positive and a size not negative (bad_number).
feed_errc read_string_levels(ondemand::value& v, std::vector<book_level>& out) noexcept;

// Kraken v2: [{"price": 45283.5, "qty": 0.1}, ...], JSON numbers read from their own text.
feed_errc read_number_levels(ondemand::value& v, std::vector<book_level>& out) noexcept;

// Coinbase Exchange l2update "changes": [["buy"|"sell", "price", "size"], ...].
feed_errc read_side_changes(ondemand::value& v, book_message& out) noexcept;

// A signed integer sent as a JSON number or a string of digits (OKX sends both).
feed_errc read_int(ondemand::value& v, std::int64_t& out) noexcept;

// A string without escapes, copied into `out`.
feed_errc read_string(ondemand::value& v, std::string& out) noexcept;
feed_errc read_view(ondemand::value& v, std::string_view& out) noexcept;

// A positive price and a non-negative size, the only levels any venue sends.
inline bool valid_level(const book_level& l) noexcept {
  return !l.price.is_zero() && !l.price.is_negative() && !l.size.is_negative();
}

// The venue readers, given the frame's root object.
feed_errc parse_binance(ondemand::object& root, book_frame& out) noexcept;
feed_errc parse_binance_rest(ondemand::object& root, book_message& out) noexcept;
feed_errc parse_okx(ondemand::object& root, book_frame& out) noexcept;
feed_errc parse_bybit(ondemand::object& root, book_frame& out) noexcept;
feed_errc parse_kraken(ondemand::object& root, book_frame& out) noexcept;
feed_errc parse_kraken_instruments(ondemand::object& root,
                                   std::vector<kraken_precision>& out) noexcept;
feed_errc parse_coinbase(ondemand::object& root, book_frame& out) noexcept;

}  // namespace tickerd::book::json
