// consolidated_bbo and its encoders, against docs/PROTOCOL.md "Bbo data".
#include "tickerd/market/consolidated_bbo.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include <simdjson.h>

namespace tickerd {
namespace {

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

top_of_book quote(venue_id v, std::string_view bid, std::string_view bid_qty, std::string_view ask,
                  std::string_view ask_qty, std::int64_t ts_us = 0,
                  std::int64_t recv_us = 1'000'000) {
  top_of_book q;
  q.venue = v;
  q.instrument = 0;
  if (!bid.empty()) {
    q.bid = dec(bid);
    q.bid_size = dec(bid_qty);
    q.has_bid = true;
  }
  if (!ask.empty()) {
    q.ask = dec(ask);
    q.ask_size = dec(ask_qty);
    q.has_ask = true;
  }
  q.exchange_ts_us = ts_us;
  q.recv_ts_us = recv_us;
  return q;
}

std::string encoded(const consolidated_bbo& m) {
  std::string out;
  encode_bbo(out, "BTC-USDT", m.top());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  return out;
}

TEST(ConsolidatedBbo, BestOfEachSideNamesItsVenueAndSize) {
  consolidated_bbo m;
  EXPECT_TRUE(m.on_quote(quote(venue_id::binance, "85205.60", "0.512", "85205.90", "1.0",
                               1764061234000100, 1764061234000900)));
  EXPECT_TRUE(m.on_quote(
      quote(venue_id::okx, "85205.5", "3", "85205.7", "0.25", 1764061234000200, 1764061234001000)));
  const auto& t = m.top();
  EXPECT_EQ(t.bid.venue, venue_id::binance);
  EXPECT_EQ(t.ask.venue, venue_id::okx);
  EXPECT_FALSE(t.crossed());
  EXPECT_FALSE(t.locked());
  EXPECT_EQ(encoded(m),
            R"({"symbol":"BTC-USDT","bid":"85205.60","bid_qty":"0.512","bid_venue":"binance",)"
            R"("ask":"85205.7","ask_qty":"0.25","ask_venue":"okx","spread":"0.10",)"
            R"("crossed":false,"locked":false,"ts":1764061234000200,"recv_ts":1764061234001000,)"
            R"("venues":["binance","okx"],"stale":false})");
}

TEST(ConsolidatedBbo, PublishesOnlyWhenTheTopChanges) {
  consolidated_bbo m;
  EXPECT_TRUE(m.on_quote(quote(venue_id::binance, "100", "1", "101", "1")));
  EXPECT_TRUE(m.on_quote(quote(venue_id::okx, "99", "1", "102", "1")));  // joins `venues`
  // OKX moves behind Binance on both sides: nothing a client trades on changed.
  EXPECT_FALSE(m.on_quote(quote(venue_id::okx, "98", "5", "103", "5")));
  // The same quote again, only a later receive time: no change.
  EXPECT_FALSE(m.on_quote(quote(venue_id::binance, "100", "1", "101", "1", 0, 2'000'000)));
  // Size at the best changes: a change.
  EXPECT_TRUE(m.on_quote(quote(venue_id::binance, "100", "2", "101", "1")));
  // Same value at another precision is what a client would see differently: a change.
  EXPECT_TRUE(m.on_quote(quote(venue_id::binance, "100.0", "2", "101", "1")));
}

TEST(ConsolidatedBbo, TiesGoToTheLargerSizeThenTheEarlierVenue) {
  consolidated_bbo m;
  m.on_quote(quote(venue_id::binance, "100", "1", "101", "4"));
  m.on_quote(quote(venue_id::coinbase, "100.00", "2", "101", "4"));
  EXPECT_EQ(m.top().bid.venue, venue_id::coinbase);  // same price, more size
  EXPECT_EQ(m.top().bid.price.to_string(), "100.00");
  EXPECT_EQ(m.top().ask.venue, venue_id::binance);  // same price and size: venue order
  m.on_quote(quote(venue_id::okx, "100", "2", "101", "4"));
  EXPECT_EQ(m.top().bid.venue, venue_id::okx);  // okx precedes coinbase in venue order
}

TEST(ConsolidatedBbo, CrossedAndLockedAreFlaggedNotHidden) {
  consolidated_bbo m;
  m.on_quote(quote(venue_id::binance, "100", "1", "101", "1"));
  m.on_quote(quote(venue_id::kraken, "99", "1", "100", "1"));
  EXPECT_TRUE(m.top().locked());
  EXPECT_FALSE(m.top().crossed());
  EXPECT_NE(encoded(m).find(R"("spread":"0","crossed":false,"locked":true)"), std::string::npos)
      << encoded(m);
  m.on_quote(quote(venue_id::kraken, "99", "1", "99.5", "1"));
  EXPECT_TRUE(m.top().crossed());
  EXPECT_FALSE(m.top().locked());
  EXPECT_NE(encoded(m).find(R"("spread":"-0.5","crossed":true,"locked":false)"), std::string::npos)
      << encoded(m);
}

TEST(ConsolidatedBbo, StaleVenuesLeaveAndComeBack) {
  consolidated_bbo m;
  m.on_quote(quote(venue_id::binance, "100", "1", "101", "1"));
  m.on_quote(quote(venue_id::okx, "99", "1", "102", "1"));
  EXPECT_TRUE(m.on_venue_fresh(venue_id::binance, false));
  EXPECT_EQ(m.top().bid.venue, venue_id::okx);
  EXPECT_TRUE(m.venue_stale(venue_id::binance));
  EXPECT_FALSE(m.on_venue_fresh(venue_id::binance, false));  // already out
  // No venue fresh: the last known book of every venue, marked stale.
  EXPECT_TRUE(m.on_venue_fresh(venue_id::okx, false));
  EXPECT_TRUE(m.top().stale);
  EXPECT_EQ(m.top().bid.venue, venue_id::binance);
  EXPECT_NE(encoded(m).find(R"("stale":true)"), std::string::npos);
  EXPECT_TRUE(m.on_venue_fresh(venue_id::binance, true));
  EXPECT_FALSE(m.top().stale);
  EXPECT_EQ(m.top().venues, 1u << static_cast<unsigned>(venue_id::binance));
}

TEST(ConsolidatedBbo, AStalledBboStreamExpiresWhileTheFeedStaysUp) {
  consolidated_bbo m(bbo_options{5'000'000});
  m.on_quote(quote(venue_id::binance, "100", "1", "101", "1", 0, 10'000'000));
  m.on_quote(quote(venue_id::okx, "99", "1", "102", "1", 0, 12'000'000));
  EXPECT_FALSE(m.expire(15'000'000));  // both within 5 s
  EXPECT_TRUE(m.expire(15'000'001));   // binance's is 5 s + 1 µs old
  EXPECT_EQ(m.top().bid.venue, venue_id::okx);
  EXPECT_TRUE(m.venue_stale(venue_id::binance));
  // Its next quote brings it back.
  EXPECT_TRUE(m.on_quote(quote(venue_id::binance, "100", "1", "101", "1", 0, 15'000'002)));
  EXPECT_EQ(m.top().bid.venue, venue_id::binance);
}

TEST(ConsolidatedBbo, AnOlderEventOfTheSameVenueIsIgnored) {
  consolidated_bbo m;
  m.on_quote(quote(venue_id::bybit, "100", "1", "101", "1", 2'000));
  EXPECT_FALSE(m.on_quote(quote(venue_id::bybit, "90", "1", "91", "1", 1'000)));
  EXPECT_EQ(m.top().bid.price.to_string(), "100");
}

TEST(ConsolidatedBbo, AnEmptySideIsAbsent) {
  consolidated_bbo m;
  m.on_quote(quote(venue_id::coinbase, "", "", "101.5", "2"));
  EXPECT_FALSE(m.top().bid.present);
  EXPECT_EQ(encoded(m),
            R"({"symbol":"BTC-USDT","ask":"101.5","ask_qty":"2","ask_venue":"coinbase",)"
            R"("crossed":false,"locked":false,"recv_ts":1000000,"venues":["coinbase"],)"
            R"("stale":false})");
}

TEST(ConsolidatedBbo, VenueEncoding) {
  std::string out;
  encode_venue_bbo(
      out, "BTC-USDT",
      quote(venue_id::okx, "85205.5", "3", "85205.7", "0.25", 1764061234000200, 1764061234001000),
      false);
  EXPECT_EQ(out, R"({"symbol":"BTC-USDT","venue":"okx","bid":"85205.5","bid_qty":"3",)"
                 R"("ask":"85205.7","ask_qty":"0.25","spread":"0.2","ts":1764061234000200,)"
                 R"("recv_ts":1764061234001000,"stale":false})");
}

}  // namespace
}  // namespace tickerd
