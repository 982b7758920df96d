// aggregator + publisher, with a sink that collects what would go to the gateway shards.
#include "tickerd/market/aggregator.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ticker_json.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/ccxt_from_native.hpp"

namespace tickerd {
namespace {

using test::make_tick;
using test::parse_ticker_json;

constexpr instrument_id btc = 0;
constexpr instrument_id eth = 1;
constexpr instrument_id sol = 2;

std::vector<instrument> three_instruments() {
  return {{"BTC", "USDT"}, {"ETH", "USDT"}, {"SOL", "USDT"}};
}

// An aggregator wired to a publisher whose sink records every update.
struct rig {
  std::vector<instrument> instruments = three_instruments();
  channel_registry channels{instruments};
  std::vector<update_ptr> sent;
  publisher pub{channels, [this](update_ptr u) { sent.push_back(std::move(u)); }};
  aggregator agg{instruments, channels, pub};

  void ticks(std::initializer_list<tick> ts) {
    const std::vector<tick> v(ts);
    agg.on_ticks(v);
  }
  std::string channel_name(const update_ptr& u) const { return channels.info(u->channel).name; }
  test::ticker_json data(std::size_t i) const { return parse_ticker_json(sent.at(i)->data()); }
};

tick btc_tick(venue_id v, std::string_view last, std::int64_t ts = 1764061234000) {
  return make_tick(v, btc, {{tf_last, last}}, ts, ts * 1000 + 1);
}

// format=ccxt: the CCXT form a gateway makes from each ticker update the aggregator publishes
// (same values, CCXT's keys, the native data as `info`).
TEST(Aggregator, TickerUpdatesReadBackInCcxtForm) {
  std::vector<instrument> instruments = three_instruments();
  const std::vector<venue_id> venues{venue_id::binance, venue_id::okx};
  channel_registry channels{instruments, venues};
  std::vector<update_ptr> sent;
  publisher pub{channels, [&](update_ptr u) { sent.push_back(std::move(u)); }};
  aggregator agg{instruments, channels, pub};
  const std::vector<tick> ts{make_tick(venue_id::okx, btc,
                                       {{tf_last, "85205.70"},
                                        {tf_open, "86056.10"},
                                        {tf_bid, "85205.60"},
                                        {tf_volume_base, "12.5"}},
                                       1764061234567000, 1764061234568234)};
  agg.on_ticks(ts);
  ASSERT_EQ(sent.size(), 2u);  // ticker.BTC-USDT@okx, then ticker.BTC-USDT
  simdjson::dom::parser parser;
  for (const auto& u : sent) {
    SCOPED_TRACE(channels.info(u->channel).name);
    EXPECT_EQ(u->ccxt(), nullptr) << "the ingest thread makes no CCXT text";
    std::string ccxt;
    ASSERT_TRUE(encode_ccxt_from_native(ccxt, channels.info(u->channel).kind, u->data(), parser))
        << u->data();
    EXPECT_NE(ccxt.find(R"("symbol":"BTC/USDT","timestamp":1764061234567,)"
                        R"("datetime":"2025-11-25T09:00:34.567Z")"),
              std::string_view::npos)
        << ccxt;
    EXPECT_NE(ccxt.find(R"("bid":"85205.60")"), std::string_view::npos) << ccxt;
    EXPECT_NE(ccxt.find(R"("last":"85205.70")"), std::string_view::npos) << ccxt;
    EXPECT_NE(ccxt.find(R"("baseVolume":"12.5")"), std::string_view::npos) << ccxt;
    // `info` is the native data of the same update, byte for byte.
    const std::string info = std::string(R"("info":)") + std::string(u->data()) + "}";
    ASSERT_GE(ccxt.size(), info.size());
    EXPECT_EQ(ccxt.substr(ccxt.size() - info.size()), info);
  }
  EXPECT_EQ(channels.info(sent[0]->channel).name, "ticker.BTC-USDT@okx");
  EXPECT_NE(sent[0]->data().find(R"("venue":"okx")"), std::string_view::npos);
}

TEST(Aggregator, SeqPerChannelRisesByOne) {
  rig r;
  r.ticks({btc_tick(venue_id::binance, "100")});
  r.ticks({btc_tick(venue_id::binance, "101")});
  r.ticks({make_tick(venue_id::binance, eth, {{tf_last, "3000.5"}})});
  r.ticks({btc_tick(venue_id::binance, "102")});
  ASSERT_EQ(r.sent.size(), 4u);
  EXPECT_EQ(r.channel_name(r.sent[0]), "ticker.BTC-USDT");
  EXPECT_EQ(r.sent[0]->seq, 1u);
  EXPECT_EQ(r.sent[1]->seq, 2u);
  EXPECT_EQ(r.channel_name(r.sent[2]), "ticker.ETH-USDT");
  EXPECT_EQ(r.sent[2]->seq, 1u);
  EXPECT_EQ(r.channel_name(r.sent[3]), "ticker.BTC-USDT");
  EXPECT_EQ(r.sent[3]->seq, 3u);
  EXPECT_EQ(r.data(3)["last"], "102");
  EXPECT_EQ(r.data(2)["symbol"], "ETH-USDT");

  // The publisher remembers the latest state per channel.
  EXPECT_EQ(r.pub.seq(r.channels.ticker(btc)), 3u);
  EXPECT_EQ(r.pub.latest(r.channels.ticker(btc)), r.sent[3]);
  EXPECT_EQ(r.pub.latest(r.channels.ticker(eth)), r.sent[2]);
  EXPECT_EQ(r.pub.latest(r.channels.ticker(sol)), nullptr);
  EXPECT_EQ(r.pub.seq(r.channels.ticker(sol)), 0u);
}

TEST(Aggregator, PartialTicksMergeIntoTheVenuesState) {
  rig r;
  r.ticks({make_tick(venue_id::binance, btc,
                     {{tf_last, "100.00"},
                      {tf_open, "90.00"},
                      {tf_high, "110.00"},
                      {tf_volume_base, "5.5"},
                      {tf_bid, "99.90"},
                      {tf_ask, "100.10"}},
                     1764061234000, 1764061234000001)});
  // Only last and bid change; no event time in this frame.
  r.ticks({make_tick(venue_id::binance, btc, {{tf_last, "108.00"}, {tf_bid, "107.95"}}, 0,
                     1764061235000002)});
  ASSERT_EQ(r.sent.size(), 2u);
  const auto j = r.data(1);
  EXPECT_EQ(j["last"], "108.00");
  EXPECT_EQ(j["open_24h"], "90.00");
  EXPECT_EQ(j["high_24h"], "110.00");
  EXPECT_FALSE(j.has("low_24h"));
  EXPECT_EQ(j["change_pct"], "20.00");
  EXPECT_EQ(j["volume_base"], "5.5");
  EXPECT_EQ(j["bid"], "107.95");
  EXPECT_EQ(j["ask"], "100.10");
  EXPECT_EQ(j["ts"], "1764061234000");  // a tick without an event time keeps the last one
  EXPECT_EQ(j["recv_ts"], "1764061235000002");

  const tick* merged = r.agg.venue_tick(btc, venue_id::binance);
  ASSERT_NE(merged, nullptr);
  EXPECT_EQ(merged->last.to_string(), "108.00");
  EXPECT_EQ(merged->open_24h.to_string(), "90.00");
  EXPECT_TRUE(merged->has(tf_ask));
  EXPECT_FALSE(merged->has(tf_low));
  EXPECT_EQ(r.agg.venue_tick(btc, venue_id::okx), nullptr);
  EXPECT_EQ(r.agg.venue_tick(eth, venue_id::binance), nullptr);
  EXPECT_EQ(r.agg.venue_tick(no_instrument, venue_id::binance), nullptr);
}

TEST(Aggregator, OnePublishPerInstrumentPerBatch) {
  rig r;
  r.ticks({
      btc_tick(venue_id::binance, "100"),
      make_tick(venue_id::binance, eth, {{tf_last, "3000"}}),
      btc_tick(venue_id::okx, "102"),
      btc_tick(venue_id::binance, "104"),
      make_tick(venue_id::binance, eth, {{tf_last, "3001"}}),
  });
  ASSERT_EQ(r.sent.size(), 2u);
  EXPECT_EQ(r.channel_name(r.sent[0]), "ticker.BTC-USDT");
  EXPECT_EQ(r.channel_name(r.sent[1]), "ticker.ETH-USDT");
  EXPECT_EQ(r.sent[0]->seq, 1u);
  EXPECT_EQ(r.sent[1]->seq, 1u);
  // The one update shows the state after the whole batch.
  EXPECT_EQ(r.data(0)["last"], "103");  // midpoint of binance 104 and okx 102
  EXPECT_EQ(r.data(0)["venues"], "binance,okx");
  EXPECT_EQ(r.data(1)["last"], "3001");

  // The next batch publishes again (the dirty marks were cleared).
  r.ticks({btc_tick(venue_id::okx, "106")});
  ASSERT_EQ(r.sent.size(), 3u);
  EXPECT_EQ(r.sent[2]->seq, 2u);
  EXPECT_EQ(r.data(2)["last"], "105");

  r.agg.on_ticks({});
  EXPECT_EQ(r.sent.size(), 3u);
}

TEST(Aggregator, OnlyVenueGoingStaleIsRepublishedAsStaleAndBack) {
  rig r;
  r.ticks({btc_tick(venue_id::binance, "100.5"),
           make_tick(venue_id::binance, eth, {{tf_last, "3000"}})});
  ASSERT_EQ(r.sent.size(), 2u);
  EXPECT_EQ(r.data(0)["stale"], "false");

  r.agg.on_venue_fresh(venue_id::binance, false);
  ASSERT_EQ(r.sent.size(), 4u);  // both instruments binance quotes
  for (const std::size_t i : {2u, 3u}) {
    const auto j = r.data(i);
    EXPECT_EQ(j["stale"], "true") << i;
    EXPECT_EQ(j["venues"], "binance") << i;  // last known values are kept, marked stale
    EXPECT_EQ(r.sent[i]->seq, 2u);
  }
  EXPECT_EQ(r.data(2)["last"], "100.5");
  EXPECT_EQ(r.data(3)["last"], "3000");

  // Saying it again changes nothing, so nothing is published.
  r.agg.on_venue_fresh(venue_id::binance, false);
  EXPECT_EQ(r.sent.size(), 4u);

  r.agg.on_venue_fresh(venue_id::binance, true);
  ASSERT_EQ(r.sent.size(), 6u);
  EXPECT_EQ(r.data(4)["stale"], "false");
  EXPECT_EQ(r.data(5)["stale"], "false");
  EXPECT_EQ(r.data(4)["last"], "100.5");
  EXPECT_EQ(r.sent[4]->seq, 3u);

  r.agg.on_venue_fresh(venue_id::binance, true);
  EXPECT_EQ(r.sent.size(), 6u);
}

TEST(Aggregator, StaleVenueLeavesTheCompositeWhileAnotherIsFresh) {
  rig r;
  r.ticks({btc_tick(venue_id::binance, "100", 1764061234000),
           btc_tick(venue_id::okx, "110", 1764061239000)});
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.data(0)["last"], "105");
  EXPECT_EQ(r.data(0)["venues"], "binance,okx");
  // composite_venues (the tickerd_symbol_venues gauge) follows the composite's venues.
  EXPECT_EQ(r.agg.composite_venues(btc), 2u);
  EXPECT_EQ(r.agg.composite_venues(eth), 0u) << "no venue quoted it yet";
  EXPECT_EQ(r.agg.symbol(btc), "BTC-USDT");

