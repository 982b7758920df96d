// Closed candles kept in Redis and read back (decode_candle, candle_history::restore,
// candle_builder::restore), and the GET /v1/candles page (encode_candle_page) against
// docs/PROTOCOL.md "HTTP".
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/market/candle_builder.hpp"
#include "tickerd/market/candle_json.hpp"

namespace tickerd {
namespace {

constexpr std::int64_t minute = 60'000'000;
constexpr std::int64_t t0 = 1764061200'000'000;  // 2025-11-25 09:00:00 UTC

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

trade at(std::int64_t ts_us, std::string_view price, std::string_view qty) {
  trade t;
  t.instrument = 0;
  t.price = dec(price);
  t.size = dec(qty);
  t.side = taker_side::sell;
  t.exchange_ts_us = ts_us;
  t.recv_ts_us = ts_us + 500;
  return t;
}

std::string text(const candle& c) {
  std::string out;
  encode_candle(out, "BTC-USDT", venue_id::binance, candle_interval::m1, c);
  return out;
}

// A builder with closed candles at t0 … t0 + (n-1) minutes and a forming one after them.
candle_builder built(std::size_t n, std::size_t capacity = 100) {
  candle_builder b(candle_interval::m1, capacity);
  candle_change ch;
  b.advance(t0, ch);
  for (std::size_t i = 0; i < n; ++i) {
    const auto t = t0 + static_cast<std::int64_t>(i) * minute;
    b.add(at(t + 1'000'000, "85205.70000000", "0.00120000"), ch);
    b.add(at(t + 2'000'000, "85199.99", "1.5"), ch);
  }
  b.add(at(t0 + static_cast<std::int64_t>(n) * minute + 5, "85300.1", "2"), ch);
  return b;
}

std::vector<std::int64_t> open_times(std::string_view page) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(page.data(), page.size()).get(doc), simdjson::SUCCESS) << page;
  std::vector<std::int64_t> out;
  for (auto c : doc["candles"].get_array()) out.push_back(c["open_time"].get_int64().value());
  return out;
}

TEST(CandleDecode, RoundTripsEveryField) {
  auto b = built(2);
  const candle& closed = b.history().at(0);
  ASSERT_TRUE(closed.closed());
  const auto back = decode_candle(text(closed));
  ASSERT_TRUE(back);
  EXPECT_EQ(text(*back), text(closed));
  // The forming one (not closed), and an empty one with null prices.
  const auto forming = decode_candle(text(b.forming()));
  ASSERT_TRUE(forming);
  EXPECT_EQ(text(*forming), text(b.forming()));
  const auto empty = candle::empty(t0, std::nullopt);
  const auto empty_back = decode_candle(text(empty));
  ASSERT_TRUE(empty_back);
  EXPECT_FALSE(empty_back->has_prices());
  EXPECT_EQ(text(*empty_back), text(empty));
}

