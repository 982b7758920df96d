// compose() and encode_ticker(): the composite ticker of one instrument, against
// docs/PROTOCOL.md "Ticker data".
#include "tickerd/market/composite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ticker_json.hpp"
#include "tickerd/hub/update.hpp"

namespace tickerd {
namespace {

using test::dec;
using test::make_tick;
using test::parse_ticker_json;

constexpr instrument_id btc = 0;
const std::string btc_symbol = "BTC-USDT";

// The fields PROTOCOL.md documents for ticker data, in the order the example shows them.
const std::vector<std::string> documented_keys = {
    "symbol",       "last", "open_24h", "high_24h", "low_24h", "change_pct", "volume_base",
    "volume_quote", "bid",  "ask",      "ts",       "recv_ts", "venues",     "stale"};

// The tick behind the PROTOCOL.md example.
tick protocol_example_tick() {
  return make_tick(venue_id::binance, btc,
                   {{tf_last, "85205.70"},
                    {tf_open, "86056.10"},
                    {tf_high, "86800.00"},
                    {tf_low, "84500.10"},
                    {tf_volume_base, "12345.67890000"},
                    {tf_volume_quote, "1051234567.12345600"},
                    {tf_bid, "85205.60"},
                    {tf_ask, "85205.70"}},
                   1764061234000000, 1764061234001234);
}

std::string encode(const composite_ticker& c, const std::string& symbol = btc_symbol) {
  std::string out;
  encode_ticker(out, symbol, c);
  return out;
}

std::string str(decimal d) {
  return d.to_string();
}

TEST(Composite, OneVenueIsThatVenueWithItsPrecision) {
  const tick t = protocol_example_tick();
  const composite_ticker c = compose(std::span<const tick>(&t, 1));
  EXPECT_EQ(c.venues, 1u << static_cast<unsigned>(venue_id::binance));
  EXPECT_FALSE(c.stale);
  for (const tick_field f :
       {tf_last, tf_open, tf_high, tf_low, tf_volume_base, tf_volume_quote, tf_bid, tf_ask}) {
    ASSERT_TRUE(c.value.has(f)) << f;
    const decimal tick::*m = test::member_of(f);
    EXPECT_TRUE((c.value.*m).identical(t.*m))
        << f << ": " << str(c.value.*m) << " vs " << str(t.*m);
  }
  EXPECT_FALSE(c.value.has(tf_bid_qty));
  EXPECT_FALSE(c.value.has(tf_ask_qty));
  EXPECT_EQ(c.value.exchange_ts_us, 1764061234000000);
  EXPECT_EQ(c.value.recv_ts_us, 1764061234001234);
  ASSERT_TRUE(c.has_change);
  EXPECT_EQ(str(c.change_pct), "-0.99");

  // Byte for byte the example of PROTOCOL.md "Ticker data".
  EXPECT_EQ(
      encode(c),
      R"({"symbol":"BTC-USDT","last":"85205.70","open_24h":"86056.10","high_24h":"86800.00",)"
      R"("low_24h":"84500.10","change_pct":"-0.99","volume_base":"12345.67890000",)"
      R"("volume_quote":"1051234567.12345600","bid":"85205.60","ask":"85205.70",)"
      R"("ts":1764061234000000,"recv_ts":1764061234001234,"venues":["binance"],"stale":false})");
}

TEST(Composite, EncodedJsonHasExactlyTheDocumentedFields) {
  const tick t = protocol_example_tick();
  const auto j = parse_ticker_json(encode(compose(std::span<const tick>(&t, 1))));
  ASSERT_TRUE(j.valid);
  EXPECT_EQ(j.keys, documented_keys);
  EXPECT_EQ(j["symbol"], "BTC-USDT");
  EXPECT_EQ(j["last"], "85205.70");
  EXPECT_EQ(j["ts"], "1764061234000000");
  EXPECT_EQ(j["recv_ts"], "1764061234001234");
  EXPECT_EQ(j["venues"], "binance");
  EXPECT_EQ(j["stale"], "false");
}

TEST(Composite, TwoVenuesTakeTheMidpointOfLast) {
  const tick ticks[] = {
      make_tick(venue_id::binance, btc, {{tf_last, "100.10"}}, 1000, 5000),
      make_tick(venue_id::okx, btc, {{tf_last, "100.20"}}, 1000, 5000),
  };
  EXPECT_EQ(str(compose(ticks).value.last), "100.15");

  // An odd sum of mantissas: exact at one more fraction digit, not rounded.
  const tick odd[] = {
      make_tick(venue_id::binance, btc, {{tf_last, "100.10"}}),
      make_tick(venue_id::okx, btc, {{tf_last, "100.11"}}),
  };
  EXPECT_EQ(str(compose(odd).value.last), "100.105");

  // Different precisions: the midpoint is exact at the finer one.
  const tick mixed[] = {
      make_tick(venue_id::binance, btc, {{tf_last, "100.1"}}),
      make_tick(venue_id::kraken, btc, {{tf_last, "100.25"}}),
  };
  EXPECT_EQ(str(compose(mixed).value.last), "100.175");
}

TEST(Composite, ThreeVenuesTakeTheMedianWhateverTheOrder) {
  std::vector<tick> ticks = {
      make_tick(venue_id::binance, btc,
                {{tf_last, "100.123"}, {tf_open, "90"}, {tf_high, "110.5"}, {tf_low, "80.00"}}),
      make_tick(venue_id::okx, btc,
                {{tf_last, "99.95"}, {tf_open, "91.0"}, {tf_high, "111"}, {tf_low, "79.9"}}),
      make_tick(venue_id::kraken, btc,
                {{tf_last, "100.1"}, {tf_open, "89.999"}, {tf_high, "109"}, {tf_low, "81"}}),
  };
  std::sort(ticks.begin(), ticks.end(),
            [](const tick& a, const tick& b) { return a.venue < b.venue; });
  int permutations = 0;
  do {
    const composite_ticker c = compose(ticks);
    // The median keeps the precision of the venue it came from.
    EXPECT_TRUE(c.value.last.identical(dec("100.1"))) << str(c.value.last);
    EXPECT_TRUE(c.value.open_24h.identical(dec("90"))) << str(c.value.open_24h);
    EXPECT_TRUE(c.value.high_24h.identical(dec("110.5"))) << str(c.value.high_24h);
    EXPECT_TRUE(c.value.low_24h.identical(dec("80.00"))) << str(c.value.low_24h);
    ++permutations;
  } while (std::next_permutation(ticks.begin(), ticks.end(),
                                 [](const tick& a, const tick& b) { return a.venue < b.venue; }));
  EXPECT_EQ(permutations, 6);
}

TEST(Composite, MedianComparesValuesNotText) {
  // As text "9.5" > "10.25" > "10.1"; as numbers 9.5 < 10.1 < 10.25.
  const tick ticks[] = {
      make_tick(venue_id::binance, btc, {{tf_last, "9.5"}}),
      make_tick(venue_id::okx, btc, {{tf_last, "10.25"}}),
      make_tick(venue_id::bybit, btc, {{tf_last, "10.1"}}),
  };
  EXPECT_EQ(str(compose(ticks).value.last), "10.1");
}

TEST(Composite, FourVenuesTakeTheMidpointOfTheMiddleTwo) {
  const tick ticks[] = {
      make_tick(venue_id::kraken, btc, {{tf_last, "1000"}}),
      make_tick(venue_id::binance, btc, {{tf_last, "10.00"}}),
      make_tick(venue_id::okx, btc, {{tf_last, "1"}}),
      make_tick(venue_id::bybit, btc, {{tf_last, "11.00"}}),
  };
  EXPECT_EQ(str(compose(ticks).value.last), "10.50");
}

TEST(Composite, VolumesAreSummedAcrossScales) {
  const tick ticks[] = {
      make_tick(venue_id::binance, btc,
                {{tf_volume_base, "12345.67890000"}, {tf_volume_quote, "1051234567.12345600"}}),
      make_tick(venue_id::okx, btc, {{tf_volume_base, "0.5"}, {tf_volume_quote, "42"}}),
      make_tick(venue_id::kraken, btc, {{tf_volume_base, "100.123"}}),
  };
  const composite_ticker c = compose(ticks);
  ASSERT_TRUE(c.value.has(tf_volume_base));
  // kraken sends no quote volume: a sum of the other two would understate it.
  EXPECT_FALSE(c.value.has(tf_volume_quote));
  EXPECT_EQ(str(c.value.volume_base), "12446.30190000");
  const auto j = parse_ticker_json(encode(c));
  EXPECT_EQ(j["volume_base"], "12446.30190000");
  EXPECT_FALSE(j.has("volume_quote"));

  const composite_ticker two = compose(std::span<const tick>(ticks, 2));
  ASSERT_TRUE(two.value.has(tf_volume_quote));
  EXPECT_EQ(str(two.value.volume_quote), "1051234609.12345600");
}

// Issue 11: SHIB-sized volumes (10^13..10^17 units, 8 decimals) on all five venues sum beyond
// int64 and stay exact; prices of 10^-9 take their median and midpoint at full precision.
TEST(Composite, HugeVolumesAndTinyPricesAcrossFiveVenues) {
  const tick ticks[] = {
      make_tick(venue_id::binance, btc,
                {{tf_last, "0.000000001234"},
                 {tf_volume_base, "98765432109876543.12345678"},
                 {tf_volume_quote, "345678901234.00000000"},
                 {tf_bid, "0.000000001233"},
                 {tf_ask, "0.000000001235"}}),
      make_tick(venue_id::okx, btc,
                {{tf_last, "0.000000001236"},
                 {tf_volume_base, "87654321098765432.1"},
                 {tf_volume_quote, "234567890123.123456789"},
                 {tf_bid, "0.000000001234"},
                 {tf_ask, "0.000000001236"}}),
      make_tick(venue_id::coinbase, btc,
                {{tf_last, "0.00000000123"},
                 {tf_volume_base, "76543210987654321"},
                 {tf_volume_quote, "123456789012.5"}}),
      make_tick(venue_id::bybit, btc,
                {{tf_last, "0.000000001237"},
                 {tf_volume_base, "65432109876543210.00000001"},
                 {tf_volume_quote, "99999999999.99999999"}}),
      make_tick(venue_id::kraken, btc,
                {{tf_last, "0.000000001235"},
                 {tf_volume_base, "54321098765432109.87654321"},
                 {tf_volume_quote, "1"}}),
  };
  const composite_ticker c = compose(ticks);
  ASSERT_TRUE(c.value.has(tf_volume_base));
  ASSERT_TRUE(c.value.has(tf_volume_quote));
  // Sums computed independently (Python's decimal module).
  EXPECT_EQ(str(c.value.volume_base), "382716172838271616.10000000");
  EXPECT_EQ(str(c.value.volume_quote), "803703580370.623456779");
  EXPECT_EQ(str(c.value.last), "0.000000001235");  // the median of five
  EXPECT_EQ(str(c.value.bid), "0.000000001234");
  EXPECT_EQ(str(c.value.ask), "0.000000001235");
  const auto j = parse_ticker_json(encode(c));
  EXPECT_EQ(j["volume_base"], "382716172838271616.10000000");
  EXPECT_EQ(j["volume_quote"], "803703580370.623456779");
  EXPECT_EQ(j["last"], "0.000000001235");

  // Four venues: the midpoint of the middle two, exactly.
  const composite_ticker four = compose(std::span<const tick>(ticks, 4));
  EXPECT_EQ(str(four.value.last), "0.000000001235");
}

// Encoding round trip at the extremes: the text of an update (as sent, and as stored in Redis)
// parses back to the identical decimal, precision included.
TEST(Composite, ExtremeValuesRoundTripThroughTheEncodedUpdate) {
  const std::string_view values[] = {
      "99999999999999999999999999999999999999",
      "-99999999999999999999999999999999999999",
      "99999999.999999999999999999999999999999",
      "0.000000000000000000000000000001",
      "98765432109876543.12345678",
      "345678901234.00000000",
      "0.000000001234",
      "0.00000001",
  };
  for (const std::string_view v : values) {
    const tick t = make_tick(venue_id::binance, btc, {{tf_last, v}, {tf_volume_base, v}});
    const composite_ticker c = compose(std::span<const tick>(&t, 1));
    const update_ptr u = make_update(0, "ticker.BTC-USDT", 1, encode(c));
    ASSERT_NE(u, nullptr);
    const auto j = parse_ticker_json(u->data());
    for (const char* key : {"last", "volume_base"}) {
      decimal back;
      ASSERT_EQ(decimal::parse(j[key], back), decimal_errc::ok) << key << " " << j[key];
      EXPECT_TRUE(back.identical(dec(v))) << key << " " << j[key] << " vs " << v;
      EXPECT_EQ(j[key], v);
    }
  }
}

TEST(Composite, VolumeSumThatOverflowsIsLeftOutNotWrapped) {
  // 38 digits is the widest a decimal holds: a sum beyond it is refused, never wrapped.
  const tick ticks[] = {
      make_tick(venue_id::binance, btc,
                {{tf_volume_base, "99999999999999999999999999999999999999"}}),
      make_tick(venue_id::okx, btc, {{tf_volume_base, "1"}}),
  };
  const composite_ticker c = compose(ticks);
  EXPECT_FALSE(c.value.has(tf_volume_base)) << str(c.value.volume_base);
  EXPECT_FALSE(parse_ticker_json(encode(c)).has("volume_base"));
}

TEST(Composite, BestBidIsTheHighestAndBestAskTheLowest) {
  const tick ticks[] = {
      make_tick(venue_id::binance, btc, {{tf_bid, "85205.60"}, {tf_ask, "85205.70"}}),
      make_tick(venue_id::okx, btc, {{tf_bid, "85205.8"}, {tf_ask, "85206.0"}}),
      make_tick(venue_id::kraken, btc, {{tf_bid, "85204"}, {tf_ask, "85205.65"}}),
  };
  const composite_ticker c = compose(ticks);
  EXPECT_TRUE(c.value.bid.identical(dec("85205.8"))) << str(c.value.bid);
  EXPECT_TRUE(c.value.ask.identical(dec("85205.65"))) << str(c.value.ask);
}

TEST(Composite, QuantityTravelsWithItsPrice) {
  // okx has the best bid but did not send its quantity: binance's quantity must not be shown
  // next to okx's price.
  const tick ticks[] = {
      make_tick(venue_id::binance, btc,
                {{tf_bid, "100"}, {tf_bid_qty, "5"}, {tf_ask, "102"}, {tf_ask_qty, "7"}}),
      make_tick(venue_id::okx, btc, {{tf_bid, "101"}, {tf_ask, "103"}}),
  };
  for (const bool reversed : {false, true}) {
    const tick in[] = {ticks[reversed ? 1 : 0], ticks[reversed ? 0 : 1]};
    const composite_ticker c = compose(in);
    EXPECT_EQ(str(c.value.bid), "101");
    EXPECT_FALSE(c.value.has(tf_bid_qty)) << "reversed=" << reversed;
    EXPECT_EQ(str(c.value.ask), "102");
    ASSERT_TRUE(c.value.has(tf_ask_qty)) << "reversed=" << reversed;
    EXPECT_EQ(str(c.value.ask_qty), "7");
    const auto j = parse_ticker_json(encode(c));
    EXPECT_FALSE(j.has("bid_qty"));
    EXPECT_EQ(j["ask_qty"], "7");
  }
}

TEST(Composite, NewestTimestampsWin) {
  const tick ticks[] = {
      make_tick(venue_id::binance, btc, {{tf_last, "1"}}, 1764061234000000, 1764061234000900),
      make_tick(venue_id::okx, btc, {{tf_last, "1"}}, 1764061235000000, 1764061234000100),
      make_tick(venue_id::kraken, btc, {{tf_last, "1"}}, 1764061233000000, 1764061234000500),
  };
  const composite_ticker c = compose(ticks);
  EXPECT_EQ(c.value.exchange_ts_us, 1764061235000000);
  EXPECT_EQ(c.value.recv_ts_us, 1764061234000900);
  const auto j = parse_ticker_json(encode(c));
  EXPECT_EQ(j["ts"], "1764061235000000");
  EXPECT_EQ(j["recv_ts"], "1764061234000900");
}

TEST(Composite, VenuesAreListedInVenueOrderWhateverTheInputOrder) {
  const tick ticks[] = {
      make_tick(venue_id::kraken, btc, {{tf_last, "1"}}),
      make_tick(venue_id::coinbase, btc, {{tf_last, "1"}}),
      make_tick(venue_id::binance, btc, {{tf_last, "1"}}),
      make_tick(venue_id::bybit, btc, {{tf_last, "1"}}),
      make_tick(venue_id::okx, btc, {{tf_last, "1"}}),
  };
  EXPECT_EQ(parse_ticker_json(encode(compose(ticks)))["venues"],
            "binance,okx,coinbase,bybit,kraken");
  const tick two[] = {ticks[0], ticks[2]};
  const composite_ticker c = compose(two);
  EXPECT_EQ(c.venues, (1u << static_cast<unsigned>(venue_id::binance)) |
                          (1u << static_cast<unsigned>(venue_id::kraken)));
  EXPECT_EQ(parse_ticker_json(encode(c))["venues"], "binance,kraken");
}

TEST(Composite, ChangePctIsExactAndRoundedHalfAwayFromZero) {
  struct change_case {
    std::string_view last;
    std::string_view open;
    std::string_view pct;
  };
  const change_case cases[] = {
      {"85205.70", "86056.10", "-0.99"},  // PROTOCOL.md's example: -0.98818...
      {"101", "100", "1.00"},
      {"100", "100", "0.00"},
      {"100.005", "100", "0.01"},  // exactly 0.005 %: a tie, away from zero
      {"99.995", "100", "-0.01"},  // exactly -0.005 %
      {"1.00125", "1", "0.13"},    // exactly 0.125 %
      {"0.99875", "1", "-0.13"},   // exactly -0.125 %
      {"1.0014499", "1", "0.14"},  // 0.14499 %: just below a tie
      {"1.00145", "1", "0.15"},    // 0.145 %: the tie itself
      {"0.0025", "0.0010", "150.00"},
      {"1", "3", "-66.67"},
      {"2", "3", "-33.33"},
      {"0.1", "0.3", "-66.67"},  // 1/3 in binary floating point is not 0.333…
      {"1.15", "1", "15.00"},    // 1.15 is not exact in binary floating point
  };
  for (const auto& k : cases) {
    const tick t = make_tick(venue_id::binance, btc, {{tf_last, k.last}, {tf_open, k.open}});
    const composite_ticker c = compose(std::span<const tick>(&t, 1));
    ASSERT_TRUE(c.has_change) << k.last << " / " << k.open;
    EXPECT_EQ(str(c.change_pct), k.pct) << k.last << " / " << k.open;
    EXPECT_EQ(parse_ticker_json(encode(c))["change_pct"], k.pct);
  }
}

TEST(Composite, ChangePctUsesTheComposedLastAndOpen) {
  const tick ticks[] = {
      make_tick(venue_id::binance, btc, {{tf_last, "101"}, {tf_open, "100"}}),
      make_tick(venue_id::okx, btc, {{tf_last, "103"}, {tf_open, "100"}}),
  };
  const composite_ticker c = compose(ticks);
  EXPECT_EQ(str(c.value.last), "102");
  EXPECT_EQ(str(c.change_pct), "2.00");
}

TEST(Composite, NoChangePctWithoutOpenOrWithAZeroOpen) {
  const tick no_open = make_tick(venue_id::binance, btc, {{tf_last, "101"}});
  composite_ticker c = compose(std::span<const tick>(&no_open, 1));
  EXPECT_FALSE(c.has_change);
  EXPECT_FALSE(parse_ticker_json(encode(c)).has("change_pct"));

  const tick zero_open = make_tick(venue_id::binance, btc, {{tf_last, "101"}, {tf_open, "0.00"}});
  c = compose(std::span<const tick>(&zero_open, 1));
  EXPECT_FALSE(c.has_change);
  const auto j = parse_ticker_json(encode(c));
  EXPECT_FALSE(j.has("change_pct"));
  EXPECT_EQ(j["open_24h"], "0.00");
}

TEST(Composite, PartialTicksLeaveAbsentFieldsAbsent) {
  const tick t = make_tick(venue_id::okx, btc, {{tf_last, "0.0025"}}, 1764061234000, 7);
  const auto j = parse_ticker_json(encode(compose(std::span<const tick>(&t, 1))));
  ASSERT_TRUE(j.valid);
  const std::vector<std::string> expected = {"symbol", "last", "ts", "recv_ts", "venues", "stale"};
  EXPECT_EQ(j.keys, expected);
  EXPECT_EQ(j["last"], "0.0025");
  EXPECT_EQ(j["venues"], "okx");
}

TEST(Composite, EachFieldComesFromTheVenuesThatCarryIt) {
  // last from three venues (median), open only from okx, bid only from kraken, and bybit
  // contributes nothing but its presence.
  const tick ticks[] = {
      make_tick(venue_id::binance, btc, {{tf_last, "10"}, {tf_volume_base, "1.5"}}),
      make_tick(venue_id::okx, btc, {{tf_last, "12"}, {tf_open, "11.0"}}),
      make_tick(venue_id::kraken, btc, {{tf_last, "20"}, {tf_bid, "19.5"}}),
      make_tick(venue_id::bybit, btc, {}),
  };
  const composite_ticker c = compose(ticks);
  EXPECT_EQ(str(c.value.last), "12");  // median of 10, 12, 20: bybit has no last
  EXPECT_EQ(str(c.value.open_24h), "11.0");
  EXPECT_EQ(str(c.value.bid), "19.5");
  EXPECT_FALSE(c.value.has(tf_ask));
  EXPECT_FALSE(c.value.has(tf_high));
  // Only binance reports a volume: a sum over some venues would understate it, so none.
  EXPECT_FALSE(c.value.has(tf_volume_base));
  const auto j = parse_ticker_json(encode(c));
  // No venue sent an event time: no ts (docs/PROTOCOL.md, Conventions).
  const std::vector<std::string> expected = {"symbol", "last",    "open_24h", "change_pct",
                                             "bid",    "recv_ts", "venues",   "stale"};
  EXPECT_EQ(j.keys, expected);
  EXPECT_EQ(j["change_pct"], "9.09");  // (12 - 11) / 11 = 9.0909…%
  EXPECT_EQ(j["venues"], "binance,okx,bybit,kraken");

  // Two of four carry last: their midpoint.
  const tick some[] = {ticks[0], ticks[1], ticks[3],
                       make_tick(venue_id::kraken, btc, {{tf_bid, "1"}})};
  EXPECT_EQ(str(compose(some).value.last), "11");
}

TEST(Composite, StaleFlagIsEncoded) {
  const tick t = protocol_example_tick();
  composite_ticker c = compose(std::span<const tick>(&t, 1));
  EXPECT_FALSE(c.stale);  // compose never decides staleness; the aggregator does
  c.stale = true;
  const auto j = parse_ticker_json(encode(c));
  EXPECT_EQ(j.keys, documented_keys);
  EXPECT_EQ(j["stale"], "true");
}

TEST(Composite, NegativeAndTinyValuesKeepTheirText) {
  const tick t = make_tick(venue_id::binance, btc,
                           {{tf_last, "0.00000123"}, {tf_open, "0.00000100"}, {tf_bid, "-0.5"}});
  const auto j = parse_ticker_json(encode(compose(std::span<const tick>(&t, 1))));
  EXPECT_EQ(j["last"], "0.00000123");
  EXPECT_EQ(j["open_24h"], "0.00000100");
  EXPECT_EQ(j["bid"], "-0.5");
  EXPECT_EQ(j["change_pct"], "23.00");
}

TEST(Composite, EncodeAppendsAndUsesTheGivenSymbol) {
  const tick t = make_tick(venue_id::binance, 3, {{tf_last, "1"}});
  std::string out = "prefix:";
  encode_ticker(out, "TRUMP-USDT", compose(std::span<const tick>(&t, 1)));
  ASSERT_EQ(out.rfind("prefix:", 0), 0u);
  const auto j = parse_ticker_json(std::string_view(out).substr(7));
  EXPECT_EQ(j["symbol"], "TRUMP-USDT");
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace tickerd

namespace tickerd {
namespace {

TEST(CompositeOutliers, AVenueFarFromTheMedianIsLeftOut) {
  const std::vector<tick> ticks = {
      test::make_tick(venue_id::binance, 0, {{tf_last, "100.00"}, {tf_volume_base, "1"}}, 1, 1),
      test::make_tick(venue_id::okx, 0, {{tf_last, "100.20"}, {tf_volume_base, "2"}}, 1, 1),
      test::make_tick(venue_id::kraken, 0, {{tf_last, "130.00"}, {tf_volume_base, "4"}}, 1, 1)};
  const auto c = compose(ticks, compose_options{.outlier_band_bp = 500});
  EXPECT_EQ(c.value.last.to_string(), "100.10");  // midpoint of the two that agree
  EXPECT_EQ(c.value.volume_base.to_string(), "3");
  EXPECT_EQ(c.venues, (1u << 0) | (1u << 1));  // kraken left out

  // Without the band the outlier is the median's neighbour and counts.
  const auto all = compose(ticks, compose_options{.outlier_band_bp = 0});
  EXPECT_EQ(all.value.last.to_string(), "100.20");
  EXPECT_EQ(all.value.volume_base.to_string(), "7");
}

TEST(CompositeOutliers, TwoVenuesAreNeverJudged) {
  const std::vector<tick> ticks = {test::make_tick(venue_id::binance, 0, {{tf_last, "100"}}, 1, 1),
                                   test::make_tick(venue_id::okx, 0, {{tf_last, "200"}}, 1, 1)};
  const auto c = compose(ticks, compose_options{.outlier_band_bp = 100});
  EXPECT_EQ(c.value.last.to_string(), "150");
  EXPECT_EQ(c.venues, (1u << 0) | (1u << 1));
}

TEST(CompositeOutliers, BandIsExactAtItsEdge) {
  // 5 % of 100.00 is 5.00: 105.00 is inside, 105.01 outside.
  EXPECT_FALSE(outside_band(dec("105.00"), dec("100"), 500));
  EXPECT_TRUE(outside_band(dec("105.01"), dec("100"), 500));
  EXPECT_FALSE(outside_band(dec("95"), dec("100.00"), 500));
  EXPECT_TRUE(outside_band(dec("94.999"), dec("100"), 500));
  EXPECT_FALSE(outside_band(dec("0.00012"), dec("0.00012"), 0));
  // Tiny and huge prices, still exact at the edge: 5 % of 1.000e-9 is 0.050e-9.
  EXPECT_FALSE(outside_band(dec("0.00000000105"), dec("0.000000001000"), 500));
  EXPECT_TRUE(outside_band(dec("0.000000001050000000000000000001"), dec("0.000000001"), 500));
  EXPECT_FALSE(outside_band(dec("10500000000000000000000000000000000000"),
                            dec("10000000000000000000000000000000000000"), 500));
  EXPECT_TRUE(outside_band(dec("10500000000000000000000000000000000001"),
                           dec("10000000000000000000000000000000000000"), 500));
  // Scales too far apart to share 128 bits: the coarser value is far outside any sane band.
  EXPECT_TRUE(outside_band(dec("99999999999999999999999999999999999999"),
                           dec("0.000000000000000000000000000001"), 500));
  EXPECT_TRUE(outside_band(dec("0.000000000000000000000000000001"),
                           dec("99999999999999999999999999999999999999"), 9'999));
  EXPECT_FALSE(outside_band(dec("0.000000000000000000000000000001"),
                            dec("99999999999999999999999999999999999999"), 10'000));
}

TEST(CompositeVenue, VenueTickerNamesItsVenue) {
  const tick t = test::make_tick(venue_id::okx, 0, {{tf_last, "85205.7"}}, 1764061234000000, 5);
  composite_ticker c = compose(std::span<const tick>(&t, 1));
  c.stale = true;
  std::string out;
  encode_venue_ticker(out, "BTC-USDT", venue_id::okx, c);
  EXPECT_EQ(out, R"({"symbol":"BTC-USDT","last":"85205.7","ts":1764061234000000,"recv_ts":5,)"
                 R"("venue":"okx","stale":true})");
}

// Issue 17: a Kraken snapshot without "timestamp" was served with "ts":0 (1970). A venue that
// sent no event time has none: the key is left out, on the venue channel and the composite.
TEST(CompositeVenue, NoVenueTimeIsLeftOutNotWrittenAsZero) {
  const tick t = test::make_tick(venue_id::kraken, 0, {{tf_last, "85205.7"}}, 0, 5);
  const composite_ticker c = compose(std::span<const tick>(&t, 1));
  std::string venue;
  encode_venue_ticker(venue, "BTC-USDT", venue_id::kraken, c);
  EXPECT_EQ(venue, R"({"symbol":"BTC-USDT","last":"85205.7","recv_ts":5,)"
                   R"("venue":"kraken","stale":false})");
  EXPECT_EQ(encode(c), R"({"symbol":"BTC-USDT","last":"85205.7","recv_ts":5,)"
                       R"("venues":["kraken"],"stale":false})");
  // With another venue's time, the composite states that one.
  const tick both[] = {
      t, test::make_tick(venue_id::okx, 0, {{tf_last, "85205.9"}}, 1764061234000000, 4)};
  EXPECT_NE(encode(compose(both)).find(R"("ts":1764061234000000,"recv_ts":5,)"), std::string::npos)
      << encode(compose(both));
}

}  // namespace
}  // namespace tickerd
