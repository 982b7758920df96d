// The Bybit v5 public spot adapter: documented examples verbatim, partial ticks from the two
// topics, control replies, venue errors, and malformed input.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "feeds/venues/bybit_adapter.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {
namespace {

// "Ticker" (bybit-exchange.github.io/docs/v5/websocket/public/ticker), Spot response example,
// verbatim.
constexpr std::string_view documented_spot_ticker = R"({
    "topic": "tickers.BTCUSDT",
    "ts": 1673853746003,
    "type": "snapshot",
    "cs": 2588407389,
    "data": {
        "symbol": "BTCUSDT",
        "lastPrice": "21109.77",
        "highPrice24h": "21426.99",
        "lowPrice24h": "20575",
        "prevPrice24h": "20704.93",
        "volume24h": "6780.866843",
        "turnover24h": "141946527.22907118",
        "price24hPcnt": "0.0196",
        "usdIndexPrice": "21120.2400136"
    }
})";

// The same page's earlier Spot example (before usdIndexPrice was added), verbatim.
constexpr std::string_view documented_spot_ticker_2022 = R"({
    "topic": "tickers.BTCUSDT",
    "ts": 1672305380595,
    "type": "snapshot",
    "cs": 496622841,
    "data": {
        "symbol": "BTCUSDT",
        "lastPrice": "16363.78",
        "highPrice24h": "16566.64",
        "lowPrice24h": "16009.19",
        "prevPrice24h": "16443.66",
        "volume24h": "5865.470182",
        "turnover24h": "95949815.680875",
        "price24hPcnt": "-0.0049"
    }
})";

// The Linear/Inverse example of the same page, verbatim: the same topic name carries best bid
// and ask there (bid1Price/ask1Price), which the adapter reads as well.
constexpr std::string_view documented_linear_ticker = R"({
    "topic": "tickers.BTCUSDT",
    "type": "snapshot",
    "data": {
        "symbol": "BTCUSDT",
        "tickDirection": "PlusTick",
        "price24hPcnt": "0.017103",
        "lastPrice": "17216.00",
        "prevPrice24h": "16926.50",
        "highPrice24h": "17281.50",
        "lowPrice24h": "16915.00",
        "prevPrice1h": "17238.00",
        "markPrice": "17217.33",
        "indexPrice": "17227.36",
        "openInterest": "68744.761",
        "openInterestValue": "1183601235.91",
        "turnover24h": "1570383121.943499",
        "volume24h": "91705.276",
        "nextFundingTime": "1673280000000",
        "fundingRate": "-0.000212",
        "bid1Price": "17215.50",
        "bid1Size": "84.489",
        "ask1Price": "17216.00",
        "ask1Size": "83.020"
    },
    "cs": 24987956059,
    "ts": 1673272861686
})";

// "Orderbook" (…/websocket/public/orderbook) snapshot example. The page elides levels with
// "...," lines, which are not JSON; those two lines are removed, nothing else is changed.
constexpr std::string_view documented_book_snapshot = R"({
    "topic": "orderbook.50.BTCUSDT",
    "type": "snapshot",
    "ts": 1672304484978,
    "data": {
        "s": "BTCUSDT",
        "b": [
            [
                "16493.50",
                "0.006"
            ],
            [
                "16493.00",
                "0.100"
            ]
        ],
        "a": [
            [
                "16611.00",
                "0.029"
            ],
            [
                "16612.00",
                "0.213"
            ]
        ],
    "u": 18521288,
    "seq": 7961638724
    },
    "cts": 1672304484976
})";

// Replies documented on "Connect" (…/docs/v5/ws/connect), verbatim.
constexpr std::string_view documented_pong_spot = R"({
    "success": true,
    "ret_msg": "pong",
    "conn_id": "0970e817-426e-429a-a679-ff7f55e0b16a",
    "op": "ping"
})";
constexpr std::string_view documented_pong_linear = R"({
    "success": true,
    "ret_msg": "pong",
    "conn_id": "465772b1-7630-4fdc-a492-e003e6f0f260",
    "req_id": "",
    "op": "ping"
})";
constexpr std::string_view documented_pong_option = R"({
    "args": [
        "1672916271846"
    ],
    "op": "pong"
})";
constexpr std::string_view documented_pong_private = R"({
    "req_id": "test",
    "op": "pong",
    "args": [
        "1675418560633"
    ],
    "conn_id": "cfcb4ocsvfriu23r3er0-1b"
})";
constexpr std::string_view documented_subscribe_private = R"({
    "success": true,
    "ret_msg": "",
    "op": "subscribe",
    "conn_id": "cejreassvfrsfvb9v1a0-2m"
})";
constexpr std::string_view documented_subscribe_spot = R"({
    "success": true,
    "ret_msg": "subscribe",
    "conn_id": "2324d924-aa4d-45b0-a858-7b8be29ab52b",
    "req_id": "10001",
    "op": "subscribe"
})";
constexpr std::string_view documented_subscribe_linear = R"({
    "success": true,
    "ret_msg": "",
    "conn_id": "3cd84cb1-4d06-4a05-930a-2efe5fc70f0f",
    "req_id": "",
    "op": "subscribe"
})";
constexpr std::string_view documented_subscribe_option = R"({
    "success": true,
    "conn_id": "aa01fbfffe80af37-00000001-000b37b9-7147f432704fd28c-00e1c172",
    "data": {
        "failTopics": [],
        "successTopics": [
            "orderbook.100.BTC-6JAN23-18000-C"
        ]
    },
    "type": "COMMAND_RESP"
})";
constexpr std::string_view documented_auth_reply = R"({
    "success": true,
    "ret_msg": "",
    "op": "auth",
    "conn_id": "cejreaspqfh3sjdnldmg-p"
})";

constexpr instrument_id btc_id = 0;
constexpr instrument_id eth_id = 1;
constexpr std::int64_t recv_ts = 1764061234001234;

using field_list = std::vector<std::pair<std::string, std::string>>;  // key, raw JSON value

field_list btc_ticker_data() {
  return {
      {"symbol", R"("BTCUSDT")"},
      {"lastPrice", R"("85205.7")"},
      {"highPrice24h", R"("86500")"},
      {"lowPrice24h", R"("84500.1")"},
      {"prevPrice24h", R"("86056.1")"},
      {"volume24h", R"("12345.678901")"},
      {"turnover24h", R"("1057654321.1234567")"},
      {"price24hPcnt", R"("-0.0099")"},
      {"usdIndexPrice", R"("85210.1234567")"},
  };
}

