#include "tickerd/market/composed_book.hpp"

#include <algorithm>

namespace tickerd {
namespace {

// A k-way merge of the venues' sides (k <= venue_count, each best first): each step takes the
// best head price, sums every venue's level at it and advances those venues. O(depth x k).
void merge_side(std::span<const venue_book_view> books, book::book_side side, std::size_t depth,
                std::vector<composed_level>& out) {
  const bool bids = side == book::book_side::bid;
  std::array<std::span<const book::book_level>, venue_count> rest{};
  const std::size_t n = std::min(books.size(), venue_count);
  for (std::size_t i = 0; i < n; ++i) {
    const auto all = bids ? books[i].bids : books[i].asks;
    rest[i] = all.first(std::min(all.size(), depth));
  }
  out.clear();
  while (out.size() < depth) {
    const book::book_level* best = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
      if (rest[i].empty()) continue;
      const auto& head = rest[i].front();
      if (best == nullptr || (bids ? head.price > best->price : head.price < best->price)) {
        best = &head;
      }
    }
    if (best == nullptr) break;
    composed_level level;
    level.price = best->price;
    bool first = true;
    for (std::size_t i = 0; i < n; ++i) {
      if (rest[i].empty() || rest[i].front().price != level.price) continue;
      const decimal size = rest[i].front().size;
      rest[i] = rest[i].subspan(1);
      decimal sum;
      if (first) {
        sum = size;
      } else if (!decimal::add(level.size, size, sum)) {
        continue;  // beyond the decimal range (no real book): that venue's size is left out
      }
      first = false;
      level.size = sum;
      const auto v = static_cast<std::size_t>(books[i].venue);
      level.venues = static_cast<venue_mask>(level.venues | (1u << v));
      level.venue_size[v] = size;
    }
    out.push_back(level);
  }
}

bool same_level(const composed_level& a, const composed_level& b) noexcept {
  if (a.venues != b.venues || !a.price.identical(b.price) || !a.size.identical(b.size)) {
    return false;
  }
  for (std::size_t v = 0; v < venue_count; ++v) {
    if ((a.venues & (1u << v)) != 0 && !a.venue_size[v].identical(b.venue_size[v])) return false;
  }
  return true;
}

bool same_side(const std::vector<composed_level>& a, const std::vector<composed_level>& b,
               std::size_t depth) noexcept {
  const std::size_t n = std::min(a.size(), depth);
  if (n != std::min(b.size(), depth)) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!same_level(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

bool same_top(const composed_book& a, const composed_book& b, std::size_t depth) noexcept {
  return a.venues == b.venues && same_side(a.bids, b.bids, depth) &&
         same_side(a.asks, b.asks, depth);
}

void compose_book(std::span<const venue_book_view> books, std::size_t depth, composed_book& out) {
  out.venues = 0;
  out.exchange_ts_us = 0;
  out.recv_ts_us = 0;
  for (const auto& b : books) {
    out.venues = static_cast<venue_mask>(out.venues | (1u << static_cast<unsigned>(b.venue)));
    out.exchange_ts_us = std::max(out.exchange_ts_us, b.exchange_ts_us);
    out.recv_ts_us = std::max(out.recv_ts_us, b.recv_ts_us);
  }
  merge_side(books, book::book_side::bid, depth, out.bids);
  merge_side(books, book::book_side::ask, depth, out.asks);
}

}  // namespace tickerd
