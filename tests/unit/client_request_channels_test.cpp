// resolve_channels: the names of a subscribe or unsubscribe as channels and wildcards, with the
// issue-17 families off (today's names only) and on.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/client_request.hpp"

namespace tickerd {
namespace {

const std::vector<instrument> instruments{{"BTC", "USDT"}, {"ETH", "USDT"}};
const std::vector<venue_id> venues{venue_id::binance, venue_id::okx};

const std::vector<std::string> family_wildcards{"trades.*", "trades.*@binance", "bbo.*",
                                                "bbo.*@okx", "ticker.*@binance"};

TEST(resolve_channels, exact_names_sorted_once_and_ticker_star) {
  const channel_registry r(instruments, venues);
  resolved_channels out;
  std::string unknown;
  ASSERT_TRUE(resolve_channels(r, {"status", "ticker.*", "ticker.BTC-USDT", "status", "ticker.*"},
                               out, unknown));
  EXPECT_EQ(out.ids, (std::vector<channel_id>{*r.find("ticker.BTC-USDT"), r.status()}));
  EXPECT_EQ(out.wildcards, (std::vector<wildcard_id>{*r.find_wildcard("ticker.*")}));
}

TEST(resolve_channels, family_names_are_unknown_while_the_families_are_off) {
  const channel_registry r(instruments, venues);
  auto names = family_wildcards;
  names.insert(names.end(), {"trades.BTC-USDT", "bbo.ETH-USDT@okx", "candles.BTC-USDT.1m"});
  for (const auto& name : names) {
    resolved_channels out;
    std::string unknown;
    EXPECT_FALSE(resolve_channels(r, {"status", name}, out, unknown)) << name;
    EXPECT_EQ(unknown, name);
  }
}

TEST(resolve_channels, family_wildcards_and_channels_when_on) {
  const channel_registry r(
      instruments, venues,
      {.trades = true, .bbo = true, .candles = true, .venue_ticker_wildcards = true});
  resolved_channels out;
  std::string unknown;
  auto names = family_wildcards;
  names.insert(names.end(), {"candles.BTC-USDT@okx.4h", "trades.ETH-USDT"});
  ASSERT_TRUE(resolve_channels(r, names, out, unknown)) << unknown;
  ASSERT_EQ(out.wildcards.size(), family_wildcards.size());
  for (std::size_t i = 0; i < family_wildcards.size(); ++i) {
    EXPECT_EQ(r.wildcard(out.wildcards[i]).name, family_wildcards[i]);  // in the order named
  }
  EXPECT_EQ(out.ids.size(), 2U);
  // Still unknown: venues not configured, wildcards tickerd does not define, no interval.
  for (const auto* name : {"trades.*@kraken", "candles.*", "candles.*.1m", "trades.BTC-*", "bbo.*@",
                           "candles.BTC-USDT", "candles.BTC-USDT.1w"}) {
    EXPECT_FALSE(resolve_channels(r, {name}, out, unknown)) << name;
    EXPECT_EQ(unknown, name);
  }
}

TEST(resolve_channels, an_unknown_name_is_cut_to_128_bytes) {
  const channel_registry r(instruments, venues);
  resolved_channels out;
  std::string unknown;
  EXPECT_FALSE(resolve_channels(r, {std::string(300, 'x')}, out, unknown));
  EXPECT_EQ(unknown, std::string(128, 'x'));
}

// format=ccxt: tickers, trades and bbo have a CCXT form; status, gas, fng, almanac and candles
// do not.
TEST(format_available, ccxt_for_tickers_trades_and_bbo_only) {
  const channel_registry r(instruments, venues, channel_families{true, true, true, true});
  resolved_channels out;
  std::string unknown;
  std::string why;
  ASSERT_TRUE(
      resolve_channels(r,
                       {"ticker.BTC-USDT", "ticker.ETH-USDT@okx", "ticker.*", "ticker.*@binance",
                        "trades.*", "trades.BTC-USDT@binance", "bbo.*@okx", "bbo.ETH-USDT"},
                       out, unknown));
  EXPECT_TRUE(format_available(r, out, data_format::ccxt, why)) << why;
  for (const std::string name :
       {"gas.ETH", "fng", "almanac", "status", "candles.BTC-USDT.1m", "candles.BTC-USDT@okx.1h"}) {
    ASSERT_TRUE(resolve_channels(r, {"ticker.BTC-USDT", name}, out, unknown)) << name;
    EXPECT_FALSE(format_available(r, out, data_format::ccxt, why)) << name;
    EXPECT_EQ(why, "'" + name + "' has no ccxt format (ticker, trades and bbo channels do)");
    EXPECT_TRUE(format_available(r, out, data_format::native, why)) << name;
  }
}

}  // namespace
}  // namespace tickerd
