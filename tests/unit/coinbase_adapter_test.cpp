#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "feeds/venues/coinbase_adapter.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {
namespace {

// "Ticker Channel" example of Coinbase's Exchange WebSocket Channels page
// (docs.cdp.coinbase.com/exchange/websocket-feed/channels#ticker-channel), verbatim.
constexpr std::string_view documented_ticker = R"({
  "type": "ticker",
  "sequence": 37475248783,
  "product_id": "ETH-USD",
  "price": "1285.22",
  "open_24h": "1310.79",
  "volume_24h": "245532.79269678",
  "low_24h": "1280.52",
  "high_24h": "1313.8",
  "volume_30d": "9788783.60117027",
  "best_bid": "1285.04",
  "best_bid_size": "0.46688654",
  "best_ask": "1285.27",
  "best_ask_size": "1.56637040",
  "side": "buy",
  "time": "2022-10-19T23:28:22.061769Z",
  "trade_id": 370843401,
  "last_size": "11.4396987"
})";

// "Heartbeat Channel" example of the same page, verbatim.
constexpr std::string_view documented_heartbeat = R"({
  "type": "heartbeat",
  "sequence": 90,
  "last_trade_id": 20,
  "product_id": "BTC-USD",
  "time": "2014-11-07T08:19:28.464459Z"
})";

// The heartbeat channel's subscribe request from the same page, verbatim.
constexpr std::string_view documented_heartbeat_subscribe = R"({
    "type": "subscribe",
    "channels": [
        {
            "name": "heartbeat",
            "product_ids": [
                "ETH-EUR"
            ]
        }
    ]
})";

// "Subscriptions Message" example of the Exchange WebSocket Overview page, verbatim.
constexpr std::string_view documented_subscriptions = R"({
  "type": "subscriptions",
  "channels": [
    {
      "name": "level2",
      "product_ids": ["ETH-USD", "ETH-EUR"]
    },
    {
      "name": "heartbeat",
      "product_ids": ["ETH-USD", "ETH-EUR"]
    },
    {
      "name": "ticker",
      "product_ids": ["ETH-USD", "ETH-EUR", "ETH-BTC"]
    }
  ]
})";

// The overview's error message shape ({"type": "error", "message": "error message", /* ... */}),
// without the comment, which is not JSON.
constexpr std::string_view documented_error = R"({
    "type": "error",
    "message": "error message"
})";

// Observed on the venue (GitHub issues of Coinbase client libraries): subscription errors, and
// the ticker sent right after subscribing, which has no time, side, trade_id or last_size
// (coinbase/coinbase-pro-node#140, printed by Node and rewritten here as JSON).
constexpr std::string_view observed_error_product =
    R"({"type":"error","message":"Failed to subscribe","reason":" is not a valid product"})";
constexpr std::string_view observed_error_channels =
    R"({"message":"Failed to subscribe","reason":"No channels provided","type":"error"})";
constexpr std::string_view observed_first_ticker =
    R"({"type":"ticker","sequence":305122881,"product_id":"LTC-BTC","price":"0.00915000",)"
    R"("open_24h":"0.00913000","volume_24h":"61559.04412384","low_24h":"0.00903000",)"
    R"("high_24h":"0.00963000","volume_30d":"2306951.35609583","best_bid":"0.00915",)"
    R"("best_ask":"0.00916"})";

constexpr instrument_id btc_usd = 0;
constexpr instrument_id eth_usd = 1;
constexpr instrument_id btc_usdt = 2;
constexpr instrument_id ltc_btc = 9;
constexpr std::int64_t recv_ts = 1764061234001234;

using field_list = std::vector<std::pair<std::string, std::string>>;  // key, raw JSON value

// A realistic BTC-USDT ticker, field by field, so tests can drop, reorder or retype fields.
field_list btc_fields(std::uint64_t sequence = 93526013152) {
  return {
      {"type", R"("ticker")"},
      {"sequence", std::to_string(sequence)},
      {"product_id", R"("BTC-USDT")"},
      {"price", R"("99727.43")"},
      {"open_24h", R"("100966.53")"},
      {"volume_24h", R"("9759.01538400")"},
      {"low_24h", R"("99012.73")"},
      {"high_24h", R"("102104.12")"},
      {"volume_30d", R"("539864.72591800")"},
      {"best_bid", R"("99713.48")"},
      {"best_bid_size", R"("0.03302900")"},
      {"best_ask", R"("99727.44")"},
      {"best_ask_size", R"("0.00155000")"},
      {"side", R"("sell")"},
      {"time", R"("2024-12-07T18:00:06.223523Z")"},
      {"trade_id", "734680345"},
      {"last_size", R"("0.000028")"},
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
  for (auto& kv : f) {
    if (kv.first == key) kv.second = value;
  }
  return f;
}

std::string ticker(std::string_view product, std::uint64_t sequence,
                   std::string_view price = "1.5") {
  return R"({"type":"ticker","sequence":)" + std::to_string(sequence) + R"(,"product_id":")" +
         std::string(product) + R"(","price":")" + std::string(price) +
         R"(","time":"2024-12-07T18:00:06.223523Z"})";
}

std::string heartbeat(std::string_view product, std::uint64_t sequence) {
  return R"({"type":"heartbeat","last_trade_id":1,"product_id":")" + std::string(product) +
         R"(","sequence":)" + std::to_string(sequence) + R"(,"time":"2024-12-07T18:00:06Z"})";
}

