#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "feeds/venues/binance_adapter.hpp"
#include "tickerd/feeds/feed_stats.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {
namespace {

// The payload of "Individual Symbol Ticker Streams" from Binance's WebSocket Streams
// documentation, verbatim apart from the // comments (which are not JSON).
constexpr std::string_view documented_example = R"({
  "e": "24hrTicker",
  "E": 1672515782136,
  "s": "BNBBTC",
  "p": "0.0015",
  "P": "250.00",
  "w": "0.0018",
  "x": "0.0009",
  "c": "0.0025",
  "Q": "10",
  "b": "0.0024",
  "B": "10",
  "a": "0.0026",
  "A": "100",
  "o": "0.0010",
  "h": "0.0025",
  "l": "0.0010",
  "v": "10000",
  "q": "18",
  "O": 0,
  "C": 86400000,
  "F": 0,
  "L": 18150,
  "n": 18151
})";

constexpr instrument_id btc_id = 0;
constexpr instrument_id eth_id = 1;
constexpr instrument_id bnb_id = 7;
constexpr std::int64_t recv_ts = 1764061234001234;

using field_list = std::vector<std::pair<std::string, std::string>>;  // key, raw JSON value

// A realistic BTCUSDT 24hrTicker, field by field, so tests can drop, reorder or retype fields.
field_list btc_fields() {
  return {
      {"e", R"("24hrTicker")"},
      {"E", "1764061234000"},
      {"s", R"("BTCUSDT")"},
      {"p", R"("-850.40000000")"},
      {"P", R"("-0.988")"},
      {"w", R"("85678.12345678")"},
      {"x", R"("86056.09000000")"},
      {"c", R"("85205.70000000")"},
      {"Q", R"("0.00123000")"},
      {"b", R"("85205.69000000")"},
      {"B", R"("1.23456000")"},
      {"a", R"("85205.70000000")"},
      {"A", R"("0.54321000")"},
      {"o", R"("86056.10000000")"},
      {"h", R"("86500.00000000")"},
      {"l", R"("84500.10000000")"},
      {"v", R"("12345.67890000")"},
      {"q", R"("1057654321.12345678")"},
      {"O", "1763974834000"},
      {"C", "1764061234000"},
      {"F", "5000000000"},
      {"L", "5001234567"},
      {"n", "1234568"},
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

std::string wrapped(const std::string& data, std::string_view stream = "btcusdt@ticker") {
  return R"({"stream":")" + std::string(stream) + R"(","data":)" + data + "}";
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
  m.add("BTCUSDT", btc_id);
  m.add("ETHUSDT", eth_id);
  m.add("BNBBTC", bnb_id);
  return m;
}

class BinanceAdapter : public ::testing::Test {
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

  static std::string str(decimal d) { return d.to_string(); }

  void expect_btc(const tick& t) {
    EXPECT_EQ(t.venue, venue_id::binance);
    EXPECT_EQ(t.instrument, btc_id);
    EXPECT_EQ(t.exchange_ts_us, 1764061234000000);
    EXPECT_EQ(t.recv_ts_us, recv_ts);
    EXPECT_EQ(str(t.last), "85205.70000000");
    EXPECT_EQ(str(t.open_24h), "86056.10000000");
    EXPECT_EQ(str(t.high_24h), "86500.00000000");
    EXPECT_EQ(str(t.low_24h), "84500.10000000");
    EXPECT_EQ(str(t.volume_base), "12345.67890000");
    EXPECT_EQ(str(t.volume_quote), "1057654321.12345678");
    EXPECT_EQ(str(t.bid), "85205.69000000");
    EXPECT_EQ(str(t.ask), "85205.70000000");
    EXPECT_EQ(str(t.bid_qty), "1.23456000");
    EXPECT_EQ(str(t.ask_qty), "0.54321000");
    EXPECT_EQ(str(t.venue_change_pct), "-0.988");
    EXPECT_EQ(t.fields, all_fields);
  }

  static constexpr std::uint16_t all_fields = tf_last | tf_open | tf_high | tf_low |
                                              tf_volume_base | tf_volume_quote | tf_bid | tf_ask |
                                              tf_bid_qty | tf_ask_qty | tf_change_pct;

  symbol_map symbols_ = test_symbols();
  binance_adapter adapter_{symbols_};
  std::vector<tick> out_;
};

TEST_F(BinanceAdapter, DocumentedExampleVerbatim) {
  const tick& t = only_tick(documented_example);
  EXPECT_EQ(t.venue, venue_id::binance);
  EXPECT_EQ(t.instrument, bnb_id);
  EXPECT_EQ(t.exchange_ts_us, 1672515782136000);
  EXPECT_EQ(t.recv_ts_us, recv_ts);
  EXPECT_EQ(t.fields, all_fields);
  // Exact values with the venue's precision, not just equal numbers.
  EXPECT_TRUE(t.last.identical(decimal(25, 4)));
  EXPECT_TRUE(t.open_24h.identical(decimal(10, 4)));
  EXPECT_TRUE(t.high_24h.identical(decimal(25, 4)));
  EXPECT_TRUE(t.low_24h.identical(decimal(10, 4)));
  EXPECT_TRUE(t.volume_base.identical(decimal(10000, 0)));
  EXPECT_TRUE(t.volume_quote.identical(decimal(18, 0)));
  EXPECT_TRUE(t.bid.identical(decimal(24, 4)));
  EXPECT_TRUE(t.bid_qty.identical(decimal(10, 0)));
  EXPECT_TRUE(t.ask.identical(decimal(26, 4)));
  EXPECT_TRUE(t.ask_qty.identical(decimal(100, 0)));
  EXPECT_TRUE(t.venue_change_pct.identical(decimal(25000, 2)));
}

TEST_F(BinanceAdapter, CombinedStreamWrapper) {
  expect_btc(only_tick(wrapped(object_of(btc_fields()))));
  // "data" before "stream", and whitespace everywhere JSON allows it.
  const std::string reversed =
      "{ \"data\" : " + object_of(btc_fields()) + " ,\n\t\"stream\" : \"btcusdt@ticker\" }\r\n";
  expect_btc(only_tick(reversed));
}

TEST_F(BinanceAdapter, RawTickerWithoutWrapper) {
  expect_btc(only_tick(object_of(btc_fields())));
}

TEST_F(BinanceAdapter, FieldOrderDoesNotMatter) {
  field_list f = btc_fields();
  std::reverse(f.begin(), f.end());
  expect_btc(only_tick(wrapped(object_of(f))));
  std::mt19937 rng(20240601);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(f.begin(), f.end(), rng);
    expect_btc(only_tick(wrapped(object_of(f))));
    expect_btc(only_tick(object_of(f)));
  }
}

TEST_F(BinanceAdapter, UnknownExtraFieldsAreIgnored) {
  field_list f = btc_fields();
  f.insert(f.begin() + 3, {"zz", R"({"nested":[1,2,{"a":"b"}],"x":null})"});
  f.push_back({"X", R"("TRADING")"});
  f.push_back({"bb", R"("not a number")"});  // two-letter keys are not ticker fields
  f.push_back({"", "1"});
  f.push_back({"\\u0063", R"("garbage")"});  // an escaped "c" is not the "c" key
  f.push_back({"M", "true"});
  expect_btc(only_tick(wrapped(object_of(f))));
  // Unknown keys around the wrapper as well.
  expect_btc(only_tick(R"({"id":9,"stream":"btcusdt@ticker","extra":[1,2],"data":)" +
                       object_of(btc_fields()) + "}"));
}

TEST_F(BinanceAdapter, OtherConfiguredSymbol) {
  const tick& t =
      only_tick(wrapped(object_of(with(btc_fields(), "s", R"("ETHUSDT")")), "ethusdt@ticker"));
  EXPECT_EQ(t.instrument, eth_id);
}

TEST_F(BinanceAdapter, UnknownSymbolIsCountedNotPublished) {
  const parse_result r = parse(wrapped(object_of(with(btc_fields(), "s", R"("DOGEUSDT")"))));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  EXPECT_EQ(r.unknown_symbols, 1u);
  EXPECT_TRUE(out_.empty());
  // Symbols are matched as Binance spells them in payloads.
  const parse_result lower = parse(object_of(with(btc_fields(), "s", R"("btcusdt")")));
  EXPECT_EQ(lower.unknown_symbols, 1u);
  EXPECT_TRUE(out_.empty());
}

TEST_F(BinanceAdapter, OptionalFieldsMayBeMissingOrNull) {
  {
    const tick& t = only_tick(object_of(without(without(btc_fields(), "b"), "A")));
    EXPECT_FALSE(t.has(tf_bid));
    EXPECT_FALSE(t.has(tf_ask_qty));
    EXPECT_TRUE(t.has(tf_ask));
    EXPECT_TRUE(t.has(tf_last));
  }
  {
    const tick& t = only_tick(object_of(with(with(btc_fields(), "o", "null"), "P", "null")));
    EXPECT_FALSE(t.has(tf_open));
    EXPECT_FALSE(t.has(tf_change_pct));
    EXPECT_TRUE(t.has(tf_high));
  }
  {
    // Minimal: only the three required fields.
    const tick& t = only_tick(R"({"s":"BTCUSDT","c":"1.5","E":7})");
    EXPECT_EQ(t.fields, tf_last);
    EXPECT_EQ(t.exchange_ts_us, 7000);
    EXPECT_TRUE(t.last.identical(decimal(15, 1)));
  }
}

TEST_F(BinanceAdapter, MissingRequiredFields) {
  for (std::string_view key : {"s", "c", "E"}) {
    EXPECT_EQ(error_of(wrapped(object_of(without(btc_fields(), key)))), feed_errc::unexpected_shape)
        << key;
    EXPECT_EQ(error_of(object_of(without(btc_fields(), key))), feed_errc::unexpected_shape) << key;
    EXPECT_EQ(error_of(wrapped(object_of(with(btc_fields(), key, "null")))),
              feed_errc::unexpected_shape)
        << key;
  }
  EXPECT_EQ(error_of(R"({"stream":"btcusdt@ticker"})"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of("{}"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"stream":"btcusdt@ticker","data":{}})"), feed_errc::unexpected_shape);
}

TEST_F(BinanceAdapter, WrongTypes) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"c", "85205.7"},  // number where a string is expected
      {"c", "85205"},
      {"b", "1"},
      {"o", "true"},
      {"v", "[\"1\"]"},
      {"q", "{\"v\":\"1\"}"},
      {"s", "1"},
      {"s", "[\"BTCUSDT\"]"},
      {"E", "\"1764061234000\""},  // string where a number is expected
      {"E", "1.5"},
      {"E", "-1.5e3"},
      {"E", "99999999999999999999"},  // does not fit int64
      {"e", "24"},
      {"e", "\"24hrMiniTicker\""},  // another event type
  };
  for (const auto& [key, value] : cases) {
    const std::string frame = wrapped(object_of(with(btc_fields(), key, std::string(value))));
    EXPECT_EQ(error_of(frame), feed_errc::unexpected_shape) << key << "=" << value;
  }
  EXPECT_EQ(error_of(R"({"stream":"btcusdt@ticker","data":[1,2]})"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"stream":"btcusdt@ticker","data":"x"})"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of("[" + object_of(btc_fields()) + "]"), feed_errc::unexpected_shape);
  for (std::string_view scalar : {"42", "-1", "\"text\"", "true", "false", "null", "[]"}) {
    EXPECT_EQ(error_of(scalar), feed_errc::unexpected_shape) << scalar;
  }
}

