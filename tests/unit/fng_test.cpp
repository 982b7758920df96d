// Fear & Greed: the alternative.me response parser, the five bands, the index computed from
// the composites (the worked example of docs/FNG.md, and each component's edges), and the
// channel's data.
#include "feeds/sources/fng.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/fng_source.hpp"

namespace tickerd::fng {
namespace {

// alternative.me's documented example (https://alternative.me/crypto/fear-and-greed-index/).
constexpr std::string_view documented_response = R"({
	"name": "Fear and Greed Index",
	"data": [
		{
			"value": "40",
			"value_classification": "Fear",
			"timestamp": "1551157200",
			"time_until_update": "68499"
		}
	],
	"metadata": {
		"error": null
	}
})";

decimal d(std::string_view text) {
  decimal out;
  EXPECT_EQ(decimal::parse(text, out), decimal_errc::ok) << text;
  return out;
}

coin make_coin(std::string base, std::string_view change, std::string_view high,
               std::string_view low, std::string_view volume_quote) {
  coin c;
  c.base = std::move(base);
  if (!change.empty()) c.change_pct = d(change);
  if (!high.empty()) c.high_24h = d(high);
  if (!low.empty()) c.low_24h = d(low);
  if (!volume_quote.empty()) c.volume_quote = d(volume_quote);
  return c;
}

// docs/FNG.md, "Worked example".
std::vector<coin> worked_example() {
  return {make_coin("BTC", "-2.50", "102000", "98000", "450"),
          make_coin("ETH", "-4.00", "3300", "3000", "300"),
          make_coin("SOL", "1.00", "210", "200", "250")};
}

// ---- the API -----------------------------------------------------------------------------

TEST(fng_api, the_documented_response) {
  api_reading r;
  ASSERT_EQ(parse_api_response(documented_response, r), api_errc::ok);
  EXPECT_EQ(r.value, 40);
  EXPECT_EQ(r.classification, "Fear");
  EXPECT_EQ(r.timestamp_s, 1'551'157'200);
  ASSERT_TRUE(r.time_until_update_s);
  EXPECT_EQ(*r.time_until_update_s, 68'499);
}

TEST(fng_api, the_newest_of_several_days_and_labels_passed_on_as_given) {
  api_reading r;
  ASSERT_EQ(
      parse_api_response(
          R"({"name":"Fear and Greed Index","data":[)"
          R"({"value":"17","value_classification":"Extreme Fear \u00e9","timestamp":"1765929600"},)"
          R"({"value":"60","value_classification":"Greed","timestamp":"1765843200"}],)"
          R"("metadata":{"error":null}})",
          r),
      api_errc::ok);
  EXPECT_EQ(r.value, 17);
  EXPECT_EQ(r.classification, "Extreme Fear \xc3\xa9") << "not re-derived from the value";
  EXPECT_EQ(r.timestamp_s, 1'765'929'600);
  EXPECT_FALSE(r.time_until_update_s);
}

TEST(fng_api, numbers_may_be_json_numbers) {
  api_reading r;
  ASSERT_EQ(
      parse_api_response(
          R"({"data":[{"value":0,"value_classification":"Extreme Fear","timestamp":1551157200,"time_until_update":0}]})",
          r),
      api_errc::ok);
  EXPECT_EQ(r.value, 0);
  EXPECT_EQ(r.time_until_update_s, 0);
}

TEST(fng_api, bad_responses) {
  const auto parse = [](std::string_view body) {
    api_reading r;
    r.value = -7;
    const auto e = parse_api_response(body, r);
    EXPECT_EQ(r.value, -7) << "untouched on error: " << body;
    return e;
  };
  EXPECT_EQ(parse(""), api_errc::invalid_json);
  EXPECT_EQ(parse("<html>502 Bad Gateway</html>"), api_errc::invalid_json);
  EXPECT_EQ(parse(R"({"data":[)"), api_errc::invalid_json);
  EXPECT_EQ(parse("[]"), api_errc::unexpected_shape);
  EXPECT_EQ(parse(R"({"name":"x","data":[],"metadata":{"error":null}})"),
            api_errc::unexpected_shape);
  EXPECT_EQ(parse(R"({"data":[],"metadata":{"error":"Limit exceeded"}})"), api_errc::api_error);
  EXPECT_EQ(parse(R"({"data":[{"value":"40","timestamp":"1"}]})"), api_errc::unexpected_shape);
  EXPECT_EQ(parse(R"({"data":[{"value":"40","value_classification":3,"timestamp":"1"}]})"),
            api_errc::unexpected_shape);
  for (const char* value : {R"("101")", R"("-1")", R"("4x")", R"("")", R"(" 40")", "40.5",
                            R"("99999999999999999999")", "null", "true"}) {
    EXPECT_EQ(parse(std::string(R"({"data":[{"value":)") + value +
                    R"(,"value_classification":"Fear","timestamp":"1551157200"}]})"),
              api_errc::bad_value)
        << value;
  }
  EXPECT_EQ(parse(R"({"data":[{"value":"40","value_classification":"","timestamp":"1"}]})"),
            api_errc::bad_value);
  EXPECT_EQ(parse(R"({"data":[{"value":"40","value_classification":")" + std::string(65, 'x') +
                  R"(","timestamp":"1"}]})"),
            api_errc::bad_value);
  EXPECT_EQ(
      parse(R"({"data":[{"value":"40","value_classification":"Fear","timestamp":"26-02-2019"}]})"),
      api_errc::bad_value)
      << "date_format is not asked for";
  EXPECT_EQ(parse(R"({"data":[{"value":"40","value_classification":"Fear","timestamp":"0"}]})"),
            api_errc::bad_value);
  EXPECT_EQ(
      parse(
          R"({"data":[{"value":"40","value_classification":"Fear","timestamp":"1","time_until_update":"soon"}]})"),
      api_errc::bad_value);
  EXPECT_EQ(parse(std::string(2u << 20, ' ')), api_errc::too_large);
}