  r.agg.on_venue_fresh(venue_id::okx, false);
  ASSERT_EQ(r.sent.size(), 2u);
  auto j = r.data(1);
  EXPECT_EQ(j["venues"], "binance");
  EXPECT_EQ(j["last"], "100");
  EXPECT_EQ(j["stale"], "false");
  EXPECT_EQ(j["ts"], "1764061234000");  // okx's newer time left with okx
  EXPECT_EQ(r.agg.composite_venues(btc), 1u);

  // Ticks from the fresh venue do not bring the stale one back.
  r.ticks({btc_tick(venue_id::binance, "101")});
  ASSERT_EQ(r.sent.size(), 3u);
  EXPECT_EQ(r.data(2)["venues"], "binance");
  EXPECT_EQ(r.data(2)["last"], "101");

  // Both stale: the last known composite of both, marked stale.
  r.agg.on_venue_fresh(venue_id::binance, false);
  ASSERT_EQ(r.sent.size(), 4u);
  j = r.data(3);
  EXPECT_EQ(j["venues"], "binance,okx");
  EXPECT_EQ(j["last"], "105.5");
  EXPECT_EQ(j["stale"], "true");
  EXPECT_EQ(r.agg.composite_venues(btc), 0u) << "every venue is down for BTC-USDT";