TEST_F(BinanceAdapter, BadNumbers) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"c", "\"abc\""},
      {"c", "\"\""},
      {"c", "\"1,5\""},
      {"c", "\" 1.5\""},
      {"c", "\"NaN\""},
      {"b", "\"100000000000000000000000000000000000000\""},  // 39 digits: beyond 38
      {"a", "\"-99999999999999999999999999999999999999.9\""},
      {"v", "\"1e-31\""},  // beyond 30 fraction digits
      {"q", "\"0.0000000000000000000000000000001\""},
      {"q", "\"3456789012345678901234567890.12345678900\""},  // 39 digits with the zero
      {"h", "\"1.5\\u0030\""},                                // escapes never appear in a price
      {"P", "\"-\""},
  };
  for (const auto& [key, value] : cases) {
    const std::string frame = wrapped(object_of(with(btc_fields(), key, std::string(value))));
    EXPECT_EQ(error_of(frame), feed_errc::bad_number) << key << "=" << value;
  }
}

TEST_F(BinanceAdapter, HugeButValidValues) {
  const field_list f =
      with(with(with(btc_fields(), "c", R"("99999999999999999999999999999999999999")"), "v",
                R"("0.000000000000000000000000000001")"),
           "E", "9223372036854775");
  const tick& t = only_tick(object_of(f));
  EXPECT_EQ(t.last.to_string(), "99999999999999999999999999999999999999");
  EXPECT_TRUE(t.volume_base.identical(decimal(1, 30)));
  EXPECT_EQ(t.exchange_ts_us, 9223372036854775000);  // the largest ms that fits in µs
}