// ---- bands -------------------------------------------------------------------------------

TEST(fng_bands, five_bands) {
  EXPECT_EQ(classify(0), "Extreme Fear");
  EXPECT_EQ(classify(24), "Extreme Fear");
  EXPECT_EQ(classify(25), "Fear");
  EXPECT_EQ(classify(46), "Fear");
  EXPECT_EQ(classify(47), "Neutral");
  EXPECT_EQ(classify(54), "Neutral");
  EXPECT_EQ(classify(55), "Greed");
  EXPECT_EQ(classify(75), "Greed");
  EXPECT_EQ(classify(76), "Extreme Greed");
  EXPECT_EQ(classify(100), "Extreme Greed");
}

// ---- the computed index ------------------------------------------------------------------

TEST(fng_index, the_worked_example) {
  const auto r = compute_index(worked_example());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->change, 3750);      // 50 + 5 × (-2.50)
  EXPECT_EQ(r->breadth, 3333);     // 1 of 3 up
  EXPECT_EQ(r->volatility, 6000);  // median range 5.00 % (of 4.08, 10.00, 5.00)
  EXPECT_EQ(r->dominance, 5000);   // BTC 45 % of quote volume
  // (25 × 37.50 + 25 × 33.33 + 30 × 60.00 + 20 × 50.00) / 100 = 45.7075
  EXPECT_EQ(r->value, 46);
  EXPECT_EQ(classify(r->value), "Fear");
}

TEST(fng_index, missing_components_drop_out) {
  auto coins = worked_example();
  for (auto& c : coins) c.volume_quote.reset();  // Coinbase and Kraken send no quote volume
  auto r = compute_index(coins);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->dominance);
  // (25 × 37.50 + 25 × 33.33 + 30 × 60.00) / 80 = 44.634… -> 45
  EXPECT_EQ(r->value, 45);

  coins = worked_example();
  coins.erase(coins.begin());  // no BTC: neither its change nor its share of volume
  r = compute_index(coins);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->change);
  EXPECT_FALSE(r->dominance);
  EXPECT_EQ(r->breadth, 5000);
  EXPECT_EQ(r->volatility, 4000);  // ranges 10.00 and 5.00: midpoint 7.50
  EXPECT_EQ(r->value, 45);         // (25 × 50 + 30 × 40) / 55 = 44.545…

  EXPECT_FALSE(compute_index({}));
  EXPECT_FALSE(compute_index({make_coin("BTC", "", "1", "1", "5")}))
      << "no 24 h change anywhere: no market data yet";
}

