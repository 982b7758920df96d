// candle, candle_history, candle_builder, candle_set and encode_candle, against
// docs/PROTOCOL.md "Candle data".
#include "tickerd/market/candle_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/market/candle_json.hpp"

namespace tickerd {
namespace {

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

constexpr std::int64_t minute = 60'000'000;
// 2025-11-25 09:00:00 UTC, a 1m, 5m, 15m and 1h boundary (and 08:00 is a 4h one).
constexpr std::int64_t t0 = 1764061200'000'000;

trade at(std::int64_t ts_us, std::string_view price, std::string_view qty,
         venue_id v = venue_id::binance) {
  trade t;
  t.venue = v;
  t.instrument = 0;
  t.price = dec(price);
  t.size = dec(qty);
  t.side = taker_side::buy;
  t.exchange_ts_us = ts_us;
  t.recv_ts_us = ts_us + 500;
  return t;
}

std::string json(const candle& c, candle_interval i = candle_interval::m1) {
  std::string out;
  encode_candle(out, "BTC-USDT", venue_id::binance, i, c);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  return out;
}

TEST(CandleInterval, BoundariesAreUtcAligned) {
  // 2025-11-25 09:00:34.567 UTC.
  const std::int64_t t = 1764061234'567'000;
  EXPECT_EQ(interval_start(candle_interval::m1, t), 1764061200'000'000);
  EXPECT_EQ(interval_start(candle_interval::m5, t), 1764061200'000'000);
  EXPECT_EQ(interval_start(candle_interval::m15, t), 1764061200'000'000);
  EXPECT_EQ(interval_start(candle_interval::h1, t), 1764061200'000'000);
  EXPECT_EQ(interval_start(candle_interval::h4, t), 1764057600'000'000);  // 08:00 UTC
  EXPECT_EQ(interval_start(candle_interval::d1, t), 1764028800'000'000);  // 00:00 UTC
  EXPECT_EQ(interval_start(candle_interval::m1, t0), t0);                 // inclusive start
  EXPECT_EQ(interval_start(candle_interval::m1, t0 - 1), t0 - minute);
  EXPECT_EQ(interval_start(candle_interval::m1, -1), -minute);  // floors, never truncates
  for (const auto i : all_candle_intervals) {
    EXPECT_EQ(parse_candle_interval(to_string(i)), i);
  }
  EXPECT_EQ(parse_candle_interval("2m"), std::nullopt);
}

TEST(Candle, CompactStorageSize) {
  // 24 h of 1m candles for 11 symbols x 6 streams (five venues and the tape):
  // 1440 * 66 * 88 bytes = 8,363,520 bytes (about 8.0 MiB).
  EXPECT_EQ(sizeof(candle), 88u);
}

TEST(CandleBuilder, ExactOhlcAndVolumes) {
  candle_builder b(candle_interval::m1, 10);
  candle_change ch;
  b.add(at(t0 + 1'000'000, "85205.70", "0.00120"), ch);
  EXPECT_TRUE(ch.forming);
  EXPECT_EQ(ch.closed, 0u);
  b.add(at(t0 + 2'000'000, "85210.1", "0.5"), ch);
  b.add(at(t0 + 3'000'000, "85199.99", "1.25"), ch);
  b.add(at(t0 + 4'000'000, "85201.00", "0.00001"), ch);
  const candle& c = b.forming();
  EXPECT_EQ(c.open().to_string(), "85205.70");
  EXPECT_EQ(c.high().to_string(), "85210.1");
  EXPECT_EQ(c.low().to_string(), "85199.99");
  EXPECT_EQ(c.close().to_string(), "85201.00");
  EXPECT_EQ(c.volume_base().to_string(), "1.75121");
  // 102.2468400 + 42605.05 + 106499.9875 + 0.8520100, digit for digit.
  EXPECT_EQ(c.volume_quote().to_string(), "149208.1363500");
  EXPECT_EQ(c.trades(), 4u);
  EXPECT_EQ(
      json(c),
      R"({"symbol":"BTC-USDT","venue":"binance","interval":"1m","open_time":1764061200000000,)"
      R"("close_time":1764061260000000,"open":"85205.70","high":"85210.1","low":"85199.99",)"
      R"("close":"85201.00","volume_base":"1.75121","volume_quote":"149208.1363500",)"
      R"("trades":4,"late":0,"closed":false})");
}

TEST(CandleBuilder, AdvanceClosesOnTimeAndStatesEmptyIntervals) {
  candle_builder b(candle_interval::m1, 10);
  candle_change ch;
  b.add(at(t0 + 5'000'000, "100.5", "2"), ch);
  ch = {};
  b.advance(t0 + minute - 1, ch);  // not yet
  EXPECT_FALSE(ch.any());
  b.advance(t0 + minute, ch);  // the boundary itself closes
  EXPECT_EQ(ch.closed, 1u);
  EXPECT_TRUE(ch.forming);
  ASSERT_EQ(b.history().size(), 1u);
  EXPECT_TRUE(b.history().newest().closed());
  EXPECT_EQ(b.history().newest().close().to_string(), "100.5");
  // Three silent minutes: three closed, empty candles, flat at the last close, zero volume.
  ch = {};
  b.advance(t0 + 4 * minute + 30'000'000, ch);
  EXPECT_EQ(ch.closed, 3u);
  ASSERT_EQ(b.history().size(), 4u);
  for (std::size_t k = 0; k < 3; ++k) {
    const candle& e = b.history().newest(k);
    EXPECT_EQ(e.open_time_us(), t0 + static_cast<std::int64_t>(3 - k) * minute);
    EXPECT_EQ(e.trades(), 0u);
    EXPECT_TRUE(e.closed());
  }
  EXPECT_EQ(
      json(b.history().newest()),
      R"({"symbol":"BTC-USDT","venue":"binance","interval":"1m","open_time":1764061380000000,)"
      R"("close_time":1764061440000000,"open":"100.5","high":"100.5","low":"100.5",)"
      R"("close":"100.5","volume_base":"0","volume_quote":"0","trades":0,"late":0,)"
      R"("closed":true})");
  // The first trade of a flat candle opens it at its own price.
  ch = {};
  b.add(at(t0 + 4 * minute + 31'000'000, "99", "1"), ch);
  EXPECT_EQ(b.forming().open().to_string(), "99");
  EXPECT_EQ(b.forming().high().to_string(), "99");
  EXPECT_EQ(b.forming().trades(), 1u);
}

TEST(CandleBuilder, NoTradeEverMeansNullPrices) {
  candle_builder b(candle_interval::m5, 10);
  candle_change ch;
  b.advance(t0 + 1, ch);
  EXPECT_TRUE(ch.forming);
  EXPECT_FALSE(b.forming().has_prices());
  b.advance(t0 + 5 * minute, ch);
  EXPECT_EQ(ch.closed, 1u);
  const std::string out = json(b.history().newest(), candle_interval::m5);
  EXPECT_NE(out.find(R"("open":null,"high":null,"low":null,"close":null,"volume_base":"0")"),
            std::string::npos)
      << out;
}

TEST(CandleBuilder, LateTradesAreDroppedAndCounted) {
  candle_builder b(candle_interval::m1, 10);
  candle_change ch;
  b.add(at(t0 + 10'000'000, "100", "1"), ch);
  b.advance(t0 + minute + 100, ch);
  ch = {};
  // Stamped 59.9 s into the closed minute, arriving after the boundary.
  b.add(at(t0 + 59'900'000, "120", "7"), ch);
  EXPECT_TRUE(ch.forming);  // the late count is visible
  EXPECT_EQ(ch.closed, 0u);
  EXPECT_EQ(b.forming().late(), 1u);
  EXPECT_EQ(b.forming().trades(), 0u);
  EXPECT_EQ(b.forming().high().to_string(), "100");  // carried close, not the late price
  EXPECT_EQ(b.history().newest().trades(), 1u);      // the closed candle stays final
  EXPECT_EQ(b.history().newest().high().to_string(), "100");
  EXPECT_EQ(b.rejected(), 0u);
}

TEST(CandleBuilder, ATradePastTheBoundaryClosesTheCandle) {
  candle_builder b(candle_interval::m1, 10);
  candle_change ch;
  b.add(at(t0 + 1, "100", "1"), ch);
  ch = {};
  b.add(at(t0 + minute + 5, "101", "1"), ch);  // the timer has not fired yet
  EXPECT_EQ(ch.closed, 1u);
  EXPECT_EQ(b.history().newest().close().to_string(), "100");
  EXPECT_EQ(b.forming().open_time_us(), t0 + minute);
  EXPECT_EQ(b.forming().open().to_string(), "101");
}

TEST(CandleBuilder, TradesWithoutVenueTimeUseTheirReceiveTime) {
  candle_builder b(candle_interval::m1, 10);
  candle_change ch;
  trade t = at(0, "100", "1");
  t.exchange_ts_us = 0;
  t.recv_ts_us = t0 + 7;
  b.add(t, ch);
  EXPECT_EQ(b.forming().open_time_us(), t0);
  EXPECT_EQ(b.forming().trades(), 1u);
}

TEST(CandleBuilder, AVenueClockFarAheadIsRefused) {
  candle_builder b(candle_interval::m1, 10);
  candle_change ch;
  b.add(at(t0, "100", "1"), ch);
  trade t = at(t0 + 365LL * 1440 * minute, "100", "1");
  t.recv_ts_us = t0 + 1;
  ch = {};
  b.add(t, ch);
  EXPECT_FALSE(ch.any());
  EXPECT_EQ(b.rejected(), 1u);
  EXPECT_EQ(b.forming().open_time_us(), t0);
}

TEST(CandleBuilder, ValuesBeyondTheCompactRangeAreRefused) {
  candle_builder b(candle_interval::m1, 10);
  candle_change ch;
  b.add(at(t0, "100", "1"), ch);
  ch = {};
  b.add(at(t0 + 1, "12345678901234567890", "1"), ch);                // 20-digit price mantissa
  b.add(at(t0 + 2, "0.000000000000001", "0.0000000000000001"), ch);  // scale 31 cost
  EXPECT_FALSE(ch.any());
  EXPECT_EQ(b.rejected(), 2u);
  EXPECT_EQ(b.forming().trades(), 1u);
  EXPECT_EQ(b.forming().volume_base().to_string(), "1");
}

TEST(CandleBuilder, ALongSilenceKeepsOnlyWhatTheHistoryHolds) {
  candle_builder b(candle_interval::m1, 5);
  candle_change ch;
  b.add(at(t0, "100", "1"), ch);
  ch = {};
  b.advance(t0 + 1000 * minute, ch);
  EXPECT_EQ(ch.closed, 5u);
  ASSERT_EQ(b.history().size(), 5u);
  EXPECT_EQ(b.history().newest().open_time_us(), t0 + 999 * minute);
  EXPECT_EQ(b.history().at(0).open_time_us(), t0 + 995 * minute);
  EXPECT_EQ(b.history().newest().close().to_string(), "100");
  EXPECT_EQ(b.forming().open_time_us(), t0 + 1000 * minute);
}

TEST(CandleHistory, RingAndRange) {
  candle_builder b(candle_interval::m1, 4);
  candle_change ch;
  b.add(at(t0, "1", "1"), ch);
  b.advance(t0 + 6 * minute, ch);  // closes t0 .. t0+5m; the ring keeps the last 4
  const candle_history& h = b.history();
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h.at(0).open_time_us(), t0 + 2 * minute);
  EXPECT_EQ(h.at(3).open_time_us(), t0 + 5 * minute);
  // Newest `limit` without a start.
  auto s = h.range(std::nullopt, std::nullopt, 2);
  EXPECT_EQ(s.first, 2u);
  EXPECT_EQ(s.count, 2u);
  // From a start, oldest first.
  s = h.range(t0 + 3 * minute, std::nullopt, 2);
  EXPECT_EQ(s.first, 1u);
  EXPECT_EQ(s.count, 2u);
  // A start between open times begins at the next candle; the end is exclusive.
  s = h.range(t0 + 3 * minute + 1, t0 + 5 * minute, 500);
  EXPECT_EQ(s.first, 2u);
  EXPECT_EQ(s.count, 1u);
  // Nothing in range.
  EXPECT_EQ(h.range(t0 + 10 * minute, std::nullopt, 10).count, 0u);
  EXPECT_EQ(h.range(std::nullopt, t0, 10).count, 0u);
}

TEST(CandleHistory, AFullDayOfMinutesHoldsExactlyItsCapacity) {
  candle_builder b(candle_interval::m1, 1440);
  candle_change ch;
  b.advance(t0, ch);
  b.advance(t0 + 3 * minute, ch);
  EXPECT_LE(b.history().allocated_bytes(), 16 * sizeof(candle));  // grows with uptime
  b.advance(t0 + 2000 * minute, ch);
  EXPECT_EQ(b.history().size(), 1440u);
  EXPECT_EQ(b.history().allocated_bytes(), 1440 * sizeof(candle));  // 126,720 bytes
}

TEST(CandleSet, OneTradeReachesAllSixIntervals) {
  candle_set set;
  candle_set::changes ch{};
  const std::vector<trade> frame = {at(t0 + 1, "100", "1"), at(t0 + 2, "101", "2")};
  set.add(frame, ch);
  for (const auto i : all_candle_intervals) {
    const auto& b = set.builder(i);
    EXPECT_TRUE(ch[static_cast<std::size_t>(i)].forming) << to_string(i);
    EXPECT_EQ(b.forming().trades(), 2u) << to_string(i);
    EXPECT_EQ(b.forming().volume_base().to_string(), "3") << to_string(i);
    EXPECT_EQ(b.forming().open_time_us(), interval_start(i, t0));
    EXPECT_EQ(b.history().capacity(), default_candle_history[static_cast<std::size_t>(i)]);
  }
  ch = {};
  set.advance(t0 + 15 * minute, ch);
  EXPECT_EQ(ch[0].closed, 15u);  // 1m
  EXPECT_EQ(ch[1].closed, 3u);   // 5m
  EXPECT_EQ(ch[2].closed, 1u);   // 15m
  EXPECT_FALSE(ch[3].any());     // 1h still forming
  EXPECT_FALSE(ch[5].any());
}

TEST(CandleJson, TapeCandleHasNoVenue) {
  candle_builder b(candle_interval::h4, 2);
  candle_change ch;
  b.add(at(t0, "100", "1", venue_id::okx), ch);
  std::string out;
  encode_candle(out, "BTC-USDT", std::nullopt, candle_interval::h4, b.forming());
  EXPECT_EQ(out.rfind(R"({"symbol":"BTC-USDT","interval":"4h","open_time":1764057600000000,)"
                      R"("close_time":1764072000000000,)",
                      0),
            0u)
      << out;
}

}  // namespace
}  // namespace tickerd