// Issue 11: a 24 h volume beyond int64 at 8 decimals used to refuse the whole frame. These are
// PEPEUSDT-, SHIBUSDT- and BONKUSDT-sized tickers with prices of 10^-8 and below.
TEST_F(BinanceAdapter, RealWorldExtremes) {
  field_list f = btc_fields();
  f = with(f, "c", R"("0.00000912")");
  f = with(f, "b", R"("0.00000001")");
  f = with(f, "a", R"("0.000000001234")");
  f = with(f, "l", R"("0.00000001")");
  f = with(f, "v", R"("98765432109876543.00000000")");  // 9.9e16 base units
  f = with(f, "q", R"("345678901234.00000000")");       // the issue's quote volume
  f = with(f, "B", R"("123456789012345678.12345678")");
  const tick& t = only_tick(object_of(f));
  EXPECT_EQ(t.last.to_string(), "0.00000912");
  EXPECT_EQ(t.bid.to_string(), "0.00000001");
  EXPECT_EQ(t.ask.to_string(), "0.000000001234");
  EXPECT_EQ(t.low_24h.to_string(), "0.00000001");
  EXPECT_EQ(t.volume_base.to_string(), "98765432109876543.00000000");
  EXPECT_EQ(t.volume_quote.to_string(), "345678901234.00000000");
  EXPECT_EQ(t.bid_qty.to_string(), "123456789012345678.12345678");
  EXPECT_TRUE(t.has(tf_volume_base) && t.has(tf_volume_quote));

  // The widest value a decimal holds: 38 significant digits.
  const std::string widest = "999999999999999999999999999999.99999999";
  EXPECT_EQ(
      only_tick(object_of(with(btc_fields(), "q", '"' + widest + '"'))).volume_quote.to_string(),
      widest);
}

