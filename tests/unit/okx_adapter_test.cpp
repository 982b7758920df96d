#include <gtest/gtest.h>

#include <simdjson.h>

#include <algorithm>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "feeds/venues/okx_adapter.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {
namespace {

// "WS / Tickers channel", "Push Data Example", from OKX's API v5 documentation, verbatim.
constexpr std::string_view documented_push = R"({
  "arg": {
    "channel": "tickers",
    "instId": "BTC-USDT"
  },
  "data": [
    {
      "instType": "SPOT",
      "instId": "BTC-USDT",
      "last": "9999.99",
      "lastSz": "0.1",
      "askPx": "9999.99",
      "askSz": "11",
      "bidPx": "8888.88",
      "bidSz": "5",
      "open24h": "9000",
      "high24h": "10000",
      "low24h": "8888.88",
      "volCcy24h": "2222",
      "vol24h": "2222",
      "sodUtc0": "2222",
      "sodUtc8": "2222",
      "ts": "1597026383085"
    }
  ]
})";

// Same channel, "Successful Response Example" and "Failure Response Example", verbatim.
constexpr std::string_view documented_subscribe_ack = R"({
  "id": "1512",
  "event": "subscribe",
  "arg": {
    "channel": "tickers",
    "instId": "BTC-USDT"
  },
  "connId": "a4d3ae55"
})";
constexpr std::string_view documented_failure = R"({
  "id": "1512",
  "event": "error",
  "code": "60012",
  "msg": "Invalid request: {\"op\": \"subscribe\", \"argss\":[{ \"channel\" : \"tickers\", \"instId\" : \"LTC-USD-200327\"}]}",
  "connId": "a4d3ae55"
})";

// "WebSocket" overview: "Unsubscribe" response, "Notification" (event = notice) and the
// "Connection count limit" messages, verbatim.
constexpr std::string_view documented_unsubscribe_ack = R"({
  "event": "unsubscribe",
  "arg": {
    "channel": "tickers",
    "instId": "BTC-USDT"
  },
  "connId": "d0b44253"
})";
constexpr std::string_view documented_notice = R"({
  "event": "notice",
  "code": "64008",
  "msg": "The connection will soon be closed for a service upgrade. Please reconnect.",
  "connId": "a4d3ae55"
})";
constexpr std::string_view documented_conn_count = R"({
  "event": "channel-conn-count",
  "channel": "orders",
  "connCount": "2",
  "connId": "abcd1234"
})";
constexpr std::string_view documented_conn_count_error = R"({
  "event": "channel-conn-count-error",
  "channel": "orders",
  "connCount": "30",
  "connId": "a4d3ae55"
})";

constexpr instrument_id btc_id = 0;
constexpr instrument_id eth_id = 1;
constexpr instrument_id swap_id = 5;
constexpr std::int64_t recv_ts = 1764061234001234;

using field_list = std::vector<std::pair<std::string, std::string>>;  // key, raw JSON value

// A realistic BTC-USDT push, field by field, so tests can drop, reorder or retype fields.
// Quote and base volumes differ here (the documented example has 2222 for both).
field_list btc_fields() {
  return {
      {"instType", R"("SPOT")"},        {"instId", R"("BTC-USDT")"},
      {"last", R"("85205.7")"},         {"lastSz", R"("0.0000102")"},
      {"askPx", R"("85205.8")"},        {"askSz", R"("0.25697131")"},
      {"bidPx", R"("85205.7")"},        {"bidSz", R"("0.65302934")"},
      {"open24h", R"("86056.1")"},      {"high24h", R"("86800")"},
      {"low24h", R"("84500.1")"},       {"volCcy24h", R"("458903124.056360828")"},
      {"vol24h", R"("5449.95415651")"}, {"sodUtc0", R"("84409.9")"},
      {"sodUtc8", R"("83800")"},        {"ts", R"("1764061234000")"},
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

std::string push_of(const std::vector<std::string>& items, std::string_view inst = "BTC-USDT") {
  std::string s =
      R"({"arg":{"channel":"tickers","instId":")" + std::string(inst) + R"("},"data":[)";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) s += ',';
    s += items[i];
  }
  return s + "]}";
}

std::string push_of(const field_list& fields) {
  return push_of(std::vector{object_of(fields)});
}

field_list without(field_list f, std::string_view key) {
  f.erase(std::remove_if(f.begin(), f.end(), [&](const auto& kv) { return kv.first == key; }),
          f.end());
  return f;
}

