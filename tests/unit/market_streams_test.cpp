// market_streams + publisher: which channels one frame's trades and quotes publish, in what
// order, with which data (docs/PROTOCOL.md "Trades, top of book and candles").
#include "tickerd/market/market_streams.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/hub/publisher.hpp"

namespace tickerd {
namespace {

constexpr instrument_id btc = 0;
constexpr instrument_id eth = 1;
constexpr std::int64_t minute = 60'000'000;
// 2025-11-25 09:00:00 UTC: a boundary of every interval up to 1h.
constexpr std::int64_t t0 = 1764061200'000'000;

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

trade make_trade(venue_id v, instrument_id i, std::int64_t ts_us, std::string_view price,
                 std::string_view qty, std::string_view id) {
  trade t;
  t.venue = v;
  t.instrument = i;
  t.price = dec(price);
  t.size = dec(qty);
  t.side = taker_side::sell;
  EXPECT_TRUE(trade_id::make(id, t.id));
  t.exchange_ts_us = ts_us;
  t.recv_ts_us = ts_us + 700;
  return t;
}

top_of_book make_quote(venue_id v, instrument_id i, std::string_view bid, std::string_view ask,
                       std::int64_t ts_us) {
  top_of_book q;
  q.venue = v;
  q.instrument = i;
  q.bid = dec(bid);
  q.bid_size = dec("1.5");
  q.ask = dec(ask);
  q.ask_size = dec("2");
  q.has_bid = q.has_ask = true;
  q.exchange_ts_us = ts_us;
  q.recv_ts_us = ts_us + 100;
  return q;
}

struct rig {
  std::vector<instrument> instruments{{"BTC", "USDT"}, {"ETH", "USDT"}};
  std::vector<venue_id> venues{venue_id::binance, venue_id::okx};
  channel_registry channels{instruments, venues, channel_families{true, true, true, true}};
  std::vector<update_ptr> sent;
  publisher pub{channels, [this](update_ptr u) { sent.push_back(std::move(u)); }};
  market_streams streams{instruments, channels, pub,
                         market_streams_options{bbo_options{10'000'000}, default_candle_history}};

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& u : sent) out.push_back(channels.info(u->channel).name);
    return out;
  }
  std::vector<update_ptr> on(std::string_view channel) const {
    std::vector<update_ptr> out;
    for (const auto& u : sent) {
      if (channels.info(u->channel).name == channel) out.push_back(u);
    }
    return out;
  }
};

simdjson::dom::element parse(simdjson::dom::parser& p, const update_ptr& u) {
  return p.parse(std::string(u->data())).value();
}