TEST_F(BinanceAdapter, NotJson) {
  EXPECT_EQ(error_of(""), feed_errc::invalid_json);
  EXPECT_EQ(error_of("   \n"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("hello"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{\"s\":\"BTCUSDT\",\"c\":\"1\",\"E\":1"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_example) + " x"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_example) + "}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_example) + std::string(documented_example)),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"s":"BTCUSDT" "c":"1","E":1})"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"s":"BTCUSDT","c":"1","E":12x})"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"s":"BTCUSDT","c":nul,"E":1})"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{\"s\":\"BTC\xff\xfe\",\"c\":\"1\",\"E\":1}"), feed_errc::invalid_json);
  // Trailing whitespace is fine.
  only_tick(std::string(documented_example) + " \r\n\t ");
}

TEST_F(BinanceAdapter, EveryTruncationIsRejected) {
  const std::string frames[] = {std::string(documented_example), wrapped(object_of(btc_fields()))};
  for (const std::string& full : frames) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      const std::string_view cut(full.data(), n);
      EXPECT_EQ(error_of(cut), feed_errc::invalid_json) << "prefix of " << n << " bytes: " << cut;
    }
    only_tick(full);  // and the whole frame still parses after all those failures
  }
}

TEST_F(BinanceAdapter, ControlMessages) {
  for (std::string_view frame :
       {R"({"result":null,"id":1})", R"({"id":312,"result":null})",
        R"({"result":["btcusdt@ticker"],"id":3})", R"({"result":true,"id":2})",
        R"({"e":"serverShutdown","E":1764061234000})",
        R"({"stream":"btcusdt@ticker","data":{"e":"serverShutdown","E":1}})"}) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::ok) << frame;
    EXPECT_EQ(r.kind, frame_kind::control) << frame;
    EXPECT_EQ(r.unknown_symbols, 0u);
    EXPECT_TRUE(out_.empty());
  }
}

