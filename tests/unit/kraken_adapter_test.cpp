#include <gtest/gtest.h>

#include "feeds/venues/venue_time.hpp"

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "feeds/venues/kraken_adapter.hpp"
#include "tickerd/feeds/venue_adapter.hpp"
#include "tickerd/market/composite.hpp"

namespace tickerd {
namespace {

// docs.kraken.com, WebSocket v2, "Ticker (Level 1)": "Example: Snapshot", verbatim (as the page
// prints it, indentation included).
constexpr std::string_view documented_snapshot = R"({
    "channel": "ticker",
    "type": "snapshot",
    "data": [
        {
            "symbol": "ALGO/USD",
            "bid": 0.10025,
            "bid_qty": 740.0,
            "ask": 0.10036,
            "ask_qty": 1361.44813783,
            "last": 0.10035,
            "volume": 997038.98383185,
            "vwap": 0.10148,
            "low": 0.09979,
            "high": 0.10285,
            "change": -0.00017,
            "change_pct": -0.17,
            "timestamp": "2023-09-25T09:04:31.742648Z"
        }
    ]
})";

// Same page, "Example: Update".
constexpr std::string_view documented_update = R"({
    "channel": "ticker",
    "type": "update",
    "data": [
        {
            "symbol": "ALGO/USD",
            "bid": 0.10025,
            "bid_qty": 740.0,
            "ask": 0.10035,
            "ask_qty": 740.0,
            "last": 0.10035,
            "volume": 997038.98383185,
            "vwap": 0.10148,
            "low": 0.09979,
            "high": 0.10285,
            "change": -0.00017,
            "change_pct": -0.17,
            "timestamp": "2023-09-25T09:04:31.742648Z"
        }
    ]
})";

// Same page, "Example: Subscribe Ack".
constexpr std::string_view documented_subscribe_ack = R"({
    "method": "subscribe",
    "result": {
        "channel": "ticker",
        "snapshot": true,
        "symbol": "ALGO/USD"
    },
    "success": true,
    "time_in": "2023-09-25T09:04:31.742599Z",
    "time_out": "2023-09-25T09:04:31.742648Z"
})";

// Same page, "Example: Unsubscribe Ack".
constexpr std::string_view documented_unsubscribe_ack = R"({
    "method": "unsubscribe",
    "result": {
        "channel": "ticker",
        "event_trigger": "trades",
        "symbol": "ALGO/USD"
    },
    "success": true,
    "time_in": "2023-09-25T09:04:31.742599Z",
    "time_out": "2023-09-25T09:04:31.742648Z"
})";

// WebSocket v2 "Status" page, "Example" (connection_id does not fit an int64).
constexpr std::string_view documented_status = R"({
    "channel": "status",
    "data": [
        {
            "api_version": "v2",
            "connection_id": 13834774380200032777,
            "system": "online",
            "version": "2.0.0"
        }
    ],
    "type": "update"
})";

// WebSocket v2 "Heartbeat" page, "Example".
constexpr std::string_view documented_heartbeat = R"({
    "channel": "heartbeat"
})";

// WebSocket v2 "Ping" page, response example.
constexpr std::string_view documented_pong = R"({
    "method": "pong",
    "req_id": 101,
    "time_in": "2023-09-24T14:10:23.799685Z",
    "time_out": "2023-09-24T14:10:23.799703Z"
})";

// A BTC/USD snapshot as the production feed sends it (compact, quantities at 8 decimals,
// trailing zeros kept, no timestamp: captured before Kraken added it).
constexpr std::string_view captured_btc_usd =
    R"({"channel":"ticker","type":"snapshot","data":[{"symbol":"BTC/USD","bid":65972.8,)"
    R"("bid_qty":0.10000000,"ask":65972.9,"ask_qty":39.67506683,"last":65972.9,)"
    R"("volume":4216.61829370,"vwap":64275.2,"low":61325.4,"high":66450.0,"change":4412.1,)"
    R"("change_pct":7.17}]})";

constexpr instrument_id btc_id = 0;
constexpr instrument_id eth_id = 1;
constexpr instrument_id algo_id = 5;
constexpr instrument_id btc_usd_id = 9;
constexpr std::int64_t recv_ts = 1764061234001234;
constexpr std::int64_t documented_ts_us = 1695632671742648;  // 2023-09-25T09:04:31.742648Z

using field_list = std::vector<std::pair<std::string, std::string>>;  // key, raw JSON value

// A realistic BTC/USDT ticker object, field by field, in Kraken's order.
field_list btc_fields() {
  return {
      {"symbol", R"("BTC/USDT")"},
      {"bid", "85205.6"},
      {"bid_qty", "0.51200000"},
      {"ask", "85205.7"},
      {"ask_qty", "1.20000000"},
      {"last", "85205.7"},
      {"volume", "1234.56789000"},
      {"vwap", "85678.1"},
      {"low", "84500.1"},
      {"high", "86800.0"},
      {"change", "-850.4"},
      {"change_pct", "-0.99"},
      {"timestamp", R"("2025-11-25T09:00:34.000123Z")"},
  };
}
constexpr std::int64_t btc_ts_us = 1764061234000123;

std::string object_of(const field_list& fields) {
  std::string s = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) s += ',';
    s += '"' + fields[i].first + "\":" + fields[i].second;
  }
  return s + "}";
}