TEST(MarketStreams, OneFrameOfTradesIsOneUpdatePerTradesChannelAndItsCandles) {
  rig r;
  r.streams.on_timer(t0 + 1'000);  // opens the candle streams
  r.sent.clear();
  market_events e;
  e.trades.push_back(make_trade(venue_id::binance, btc, t0 + 5'000, "85205.70", "0.001", "41"));
  e.trades.push_back(make_trade(venue_id::binance, btc, t0 + 6'000, "85205.69", "0.5", "42"));
  r.streams.on_events(e);
  // The forming candles wait for the loop turn's flush; the trades do not.
  EXPECT_TRUE(r.on("candles.BTC-USDT@binance.1m").empty());
  EXPECT_TRUE(r.streams.has_pending());
  r.streams.flush();
  EXPECT_FALSE(r.streams.has_pending());

  const auto venue = r.on("trades.BTC-USDT@binance");
  const auto tape = r.on("trades.BTC-USDT");
  ASSERT_EQ(venue.size(), 1u);
  ASSERT_EQ(tape.size(), 1u);
  simdjson::dom::parser p;
  auto v = parse(p, venue[0]);
  EXPECT_EQ(std::string_view(v["venue"]), "binance");
  EXPECT_EQ(std::int64_t(v["first"]), 1);
  EXPECT_EQ(std::int64_t(v["count"]), 2);
  EXPECT_EQ(std::string_view(v["trades"].at(1)["price"]), "85205.69");
  EXPECT_EQ(std::string_view(v["trades"].at(1)["id"]), "42");
  auto t = parse(p, tape[0]);
  EXPECT_EQ(std::string_view(t["trades"].at(0)["venue"]), "binance");

  // Every interval of both streams (the venue's and the tape's) got one forming update.
  for (const auto* iv : {"1m", "5m", "15m", "1h", "4h", "1d"}) {
    const auto c = r.on(std::string("candles.BTC-USDT@binance.") + iv);
    ASSERT_EQ(c.size(), 1u) << iv;
    auto d = parse(p, c[0]);
    EXPECT_EQ(std::string_view(d["open"]), "85205.70");
    EXPECT_EQ(std::string_view(d["close"]), "85205.69");
    EXPECT_EQ(std::int64_t(d["trades"]), 2);
    EXPECT_FALSE(bool(d["closed"]));
    EXPECT_EQ(r.on(std::string("candles.BTC-USDT.") + iv).size(), 1u) << iv;
  }
  EXPECT_TRUE(r.on("candles.BTC-USDT@okx.1m").empty());
  EXPECT_TRUE(r.on("trades.ETH-USDT").empty());

  // The next frame's `first` continues after the two.
  r.sent.clear();
  market_events next;
  next.trades.push_back(make_trade(venue_id::binance, btc, t0 + 7'000, "85205.71", "1", "43"));
  r.streams.on_events(next);
  auto v2 = parse(p, r.on("trades.BTC-USDT@binance").at(0));
  EXPECT_EQ(std::int64_t(v2["first"]), 3);
}

TEST(MarketStreams, InterleavedInstrumentsStillGiveOneUpdateEach) {
  rig r;
  r.streams.on_timer(t0);
  r.sent.clear();
  market_events e;
  e.trades.push_back(make_trade(venue_id::okx, btc, t0 + 1, "1", "1", "1"));
  e.trades.push_back(make_trade(venue_id::okx, eth, t0 + 2, "2", "1", "2"));
  e.trades.push_back(make_trade(venue_id::okx, btc, t0 + 3, "3", "1", "3"));
  r.streams.on_events(e);
  r.streams.flush();
  const auto btc_updates = r.on("trades.BTC-USDT@okx");
  ASSERT_EQ(btc_updates.size(), 1u);
  simdjson::dom::parser p;
  auto d = parse(p, btc_updates[0]);
  EXPECT_EQ(std::int64_t(d["count"]), 2);
  EXPECT_EQ(std::string_view(d["trades"].at(0)["id"]), "1");  // frame order kept
  EXPECT_EQ(std::string_view(d["trades"].at(1)["id"]), "3");
  EXPECT_EQ(r.on("trades.ETH-USDT@okx").size(), 1u);
}

TEST(MarketStreams, TimerClosesAnEmptyMinuteWithAFinalUpdate) {
  rig r;
  r.streams.on_timer(t0 + 1'000);
  market_events e;
  e.trades.push_back(make_trade(venue_id::binance, btc, t0 + 5'000, "100", "2", "1"));
  r.streams.on_events(e);
  r.streams.flush();
  r.sent.clear();
  r.streams.on_timer(t0 + 2 * minute + 1'000);  // closes 09:00 (one trade) and 09:01 (empty)

  const auto c = r.on("candles.BTC-USDT@binance.1m");
  ASSERT_EQ(c.size(), 3u);
  simdjson::dom::parser p;
  auto first = parse(p, c[0]);
  EXPECT_TRUE(bool(first["closed"]));
  EXPECT_EQ(std::int64_t(first["open_time"]), t0);
  EXPECT_EQ(std::int64_t(first["trades"]), 1);
  EXPECT_FALSE(c[0]->conflatable);
  auto empty = parse(p, c[1]);
  EXPECT_TRUE(bool(empty["closed"]));
  EXPECT_EQ(std::int64_t(empty["trades"]), 0);
  EXPECT_EQ(std::string_view(empty["open"]), "100");  // flat at the previous close
  EXPECT_FALSE(c[1]->conflatable);
  auto forming = parse(p, c[2]);
  EXPECT_FALSE(bool(forming["closed"]));
  EXPECT_EQ(std::int64_t(forming["open_time"]), t0 + 2 * minute);
  EXPECT_TRUE(c[2]->conflatable);

  // History for GET /v1/candles: the two closed ones.
  const auto* set = r.streams.candles(btc, venue_id::binance);
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->builder(candle_interval::m1).history().size(), 2u);
  EXPECT_NE(r.streams.candles(btc, std::nullopt), nullptr);
  EXPECT_EQ(r.streams.candles(btc, venue_id::kraken), nullptr);  // not configured
  EXPECT_EQ(r.streams.candles(7, std::nullopt), nullptr);
}

TEST(MarketStreams, ManyFramesInOneTurnGiveOneFormingUpdateButEveryClosedCandle) {
  rig r;
  r.streams.on_timer(t0 + 1'000);
  r.sent.clear();
  for (int k = 0; k < 5; ++k) {  // five frames, one turn
    market_events e;
    e.trades.push_back(
        make_trade(venue_id::binance, btc, t0 + 10'000 + k, "100", "1", std::to_string(10 + k)));
    r.streams.on_events(e);
  }
  // A frame in the next minute closes 09:00 at once, in the same turn.
  market_events next_minute;
  next_minute.trades.push_back(
      make_trade(venue_id::binance, btc, t0 + minute + 5, "101", "1", "20"));
  r.streams.on_events(next_minute);
  EXPECT_EQ(r.on("trades.BTC-USDT@binance").size(), 6u);  // one per frame
  auto c = r.on("candles.BTC-USDT@binance.1m");
  ASSERT_EQ(c.size(), 1u);
  simdjson::dom::parser p;
  auto closed = parse(p, c[0]);
  EXPECT_TRUE(bool(closed["closed"]));
  EXPECT_EQ(std::int64_t(closed["trades"]), 5);
  r.streams.flush();
  c = r.on("candles.BTC-USDT@binance.1m");
  ASSERT_EQ(c.size(), 2u);
  auto forming = parse(p, c[1]);
  EXPECT_EQ(std::int64_t(forming["open_time"]), t0 + minute);
  EXPECT_EQ(std::int64_t(forming["trades"]), 1);
  // The 5m candle did not close: one forming update for the whole turn.
  EXPECT_EQ(r.on("candles.BTC-USDT@binance.5m").size(), 1u);
}

TEST(MarketStreams, QuotesPublishTheVenueAndTheConsolidatedBookWhenItMoves) {
  rig r;
  market_events e;
  e.quotes.push_back(make_quote(venue_id::binance, btc, "100.1", "100.3", t0));
  r.streams.on_events(e);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"bbo.BTC-USDT@binance", "bbo.BTC-USDT"}));

  r.sent.clear();
  market_events worse;  // okx is better on neither side: the sides stay binance.s, `venues` grows
  worse.quotes.push_back(make_quote(venue_id::okx, btc, "100.0", "100.4", t0 + 1));
  r.streams.on_events(worse);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"bbo.BTC-USDT@okx", "bbo.BTC-USDT"}));
  simdjson::dom::parser p;
  auto top = parse(p, r.sent.back());
  EXPECT_EQ(std::string_view(top["bid_venue"]), "binance");
  EXPECT_EQ(std::string_view(top["bid"]), "100.1");

  // Binance's feed goes down: its venue channel says stale, the consolidated book moves to okx.
  r.sent.clear();
  r.streams.on_venue_fresh(venue_id::binance, false);
  ASSERT_EQ(r.names(), (std::vector<std::string>{"bbo.BTC-USDT@binance", "bbo.BTC-USDT"}));
  auto venue = parse(p, r.sent[0]);
  EXPECT_TRUE(bool(venue["stale"]));
  auto moved = parse(p, r.sent[1]);
  EXPECT_EQ(std::string_view(moved["bid_venue"]), "okx");

  // okx's bbo stream goes silent past quote_stale (10 s here) while its feed stays up.
  r.sent.clear();
  r.streams.on_timer(t0 + 20'000'000);
  ASSERT_EQ(r.on("bbo.BTC-USDT@okx").size(), 1u);
  auto okx = parse(p, r.on("bbo.BTC-USDT@okx")[0]);
  EXPECT_TRUE(bool(okx["stale"]));
  auto none_fresh = parse(p, r.on("bbo.BTC-USDT").at(0));
  EXPECT_TRUE(bool(none_fresh["stale"]));
}

TEST(MarketStreams, FamiliesOffPublishNothing) {
  std::vector<instrument> instruments{{"BTC", "USDT"}};
  std::vector<venue_id> venues{venue_id::binance};
  channel_registry channels{instruments, venues};
  std::vector<update_ptr> sent;
  publisher pub{channels, [&](update_ptr u) { sent.push_back(std::move(u)); }};
  market_streams streams{instruments, channels, pub};
  EXPECT_FALSE(streams.enabled());
  market_events e;
  e.trades.push_back(make_trade(venue_id::binance, btc, t0, "1", "1", "1"));
  e.quotes.push_back(make_quote(venue_id::binance, btc, "1", "2", t0));
  streams.on_events(e);
  streams.on_timer(t0 + minute);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(streams.candles(btc, std::nullopt), nullptr);
}

}  // namespace
}  // namespace tickerd
