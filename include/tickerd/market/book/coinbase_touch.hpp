// Coinbase Exchange's level2/level2_batch carries no sequence number, so a lost l2update is
// noticed only against the venue's own `ticker` on the same connection, whose best_bid /
// best_ask (and their sizes) state the touch at the ticker's `time`. level2_batch lags the
// ticker (batched every 50 ms), so the book is not compared when the ticker arrives: the
// ticker waits until an l2update stamped after it has been applied. By then every change up
// to the ticker's time is in the book (the channel is ordered); a later change may have moved
// the touch again, but only at a price that l2update or an earlier one since the ticker named.
// So, on the side's levels the l2updates since the ticker did not name: the ticker's touch
// level must be in the book at the ticker's size, and no level better than it may be. A book
// that fails is missing an update. Pure: no clock, the venue's timestamps only.
#pragma once

#include <cstdint>
#include <vector>

#include "tickerd/market/book/book_message.hpp"
#include "tickerd/market/book/order_book.hpp"

namespace tickerd::book {

class coinbase_touch {
 public:
  // A ticker's touch (message kind `touch`). Kept unless one is already waiting (the older is
  // checked first), no l2update has dated the book since its snapshot, or the book already
  // holds an l2update stamped after it (it would be compared with changes it never saw).
  void on_ticker(const book_message& touch);
  // After an l2update was applied to `book`: false when a waiting ticker contradicts it.
  bool on_update(const book_message& update, const order_book& book);
  // A new book (snapshot, resync, connection): nothing waits, no update seen.
  void reset() noexcept;
  bool waiting() const noexcept { return waiting_; }

 private:
  bool named(book_side side, const decimal& price) const noexcept;
  bool contradicts(const order_book& book, book_side side, const book_level& stated) const;

  bool waiting_ = false;
  book_level bid_;
  book_level ask_;
  std::int64_t ticker_ts_us_ = 0;
  std::int64_t update_ts_us_ = 0;       // the latest l2update time applied
  std::vector<book_level> named_bids_;  // levels the l2updates since the ticker named
  std::vector<book_level> named_asks_;
};

}  // namespace tickerd::book