std::string ticker_frame(const std::string& items, std::string_view type = "update") {
  std::string s = R"({"channel":"ticker","type":")";
  s += type;
  s += R"(","data":[)";
  s += items;
  return s + "]}";
}
std::string ticker_frame(const field_list& fields) {
  return ticker_frame(object_of(fields));
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

symbol_map test_symbols() {
  symbol_map m;
  m.add("BTC/USDT", btc_id);
  m.add("ETH/USDT", eth_id);
  m.add("ALGO/USD", algo_id);
  m.add("BTC/USD", btc_usd_id);
  return m;
}

constexpr std::uint16_t all_fields = tf_last | tf_open | tf_high | tf_low | tf_volume_base |
                                     tf_bid | tf_ask | tf_bid_qty | tf_ask_qty | tf_change_pct;

class KrakenAdapter : public ::testing::Test {
 protected:
  parse_result parse(std::string_view frame) {
    out_.clear();
    return adapter_.parse(frame, recv_ts, out_);
  }
  // Parses a frame that must fail, and checks that nothing was appended.
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
    EXPECT_EQ(out_.size(), 1u) << frame;
    if (out_.empty()) out_.emplace_back();  // keep the reference valid; the test has failed
    return out_.front();
  }
  void expect_control(std::string_view frame) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::ok) << to_string(r.error) << " for " << frame;
    EXPECT_EQ(r.kind, frame_kind::control) << frame;
    EXPECT_EQ(r.unknown_symbols, 0u);
    EXPECT_TRUE(out_.empty());
  }

  static std::string str(decimal d) { return d.to_string(); }

  void expect_btc(const tick& t) {
    EXPECT_EQ(t.venue, venue_id::kraken);
    EXPECT_EQ(t.instrument, btc_id);
    EXPECT_EQ(t.exchange_ts_us, btc_ts_us);
    EXPECT_EQ(t.recv_ts_us, recv_ts);
    EXPECT_EQ(str(t.last), "85205.7");
    EXPECT_EQ(str(t.open_24h), "86056.1");  // 85205.7 - (-850.4)
    EXPECT_EQ(str(t.high_24h), "86800.0");
    EXPECT_EQ(str(t.low_24h), "84500.1");
    EXPECT_EQ(str(t.volume_base), "1234.56789000");
    EXPECT_EQ(str(t.bid), "85205.6");
    EXPECT_EQ(str(t.ask), "85205.7");
    EXPECT_EQ(str(t.bid_qty), "0.51200000");
    EXPECT_EQ(str(t.ask_qty), "1.20000000");
    EXPECT_EQ(str(t.venue_change_pct), "-0.99");
    EXPECT_EQ(t.fields, all_fields);
    EXPECT_FALSE(t.has(tf_volume_quote));  // Kraken sends none; vwap * volume is not it
  }

  symbol_map symbols_ = test_symbols();
  kraken_adapter adapter_{symbols_};
  std::vector<tick> out_;
};

void expect_documented_algo(const tick& t, decimal ask, decimal ask_qty) {
  EXPECT_EQ(t.venue, venue_id::kraken);
  EXPECT_EQ(t.instrument, algo_id);
  EXPECT_EQ(t.exchange_ts_us, documented_ts_us);
  EXPECT_EQ(t.recv_ts_us, recv_ts);
  EXPECT_EQ(t.fields, all_fields);
  // Exact values with the venue's precision, not just equal numbers.
  EXPECT_TRUE(t.bid.identical(decimal(10025, 5)));
  EXPECT_TRUE(t.bid_qty.identical(decimal(7400, 1)));
  EXPECT_TRUE(t.ask.identical(ask));
  EXPECT_TRUE(t.ask_qty.identical(ask_qty));
  EXPECT_TRUE(t.last.identical(decimal(10035, 5)));
  EXPECT_TRUE(t.volume_base.identical(decimal(99703898383185, 8)));
  EXPECT_TRUE(t.low_24h.identical(decimal(9979, 5)));
  EXPECT_TRUE(t.high_24h.identical(decimal(10285, 5)));
  EXPECT_TRUE(t.venue_change_pct.identical(decimal(-17, 2)));
  // open = last - change = 0.10035 - (-0.00017)
  EXPECT_TRUE(t.open_24h.identical(decimal(10052, 5)));
}

TEST_F(KrakenAdapter, DocumentedSnapshotVerbatim) {
  expect_documented_algo(only_tick(documented_snapshot), decimal(10036, 5),
                         decimal(136144813783, 8));
}

TEST_F(KrakenAdapter, DocumentedUpdateVerbatim) {
  expect_documented_algo(only_tick(documented_update), decimal(10035, 5), decimal(7400, 1));
}

// Issue 17: this snapshot was served as "ts":0 (1970). Parsed, composed and encoded as the
// aggregator does, the venue's missing time is absent from the JSON; the receive time stays.
TEST_F(KrakenAdapter, SnapshotWithoutTimestampIsServedWithoutTs) {
  const tick t = only_tick(captured_btc_usd);
  const composite_ticker c = compose(std::span<const tick>(&t, 1));
  std::string json;
  encode_venue_ticker(json, "BTC-USD", venue_id::kraken, c);
  EXPECT_EQ(json.find(R"("ts")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("recv_ts":)" + std::to_string(recv_ts) + ","), std::string::npos) << json;
  json.clear();
  encode_ticker(json, "BTC-USD", c);
  EXPECT_EQ(json.find(R"("ts")"), std::string::npos) << json;
}