field_list with(field_list f, std::string_view key, std::string value) {
  for (auto& kv : f) {
    if (kv.first == key) kv.second = value;
  }
  return f;
}

symbol_map test_symbols() {
  symbol_map m;
  m.add("BTC-USDT", btc_id);
  m.add("eth-usdt", eth_id);  // OKX spells instrument ids in upper case; the map is folded
  m.add("BTC-USD-SWAP", swap_id);
  return m;
}

constexpr std::uint16_t all_fields = tf_last | tf_open | tf_high | tf_low | tf_volume_base |
                                     tf_volume_quote | tf_bid | tf_ask | tf_bid_qty | tf_ask_qty;

class OkxAdapter : public ::testing::Test {
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
  void expect_control(std::string_view frame, feed_errc error = feed_errc::ok) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, error) << to_string(r.error) << " for " << frame;
    EXPECT_EQ(r.kind, frame_kind::control) << frame;
    EXPECT_EQ(r.unknown_symbols, 0u) << frame;
    EXPECT_TRUE(out_.empty()) << frame;
  }

  static std::string str(decimal d) { return d.to_string(); }

  void expect_btc(const tick& t) {
    EXPECT_EQ(t.venue, venue_id::okx);
    EXPECT_EQ(t.instrument, btc_id);
    EXPECT_EQ(t.exchange_ts_us, 1764061234000000);
    EXPECT_EQ(t.recv_ts_us, recv_ts);
    EXPECT_EQ(str(t.last), "85205.7");
    EXPECT_EQ(str(t.open_24h), "86056.1");
    EXPECT_EQ(str(t.high_24h), "86800");
    EXPECT_EQ(str(t.low_24h), "84500.1");
    EXPECT_EQ(str(t.volume_base), "5449.95415651");         // vol24h: base for SPOT
    EXPECT_EQ(str(t.volume_quote), "458903124.056360828");  // volCcy24h: quote for SPOT
    EXPECT_EQ(str(t.bid), "85205.7");
    EXPECT_EQ(str(t.ask), "85205.8");
    EXPECT_EQ(str(t.bid_qty), "0.65302934");
    EXPECT_EQ(str(t.ask_qty), "0.25697131");
    EXPECT_EQ(t.fields, all_fields);  // OKX reports no change percent
  }

  symbol_map symbols_ = test_symbols();
  okx_adapter adapter_{symbols_};
  std::vector<tick> out_;
};

TEST_F(OkxAdapter, DocumentedPushExampleVerbatim) {
  const tick& t = only_tick(documented_push);
  EXPECT_EQ(t.venue, venue_id::okx);
  EXPECT_EQ(t.instrument, btc_id);
  EXPECT_EQ(t.exchange_ts_us, 1597026383085000);
  EXPECT_EQ(t.recv_ts_us, recv_ts);
  EXPECT_EQ(t.fields, all_fields);
  // Exact values with the venue's precision, not just equal numbers.
  EXPECT_TRUE(t.last.identical(decimal(999999, 2)));
  EXPECT_TRUE(t.ask.identical(decimal(999999, 2)));
  EXPECT_TRUE(t.ask_qty.identical(decimal(11, 0)));
  EXPECT_TRUE(t.bid.identical(decimal(888888, 2)));
  EXPECT_TRUE(t.bid_qty.identical(decimal(5, 0)));
  EXPECT_TRUE(t.open_24h.identical(decimal(9000, 0)));
  EXPECT_TRUE(t.high_24h.identical(decimal(10000, 0)));
  EXPECT_TRUE(t.low_24h.identical(decimal(888888, 2)));
  EXPECT_TRUE(t.volume_quote.identical(decimal(2222, 0)));
  EXPECT_TRUE(t.volume_base.identical(decimal(2222, 0)));
}

TEST_F(OkxAdapter, RealisticPush) {
  expect_btc(only_tick(push_of(btc_fields())));
  // "data" before "arg", and whitespace everywhere JSON allows it.
  const std::string reversed =
      "{ \"data\" : [ " + object_of(btc_fields()) +
      " ] ,\n\t\"arg\" : {\"instId\":\"BTC-USDT\",\"channel\":\"tickers\"} }\r\n";
  expect_btc(only_tick(reversed));
  // Without "arg" at all: the data is self-describing.
  expect_btc(only_tick("{\"data\":[" + object_of(btc_fields()) + "]}"));
}

TEST_F(OkxAdapter, FieldOrderDoesNotMatter) {
  field_list f = btc_fields();
  std::reverse(f.begin(), f.end());
  expect_btc(only_tick(push_of(f)));
  std::mt19937 rng(20240601);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(f.begin(), f.end(), rng);
    expect_btc(only_tick(push_of(f)));
  }
}