TEST_F(BinanceAdapter, VenueErrors) {
  for (std::string_view frame :
       {R"({"code": 0, "msg": "Unknown property","id": 1})",
        R"({"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"})",
        R"({"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"})",
        R"({"error":{"code":2,"msg":"Invalid request"},"id":1})"}) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::venue_error) << frame;
    EXPECT_EQ(r.kind, frame_kind::control);
    EXPECT_TRUE(out_.empty());
  }
}

TEST_F(BinanceAdapter, FrameSizeCap) {
  std::string big = object_of(btc_fields());
  big.resize(binance_adapter::max_frame_bytes, ' ');  // trailing whitespace: still valid
  expect_btc(only_tick(big));
  big.push_back(' ');
  EXPECT_EQ(error_of(big), feed_errc::too_large);
  // And a small frame right after the big ones.
  expect_btc(only_tick(object_of(btc_fields())));
}

TEST_F(BinanceAdapter, LargeFramesGrowTheBuffer) {
  field_list f = btc_fields();
  f.push_back({"junk", "[" + std::string(200'000, '1') + "]"});
  expect_btc(only_tick(wrapped(object_of(f))));
  expect_btc(only_tick(wrapped(object_of(btc_fields()))));
}

TEST_F(BinanceAdapter, AppendsAndReusesAcrossFrames) {
  std::vector<tick> out(1);
  out[0].exchange_ts_us = -5;
  const std::string good = wrapped(object_of(btc_fields()));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(adapter_.parse(good, recv_ts + i, out).error, feed_errc::ok);
    EXPECT_NE(adapter_.parse("{\"s\":", recv_ts, out).error, feed_errc::ok);
    EXPECT_EQ(adapter_.parse(documented_example, recv_ts, out).error, feed_errc::ok);
    EXPECT_EQ(adapter_.parse(R"({"result":null,"id":1})", recv_ts, out).kind, frame_kind::control);
  }
  ASSERT_EQ(out.size(), 201u);
  EXPECT_EQ(out[0].exchange_ts_us, -5);  // what was there is left alone
  EXPECT_EQ(out[1].recv_ts_us, recv_ts);
  EXPECT_EQ(out[1].instrument, btc_id);
  EXPECT_EQ(out[2].instrument, bnb_id);
  EXPECT_EQ(out[199].recv_ts_us, recv_ts + 99);
}

TEST_F(BinanceAdapter, Addressing) {
  EXPECT_EQ(adapter_.venue(), venue_id::binance);
  EXPECT_EQ(adapter_.target("/stream"),
            "/stream?streams=btcusdt@ticker/ethusdt@ticker/bnbbtc@ticker");
  EXPECT_EQ(adapter_.target(""), "/stream?streams=btcusdt@ticker/ethusdt@ticker/bnbbtc@ticker");
  EXPECT_EQ(adapter_.target("/stream?timeUnit=millisecond"),
            "/stream?timeUnit=millisecond&streams=btcusdt@ticker/ethusdt@ticker/bnbbtc@ticker");
  EXPECT_TRUE(adapter_.subscribe_messages().empty());
  EXPECT_TRUE(adapter_.keepalive_message().empty());
  EXPECT_EQ(adapter_.keepalive_interval().count(), 0);

  symbol_map one;
  one.add("SolUsdt", 3);  // whatever case the configuration used
  binance_adapter sol(one);
  EXPECT_EQ(sol.target("/stream"), "/stream?streams=solusdt@ticker");
  std::vector<tick> out;
  const parse_result r =
      sol.parse(object_of(with(btc_fields(), "s", R"("SOLUSDT")")), recv_ts, out);
  EXPECT_EQ(r.error, feed_errc::ok);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].instrument, 3);
}

TEST(BinanceFactory, MakesTheBinanceAdapter) {
  const symbol_map m = test_symbols();
  auto a = make_venue_adapter(venue_id::binance, m);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->venue(), venue_id::binance);
  EXPECT_EQ(a->target("/stream"), "/stream?streams=btcusdt@ticker/ethusdt@ticker/bnbbtc@ticker");
  std::vector<tick> out;
  EXPECT_EQ(a->parse(documented_example, 1, out).error, feed_errc::ok);
  EXPECT_EQ(out.size(), 1u);
}