field_list btc_book_data() {
  return {
      {"s", R"("BTCUSDT")"},
      {"b", R"([["85205.69","1.234567"]])"},
      {"a", R"([["85205.70","0.5"]])"},
      {"u", "18521288"},
      {"seq", "7961638724"},
  };
}

std::string object_of(const field_list& fields) {
  std::string s = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) s += ',';
    s += '"' + fields[i].first + "\":" + fields[i].second;
  }
  return s + "}";
}

field_list without(field_list f, std::string_view key) {
  f.erase(std::remove_if(f.begin(), f.end(), [&](const auto& kv) { return kv.first == key; }),
          f.end());
  return f;
}

field_list with(field_list f, std::string_view key, std::string value) {
  bool found = false;
  for (auto& kv : f) {
    if (kv.first == key) {
      kv.second = value;
      found = true;
    }
  }
  if (!found) f.emplace_back(std::string(key), std::move(value));
  return f;
}

// The envelope of a spot ticker, field by field (in Bybit's order: topic, ts, type, cs, data).
field_list ticker_frame(const field_list& data, std::string topic = "tickers.BTCUSDT") {
  return {{"topic", '"' + topic + '"'},
          {"ts", "1764061234000"},
          {"type", R"("snapshot")"},
          {"cs", "2588407389"},
          {"data", object_of(data)}};
}

field_list book_frame(const field_list& data, std::string topic = "orderbook.1.BTCUSDT") {
  return {{"topic", '"' + topic + '"'},
          {"ts", "1764061234000"},
          {"type", R"("snapshot")"},
          {"data", object_of(data)},
          {"cts", "1764061233998"}};
}

symbol_map test_symbols() {
  symbol_map m;
  m.add("BTCUSDT", btc_id);
  m.add("ETHUSDT", eth_id);
  return m;
}

class BybitAdapter : public ::testing::Test {
 protected:
  parse_result parse(std::string_view frame) {
    out_.clear();
    return adapter_.parse(frame, recv_ts, out_);
  }
  feed_errc error_of(std::string_view frame) {
    const parse_result r = parse(frame);
    EXPECT_TRUE(out_.empty()) << frame;
    EXPECT_EQ(r.unknown_symbols, 0u) << frame;
    return r.error;
  }
  const tick& only_tick(std::string_view frame) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::ok) << to_string(r.error) << " for " << frame;
    EXPECT_EQ(r.kind, frame_kind::data);
    EXPECT_EQ(r.unknown_symbols, 0u);
    EXPECT_EQ(r.gaps, 0u);
    EXPECT_EQ(out_.size(), 1u) << frame;
    if (out_.empty()) out_.emplace_back();  // keep the reference valid; the test has failed
    return out_.front();
  }
  // A frame that is well-formed and ours but publishes nothing.
  void expect_nothing(std::string_view frame, frame_kind kind = frame_kind::data) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::ok) << to_string(r.error) << " for " << frame;
    EXPECT_EQ(r.kind, kind) << frame;
    EXPECT_EQ(r.unknown_symbols, 0u) << frame;
    EXPECT_TRUE(out_.empty()) << frame;
  }

  static std::string str(decimal d) { return d.to_string(); }

  static void expect_btc_ticker(const tick& t) {
    EXPECT_EQ(t.venue, venue_id::bybit);
    EXPECT_EQ(t.instrument, btc_id);
    EXPECT_EQ(t.exchange_ts_us, 1764061234000000);
    EXPECT_EQ(t.recv_ts_us, recv_ts);
    EXPECT_EQ(t.fields, ticker_fields);
    EXPECT_EQ(str(t.last), "85205.7");
    EXPECT_EQ(str(t.open_24h), "86056.1");
    EXPECT_EQ(str(t.high_24h), "86500");
    EXPECT_EQ(str(t.low_24h), "84500.1");
    EXPECT_EQ(str(t.volume_base), "12345.678901");
    EXPECT_EQ(str(t.volume_quote), "1057654321.1234567");
    EXPECT_EQ(str(t.venue_change_pct), "-0.99");
  }

  static void expect_btc_book(const tick& t) {
    EXPECT_EQ(t.venue, venue_id::bybit);
    EXPECT_EQ(t.instrument, btc_id);
    EXPECT_EQ(t.exchange_ts_us, 1764061234000000);
    EXPECT_EQ(t.recv_ts_us, recv_ts);
    EXPECT_EQ(t.fields, book_fields);
    EXPECT_EQ(str(t.bid), "85205.69");
    EXPECT_EQ(str(t.bid_qty), "1.234567");
    EXPECT_EQ(str(t.ask), "85205.70");
    EXPECT_EQ(str(t.ask_qty), "0.5");
  }

  static constexpr std::uint16_t ticker_fields =
      tf_last | tf_open | tf_high | tf_low | tf_volume_base | tf_volume_quote | tf_change_pct;
  static constexpr std::uint16_t book_fields = tf_bid | tf_bid_qty | tf_ask | tf_ask_qty;

  symbol_map symbols_ = test_symbols();
  bybit_adapter adapter_{symbols_};
  std::vector<tick> out_;
};

TEST_F(BybitAdapter, DocumentedSpotTickerVerbatim) {
  const tick& t = only_tick(documented_spot_ticker);
  EXPECT_EQ(t.venue, venue_id::bybit);
  EXPECT_EQ(t.instrument, btc_id);
  EXPECT_EQ(t.exchange_ts_us, 1673853746003000);
  EXPECT_EQ(t.recv_ts_us, recv_ts);
  EXPECT_EQ(t.fields, ticker_fields);  // no bid/ask: the spot ticker has none
  // Exact values with the venue's own precision ("20575" has none).
  EXPECT_TRUE(t.last.identical(decimal(2110977, 2)));
  EXPECT_TRUE(t.high_24h.identical(decimal(2142699, 2)));
  EXPECT_TRUE(t.low_24h.identical(decimal(20575, 0)));
  EXPECT_TRUE(t.open_24h.identical(decimal(2070493, 2)));
  EXPECT_TRUE(t.volume_base.identical(decimal(6780866843, 6)));
  EXPECT_TRUE(t.volume_quote.identical(decimal(14194652722907118, 8)));
  // price24hPcnt is a fraction: "0.0196" is 1.96 %, the same digits with the point moved.
  EXPECT_TRUE(t.venue_change_pct.identical(decimal(196, 2)));
  EXPECT_EQ(str(t.venue_change_pct), "1.96");
}