symbol_map test_symbols() {
  symbol_map m;
  m.add("BTC-USD", btc_usd);
  m.add("ETH-USD", eth_usd);
  m.add("BTC-USDT", btc_usdt);
  m.add("ltc-btc", ltc_btc);  // whatever case the configuration used
  return m;
}

class CoinbaseAdapter : public ::testing::Test {
 protected:
  parse_result parse(std::string_view frame) {
    out_.clear();
    return adapter_.parse(frame, recv_ts, out_);
  }
  // Parses a frame that must fail, and checks that nothing was appended or counted.
  feed_errc error_of(std::string_view frame) {
    const parse_result r = parse(frame);
    EXPECT_TRUE(out_.empty()) << frame;
    EXPECT_EQ(r.unknown_symbols, 0u) << frame;
    EXPECT_EQ(r.gaps, 0u) << frame;
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
  // A frame that must be accepted as control (ack, heartbeat, ignored type) with no data.
  parse_result control(std::string_view frame) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::ok) << to_string(r.error) << " for " << frame;
    EXPECT_EQ(r.kind, frame_kind::control) << frame;
    EXPECT_EQ(r.unknown_symbols, 0u) << frame;
    EXPECT_TRUE(out_.empty()) << frame;
    return r;
  }
  // A fresh connection: no sequence history.
  const tick& fresh_tick(std::string_view frame) {
    adapter_.reset();
    return only_tick(frame);
  }

  static std::string str(decimal d) { return d.to_string(); }

  void expect_btc(const tick& t) {
    EXPECT_EQ(t.venue, venue_id::coinbase);
    EXPECT_EQ(t.instrument, btc_usdt);
    EXPECT_EQ(t.exchange_ts_us, 1733594406223523);
    EXPECT_EQ(t.recv_ts_us, recv_ts);
    EXPECT_EQ(str(t.last), "99727.43");
    EXPECT_EQ(str(t.open_24h), "100966.53");
    EXPECT_EQ(str(t.high_24h), "102104.12");
    EXPECT_EQ(str(t.low_24h), "99012.73");
    EXPECT_EQ(str(t.volume_base), "9759.01538400");
    EXPECT_EQ(str(t.bid), "99713.48");
    EXPECT_EQ(str(t.ask), "99727.44");
    EXPECT_EQ(str(t.bid_qty), "0.03302900");
    EXPECT_EQ(str(t.ask_qty), "0.00155000");
    EXPECT_EQ(t.fields, all_fields);
  }

  // Coinbase sends no quote volume and no change percent.
  static constexpr std::uint16_t all_fields = tf_last | tf_open | tf_high | tf_low |
                                              tf_volume_base | tf_bid | tf_ask | tf_bid_qty |
                                              tf_ask_qty;

  symbol_map symbols_ = test_symbols();
  coinbase_adapter adapter_{symbols_};
  std::vector<tick> out_;
};

TEST_F(CoinbaseAdapter, DocumentedTickerVerbatim) {
  const tick& t = only_tick(documented_ticker);
  EXPECT_EQ(t.venue, venue_id::coinbase);
  EXPECT_EQ(t.instrument, eth_usd);
  EXPECT_EQ(t.exchange_ts_us, 1666222102061769);  // 2022-10-19T23:28:22.061769Z
  EXPECT_EQ(t.recv_ts_us, recv_ts);
  EXPECT_EQ(t.fields, all_fields);
  EXPECT_FALSE(t.has(tf_volume_quote));
  EXPECT_FALSE(t.has(tf_change_pct));
  // Exact values with the venue's precision, not just equal numbers ("1313.8" stays 1 digit).
  EXPECT_TRUE(t.last.identical(decimal(128522, 2)));
  EXPECT_TRUE(t.open_24h.identical(decimal(131079, 2)));
  EXPECT_TRUE(t.high_24h.identical(decimal(13138, 1)));
  EXPECT_TRUE(t.low_24h.identical(decimal(128052, 2)));
  EXPECT_TRUE(t.volume_base.identical(decimal(24553279269678, 8)));
  EXPECT_TRUE(t.bid.identical(decimal(128504, 2)));
  EXPECT_TRUE(t.bid_qty.identical(decimal(46688654, 8)));
  EXPECT_TRUE(t.ask.identical(decimal(128527, 2)));
  EXPECT_TRUE(t.ask_qty.identical(decimal(156637040, 8)));
}

TEST_F(CoinbaseAdapter, DocumentedHeartbeatIsControl) {
  const parse_result r = control(documented_heartbeat);
  EXPECT_EQ(r.gaps, 0u);  // the first sequence seen on a connection is never a gap
}

TEST_F(CoinbaseAdapter, DocumentedSubscriptionsAndRequestsAreControl) {
  control(documented_subscriptions);
  // A request echoed back would be a well-formed typed message we do not read: ignored.
  control(documented_heartbeat_subscribe);
}

TEST_F(CoinbaseAdapter, VenueErrors) {
  for (std::string_view frame :
       {documented_error, observed_error_product, observed_error_channels,
        std::string_view(R"({"type":"error"})"),
        std::string_view(
            R"({"reason":"ErrSlowConsume","type":"error","message":"x","price":7})")}) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::venue_error) << frame;
    EXPECT_EQ(r.kind, frame_kind::control) << frame;
    EXPECT_TRUE(out_.empty());
  }
}

