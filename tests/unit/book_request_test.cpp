// GET /v1/book/<SYM>?venue=…&depth=…: which book channel answers, and the 400/404 errors
// (docs/PROTOCOL.md "HTTP").
#include "gateway/book_request.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace tickerd {
namespace {

struct rig {
  std::vector<instrument> instruments{{"BTC", "USDT"}, {"ETH", "USDT"}};
  std::vector<venue_id> venues{venue_id::binance, venue_id::kraken};
  channel_registry channels{instruments, venues, channel_families{true, true, true, true, true}};

  std::string channel(std::string_view target) const {
    const auto r = book_channel_for(target, channels);
    if (const auto* e = std::get_if<book_request_error>(&r)) return "error " + e->body;
    return channels.info(std::get<channel_id>(r)).name;
  }
  book_request_error error(std::string_view target) const {
    const auto r = book_channel_for(target, channels);
    if (const auto* e = std::get_if<book_request_error>(&r)) return *e;
    ADD_FAILURE() << target << " answered " << channels.info(std::get<channel_id>(r)).name;
    return {};
  }
};

TEST(BookRequest, VenueOmittedIsComposedAndDepthDefaultsToTwenty) {
  rig r;
  EXPECT_EQ(r.channel("/v1/book/BTC-USDT"), "book20.BTC-USDT");
  EXPECT_EQ(r.channel("/v1/book/BTC-USDT?depth=1"), "book1.BTC-USDT");
  EXPECT_EQ(r.channel("/v1/book/ETH-USDT?venue=kraken&depth=50"), "book50.ETH-USDT@kraken");
  EXPECT_EQ(r.channel("/v1/book/ETH-USDT?depth=10&venue=binance&_=1733"),
            "book10.ETH-USDT@binance");
  EXPECT_EQ(r.channel("/v1/book/BTC-USDT?depth=1&depth=50"), "book50.BTC-USDT") << "last counts";
}

TEST(BookRequest, MalformedQueriesAre400AndUnknownNames404) {
  rig r;
  auto e = r.error("/v1/book/BTC-USDT?depth=5");
  EXPECT_EQ(e.status, 400u);
  EXPECT_EQ(e.body, R"({"error":"bad_depth","message":"depth must be 1, 10, 20 or 50"})");
  for (const auto* bad : {"/v1/book/BTC-USDT?depth=", "/v1/book/BTC-USDT?depth=20x",
                          "/v1/book/BTC-USDT?depth=-20", "/v1/book/BTC-USDT?depth=020000000000"}) {
    EXPECT_EQ(r.error(bad).status, 400u) << bad;
  }
  e = r.error("/v1/book/BTC-USDT?venue=ftx");
  EXPECT_EQ(e.status, 400u);
  EXPECT_EQ(e.body, R"({"error":"bad_venue","message":"unknown venue 'ftx' )"
                    R"x((binance, okx, coinbase, bybit, kraken)"})x");
  EXPECT_EQ(r.error("/v1/book/").status, 400u);
  EXPECT_EQ(r.error("/v1/book/BTC-USDT/x").status, 400u);
  EXPECT_EQ(r.error("/v1/book/BTC-USDT?venue=%zz").status, 400u);

  e = r.error("/v1/book/DOGE-USDT");
  EXPECT_EQ(e.status, 404u);
  EXPECT_EQ(e.body, R"({"error":"unknown_symbol","message":"no such instrument 'DOGE-USDT'"})");
  e = r.error("/v1/book/BTC-USDT?venue=okx");
  EXPECT_EQ(e.status, 404u);
  EXPECT_EQ(e.body, R"({"error":"unknown_venue","message":"no venue 'okx' quotes BTC-USDT"})");
}

TEST(BookRequest, ANodeWithoutBooksSaysSo) {
  std::vector<instrument> instruments{{"BTC", "USDT"}};
  std::vector<venue_id> venues{venue_id::binance};
  channel_registry channels{instruments, venues, channel_families{true, true, true, true, false}};
  const auto r = book_channel_for("/v1/book/BTC-USDT?venue=binance", channels);
  const auto* e = std::get_if<book_request_error>(&r);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->status, 404u);
  EXPECT_EQ(e->body, R"({"error":"unknown_channel","message":"this node publishes no )"
                     R"x(book20.BTC-USDT (no feed reads books)"})x");
}

}  // namespace
}  // namespace tickerd