TEST_F(BybitAdapter, DocumentedSpotTicker2022Verbatim) {
  const tick& t = only_tick(documented_spot_ticker_2022);
  EXPECT_EQ(t.exchange_ts_us, 1672305380595000);
  EXPECT_EQ(t.fields, ticker_fields);
  EXPECT_EQ(str(t.last), "16363.78");
  EXPECT_EQ(str(t.open_24h), "16443.66");
  EXPECT_EQ(str(t.low_24h), "16009.19");
  EXPECT_EQ(str(t.volume_quote), "95949815.680875");
  EXPECT_EQ(str(t.venue_change_pct), "-0.49");
}

TEST_F(BybitAdapter, DocumentedLinearTickerVerbatim) {
  const tick& t = only_tick(documented_linear_ticker);
  EXPECT_EQ(t.exchange_ts_us, 1673272861686000);  // "ts" after "data"
  EXPECT_EQ(t.fields, ticker_fields | tf_bid | tf_bid_qty | tf_ask | tf_ask_qty);
  EXPECT_EQ(str(t.last), "17216.00");
  EXPECT_EQ(str(t.open_24h), "16926.50");
  EXPECT_EQ(str(t.bid), "17215.50");
  EXPECT_EQ(str(t.bid_qty), "84.489");
  EXPECT_EQ(str(t.ask), "17216.00");
  EXPECT_EQ(str(t.ask_qty), "83.020");
  EXPECT_EQ(str(t.venue_change_pct), "1.7103");  // "0.017103"
}

TEST_F(BybitAdapter, DocumentedOrderbookExample) {
  // The page's example is depth 50, which tickerd never subscribes to.
  EXPECT_EQ(error_of(documented_book_snapshot), feed_errc::unexpected_shape);
  // The same message on the depth-1 topic: the first bid and ask are the best ones.
  std::string level1(documented_book_snapshot);
  level1.replace(level1.find("orderbook.50."), 13, "orderbook.1.");
  const tick& t = only_tick(level1);
  EXPECT_EQ(t.instrument, btc_id);
  EXPECT_EQ(t.exchange_ts_us, 1672304484978000);  // "ts", not the matching engine's "cts"
  EXPECT_EQ(t.fields, book_fields);
  EXPECT_TRUE(t.bid.identical(decimal(1649350, 2)));
  EXPECT_TRUE(t.bid_qty.identical(decimal(6, 3)));
  EXPECT_TRUE(t.ask.identical(decimal(1661100, 2)));
  EXPECT_TRUE(t.ask_qty.identical(decimal(29, 3)));
}

TEST_F(BybitAdapter, DocumentedOrderbookDeltaExample) {
  // The page's delta example, verbatim (depth 50: not a topic tickerd reads).
  const std::string delta = R"({
    "topic": "orderbook.50.BTCUSDT",
    "type": "delta",
    "ts": 1687940967466,
    "data": {
        "s": "BTCUSDT",
        "b": [
            [
                "30247.20",
                "30.028"
            ],
            [
                "30245.40",
                "0.224"
            ],
            [
                "30242.10",
                "1.593"
            ],
            [
                "30240.30",
                "1.305"
            ],
            [
                "30240.00",
                "0"
            ]
        ],
        "a": [
            [
                "30248.70",
                "0"
            ],
            [
                "30249.30",
                "0.892"
            ],
            [
                "30249.50",
                "1.778"
            ],
            [
                "30249.60",
                "0"
            ],
            [
                "30251.90",
                "2.947"
            ],
            [
                "30252.20",
                "0.659"
            ],
            [
                "30252.50",
                "4.591"
            ]
        ],
        "u": 177400507,
        "seq": 66544703342
    },
    "cts": 1687940967464
})";
  EXPECT_EQ(error_of(delta), feed_errc::unexpected_shape);
  // On the depth-1 topic, the first entry of each side is read: a bid of 30.028 at 30247.20,
  // and an ask of size 0 at 30248.70, a level that went away, which leaves the ask unknown.
  std::string level1 = delta;
  level1.replace(level1.find("orderbook.50."), 13, "orderbook.1.");
  const tick& t = only_tick(level1);
  EXPECT_EQ(t.exchange_ts_us, 1687940967466000);
  EXPECT_EQ(t.fields, tf_bid | tf_bid_qty);
  EXPECT_EQ(str(t.bid), "30247.20");
  EXPECT_EQ(str(t.bid_qty), "30.028");
}

TEST_F(BybitAdapter, TickerAndBookArePartialTicks) {
  const tick& ticker = only_tick(object_of(ticker_frame(btc_ticker_data())));
  expect_btc_ticker(ticker);
  EXPECT_FALSE(ticker.has(tf_bid));
  const tick& book = only_tick(object_of(book_frame(btc_book_data())));
  expect_btc_book(book);
  EXPECT_FALSE(book.has(tf_last));
}

TEST_F(BybitAdapter, FieldOrderDoesNotMatter) {
  field_list data = btc_ticker_data();
  field_list frame = ticker_frame(data);
  std::mt19937 rng(20240601);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(data.begin(), data.end(), rng);
    frame = with(frame, "data", object_of(data));
    std::shuffle(frame.begin(), frame.end(), rng);
    expect_btc_ticker(only_tick(object_of(frame)));
  }
  field_list bdata = btc_book_data();
  field_list bframe = book_frame(bdata);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(bdata.begin(), bdata.end(), rng);
    bframe = with(bframe, "data", object_of(bdata));
    std::shuffle(bframe.begin(), bframe.end(), rng);
    expect_btc_book(only_tick(object_of(bframe)));
  }
}

TEST_F(BybitAdapter, UnknownFieldsAreIgnored) {
  field_list data = btc_ticker_data();
  data.insert(data.begin() + 2, {"zz", R"({"nested":[1,2,{"a":"b"}],"x":null})"});
  data.push_back({"markPrice", R"("not a number")"});  // not read
  data.push_back({"", "1"});
  data.push_back({"\\u006castPrice", R"("garbage")"});  // an escaped "lastPrice" is not it
  data.push_back({"u", "true"});
  field_list frame = ticker_frame(data);
  frame.push_back({"id", R"("tickers.BTCUSDT-1-2")"});
  frame.push_back({"extra", "[1,2,{\"topic\":\"x\"}]"});
  expect_btc_ticker(only_tick(object_of(frame)));
  // Ticker keys on a book topic and book keys on a ticker topic say nothing.
  field_list mixed = btc_book_data();
  mixed.push_back({"lastPrice", R"("1")"});
  expect_btc_book(only_tick(object_of(book_frame(mixed))));
  field_list mixed_ticker = btc_ticker_data();
  mixed_ticker.push_back({"b", R"([["1","1"]])"});
  expect_btc_ticker(only_tick(object_of(ticker_frame(mixed_ticker))));
}