TEST_F(OkxAdapter, UnknownExtraFieldsAreIgnored) {
  field_list f = btc_fields();
  f.insert(f.begin() + 3, {"zz", R"({"nested":[1,2,{"a":"b"}],"x":null})"});
  f.push_back({"seqId", "1234"});
  f.push_back({"lastx", R"("not a number")"});  // near-misses of known keys
  f.push_back({"", "1"});
  f.push_back({"\\u006cast", R"("garbage")"});  // an escaped "last" is not the "last" key
  f.push_back({"i", "true"});
  expect_btc(only_tick(push_of(f)));
  expect_btc(only_tick(R"({"id":"9","arg":{"channel":"tickers","instId":"BTC-USDT","x":[1]},)"
                       R"("extra":[1,2],"data":[)" +
                       object_of(btc_fields()) + "]}"));
}

TEST_F(OkxAdapter, SymbolsAreMatchedInUpperCase) {
  const tick& t = only_tick(push_of(with(btc_fields(), "instId", R"("ETH-USDT")")));
  EXPECT_EQ(t.instrument, eth_id);  // configured as "eth-usdt"
  const parse_result lower = parse(push_of(with(btc_fields(), "instId", R"("btc-usdt")")));
  EXPECT_EQ(lower.error, feed_errc::ok);
  EXPECT_EQ(lower.unknown_symbols, 1u);
  EXPECT_TRUE(out_.empty());
}

TEST_F(OkxAdapter, UnknownSymbolIsCountedNotPublished) {
  const parse_result r = parse(push_of(with(btc_fields(), "instId", R"("DOGE-USDT")")));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  EXPECT_EQ(r.unknown_symbols, 1u);
  EXPECT_TRUE(out_.empty());
}

TEST_F(OkxAdapter, SeveralTickersInOnePush) {
  const std::string eth = object_of(with(btc_fields(), "instId", R"("ETH-USDT")"));
  const std::string doge = object_of(with(btc_fields(), "instId", R"("DOGE-USDT")"));
  const parse_result r = parse(push_of({object_of(btc_fields()), doge, eth}));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  EXPECT_EQ(r.unknown_symbols, 1u);
  ASSERT_EQ(out_.size(), 2u);
  expect_btc(out_[0]);
  EXPECT_EQ(out_[1].instrument, eth_id);

  // All or nothing: a bad second item takes back the first item's tick, and ticks the caller
  // already had are left alone.
  out_.assign(1, tick{});
  out_[0].exchange_ts_us = -77;
  const std::string bad = object_of(with(btc_fields(), "last", R"("x")"));
  const parse_result failed = adapter_.parse(push_of({object_of(btc_fields()), bad}), 1, out_);
  EXPECT_EQ(failed.error, feed_errc::bad_number);
  EXPECT_EQ(failed.unknown_symbols, 0u);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].exchange_ts_us, -77);
}

TEST_F(OkxAdapter, DerivativeVolumesAreCountedInBaseCurrency) {
  // For SWAP/FUTURES/OPTION volCcy24h is in base currency and vol24h counts contracts.
  const field_list swap =
      with(with(with(btc_fields(), "instType", R"("SWAP")"), "instId", R"("BTC-USD-SWAP")"),
           "vol24h", R"("17696570")");
  const tick& t = only_tick(push_of(swap));
  EXPECT_EQ(t.instrument, swap_id);
  EXPECT_TRUE(t.has(tf_volume_base));
  EXPECT_FALSE(t.has(tf_volume_quote));
  EXPECT_EQ(str(t.volume_base), "458903124.056360828");
  // MARGIN and a missing instType count like SPOT.
  const tick& m = only_tick(push_of(with(btc_fields(), "instType", R"("MARGIN")")));
  EXPECT_EQ(str(m.volume_base), "5449.95415651");
  EXPECT_EQ(str(m.volume_quote), "458903124.056360828");
  expect_btc(only_tick(push_of(without(btc_fields(), "instType"))));
}