  r.agg.on_venue_fresh(venue_id::okx, true);
  ASSERT_EQ(r.sent.size(), 5u);
  j = r.data(4);
  EXPECT_EQ(j["venues"], "okx");
  EXPECT_EQ(j["last"], "110");
  EXPECT_EQ(j["stale"], "false");
}

TEST(Aggregator, VenueChangesRepublishOnlyTheInstrumentsItQuotes) {
  rig r;
  r.ticks(
      {btc_tick(venue_id::binance, "100"), make_tick(venue_id::kraken, eth, {{tf_last, "3000"}})});
  ASSERT_EQ(r.sent.size(), 2u);
  r.agg.on_venue_fresh(venue_id::kraken, false);
  ASSERT_EQ(r.sent.size(), 3u);
  EXPECT_EQ(r.channel_name(r.sent[2]), "ticker.ETH-USDT");
  // A venue that quotes nothing yet publishes nothing.
  r.agg.on_venue_fresh(venue_id::coinbase, false);
  r.agg.on_venue_fresh(venue_id::coinbase, true);
  EXPECT_EQ(r.sent.size(), 3u);
}

TEST(Aggregator, UnknownInstrumentIdsAreIgnored) {
  rig r;
  r.ticks({make_tick(venue_id::binance, no_instrument, {{tf_last, "1"}}),
           make_tick(venue_id::binance, 3, {{tf_last, "1"}}),
           make_tick(venue_id::binance, 999, {{tf_last, "1"}})});
  EXPECT_TRUE(r.sent.empty());
  r.ticks({make_tick(venue_id::binance, 7, {{tf_last, "1"}}), btc_tick(venue_id::binance, "5"),
           make_tick(venue_id::binance, no_instrument, {{tf_last, "1"}})});
  ASSERT_EQ(r.sent.size(), 1u);
  EXPECT_EQ(r.channel_name(r.sent[0]), "ticker.BTC-USDT");
  EXPECT_EQ(r.data(0)["last"], "5");
}

TEST(Aggregator, UpdatesCarryTheChannelAndTheSameDataInBothTexts) {
  rig r;
  r.ticks({make_tick(venue_id::binance, sol, {{tf_last, "187.25"}}, 17, 18)});
  ASSERT_EQ(r.sent.size(), 1u);
  const update_ptr& u = r.sent[0];
  EXPECT_EQ(u->channel, r.channels.ticker(sol));
  const std::string expected_data =
      R"({"symbol":"SOL-USDT","last":"187.25","ts":17,"recv_ts":18,"venues":["binance"],)"
      R"("stale":false})";
  EXPECT_EQ(u->data(), expected_data);
  // Every stream has an epoch: 8 hex digits, the same in both texts.
  ASSERT_EQ(u->epoch.size(), 8u);
  EXPECT_EQ(u->epoch.find_first_not_of("0123456789abcdef"), std::string::npos) << u->epoch;
  const std::string epoch = R"(,"epoch":")" + u->epoch + R"(")";
  EXPECT_EQ(u->update_text, R"({"type":"update","channel":"ticker.SOL-USDT","seq":1)" + epoch +
                                R"(,"data":)" + expected_data + "}");
  EXPECT_EQ(make_snapshot(*u)->snapshot_text,
            R"({"type":"snapshot","channel":"ticker.SOL-USDT","seq":1)" + epoch + R"(,"data":)" +
                expected_data + "}");
}

TEST(Publisher, RestoreContinuesTheSequence) {
  const std::vector<instrument> instruments = three_instruments();
  const channel_registry channels(instruments);
  std::vector<update_ptr> sent;
  publisher pub(channels, [&](update_ptr u) { sent.push_back(std::move(u)); });
  const channel_id status = channels.status();
  pub.restore(status, 41);
  EXPECT_EQ(pub.seq(status), 41u);
  const update_ptr u = pub.publish(status, R"({"feeds":[]})");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], u);
  EXPECT_EQ(u->seq, 42u);
  EXPECT_EQ(u->update_text, R"({"type":"update","channel":"status","seq":42,"epoch":")" +
                                pub.epoch(status) + R"(","data":{"feeds":[]}})");
  EXPECT_EQ(pub.latest(status), u);
  EXPECT_EQ(pub.publish(status, "null")->seq, 43u);
}