TEST_F(BybitAdapter, OtherConfiguredSymbol) {
  const tick& t = only_tick(object_of(
      ticker_frame(with(btc_ticker_data(), "symbol", R"("ETHUSDT")"), "tickers.ETHUSDT")));
  EXPECT_EQ(t.instrument, eth_id);
  const tick& b = only_tick(
      object_of(book_frame(with(btc_book_data(), "s", R"("ETHUSDT")"), "orderbook.1.ETHUSDT")));
  EXPECT_EQ(b.instrument, eth_id);
}

TEST_F(BybitAdapter, UnknownSymbolIsCountedNotPublished) {
  for (const std::string& frame :
       {object_of(
            ticker_frame(with(btc_ticker_data(), "symbol", R"("DOGEUSDT")"), "tickers.DOGEUSDT")),
        object_of(book_frame(with(btc_book_data(), "s", R"("DOGEUSDT")"), "orderbook.1.DOGEUSDT")),
        // Symbols are matched as Bybit spells them: upper case.
        object_of(
            ticker_frame(with(btc_ticker_data(), "symbol", R"("btcusdt")"), "tickers.btcusdt"))}) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::ok) << frame;
    EXPECT_EQ(r.kind, frame_kind::data);
    EXPECT_EQ(r.unknown_symbols, 1u) << frame;
    EXPECT_TRUE(out_.empty());
  }
}

TEST_F(BybitAdapter, SymbolComesFromTheTopicWhenTheDataOmitsIt) {
  expect_btc_ticker(only_tick(object_of(ticker_frame(without(btc_ticker_data(), "symbol")))));
  expect_btc_book(only_tick(object_of(book_frame(without(btc_book_data(), "s")))));
  expect_btc_ticker(only_tick(object_of(ticker_frame(with(btc_ticker_data(), "symbol", "null")))));
  // But topic and data must agree.
  EXPECT_EQ(error_of(object_of(ticker_frame(btc_ticker_data(), "tickers.ETHUSDT"))),
            feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(object_of(book_frame(btc_book_data(), "orderbook.1.ETHUSDT"))),
            feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(object_of(ticker_frame(without(btc_ticker_data(), "symbol"), "tickers."))),
            feed_errc::unexpected_shape);
}

TEST_F(BybitAdapter, MissingEmptyOrNullValuesLeaveFieldsUnset) {
  {
    const tick& t = only_tick(object_of(
        ticker_frame(with(with(without(btc_ticker_data(), "lowPrice24h"), "prevPrice24h", "null"),
                          "price24hPcnt", R"("")"))));
    EXPECT_FALSE(t.has(tf_low));
    EXPECT_FALSE(t.has(tf_open));
    EXPECT_FALSE(t.has(tf_change_pct));
    EXPECT_TRUE(t.has(tf_last));
    EXPECT_TRUE(t.has(tf_high));
  }
  {
    // A delta that only moves the last price (linear tickers send such deltas).
    field_list frame = ticker_frame({{"symbol", R"("BTCUSDT")"}, {"lastPrice", R"("1.5")"}});
    frame = with(frame, "type", R"("delta")");
    const tick& t = only_tick(object_of(frame));
    EXPECT_EQ(t.fields, tf_last);
    EXPECT_TRUE(t.last.identical(decimal(15, 1)));
  }
  // Nothing we publish: no tick, not an error.
  expect_nothing(object_of(ticker_frame({{"symbol", R"("BTCUSDT")"}})));
  expect_nothing(object_of(ticker_frame({{"symbol", R"("BTCUSDT")"}, {"lastPrice", R"("")"}})));
  expect_nothing(object_of(ticker_frame({{"symbol", R"("BTCUSDT")"}, {"usdIndexPrice", R"("")"}})));
}

TEST_F(BybitAdapter, BookSides) {
  {
    // An empty side is no change: only the other side is set.
    const tick& t = only_tick(object_of(book_frame(with(btc_book_data(), "a", "[]"))));
    EXPECT_EQ(t.fields, tf_bid | tf_bid_qty);
    EXPECT_EQ(str(t.bid), "85205.69");
  }
  {
    const tick& t = only_tick(object_of(book_frame(without(btc_book_data(), "b"))));
    EXPECT_EQ(t.fields, tf_ask | tf_ask_qty);
  }
  {
    // A level of size 0 went away; the new best is unknown, so that side is not set.
    const tick& t =
        only_tick(object_of(book_frame(with(btc_book_data(), "b", R"([["85205.69","0"]])"))));
    EXPECT_EQ(t.fields, tf_ask | tf_ask_qty);
  }
  {
    // Deeper levels (depth 1 has none) and a third element (RPI books) are not read.
    const tick& t = only_tick(object_of(book_frame(
        with(btc_book_data(), "b",
             R"([["85205.69","1.234567","0.5"],["85205.68","9"],["x"],[1,2],"junk"])"))));
    expect_btc_book(t);
  }
  {
    // A delta on the depth-1 topic reads the same way.
    const tick& t = only_tick(object_of(with(book_frame(btc_book_data()), "type", R"("delta")")));
    expect_btc_book(t);
  }
  expect_nothing(object_of(book_frame(with(with(btc_book_data(), "a", "[]"), "b", "[]"))));
  expect_nothing(object_of(book_frame(with(with(btc_book_data(), "a", "null"), "b", "[]"))));
}

TEST_F(BybitAdapter, MissingRequiredFields) {
  for (std::string_view key : {"topic", "ts", "data"}) {
    EXPECT_EQ(error_of(object_of(without(ticker_frame(btc_ticker_data()), key))),
              feed_errc::unexpected_shape)
        << key;
    EXPECT_EQ(error_of(object_of(with(ticker_frame(btc_ticker_data()), key, "null"))),
              feed_errc::unexpected_shape)
        << key;
    EXPECT_EQ(error_of(object_of(without(book_frame(btc_book_data()), key))),
              feed_errc::unexpected_shape)
        << key;
  }
  // "type" is optional (every documented message has one, but it changes nothing here).
  expect_btc_ticker(only_tick(object_of(without(ticker_frame(btc_ticker_data()), "type"))));
  EXPECT_EQ(error_of("{}"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"ret_msg":"pong","conn_id":"x"})"), feed_errc::unexpected_shape);
}