TEST_F(OkxAdapter, OptionalFieldsMayBeMissingNullOrEmpty) {
  {
    const tick& t = only_tick(push_of(without(without(btc_fields(), "bidPx"), "askSz")));
    EXPECT_FALSE(t.has(tf_bid));
    EXPECT_FALSE(t.has(tf_ask_qty));
    EXPECT_TRUE(t.has(tf_ask));
    EXPECT_TRUE(t.has(tf_last));
  }
  {
    // OKX sends "" for a value it does not have, e.g. no ask during the pre-open.
    const tick& t = only_tick(push_of(
        with(with(with(btc_fields(), "askPx", R"("")"), "askSz", R"("")"), "open24h", "null")));
    EXPECT_FALSE(t.has(tf_ask));
    EXPECT_FALSE(t.has(tf_ask_qty));
    EXPECT_FALSE(t.has(tf_open));
    EXPECT_TRUE(t.has(tf_high));
  }
  {
    const tick& t = only_tick(push_of(with(without(btc_fields(), "vol24h"), "volCcy24h", "null")));
    EXPECT_FALSE(t.has(tf_volume_base));
    EXPECT_FALSE(t.has(tf_volume_quote));
  }
  {
    // Minimal: only the three required fields.
    const tick& t = only_tick(R"({"data":[{"instId":"BTC-USDT","last":"1.5","ts":"7"}]})");
    EXPECT_EQ(t.fields, tf_last);
    EXPECT_EQ(t.exchange_ts_us, 7000);
    EXPECT_TRUE(t.last.identical(decimal(15, 1)));
  }
  {
    // A repeated key: the last one counts, and a later "" clears an earlier value.
    const tick& t = only_tick(
        R"({"data":[{"instId":"BTC-USDT","last":"1.5","ts":"7","bidPx":"1","bidPx":"","last":"2"}]})");
    EXPECT_FALSE(t.has(tf_bid));
    EXPECT_TRUE(t.last.identical(decimal(2, 0)));
  }
}

TEST_F(OkxAdapter, MissingRequiredFields) {
  for (std::string_view key : {"instId", "last", "ts"}) {
    EXPECT_EQ(error_of(push_of(without(btc_fields(), key))), feed_errc::unexpected_shape) << key;
    EXPECT_EQ(error_of(push_of(with(btc_fields(), key, "null"))), feed_errc::unexpected_shape)
        << key;
  }
  EXPECT_EQ(error_of(push_of(with(btc_fields(), "last", R"("")"))), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(push_of(with(btc_fields(), "ts", R"("")"))), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"arg":{"channel":"tickers","instId":"BTC-USDT"}})"),
            feed_errc::unexpected_shape);
  EXPECT_EQ(error_of("{}"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"arg":{"channel":"tickers"},"data":[]})"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"arg":{"channel":"tickers"},"data":[{}]})"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"code":"60012","msg":"Invalid request"})"), feed_errc::unexpected_shape);
}

TEST_F(OkxAdapter, WrongTypes) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"last", "9999.99"},  // number where a string is expected
      {"last", "85205"},
      {"bidPx", "1"},
      {"open24h", "true"},
      {"vol24h", "[\"1\"]"},
      {"volCcy24h", "{\"v\":\"1\"}"},
      {"instId", "1"},
      {"instId", "[\"BTC-USDT\"]"},
      {"instId", "\"BTC\\u002dUSDT\""},  // an escaped id cannot match a configured one
      {"instType", "1"},
      {"ts", "1597026383085"},  // a number: OKX sends every value as a string
      {"ts", "true"},
  };
  for (const auto& [key, value] : cases) {
    const std::string frame = push_of(with(btc_fields(), key, std::string(value)));
    EXPECT_EQ(error_of(frame), feed_errc::unexpected_shape) << key << "=" << value;
  }
  const std::string good = object_of(btc_fields());
  for (const std::string& frame : std::vector<std::string>{
           R"({"arg":{"channel":"tickers"},"data":)" + good + "}",  // data must be an array
           R"({"arg":{"channel":"tickers"},"data":"x"})",
           R"({"arg":{"channel":"tickers"},"data":[1,2]})",
           R"({"arg":{"channel":"tickers"},"data":[[)" + good + "]]}",
           R"({"arg":{"channel":"tickers"},"data":[)" + good + ",null]}",
           R"({"arg":"tickers","data":[)" + good + "]}",
           R"({"arg":{"channel":1},"data":[)" + good + "]}",
           R"({"arg":{"channel":"books5","instId":"BTC-USDT"},"data":[)" + good + "]}",
           R"({"arg":{"channel":"Tickers","instId":"BTC-USDT"},"data":[)" + good + "]}",
           R"({"event":1,"arg":{"channel":"tickers"}})",
           R"({"event":["error"]})",
           "[" + push_of(btc_fields()) + "]",
       }) {
    EXPECT_EQ(error_of(frame), feed_errc::unexpected_shape) << frame;
  }
  for (std::string_view scalar : {"42", "-1", "\"pong\"", "true", "false", "null", "[]"}) {
    EXPECT_EQ(error_of(scalar), feed_errc::unexpected_shape) << scalar;
  }
}