TEST_F(KrakenAdapter, CapturedFrameWithoutTimestamp) {
  const tick& t = only_tick(captured_btc_usd);
  EXPECT_EQ(t.instrument, btc_usd_id);
  EXPECT_EQ(t.exchange_ts_us, 0);  // unknown: the aggregator keeps what it had
  EXPECT_EQ(t.fields, all_fields);
  EXPECT_EQ(str(t.bid_qty), "0.10000000");  // trailing zeros are the engine's precision
  EXPECT_EQ(str(t.volume_base), "4216.61829370");
  EXPECT_EQ(str(t.high_24h), "66450.0");
  EXPECT_EQ(str(t.open_24h), "61560.8");  // 65972.9 - 4412.1
  EXPECT_EQ(str(t.venue_change_pct), "7.17");
}

TEST_F(KrakenAdapter, ControlMessages) {
  for (std::string_view frame :
       {documented_subscribe_ack, documented_unsubscribe_ack, documented_status,
        documented_heartbeat, documented_pong,
        std::string_view(R"({"method":"subscribe","req_id":1,"result":{"channel":"ticker",)"
                         R"("event_trigger":"trades","snapshot":true,"symbol":"BTC/USDT"},)"
                         R"("success":true,"time_in":"2025-04-27T15:38:26.540456Z",)"
                         R"("time_out":"2025-04-27T15:38:26.540489Z"})"),
        std::string_view(R"({"channel":"status","data":[{"api_version":"v2","connection_id":)"
                         R"(12393906104898154338,"system":"maintenance","version":"2.0.4"}],)"
                         R"("type":"update"})"),
        std::string_view(R"({"channel":"heartbeat"})"), std::string_view(R"({"method":"pong"})"),
        std::string_view(
            R"({"method":"pong","req_id":7,"success":true,"result":{},"warnings":[]})"),
        std::string_view(R"({"error":null,"method":"subscribe","success":true})")}) {
    expect_control(frame);
  }
}

TEST_F(KrakenAdapter, VenueErrors) {
  for (std::string_view frame :
       {// An unknown pair, as the production feed answers it.
        R"({"error":"Currency pair not supported xxx/USD","method":"subscribe","req_id":69,)"
        R"("success":false,"symbol":"xxx/USD","time_in":"2025-04-27T15:37:48.652299Z",)"
        R"("time_out":"2025-04-27T15:37:48.652337Z"})",
        R"({"error":"Unsupported field: 'params' for the given msg type: ping","method":"ping",)"
        R"("req_id":0,"success":false,"time_in":"2024-05-19T19:58:40.170724Z",)"
        R"("time_out":"2024-05-19T19:58:40.170758Z"})",
        R"({"error":"Unsupported event","method":"subscribe","req_id":0,"success":false})",
        R"({"method":"subscribe","success":false})", R"({"error":"EGeneral:Internal error"})",
        R"({"success":false})"}) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::venue_error) << frame;
    EXPECT_EQ(r.kind, frame_kind::control) << frame;
    EXPECT_TRUE(out_.empty());
  }
}

TEST_F(KrakenAdapter, CompactFrame) {
  expect_btc(only_tick(ticker_frame(btc_fields())));
  expect_btc(only_tick(ticker_frame(object_of(btc_fields()), "snapshot")));
}

TEST_F(KrakenAdapter, EnvelopeOrderDoesNotMatter) {
  const std::string data = std::string("[") + object_of(btc_fields()) + "]";
  for (const std::string& frame : std::vector<std::string>{
           // Kraken's own status messages are alphabetical: data before type.
           R"({"channel":"ticker","data":)" + data + R"(,"type":"update"})",
           R"({"data":)" + data + R"(,"channel":"ticker","type":"snapshot"})",
           R"({"type":"update","data":)" + data + R"(,"channel":"ticker"})",
           " {\n \"data\" : " + data + " ,\r\n\t\"type\" : \"update\" , \"channel\":\"ticker\" }\n",
       }) {
    expect_btc(only_tick(frame));
  }
}

TEST_F(KrakenAdapter, FieldOrderDoesNotMatter) {
  field_list f = btc_fields();
  std::reverse(f.begin(), f.end());
  expect_btc(only_tick(ticker_frame(f)));
  std::mt19937 rng(20251125);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(f.begin(), f.end(), rng);
    expect_btc(only_tick(ticker_frame(f)));
  }
}

TEST_F(KrakenAdapter, UnknownExtraFieldsAreIgnored) {
  field_list f = btc_fields();
  f.insert(f.begin() + 3, {"zz", R"({"nested":[1,2,{"a":"b"}],"x":null})"});
  f.push_back({"trades", "123"});
  f.push_back({"bidd", R"("not a number")"});
  f.push_back({"", "1"});
  f.push_back({"\\u0062id", R"("garbage")"});  // an escaped "bid" is not the "bid" key
  f.push_back({"vwap", R"("vwap is not read")"});
  expect_btc(only_tick(ticker_frame(f)));
  expect_btc(only_tick(R"({"channel":"ticker","extra":[1,{"a":2}],"type":"update","req_id":3,)"
                       R"("data":[)" +
                       object_of(btc_fields()) + "]}"));
}

