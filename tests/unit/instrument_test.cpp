#include "tickerd/core/instrument.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tickerd/core/venue.hpp"

namespace tickerd {
namespace {

TEST(InstrumentParse, CanonicalForms) {
  const auto btc = instrument::parse("BTC-USDT");
  ASSERT_TRUE(btc.has_value());
  EXPECT_EQ(btc->base, "BTC");
  EXPECT_EQ(btc->quote, "USDT");
  EXPECT_EQ(btc->symbol(), "BTC-USDT");

  const auto sats = instrument::parse("1000SATS-USDT");
  ASSERT_TRUE(sats.has_value());
  EXPECT_EQ(sats->base, "1000SATS");
  EXPECT_EQ(sats->symbol(), "1000SATS-USDT");

  const std::string longest(16, 'A');
  EXPECT_TRUE(instrument::parse(longest + "-" + longest).has_value());
}

TEST(InstrumentParse, RejectsEverythingElse) {
  const std::string too_long(17, 'A');
  const std::string bad[] = {
      "",
      "BTC",
      "BTC-",
      "-USDT",
      "-",
      "btc-usdt",
      "Btc-USDT",
      "BTC-US-DT",
      "BTC--USDT",
      "BTC_USDT",
      "BTC USDT",
      " BTC-USDT",
      "BTC-USDT ",
      "BTC/USDT",
      "BTC-USDT\n",
      "BTC-US\xc3\x84",
      too_long + "-USD",
      "USD-" + too_long,
      std::string("BTC-U\0SD", 8),
  };
  for (const std::string& s : bad) {
    EXPECT_FALSE(instrument::parse(s).has_value()) << "'" << s << "'";
  }
}

TEST(InstrumentSymbolMap, AddFindNative) {
  symbol_map m;
  EXPECT_TRUE(m.empty());
  m.add("BTCUSDT", 0);
  m.add("ETHUSDT", 1);
  m.add("SOLUSDT", 5);
  EXPECT_FALSE(m.empty());

  EXPECT_EQ(m.find("BTCUSDT"), 0);
  EXPECT_EQ(m.find("ETHUSDT"), 1);
  EXPECT_EQ(m.find("SOLUSDT"), 5);
  EXPECT_EQ(m.find("btcusdt"), no_instrument);  // exact spelling only
  EXPECT_EQ(m.find("DOGEUSDT"), no_instrument);
  EXPECT_EQ(m.find(""), no_instrument);

  // Lookup by a view that is not NUL-terminated (a slice of a larger buffer).
  const std::string frame = "xxETHUSDTyy";
  EXPECT_EQ(m.find(std::string_view(frame).substr(2, 7)), 1);

  EXPECT_EQ(m.native(0), "BTCUSDT");
  EXPECT_EQ(m.native(5), "SOLUSDT");
  EXPECT_EQ(m.native(3), "");  // gap
  EXPECT_EQ(m.native(999), "");
  EXPECT_EQ(m.native(no_instrument), "");

  ASSERT_EQ(m.entries().size(), 3u);
  EXPECT_EQ(m.entries()[0].first, "BTCUSDT");
  EXPECT_EQ(m.entries()[0].second, 0);
  EXPECT_EQ(m.entries()[2].first, "SOLUSDT");
  EXPECT_EQ(m.entries()[2].second, 5);
}

TEST(InstrumentSymbolMap, RejectsInconsistentConfiguration) {
  symbol_map m;
  m.add("BTCUSDT", 0);
  EXPECT_THROW(m.add("BTCUSDT", 1), std::invalid_argument);  // same native twice
  EXPECT_THROW(m.add("XBTUSDT", 0), std::invalid_argument);  // same id twice
  EXPECT_THROW(m.add("", 2), std::invalid_argument);
  EXPECT_THROW(m.add("ETHUSDT", no_instrument), std::invalid_argument);
  // Failed adds leave the map as it was.
  EXPECT_EQ(m.entries().size(), 1u);
  EXPECT_EQ(m.find("XBTUSDT"), no_instrument);
  EXPECT_EQ(m.native(0), "BTCUSDT");
}

TEST(InstrumentVenue, NamesRoundTrip) {
  const venue_id all[] = {venue_id::binance, venue_id::okx, venue_id::coinbase, venue_id::bybit,
                          venue_id::kraken};
  static_assert(std::size(all) == venue_count);
  const std::string_view names[] = {"binance", "okx", "coinbase", "bybit", "kraken"};
  for (std::size_t i = 0; i < venue_count; ++i) {
    EXPECT_EQ(to_string(all[i]), names[i]);
    const auto parsed = parse_venue(names[i]);
    ASSERT_TRUE(parsed.has_value()) << names[i];
    EXPECT_EQ(*parsed, all[i]);
  }
  EXPECT_FALSE(parse_venue("").has_value());
  EXPECT_FALSE(parse_venue("Binance").has_value());
  EXPECT_FALSE(parse_venue("ftx").has_value());
  EXPECT_FALSE(parse_venue("binance ").has_value());
  EXPECT_EQ(to_string(static_cast<venue_id>(200)), "unknown");
}

}  // namespace
}  // namespace tickerd