TEST(CandleDecode, RefusesWhatIsNotACandle) {
  EXPECT_FALSE(decode_candle(""));
  EXPECT_FALSE(decode_candle("[]"));
  EXPECT_FALSE(decode_candle(R"({"open_time":1})"));
  auto s = text(built(1).history().at(0));
  const auto at_price = s.find(R"("open":")");
  s.replace(at_price, 8, R"("open":"x)");
  EXPECT_FALSE(decode_candle(s)) << s;
  // A price beyond the compact range (19 digits) is refused, not truncated.
  auto big = text(built(1).history().at(0));
  big.replace(big.find(R"("high":")") + 8, 0, "99999999999999999999");
  EXPECT_FALSE(decode_candle(big)) << big;
}

TEST(CandleRestore, StoredCandlesGoBeforeWhatThisRunBuilt) {
  const auto old = built(5);  // t0 … t0+4m closed
  std::vector<candle> stored;
  for (std::size_t i = 0; i < old.history().size(); ++i) stored.push_back(old.history().at(i));

  // A new run, started at t0+3m (overlapping the stored ones) with two candles of its own.
  candle_builder b(candle_interval::m1, 100);
  candle_change ch;
  b.advance(t0 + 3 * minute, ch);
  b.add(at(t0 + 3 * minute + 7, "1", "1"), ch);
  b.advance(t0 + 5 * minute, ch);  // closes t0+3m, t0+4m; forming t0+5m
  const std::string own3 = text(b.history().at(0));
  b.restore(stored);
  ASSERT_EQ(b.history().size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(b.history().at(i).open_time_us(), t0 + static_cast<std::int64_t>(i) * minute);
  }
  EXPECT_EQ(text(b.history().at(0)), text(stored[0]));
  EXPECT_EQ(text(b.history().at(3)), own3);  // this run's own candle wins over the stored one
  // Building goes on from there: the forming one closes after the restored ones.
  b.advance(t0 + 6 * minute, ch);
  EXPECT_EQ(b.history().newest().open_time_us(), t0 + 5 * minute);
}

TEST(CandleRestore, NotStartedTakesThemAllAndTheCapacityHolds) {
  const auto old = built(8);
  std::vector<candle> stored;
  // Any order, with a duplicate.
  for (std::size_t i = old.history().size(); i-- > 0;) stored.push_back(old.history().at(i));
  stored.push_back(old.history().at(2));
  candle_builder b(candle_interval::m1, 5);
  b.restore(stored);
  ASSERT_EQ(b.history().size(), 5u);
  EXPECT_EQ(b.history().at(0).open_time_us(), t0 + 3 * minute);
  EXPECT_EQ(b.history().newest().open_time_us(), t0 + 7 * minute);
  // Then the stream starts later, and its first closed candle follows them.
  candle_change ch;
  b.advance(t0 + 20 * minute, ch);
  b.advance(t0 + 21 * minute, ch);
  EXPECT_EQ(b.history().newest().open_time_us(), t0 + 20 * minute);
  EXPECT_EQ(b.history().newest(1).open_time_us(), t0 + 7 * minute);
}

TEST(CandlePage, NewestWithTheFormingOneLast) {
  const auto b = built(5);  // closed t0 … t0+4m, forming t0+5m
  std::string page;
  encode_candle_page(page, "BTC-USDT", venue_id::binance, b, {});
  EXPECT_EQ(page.rfind(R"({"symbol":"BTC-USDT","interval":"1m","venue":"binance","candles":[)", 0),
            0u)
      << page;
  EXPECT_EQ(open_times(page),
            (std::vector<std::int64_t>{t0, t0 + minute, t0 + 2 * minute, t0 + 3 * minute,
                                       t0 + 4 * minute, t0 + 5 * minute}));
  EXPECT_NE(page.find(text(b.history().at(2))), std::string::npos);  // candle_json's objects
  // limit 3, no start: the newest three, the forming one among them.
  page.clear();
  encode_candle_page(page, "BTC-USDT", venue_id::binance, b, {std::nullopt, std::nullopt, 3});
  EXPECT_EQ(open_times(page),
            (std::vector<std::int64_t>{t0 + 3 * minute, t0 + 4 * minute, t0 + 5 * minute}));
  // end before the forming one: closed only.
  page.clear();
  encode_candle_page(page, "BTC-USDT", std::nullopt, b, {std::nullopt, t0 + 2 * minute, 10});
  EXPECT_EQ(open_times(page), (std::vector<std::int64_t>{t0, t0 + minute}));
  EXPECT_EQ(page.find(R"("venue")"), std::string::npos);
}

TEST(CandlePage, PagingForwardFromStart) {
  const auto b = built(5);
  std::string page;
  encode_candle_page(page, "BTC-USDT", std::nullopt, b, {t0 + minute, std::nullopt, 2});
  EXPECT_EQ(open_times(page), (std::vector<std::int64_t>{t0 + minute, t0 + 2 * minute}));
  page.clear();
  encode_candle_page(page, "BTC-USDT", std::nullopt, b, {t0 + 3 * minute, std::nullopt, 10});
  EXPECT_EQ(open_times(page),
            (std::vector<std::int64_t>{t0 + 3 * minute, t0 + 4 * minute, t0 + 5 * minute}));
  page.clear();
  encode_candle_page(page, "BTC-USDT", std::nullopt, b, {t0 + 9 * minute, std::nullopt, 10});
  EXPECT_TRUE(open_times(page).empty());
  EXPECT_EQ(page, R"({"symbol":"BTC-USDT","interval":"1m","candles":[]})");
}

TEST(CandlePage, FromStoredTextsIsTheSameShape) {
  const auto b = built(3);
  std::vector<std::string> closed;
  for (std::size_t i = 0; i < b.history().size(); ++i) closed.push_back(text(b.history().at(i)));
  std::string from_builder;
  encode_candle_page(from_builder, "BTC-USDT", venue_id::binance, b, {});
  std::string from_texts;
  encode_candle_page(from_texts, "BTC-USDT", venue_id::binance, candle_interval::m1, closed,
                     text(b.forming()));
  EXPECT_EQ(from_texts, from_builder);
}

}  // namespace
}  // namespace tickerd
