// order_book: sorted exact sides, snapshot and level changes, capacity, crossed detection, the
// change mark, and a round-trip property test against a std::map reference, compared exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/market/book/order_book.hpp"

namespace tickerd::book {
namespace {

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

book_level lvl(std::string_view price, std::string_view size) {
  return {dec(price), dec(size)};
}

std::vector<std::string> render(std::span<const book_level> side) {
  std::vector<std::string> out;
  for (const auto& l : side) out.push_back(l.price.to_string() + "@" + l.size.to_string());
  return out;
}

TEST(OrderBook, SnapshotSortsBestFirstDropsZerosAndKeepsTheLastOfARepeatedPrice) {
  order_book b(10);
  const std::vector<book_level> bids{lvl("100.0", "1"), lvl("101.5", "2"), lvl("99", "0"),
                                     lvl("100.0", "3")};
  const std::vector<book_level> asks{lvl("103", "1"), lvl("102.25", "4")};
  b.apply_snapshot(bids, asks);
  EXPECT_EQ(render(b.bids()), (std::vector<std::string>{"101.5@2", "100.0@3"}));
  EXPECT_EQ(render(b.asks()), (std::vector<std::string>{"102.25@4", "103@1"}));
  EXPECT_EQ(b.first_changed(book_side::bid), 0u);
  EXPECT_FALSE(b.crossed());
}

TEST(OrderBook, LevelChangesInsertUpdateAndDeleteExactly) {
  order_book b(10);
  EXPECT_EQ(b.apply(book_side::bid, dec("100"), dec("1")), 0u);
  EXPECT_EQ(b.apply(book_side::bid, dec("102"), dec("2")), 0u);
  EXPECT_EQ(b.apply(book_side::bid, dec("101"), dec("3")), 1u);
  EXPECT_EQ(b.apply(book_side::ask, dec("105"), dec("1")), 0u);
  EXPECT_EQ(b.apply(book_side::ask, dec("104.5"), dec("1")), 0u);
  // 100 and 100.00 are one price: the update keeps the venue's latest text.
  EXPECT_EQ(b.apply(book_side::bid, dec("100.00"), dec("5.10")), 2u);
  EXPECT_EQ(render(b.bids()), (std::vector<std::string>{"102@2", "101@3", "100.00@5.10"}));
  // The same size again changes nothing; deleting an absent level is a no-op.
  EXPECT_EQ(b.apply(book_side::bid, dec("100.00"), dec("5.10")), order_book::no_change);
  EXPECT_EQ(b.apply(book_side::ask, dec("110"), dec("0")), order_book::no_change);
  EXPECT_EQ(b.apply(book_side::bid, dec("101"), dec("0")), 1u);
  EXPECT_EQ(render(b.bids()), (std::vector<std::string>{"102@2", "100.00@5.10"}));
  EXPECT_EQ(render(b.asks()), (std::vector<std::string>{"104.5@1", "105@1"}));
  EXPECT_EQ(render(b.top(book_side::ask, 1)), (std::vector<std::string>{"104.5@1"}));
  EXPECT_EQ(b.top(book_side::bid, 50).size(), 2u);
}

TEST(OrderBook, CapacityKeepsTheBestLevelsAsKrakenTruncationDoes) {
  order_book b(3);
  for (const char* p : {"10", "11", "12"}) b.apply(book_side::ask, dec(p), dec("1"));
  // Worse than the third: beyond the depth kept.
  EXPECT_EQ(b.apply(book_side::ask, dec("13"), dec("1")), order_book::no_change);
  // Better: the worst level falls out.
  EXPECT_EQ(b.apply(book_side::ask, dec("9.5"), dec("1")), 0u);
  EXPECT_EQ(render(b.asks()), (std::vector<std::string>{"9.5@1", "10@1", "11@1"}));
  const std::vector<book_level> many{lvl("1", "1"), lvl("2", "1"), lvl("3", "1"), lvl("4", "1")};
  b.apply_snapshot(many, {});
  EXPECT_EQ(render(b.bids()), (std::vector<std::string>{"4@1", "3@1", "2@1"}));
  EXPECT_LE(b.memory_bytes(), sizeof(order_book) + 2 * 3 * sizeof(book_level));
}

TEST(OrderBook, AMessageIsCutToCapacityOnlyAfterAllItsChanges) {
  order_book b(3);
  for (const char* p : {"10", "11", "12"}) b.apply(book_side::ask, dec(p), dec("1"));
  // A level below the third, then the best deleted, in one message: the new level stays, as
  // Kraken's truncation after the update keeps it. Level by level it would have been dropped.
  b.begin_message(0, 2);
  b.apply(book_side::ask, dec("13"), dec("1"));
  b.apply(book_side::ask, dec("10"), dec("0"));
  b.end_message();
  EXPECT_EQ(render(b.asks()), (std::vector<std::string>{"11@1", "12@1", "13@1"}));
  // Two better levels in one message: the two worst go, at the end.
  b.begin_message(0, 2);
  b.apply(book_side::ask, dec("9"), dec("2"));
  b.apply(book_side::ask, dec("8"), dec("2"));
  b.end_message();
  EXPECT_EQ(render(b.asks()), (std::vector<std::string>{"8@2", "9@2", "11@1"}));
  // Outside a message the level-by-level rule holds again.
  EXPECT_EQ(b.apply(book_side::ask, dec("20"), dec("1")), order_book::no_change);
}

TEST(OrderBook, CrossedAndLockedBooksAreDetected) {
  order_book b(10);
  b.apply(book_side::bid, dec("100"), dec("1"));
  b.apply(book_side::ask, dec("100.5"), dec("1"));
  EXPECT_FALSE(b.crossed());
  b.apply(book_side::bid, dec("100.50"), dec("1"));
  EXPECT_TRUE(b.crossed());  // locked
  b.apply(book_side::bid, dec("100.50"), dec("0"));
  EXPECT_FALSE(b.crossed());
  b.apply(book_side::ask, dec("99"), dec("1"));
  EXPECT_TRUE(b.crossed());
}

TEST(OrderBook, ChangeMarkSaysWhetherTheTopNChanged) {
  order_book b(50);
  for (int i = 0; i < 50; ++i) {
    b.apply(book_side::bid, decimal(1000 - i, 0), dec("1"));
    b.apply(book_side::ask, decimal(1001 + i, 0), dec("1"));
  }
  b.mark_published();
  EXPECT_FALSE(b.top_changed(50));
  b.apply(book_side::bid, decimal(1000 - 30, 0), dec("2"));  // index 30
  EXPECT_EQ(b.first_changed(book_side::bid), 30u);
  EXPECT_EQ(b.first_changed(book_side::ask), order_book::no_change);
  EXPECT_FALSE(b.top_changed(10));
  EXPECT_FALSE(b.top_changed(20));
  EXPECT_TRUE(b.top_changed(50));
  b.apply(book_side::ask, decimal(1005, 0), dec("0"));  // index 4: shifts all below
  EXPECT_TRUE(b.top_changed(10));
  b.mark_published();
  EXPECT_FALSE(b.top_changed(50));
  b.apply(book_side::ask, dec("5000"), dec("0"));  // absent: no change
  EXPECT_FALSE(b.top_changed(50));
}

// Random level changes applied to the book and to a reference std::map, compared exactly
// (price and size text, order) after every change; and the change mark checked: every level
// above first_changed is as it was when the mark was last reset.
TEST(OrderBook, RoundTripMatchesAStdMapReferenceExactly) {
  std::mt19937_64 rng(20261207);
  order_book b(1000);
  std::map<decimal, decimal, std::greater<>> bids_ref;
  std::map<decimal, decimal> asks_ref;
  std::vector<book_level> published_bids;
  std::vector<book_level> published_asks;
  auto check_mark = [&](book_side side, const std::vector<book_level>& before) {
    const auto now = b.levels(side);
    const std::size_t unchanged = std::min(b.first_changed(side), before.size());
    for (std::size_t i = 0; i < unchanged && i < now.size(); ++i) {
      ASSERT_TRUE(now[i].price.identical(before[i].price) && now[i].size.identical(before[i].size))
          << "level " << i << " changed above the mark " << b.first_changed(side);
    }
    if (b.first_changed(side) == order_book::no_change) {
      ASSERT_EQ(now.size(), before.size());
    }
  };
  for (int step = 0; step < 20000; ++step) {
    const bool bid = (rng() & 1) != 0;
    // Prices on a 0.5 tick, written at scale 1 or 2 (the same price either way).
    const std::int64_t ticks = bid ? 1000 + static_cast<std::int64_t>(rng() % 200)
                                   : 1200 + static_cast<std::int64_t>(rng() % 200);
    const bool two_digits = (rng() & 1) != 0;
    const decimal price = two_digits ? decimal(ticks * 50, 2) : decimal(ticks * 5, 1);
    const bool remove = rng() % 3 == 0;
    const decimal size =
        remove ? decimal(0, 8) : decimal(static_cast<std::int64_t>(rng() % 1000000) + 1, 8);
    b.apply(bid ? book_side::bid : book_side::ask, price, size);
    if (bid) {
      if (remove) {
        bids_ref.erase(price);
      } else {
        bids_ref.erase(price);
        bids_ref.emplace(price, size);
      }
    } else {
      if (remove) {
        asks_ref.erase(price);
      } else {
        asks_ref.erase(price);
        asks_ref.emplace(price, size);
      }
    }
    ASSERT_EQ(b.bids().size(), bids_ref.size());
    ASSERT_EQ(b.asks().size(), asks_ref.size());
    std::size_t i = 0;
    for (const auto& [p, s] : bids_ref) {
      ASSERT_TRUE(b.bids()[i].price == p && b.bids()[i].size.identical(s)) << "bid " << i;
      ++i;
    }
    i = 0;
    for (const auto& [p, s] : asks_ref) {
      ASSERT_TRUE(b.asks()[i].price == p && b.asks()[i].size.identical(s)) << "ask " << i;
      ++i;
    }
    check_mark(book_side::bid, published_bids);
    check_mark(book_side::ask, published_asks);
    if (step % 7 == 0) {
      b.mark_published();
      published_bids.assign(b.bids().begin(), b.bids().end());
      published_asks.assign(b.asks().begin(), b.asks().end());
    }
  }
}

}  // namespace
}  // namespace tickerd::book