TEST_F(KrakenAdapter, OpenIsLastMinusChangeExactly) {
  const std::pair<std::pair<std::string, std::string>, std::string> cases[] = {
      {{"100.5", "0.25"}, "100.25"},     // scales differ: the larger wins
      {{"100", "-0.0001"}, "100.0001"},  //
      {{"0.00000001", "0.00000002"}, "-0.00000001"},
      {{"1.5e2", "5E-1"}, "149.5"},  // exponents are JSON too
      {{"9223372036854775807", "0"}, "9223372036854775807"},
      {{"9223372036854775807", "-1"}, "9223372036854775808"},  // beyond int64
      {{"1.234e-9", "-1e-12"}, "0.000000001235"},
  };
  for (const auto& [in, open] : cases) {
    const tick& t =
        only_tick(ticker_frame(with(with(btc_fields(), "last", in.first), "change", in.second)));
    EXPECT_TRUE(t.has(tf_open)) << in.first << " " << in.second;
    EXPECT_EQ(str(t.open_24h), open) << in.first << " " << in.second;
  }
  // Without last or change there is no open; an unrepresentable one is left out.
  EXPECT_FALSE(only_tick(ticker_frame(without(btc_fields(), "change"))).has(tf_open));
  EXPECT_FALSE(only_tick(ticker_frame(with(btc_fields(), "change", "null"))).has(tf_open));
  EXPECT_FALSE(only_tick(ticker_frame(without(btc_fields(), "last"))).has(tf_open));
  const tick& t = only_tick(ticker_frame(
      with(with(btc_fields(), "last", "99999999999999999999999999999999999999"), "change", "-1")));
  EXPECT_FALSE(t.has(tf_open));
  EXPECT_TRUE(t.has(tf_last));
}

TEST_F(KrakenAdapter, OptionalFieldsMayBeMissingOrNull) {
  {
    const tick& t = only_tick(ticker_frame(without(without(btc_fields(), "bid"), "ask_qty")));
    EXPECT_FALSE(t.has(tf_bid));
    EXPECT_FALSE(t.has(tf_ask_qty));
    EXPECT_TRUE(t.has(tf_ask));
    EXPECT_TRUE(t.has(tf_last));
  }
  {
    // "last" is only guaranteed if the pair traded within 24 h.
    const tick& t =
        only_tick(ticker_frame(with(with(btc_fields(), "last", "null"), "high", "null")));
    EXPECT_FALSE(t.has(tf_last));
    EXPECT_FALSE(t.has(tf_open));
    EXPECT_FALSE(t.has(tf_high));
    EXPECT_TRUE(t.has(tf_bid));
  }
  {
    const tick& t = only_tick(ticker_frame(with(btc_fields(), "timestamp", "null")));
    EXPECT_EQ(t.exchange_ts_us, 0);
    EXPECT_EQ(t.fields, all_fields);
  }
  {
    // Minimal: a symbol and one value.
    const tick& t = only_tick(ticker_frame(R"({"symbol":"ETH/USDT","last":2817.02})"));
    EXPECT_EQ(t.instrument, eth_id);
    EXPECT_EQ(t.fields, tf_last);
    EXPECT_TRUE(t.last.identical(decimal(281702, 2)));
  }
  // A later null clears an earlier value of the same key.
  EXPECT_FALSE(
      only_tick(ticker_frame(R"({"symbol":"BTC/USDT","bid":1.5,"ask":2,"bid":null})")).has(tf_bid));
}

TEST_F(KrakenAdapter, SeveralItemsInOneFrame) {
  const std::string items = object_of(btc_fields()) + "," +
                            object_of(with(btc_fields(), "symbol", R"("ETH/USDT")")) + "," +
                            object_of(with(btc_fields(), "symbol", R"("DOGE/USD")"));
  const parse_result r = parse(ticker_frame(items));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  EXPECT_EQ(r.unknown_symbols, 1u);
  ASSERT_EQ(out_.size(), 2u);
  expect_btc(out_[0]);
  EXPECT_EQ(out_[1].instrument, eth_id);
  // An empty data array is a data frame with nothing in it.
  const parse_result empty = parse(ticker_frame(""));
  EXPECT_EQ(empty.error, feed_errc::ok);
  EXPECT_EQ(empty.kind, frame_kind::data);
  EXPECT_TRUE(out_.empty());
}

TEST_F(KrakenAdapter, UnknownSymbolIsCountedNotPublished) {
  const parse_result r = parse(ticker_frame(with(btc_fields(), "symbol", R"("DOGE/USD")")));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  EXPECT_EQ(r.unknown_symbols, 1u);
  EXPECT_TRUE(out_.empty());
  // Symbols are matched exactly as Kraken spells them.
  for (const char* other : {R"("btc/usdt")", R"("BTCUSDT")", R"("XBT/USDT")", R"("BTC-USDT")"}) {
    const parse_result o = parse(ticker_frame(with(btc_fields(), "symbol", other)));
    EXPECT_EQ(o.unknown_symbols, 1u) << other;
    EXPECT_TRUE(out_.empty());
  }
}

TEST_F(KrakenAdapter, MissingRequiredParts) {
  EXPECT_EQ(error_of(ticker_frame(without(btc_fields(), "symbol"))), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(ticker_frame(with(btc_fields(), "symbol", "null"))),
            feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(ticker_frame(R"({"symbol":"BTC/USDT"})")), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(ticker_frame(R"({"symbol":"BTC/USDT","vwap":1,"change":2})")),
            feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(ticker_frame("{}")), feed_errc::unexpected_shape);
  const std::string data = std::string("[") + object_of(btc_fields()) + "]";
  EXPECT_EQ(error_of(R"({"channel":"ticker","data":)" + data + "}"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"type":"update","data":)" + data + "}"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"channel":"ticker","type":"update"})"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"channel":null,"type":"update","data":)" + data + "}"),
            feed_errc::unexpected_shape);
  EXPECT_EQ(error_of("{}"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"result":{},"time_in":"2023-09-25T09:04:31.742599Z"})"),
            feed_errc::unexpected_shape);
}