TEST_F(CoinbaseAdapter, ObservedFirstTickerWithoutTime) {
  const tick& t = only_tick(observed_first_ticker);
  EXPECT_EQ(t.instrument, ltc_btc);  // configured as "ltc-btc"
  EXPECT_EQ(t.exchange_ts_us, 0);    // no time: the aggregator keeps the previous one
  EXPECT_EQ(str(t.last), "0.00915000");
  EXPECT_EQ(str(t.bid), "0.00915");
  EXPECT_EQ(str(t.ask), "0.00916");
  EXPECT_FALSE(t.has(tf_bid_qty));
  EXPECT_FALSE(t.has(tf_ask_qty));
  EXPECT_EQ(t.fields, tf_last | tf_open | tf_high | tf_low | tf_volume_base | tf_bid | tf_ask);
}

TEST_F(CoinbaseAdapter, RealisticTicker) {
  expect_btc(only_tick(object_of(btc_fields())));
}

TEST_F(CoinbaseAdapter, FieldOrderAndWhitespaceDoNotMatter) {
  field_list f = btc_fields();
  std::reverse(f.begin(), f.end());
  expect_btc(fresh_tick(object_of(f)));
  std::mt19937 rng(20240601);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(f.begin(), f.end(), rng);
    expect_btc(fresh_tick(object_of(f)));
  }
  std::string spaced = object_of(btc_fields());
  std::string out;
  bool in_string = false;
  for (char c : spaced) {
    out += c;
    if (c == '"') in_string = !in_string;  // no escapes in these fields
    if (!in_string && (c == ',' || c == ':' || c == '{')) out += " \n\t";
  }
  expect_btc(fresh_tick(" \r\n" + out + " \r\n"));
}

TEST_F(CoinbaseAdapter, UnknownExtraFieldsAreIgnored) {
  field_list f = btc_fields();
  f.insert(f.begin() + 3, {"zz", R"({"nested":[1,2,{"a":"b"}],"x":null})"});
  f.push_back({"volume_30d_usd", R"("not a number")"});
  f.push_back({"", "1"});
  f.push_back({"pric\\u0065", R"("garbage")"});  // an escaped key is not the "price" key
  f.push_back({"prices", R"("garbage")"});
  f.push_back({"low_52w", "true"});
  expect_btc(only_tick(object_of(f)));
}

TEST_F(CoinbaseAdapter, OtherMessageTypesAreIgnored) {
  for (
      std::string_view frame : {
          // Other channels' messages; "clients are expected to ignore messages they do not
          // support".
          R"({"type":"l2update","product_id":"BTC-USD","changes":[["buy","22356.270000","0.00000000"]],"time":"2022-08-04T15:25:05.010758Z"})",
          R"({"type":"snapshot","product_id":"BTC-USD","bids":[["10101.10","0.45054140"]],"asks":[["10102.55","0.57753524"]]})",
          R"({"type":"status","products":[],"currencies":[]})",
          // A type added later, carrying fields we would reject in a ticker.
          R"({"type":"ticker_v2","product_id":7,"price":1.5,"sequence":"x","time":"yesterday"})",
      }) {
    const parse_result r = control(frame);
    EXPECT_EQ(r.gaps, 0u);
  }
  // None of them touched the sequence state of BTC-USD. (A match is a trade now: see
  // CoinbaseStreams below.)
  EXPECT_EQ(only_tick(ticker("BTC-USD", 10)).instrument, btc_usd);
  EXPECT_EQ(parse(ticker("BTC-USD", 11)).gaps, 0u);
}

TEST_F(CoinbaseAdapter, UnknownSymbolIsCountedNotPublished) {
  const parse_result r = parse(object_of(with(btc_fields(), "product_id", R"("DOGE-USD")")));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  EXPECT_EQ(r.unknown_symbols, 1u);
  EXPECT_EQ(r.gaps, 0u);
  EXPECT_TRUE(out_.empty());
  // Product ids are matched as Coinbase spells them: upper case, with the dash.
  EXPECT_EQ(parse(object_of(with(btc_fields(), "product_id", R"("btc-usdt")"))).unknown_symbols,
            1u);
  EXPECT_EQ(parse(object_of(with(btc_fields(), "product_id", R"("BTCUSDT")"))).unknown_symbols, 1u);
  EXPECT_EQ(parse(object_of(with(btc_fields(), "product_id", R"("")"))).unknown_symbols, 1u);
  // A heartbeat for a product we did not ask for is still proof of life.
  control(heartbeat("DOGE-USD", 5));
}

TEST_F(CoinbaseAdapter, OptionalFieldsMayBeMissingOrNull) {
  {
    const tick& t = fresh_tick(object_of(without(without(btc_fields(), "best_bid"), "open_24h")));
    EXPECT_FALSE(t.has(tf_bid));
    EXPECT_FALSE(t.has(tf_open));
    EXPECT_TRUE(t.has(tf_ask));
    EXPECT_TRUE(t.has(tf_bid_qty));
  }
  {
    const tick& t =
        fresh_tick(object_of(with(with(btc_fields(), "best_ask_size", "null"), "time", "null")));
    EXPECT_FALSE(t.has(tf_ask_qty));
    EXPECT_EQ(t.exchange_ts_us, 0);
    EXPECT_TRUE(t.has(tf_high));
  }
  {
    // Minimal: type, product and price. Without a sequence there is nothing to check.
    const tick& t = fresh_tick(R"({"type":"ticker","product_id":"BTC-USD","price":"1.50"})");
    EXPECT_EQ(t.fields, tf_last);
    EXPECT_EQ(t.exchange_ts_us, 0);
    EXPECT_TRUE(t.last.identical(decimal(150, 2)));
    const tick& again = only_tick(R"({"type":"ticker","product_id":"BTC-USD","price":"1.50"})");
    EXPECT_EQ(again.instrument, btc_usd);
    EXPECT_EQ(only_tick(object_of(with(btc_fields(), "sequence", "null"))).instrument, btc_usdt);
  }
}