// Issue 11: PEPE/SHIB-sized vol24h and volCcy24h beyond int64, prices of 10^-8 and below.
TEST_F(OkxAdapter, RealWorldExtremes) {
  field_list f = btc_fields();
  f = with(f, "last", R"("0.000000001234")");
  f = with(f, "bidPx", R"("0.00000001")");
  f = with(f, "low24h", R"("0.000000000001")");
  f = with(f, "vol24h", R"("98765432109876543.12345678")");
  f = with(f, "volCcy24h", R"("345678901234.000000000")");
  const tick& t = only_tick(push_of(f));
  EXPECT_EQ(t.last.to_string(), "0.000000001234");
  EXPECT_EQ(t.bid.to_string(), "0.00000001");
  EXPECT_EQ(t.low_24h.to_string(), "0.000000000001");
  EXPECT_EQ(t.volume_base.to_string(), "98765432109876543.12345678");
  EXPECT_EQ(t.volume_quote.to_string(), "345678901234.000000000");
}

TEST_F(OkxAdapter, BadNumbers) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"last", "\"abc\""},
      {"last", "\"1,5\""},
      {"last", "\" 1.5\""},
      {"last", "\"NaN\""},
      {"bidPx", "\"100000000000000000000000000000000000000\""},  // 39 digits: beyond 38
      {"askPx", "\"-99999999999999999999999999999999999999.9\""},
      {"vol24h", "\"1e-31\""},  // beyond 30 fraction digits
      {"volCcy24h", "\"0.0000000000000000000000000000001\""},
      {"high24h", "\"1.5\\u0030\""},  // escapes never appear in a price
      {"bidSz", "\"-\""},
      {"ts", "\"-1\""},  // timestamps: plain digits that fit an int64
      {"ts", "\"+1\""},
      {"ts", "\" 1\""},
      {"ts", "\"12x\""},
      {"ts", "\"1.5\""},
      {"ts", "\"1e3\""},
      {"ts", "\"99999999999999999999\""},
      {"ts", "\"1\\u0030\""},
  };
  for (const auto& [key, value] : cases) {
    const std::string frame = push_of(with(btc_fields(), key, std::string(value)));
    EXPECT_EQ(error_of(frame), feed_errc::bad_number) << key << "=" << value;
  }
}

TEST_F(OkxAdapter, HugeButValidValues) {
  const field_list f =
      with(with(with(btc_fields(), "last", R"("99999999999999999999999999999999999999")"), "vol24h",
                R"("0.000000000000000000000000000001")"),
           "ts", R"("9223372036854775")");
  const tick& t = only_tick(push_of(f));
  EXPECT_EQ(t.last.to_string(), "99999999999999999999999999999999999999");
  EXPECT_TRUE(t.volume_base.identical(decimal(1, 30)));
  EXPECT_EQ(t.exchange_ts_us, 9223372036854775000);  // the largest ms that fits in µs
  const tick& z = only_tick(push_of(with(btc_fields(), "ts", R"("0")")));
  EXPECT_EQ(z.exchange_ts_us, 0);
}

TEST_F(OkxAdapter, NotJson) {
  EXPECT_EQ(error_of(""), feed_errc::invalid_json);
  EXPECT_EQ(error_of("   \n"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("ping"), feed_errc::invalid_json);  // the client's keepalive, not OKX's
  EXPECT_EQ(error_of("pong "), feed_errc::invalid_json);
  EXPECT_EQ(error_of("PONG"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_push) + " x"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_push) + "}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_push) + std::string(documented_push)),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"data":[{"instId":"BTC-USDT" "last":"1","ts":"1"}]})"),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"data":[{"instId":"BTC-USDT","last":nul,"ts":"1"}]})"),
            feed_errc::invalid_json);
  for (std::string_view frame : {R"({"data":x})", R"({"data":[tru]})", R"({"data":[nul]})",
                                 R"({"data":[,]})", R"({"arg":falsy,"data":[]})",
                                 R"({"arg":{"channel":"tickers"},"data":[)"
                                 R"({"instId":"BTC-USDT","last":"1","ts":"1"},]})"}) {
    EXPECT_EQ(error_of(frame), feed_errc::invalid_json) << frame;
  }
  EXPECT_EQ(error_of("{\"data\":[{\"instId\":\"BTC\xff\xfe\",\"last\":\"1\",\"ts\":\"1\"}]}"),
            feed_errc::invalid_json);
  // Trailing whitespace is fine.
  only_tick(std::string(documented_push) + " \r\n\t ");
}