TEST_F(KrakenAdapter, WrongTypes) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"last", R"("85205.7")"},  // a string where Kraken sends a number
      {"bid", R"("0.10025")"},
      {"volume", "true"},
      {"ask", "[1]"},
      {"high", R"({"v":1})"},
      {"change", R"("-1")"},
      {"symbol", "1"},
      {"symbol", R"(["BTC/USDT"])"},
      {"symbol", R"("BTC\/USDT")"},  // an escape never appears in a symbol
      {"timestamp", "1695632671742"},
      {"timestamp", R"("2023-09-25 09:04:31Z")"},
      {"timestamp", R"("2023-09-25T09:04:31")"},
      {"timestamp", R"("2023-02-29T09:04:31Z")"},
      {"timestamp", R"("yesterday")"},
  };
  for (const auto& [key, value] : cases) {
    EXPECT_EQ(error_of(ticker_frame(with(btc_fields(), key, std::string(value)))),
              feed_errc::unexpected_shape)
        << key << "=" << value;
  }
  const std::string item = object_of(btc_fields());
  for (const std::string& frame : std::vector<std::string>{
           R"({"channel":"ticker","type":"partial","data":[)" + item + "]}",
           R"({"channel":"ticker","type":1,"data":[)" + item + "]}",
           R"({"channel":"book","type":"update","data":[)" + item + "]}",
           R"({"channel":"Ticker","type":"update","data":[)" + item + "]}",
           R"({"channel":["ticker"],"type":"update","data":[)" + item + "]}",
           R"({"channel":"ticker","type":"update","data":)" + item + "}",
           R"({"channel":"ticker","type":"update","data":[[)" + item + "]]}",
           R"({"channel":"ticker","type":"update","data":["x"]})",
           R"({"channel":"ticker","type":"update","data":null})",
           R"({"method":1,"success":true})",
           R"({"method":"subscribe","success":"true"})",
           R"({"method":"subscribe","success":1})",
       }) {
    EXPECT_EQ(error_of(frame), feed_errc::unexpected_shape) << frame;
  }
  EXPECT_EQ(error_of(std::string("[") + ticker_frame(btc_fields()) + "]"),
            feed_errc::unexpected_shape);
  for (std::string_view scalar : {"42", "-1", "\"text\"", "true", "false", "null", "[]"}) {
    EXPECT_EQ(error_of(scalar), feed_errc::unexpected_shape) << scalar;
  }
}

// Issue 11: Kraken sends JSON numbers. SHIB-sized 24 h volumes beyond int64 with 8 decimals,
// prices of 10^-8 and below, in plain and exponent form.
TEST_F(KrakenAdapter, RealWorldExtremes) {
  field_list f = btc_fields();
  f = with(f, "last", "1.234e-9");
  f = with(f, "bid", "0.000000001233");
  f = with(f, "ask", "1E-8");
  f = with(f, "low", "0.00000001");
  f = with(f, "change", "-1.2e-11");
  f = with(f, "volume", "98765432109876543.12345678");
  f = with(f, "bid_qty", "3.4567890123400000000e11");
  const tick& t = only_tick(ticker_frame(f));
  EXPECT_EQ(str(t.last), "0.000000001234");
  EXPECT_EQ(str(t.bid), "0.000000001233");
  EXPECT_EQ(str(t.ask), "0.00000001");
  EXPECT_EQ(str(t.low_24h), "0.00000001");
  EXPECT_EQ(str(t.open_24h), "0.000000001246");
  EXPECT_EQ(str(t.volume_base), "98765432109876543.12345678");
  EXPECT_EQ(str(t.bid_qty), "345678901234.00000000");
}

TEST_F(KrakenAdapter, BadNumbers) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"bid", "100000000000000000000000000000000000000"},  // 39 digits: beyond 38
      {"ask", "1e38"},
      {"last", "-99999999999999999999999999999999999999.9"},
      {"volume", "1e-31"},  // beyond 30 fraction digits
      {"bid_qty", "0.0000000000000000000000000000001"},
      {"high", "1e400"},
      {"change_pct", "1E+38"},
      {"change", "1234567890123456789012345678901234567890"},
  };
  for (const auto& [key, value] : cases) {
    EXPECT_EQ(error_of(ticker_frame(with(btc_fields(), key, std::string(value)))),
              feed_errc::bad_number)
        << key << "=" << value;
  }
}

TEST_F(KrakenAdapter, HugeButValidValues) {
  const field_list f =
      with(with(with(btc_fields(), "last", "99999999999999999999999999999999999999"), "volume",
                "0.000000000000000000000000000001"),
           "low", "-99999999999999999999999999999999999999");
  const tick& t = only_tick(ticker_frame(f));
  EXPECT_EQ(str(t.last), "99999999999999999999999999999999999999");
  EXPECT_TRUE(t.volume_base.identical(decimal(1, 30)));
  EXPECT_EQ(str(t.low_24h), "-99999999999999999999999999999999999999");
  const tick& z = only_tick(ticker_frame(with(btc_fields(), "bid", "-0.0")));
  EXPECT_TRUE(z.bid.is_zero());
  EXPECT_EQ(str(only_tick(ticker_frame(with(btc_fields(), "ask", "1.5e-8"))).ask), "0.000000015");
}