TEST_F(CoinbaseAdapter, MissingRequiredFields) {
  for (std::string_view key : {"type", "product_id", "price"}) {
    adapter_.reset();
    EXPECT_EQ(error_of(object_of(without(btc_fields(), key))), feed_errc::unexpected_shape) << key;
    EXPECT_EQ(error_of(object_of(with(btc_fields(), key, "null"))), feed_errc::unexpected_shape)
        << key;
  }
  EXPECT_EQ(error_of("{}"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"product_id":"BTC-USD","price":"1"})"), feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"type":"heartbeat","product_id":"BTC-USD"})"),
            feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"type":"heartbeat","product_id":"BTC-USD","sequence":null})"),
            feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"type":"heartbeat","sequence":90})"), feed_errc::unexpected_shape);
}

TEST_F(CoinbaseAdapter, WrongTypes) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"price", "99727.43"},  // number where a string is expected
      {"price", "99727"},
      {"best_bid", "1"},
      {"open_24h", "true"},
      {"volume_24h", "[\"1\"]"},
      {"best_ask_size", "{\"v\":\"1\"}"},
      {"product_id", "1"},
      {"product_id", "[\"BTC-USDT\"]"},
      {"product_id", "\"BTC\\u002dUSDT\""},  // escapes never appear in a product id
      {"type", "1"},
      {"type", "[\"ticker\"]"},
      {"type", "\"tick\\u0065r\""},
      {"sequence", "\"93526013152\""},  // string where a number is expected
      {"sequence", "1.5"},
      {"sequence", "-1"},
      {"sequence", "1e3"},
      {"sequence", "99999999999999999999"},  // does not fit uint64
      {"sequence", "true"},
      {"time", "1733594406223"},
      {"time", "{}"},
      {"time", "\"2024-12-07T18:00:06.223523\""},  // no zone
      {"time", "\"2024-12-07 18:00:06.223523Z\""},
      {"time", "\"2024-13-07T18:00:06Z\""},
      {"time", "\"2023-02-29T18:00:06Z\""},
      {"time", "\"2024-12-07T24:00:00Z\""},
      {"time", "\"2024-12-07T18:60:00Z\""},
      {"time", "\"2024-12-07T18:00:60Z\""},
      {"time", "\"2024-12-07T18:00:06.Z\""},
      {"time", "\"2024-12-07T18:00:06.223523Zx\""},
      {"time", "\"2024-12-07T18:00:06+0100\""},
      {"time", "\"2024-12-07T18:00:06+24:00\""},
      {"time", "\"yesterday\""},
      {"time", "\"\""},
      {"time", "\"2024-12-07T18:00:06\\u005a\""},
  };
  for (const auto& [key, value] : cases) {
    adapter_.reset();
    const std::string frame = object_of(with(btc_fields(), key, std::string(value)));
    EXPECT_EQ(error_of(frame), feed_errc::unexpected_shape) << key << "=" << value;
  }
  for (std::string_view scalar :
       {"42", "-1", "\"text\"", "true", "false", "null", "[]", "[{\"type\":\"ticker\"}]"}) {
    EXPECT_EQ(error_of(scalar), feed_errc::unexpected_shape) << scalar;
  }
}

// Issue 11: SHIB-sized 24 h volumes beyond int64 at 8 decimals, prices of 10^-8 and below.
TEST_F(CoinbaseAdapter, RealWorldExtremes) {
  field_list f = btc_fields();
  f = with(f, "price", R"("0.00000001")");
  f = with(f, "best_ask", R"("0.000000001234")");
  f = with(f, "volume_24h", R"("98765432109876543.12345678")");
  f = with(f, "best_bid_size", R"("345678901234.00000000")");
  const tick& t = only_tick(object_of(f));
  EXPECT_EQ(t.last.to_string(), "0.00000001");
  EXPECT_EQ(t.ask.to_string(), "0.000000001234");
  EXPECT_EQ(t.volume_base.to_string(), "98765432109876543.12345678");
  EXPECT_EQ(t.bid_qty.to_string(), "345678901234.00000000");
}

TEST_F(CoinbaseAdapter, BadNumbers) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"price", "\"abc\""},
      {"price", "\"\""},
      {"price", "\"1,5\""},
      {"price", "\" 1.5\""},
      {"price", "\"NaN\""},
      {"best_bid", "\"100000000000000000000000000000000000000\""},  // 39 digits: beyond 38
      {"best_ask", "\"-99999999999999999999999999999999999999.9\""},
      {"volume_24h", "\"1e-31\""},  // beyond 30 fraction digits
      {"best_bid_size", "\"0.0000000000000000000000000000001\""},
      {"high_24h", "\"1.5\\u0030\""},  // escapes never appear in a price
      {"low_24h", "\"-\""},
  };
  for (const auto& [key, value] : cases) {
    adapter_.reset();
    const std::string frame = object_of(with(btc_fields(), key, std::string(value)));
    EXPECT_EQ(error_of(frame), feed_errc::bad_number) << key << "=" << value;
  }
}

TEST_F(CoinbaseAdapter, HugeButValidValues) {
  const field_list f =
      with(with(with(btc_fields(), "price", R"("99999999999999999999999999999999999999")"),
                "volume_24h", R"("0.000000000000000000000000000001")"),
           "sequence", "18446744073709551615");
  const tick& t = only_tick(object_of(f));
  EXPECT_EQ(t.last.to_string(), "99999999999999999999999999999999999999");
  EXPECT_TRUE(t.volume_base.identical(decimal(1, 30)));
  // The largest sequence is the last: any further one is old.
  EXPECT_TRUE(parse(object_of(btc_fields(1))).error == feed_errc::ok);
  EXPECT_TRUE(out_.empty());
  const tick& late =
      fresh_tick(object_of(with(btc_fields(), "time", R"("9999-12-31T23:59:59.999999Z")")));
  EXPECT_EQ(late.exchange_ts_us, 253402300799999999);
}