TEST_F(BybitAdapter, WrongTypes) {
  const std::pair<std::string_view, std::string_view> ticker_cases[] = {
      {"lastPrice", "85205.7"},  // number where a string is expected
      {"lastPrice", "85205"},          {"prevPrice24h", "true"},        {"volume24h", R"(["1"])"},
      {"turnover24h", R"({"v":"1"})"}, {"price24hPcnt", "0.0196"},      {"symbol", "1"},
      {"symbol", R"(["BTCUSDT"])"},    {"symbol", R"("BTC\u0055SDT")"},  // escaped: cannot be a
                                                                         // Bybit symbol
  };
  for (const auto& [key, value] : ticker_cases) {
    EXPECT_EQ(error_of(object_of(ticker_frame(with(btc_ticker_data(), key, std::string(value))))),
              feed_errc::unexpected_shape)
        << key << "=" << value;
  }
  const std::pair<std::string_view, std::string_view> book_cases[] = {
      {"b", R"("85205.69")"},
      {"b", R"({"p":"1"})"},
      {"b", R"([["85205.69"]])"},  // a price without a size
      {"b", R"([[]])"},
      {"b", R"([["85205.69",1.2]])"},
      {"a", R"([[85205.70,"0.5"]])"},
      {"a", R"(["85205.70","0.5"])"},  // not nested
      {"a", R"([null])"},
      {"s", "7"},
  };
  for (const auto& [key, value] : book_cases) {
    EXPECT_EQ(error_of(object_of(book_frame(with(btc_book_data(), key, std::string(value))))),
              feed_errc::unexpected_shape)
        << key << "=" << value;
  }
  const std::pair<std::string_view, std::string_view> envelope_cases[] = {
      {"ts", "1.5"},
      {"ts", "-1.5e3"},
      {"ts", "99999999999999999999"},  // does not fit int64
      {"ts", R"("17640612340x")"},
      {"ts", R"("")"},
      {"ts", R"("-1")"},
      {"ts", "true"},
      {"topic", "1"},
      {"topic", R"("publicTrade.BTCUSDT")"},  // a topic tickerd does not subscribe to
      {"topic", R"("orderbook.50.BTCUSDT")"},
      {"topic", R"("tickers")"},
      {"type", R"("COMMAND_RESP")"},
      {"type", "1"},
      {"data", R"([{"symbol":"BTCUSDT","lastPrice":"1"}])"},
      {"data", R"("x")"},
      {"success", R"("true")"},
      {"success", "1"},
      {"op", "1"},
  };
  for (const auto& [key, value] : envelope_cases) {
    EXPECT_EQ(error_of(object_of(with(ticker_frame(btc_ticker_data()), key, std::string(value)))),
              feed_errc::unexpected_shape)
        << key << "=" << value;
  }
  EXPECT_EQ(error_of("[" + object_of(ticker_frame(btc_ticker_data())) + "]"),
            feed_errc::unexpected_shape);
  for (std::string_view scalar : {"42", "-1", "\"text\"", "true", "false", "null", "[]"}) {
    EXPECT_EQ(error_of(scalar), feed_errc::unexpected_shape) << scalar;
  }
}

TEST_F(BybitAdapter, TimestampAsDigitString) {
  // The orderbook page's reminder quotes "ts" as a string; read it exactly.
  const tick& t =
      only_tick(object_of(with(ticker_frame(btc_ticker_data()), "ts", R"("1772694601512")")));
  EXPECT_EQ(t.exchange_ts_us, 1772694601512000);
}

TEST_F(BybitAdapter, BadNumbers) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"lastPrice", R"("abc")"},
      {"lastPrice", R"("1,5")"},
      {"lastPrice", R"(" 1.5")"},
      {"lastPrice", R"("NaN")"},
      {"highPrice24h", R"("100000000000000000000000000000000000000")"},  // 39 digits
      {"lowPrice24h", R"("-99999999999999999999999999999999999999.9")"},
      {"volume24h", R"("1e-31")"},  // beyond 30 fraction digits
      {"turnover24h", R"("0.0000000000000000000000000000001")"},
      {"prevPrice24h", R"("1.5\u0030")"},  // escapes never appear in a price
      {"price24hPcnt", R"("-")"},
      // A fraction whose percent does not fit: 38 digits * 100.
      {"price24hPcnt", R"("99999999999999999999999999999999999999")"},
  };
  for (const auto& [key, value] : cases) {
    EXPECT_EQ(error_of(object_of(ticker_frame(with(btc_ticker_data(), key, std::string(value))))),
              feed_errc::bad_number)
        << key << "=" << value;
  }
  for (std::string_view level : {R"([["abc","1"]])", R"([["1","-"]])", R"([["1.5\u0030","1"]])",
                                 R"([["100000000000000000000000000000000000000","1"]])"}) {
    EXPECT_EQ(error_of(object_of(book_frame(with(btc_book_data(), "b", std::string(level))))),
              feed_errc::bad_number)
        << level;
  }
}

TEST_F(BybitAdapter, PercentIsTheFractionScaleShiftedExactly) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"0.0196", "1.96"},
      {"-0.0049", "-0.49"},
      {"0.017103", "1.7103"},
      {"0", "0"},
      {"1", "100"},
      {"-1.5", "-150"},
      {"0.01", "1"},
      {"0.10", "10"},
      {"0.5", "50"},
      {"2.5e-3", "0.25"},
      {"-0.000001", "-0.0001"},
      {"0.123456789012345678", "12.3456789012345678"},
      {"92233720368547758.07", "9223372036854775807"},
      {"922337203685477580.8", "92233720368547758080"},  // beyond int64
      {"999999999999999999999999999999999999", "99999999999999999999999999999999999900"},
  };
  for (const auto& [fraction, percent] : cases) {
    const tick& t = only_tick(object_of(
        ticker_frame(with(btc_ticker_data(), "price24hPcnt", '"' + std::string(fraction) + '"'))));
    EXPECT_EQ(str(t.venue_change_pct), percent) << fraction;
  }
}

TEST_F(BybitAdapter, HugeButValidValues) {
  const tick& t = only_tick(
      object_of(with(ticker_frame(with(with(btc_ticker_data(), "lastPrice",
                                            R"("99999999999999999999999999999999999999")"),
                                       "volume24h", R"("0.000000000000000000000000000001")")),
                     "ts", "9223372036854775")));
  EXPECT_EQ(str(t.last), "99999999999999999999999999999999999999");
  EXPECT_TRUE(t.volume_base.identical(decimal(1, 30)));
  EXPECT_EQ(t.exchange_ts_us, 9223372036854775000);  // the largest ms that fits in µs
}