TEST_F(KrakenAdapter, NotJson) {
  EXPECT_EQ(error_of(""), feed_errc::invalid_json);
  EXPECT_EQ(error_of("   \n"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("hello"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("CloudFlare WebSocket proxy restarting"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_snapshot) + " x"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_snapshot) + "}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_snapshot) + std::string(documented_snapshot)),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"channel":"heartbeat" "x":1})"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{\"channel\":\"tick\xff\xfe\"}"), feed_errc::invalid_json);
  // Number tokens that are not JSON numbers.
  for (std::string_view bad :
       {"01.5", "-01", "00", "1.", "-", "1e", "1.5.5", "1x2", "-.5", "0x10"}) {
    EXPECT_EQ(error_of(ticker_frame(with(btc_fields(), "bid", std::string(bad)))),
              feed_errc::invalid_json)
        << bad;
  }
  // Trailing whitespace is fine.
  only_tick(std::string(documented_snapshot) + " \r\n\t ");
}

TEST_F(KrakenAdapter, EveryTruncationIsRejected) {
  const std::string frames[] = {std::string(documented_snapshot), ticker_frame(btc_fields()),
                                std::string(captured_btc_usd)};
  for (const std::string& full : frames) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      const std::string_view cut(full.data(), n);
      EXPECT_EQ(error_of(cut), feed_errc::invalid_json) << "prefix of " << n << " bytes: " << cut;
    }
    only_tick(full);  // and the whole frame still parses after all those failures
  }
}

TEST_F(KrakenAdapter, FailedFrameAppendsNothing) {
  // The first item is good, the second is not: the whole frame is rejected.
  std::vector<tick> out(1);
  out[0].exchange_ts_us = -5;
  const std::string frame =
      ticker_frame(object_of(btc_fields()) + "," + object_of(with(btc_fields(), "bid", R"("1")")));
  const parse_result r = adapter_.parse(frame, recv_ts, out);
  EXPECT_EQ(r.error, feed_errc::unexpected_shape);
  EXPECT_EQ(r.unknown_symbols, 0u);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].exchange_ts_us, -5);
  // Also when the envelope turns out wrong after the data was read.
  const std::string late_type = std::string(R"({"channel":"ticker","data":[)") +
                                object_of(btc_fields()) + R"(],"type":"partial"})";
  EXPECT_EQ(adapter_.parse(late_type, recv_ts, out).error, feed_errc::unexpected_shape);
  const std::string late_method = R"({"channel":"ticker","type":"update","data":[)" +
                                  object_of(btc_fields()) + R"(],"method":"pong"})";
  EXPECT_EQ(adapter_.parse(late_method, recv_ts, out).kind, frame_kind::control);
  const std::string late_channel = R"({"channel":"ticker","type":"update","data":[)" +
                                   object_of(btc_fields()) + R"(],"channel":"heartbeat"})";
  EXPECT_EQ(adapter_.parse(late_channel, recv_ts, out).kind, frame_kind::control);
  EXPECT_EQ(out.size(), 1u);
}

TEST_F(KrakenAdapter, FrameSizeCap) {
  std::string big = ticker_frame(btc_fields());
  big.resize(kraken_adapter::max_frame_bytes, ' ');  // trailing whitespace: still valid
  expect_btc(only_tick(big));
  big.push_back(' ');
  EXPECT_EQ(error_of(big), feed_errc::too_large);
  expect_btc(only_tick(ticker_frame(btc_fields())));
}

TEST_F(KrakenAdapter, LargeFramesGrowTheBuffer) {
  field_list f = btc_fields();
  f.push_back({"junk", std::string("[") + std::string(200'000, '1') + "]"});
  expect_btc(only_tick(ticker_frame(f)));
  expect_btc(only_tick(ticker_frame(btc_fields())));
}

TEST_F(KrakenAdapter, AppendsAndReusesAcrossFrames) {
  std::vector<tick> out(1);
  out[0].exchange_ts_us = -5;
  const std::string good = ticker_frame(btc_fields());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(adapter_.parse(good, recv_ts + i, out).error, feed_errc::ok);
    EXPECT_NE(adapter_.parse(R"({"channel":"ticker","data":[{"symbol":)", recv_ts, out).error,
              feed_errc::ok);
    EXPECT_EQ(adapter_.parse(documented_snapshot, recv_ts, out).error, feed_errc::ok);
    EXPECT_EQ(adapter_.parse(documented_heartbeat, recv_ts, out).kind, frame_kind::control);
  }
  ASSERT_EQ(out.size(), 201u);
  EXPECT_EQ(out[0].exchange_ts_us, -5);  // what was there is left alone
  EXPECT_EQ(out[1].recv_ts_us, recv_ts);
  EXPECT_EQ(out[1].instrument, btc_id);
  EXPECT_EQ(out[2].instrument, algo_id);
  EXPECT_EQ(out[199].recv_ts_us, recv_ts + 99);
}

TEST_F(KrakenAdapter, Addressing) {
  EXPECT_EQ(adapter_.venue(), venue_id::kraken);
  EXPECT_EQ(adapter_.target("/v2"), "/v2");
  EXPECT_EQ(adapter_.target(""), "/v2");
  EXPECT_EQ(adapter_.target("/"), "/v2");
  EXPECT_EQ(adapter_.target("/kraken/v2"), "/kraken/v2");
  // The documented request, all configured symbols in one.
  const auto subs = adapter_.subscribe_messages();
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0],
            R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USDT","ETH/USDT",)"
            R"("ALGO/USD","BTC/USD"]},"req_id":1})");
  EXPECT_EQ(adapter_.keepalive_message(), R"({"method":"ping"})");
  EXPECT_GT(adapter_.keepalive_interval().count(), 0);
  EXPECT_LT(adapter_.keepalive_interval(), std::chrono::seconds(60));  // Kraken's idle cutoff

  // Our own messages are what the adapter reads back as control frames.
  expect_control(R"({"method":"pong","time_in":"2023-09-24T14:10:23.799685Z"})");

  symbol_map none;
  kraken_adapter empty(none);
  EXPECT_TRUE(empty.subscribe_messages().empty());
}