TEST_F(OkxAdapter, EveryTruncationIsRejected) {
  const std::string frames[] = {std::string(documented_push), push_of(btc_fields())};
  for (const std::string& full : frames) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      const std::string_view cut(full.data(), n);
      EXPECT_EQ(error_of(cut), feed_errc::invalid_json) << "prefix of " << n << " bytes: " << cut;
    }
    only_tick(full);  // and the whole frame still parses after all those failures
  }
  for (std::string_view cut : {"p", "po", "pon"}) {
    EXPECT_EQ(error_of(cut), feed_errc::invalid_json) << cut;
  }
}

TEST_F(OkxAdapter, ControlMessages) {
  expect_control("pong");  // the answer to our "ping"
  expect_control(documented_subscribe_ack);
  expect_control(documented_unsubscribe_ack);
  expect_control(documented_notice);  // a disconnect is coming; nothing to publish
  expect_control(documented_conn_count);
  expect_control(
      R"({"event":"subscribe","arg":{"channel":"tickers","instId":"DOGE-USDT"},"connId":"1"})");
  expect_control(R"({"event":"login","code":"0","msg":"","connId":"a4d3ae55"})");
  expect_control(R"({"event":"some-future-event"})");
}

TEST_F(OkxAdapter, VenueErrors) {
  expect_control(documented_failure, feed_errc::venue_error);
  expect_control(documented_conn_count_error, feed_errc::venue_error);
  // Codes from OKX's WebSocket error table, with the 60018 wording OKX uses for an unknown
  // instrument.
  for (
      std::string_view frame : {
          R"({"event":"error","msg":"Wrong URL or channel:tickers,instId:NMR-USDT doesn't exist. Please use the correct URL, channel and parameters referring to API document.","code":"60018","connId":"0d0c61a5"})",
          R"({"event":"error","code":"60019","msg":"Invalid op: subscrbe","connId":"a4d3ae55"})",
          R"({"event":"error","code":"60014","msg":"Requests too frequent","connId":"a4d3ae55"})",
          R"({"event":"error"})",
      }) {
    expect_control(frame, feed_errc::venue_error);
  }
}

TEST_F(OkxAdapter, FrameSizeCap) {
  std::string big = push_of(btc_fields());
  big.resize(okx_adapter::max_frame_bytes, ' ');  // trailing whitespace: still valid
  expect_btc(only_tick(big));
  big.push_back(' ');
  EXPECT_EQ(error_of(big), feed_errc::too_large);
  expect_btc(only_tick(push_of(btc_fields())));  // the parser is still usable afterwards
}

TEST_F(OkxAdapter, ConnectionSettings) {
  EXPECT_EQ(adapter_.venue(), venue_id::okx);
  EXPECT_EQ(adapter_.target(""), "/ws/v5/public");
  EXPECT_EQ(adapter_.target("/ws/v5/public"), "/ws/v5/public");
  EXPECT_EQ(adapter_.target("/okx/ws/v5/public"), "/okx/ws/v5/public");
  // OKX: send the text "ping" when nothing arrived for N < 30 seconds.
  EXPECT_EQ(adapter_.keepalive_message(), "ping");
  EXPECT_GT(adapter_.keepalive_interval().count(), 0);
  EXPECT_LT(adapter_.keepalive_interval(), std::chrono::seconds(30));

  // The "Request Example" shape without the optional "id", one arg per configured symbol.
  const auto subs = adapter_.subscribe_messages();
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0], R"({"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"},)"
                     R"({"channel":"tickers","instId":"ETH-USDT"},)"
                     R"({"channel":"tickers","instId":"BTC-USD-SWAP"}]})");

  const auto made = make_venue_adapter(venue_id::okx, symbols_);
  ASSERT_TRUE(made);
  EXPECT_EQ(made->venue(), venue_id::okx);
  EXPECT_TRUE(okx_adapter(symbol_map{}).subscribe_messages().empty());
}

