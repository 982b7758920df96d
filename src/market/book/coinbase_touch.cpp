#include "tickerd/market/book/coinbase_touch.hpp"

#include <algorithm>

namespace tickerd::book {

void coinbase_touch::on_ticker(const book_message& touch) {
  if (waiting_ || touch.exchange_ts_us == 0 || touch.bids.empty() || touch.asks.empty()) return;
  // The book already went past this ticker's moment (its changes since are not all known), or
  // its moment is unknown: a snapshot carries no time, so one l2update must date it first.
  if (update_ts_us_ == 0 || update_ts_us_ > touch.exchange_ts_us) return;
  waiting_ = true;
  bid_ = touch.bids.front();
  ask_ = touch.asks.front();
  ticker_ts_us_ = touch.exchange_ts_us;
  named_bids_.clear();
  named_asks_.clear();
}

bool coinbase_touch::on_update(const book_message& update, const order_book& book) {
  update_ts_us_ = std::max(update_ts_us_, update.exchange_ts_us);
  if (!waiting_) return true;
  named_bids_.insert(named_bids_.end(), update.bids.begin(), update.bids.end());
  named_asks_.insert(named_asks_.end(), update.asks.begin(), update.asks.end());
  // Stamped at or before the ticker: the ticker may already show more than the book.
  if (update.exchange_ts_us <= ticker_ts_us_) return true;
  waiting_ = false;
  return !contradicts(book, book_side::bid, bid_) && !contradicts(book, book_side::ask, ask_);
}

void coinbase_touch::reset() noexcept {
  waiting_ = false;
  update_ts_us_ = 0;
  named_bids_.clear();
  named_asks_.clear();
}

bool coinbase_touch::named(book_side side, const decimal& price) const noexcept {
  const auto& levels = side == book_side::bid ? named_bids_ : named_asks_;
  return std::any_of(levels.begin(), levels.end(),
                     [&](const book_level& l) { return l.price == price; });
}

bool coinbase_touch::contradicts(const order_book& book, book_side side,
                                 const book_level& stated) const {
  const auto better = [&](const decimal& p) {
    return side == book_side::bid ? p > stated.price : p < stated.price;
  };
  for (const book_level& l : book.levels(side)) {
    if (better(l.price)) {
      if (!named(side, l.price)) return true;  // above the touch, and nothing put it there
      continue;
    }
    if (named(side, stated.price)) return false;  // changed since: the ticker's is old news
    // A ticker without sizes states only the price.
    return l.price != stated.price || (!stated.size.is_zero() && l.size != stated.size);
  }
  return !named(side, stated.price);  // the touch level is missing
}

}  // namespace tickerd::book