TEST(fng_index, components_are_clamped_to_0_and_100) {
  auto r = compute_index(
      {make_coin("BTC", "25.00", "200", "100", "9"), make_coin("DOGE", "30", "", "", "1")});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->change, 10'000);
  EXPECT_EQ(r->breadth, 10'000);
  EXPECT_EQ(r->volatility, 0);  // a 100 % range
  EXPECT_EQ(r->dominance, 0);   // 90 % BTC
  EXPECT_EQ(r->value, 50);      // (2500 + 2500 + 0 + 0) × 100 / 100 / 100

  r = compute_index({make_coin("BTC", "-12.345", "100.5", "100.5", "0"),
                     make_coin("XRP", "-0.01", "", "", "1000")});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->change, 0);
  EXPECT_EQ(r->breadth, 0);
  EXPECT_EQ(r->volatility, 10'000);
  EXPECT_EQ(r->dominance, 10'000);
  EXPECT_EQ(r->value, 50);
}

TEST(fng_index, exact_with_many_decimals_and_large_volumes) {
  const auto r =
      compute_index({make_coin("BTC", "0.005", "85205.70", "84500.10", "1051234567.123456"),
                     make_coin("ETH", "-0.004", "3000.10", "2999.90", "1051234567.123456")});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->change, 5005);   // 0.005 % rounds to 0.01 %
  EXPECT_EQ(r->breadth, 5000);  // 0.005 up, -0.004 not
  EXPECT_EQ(r->dominance, 5000 + 2 * (4500 - 5000));
  ASSERT_TRUE(r->volatility);
  // Ranges 0.84 % (705.60 / 84500.10) and 0.01 %: midpoint 0.425 -> 0.43 (half up).
  EXPECT_EQ(*r->volatility, 10'000 - 8 * 43);
}

// ---- the channel's data ------------------------------------------------------------------

TEST(fng_encode, api_and_computed_sources) {
  message m;
  m.value = 17;
  m.classification = "Extreme Fear";
  m.from = source::api;
  m.timestamp_us = 1'765'929'600'000'000;
  m.time_until_update_s = 1234;
  m.computed = 22;
  m.ts_us = 1'765'960'000'123'456;
  std::string out;
  encode(out, m);
  EXPECT_EQ(
      out,
      R"({"value":17,"value_classification":"Extreme Fear","source":"alternative.me",)"
      R"("timestamp":1765929600000000,"time_until_update_s":1234,)"
      R"("computed":{"value":22,"value_classification":"Extreme Fear"},"ts":1765960000123456})");

  m.from = source::computed;
  m.classification = "Say \"hi\"";
  m.time_until_update_s.reset();
  m.computed.reset();
  out.clear();
  encode(out, m);
  EXPECT_EQ(out, R"({"value":17,"value_classification":"Say \"hi\"","source":"computed",)"
                 R"("timestamp":1765929600000000,"time_until_update_s":null,"computed":null,)"
                 R"("ts":1765960000123456})");
}

// ---- the URL -----------------------------------------------------------------------------

TEST(fng_url, http_and_https) {
  auto u = parse_http_url("https://api.alternative.me/fng/?limit=1");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u.url.tls);
  EXPECT_EQ(u.url.host, "api.alternative.me");
  EXPECT_EQ(u.url.port, 443);
  EXPECT_EQ(u.url.target, "/fng/?limit=1");
  u = parse_http_url("http://127.0.0.1:9001/fng/");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u.url.tls);
  EXPECT_EQ(u.url.port, 9001);
  EXPECT_EQ(u.url.host_header(), "127.0.0.1:9001");
  EXPECT_EQ(parse_http_url("ws://127.0.0.1/fng/").error, url_errc::bad_scheme);
  EXPECT_EQ(parse_http_url("ftp://x/").error, url_errc::bad_scheme);
  EXPECT_EQ(parse_http_url("https://").error, url_errc::missing_host);
  EXPECT_EQ(parse_http_url("http://h:0/").error, url_errc::bad_port);
}

}  // namespace
}  // namespace tickerd::fng