TEST_F(CoinbaseAdapter, Timestamps) {
  struct tc {
    std::string_view text;
    std::int64_t us;
  };
  // Expected values computed independently (Python's datetime).
  for (const tc& c : {tc{"2022-10-19T23:28:22.061769Z", 1666222102061769},
                      tc{"2014-11-07T08:19:28.464459Z", 1415348368464459},
                      tc{"2024-02-29T00:00:00Z", 1709164800000000},
                      tc{"2024-02-29T00:00:00.5Z", 1709164800500000},
                      tc{"2024-02-29T00:00:00.123456789Z", 1709164800123456},
                      tc{"2000-03-01T12:00:00.999999+02:30", 951903000999999},
                      tc{"2000-03-01T09:30:00.999999Z", 951903000999999},
                      tc{"2000-03-01T07:30:00.999999-02:00", 951903000999999},
                      tc{"1970-01-01T00:00:00Z", 0}, tc{"1969-12-31T23:59:59.999Z", -1000},
                      tc{"2024-12-07t18:00:06.223523z", 1733594406223523}}) {
    std::int64_t us = 42;
    EXPECT_TRUE(coinbase_adapter::parse_time_us(c.text, us)) << c.text;
    EXPECT_EQ(us, c.us) << c.text;
  }
  for (std::string_view bad :
       {"", "2022-10-19", "2022-10-19T23:28:22", "2022-10-19T23:28:22.Z", "2022-10-19T23:28:22z ",
        "2022-00-19T23:28:22Z", "2022-10-00T23:28:22Z", "2022-04-31T23:28:22Z",
        "1900-02-29T00:00:00Z", "2022-10-19T23:28:22+1:00", "2022-10-19T23:28:22+01:60",
        "2022-10-19X23:28:22Z", "２022-10-19T23:28:22Z", "2022-10-19T23:28:22.06a769Z"}) {
    std::int64_t ms = 42;
    EXPECT_FALSE(coinbase_adapter::parse_time_us(bad, ms)) << bad;
  }
}

TEST_F(CoinbaseAdapter, NotJson) {
  EXPECT_EQ(error_of(""), feed_errc::invalid_json);
  EXPECT_EQ(error_of("   \n"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("hello"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("{"), feed_errc::invalid_json);
  EXPECT_EQ(error_of("}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_ticker) + " x"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_ticker) + "}"), feed_errc::invalid_json);
  EXPECT_EQ(error_of(std::string(documented_ticker) + std::string(documented_ticker)),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"type":"ticker" "product_id":"BTC-USD","price":"1"})"),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"type":"ticker","product_id":"BTC-USD","price":"1","sequence":12x})"),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of(R"({"type":"ticker","product_id":"BTC-USD","price":nul})"),
            feed_errc::invalid_json);
  EXPECT_EQ(error_of("{\"type\":\"ticker\",\"product_id\":\"BTC\xff\xfe\",\"price\":\"1\"}"),
            feed_errc::invalid_json);
  // Trailing whitespace is fine.
  adapter_.reset();
  only_tick(std::string(documented_ticker) + " \r\n\t ");
}

TEST_F(CoinbaseAdapter, EveryTruncationIsRejected) {
  const std::string frames[] = {std::string(documented_ticker), object_of(btc_fields()),
                                std::string(documented_heartbeat)};
  for (const std::string& full : frames) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      const std::string_view cut(full.data(), n);
      EXPECT_EQ(error_of(cut), feed_errc::invalid_json) << "prefix of " << n << " bytes: " << cut;
    }
    adapter_.reset();  // the whole frame still parses after all those failures
    EXPECT_EQ(parse(full).error, feed_errc::ok);
  }
}

// ---- sequence numbers ------------------------------------------------------------------

TEST_F(CoinbaseAdapter, ConsecutiveSequencesHaveNoGaps) {
  for (std::uint64_t s = 100; s < 110; ++s) {
    only_tick(ticker("BTC-USD", s));
    EXPECT_EQ(parse(heartbeat("BTC-USD", s)).gaps, 0u);  // repeats the current sequence
  }
}

TEST_F(CoinbaseAdapter, SequenceJumpIsOneGap) {
  only_tick(ticker("BTC-USD", 100));
  const tick& t = only_tick(ticker("BTC-USD", 105, "2.5"));  // 101..104 missed
  EXPECT_TRUE(t.last.identical(decimal(25, 1)));             // the new value is still published
  EXPECT_EQ(parse(ticker("BTC-USD", 105)).gaps, 0u);         // a duplicate, not another gap
  EXPECT_EQ(parse(ticker("BTC-USD", 107)).gaps, 1u);
  EXPECT_EQ(out_.size(), 1u);
  EXPECT_EQ(parse(ticker("BTC-USD", 108)).gaps, 0u);
}