TEST(BinanceFactory, ErrorAndStateNames) {
  EXPECT_EQ(to_string(feed_errc::ok), "ok");
  EXPECT_EQ(to_string(feed_errc::invalid_json), "invalid_json");
  EXPECT_EQ(to_string(feed_errc::unexpected_shape), "unexpected_shape");
  EXPECT_EQ(to_string(feed_errc::bad_number), "bad_number");
  EXPECT_EQ(to_string(feed_errc::venue_error), "venue_error");
  EXPECT_EQ(to_string(feed_errc::too_large), "too_large");
  EXPECT_EQ(to_string(feed_state::connecting), "connecting");
  EXPECT_EQ(to_string(feed_state::up), "up");
  EXPECT_EQ(to_string(feed_state::stale), "stale");
  EXPECT_EQ(to_string(feed_state::down), "down");
}

// ---- trades and top of book ----------------------------------------------------------------

// "Trade Streams" payload from Binance's WebSocket Streams documentation
// (developers.binance.com/docs/binance-spot-api-docs/web-socket-streams), comments removed,
// inside the combined-stream wrapper tickerd subscribes with.
constexpr std::string_view documented_trade = R"({"stream":"bnbbtc@trade","data":{
  "e": "trade",
  "E": 1672515782136,
  "s": "BNBBTC",
  "t": 12345,
  "p": "0.001",
  "q": "100",
  "T": 1672515782136,
  "m": true,
  "M": true
}})";

// "Individual Symbol Book Ticker Streams" payload from the same page.
constexpr std::string_view documented_book_ticker = R"({"stream":"bnbbtc@bookTicker","data":{
  "u":400900217,
  "s":"BNBBTC",
  "b":"25.35190000",
  "B":"31.21000000",
  "a":"25.36520000",
  "A":"40.66000000"
}})";

std::string trade_frame(std::string_view symbol, std::string_view id,
                        std::string_view price = "1.5", std::string_view maker = "false") {
  std::string lower(symbol);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return R"({"stream":")" + lower + R"(@trade","data":{"e":"trade","E":1,"s":")" +
         std::string(symbol) + R"(","t":)" + std::string(id) + R"(,"p":")" + std::string(price) +
         R"(","q":"2","T":1700000000123,"m":)" + std::string(maker) + "}}";
}

class BinanceStreams : public ::testing::Test {
 protected:
  parse_result parse(std::string_view frame) {
    events_.clear();
    return adapter_.parse(frame, recv_ts, events_);
  }

  binance_adapter adapter_{test_symbols(), fs_ticker | fs_trades | fs_bbo};
  market_events events_;
};

TEST_F(BinanceStreams, documented_trade_is_one_exact_trade_with_the_taker_side) {
  const parse_result r = parse(documented_trade);
  ASSERT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  ASSERT_EQ(events_.trades.size(), 1u);
  EXPECT_TRUE(events_.ticks.empty());
  const trade& t = events_.trades[0];
  EXPECT_EQ(t.venue, venue_id::binance);
  EXPECT_EQ(t.instrument, bnb_id);
  EXPECT_EQ(t.price.to_string(), "0.001");
  EXPECT_EQ(t.size.to_string(), "100");
  EXPECT_EQ(t.id.view(), "12345");
  EXPECT_EQ(t.side, taker_side::sell);  // "m": the buyer was the maker, so the seller took
  EXPECT_EQ(t.exchange_ts_us, 1672515782136000);
  EXPECT_EQ(t.recv_ts_us, recv_ts);
  ASSERT_EQ(parse(trade_frame("BTCUSDT", "7", "85205.70", "false")).error, feed_errc::ok);
  ASSERT_EQ(events_.trades.size(), 1u);
  EXPECT_EQ(events_.trades[0].side, taker_side::buy);
  EXPECT_EQ(events_.trades[0].price.to_string(), "85205.70");
}

TEST_F(BinanceStreams, documented_book_ticker_is_one_top_of_book) {
  const parse_result r = parse(documented_book_ticker);
  ASSERT_EQ(r.error, feed_errc::ok);
  ASSERT_EQ(events_.quotes.size(), 1u);
  const top_of_book& q = events_.quotes[0];
  EXPECT_EQ(q.venue, venue_id::binance);
  EXPECT_EQ(q.instrument, bnb_id);
  EXPECT_TRUE(q.has_bid);
  EXPECT_TRUE(q.has_ask);
  EXPECT_EQ(q.bid.to_string(), "25.35190000");
  EXPECT_EQ(q.bid_size.to_string(), "31.21000000");
  EXPECT_EQ(q.ask.to_string(), "25.36520000");
  EXPECT_EQ(q.ask_size.to_string(), "40.66000000");
  EXPECT_EQ(q.venue_seq, 400900217u);
  EXPECT_EQ(q.exchange_ts_us, 0);  // a bookTicker carries no time
  EXPECT_EQ(q.recv_ts_us, recv_ts);
}

