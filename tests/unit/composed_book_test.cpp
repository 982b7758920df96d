// compose_book and the depth channels' JSON: venues' books merged by price with sizes summed
// exactly, and each update's data as docs/PROTOCOL.md "Book data" states it.
#include "tickerd/market/composed_book.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/json_writer.hpp"
#include "tickerd/market/depth_json.hpp"

namespace tickerd {
namespace {

using book::book_level;

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

std::vector<book_level> levels(std::initializer_list<std::pair<const char*, const char*>> l) {
  std::vector<book_level> out;
  for (const auto& [p, s] : l) out.push_back({dec(p), dec(s)});
  return out;
}

std::string text(decimal d) {
  std::string out;
  json::append_decimal(out, d);
  return out.substr(1, out.size() - 2);
}

TEST(ComposedBook, MergesByPriceSummingSizesAndKeepingEachVenuesSize) {
  const auto binance_bids = levels({{"100.5", "1"}, {"100.4", "2"}, {"100.2", "0.5"}});
  const auto binance_asks = levels({{"100.6", "1.25"}, {"100.8", "3"}});
  // "100.50" and "100.5" are one price: the merge compares values, not spellings.
  const auto okx_bids = levels({{"100.50", "0.75"}, {"100.3", "4"}});
  const auto okx_asks = levels({{"100.7", "0.1"}, {"100.8", "0.000000001"}});
  const std::vector<venue_book_view> books{
      {venue_id::binance, binance_bids, binance_asks, 1000, 1100},
      {venue_id::okx, okx_bids, okx_asks, 2000, 1900},
  };
  composed_book out;
  compose_book(books, 3, out);
  ASSERT_EQ(out.bids.size(), 3u);
  EXPECT_EQ(text(out.bids[0].price), "100.5") << "the first venue's spelling";
  EXPECT_EQ(text(out.bids[0].size), "1.75");
  EXPECT_EQ(out.bids[0].venues, (1u << 0) | (1u << 1));
  EXPECT_EQ(text(out.bids[0].venue_size[0]), "1");
  EXPECT_EQ(text(out.bids[0].venue_size[1]), "0.75");
  EXPECT_EQ(text(out.bids[1].price), "100.4");
  EXPECT_EQ(text(out.bids[2].price), "100.3");
  EXPECT_EQ(out.bids[2].venues, 1u << 1);
  ASSERT_EQ(out.asks.size(), 3u);
  EXPECT_EQ(text(out.asks[0].price), "100.6");
  EXPECT_EQ(text(out.asks[1].price), "100.7");
  EXPECT_EQ(text(out.asks[2].price), "100.8");
  EXPECT_EQ(text(out.asks[2].size), "3.000000001");
  EXPECT_EQ(out.exchange_ts_us, 2000);
  EXPECT_EQ(out.recv_ts_us, 1900);
  EXPECT_FALSE(out.crossed());

  std::string json;
  encode_composed_book(json, "BTC-USDT", 2, out);
  EXPECT_EQ(
      json,
      R"({"symbol":"BTC-USDT","depth":2,"status":"ready",)"
      R"("bids":[["100.5","1.75",{"binance":"1","okx":"0.75"}],["100.4","2",{"binance":"2"}]],)"
      R"("asks":[["100.6","1.25",{"binance":"1.25"}],["100.7","0.1",{"okx":"0.1"}]],)"
      R"("spread":"0.1","crossed":false,"locked":false,"ts":2000,"recv_ts":1900,)"
      R"("venues":["binance","okx"]})");
}

TEST(ComposedBook, VenuesDisagreeingAreStatedCrossedNotCorrected) {
  const auto a_bids = levels({{"101", "1"}});
  const auto a_asks = levels({{"102", "1"}});
  const auto b_bids = levels({{"99", "1"}});
  const auto b_asks = levels({{"100", "2"}});
  const std::vector<venue_book_view> books{{venue_id::bybit, a_bids, a_asks, 0, 5},
                                           {venue_id::kraken, b_bids, b_asks, 0, 6}};
  composed_book out;
  compose_book(books, 50, out);
  EXPECT_TRUE(out.crossed());
  std::string json;
  encode_composed_book(json, "ETH-USDT", 1, out);
  EXPECT_EQ(
      json,
      R"({"symbol":"ETH-USDT","depth":1,"status":"ready",)"
      R"("bids":[["101","1",{"bybit":"1"}]],"asks":[["100","2",{"kraken":"2"}]],)"
      R"("spread":"-1","crossed":true,"locked":false,"recv_ts":6,"venues":["bybit","kraken"]})");
}

TEST(ComposedBook, NoVenueIsAStatedResyncingBook) {
  composed_book out;
  out.bids.push_back({});  // whatever it held before is replaced
  compose_book({}, 20, out);
  EXPECT_TRUE(out.bids.empty());
  std::string json;
  encode_composed_book(json, "BTC-USDT", 20, out);
  EXPECT_EQ(json, R"({"symbol":"BTC-USDT","depth":20,"status":"resyncing","bids":[],"asks":[],)"
                  R"("crossed":false,"locked":false,"recv_ts":0,"venues":[]})");
}

TEST(DepthJson, VenueBookIsTheTopNAsExactStringsAndResyncingShowsNoLevels) {
  const auto bids = levels({{"85205.70", "0.001"}, {"85205.1", "2"}});
  const auto asks = levels({{"85205.80", "1.50"}});
  venue_book_data d;
  d.venue = venue_id::binance;
  d.state = book_state::ready;
  d.bids = bids;
  d.asks = asks;
  d.update_id = 7001;
  d.exchange_ts_us = 1764061200000000;
  d.recv_ts_us = 1764061200000700;
  std::string json;
  encode_venue_book(json, "BTC-USDT", 1, d);
  EXPECT_EQ(json, R"({"symbol":"BTC-USDT","venue":"binance","depth":1,"status":"ready",)"
                  R"("bids":[["85205.70","0.001"]],"asks":[["85205.80","1.50"]],)"
                  R"("update_id":7001,"ts":1764061200000000,"recv_ts":1764061200000700,)"
                  R"("stale":false})");
  d.state = book_state::resyncing;
  d.update_id = 0;
  d.exchange_ts_us = 0;
  json.clear();
  encode_venue_book(json, "BTC-USDT", 20, d);
  EXPECT_EQ(json, R"({"symbol":"BTC-USDT","venue":"binance","depth":20,"status":"resyncing",)"
                  R"("bids":[],"asks":[],"recv_ts":1764061200000700,"stale":false})");
}

}  // namespace
}  // namespace tickerd
