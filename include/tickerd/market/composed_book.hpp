// The composed depth of one instrument (channel `book<N>.<BASE>-<QUOTE>`): the venues' books
// merged by price, sizes summed, each level keeping which venue shows what. Pure: no clock, no
// I/O; the caller chooses the venues (ready and fresh ones: book_channels) and passes their
// books best first.
//
// Quote mapping ([feeds.<venue>] quote_map) happens before this: a venue's BTC-USD book
// arrives as the instrument BTC-USDT, so merging the books of one instrument_id is all that
// composing across quotes takes (as for the composite tickers and the consolidated bbo).
//
// The merged top N only needs each venue's top N: a price in the merged top N has fewer than N
// better merged prices, so fewer than N better ones at each venue. And the merged top N is the
// prefix of the merged top M >= N: one merge at the deepest depth due serves every depth.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tickerd/core/decimal.hpp"
#include "tickerd/core/venue.hpp"
#include "tickerd/market/book/order_book.hpp"
#include "tickerd/market/composite.hpp"

namespace tickerd {

// One venue's book as the merge reads it: each side best first.
struct venue_book_view {
  venue_id venue = venue_id::binance;
  std::span<const book::book_level> bids;
  std::span<const book::book_level> asks;
  std::int64_t exchange_ts_us = 0;
  std::int64_t recv_ts_us = 0;
};

struct composed_level {
  decimal price;  // as the first venue (in venue order) at that price wrote it
  decimal size;   // summed over the venues
  venue_mask venues = 0;
  std::array<decimal, venue_count> venue_size{};  // by venue_id; set for the venues in `venues`
};

struct composed_book {
  std::vector<composed_level> bids;  // high to low
  std::vector<composed_level> asks;  // low to high
  venue_mask venues = 0;             // the venues merged (a venue with both sides empty included)
  std::int64_t exchange_ts_us = 0;   // the newest of the venues'
  std::int64_t recv_ts_us = 0;

  // Across venues the best bid may reach or pass the best ask (they disagree for a moment, or
  // arbitrage is open): stated, never hidden or corrected.
  bool crossed() const noexcept {
    return !bids.empty() && !asks.empty() && bids.front().price > asks.front().price;
  }
  bool locked() const noexcept {
    return !bids.empty() && !asks.empty() && bids.front().price == asks.front().price;
  }
};

// Whether the first `depth` levels of each side, and the venues merged, are the same in both
// (prices and sizes as written, not only their values): whether a client of depth `depth`
// would see a change. Times are not compared.
bool same_top(const composed_book& a, const composed_book& b, std::size_t depth) noexcept;

// Merges the top `depth` levels of each side of `books` (at most one book per venue) into
// `out`, replacing what it held (its storage is reused).
void compose_book(std::span<const venue_book_view> books, std::size_t depth, composed_book& out);

}  // namespace tickerd
