#include "tickerd/market/book/order_book.hpp"

#include <algorithm>
#include <compare>
#include <initializer_list>

namespace tickerd::book {

namespace {

// Whether a sorts before b on `side`: better prices first.
bool better(book_side side, decimal a, decimal b) noexcept {
  return side == book_side::bid ? b < a : a < b;
}

}  // namespace

order_book::order_book(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
  bids_.reserve(capacity_);
  asks_.reserve(capacity_);
}

void order_book::clear() noexcept {
  if (!bids_.empty()) touch(book_side::bid, 0);
  if (!asks_.empty()) touch(book_side::ask, 0);
  bids_.clear();
  asks_.clear();
}

void order_book::load_side(book_side side, std::span<const book_level> levels) {
  auto& out = side_levels(side);
  out.clear();
  // Stable, so that of two levels at one price the later one stays last and wins below.
  std::vector<book_level> sorted(levels.begin(), levels.end());
  std::stable_sort(sorted.begin(), sorted.end(), [side](const book_level& a, const book_level& b) {
    return better(side, a.price, b.price);
  });
  for (std::size_t i = 0; i < sorted.size() && out.size() < capacity_; ++i) {
    const bool repeated = i + 1 < sorted.size() && sorted[i + 1].price == sorted[i].price;
    if (repeated || sorted[i].size.is_zero()) continue;
    out.push_back(sorted[i]);
  }
  touch(side, 0);
}

void order_book::apply_snapshot(std::span<const book_level> bids,
                                std::span<const book_level> asks) {
  load_side(book_side::bid, bids);
  load_side(book_side::ask, asks);
}

std::size_t order_book::apply(book_side side, decimal price, decimal size) {
  auto& v = side_levels(side);
  const auto it =
      std::lower_bound(v.begin(), v.end(), price,
                       [side](const book_level& l, decimal p) { return better(side, l.price, p); });
  const auto index = static_cast<std::size_t>(it - v.begin());
  const bool present = it != v.end() && it->price == price;
  if (size.is_zero()) {
    if (!present) return no_change;
    v.erase(it);
    touch(side, index);
    return index;
  }
  if (present) {
    if (it->size.identical(size) && it->price.identical(price)) return no_change;
    *it = book_level{price, size};
    touch(side, index);
    return index;
  }
  if (!in_message_) {
    if (index >= capacity_) return no_change;  // beyond the depth this book keeps
    if (v.size() == capacity_) v.pop_back();   // the worst level falls out of scope
  }
  v.insert(v.begin() + static_cast<std::ptrdiff_t>(index), book_level{price, size});
  touch(side, index);
  return index;
}

void order_book::begin_message(std::size_t bid_changes, std::size_t ask_changes) {
  in_message_ = true;
  if (bids_.capacity() < capacity_ + bid_changes) bids_.reserve(capacity_ + bid_changes);
  if (asks_.capacity() < capacity_ + ask_changes) asks_.reserve(capacity_ + ask_changes);
}

void order_book::end_message() {
  in_message_ = false;
  for (auto* v : {&bids_, &asks_}) {
    if (v->size() > capacity_) v->resize(capacity_);
  }
}

bool order_book::crossed() const noexcept {
  return !bids_.empty() && !asks_.empty() && !(bids_.front().price < asks_.front().price);
}

}  // namespace tickerd::book