TEST_F(BinanceStreams, trade_id_jumps_are_gaps_and_repeats_are_dropped_and_counted) {
  EXPECT_EQ(parse(trade_frame("BTCUSDT", "100")).trade_gaps, 0u);
  EXPECT_EQ(parse(trade_frame("BTCUSDT", "101")).trade_gaps, 0u);
  EXPECT_EQ(parse(trade_frame("ETHUSDT", "5")).trade_gaps, 0u);  // per symbol
  parse_result r = parse(trade_frame("BTCUSDT", "104"));
  EXPECT_EQ(r.trade_gaps, 1u);
  EXPECT_EQ(events_.trades.size(), 1u);  // a jump is still published
  r = parse(trade_frame("BTCUSDT", "104"));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.trade_gaps, 1u);
  EXPECT_TRUE(events_.trades.empty());  // a duplicate is not published twice
  r = parse(trade_frame("BTCUSDT", "102"));
  EXPECT_EQ(r.trade_gaps, 1u);
  EXPECT_TRUE(events_.trades.empty());  // nor an older trade
  EXPECT_EQ(parse(trade_frame("BTCUSDT", "105")).trade_gaps, 0u);
  adapter_.reset();  // a new connection starts over
  r = parse(trade_frame("BTCUSDT", "50"));
  EXPECT_EQ(r.trade_gaps, 0u);
  EXPECT_EQ(events_.trades.size(), 1u);
}

TEST_F(BinanceStreams, malformed_trades_and_book_tickers_are_errors_and_yield_nothing) {
  const std::string bad[] = {
      R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"q":"2","m":true}})",
      R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"1","m":true}})",
      R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","p":"1","q":"2","m":true}})",
      R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"1","q":"2"}})",
      R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1.5,"p":"1","q":"2","m":true}})",
      R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":-1,"p":"1","q":"2","m":true}})",
      R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":1,"q":"2","m":true}})",
      R"({"stream":"btcusdt@trade","data":{"e":"trade","s":"BTCUSDT","t":1,"p":"1","q":"2","m":"yes"}})",
      R"({"stream":"btcusdt@trade","data":{"e":"aggTrade","s":"BTCUSDT","t":1,"p":"1","q":"2","m":true}})",
      R"({"stream":"btcusdt@bookTicker","data":{"u":1,"b":"1","B":"1","a":"2","A":"1"}})",
      R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","a":"2","A":"1"}})",
      R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT"}})",
  };
  for (const auto& frame : bad) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::unexpected_shape) << frame;
    EXPECT_TRUE(events_.empty()) << frame;
  }
  EXPECT_EQ(parse(trade_frame("BTCUSDT", "1", "1.2.3")).error, feed_errc::bad_number);
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(parse(trade_frame("BTCUSDT", "1", "")).error, feed_errc::unexpected_shape);
  EXPECT_EQ(parse(trade_frame("BTCUSDT", "2") + "x").error, feed_errc::invalid_json);
  EXPECT_TRUE(events_.empty());
}

TEST_F(BinanceStreams, unknown_symbols_are_counted_not_published) {
  const parse_result r = parse(trade_frame("DOGEUSDT", "1"));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.unknown_symbols, 1u);
  EXPECT_TRUE(events_.empty());
}

TEST(BinanceStreamsTarget, the_target_names_each_chosen_stream) {
  symbol_map m;
  m.add("BTCUSDT", 0);
  EXPECT_EQ(binance_adapter(m).target("/stream"), "/stream?streams=btcusdt@ticker");
  EXPECT_EQ(binance_adapter(m, fs_trades | fs_bbo).target("/stream"),
            "/stream?streams=btcusdt@trade/btcusdt@bookTicker");
  EXPECT_EQ(binance_adapter(m, fs_ticker | fs_trades | fs_bbo).target(""),
            "/stream?streams=btcusdt@ticker/btcusdt@trade/btcusdt@bookTicker");
}

}  // namespace
}  // namespace tickerd
