// Coinbase's lost-l2update rule (coinbase_touch.hpp, through book_sync): the venue's `ticker`
// is checked against the book only once an l2update stamped after it is applied, on the levels
// no l2update since named. Healthy interleavings (the ticker ahead of a batch, a batch that
// moved the touch again) never resync; a dropped l2update does, as a gap with a resubscribe.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "tickerd/market/book/book_parsers.hpp"
#include "tickerd/market/book/book_sync.hpp"

namespace tickerd::book {
namespace {

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

using levels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

book_message msg(book_msg_kind kind, std::int64_t ts, levels bids, levels asks) {
  book_message m;
  m.kind = kind;
  m.symbol = "BTC-USD";
  m.exchange_ts_us = ts;
  for (const auto& [p, s] : bids) m.bids.push_back({dec(p), dec(s)});
  for (const auto& [p, s] : asks) m.asks.push_back({dec(p), dec(s)});
  return m;
}
book_message update(std::int64_t ts, levels bids, levels asks = {}) {
  return msg(book_msg_kind::delta, ts, bids, asks);
}
// best_bid / best_bid_size, best_ask / best_ask_size at `ts`.
book_message ticker(std::int64_t ts, std::pair<std::string_view, std::string_view> bid,
                    std::pair<std::string_view, std::string_view> ask) {
  return msg(book_msg_kind::touch, ts, {bid}, {ask});
}

// Bids 100 x1, 99 x2; asks 101 x1, 102 x2; dated by one l2update at t = 10.
book_sync ready_book() {
  book_sync s(venue_id::coinbase);
  EXPECT_EQ(s.on_message(msg(book_msg_kind::snapshot, 0, {{"100", "1"}, {"99", "2"}},
                             {{"101", "1"}, {"102", "2"}}))
                .outcome,
            sync_outcome::applied);
  EXPECT_EQ(s.on_message(update(10, {{"98", "3"}})).outcome, sync_outcome::applied);
  return s;
}

void expect_applied(book_sync& s, const book_message& m) {
  EXPECT_EQ(s.on_message(m).outcome, sync_outcome::applied);
  EXPECT_TRUE(s.ready());
}

TEST(CoinbaseTouch, AHealthyStreamWhereEveryTickerFollowsItsUpdateNeverResyncs) {
  book_sync s = ready_book();
  for (int k = 1; k <= 8; ++k) {
    // Each event: a new best bid 100.k, then the ticker stating it, at the same time.
    const std::string bid = "100." + std::to_string(k);
    const std::int64_t t = 10 + 20 * k;
    expect_applied(s, update(t, {{bid, "1"}}));
    EXPECT_EQ(s.on_message(ticker(t, {bid, "1"}, {"101", "1"})).outcome, sync_outcome::ignored);
  }
  EXPECT_EQ(s.counters().of(resync_reason::gap), 0u);
}

TEST(CoinbaseTouch, ATickerAheadOfTheBatchWaitsForAnUpdateStampedAfterIt) {
  book_sync s = ready_book();
  // The ticker (t = 30) already shows a new best bid 100.5; the batch stamped 25 does not.
  s.on_message(ticker(30, {"100.5", "4"}, {"101", "1"}));
  expect_applied(s, update(25, {{"97", "1"}}));
  // The batch stamped 35 brings 100.5, and moved the ask since (101 gone, 101.5 new).
  expect_applied(s, update(35, {{"100.5", "4"}}, {{"101", "0"}, {"101.5", "1"}}));
  EXPECT_EQ(s.counters().of(resync_reason::gap), 0u);
}

TEST(CoinbaseTouch, ALevelTheTickerStatedThatALaterBatchChangedIsNotHeldAgainstTheBook) {
  book_sync s = ready_book();
  s.on_message(ticker(30, {"100.5", "4"}, {"101", "1"}));
  // The 100.5 bid came and went within the batch: it says 0 for it; 100 grew since.
  expect_applied(s, update(40, {{"100.5", "0"}, {"100", "7"}}));
  EXPECT_EQ(s.counters().of(resync_reason::gap), 0u);
}

TEST(CoinbaseTouch, ATickerBehindTheBookOrBeforeItIsDatedIsNotChecked) {
  book_sync s(venue_id::coinbase);
  s.on_message(msg(book_msg_kind::snapshot, 0, {{"100", "1"}}, {{"101", "1"}}));
  // Right after a snapshot (no time): not kept.
  s.on_message(ticker(5, {"90", "1"}, {"101", "1"}));
  expect_applied(s, update(10, {{"99", "1"}}));
  // Older than the book's latest l2update: not kept either.
  s.on_message(ticker(8, {"90", "1"}, {"101", "1"}));
  expect_applied(s, update(20, {{"98", "1"}}));
  EXPECT_EQ(s.counters().of(resync_reason::gap), 0u);
}

TEST(CoinbaseTouch, ATickerWithoutSizesChecksPricesOnly) {
  book_sync s = ready_book();
  s.on_message(ticker(30, {"100", "0"}, {"101", "0"}));
  expect_applied(s, update(40, {{"97", "1"}}));
  EXPECT_EQ(s.counters().of(resync_reason::gap), 0u);
}

TEST(CoinbaseTouch, ADroppedUpdateThatAddedTheBestBidIsAGap) {
  book_sync s = ready_book();
  // Lost: l2update t = 30 {buy 100.5 4}. The ticker right after states it.
  s.on_message(ticker(30, {"100.5", "4"}, {"101", "1"}));
  const auto r = s.on_message(update(40, {{"97", "1"}}));
  EXPECT_EQ(r.outcome, sync_outcome::resync);
  EXPECT_EQ(r.reason, resync_reason::gap);
  EXPECT_EQ(r.action, rebuild_action::resubscribe);
  EXPECT_EQ(s.status(), book_status::resyncing);
  EXPECT_EQ(s.counters().of(resync_reason::gap), 1u);
  // The resubscribe's snapshot makes it ready again; the l2updates in between are ignored.
  EXPECT_EQ(s.on_message(update(45, {{"97", "2"}})).outcome, sync_outcome::ignored);
  expect_applied(s, msg(book_msg_kind::snapshot, 0, {{"100.5", "4"}}, {{"101", "1"}}));
}

TEST(CoinbaseTouch, ADroppedUpdateThatRemovedOrResizedTheTouchIsAGap) {
  {
    book_sync s = ready_book();
    // Lost: {sell 101 0}. The book keeps an ask better than the ticker's 102.
    s.on_message(ticker(30, {"100", "1"}, {"102", "2"}));
    EXPECT_EQ(s.on_message(update(40, {{"97", "1"}})).reason, resync_reason::gap);
    EXPECT_FALSE(s.ready());
  }
  {
    book_sync s = ready_book();
    // Lost: {buy 100 3}. The book's best bid has the old size.
    s.on_message(ticker(30, {"100", "3"}, {"101", "1"}));
    EXPECT_EQ(s.on_message(update(40, {{"97", "1"}})).reason, resync_reason::gap);
  }
}

TEST(CoinbaseTouch, TheCoinbaseTickerParsesAsATouch) {
  book_parser p(venue_id::coinbase);
  book_frame f;
  // docs.cdp.coinbase.com, Exchange WebSocket channels, "Ticker Channel" (fields trimmed).
  ASSERT_EQ(p.parse(R"({"type":"ticker","sequence":37475248783,"product_id":"ETH-USD",
      "price":"1285.22","best_bid":"1285.04","best_bid_size":"0.46688654",
      "best_ask":"1285.27","best_ask_size":"1.56637040","side":"buy",
      "time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,"last_size":"8.74"})",
                    f),
            feed_errc::ok);
  ASSERT_EQ(f.count, 1u);
  EXPECT_EQ(f[0].kind, book_msg_kind::touch);
  EXPECT_EQ(f[0].symbol, "ETH-USD");
  ASSERT_EQ(f[0].bids.size(), 1u);
  EXPECT_EQ(f[0].bids[0].price, dec("1285.04"));
  EXPECT_EQ(f[0].bids[0].size, dec("0.46688654"));
  EXPECT_EQ(f[0].asks[0].price, dec("1285.27"));
  EXPECT_EQ(f[0].exchange_ts_us, 1666222102061769);
  // Without a best bid it states nothing: control.
  ASSERT_EQ(p.parse(R"({"type":"ticker","product_id":"ETH-USD","best_bid":null,
      "best_ask":"1285.27","time":"2022-10-19T23:28:22.061769Z"})",
                    f),
            feed_errc::ok);
  EXPECT_TRUE(f.control);
  EXPECT_EQ(f.count, 0u);
}

}  // namespace
}  // namespace tickerd::book
