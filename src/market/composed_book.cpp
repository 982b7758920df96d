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

}  // namespace

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
