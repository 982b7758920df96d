// encode_venue_trades / encode_tape_trades and trade_counter, against docs/PROTOCOL.md
// "Trades data".
#include "tickerd/market/trade_json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace tickerd {
namespace {

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

trade make_trade(venue_id venue, std::string_view id, std::string_view price, std::string_view qty,
                 taker_side side, std::int64_t ts_us, std::int64_t recv_us) {
  trade t;
  t.venue = venue;
  t.instrument = 0;
  t.price = dec(price);
  t.size = dec(qty);
  t.side = side;
  if (!id.empty()) {
    EXPECT_TRUE(trade_id::make(id, t.id));
  }
  t.exchange_ts_us = ts_us;
  t.recv_ts_us = recv_us;
  return t;
}

const std::string btc = "BTC-USDT";

TEST(TradeJson, OneFrameIsOneUpdateWithEveryTradeExact) {
  const std::vector<trade> frame = {
      make_trade(venue_id::binance, "4821035", "85205.70000000", "0.00120000", taker_side::buy,
                 1764061234000123, 1764061234001234),
      make_trade(venue_id::binance, "4821036", "85205.69000000", "0.50000000", taker_side::sell,
                 1764061234000456, 1764061234001234)};
  std::string out;
  encode_venue_trades(out, btc, venue_id::binance, frame, 41);
  EXPECT_EQ(out, R"({"symbol":"BTC-USDT","venue":"binance","first":41,"count":2,"trades":[)"
                 R"({"id":"4821035","price":"85205.70000000","qty":"0.00120000","side":"buy",)"
                 R"("ts":1764061234000123,"recv_ts":1764061234001234},)"
                 R"({"id":"4821036","price":"85205.69000000","qty":"0.50000000","side":"sell",)"
                 R"("ts":1764061234000456,"recv_ts":1764061234001234}]})");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS);
}

TEST(TradeJson, MissingVenueTimeSideAndIdAreAbsentNeverZero) {
  const std::vector<trade> frame = {make_trade(venue_id::kraken, "", "3012.4", "2.1834",
                                               taker_side::unknown, 0, 1764061234001234)};
  std::string out;
  encode_venue_trades(out, "ETH-USDT", venue_id::kraken, frame, 1);
  EXPECT_EQ(out, R"({"symbol":"ETH-USDT","venue":"kraken","first":1,"count":1,"trades":[)"
                 R"({"price":"3012.4","qty":"2.1834","recv_ts":1764061234001234}]})");
}

TEST(TradeJson, TapeTagsEveryTradeWithItsVenue) {
  const std::vector<trade> frame = {
      make_trade(venue_id::okx, "1", "85205.7", "0.1", taker_side::buy, 1764061234000000,
                 1764061234000100),
      make_trade(venue_id::bybit, "a4b2-11", "85205.8", "0.2", taker_side::sell, 1764061234000001,
                 1764061234000200)};
  std::string out;
  encode_tape_trades(out, btc, frame, 7);
  EXPECT_EQ(out, R"({"symbol":"BTC-USDT","first":7,"count":2,"trades":[)"
                 R"({"id":"1","price":"85205.7","qty":"0.1","side":"buy","ts":1764061234000000,)"
                 R"("recv_ts":1764061234000100,"venue":"okx"},)"
                 R"({"id":"a4b2-11","price":"85205.8","qty":"0.2","side":"sell",)"
                 R"("ts":1764061234000001,"recv_ts":1764061234000200,"venue":"bybit"}]})");
}

TEST(TradeJson, EmptyFrameIsAValidUpdate) {
  std::string out;
  encode_tape_trades(out, btc, {}, 3);
  EXPECT_EQ(out, R"({"symbol":"BTC-USDT","first":3,"count":0,"trades":[]})");
}

TEST(TradeJson, IdsAreEscapedAsJsonStrings) {
  const std::vector<trade> frame = {
      make_trade(venue_id::bybit, "a\"b\\c", "1", "1", taker_side::buy, 1, 2)};
  std::string out;
  encode_venue_trades(out, btc, venue_id::bybit, frame, 1);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  std::string_view id;
  ASSERT_EQ(doc["trades"].at(0)["id"].get(id), simdjson::SUCCESS);
  EXPECT_EQ(id, "a\"b\\c");
}

// What a client does with `first` and `count` when conflation dropped updates in between.
TEST(TradeJson, CounterLetsAClientCountTheTradesItMissed) {
  trade_counter counter;
  EXPECT_EQ(counter.take(3), 1u);  // update A: trades 1-3
  EXPECT_EQ(counter.take(2), 4u);  // update B: 4-5, conflated away for a slow client
  EXPECT_EQ(counter.take(0), 6u);  // an empty frame takes no number
  EXPECT_EQ(counter.take(4), 6u);  // update C: 6-9
  EXPECT_EQ(counter.next(), 10u);
  // The client saw A {first 1, count 3} then C {first 6}: it expected 4, so 2 trades missed.
  const std::uint64_t expected_after_a = 1 + 3;
  EXPECT_EQ(6 - expected_after_a, 2u);
}

}  // namespace
}  // namespace tickerd
