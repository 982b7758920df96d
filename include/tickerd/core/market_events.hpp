// What one upstream frame yields: tickers, trades, top-of-book changes and changed venue books,
// in frame order within each kind. A venue parser appends to it; feed_session hands it on and
// clears it.
#pragma once

#include <vector>

#include "tickerd/core/book_change.hpp"
#include "tickerd/core/tick.hpp"
#include "tickerd/core/top_of_book.hpp"
#include "tickerd/core/trade.hpp"

namespace tickerd {

struct market_events {
  std::vector<tick> ticks;
  std::vector<trade> trades;
  std::vector<top_of_book> quotes;
  std::vector<book_change> books;  // one per venue book the frame changed (book_change.hpp)

  bool empty() const noexcept {
    return ticks.empty() && trades.empty() && quotes.empty() && books.empty();
  }
  // Keeps the capacity: the same object is reused frame after frame.
  void clear() noexcept {
    ticks.clear();
    trades.clear();
    quotes.clear();
    books.clear();
  }
};

}  // namespace tickerd
