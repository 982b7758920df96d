// GET /debug/book?venue=<venue>&symbol=<SYMBOL>[&depth=N]: the sim's own book for a symbol as
// one venue shows it (its prices, every level up to `depth`, default all), at the current
// market event. Not a venue API: the path is under /debug, which no venue uses, and the body
// names itself ("sim_debug_book"), so a client pointed at the sim cannot take it for a venue's
// depth endpoint. It is the ground truth a test compares a client's book with (CCXT Pro's
// watchOrderBook, tickerd's book channels); pausing the market (POST /market/pause) holds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/book_model.hpp"

namespace tickerd::sim::debug {

inline constexpr std::string_view book_path = "/debug/book";

struct book_query {
  std::string venue;   // "okx"
  std::string symbol;  // the sim's symbol, "BTCUSDT"
  std::size_t depth = book_max_levels;
};
// The query of `target`, or nullopt with `error` set (a missing venue or symbol, a bad depth).
std::optional<book_query> parse_book_query(std::string_view target, std::string& error);

// {"sim_debug_book":{"venue":..,"symbol":..,"events":..,"update_id":..},"bids":[["px","qty"],..],
//  "asks":[..]}: prices and sizes as exact decimal strings at the symbol's precision.
std::string encode_book(const book_query& q, const symbol_spec& spec, const top_levels& book,
                        std::uint64_t events, std::int64_t update_id);

}  // namespace tickerd::sim::debug