TEST_F(OkxAdapter, LargeSymbolListsAreSplitBelowTheRequestLimit) {
  symbol_map many;
  for (int i = 0; i < 3000; ++i) {
    many.add("COIN" + std::to_string(i) + "-USDT", static_cast<instrument_id>(i));
  }
  const auto subs = okx_adapter(many).subscribe_messages();
  EXPECT_GE(subs.size(), 3u);  // about 48 bytes an arg: 3000 do not fit in one 64 KB request
  std::set<std::string> seen;
  simdjson::dom::parser p;
  for (const auto& msg : subs) {
    EXPECT_LE(msg.size(), okx_adapter::max_subscribe_bytes);
    simdjson::dom::element doc;
    ASSERT_EQ(p.parse(msg).get(doc), simdjson::SUCCESS) << msg.substr(0, 200);
    std::string_view op;
    ASSERT_EQ(doc["op"].get(op), simdjson::SUCCESS);
    EXPECT_EQ(op, "subscribe");
    simdjson::dom::array args;
    ASSERT_EQ(doc["args"].get(args), simdjson::SUCCESS);
    EXPECT_GT(args.size(), 0u);
    for (auto arg : args) {
      std::string_view channel, inst;
      ASSERT_EQ(arg["channel"].get(channel), simdjson::SUCCESS);
      ASSERT_EQ(arg["instId"].get(inst), simdjson::SUCCESS);
      EXPECT_EQ(channel, "tickers");
      EXPECT_TRUE(seen.insert(std::string(inst)).second) << inst;
    }
  }
  EXPECT_EQ(seen.size(), 3000u);
  EXPECT_TRUE(seen.count("COIN2999-USDT"));
}

// ---- trades and top of book ----------------------------------------------------------------

// The "trades" channel push example of the OKX v5 API docs ("WS / Trades channel"), with the
// documented "count" field.
constexpr std::string_view documented_trades = R"({
  "arg": {"channel": "trades", "instId": "BTC-USDT"},
  "data": [
    {"instId": "BTC-USDT", "tradeId": "130639474", "px": "42219.9", "sz": "0.12060306",
     "side": "buy", "ts": "1630048897897", "count": "3"}
  ]
})";

// A bbo-tbt push as the OKX v5 docs' "WS / Order book channel" describes it: one level per side,
// each [price, size, deprecated "0", number of orders], "ts" in ms and a numeric "seqId".
constexpr std::string_view documented_bbo = R"({
  "arg": {"channel": "bbo-tbt", "instId": "BTC-USDT"},
  "data": [
    {"asks": [["8476.98", "415", "0", "13"]], "bids": [["8476.97", "256", "0", "12"]],
     "ts": "1597026383085", "seqId": 123456}
  ]
})";

std::string okx_trade(std::string_view inst, std::string_view id, std::string_view side = "sell") {
  return R"({"instId":")" + std::string(inst) + R"(","tradeId":")" + std::string(id) +
         R"(","px":"100.5","sz":"0.25","side":")" + std::string(side) +
         R"(","ts":"1700000000001"})";
}

std::string okx_trades(std::string_view items) {
  return R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[)" + std::string(items) + "]}";
}

class OkxStreams : public ::testing::Test {
 protected:
  parse_result parse(std::string_view frame) {
    events_.clear();
    return adapter_.parse(frame, recv_ts, events_);
  }
  okx_adapter adapter_{test_symbols(), fs_ticker | fs_trades | fs_bbo};
  market_events events_;
};

TEST_F(OkxStreams, DocumentedTradeIsOneExactTrade) {
  const parse_result r = parse(documented_trades);
  ASSERT_EQ(r.error, feed_errc::ok) << to_string(r.error);
  ASSERT_EQ(events_.trades.size(), 1u);
  const trade& t = events_.trades[0];
  EXPECT_EQ(t.venue, venue_id::okx);
  EXPECT_EQ(t.instrument, btc_id);
  EXPECT_EQ(t.id.view(), "130639474");
  EXPECT_EQ(t.price.to_string(), "42219.9");
  EXPECT_EQ(t.size.to_string(), "0.12060306");
  EXPECT_EQ(t.side, taker_side::buy);
  EXPECT_EQ(t.exchange_ts_us, 1630048897897000);
  EXPECT_EQ(t.recv_ts_us, recv_ts);
}

TEST_F(OkxStreams, DocumentedBboIsOneTopOfBook) {
  const parse_result r = parse(documented_bbo);
  ASSERT_EQ(r.error, feed_errc::ok) << to_string(r.error);
  ASSERT_EQ(events_.quotes.size(), 1u);
  const top_of_book& q = events_.quotes[0];
  EXPECT_EQ(q.instrument, btc_id);
  EXPECT_TRUE(q.has_bid && q.has_ask);
  EXPECT_EQ(q.bid.to_string(), "8476.97");
  EXPECT_EQ(q.bid_size.to_string(), "256");
  EXPECT_EQ(q.ask.to_string(), "8476.98");
  EXPECT_EQ(q.ask_size.to_string(), "415");
  EXPECT_EQ(q.venue_seq, 123456u);
  EXPECT_EQ(q.exchange_ts_us, 1597026383085000);
}