TEST_F(CoinbaseAdapter, DuplicateOrOldTickerIsDropped) {
  only_tick(ticker("ETH-USD", 500, "10"));
  for (std::uint64_t s : {500u, 499u, 1u, 0u}) {
    const parse_result r = parse(ticker("ETH-USD", s, "11"));
    EXPECT_EQ(r.error, feed_errc::ok);
    EXPECT_EQ(r.kind, frame_kind::data);
    EXPECT_EQ(r.gaps, 0u);
    EXPECT_EQ(r.unknown_symbols, 0u);
    EXPECT_TRUE(out_.empty()) << s;
  }
  EXPECT_TRUE(only_tick(ticker("ETH-USD", 501, "12")).last.identical(decimal(12, 0)));
}

TEST_F(CoinbaseAdapter, SequencesArePerProduct) {
  only_tick(ticker("BTC-USD", 1000));
  only_tick(ticker("ETH-USD", 7));  // far below BTC's: not old, another product
  EXPECT_EQ(parse(ticker("ETH-USD", 8)).gaps, 0u);
  EXPECT_EQ(parse(ticker("BTC-USD", 1001)).gaps, 0u);
  EXPECT_EQ(parse(ticker("ETH-USD", 10)).gaps, 1u);
  EXPECT_EQ(parse(ticker("BTC-USD", 1002)).gaps, 0u);
  EXPECT_EQ(parse(ticker("BTC-USDT", 3)).gaps, 0u);
}

TEST_F(CoinbaseAdapter, HeartbeatRevealsMissedMessages) {
  only_tick(ticker("BTC-USD", 100));
  EXPECT_EQ(control(heartbeat("BTC-USD", 100)).gaps, 0u);
  EXPECT_EQ(control(heartbeat("BTC-USD", 99)).gaps, 0u);   // late: ignored
  EXPECT_EQ(control(heartbeat("BTC-USD", 101)).gaps, 1u);  // message 101 never came
  EXPECT_EQ(control(heartbeat("BTC-USD", 101)).gaps, 0u);  // counted once
  // The next ticker follows the sequence the heartbeat showed: no second gap.
  EXPECT_EQ(parse(ticker("BTC-USD", 102)).gaps, 0u);
  EXPECT_EQ(out_.size(), 1u);
  // A heartbeat before any ticker sets the baseline; the ticker it announced is published.
  adapter_.reset();
  EXPECT_EQ(control(heartbeat("ETH-USD", 50)).gaps, 0u);
  EXPECT_EQ(only_tick(ticker("ETH-USD", 50)).instrument, eth_usd);
  EXPECT_EQ(parse(ticker("ETH-USD", 51)).gaps, 0u);
  EXPECT_EQ(parse(ticker("ETH-USD", 53)).gaps, 1u);
}

TEST_F(CoinbaseAdapter, ResetForgetsSequences) {
  only_tick(ticker("BTC-USD", 100));
  EXPECT_TRUE(parse(ticker("BTC-USD", 100)).error == feed_errc::ok);
  EXPECT_TRUE(out_.empty());
  adapter_.reset();  // a new connection: the same sequence is news, and a jump is no gap
  only_tick(ticker("BTC-USD", 100));
  adapter_.reset();
  EXPECT_EQ(parse(ticker("BTC-USD", 5000)).gaps, 0u);
  EXPECT_EQ(out_.size(), 1u);
}

TEST_F(CoinbaseAdapter, RejectedFramesLeaveSequencesAlone) {
  only_tick(ticker("BTC-USD", 100));
  EXPECT_EQ(error_of(ticker("BTC-USD", 150, "abc")), feed_errc::bad_number);
  EXPECT_EQ(
      error_of(R"({"type":"ticker","sequence":150,"product_id":"BTC-USD","price":"1","time":"x"})"),
      feed_errc::unexpected_shape);
  EXPECT_EQ(error_of(R"({"type":"heartbeat","sequence":150,"product_id":"BTC-USD","time":"x"})"),
            feed_errc::unexpected_shape);
  EXPECT_EQ(parse(ticker("BTC-USD", 101)).gaps, 0u);
  EXPECT_EQ(out_.size(), 1u);
  // An unknown product's ticker changes nothing either.
  EXPECT_EQ(parse(ticker("XRP-USD", 1)).unknown_symbols, 1u);
  EXPECT_EQ(parse(ticker("BTC-USD", 102)).gaps, 0u);
}

// ---- limits, reuse, addressing ---------------------------------------------------------

TEST_F(CoinbaseAdapter, FrameSizeCap) {
  std::string big = object_of(btc_fields());
  big.resize(coinbase_adapter::max_frame_bytes, ' ');  // trailing whitespace: still valid
  expect_btc(only_tick(big));
  big.push_back(' ');
  EXPECT_EQ(error_of(big), feed_errc::too_large);
  // And a small frame right after the big ones.
  expect_btc(fresh_tick(object_of(btc_fields())));
}

