// hub/channel_registry: the channels and wildcards that exist, with the issue-17 families off
// (what every deployment has today) and on.
#include "tickerd/hub/channel_registry.hpp"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tickerd/hub/subscriber_index.hpp"

namespace tickerd {
namespace {

const std::vector<instrument> instruments{{"BTC", "USDT"}, {"ETH", "USDT"}};
const std::vector<venue_id> venues{venue_id::binance, venue_id::okx};

constexpr channel_families all_families{
    .trades = true, .bbo = true, .candles = true, .venue_ticker_wildcards = true};

std::set<std::string> names(const channel_registry& r) {
  std::set<std::string> out;
  for (channel_id id = 0; id < r.size(); ++id) out.insert(r.info(id).name);
  return out;
}

TEST(channel_registry, families_are_off_by_default) {
  const channel_registry r(instruments, venues);
  EXPECT_EQ(names(r),
            (std::set<std::string>{"ticker.BTC-USDT", "ticker.ETH-USDT", "ticker.BTC-USDT@binance",
                                   "ticker.BTC-USDT@okx", "ticker.ETH-USDT@binance",
                                   "ticker.ETH-USDT@okx", "status", "almanac", "gas.ETH", "fng"}));
  EXPECT_EQ(r.wildcard_count(), 1U);
  EXPECT_EQ(r.find_wildcard("ticker.*"), wildcard_id{0});
  for (const auto* name :
       {"trades.*", "bbo.*", "ticker.*@binance", "trades.*@binance", "bbo.*@okx", "candles.*"}) {
    EXPECT_FALSE(r.find_wildcard(name).has_value()) << name;
  }
  EXPECT_FALSE(r.trades(0).has_value());
  EXPECT_FALSE(r.venue_bbo(0, venue_id::binance).has_value());
  EXPECT_FALSE(r.candles(0, 0).has_value());
}

TEST(channel_registry, families_on_keep_every_existing_channel_id) {
  const channel_registry off(instruments, venues);
  const channel_registry on(instruments, venues, all_families);
  for (channel_id id = 0; id < off.size(); ++id) {
    EXPECT_EQ(on.info(id).name, off.info(id).name);
    EXPECT_EQ(on.find(off.info(id).name), id);
  }
  EXPECT_EQ(on.status(), off.status());
  EXPECT_EQ(on.fng(), off.fng());
  EXPECT_EQ(on.find_wildcard("ticker.*"), wildcard_id{0});
}

TEST(channel_registry, trades_and_bbo_consolidated_and_per_venue) {
  const channel_registry r(instruments, venues, all_families);
  const auto check = [&](std::optional<channel_id> id, const std::string& name, channel_kind kind,
                         instrument_id inst) {
    ASSERT_TRUE(id.has_value()) << name;
    EXPECT_EQ(r.info(*id).name, name);
    EXPECT_EQ(r.info(*id).kind, kind);
    EXPECT_EQ(r.info(*id).instrument, inst);
    EXPECT_EQ(r.find(name), id);
  };
  check(r.trades(0), "trades.BTC-USDT", channel_kind::trades, 0);
  check(r.trades(1), "trades.ETH-USDT", channel_kind::trades, 1);
  check(r.venue_trades(1, venue_id::okx), "trades.ETH-USDT@okx", channel_kind::venue_trades, 1);
  check(r.bbo(0), "bbo.BTC-USDT", channel_kind::bbo, 0);
  check(r.venue_bbo(0, venue_id::binance), "bbo.BTC-USDT@binance", channel_kind::venue_bbo, 0);
  EXPECT_EQ(r.info(*r.venue_bbo(0, venue_id::binance)).venue, venue_id::binance);
  // Not configured: no channel.
  EXPECT_FALSE(r.venue_trades(0, venue_id::kraken).has_value());
  EXPECT_FALSE(r.find("trades.BTC-USDT@kraken").has_value());
  EXPECT_FALSE(r.trades(2).has_value());
}

TEST(channel_registry, candles_for_every_interval) {
  const channel_registry r(instruments, venues, all_families);
  ASSERT_EQ(candle_interval_names.size(), 6U);
  for (candle_interval_index k = 0; k < candle_interval_names.size(); ++k) {
    const std::string iv(candle_interval_names[k]);
    const auto c = r.candles(1, k);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(r.info(*c).name, "candles.ETH-USDT." + iv);
    EXPECT_EQ(r.info(*c).kind, channel_kind::candles);
    EXPECT_EQ(r.info(*c).interval, k);
    const auto v = r.venue_candles(0, venue_id::okx, k);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(r.info(*v).name, "candles.BTC-USDT@okx." + iv);
    EXPECT_EQ(r.info(*v).kind, channel_kind::venue_candles);
    EXPECT_EQ(r.info(*v).venue, venue_id::okx);
    EXPECT_EQ(r.info(*v).interval, k);
    EXPECT_EQ(r.wildcard_of(*c), no_wildcard);
    EXPECT_EQ(r.wildcard_of(*v), no_wildcard);
  }
  EXPECT_FALSE(r.candles(0, 6).has_value());
  EXPECT_FALSE(r.find("candles.BTC-USDT.2m").has_value());
  EXPECT_FALSE(r.find("candles.BTC-USDT").has_value());
}

TEST(channel_registry, wildcards_cover_their_family_and_venue) {
  const channel_registry r(instruments, venues, all_families);
  const auto members = [&](std::string_view name) {
    std::set<std::string> out;
    const auto w = r.find_wildcard(name);
    EXPECT_TRUE(w.has_value()) << name;
    if (!w) return out;
    EXPECT_EQ(r.wildcard(*w).name, name);
    for (const auto id : r.wildcard(*w).members) {
      EXPECT_EQ(r.wildcard_of(id), *w);
      out.insert(r.info(id).name);
    }
    return out;
  };
  using names_t = std::set<std::string>;
  EXPECT_EQ(members("ticker.*"), (names_t{"ticker.BTC-USDT", "ticker.ETH-USDT"}));
  EXPECT_EQ(members("ticker.*@okx"), (names_t{"ticker.BTC-USDT@okx", "ticker.ETH-USDT@okx"}));
  EXPECT_EQ(members("trades.*"), (names_t{"trades.BTC-USDT", "trades.ETH-USDT"}));
  EXPECT_EQ(members("trades.*@binance"),
            (names_t{"trades.BTC-USDT@binance", "trades.ETH-USDT@binance"}));
  EXPECT_EQ(members("bbo.*"), (names_t{"bbo.BTC-USDT", "bbo.ETH-USDT"}));
  EXPECT_EQ(members("bbo.*@okx"), (names_t{"bbo.BTC-USDT@okx", "bbo.ETH-USDT@okx"}));
  // 1 + per family and venue: ticker@2, trades 1+2, bbo 1+2.
  EXPECT_EQ(r.wildcard_count(), 9U);
  for (const auto* name :
       {"trades.*@kraken", "candles.*", "candles.*.1m", "bbo.*@", "*", "trades.*@*"}) {
    EXPECT_FALSE(r.find_wildcard(name).has_value()) << name;
  }
  // status, almanac, gas and fng belong to none.
  EXPECT_EQ(r.wildcard_of(r.status()), no_wildcard);
  EXPECT_EQ(r.wildcard_of(r.fng()), no_wildcard);
}

TEST(channel_registry, each_family_turns_on_alone) {
  const channel_registry r(instruments, venues, channel_families{.bbo = true});
  EXPECT_TRUE(r.bbo(0).has_value());
  EXPECT_FALSE(r.trades(0).has_value());
  EXPECT_FALSE(r.candles(0, 0).has_value());
  EXPECT_TRUE(r.find_wildcard("bbo.*@binance").has_value());
  EXPECT_FALSE(r.find_wildcard("trades.*").has_value());
  EXPECT_FALSE(r.find_wildcard("ticker.*@binance").has_value());
}

TEST(channel_registry, a_venue_listed_twice_makes_its_channels_once) {
  const std::vector<venue_id> twice{venue_id::okx, venue_id::okx};
  const channel_registry r(instruments, twice, all_families);
  EXPECT_EQ(r.wildcard_count(), 1U + 1U + 2U + 2U);
  EXPECT_EQ(names(r).size(), r.size());  // no name twice
}

TEST(channel_registry, a_wildcard_update_reaches_its_subscriber_through_the_index) {
  const channel_registry r(instruments, venues, all_families);
  subscriber_index index(r);
  const auto a = index.add();
  index.subscribe(a, *r.find_wildcard("trades.*@binance"));
  index.subscribe(a, *r.venue_trades(0, venue_id::binance));  // also exactly: still once
  std::size_t reached = 0;
  for (channel_id id = 0; id < r.size(); ++id) {
    index.for_each_receiver(id, [&](subscriber_id s) {
      EXPECT_EQ(s, a);
      EXPECT_EQ(r.info(id).kind, channel_kind::venue_trades);
      EXPECT_EQ(r.info(id).venue, venue_id::binance);
      ++reached;
    });
  }
  EXPECT_EQ(reached, instruments.size());
}

}  // namespace
}  // namespace tickerd
