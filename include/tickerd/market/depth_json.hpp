// Encoding books as the `data` of the depth channels (docs/PROTOCOL.md, "Book data"):
// `book<N>.<BASE>-<QUOTE>@<venue>` (one venue's book) and `book<N>.<BASE>-<QUOTE>` (the venues'
// books composed). Every update is the whole top N, so throttling, conflation and `since`
// resumes work as for tickers and a client never rebuilds anything. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "tickerd/core/book_change.hpp"
#include "tickerd/market/book/order_book.hpp"
#include "tickerd/market/composed_book.hpp"

namespace tickerd {

// One venue's book at one depth, as its channel states it.
struct venue_book_data {
  venue_id venue = venue_id::binance;
  book_state state = book_state::resyncing;  // resyncing: no levels are written
  std::span<const book::book_level> bids;    // best first, at most `depth` written
  std::span<const book::book_level> asks;
  std::uint64_t update_id = 0;  // 0: the venue has none (left out)
  std::int64_t exchange_ts_us = 0;
  std::int64_t recv_ts_us = 0;
  bool stale = false;  // the venue's feed is not up: the last known book, marked
};

// {"symbol","venue","depth","status","bids":[["price","size"],…],"asks":[…],"update_id","ts",
//  "recv_ts","stale"}; `update_id` and `ts` left out when 0.
void encode_venue_book(std::string& out, const std::string& symbol, std::size_t depth,
                       const venue_book_data& book);

// {"symbol","depth","status","bids":[["price","size",{"<venue>":"size",…}],…],"asks":[…],
//  "spread","crossed","locked","ts","recv_ts","venues":[…]}: the first `depth` levels of `book`;
// status "resyncing" (and no levels) when no venue is in it; `spread` left out when a side is
// empty, `ts` when no venue sent one.
void encode_composed_book(std::string& out, const std::string& symbol, std::size_t depth,
                          const composed_book& book);

}  // namespace tickerd