TEST(Publisher, RestoringAStoredStateTakesItsEpochAndSeq) {
  const std::vector<instrument> instruments = three_instruments();
  const channel_registry channels(instruments);
  publisher pub(channels, nullptr);
  const channel_id status = channels.status();
  const std::string fresh = pub.epoch(status);
  pub.restore(make_update(status, "status", 9, R"({"feeds":[]})", "0123abcd"));
  EXPECT_EQ(pub.seq(status), 9u);
  EXPECT_EQ(pub.latest(status)->seq, 9u);
  EXPECT_EQ(pub.epoch(status), "0123abcd");
  EXPECT_NE(fresh, "0123abcd");
  const auto u = pub.publish(status, "null");
  EXPECT_EQ(u->seq, 10u);
  EXPECT_EQ(u->epoch, "0123abcd");
}

TEST(Publisher, WorksWithoutASink) {
  const std::vector<instrument> instruments = three_instruments();
  const channel_registry channels(instruments);
  publisher pub(channels, nullptr);
  const update_ptr u = pub.publish(channels.ticker(eth), "{}");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->seq, 1u);
  EXPECT_EQ(pub.latest(channels.ticker(eth)), u);
}

TEST(ChannelRegistry, NamesEveryTickerAndStatus) {
  const std::vector<instrument> instruments = three_instruments();
  const channel_registry channels(instruments);
  EXPECT_EQ(channels.size(), 7u);  // 3 tickers, status, almanac, gas.ETH, fng
  ASSERT_EQ(channels.tickers().size(), 3u);
  for (instrument_id i = 0; i < 3; ++i) {
    const channel_id id = channels.ticker(i);
    EXPECT_EQ(channels.info(id).name, "ticker." + instruments[i].symbol());
    EXPECT_EQ(channels.info(id).kind, channel_kind::ticker);
    EXPECT_EQ(channels.info(id).instrument, i);
    EXPECT_EQ(channels.find("ticker." + instruments[i].symbol()), id);
  }
  EXPECT_EQ(channels.find("status"), channels.status());
  EXPECT_EQ(channels.info(channels.status()).kind, channel_kind::status);
  EXPECT_EQ(channels.find("almanac"), channels.almanac());
  EXPECT_EQ(channels.info(channels.almanac()).kind, channel_kind::almanac);
  EXPECT_EQ(channels.find("gas.ETH"), channels.gas_eth());
  EXPECT_EQ(channels.info(channels.gas_eth()).kind, channel_kind::gas);
  EXPECT_EQ(channels.find("fng"), channels.fng());
  EXPECT_EQ(channels.info(channels.fng()).kind, channel_kind::fng);
  EXPECT_EQ(channels.find("ticker.*"), std::nullopt);  // a pattern, not a channel
  EXPECT_EQ(channels.find("ticker.BTC-USD"), std::nullopt);
  EXPECT_EQ(channels.find("ticker.btc-usdt"), std::nullopt);
  EXPECT_EQ(channels.find(""), std::nullopt);
}

}  // namespace
}  // namespace tickerd

