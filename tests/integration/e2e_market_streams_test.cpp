// Trades, top of book and candles end to end (docs/PROTOCOL.md "Trades, top of book and
// candles"): tickerd reads tickerd-sim's trade and bbo streams (the default `streams`) and
// publishes trades.*, bbo.* and candles.* with the channel contract (snapshot, seq, wildcards,
// conflation that says how many trades a slow client missed).
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "tickerd/core/decimal.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

decimal dec(const std::string& text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

bool is_update_on(const ws_message& m, std::string_view channel) {
  return m.type() == "update" && m.channel() == channel;
}

// `first` continues from the previous update's first + count on every update that follows its
// predecessor by one seq; after a seq gap (conflation) it jumps by at least one trade.
testing::AssertionResult trades_numbered(const std::vector<ws_message>& ms,
                                         std::string_view channel, std::int64_t* missed) {
  std::int64_t next_first = 0;
  std::int64_t last_seq = 0;
  if (missed != nullptr) *missed = 0;
  for (const auto& m : ms) {
    if (!is_update_on(m, channel)) continue;
    const auto first = m.data()["first"].integer();
    const auto count = m.data()["count"].integer();
    if (count != static_cast<std::int64_t>(m.data()["trades"].size()) || count <= 0) {
      return testing::AssertionFailure() << "count does not match trades: " << m.raw;
    }
    if (last_seq != 0) {
      if (m.seq() == last_seq + 1 && first != next_first) {
        return testing::AssertionFailure()
               << "first " << first << " != " << next_first << ": " << m.raw;
      }
      if (m.seq() > last_seq + 1) {
        if (first <= next_first) {
          return testing::AssertionFailure()
                 << "updates were dropped but first did not jump: " << m.raw;
        }
        if (missed != nullptr) *missed += first - next_first;
      }
    }
    last_seq = m.seq();
    next_first = first + count;
  }
  if (last_seq == 0) return testing::AssertionFailure() << "no update on " << channel;
  return testing::AssertionSuccess();
}

TEST(end_to_end_market_streams, trades_bbo_and_candles_flow_with_the_channel_contract) {
  stack_options options;
  options.symbols = {"BTC-USDT", "ETH-USDT"};
  options.sim_args = {"--symbols", "BTCUSDT,ETHUSDT"};
  options.extra_venues = {"okx"};
  options.streams = R"(["ticker", "trades", "bbo"])";
  stack s(options);
  ASSERT_TRUE(s.start());

  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  const std::vector<std::string> channels{
      "trades.BTC-USDT@binance",     "trades.BTC-USDT",     "bbo.BTC-USDT@okx", "bbo.BTC-USDT",
      "candles.BTC-USDT@binance.1m", "candles.BTC-USDT.5m", "trades.*@okx"};
  ASSERT_TRUE(client.send_text(subscribe_request(1, channels)));
  const auto ack = client.wait_for(type_is("ack"));
  ASSERT_TRUE(ack) << client.tail();

  // Every channel (and the wildcard's two symbols) delivers updates.
  for (const auto* channel : {"trades.BTC-USDT@binance", "trades.BTC-USDT", "bbo.BTC-USDT@okx",
                              "bbo.BTC-USDT", "candles.BTC-USDT@binance.1m", "candles.BTC-USDT.5m",
                              "trades.BTC-USDT@okx", "trades.ETH-USDT@okx"}) {
    ASSERT_TRUE(client.wait_for([channel](const ws_message& m) { return is_update_on(m, channel); },
                                seconds(30)))
        << channel << "\n"
        << client.tail();
  }
  // A little more flow, then check everything received so far.
  const std::size_t mark = client.size();
  ASSERT_TRUE(client.wait_for(
      [](const ws_message& m) { return is_update_on(m, "trades.BTC-USDT@binance"); }, seconds(30),
      mark));
  const auto ms = client.messages();
  EXPECT_TRUE(check_sequences(ms)) << client.tail(30);
  EXPECT_TRUE(trades_numbered(ms, "trades.BTC-USDT@binance", nullptr));
  EXPECT_TRUE(trades_numbered(ms, "trades.BTC-USDT", nullptr));

  std::set<std::string> tape_venues;
  std::set<std::string> binance_prices;
  std::int64_t previous_id = 0;
  for (const auto& m : ms) {
    ASSERT_TRUE(m.valid) << m.raw;
    EXPECT_NE(m.type(), "error") << m.raw;
    if (is_update_on(m, "trades.BTC-USDT@binance")) {
      EXPECT_EQ(m.data()["venue"].str(), "binance");
      for (const auto& t : m.data()["trades"].items()) {
        // The sim numbers Binance trades one by one (no gap fault injected here).
        const auto id = std::stoll(t["id"].str());
        if (previous_id != 0) {
          EXPECT_EQ(id, previous_id + 1) << m.raw;
        }
        previous_id = id;
        EXPECT_TRUE(t["side"].str() == "buy" || t["side"].str() == "sell") << m.raw;
        EXPECT_TRUE(t["ts"].is_integer() && t["recv_ts"].is_integer()) << m.raw;
        EXPECT_TRUE(dec(t["qty"].str()) > dec("0")) << m.raw;
        binance_prices.insert(t["price"].str());
      }
    }
    if (is_update_on(m, "trades.BTC-USDT")) {
      EXPECT_FALSE(m.data().has("venue")) << m.raw;
      for (const auto& t : m.data()["trades"].items()) tape_venues.insert(t["venue"].str());
    }
    if (is_update_on(m, "bbo.BTC-USDT@okx")) {
      EXPECT_EQ(m.data()["venue"].str(), "okx");
      EXPECT_TRUE(dec(m.data()["bid"].str()) < dec(m.data()["ask"].str())) << m.raw;
      EXPECT_FALSE(m.data()["stale"].boolean()) << m.raw;
    }
    if (is_update_on(m, "bbo.BTC-USDT")) {
      const auto& venues = m.data()["venues"];
      EXPECT_GE(venues.size(), 1u) << m.raw;
      EXPECT_TRUE(m.data()["bid_venue"].str() == "binance" || m.data()["bid_venue"].str() == "okx")
          << m.raw;
    }
    if (is_update_on(m, "candles.BTC-USDT@binance.1m")) {
      const auto& c = m.data();
      EXPECT_EQ(c["interval"].str(), "1m");
      EXPECT_EQ(c["close_time"].integer() - c["open_time"].integer(), 60'000'000) << m.raw;
      EXPECT_EQ(c["open_time"].integer() % 60'000'000, 0) << m.raw;
      if (c["trades"].integer() > 0 && !c["closed"].boolean()) {
        // The forming candle's close is a trade the venue channel carried.
        EXPECT_TRUE(dec(c["low"].str()) <= dec(c["close"].str())) << m.raw;
        EXPECT_TRUE(dec(c["close"].str()) <= dec(c["high"].str())) << m.raw;
      }
    }
  }
  EXPECT_EQ(tape_venues, (std::set<std::string>{"binance", "okx"}));
  EXPECT_FALSE(binance_prices.empty());

  // A late subscriber gets snapshots with the latest state of each.
  ws_client late;
  ASSERT_TRUE(late.connect(s.port()));
  ASSERT_TRUE(late.send_text(subscribe_request(2, {"bbo.BTC-USDT", "candles.BTC-USDT.1m"})));
  const auto snap = late.wait_for(
      [](const ws_message& m) { return m.type() == "snapshot" && m.channel() == "bbo.BTC-USDT"; });
  ASSERT_TRUE(snap) << late.tail();
  EXPECT_GT(snap->seq(), 0) << snap->raw;
  EXPECT_TRUE(snap->data().has("bid")) << snap->raw;

  // The feeds count what they parsed.
  const auto r = http_get(s.port(), "/v1/feeds", seconds(5));
  const auto feeds = json_value::parse(r.body);
  ASSERT_TRUE(feeds) << r.body;
  for (const auto& f : (*feeds)["feeds"].items()) {
    EXPECT_GT(f["trades"].integer(), 0) << r.body;
    EXPECT_GT(f["quotes"].integer(), 0) << r.body;
  }
}

// A client that stops reading the tape is conflated like a ticker client, and the trades
// updates it then gets say how many trades it missed: received + missed = every trade the
// channel carried, as a client that read all along counts them.
TEST(end_to_end_market_streams, a_conflated_trades_client_learns_how_many_trades_it_missed) {
  stack_options options;
  options.sim_rate = 400;
  options.streams = R"(["trades"])";
  options.extra_limits = "conflate_after_messages = 64\nmax_queued_bytes = 67108864";
  stack s(options);
  ASSERT_TRUE(s.start());
  constexpr std::string_view channel = "trades.BTC-USDT@binance";

  ws_client slow;
  slow.set_receive_buffer(4096);
  ASSERT_TRUE(slow.connect(s.port()));
  ws_client witness;
  ASSERT_TRUE(witness.connect(s.port()));
  ASSERT_TRUE(slow.send_text(subscribe_request(1, {"trades.*@binance"})));
  ASSERT_TRUE(witness.send_text(subscribe_request(1, {std::string(channel)})));
  ASSERT_TRUE(
      slow.wait_for([&](const ws_message& m) { return is_update_on(m, channel); }, seconds(30)))
      << slow.tail();

  slow.pause_reading();
  const std::size_t before = witness.size();
  // Enough traffic behind the paused client for its queue to pass 64 updates many times over.
  ASSERT_TRUE(witness.wait_until(
      [before](const std::vector<ws_message>& ms) { return ms.size() > before + 3000; },
      seconds(120)))
      << witness.size() - before << " updates while paused\n"
      << witness.tail();
  const std::size_t resumed_from = slow.size();
  slow.resume_reading();
  ASSERT_TRUE(slow.wait_for(type_is("conflated"), seconds(30), resumed_from)) << slow.tail();

  // Both reach the same trade; then compare counts up to it.
  const auto target = witness.messages().back();
  ASSERT_TRUE(is_update_on(target, channel)) << target.raw;
  const auto end = target.data()["first"].integer() + target.data()["count"].integer();
  ASSERT_TRUE(slow.wait_for(
      [&](const ws_message& m) {
        return is_update_on(m, channel) &&
               m.data()["first"].integer() + m.data()["count"].integer() >= end;
      },
      seconds(60), resumed_from))
      << slow.tail();

  std::int64_t missed = 0;
  const auto slow_ms = slow.messages();
  ASSERT_TRUE(trades_numbered(slow_ms, channel, &missed));
  EXPECT_GT(missed, 0) << "the paused client was conflated, so it missed trades";
  // The witness reads all along, but a fast build can outrun even a reading client for a
  // moment (conflate_after_messages is 64 here): its numbering must hold all the same.
  const auto witness_ms = witness.messages();
  ASSERT_TRUE(trades_numbered(witness_ms, channel, nullptr));

  // The numbering is the channel's, not the connection's: trade number n is the same trade
  // for both clients.
  std::map<std::int64_t, std::string> witness_ids;
  for (const auto& m : witness_ms) {
    if (!is_update_on(m, channel)) continue;
    std::int64_t n = m.data()["first"].integer();
    for (const auto& t : m.data()["trades"].items()) witness_ids[n++] = t["id"].str();
  }
  std::size_t compared = 0;
  for (const auto& m : slow_ms) {
    if (!is_update_on(m, channel)) continue;
    std::int64_t n = m.data()["first"].integer();
    for (const auto& t : m.data()["trades"].items()) {
      const auto it = witness_ids.find(n++);
      if (it == witness_ids.end()) continue;  // before the witness subscribed, or after it
      EXPECT_EQ(it->second, t["id"].str()) << "trade number " << n - 1 << ": " << m.raw;
      ++compared;
    }
  }
  EXPECT_GT(compared, 0u);
}

}  // namespace
}  // namespace tickerd::e2e