// Issue 11: SHIB/PEPE-sized 24 h volumes and turnovers beyond int64, prices of 10^-8 and below.
TEST_F(BybitAdapter, RealWorldExtremes) {
  field_list d = btc_ticker_data();
  d = with(d, "symbol", R"("BTCUSDT")");
  d = with(d, "lastPrice", R"("0.000000001234")");
  d = with(d, "lowPrice24h", R"("0.00000001")");
  d = with(d, "volume24h", R"("98765432109876543.123456")");
  d = with(d, "turnover24h", R"("345678901234.1234567")");
  d = with(d, "price24hPcnt", R"("0.00000001")");
  const tick& t = only_tick(object_of(ticker_frame(d)));
  EXPECT_EQ(str(t.last), "0.000000001234");
  EXPECT_EQ(str(t.low_24h), "0.00000001");
  EXPECT_EQ(str(t.volume_base), "98765432109876543.123456");
  EXPECT_EQ(str(t.volume_quote), "345678901234.1234567");
  EXPECT_EQ(str(t.venue_change_pct), "0.000001");

  const tick& b = only_tick(object_of(book_frame(
      with(btc_book_data(), "b", R"([["0.000000001234","98765432109876543210.12345678"]])"))));
  EXPECT_EQ(str(b.bid), "0.000000001234");
  EXPECT_EQ(str(b.bid_qty), "98765432109876543210.12345678");
}

TEST_F(BybitAdapter, NotJson) {
  EXPECT_EQ(error_of(""), feed_errc::invalid_json);
  EXPECT_EQ(error_of("   \n"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("pong"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_spot_ticker) + " x"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_spot_ticker) + "}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_spot_ticker) + std::string(documented_spot_ticker)),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"topic":"tickers.BTCUSDT" "ts":1})"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"topic":"tickers.BTCUSDT","ts":12x,"data":{}})"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"success":tru,"op":"ping"})"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{\"topic\":\"tickers.BTC\xff\xfe\",\"ts\":1,\"data\":{}}"),
            feed_errc::invalid_json);
  // Trailing whitespace is fine.
  only_tick(std::string(documented_spot_ticker) + " \r\n\t ");
}

TEST_F(BybitAdapter, EveryTruncationIsRejected) {
  const std::string frames[] = {std::string(documented_spot_ticker),
                                object_of(book_frame(btc_book_data())),
                                std::string(documented_subscribe_spot)};
  for (const std::string& full : frames) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      const std::string_view cut(full.data(), n);
      EXPECT_EQ(error_of(cut), feed_errc::invalid_json) << "prefix of " << n << " bytes: " << cut;
    }
    EXPECT_EQ(parse(full).error, feed_errc::ok);  // and the whole still parses afterwards
  }
}

TEST_F(BybitAdapter, DocumentedControlMessages) {
  for (std::string_view frame :
       {documented_pong_spot, documented_pong_linear, documented_pong_option,
        documented_pong_private, documented_subscribe_private, documented_subscribe_spot,
        documented_subscribe_linear, documented_subscribe_option, documented_auth_reply}) {
    expect_nothing(frame, frame_kind::control);
  }
  // Compact forms as the sim sends them, and an unsubscribe reply.
  for (std::string_view frame :
       {R"({"success":true,"ret_msg":"pong","conn_id":"abc","op":"ping"})",
        R"({"success":true,"ret_msg":"subscribe","conn_id":"abc","op":"subscribe"})",
        R"({"success":true,"ret_msg":"","conn_id":"abc","req_id":"","op":"unsubscribe"})"}) {
    expect_nothing(frame, frame_kind::control);
  }
}

TEST_F(BybitAdapter, VenueErrors) {
  for (
      std::string_view frame :
      {R"({"success":false,"ret_msg":"Invalid symbol :[tickers.NOPEUSDT]","conn_id":"x","req_id":"","op":"subscribe"})",
       R"({"success":false,"ret_msg":"args size \u003e10","conn_id":"x","op":"subscribe"})",
       R"({"success":false,"ret_msg":"error:already subscribed,topic:tickers.BTCUSDT","op":"subscribe"})",
       R"({"success":false,"ret_msg":"Param error","conn_id":"x","op":"ping"})",
       R"({"success":false,"conn_id":"x","data":{"failTopics":["orderbook.1.X"],"successTopics":[]},"type":"COMMAND_RESP"})"}) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::venue_error) << frame;
    EXPECT_EQ(r.kind, frame_kind::control) << frame;
    EXPECT_TRUE(out_.empty());
  }
}

TEST_F(BybitAdapter, FrameSizeCap) {
  std::string big = object_of(ticker_frame(btc_ticker_data()));
  big.resize(bybit_adapter::max_frame_bytes, ' ');  // trailing whitespace: still valid
  expect_btc_ticker(only_tick(big));
  big.push_back(' ');
  EXPECT_EQ(error_of(big), feed_errc::too_large);
  expect_btc_ticker(only_tick(object_of(ticker_frame(btc_ticker_data()))));
}

