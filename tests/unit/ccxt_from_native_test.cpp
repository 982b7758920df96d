// format=ccxt made from the published native data (market/ccxt_from_native): for every kind of
// channel with a CCXT form, reading the native text back gives byte for byte what the CCXT
// encoders write from the structures themselves; anything else is refused, not guessed.
#include "tickerd/market/ccxt_from_native.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ticker_json.hpp"
#include "tickerd/market/ccxt_json.hpp"
#include "tickerd/market/trade_json.hpp"

namespace tickerd {
namespace {

using test::dec;

std::string from_native(channel_kind kind, const std::string& native) {
  simdjson::dom::parser parser;
  std::string out = "kept:";
  EXPECT_TRUE(encode_ccxt_from_native(out, kind, native, parser)) << native;
  return out.substr(5);
}

trade make_trade(venue_id venue, std::string_view price, std::string_view size, taker_side side,
                 std::string_view id, std::int64_t ts_us) {
  trade t;
  t.venue = venue;
  t.instrument = 0;
  t.price = dec(price);
  t.size = dec(size);
  t.side = side;
  if (!id.empty()) {
    EXPECT_TRUE(trade_id::make(id, t.id));
  }
  t.exchange_ts_us = ts_us;
  t.recv_ts_us = 1764061234569000;
  return t;
}

TEST(CcxtFromNative, TickersEqualTheEncodedOnes) {
  const std::vector<tick> ticks{
      test::make_tick(venue_id::binance, 0,
                      {{tf_last, "85205.70"},
                       {tf_open, "86056.10"},
                       {tf_high, "86800.00"},
                       {tf_low, "84500.10"},
                       {tf_volume_base, "12345.67890000"},
                       {tf_volume_quote, "1051234567.12345600"},
                       {tf_bid, "85205.60"},
                       {tf_bid_qty, "0.51200"},
                       {tf_ask, "85205.70"},
                       {tf_ask_qty, "1.5"}},
                      1764061234567000, 1764061234568123),
      test::make_tick(venue_id::okx, 0, {{tf_last, "85210.1"}, {tf_open, "86000"}},
                      1764061234999999, 1764061235000100)};
  const composite_ticker c = compose(std::span<const tick>(ticks));
  ASSERT_TRUE(c.has_change);
  std::string native;
  encode_ticker(native, "BTC-USDT", c);
  std::string direct;
  encode_ccxt_ticker(direct, "BTC-USDT", c);
  EXPECT_EQ(from_native(channel_kind::ticker, native), direct);

  // One venue's, and one with no venue time and few fields (nulls where the native has none).
  const composite_ticker one = compose(std::span<const tick>(ticks.data() + 1, 1));
  native.clear();
  encode_venue_ticker(native, "BTC-USDT", venue_id::okx, one);
  direct.clear();
  encode_ccxt_ticker(direct, "BTC-USDT", one, venue_id::okx);
  EXPECT_EQ(from_native(channel_kind::venue_ticker, native), direct);
  const tick bare = test::make_tick(venue_id::kraken, 0, {{tf_bid, "0.00001234"}}, 0, 1);
  const composite_ticker sparse = compose(std::span<const tick>(&bare, 1));
  native.clear();
  encode_venue_ticker(native, "PEPE-USDT", venue_id::kraken, sparse);
  direct.clear();
  encode_ccxt_ticker(direct, "PEPE-USDT", sparse, venue_id::kraken);
  EXPECT_EQ(from_native(channel_kind::venue_ticker, native), direct);
}

TEST(CcxtFromNative, TradesEqualTheEncodedOnes) {
  const std::vector<trade> binance{
      make_trade(venue_id::binance, "85205.70", "0.00120", taker_side::sell, "4821035",
                 1764061234567890),
      make_trade(venue_id::binance, "85205.71", "2", taker_side::buy, "4821036", 0)};
  std::string native;
  encode_venue_trades(native, "BTC-USDT", venue_id::binance, binance, 17);
  std::string direct;
  encode_ccxt_trades(direct, "BTC-USDT", binance);
  EXPECT_EQ(from_native(channel_kind::venue_trades, native), direct);

  // The tape: each trade names its venue; a UUID id, no side, no id.
  const std::vector<trade> tape{
      binance[0],
      make_trade(venue_id::bybit, "85206", "0.5", taker_side::unknown,
                 "a1b2c3d4-e5f6-4789-abcd-0123456789ab", 1764061234570000),
      make_trade(venue_id::kraken, "85207.1", "0.010", taker_side::buy, "", 1764061234571000)};
  native.clear();
  encode_tape_trades(native, "BTC-USDT", tape, 99);
  direct.clear();
  encode_ccxt_trades(direct, "BTC-USDT", tape);
  EXPECT_EQ(from_native(channel_kind::trades, native), direct);
}

TEST(CcxtFromNative, BboEqualsTheEncodedOnes) {
  top_of_book okx;
  okx.venue = venue_id::okx;
  okx.bid = dec("85205.5");
  okx.bid_size = dec("3");
  okx.has_bid = true;
  okx.ask = dec("85205.9");
  okx.ask_size = dec("0.25");
  okx.has_ask = true;
  okx.exchange_ts_us = 1764061234567999;
  okx.recv_ts_us = 1764061234569000;
  top_of_book binance = okx;
  binance.venue = venue_id::binance;
  binance.bid = dec("85205.6");
  binance.ask = dec("85205.8");
  binance.exchange_ts_us = 1764061234600123;
  consolidated_bbo m;
  m.on_quote(okx);
  m.on_quote(binance);
  std::string native;
  encode_bbo(native, "BTC-USDT", m.top());
  std::string direct;
  encode_ccxt_bbo(direct, "BTC-USDT", m.top());
  EXPECT_EQ(from_native(channel_kind::bbo, native), direct);

  okx.has_ask = false;
  okx.exchange_ts_us = 0;
  native.clear();
  encode_venue_bbo(native, "BTC-USDT", okx, true);
  direct.clear();
  encode_ccxt_venue_bbo(direct, "BTC-USDT", okx, true);
  EXPECT_EQ(from_native(channel_kind::venue_bbo, native), direct);
}

TEST(CcxtFromNative, OtherKindsAndBrokenDataAreRefused) {
  simdjson::dom::parser parser;
  std::string out = "as it was";
  EXPECT_FALSE(encode_ccxt_from_native(out, channel_kind::gas, R"({"base_fee":"1"})", parser));
  EXPECT_FALSE(
      encode_ccxt_from_native(out, channel_kind::candles, R"({"symbol":"BTC-USDT"})", parser));
  EXPECT_FALSE(encode_ccxt_from_native(out, channel_kind::ticker, "not json", parser));
  EXPECT_FALSE(encode_ccxt_from_native(out, channel_kind::ticker, "[1]", parser));
  EXPECT_FALSE(encode_ccxt_from_native(out, channel_kind::ticker, R"({"last":"1"})", parser));
  EXPECT_FALSE(
      encode_ccxt_from_native(out, channel_kind::ticker, R"({"symbol":"X-Y","last":1})", parser));
  // A trade without a price; a venue channel's data without its venue; an unknown venue.
  EXPECT_FALSE(encode_ccxt_from_native(
      out, channel_kind::venue_trades,
      R"({"symbol":"X-Y","venue":"okx","first":1,"count":1,"trades":[{"qty":"1","recv_ts":1}]})",
      parser));
  EXPECT_FALSE(encode_ccxt_from_native(out, channel_kind::venue_trades,
                                       R"({"symbol":"X-Y","first":1,"count":0,"trades":[]})",
                                       parser));
  EXPECT_FALSE(encode_ccxt_from_native(
      out, channel_kind::trades,
      R"({"symbol":"X-Y","first":1,"count":1,"trades":[{"price":"1","qty":"1","venue":"nyse"}]})",
      parser));
  EXPECT_EQ(out, "as it was");
}

}  // namespace
}  // namespace tickerd