TEST_F(CoinbaseAdapter, LargeFramesGrowTheBuffer) {
  field_list f = btc_fields();
  f.push_back({"junk", "[" + std::string(200'000, '1') + "]"});
  expect_btc(only_tick(object_of(f)));
  expect_btc(only_tick(object_of(btc_fields(93526013153))));
}

TEST_F(CoinbaseAdapter, AppendsAndReusesAcrossFrames) {
  std::vector<tick> out(1);
  out[0].exchange_ts_us = -5;
  for (std::uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(
        adapter_.parse(object_of(btc_fields(1000 + i)), recv_ts + static_cast<std::int64_t>(i), out)
            .error,
        feed_errc::ok);
    EXPECT_NE(adapter_.parse("{\"type\":", recv_ts, out).error, feed_errc::ok);
    EXPECT_EQ(adapter_.parse(ticker("ETH-USD", 1000 + i), recv_ts, out).error, feed_errc::ok);
    EXPECT_EQ(adapter_.parse(documented_subscriptions, recv_ts, out).kind, frame_kind::control);
  }
  ASSERT_EQ(out.size(), 201u);
  EXPECT_EQ(out[0].exchange_ts_us, -5);  // what was there is left alone
  EXPECT_EQ(out[1].recv_ts_us, recv_ts);
  EXPECT_EQ(out[1].instrument, btc_usdt);
  EXPECT_EQ(out[2].instrument, eth_usd);
  EXPECT_EQ(out[199].recv_ts_us, recv_ts + 99);
}

TEST_F(CoinbaseAdapter, Addressing) {
  EXPECT_EQ(adapter_.venue(), venue_id::coinbase);
  EXPECT_EQ(adapter_.target("/"), "/");
  EXPECT_EQ(adapter_.target(""), "/");
  EXPECT_EQ(adapter_.target("/coinbase"), "/coinbase");
  EXPECT_TRUE(adapter_.keepalive_message().empty());  // the heartbeat channel keeps it alive
  EXPECT_EQ(adapter_.keepalive_interval().count(), 0);
  const auto messages = adapter_.subscribe_messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0],
            R"({"type":"subscribe","channels":[)"
            R"({"name":"ticker","product_ids":["BTC-USD","ETH-USD","BTC-USDT","LTC-BTC"]},)"
            R"({"name":"heartbeat","product_ids":["BTC-USD","ETH-USD","BTC-USDT","LTC-BTC"]}]})");

  const symbol_map none;
  const coinbase_adapter empty(none);
  EXPECT_TRUE(empty.subscribe_messages().empty());
}

TEST(CoinbaseFactory, MakesCoinbase) {
  const symbol_map m = test_symbols();
  auto a = make_venue_adapter(venue_id::coinbase, m);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->venue(), venue_id::coinbase);
  EXPECT_EQ(a->target("/"), "/");
  std::vector<tick> out;
  EXPECT_EQ(a->parse(documented_ticker, 1, out).error, feed_errc::ok);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].venue, venue_id::coinbase);
}

// ---- trades and top of book ----------------------------------------------------------------

// "Match" example of Coinbase's Exchange WebSocket Channels page
// (docs.cdp.coinbase.com/exchange/websocket-feed/channels#matches-channel), verbatim. Its side
// is the maker's: a "sell" maker means the taker bought.
constexpr std::string_view documented_match = R"({
  "type": "match",
  "trade_id": 10,
  "sequence": 50,
  "maker_order_id": "ac928c66-ca53-498f-9c13-a110027a60e8",
  "taker_order_id": "132fb6ae-456b-4654-b4e0-d681ac05cea1",
  "time": "2014-11-07T08:19:27.028459Z",
  "product_id": "BTC-USD",
  "size": "5.23512",
  "price": "400.23",
  "side": "sell"
})";

std::string match(std::string_view type, std::uint64_t id, std::string_view side = "buy",
                  std::string_view product = "BTC-USD") {
  return R"({"type":")" + std::string(type) + R"(","trade_id":)" + std::to_string(id) +
         R"(,"sequence":1,"time":"2024-12-07T18:00:06.223523Z","product_id":")" +
         std::string(product) + R"(","size":"0.5","price":"100000.01","side":")" +
         std::string(side) + R"("})";
}

class CoinbaseStreams : public ::testing::Test {
 protected:
  parse_result parse(std::string_view frame) {
    events_.clear();
    return adapter_.parse(frame, recv_ts, events_);
  }
  coinbase_adapter adapter_{test_symbols(), fs_ticker | fs_trades | fs_bbo};
  market_events events_;
};

TEST_F(CoinbaseStreams, DocumentedMatchIsATradeWithTheTakersSide) {
  const parse_result r = parse(documented_match);
  ASSERT_EQ(r.error, feed_errc::ok) << to_string(r.error);
  EXPECT_EQ(r.kind, frame_kind::data);
  ASSERT_EQ(events_.trades.size(), 1u);
  const trade& t = events_.trades[0];
  EXPECT_EQ(t.venue, venue_id::coinbase);
  EXPECT_EQ(t.instrument, btc_usd);
  EXPECT_EQ(t.id.view(), "10");
  EXPECT_EQ(t.price.to_string(), "400.23");
  EXPECT_EQ(t.size.to_string(), "5.23512");
  EXPECT_EQ(t.side, taker_side::buy);             // the maker sold
  EXPECT_EQ(t.exchange_ts_us, 1415348367028459);  // exact to the microsecond
  EXPECT_EQ(t.recv_ts_us, recv_ts);
  ASSERT_EQ(parse(match("match", 11, "buy")).error, feed_errc::ok);
  EXPECT_EQ(events_.trades.at(0).side, taker_side::sell);
}

TEST_F(CoinbaseStreams, DocumentedTickerAlsoGivesTheTopOfBook) {
  ASSERT_EQ(parse(documented_ticker).error, feed_errc::ok);
  ASSERT_EQ(events_.ticks.size(), 1u);
  ASSERT_EQ(events_.quotes.size(), 1u);
  const top_of_book& q = events_.quotes[0];
  EXPECT_EQ(q.instrument, eth_usd);
  EXPECT_EQ(q.bid.to_string(), "1285.04");
  EXPECT_EQ(q.bid_size.to_string(), "0.46688654");
  EXPECT_EQ(q.ask.to_string(), "1285.27");
  EXPECT_EQ(q.ask_size.to_string(), "1.56637040");
  EXPECT_EQ(q.venue_seq, 37475248783u);
  EXPECT_EQ(q.exchange_ts_us, 1666222102061769);
}

