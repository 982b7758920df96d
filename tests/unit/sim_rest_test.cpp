// The venues' REST market metadata the sim serves for CCXT's loadMarkets(): routing (with and
// without the venue prefix), each venue's envelope, and the symbols' tick and lot sizes.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "sim/binance_rest.hpp"
#include "sim/kraken_rest.hpp"
#include "sim/rest_api.hpp"
#include "sim/rest_common.hpp"

namespace tickerd::sim {
namespace {

constexpr std::int64_t now_ms = 1'764'061'234'567;

std::vector<symbol_spec> specs() {
  return {*find_spec("BTCUSDT"), *find_spec("DOGEUSDT"), *find_spec("BTC-USD")};
}

// Parses a reply body; fails the test when it is not JSON.
simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& body) {
  simdjson::dom::element doc;
  EXPECT_FALSE(p.parse(body).get(doc)) << body;
  return doc;
}

std::string str(simdjson::dom::element e) {
  std::string_view s;
  return e.get(s) ? std::string("<not a string>") : std::string(s);
}

std::string body_of(std::string_view target) {
  const auto r = rest::answer(specs(), target, now_ms);
  EXPECT_TRUE(r) << target;
  if (!r) return {};
  EXPECT_EQ(r->status, 200u) << target << ": " << r->body;
  return r->body;
}

TEST(SimRest, StepText) {
  EXPECT_EQ(rest::step_text(2, 8), "0.01000000");
  EXPECT_EQ(rest::step_text(2), "0.01");
  EXPECT_EQ(rest::step_text(0), "1");
  EXPECT_EQ(rest::step_text(0, 8), "1.00000000");
  EXPECT_EQ(rest::step_text(10, 8), "0.0000000001");
}

TEST(SimRest, RoutesWithAndWithoutTheVenuePrefix) {
  for (const char* t : {"/api/v3/exchangeInfo", "/binance/api/v3/exchangeInfo",
                        "/okx/api/v5/public/instruments?instType=SPOT", "/coinbase/products",
                        "/currencies", "/bybit/v5/market/instruments-info?category=spot",
                        "/kraken/0/public/AssetPairs", "/0/public/Assets", "/api/v3/time",
                        "/binance/fapi/v1/exchangeInfo", "/dapi/v1/exchangeInfo"}) {
    EXPECT_FALSE(body_of(t).empty()) << t;
  }
  // Another venue's prefix, an unknown path, a WebSocket path: not REST.
  EXPECT_FALSE(rest::answer(specs(), "/okx/products", now_ms));
  EXPECT_FALSE(rest::answer(specs(), "/binance/api/v3/depth", now_ms));
  EXPECT_FALSE(rest::answer(specs(), "/ws/v5/public", now_ms));
  // Bad parameters get the venue's error.
  const auto okx_bad = rest::answer(specs(), "/api/v5/public/instruments?instType=X", now_ms);
  ASSERT_TRUE(okx_bad);
  EXPECT_EQ(okx_bad->status, 400u);
  EXPECT_NE(okx_bad->body.find(R"("code":"51000")"), std::string::npos) << okx_bad->body;
  const auto bybit_bad = rest::answer(specs(), "/v5/market/instruments-info", now_ms);
  ASSERT_TRUE(bybit_bad);
  EXPECT_NE(bybit_bad->body.find(R"("retCode":10001)"), std::string::npos) << bybit_bad->body;
}

TEST(SimRest, BinanceExchangeInfoPadsFiltersTo8Decimals) {
  simdjson::dom::parser p;
  const auto doc = parse(p, body_of("/binance/api/v3/exchangeInfo"));
  EXPECT_EQ(int64_t(doc["serverTime"]), now_ms);
  EXPECT_EQ(str(doc["timezone"]), "UTC");
  simdjson::dom::array symbols = doc["symbols"];
  ASSERT_EQ(symbols.size(), 3u);
  const auto btc = symbols.at(0);
  EXPECT_EQ(str(btc["symbol"]), "BTCUSDT");
  EXPECT_EQ(str(btc["status"]), "TRADING");
  EXPECT_EQ(str(btc["baseAsset"]), "BTC");
  EXPECT_EQ(str(btc["quoteAsset"]), "USDT");
  EXPECT_EQ(str(btc["filters"].at(0)["filterType"]), "PRICE_FILTER");
  EXPECT_EQ(str(btc["filters"].at(0)["tickSize"]), "0.01000000");
  EXPECT_EQ(str(btc["filters"].at(1)["filterType"]), "LOT_SIZE");
  EXPECT_EQ(str(btc["filters"].at(1)["stepSize"]), "0.00001000");
  EXPECT_EQ(str(symbols.at(1)["filters"].at(1)["stepSize"]), "1.00000000");  // DOGE: whole coins

  const auto fut = parse(p, body_of("/fapi/v1/exchangeInfo"));
  EXPECT_EQ(simdjson::dom::array(fut["symbols"]).size(), 0u);  // the sim simulates spot only
}

TEST(SimRest, OkxInstrumentsListSpotOnly) {
  simdjson::dom::parser p;
  const auto doc = parse(p, body_of("/api/v5/public/instruments?instType=SPOT"));
  EXPECT_EQ(str(doc["code"]), "0");
  simdjson::dom::array data = doc["data"];
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(str(data.at(0)["instId"]), "BTC-USDT");
  EXPECT_EQ(str(data.at(0)["instType"]), "SPOT");
  EXPECT_EQ(str(data.at(0)["baseCcy"]), "BTC");
  EXPECT_EQ(str(data.at(0)["quoteCcy"]), "USDT");
  EXPECT_EQ(str(data.at(0)["tickSz"]), "0.01");
  EXPECT_EQ(str(data.at(0)["lotSz"]), "0.00001");
  EXPECT_EQ(str(data.at(0)["state"]), "live");
  const auto swaps = parse(p, body_of("/api/v5/public/instruments?instType=SWAP"));
  EXPECT_EQ(simdjson::dom::array(swaps["data"]).size(), 0u);
}

TEST(SimRest, CoinbaseProductsAndCurrencies) {
  simdjson::dom::parser p;
  simdjson::dom::array products = parse(p, body_of("/products"));
  ASSERT_EQ(products.size(), 3u);
  EXPECT_EQ(str(products.at(0)["id"]), "BTC-USDT");
  EXPECT_EQ(str(products.at(0)["base_currency"]), "BTC");
  EXPECT_EQ(str(products.at(0)["quote_currency"]), "USDT");
  EXPECT_EQ(str(products.at(0)["quote_increment"]), "0.01000000");
  EXPECT_EQ(str(products.at(0)["base_increment"]), "0.00001000");
  EXPECT_EQ(str(products.at(0)["status"]), "online");
  simdjson::dom::parser p2;
  simdjson::dom::array currencies = parse(p2, body_of("/currencies"));
  std::vector<std::string> ids;
  for (auto c : currencies) ids.push_back(str(c["id"]));
  EXPECT_EQ(ids, (std::vector<std::string>{"BTC", "USDT", "DOGE", "USD"}));
}

TEST(SimRest, BybitInstrumentsInfo) {
  simdjson::dom::parser p;
  const auto doc = parse(p, body_of("/v5/market/instruments-info?category=spot"));
  EXPECT_EQ(int64_t(doc["retCode"]), 0);
  EXPECT_EQ(str(doc["result"]["category"]), "spot");
  simdjson::dom::array list = doc["result"]["list"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(str(list.at(0)["symbol"]), "BTCUSDT");
  EXPECT_EQ(str(list.at(0)["status"]), "Trading");
  EXPECT_EQ(str(list.at(0)["priceFilter"]["tickSize"]), "0.01");
  EXPECT_EQ(str(list.at(0)["lotSizeFilter"]["basePrecision"]), "0.00001");
  const auto linear = parse(p, body_of("/v5/market/instruments-info?category=linear"));
  EXPECT_EQ(simdjson::dom::array(linear["result"]["list"]).size(), 0u);
}

TEST(SimRest, KrakenUsesItsOwnAssetNames) {
  EXPECT_EQ(kraken::pair_id(*find_spec("BTCUSDT")), "XBTUSDT");
  EXPECT_EQ(kraken::pair_id(*find_spec("BTC-USD")), "XXBTZUSD");
  EXPECT_EQ(kraken::pair_id(*find_spec("DOGEUSDT")), "XDGUSDT");
  EXPECT_EQ(kraken::asset_id("DOGE"), "XXDG");
  EXPECT_EQ(kraken::asset_id("SOL"), "SOL");

  simdjson::dom::parser p;
  const auto pairs = parse(p, body_of("/0/public/AssetPairs"));
  EXPECT_EQ(simdjson::dom::array(pairs["error"]).size(), 0u);
  const auto btc = pairs["result"]["XBTUSDT"];
  EXPECT_EQ(str(btc["altname"]), "XBTUSDT");
  EXPECT_EQ(str(btc["wsname"]), "XBT/USDT");
  EXPECT_EQ(str(btc["base"]), "XXBT");
  EXPECT_EQ(str(btc["quote"]), "USDT");
  EXPECT_EQ(int64_t(btc["pair_decimals"]), 2);
  EXPECT_EQ(int64_t(btc["lot_decimals"]), 5);
  EXPECT_EQ(str(btc["tick_size"]), "0.01");
  EXPECT_EQ(str(btc["status"]), "online");
  simdjson::dom::parser p2;
  const auto assets = parse(p2, body_of("/0/public/Assets"));
  EXPECT_EQ(str(assets["result"]["XXBT"]["altname"]), "XBT");
  EXPECT_EQ(str(assets["result"]["ZUSD"]["altname"]), "USD");
}

}  // namespace
}  // namespace tickerd::sim