TEST_F(BybitAdapter, LargeFramesGrowTheBuffer) {
  field_list data = btc_ticker_data();
  data.push_back({"junk", "[" + std::string(200'000, '1') + "]"});
  expect_btc_ticker(only_tick(object_of(ticker_frame(data))));
  expect_btc_ticker(only_tick(object_of(ticker_frame(btc_ticker_data()))));
}

TEST_F(BybitAdapter, AppendsAndReusesAcrossFrames) {
  std::vector<tick> out(1);
  out[0].exchange_ts_us = -5;
  const std::string ticker = object_of(ticker_frame(btc_ticker_data()));
  const std::string book = object_of(book_frame(btc_book_data()));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(adapter_.parse(ticker, recv_ts + i, out).error, feed_errc::ok);
    EXPECT_NE(adapter_.parse("{\"topic\":", recv_ts, out).error, feed_errc::ok);
    EXPECT_EQ(adapter_.parse(book, recv_ts, out).error, feed_errc::ok);
    EXPECT_EQ(adapter_.parse(documented_pong_spot, recv_ts, out).kind, frame_kind::control);
  }
  ASSERT_EQ(out.size(), 201u);
  EXPECT_EQ(out[0].exchange_ts_us, -5);  // what was there is left alone
  EXPECT_EQ(out[1].recv_ts_us, recv_ts);
  EXPECT_TRUE(out[1].has(tf_last));
  EXPECT_TRUE(out[2].has(tf_bid));
  EXPECT_FALSE(out[2].has(tf_last));
  EXPECT_EQ(out[199].recv_ts_us, recv_ts + 99);
}

TEST_F(BybitAdapter, AddressingSubscribeAndKeepalive) {
  EXPECT_EQ(adapter_.venue(), venue_id::bybit);
  EXPECT_EQ(adapter_.target("/v5/public/spot"), "/v5/public/spot");
  EXPECT_EQ(adapter_.target(""), "/v5/public/spot");
  EXPECT_EQ(adapter_.target("/bybit/v5/public/spot"), "/bybit/v5/public/spot");
  EXPECT_EQ(adapter_.subscribe_messages(),
            std::vector<std::string>{
                R"({"op":"subscribe","args":["tickers.BTCUSDT","orderbook.1.BTCUSDT",)"
                R"("tickers.ETHUSDT","orderbook.1.ETHUSDT"]})"});
  // "How to Send the Heartbeat Packet": {"op":"ping"}, every 20 seconds.
  EXPECT_EQ(adapter_.keepalive_message(), R"({"op":"ping"})");
  EXPECT_EQ(adapter_.keepalive_interval(), std::chrono::seconds(20));
}

TEST(BybitAdapterSubscribe, AtMostTenArgsPerRequest) {
  symbol_map m;
  const char* names[] = {"BTCUSDT", "ethusdt", "SOLUSDT", "XRPUSDT",  "DOGEUSDT", "TRXUSDT",
                         "TONUSDT", "SUIUSDT", "BNBUSDT", "ONDOUSDT", "TRUMPUSDT"};
  instrument_id id = 0;
  for (const char* n : names) m.add(n, id++);
  bybit_adapter a(m);
  const auto messages = a.subscribe_messages();
  ASSERT_EQ(messages.size(), 3u);  // 22 topics: 10 + 10 + 2
  EXPECT_EQ(
      messages[0],
      R"({"op":"subscribe","args":["tickers.BTCUSDT","orderbook.1.BTCUSDT",)"
      R"("tickers.ETHUSDT","orderbook.1.ETHUSDT","tickers.SOLUSDT","orderbook.1.SOLUSDT",)"
      R"("tickers.XRPUSDT","orderbook.1.XRPUSDT","tickers.DOGEUSDT","orderbook.1.DOGEUSDT"]})");
  EXPECT_EQ(messages[2],
            R"({"op":"subscribe","args":["tickers.TRUMPUSDT","orderbook.1.TRUMPUSDT"]})");
  // Whatever case the configuration used, the payload's upper case is matched.
  std::vector<tick> out;
  const std::string eth = R"({"topic":"tickers.ETHUSDT","ts":5,"type":"snapshot","data":{)"
                          R"("symbol":"ETHUSDT","lastPrice":"2817.02"}})";
  EXPECT_EQ(a.parse(eth, 1, out).error, feed_errc::ok);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].instrument, 1);

  bybit_adapter none{symbol_map{}};
  EXPECT_TRUE(none.subscribe_messages().empty());
}

TEST(BybitFactory, MakesABybitAdapter) {
  const symbol_map m = test_symbols();
  auto a = make_venue_adapter(venue_id::bybit, m);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->venue(), venue_id::bybit);
  std::vector<tick> out;
  EXPECT_EQ(a->parse(documented_spot_ticker, 1, out).error, feed_errc::ok);
  EXPECT_EQ(out.size(), 1u);
}

// ---- trades and top of book ----------------------------------------------------------------

// "Trade" (…/docs/v5/websocket/public/trade) spot example, verbatim.
constexpr std::string_view documented_public_trade = R"({
    "topic": "publicTrade.BTCUSDT",
    "type": "snapshot",
    "ts": 1672304486868,
    "data": [
        {
            "T": 1672304486865,
            "s": "BTCUSDT",
            "S": "Buy",
            "v": "0.001",
            "p": "16578.50",
            "L": "PlusTick",
            "i": "20f43950-d8dd-5b31-9112-a178eb6023af",
            "BT": false
        }
    ]
})";

std::string bybit_trade(std::string_view symbol, std::string_view side, std::string_view id) {
  return R"({"T":1700000000001,"s":")" + std::string(symbol) + R"(","S":")" + std::string(side) +
         R"(","v":"0.5","p":"100.25","L":"ZeroMinusTick","i":")" + std::string(id) +
         R"(","BT":false})";
}

// A level-1 orderbook message in the shape of the "Orderbook" page's example.
std::string book1(std::string_view type, std::string_view bids, std::string_view asks,
                  std::uint64_t u) {
  return R"({"topic":"orderbook.1.BTCUSDT","type":")" + std::string(type) +
         R"(","ts":1672304484978,"data":{"s":"BTCUSDT","b":)" + std::string(bids) + R"(,"a":)" +
         std::string(asks) + R"(,"u":)" + std::to_string(u) + R"(,"seq":7961638724},)" +
         R"("cts":1672304484976})";
}

class BybitStreams : public ::testing::Test {
 protected:
  parse_result parse(std::string_view frame) {
    events_.clear();
    return adapter_.parse(frame, recv_ts, events_);
  }
  bybit_adapter adapter_{test_symbols(), fs_trades | fs_bbo};
  market_events events_;
};

TEST_F(BybitStreams, DocumentedPublicTradeIsOneExactTrade) {
  const parse_result r = parse(documented_public_trade);
  ASSERT_EQ(r.error, feed_errc::ok) << to_string(r.error);
  ASSERT_EQ(events_.trades.size(), 1u);
  const trade& t = events_.trades[0];
  EXPECT_EQ(t.venue, venue_id::bybit);
  EXPECT_EQ(t.instrument, btc_id);
  EXPECT_EQ(t.side, taker_side::buy);
  EXPECT_EQ(t.size.to_string(), "0.001");
  EXPECT_EQ(t.price.to_string(), "16578.50");
  EXPECT_EQ(t.id.view(), "20f43950-d8dd-5b31-9112-a178eb6023af");
  EXPECT_EQ(t.exchange_ts_us, 1672304486865000);
  EXPECT_EQ(t.recv_ts_us, recv_ts);
  EXPECT_EQ(r.trade_gaps, 0u);  // Bybit ids are not numbered: nothing to check
}

TEST_F(BybitStreams, ManyTradesInOneFrameKeepTheirOrderWhateverTheKeyOrder) {
  const std::string items = bybit_trade("BTCUSDT", "Sell", "a") + "," +
                            bybit_trade("XRPUSDT", "Buy", "b") + "," +
                            bybit_trade("ETHUSDT", "Buy", "c");
  for (const std::string& frame :
       {R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[)" + items + "]}",
        R"({"data":[)" + items + R"(],"type":"snapshot","topic":"publicTrade.BTCUSDT","ts":1})"}) {
    const parse_result r = parse(frame);
    ASSERT_EQ(r.error, feed_errc::ok) << frame;
    EXPECT_EQ(r.unknown_symbols, 1u);
    ASSERT_EQ(events_.trades.size(), 2u);
    EXPECT_EQ(events_.trades[0].id.view(), "a");
    EXPECT_EQ(events_.trades[0].side, taker_side::sell);
    EXPECT_EQ(events_.trades[1].id.view(), "c");
    EXPECT_EQ(events_.trades[1].instrument, eth_id);
  }
}