TEST_F(CoinbaseStreams, TheDefaultTickerStreamGivesNoQuotesAndTheBboStreamNoTicks) {
  coinbase_adapter ticker_only(test_symbols());
  market_events out;
  ASSERT_EQ(ticker_only.parse(documented_ticker, recv_ts, out).error, feed_errc::ok);
  EXPECT_EQ(out.ticks.size(), 1u);
  EXPECT_TRUE(out.quotes.empty());
  coinbase_adapter bbo_only(test_symbols(), fs_bbo);
  out.clear();
  ASSERT_EQ(bbo_only.parse(documented_ticker, recv_ts, out).error, feed_errc::ok);
  EXPECT_TRUE(out.ticks.empty());
  EXPECT_EQ(out.quotes.size(), 1u);
}

TEST_F(CoinbaseStreams, LastMatchSeedsTheIdCheckWithoutPublishing) {
  parse_result r = parse(match("last_match", 100));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::control);
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(parse(match("match", 101)).trade_gaps, 0u);
  EXPECT_EQ(events_.trades.size(), 1u);
  r = parse(match("match", 103));
  EXPECT_EQ(r.trade_gaps, 1u);
  EXPECT_EQ(events_.trades.size(), 1u);
  r = parse(match("match", 103));
  EXPECT_EQ(r.trade_gaps, 1u);
  EXPECT_TRUE(events_.trades.empty());
  EXPECT_EQ(parse(match("match", 5, "buy", "ETH-USD")).trade_gaps, 0u);  // per product
  adapter_.reset();
  EXPECT_EQ(parse(match("match", 7)).trade_gaps, 0u);
  EXPECT_EQ(events_.trades.size(), 1u);
}

TEST_F(CoinbaseStreams, MatchesDoNotTouchTheTickerSequenceCheck) {
  ASSERT_EQ(parse(ticker("BTC-USD", 10)).error, feed_errc::ok);
  ASSERT_EQ(parse(match("match", 1)).error, feed_errc::ok);
  EXPECT_EQ(parse(ticker("BTC-USD", 11)).gaps, 0u);
}

TEST_F(CoinbaseStreams, MalformedMatchesAreErrorsAndYieldNothing) {
  const std::string bad[] = {
      R"({"type":"match","trade_id":1,"time":"2024-12-07T18:00:06Z","product_id":"BTC-USD","size":"1","side":"buy"})",
      R"({"type":"match","trade_id":1,"time":"2024-12-07T18:00:06Z","product_id":"BTC-USD","price":"1","side":"buy"})",
      R"({"type":"match","time":"2024-12-07T18:00:06Z","product_id":"BTC-USD","price":"1","size":"1","side":"buy"})",
      R"({"type":"match","trade_id":1,"product_id":"BTC-USD","price":"1","size":"1","side":"buy"})",
      R"({"type":"match","trade_id":1,"time":"2024-12-07T18:00:06Z","product_id":"BTC-USD","price":"1","size":"1","side":"both"})",
      R"({"type":"match","trade_id":1,"time":"yesterday","product_id":"BTC-USD","price":"1","size":"1","side":"buy"})",
      R"({"type":"match","trade_id":-1,"time":"2024-12-07T18:00:06Z","product_id":"BTC-USD","price":"1","size":"1","side":"buy"})",
      R"({"type":"match","trade_id":1,"time":"2024-12-07T18:00:06Z","product_id":"BTC-USD","price":1,"size":"1","side":"buy"})",
      R"({"type":"match","trade_id":1,"time":"2024-12-07T18:00:06Z","price":"1","size":"1","side":"buy"})",
  };
  for (const auto& frame : bad) {
    const parse_result r = parse(frame);
    EXPECT_EQ(r.error, feed_errc::unexpected_shape) << frame;
    EXPECT_TRUE(events_.empty()) << frame;
  }
  const parse_result r =
      parse(R"({"type":"match","trade_id":1,"time":"2024-12-07T18:00:06Z","product_id":"BTC-USD",)"
            R"("price":"1.2.3","size":"1","side":"buy"})");
  EXPECT_EQ(r.error, feed_errc::bad_number);
  const parse_result unknown = parse(match("match", 1, "buy", "DOGE-USD"));
  EXPECT_EQ(unknown.error, feed_errc::ok);
  EXPECT_EQ(unknown.unknown_symbols, 1u);
  EXPECT_TRUE(events_.empty());
}

TEST(CoinbaseStreamsSubscribe, ChannelsFollowTheChosenStreams) {
  symbol_map m;
  m.add("BTC-USD", 0);
  EXPECT_EQ(coinbase_adapter(m).subscribe_messages().at(0),
            R"({"type":"subscribe","channels":[{"name":"ticker","product_ids":["BTC-USD"]},)"
            R"({"name":"heartbeat","product_ids":["BTC-USD"]}]})");
  EXPECT_EQ(coinbase_adapter(m, fs_trades).subscribe_messages().at(0),
            R"({"type":"subscribe","channels":[{"name":"matches","product_ids":["BTC-USD"]},)"
            R"({"name":"heartbeat","product_ids":["BTC-USD"]}]})");
  EXPECT_EQ(coinbase_adapter(m, fs_bbo | fs_trades).subscribe_messages().at(0),
            R"({"type":"subscribe","channels":[{"name":"ticker","product_ids":["BTC-USD"]},)"
            R"({"name":"matches","product_ids":["BTC-USD"]},)"
            R"({"name":"heartbeat","product_ids":["BTC-USD"]}]})");
}

}  // namespace
}  // namespace tickerd