namespace tickerd {
namespace {

// Per-venue channels: ticker.<symbol>@<venue> for each configured venue.
TEST(AggregatorVenueChannels, EachVenueHasItsOwnChannel) {
  const std::vector<instrument> instruments = {{"BTC", "USDT"}};
  const std::vector<venue_id> venues = {venue_id::binance, venue_id::okx};
  const channel_registry channels(instruments, venues);
  ASSERT_TRUE(channels.find("ticker.BTC-USDT@okx").has_value());
  EXPECT_FALSE(channels.find("ticker.BTC-USDT@kraken").has_value());
  EXPECT_EQ(channels.info(*channels.find("ticker.BTC-USDT@okx")).kind, channel_kind::venue_ticker);
  EXPECT_EQ(channels.venue_ticker(0, venue_id::okx), channels.find("ticker.BTC-USDT@okx"));

  std::vector<update_ptr> sent;
  publisher pub(channels, [&](update_ptr u) { sent.push_back(std::move(u)); });
  aggregator agg(instruments, channels, pub);
  const std::vector<tick> ticks = {
      test::make_tick(venue_id::binance, 0, {{tf_last, "100.0"}}, 10, 1),
      test::make_tick(venue_id::okx, 0, {{tf_last, "100.2"}}, 11, 2)};
  agg.on_ticks(ticks);
  // One update per venue channel and one composite, not one per tick.
  ASSERT_EQ(sent.size(), 3u);
  std::vector<std::string> names;
  for (const auto& u : sent) names.push_back(channels.info(u->channel).name);
  EXPECT_EQ(names, (std::vector<std::string>{"ticker.BTC-USDT@binance", "ticker.BTC-USDT@okx",
                                             "ticker.BTC-USDT"}));
  EXPECT_NE(sent[1]->data().find(R"("last":"100.2")"), std::string_view::npos);
  EXPECT_NE(sent[1]->data().find(R"("venue":"okx")"), std::string_view::npos);
  EXPECT_NE(sent[2]->data().find(R"("last":"100.1")"), std::string_view::npos);

  // okx goes stale: its own channel says so, and it leaves the composite.
  sent.clear();
  agg.on_venue_fresh(venue_id::okx, false);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[0]->data().find(R"("venue":"okx","stale":true)"), std::string_view::npos);
  EXPECT_NE(sent[1]->data().find(R"("last":"100.0")"), std::string_view::npos);
  EXPECT_NE(sent[1]->data().find(R"("venues":["binance"],"stale":false)"), std::string_view::npos);
}

TEST(AggregatorDedup, RepeatedOrOlderEventsPublishNothing) {
  const std::vector<instrument> instruments = {{"BTC", "USDT"}};
  const channel_registry channels(instruments);
  std::vector<update_ptr> sent;
  publisher pub(channels, [&](update_ptr u) { sent.push_back(std::move(u)); });
  aggregator agg(instruments, channels, pub);
  const tick t = test::make_tick(venue_id::binance, 0, {{tf_last, "100.0"}}, 10, 1);
  agg.on_ticks(std::span<const tick>(&t, 1));
  tick again = t;
  again.recv_ts_us = 2;  // the same event read again on another connection
  agg.on_ticks(std::span<const tick>(&again, 1));
  const tick older = test::make_tick(venue_id::binance, 0, {{tf_last, "99.0"}}, 9, 3);
  agg.on_ticks(std::span<const tick>(&older, 1));
  EXPECT_EQ(sent.size(), 1u);
  const tick newer = test::make_tick(venue_id::binance, 0, {{tf_last, "101.0"}}, 11, 4);
  agg.on_ticks(std::span<const tick>(&newer, 1));
  EXPECT_EQ(sent.size(), 2u);
}

}  // namespace
}  // namespace tickerd