TEST(KrakenFactory, MakesKraken) {
  const symbol_map m = test_symbols();
  auto a = make_venue_adapter(venue_id::kraken, m);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->venue(), venue_id::kraken);
  std::vector<tick> out;
  EXPECT_EQ(a->parse(documented_snapshot, recv_ts, out).error, feed_errc::ok);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].instrument, algo_id);
}

TEST(KrakenRfc3339, ParsesToMicroseconds) {
  const std::pair<std::string_view, std::int64_t> cases[] = {
      {"2023-09-25T09:04:31.742648Z", 1695632671742648},
      {"2022-12-25T09:30:59.123456Z", 1671960659123456},
      {"2024-05-19T16:45:24.204654Z", 1716137124204654},
      {"2000-02-29T23:59:59.999Z", 951868799999000},
      {"1970-01-01T00:00:00Z", 0},
      {"1970-01-01T00:00:00.1Z", 100000},
      {"1970-01-01T00:00:00.123456789123Z", 123456},
      {"1969-12-31T23:59:59.5Z", -500000},  // floor, not towards zero
      {"2023-09-25t09:04:31.742648z", 1695632671742648},
      {"2023-09-25T10:04:31.742+01:00", 1695632671742000},
      {"2023-09-25T08:34:31.742-00:30", 1695632671742000},
      {"2016-12-31T23:59:60Z", 1483228800000000},  // a leap second reads as the next second
      {"9999-12-31T23:59:59.999Z", 253402300799999000},
  };
  for (const auto& [text, ms] : cases) {
    std::int64_t got = 42;
    EXPECT_TRUE(venue_time::parse_rfc3339_us(text, got)) << text;
    EXPECT_EQ(got, ms) << text;
  }
  for (std::string_view bad : {"",
                               "2023",
                               "2023-09-25",
                               "2023-09-25T09:04:31",
                               "2023-09-25T09:04:31.Z",
                               "2023-09-25T09:04:31.742648",
                               "2023-13-25T09:04:31Z",
                               "2023-00-25T09:04:31Z",
                               "2023-09-31T09:04:31Z",
                               "2023-02-29T09:04:31Z",
                               "2023-09-25T24:00:00Z",
                               "2023-09-25T09:60:31Z",
                               "2023-09-25T09:04:61Z",
                               "2023-09-25 09:04:31Z",
                               "2023-09-25T09:04:31ZZ",
                               "2023-09-25T09:04:31+0100",
                               "2023-09-25T09:04:31+01",
                               "2023-09-25T09:04:31+24:00",
                               "+2023-09-25T09:04:31Z",
                               "2023-9-25T09:04:31Z",
                               "2023-09-25T09:04:31.74a8Z",
                               " 2023-09-25T09:04:31Z"}) {
    std::int64_t got = 42;
    EXPECT_FALSE(venue_time::parse_rfc3339_us(bad, got)) << bad;
  }
}

// ---- trades and top of book ----------------------------------------------------------------

// docs.kraken.com, WebSocket v2, "Trades": the snapshot example, verbatim.
constexpr std::string_view documented_trade_snapshot = R"({
    "channel": "trade",
    "type": "snapshot",
    "data": [
        {
            "symbol": "MATIC/USD",
            "side": "buy",
            "price": 0.5147,
            "qty": 6423.46326,
            "ord_type": "limit",
            "trade_id": 4665846,
            "timestamp": "2023-09-25T07:48:36.925533Z"
        },
        {
            "symbol": "MATIC/USD",
            "side": "buy",
            "price": 0.5147,
            "qty": 1136.19677815,
            "ord_type": "limit",
            "trade_id": 4665847,
            "timestamp": "2023-09-25T07:49:36.925603Z"
        }
    ]
})";

constexpr instrument_id matic_id = 3;

symbol_map stream_symbols() {
  symbol_map m = test_symbols();
  m.add("MATIC/USD", matic_id);
  return m;
}

std::string kraken_trade(std::string_view symbol, std::uint64_t id, std::string_view side = "sell",
                         std::string_view price = "85205.1") {
  return R"({"symbol":")" + std::string(symbol) + R"(","side":")" + std::string(side) +
         R"(","price":)" + std::string(price) + R"(,"qty":0.00100000,"ord_type":"market",)" +
         R"("trade_id":)" + std::to_string(id) + R"(,"timestamp":"2025-11-25T09:00:34.000123Z"})";
}

std::string kraken_trades(std::string_view items) {
  return R"({"channel":"trade","type":"update","data":[)" + std::string(items) + "]}";
}

class KrakenStreams : public ::testing::Test {
 protected:
  parse_result parse(std::string_view frame) {
    events_.clear();
    return adapter_.parse(frame, recv_ts, events_);
  }
  kraken_adapter adapter_{stream_symbols(), fs_ticker | fs_trades | fs_bbo};
  market_events events_;
};

