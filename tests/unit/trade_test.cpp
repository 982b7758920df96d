#include "tickerd/core/trade.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tickerd/core/market_events.hpp"

namespace tickerd {
namespace {

TEST(TradeId, KeepsTheVenueTextInline) {
  trade_id id;
  ASSERT_TRUE(trade_id::make("20f43950-d8dd-5b31-9112-a178eb6023af", id));  // Bybit's shape
  EXPECT_EQ(id.view(), "20f43950-d8dd-5b31-9112-a178eb6023af");
  EXPECT_FALSE(id.number().has_value());
  ASSERT_TRUE(trade_id::make("12345", id));
  EXPECT_EQ(id.view(), "12345");
  EXPECT_EQ(id.number(), 12345u);
}

TEST(TradeId, RefusesEmptyAndOverlongWithoutChangingTheId) {
  trade_id id;
  ASSERT_TRUE(trade_id::make("7", id));
  EXPECT_FALSE(trade_id::make("", id));
  EXPECT_FALSE(trade_id::make(std::string(trade_id::max_size + 1, '1'), id));
  EXPECT_EQ(id.view(), "7");
  EXPECT_TRUE(trade_id::make(std::string(trade_id::max_size, '9'), id));
  EXPECT_EQ(id.view().size(), trade_id::max_size);
}

TEST(TradeId, NumberOnlyForUpToNineteenDigits) {
  trade_id id;
  ASSERT_TRUE(trade_id::make("9999999999999999999", id));  // 19 digits fit in 64 bits
  EXPECT_EQ(id.number(), 9999999999999999999u);
  ASSERT_TRUE(trade_id::make("12345678901234567890", id));  // 20 digits: not compared
  EXPECT_FALSE(id.number().has_value());
  ASSERT_TRUE(trade_id::make("-5", id));
  EXPECT_FALSE(id.number().has_value());
}

TEST(TradeId, EqualityIsByText) {
  trade_id a;
  trade_id b;
  ASSERT_TRUE(trade_id::make("42", a));
  ASSERT_TRUE(trade_id::make("042", b));
  EXPECT_FALSE(a == b);
  ASSERT_TRUE(trade_id::make("42", b));
  EXPECT_TRUE(a == b);
}

TEST(TakerSide, Names) {
  EXPECT_EQ(to_string(taker_side::buy), "buy");
  EXPECT_EQ(to_string(taker_side::sell), "sell");
  EXPECT_EQ(to_string(taker_side::unknown), "unknown");
}

TEST(MarketEvents, ClearKeepsCapacity) {
  market_events events;
  events.trades.resize(64);
  events.quotes.resize(3);
  events.ticks.resize(2);
  EXPECT_FALSE(events.empty());
  const auto capacity = events.trades.capacity();
  events.clear();
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(events.trades.capacity(), capacity);
}

}  // namespace
}  // namespace tickerd