TEST_F(BybitStreams, MalformedTradesFailTheWholeFrame) {
  const std::string head = R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":)";
  const std::string bad[] = {
      head + "[" + bybit_trade("BTCUSDT", "Buy", "a") + R"(,{"s":"BTCUSDT","S":"Buy"}]})",
      head + "[" + bybit_trade("BTCUSDT", "Up", "a") + "]}",
      head + R"([{"T":1,"s":"BTCUSDT","S":"Buy","v":0.5,"p":"1","i":"x"}]})",
      head + R"([{"T":"x","s":"BTCUSDT","S":"Buy","v":"0.5","p":"1","i":"x"}]})",
      head + R"([7]})",
      head + R"({}})",
  };
  for (const auto& frame : bad) {
    const parse_result r = parse(frame);
    EXPECT_NE(r.error, feed_errc::ok) << frame;
    EXPECT_TRUE(events_.empty()) << frame;
  }
  EXPECT_EQ(parse(head + R"([{"T":1,"s":"BTCUSDT","S":"Buy","v":"0.5.1","p":"1","i":"x"}]})").error,
            feed_errc::bad_number);
  const parse_result empty = parse(head + "[]}");
  EXPECT_EQ(empty.error, feed_errc::ok);
  EXPECT_TRUE(events_.empty());
}

TEST_F(BybitStreams, LevelOneSnapshotsAndDeltasKeepTheTopOfBook) {
  ASSERT_EQ(
      parse(book1("snapshot", R"([["16493.50","0.006"]])", R"([["16611.00","0.029"]])", 1)).error,
      feed_errc::ok);
  ASSERT_EQ(events_.quotes.size(), 1u);
  EXPECT_TRUE(events_.ticks.empty());  // no ticker stream chosen
  top_of_book q = events_.quotes[0];
  EXPECT_EQ(q.bid.to_string(), "16493.50");
  EXPECT_EQ(q.ask_size.to_string(), "0.029");
  EXPECT_EQ(q.venue_seq, 1u);
  EXPECT_EQ(q.exchange_ts_us, 1672304484978000);

  // A delta touching only the ask: the bid stays.
  ASSERT_EQ(parse(book1("delta", "[]", R"([["16611.00","0.5"]])", 2)).error, feed_errc::ok);
  q = events_.quotes.at(0);
  EXPECT_TRUE(q.has_bid);
  EXPECT_EQ(q.bid.to_string(), "16493.50");
  EXPECT_EQ(q.ask_size.to_string(), "0.5");

  // The best bid goes away and a new one takes its place in the same delta.
  ASSERT_EQ(parse(book1("delta", R"([["16493.50","0"],["16490.00","1.25"]])", "[]", 3)).error,
            feed_errc::ok);
  q = events_.quotes.at(0);
  EXPECT_EQ(q.bid.to_string(), "16490.00");
  EXPECT_EQ(q.bid_size.to_string(), "1.25");

  // A size "0" alone deletes the level: that side is empty until a new level comes.
  ASSERT_EQ(parse(book1("delta", "[]", R"([["16611.00","0"]])", 4)).error, feed_errc::ok);
  EXPECT_FALSE(events_.quotes.at(0).has_ask);
  EXPECT_TRUE(events_.quotes.at(0).has_bid);

  // A delete of a price that is not the best changes nothing.
  ASSERT_EQ(parse(book1("delta", R"([["1.00","0"]])", "[]", 5)).error, feed_errc::ok);
  EXPECT_EQ(events_.quotes.at(0).bid.to_string(), "16490.00");

  // A new snapshot replaces both sides; a new connection forgets the book.
  ASSERT_EQ(parse(book1("snapshot", R"([["10","1"]])", R"([["11","2"]])", 6)).error, feed_errc::ok);
  EXPECT_EQ(events_.quotes.at(0).ask.to_string(), "11");
  adapter_.reset();
  ASSERT_EQ(parse(book1("delta", "[]", R"([["12","3"]])", 7)).error, feed_errc::ok);
  EXPECT_FALSE(events_.quotes.at(0).has_bid);
  EXPECT_EQ(events_.quotes.at(0).ask.to_string(), "12");
}

TEST_F(BybitStreams, MalformedBookLevelsAreErrors) {
  EXPECT_EQ(parse(book1("snapshot", R"([["1"]])", "[]", 1)).error, feed_errc::unexpected_shape);
  EXPECT_EQ(parse(book1("snapshot", R"([["1","x"]])", "[]", 1)).error, feed_errc::bad_number);
  EXPECT_TRUE(events_.empty());
}

TEST(BybitStreamsSubscribe, TopicsFollowTheChosenStreams) {
  symbol_map m;
  m.add("BTCUSDT", 0);
  EXPECT_EQ(bybit_adapter(m).subscribe_messages(),
            std::vector<std::string>{R"({"op":"subscribe","args":["tickers.BTCUSDT",)"
                                     R"("orderbook.1.BTCUSDT"]})"});
  EXPECT_EQ(bybit_adapter(m, fs_trades | fs_bbo).subscribe_messages(),
            std::vector<std::string>{R"({"op":"subscribe","args":["orderbook.1.BTCUSDT",)"
                                     R"("publicTrade.BTCUSDT"]})"});
  EXPECT_EQ(bybit_adapter(m, fs_ticker | fs_trades | fs_bbo).subscribe_messages(),
            std::vector<std::string>{R"({"op":"subscribe","args":["tickers.BTCUSDT",)"
                                     R"("orderbook.1.BTCUSDT","publicTrade.BTCUSDT"]})"});
}

TEST(BybitStreamsTicks, TheTickerStreamStillReadsBidAndAskFromTheBook) {
  symbol_map m;
  m.add("BTCUSDT", 0);
  bybit_adapter both(m, fs_ticker | fs_bbo);
  market_events out;
  ASSERT_EQ(both.parse(book1("snapshot", R"([["10","1"]])", R"([["11","2"]])", 1), 1, out).error,
            feed_errc::ok);
  EXPECT_EQ(out.ticks.size(), 1u);
  EXPECT_EQ(out.quotes.size(), 1u);
}

}  // namespace
}  // namespace tickerd