TEST_F(OkxStreams, ManyTradesInOnePushKeepTheirOrder) {
  const parse_result r =
      parse(okx_trades(okx_trade("BTC-USDT", "10") + "," + okx_trade("BTC-USDT", "11", "buy") +
                       "," + okx_trade("DOGE-USDT", "1") + "," + okx_trade("ETH-USDT", "3")));
  ASSERT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.unknown_symbols, 1u);
  ASSERT_EQ(events_.trades.size(), 3u);
  EXPECT_EQ(events_.trades[0].id.view(), "10");
  EXPECT_EQ(events_.trades[0].side, taker_side::sell);
  EXPECT_EQ(events_.trades[1].id.view(), "11");
  EXPECT_EQ(events_.trades[1].side, taker_side::buy);
  EXPECT_EQ(events_.trades[2].instrument, eth_id);
}

TEST_F(OkxStreams, IdsOnlyIncreaseSoJumpsAreNotGapsButRepeatsAreDropped) {
  EXPECT_EQ(parse(okx_trades(okx_trade("BTC-USDT", "10"))).trade_gaps, 0u);
  // "count" merges fills: the next id may be several higher without anything missed.
  EXPECT_EQ(parse(okx_trades(okx_trade("BTC-USDT", "14"))).trade_gaps, 0u);
  const parse_result r =
      parse(okx_trades(okx_trade("BTC-USDT", "14") + "," + okx_trade("BTC-USDT", "12") + "," +
                       okx_trade("BTC-USDT", "15")));
  EXPECT_EQ(r.trade_gaps, 2u);
  ASSERT_EQ(events_.trades.size(), 1u);
  EXPECT_EQ(events_.trades[0].id.view(), "15");
}

TEST_F(OkxStreams, MalformedTradesAndBboFailTheWholePush) {
  const std::string bad[] = {
      okx_trades(okx_trade("BTC-USDT", "1") + R"(,{"instId":"BTC-USDT","tradeId":"2"})"),
      okx_trades(okx_trade("BTC-USDT", "1", "up")),
      okx_trades(okx_trade("BTC-USDT", "x1")),
      okx_trades(R"({"instId":"BTC-USDT","tradeId":"1","px":100,"sz":"1","side":"buy","ts":"1"})"),
      okx_trades(R"("not an object")"),
      R"({"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["1"]],"bids":[],"ts":"1"}]})",
      R"({"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[],"bids":[]}]})",
      R"({"arg":{"channel":"bbo-tbt"},"data":[{"asks":[],"bids":[],"ts":"1"}]})",
      R"({"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":{},"bids":[],"ts":"1"}]})",
      okx_trades(""),
  };
  for (const auto& frame : bad) {
    const parse_result r = parse(frame);
    EXPECT_NE(r.error, feed_errc::ok) << frame;
    EXPECT_TRUE(events_.empty()) << frame;
  }
  EXPECT_EQ(parse(okx_trades(R"({"instId":"BTC-USDT","tradeId":"1","px":"1..2","sz":"1",)"
                             R"("side":"buy","ts":"1"})"))
                .error,
            feed_errc::bad_number);
}

TEST_F(OkxStreams, AnEmptyBookSideIsAbsent) {
  ASSERT_EQ(parse(R"({"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[],)"
                  R"("bids":[["1.5","2","0","1"]],"ts":"1","seqId":2}]})")
                .error,
            feed_errc::ok);
  ASSERT_EQ(events_.quotes.size(), 1u);
  EXPECT_TRUE(events_.quotes[0].has_bid);
  EXPECT_FALSE(events_.quotes[0].has_ask);
}

TEST(OkxStreamsSubscribe, EachChosenChannelIsSubscribedPerInstrument) {
  symbol_map m;
  m.add("BTC-USDT", 0);
  const auto msgs = okx_adapter(m, fs_trades | fs_bbo).subscribe_messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0], R"({"op":"subscribe","args":[{"channel":"trades","instId":"BTC-USDT"},)"
                     R"({"channel":"bbo-tbt","instId":"BTC-USDT"}]})");
  EXPECT_EQ(okx_adapter(m).subscribe_messages().at(0),
            R"({"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]})");
}

}  // namespace
}  // namespace tickerd
