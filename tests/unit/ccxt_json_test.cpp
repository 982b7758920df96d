// The CCXT-format encoders (docs/PROTOCOL.md "CCXT format"): CCXT's unified ticker, trade and
// bid/ask structures, with exact decimal strings.
#include "tickerd/market/ccxt_json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "ticker_json.hpp"

namespace tickerd {
namespace {

using test::dec;

std::string iso(std::int64_t ms) {
  std::string out;
  append_iso8601_ms(out, ms);
  return out;
}

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  return doc;
}

std::string str(simdjson::dom::element e, std::string_view key) {
  std::string_view v;
  if (e[key].get(v) != simdjson::SUCCESS) return "<not a string>";
  return std::string(v);
}

bool is_null(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::element v;
  return e[key].get(v) == simdjson::SUCCESS && v.is_null();
}

TEST(CcxtJson, SymbolAndDatetime) {
  EXPECT_EQ(ccxt_symbol("BTC-USDT"), "BTC/USDT");
  EXPECT_EQ(ccxt_symbol("1INCH-USDC"), "1INCH/USDC");
  EXPECT_EQ(iso(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso(1764061234567), "2025-11-25T09:00:34.567Z");
  EXPECT_EQ(iso(1709164800123), "2024-02-29T00:00:00.123Z");  // leap day
  EXPECT_EQ(iso(951782400000), "2000-02-29T00:00:00.000Z");   // leap century
  EXPECT_EQ(iso(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(iso(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(CcxtJson, TickerHasCcxtsKeysWithExactValues) {
  const tick t = test::make_tick(venue_id::binance, 0,
                                 {{tf_last, "85205.70"},
                                  {tf_open, "86056.10"},
                                  {tf_high, "86800.00"},
                                  {tf_low, "84500.10"},
                                  {tf_volume_base, "12345.67890000"},
                                  {tf_volume_quote, "1051234567.12345600"},
                                  {tf_bid, "85205.60"},
                                  {tf_bid_qty, "0.51200"},
                                  {tf_ask, "85205.70"}},
                                 1764061234567000, 1764061234568123);
  const composite_ticker c = compose(std::span<const tick>(&t, 1));
  std::string out;
  encode_ccxt_ticker(out, "BTC-USDT", c);
  simdjson::dom::parser parser;
  const auto doc = parse(parser, out);
  EXPECT_EQ(str(doc, "symbol"), "BTC/USDT");
  std::int64_t ts = 0;
  ASSERT_EQ(doc["timestamp"].get(ts), simdjson::SUCCESS);
  EXPECT_EQ(ts, 1764061234567);
  EXPECT_EQ(str(doc, "datetime"), "2025-11-25T09:00:34.567Z");
  EXPECT_EQ(str(doc, "last"), "85205.70");
  EXPECT_EQ(str(doc, "close"), "85205.70");
  EXPECT_EQ(str(doc, "open"), "86056.10");
  EXPECT_EQ(str(doc, "high"), "86800.00");
  EXPECT_EQ(str(doc, "low"), "84500.10");
  EXPECT_EQ(str(doc, "bid"), "85205.60");
  EXPECT_EQ(str(doc, "bidVolume"), "0.51200");
  EXPECT_EQ(str(doc, "ask"), "85205.70");
  EXPECT_TRUE(is_null(doc, "askVolume"));  // the venue did not send it
  EXPECT_EQ(str(doc, "change"), "-850.40");
  EXPECT_EQ(str(doc, "percentage"), "-0.99");
  EXPECT_EQ(str(doc, "average"), "85630.90");
  EXPECT_EQ(str(doc, "baseVolume"), "12345.67890000");
  EXPECT_EQ(str(doc, "quoteVolume"), "1051234567.12345600");
  // quoteVolume / baseVolume at the precision of `last`, rounded half away from zero.
  EXPECT_EQ(str(doc, "vwap"), "85150.00");
  EXPECT_TRUE(is_null(doc, "previousClose"));
  // Every key of CCXT's ticker structure is there (null when unknown), in CCXT's order.
  std::vector<std::string> keys;
  simdjson::dom::object obj;
  ASSERT_EQ(doc.get(obj), simdjson::SUCCESS);
  for (auto field : obj) keys.emplace_back(field.key);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "symbol",     "timestamp", "datetime",   "high",          "low",
                      "bid",        "bidVolume", "ask",        "askVolume",     "vwap",
                      "open",       "close",     "last",       "previousClose", "change",
                      "percentage", "average",   "baseVolume", "quoteVolume",   "info"}));
  // `info` is tickerd's own ticker data.
  EXPECT_EQ(str(doc["info"], "symbol"), "BTC-USDT");
  EXPECT_EQ(str(doc["info"], "last"), "85205.70");
  // For ticker.BTC-USDT@binance, `info` is that channel's data.
  out.clear();
  encode_ccxt_ticker(out, "BTC-USDT", c, venue_id::binance);
  const auto venue_doc = parse(parser, out);
  EXPECT_EQ(str(venue_doc["info"], "venue"), "binance");
  EXPECT_EQ(str(venue_doc, "last"), "85205.70");
}

// The publisher's call: `info` copied from the native text already encoded, not encoded again.
TEST(CcxtJson, TickerWithGivenInfoEqualsTheEncodedOne) {
  const tick t = test::make_tick(venue_id::kraken, 0,
                                 {{tf_last, "85205.7"}, {tf_open, "86056.1"}, {tf_ask, "85205.8"}},
                                 1764061234567890, 1764061234568123);
  const composite_ticker c = compose(std::span<const tick>(&t, 1));
  for (const std::optional<venue_id> venue :
       {std::optional<venue_id>{}, std::optional(venue_id::kraken)}) {
    std::string native;
    if (venue) {
      encode_venue_ticker(native, "BTC-USDT", *venue, c);
    } else {
      encode_ticker(native, "BTC-USDT", c);
    }
    std::string encoded;
    encode_ccxt_ticker(encoded, "BTC-USDT", c, venue);
    std::string given;
    encode_ccxt_ticker(given, "BTC-USDT", c, std::string_view(native));
    EXPECT_EQ(given, encoded);
  }
}

TEST(CcxtJson, VwapRoundsAtThePricePrecisionAndNeedsBothVolumes) {
  const auto vwap_of = [](std::string_view last, std::string_view base, std::string_view quote) {
    std::initializer_list<test::field_value> with_quote = {
        {tf_last, last}, {tf_volume_base, base}, {tf_volume_quote, quote}};
    std::initializer_list<test::field_value> without_quote = {{tf_last, last},
                                                              {tf_volume_base, base}};
    const tick t = test::make_tick(venue_id::okx, 0, quote.empty() ? without_quote : with_quote);
    const composite_ticker c = compose(std::span<const tick>(&t, 1));
    std::string out;
    encode_ccxt_ticker(out, "BTC-USDT", c);
    simdjson::dom::parser parser;
    const auto doc = parse(parser, out);
    return is_null(doc, "vwap") ? std::string("null") : str(doc, "vwap");
  };
  EXPECT_EQ(vwap_of("3.00", "3", "10"), "3.33");
  EXPECT_EQ(vwap_of("3.00", "3", "20"), "6.67");
  EXPECT_EQ(vwap_of("3.005", "2.0000", "6.01"), "3.005");
  EXPECT_EQ(vwap_of("1", "3", ""), "null");   // Coinbase and Kraken send no quote volume
  EXPECT_EQ(vwap_of("1", "0", "5"), "null");  // nothing traded
}

TEST(CcxtJson, TickerWithoutVenueTimeHasNullTimestamp) {
  const tick t = test::make_tick(venue_id::kraken, 0, {{tf_last, "1"}}, 0, 5);
  const composite_ticker c = compose(std::span<const tick>(&t, 1));
  std::string out;
  encode_ccxt_ticker(out, "ETH-USD", c);
  simdjson::dom::parser parser;
  const auto doc = parse(parser, out);
  EXPECT_TRUE(is_null(doc, "timestamp"));
  EXPECT_TRUE(is_null(doc, "datetime"));
  EXPECT_TRUE(is_null(doc, "change"));
  EXPECT_TRUE(is_null(doc, "percentage"));
}

TEST(CcxtJson, TradesAreCcxtTradeStructures) {
  trade t;
  t.venue = venue_id::coinbase;
  t.instrument = 0;
  t.price = dec("85205.70");
  t.size = dec("0.00120");
  t.side = taker_side::sell;
  ASSERT_TRUE(trade_id::make("4821035", t.id));
  t.exchange_ts_us = 1764061234567890;
  t.recv_ts_us = 1764061234569000;
  trade u = t;
  u.side = taker_side::unknown;
  u.exchange_ts_us = 0;
  u.id = trade_id{};
  const std::vector<trade> trades = {t, u};
  std::string out;
  encode_ccxt_trades(out, "BTC-USD", trades);
  EXPECT_EQ(out.substr(0, out.find(R"(,"info")")),
            R"([{"id":"4821035","timestamp":1764061234567,"datetime":"2025-11-25T09:00:34.567Z",)"
            R"("symbol":"BTC/USD","order":null,"type":null,"side":"sell","takerOrMaker":"taker",)"
            R"("price":"85205.70","amount":"0.00120","cost":"102.2468400","fee":null,"fees":[])");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parse(parser, out);
  simdjson::dom::array arr;
  ASSERT_EQ(doc.get(arr), simdjson::SUCCESS);
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(str(arr.at(0)["info"], "venue"), "coinbase");
  const auto second = arr.at(1).value();
  EXPECT_TRUE(is_null(second, "id"));
  EXPECT_TRUE(is_null(second, "timestamp"));
  EXPECT_TRUE(is_null(second, "side"));
}

TEST(CcxtJson, BidsAsks) {
  consolidated_bbo m;
  top_of_book q;
  q.venue = venue_id::okx;
  q.bid = dec("85205.5");
  q.bid_size = dec("3");
  q.has_bid = true;
  q.ask = dec("85205.7");
  q.ask_size = dec("0.25");
  q.has_ask = true;
  q.exchange_ts_us = 1764061234567999;
  q.recv_ts_us = 1764061234569000;
  m.on_quote(q);
  std::string out;
  encode_ccxt_bbo(out, "BTC-USDT", m.top());
  EXPECT_EQ(out.substr(0, out.find(R"(,"info")")),
            R"({"symbol":"BTC/USDT","timestamp":1764061234567,)"
            R"("datetime":"2025-11-25T09:00:34.567Z","bid":"85205.5","bidVolume":"3",)"
            R"("ask":"85205.7","askVolume":"0.25")");
  simdjson::dom::parser parser;
  auto doc = parse(parser, out);
  EXPECT_EQ(str(doc["info"], "bid_venue"), "okx");

  std::string venue_out;
  q.has_ask = false;
  encode_ccxt_venue_bbo(venue_out, "BTC-USDT", q, true);
  doc = parse(parser, venue_out);
  EXPECT_EQ(str(doc, "bid"), "85205.5");
  EXPECT_TRUE(is_null(doc, "ask"));
  EXPECT_TRUE(is_null(doc, "askVolume"));
  bool stale = false;
  ASSERT_EQ(doc["info"]["stale"].get(stale), simdjson::SUCCESS);
  EXPECT_TRUE(stale);
}

}  // namespace
}  // namespace tickerd