TEST_F(KrakenStreams, DocumentedTradeSnapshotIsTwoExactTradesInOrder) {
  const parse_result r = parse(documented_trade_snapshot);
  ASSERT_EQ(r.error, feed_errc::ok) << to_string(r.error);
  ASSERT_EQ(events_.trades.size(), 2u);
  const trade& a = events_.trades[0];
  EXPECT_EQ(a.venue, venue_id::kraken);
  EXPECT_EQ(a.instrument, matic_id);
  EXPECT_EQ(a.side, taker_side::buy);
  EXPECT_EQ(a.price.to_string(), "0.5147");
  EXPECT_EQ(a.size.to_string(), "6423.46326");
  EXPECT_EQ(a.id.view(), "4665846");
  EXPECT_EQ(a.exchange_ts_us, 1695628116925533);
  EXPECT_EQ(a.recv_ts_us, recv_ts);
  EXPECT_EQ(events_.trades[1].id.view(), "4665847");
  EXPECT_EQ(events_.trades[1].size.to_string(), "1136.19677815");
  EXPECT_EQ(r.trade_gaps, 0u);
}

TEST_F(KrakenStreams, DocumentedTickerAlsoGivesTheTopOfBook) {
  ASSERT_EQ(parse(documented_snapshot).error, feed_errc::ok);
  ASSERT_EQ(events_.ticks.size(), 1u);
  ASSERT_EQ(events_.quotes.size(), 1u);
  const top_of_book& q = events_.quotes[0];
  EXPECT_EQ(q.instrument, algo_id);
  EXPECT_EQ(q.bid.to_string(), "0.10025");
  EXPECT_EQ(q.bid_size.to_string(), "740.0");
  EXPECT_EQ(q.ask.to_string(), "0.10036");
  EXPECT_EQ(q.ask_size.to_string(), "1361.44813783");
  EXPECT_EQ(q.exchange_ts_us, 1695632671742648);
}

TEST_F(KrakenStreams, TradeIdJumpsAreGapsAndRepeatsAreDropped) {
  EXPECT_EQ(parse(kraken_trades(kraken_trade("BTC/USDT", 10))).trade_gaps, 0u);
  const parse_result r =
      parse(kraken_trades(kraken_trade("BTC/USDT", 11) + "," + kraken_trade("BTC/USDT", 11) + "," +
                          kraken_trade("BTC/USDT", 14) + "," + kraken_trade("ETH/USDT", 1) + "," +
                          kraken_trade("DOGE/USD", 1)));
  ASSERT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.trade_gaps, 2u);  // the repeated 11, the jump to 14
  EXPECT_EQ(r.unknown_symbols, 1u);
  ASSERT_EQ(events_.trades.size(), 3u);
  EXPECT_EQ(events_.trades[0].id.view(), "11");
  EXPECT_EQ(events_.trades[1].id.view(), "14");
  EXPECT_EQ(events_.trades[2].instrument, eth_id);
  adapter_.reset();
  EXPECT_EQ(parse(kraken_trades(kraken_trade("BTC/USDT", 3))).trade_gaps, 0u);
  EXPECT_EQ(events_.trades.size(), 1u);
}

TEST_F(KrakenStreams, MalformedTradesFailTheWholeFrame) {
  const std::string bad[] = {
      kraken_trades(kraken_trade("BTC/USDT", 1, "both")),
      kraken_trades(kraken_trade("BTC/USDT", 1, "buy", R"("85205.1")")),
      kraken_trades(kraken_trade("BTC/USDT", 2) + R"(,{"symbol":"BTC/USDT","side":"buy"})"),
      kraken_trades(R"({"symbol":"BTC/USDT","side":"buy","price":1,"qty":1,"trade_id":"x",)"
                    R"("timestamp":"2025-11-25T09:00:34Z"})"),
      kraken_trades(R"({"symbol":"BTC/USDT","side":"buy","price":1,"qty":1,"trade_id":1,)"
                    R"("timestamp":"today"})"),
      kraken_trades(R"({"symbol":"BTC/USDT","side":"buy","price":1,"qty":1,"trade_id":1.5,)"
                    R"("timestamp":"2025-11-25T09:00:34Z"})"),
      kraken_trades("7"),
  };
  for (const auto& frame : bad) {
    const parse_result r = parse(frame);
    EXPECT_NE(r.error, feed_errc::ok) << frame;
    EXPECT_TRUE(events_.empty()) << frame;
    EXPECT_EQ(r.trade_gaps, 0u) << frame;
  }
  EXPECT_EQ(parse(kraken_trades(kraken_trade("BTC/USDT", 5, "buy", "1e999"))).error,
            feed_errc::bad_number);
  EXPECT_EQ(parse(kraken_trades("")).error, feed_errc::ok);  // an empty batch says nothing
  EXPECT_TRUE(events_.empty());
}

TEST(KrakenStreamsSubscribe, TheBboStreamAsksForTheBboTriggerAndTradesForTheTradeChannel) {
  symbol_map m;
  m.add("BTC/USD", 0);
  EXPECT_EQ(kraken_adapter(m, fs_trades | fs_bbo).subscribe_messages(),
            (std::vector<std::string>{
                R"({"method":"subscribe","params":{"channel":"ticker","event_trigger":"bbo",)"
                R"("symbol":["BTC/USD"]},"req_id":1})",
                R"({"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"]},)"
                R"("req_id":2})"}));
  EXPECT_EQ(kraken_adapter(m, fs_trades).subscribe_messages().size(), 1u);
}

}  // namespace
}  // namespace tickerd
