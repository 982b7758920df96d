// book_sync: each venue's documented rule, fed messages in arrival order: the ready path, and
// the gap, stale-snapshot, checksum and crossed cases with the rebuild each venue needs, and the
// counters per reason.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tickerd/market/book/book_parsers.hpp"
#include "tickerd/market/book/book_sync.hpp"
#include "tickerd/market/book/kraken_checksum.hpp"

namespace tickerd::book {
namespace {

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

using levels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

book_message msg(book_msg_kind kind, levels bids, levels asks) {
  book_message m;
  m.kind = kind;
  m.symbol = "X";
  for (const auto& [p, s] : bids) m.bids.push_back({dec(p), dec(s)});
  for (const auto& [p, s] : asks) m.asks.push_back({dec(p), dec(s)});
  return m;
}

book_message binance_delta(std::int64_t first, std::int64_t last, levels bids = {},
                           levels asks = {}) {
  book_message m = msg(book_msg_kind::delta, bids, asks);
  m.first_id = first;
  m.last_id = last;
  return m;
}

book_message binance_snapshot(std::int64_t last_update_id) {
  book_message m = msg(book_msg_kind::snapshot, {{"100", "1"}, {"99", "2"}}, {{"101", "1"}});
  m.last_id = last_update_id;
  return m;
}

// Binance's 2024-12 rule (developers.binance.com, spot "WebSocket Streams", "How to manage a
// local order book correctly").
TEST(BookSync, BinanceBuffersUntilTheSnapshotThenJoinsItByUpdateIds) {
  book_sync s(venue_id::binance);
  auto r = s.on_message(binance_delta(157, 160, {{"100", "5"}}));
  EXPECT_EQ(r.outcome, sync_outcome::buffered);
  EXPECT_EQ(r.action, rebuild_action::fetch_snapshot);  // asked once
  r = s.on_message(binance_delta(161, 165, {{"98", "1"}}));
  EXPECT_EQ(r.outcome, sync_outcome::buffered);
  EXPECT_EQ(r.action, rebuild_action::none);
  EXPECT_EQ(s.status(), book_status::connecting);
  // lastUpdateId 158 is within the first event's [157;160]: 157-160 applies, then 161-165.
  r = s.on_rest_snapshot(binance_snapshot(158));
  EXPECT_EQ(r.outcome, sync_outcome::applied);
  ASSERT_TRUE(s.ready());
  EXPECT_EQ(s.update_id(), 165);
  EXPECT_EQ(s.book().bids()[0].size.to_string(), "5");
  EXPECT_EQ(s.book().bids().size(), 3u);
  // Older than the book: ignored. Next in line: applied.
  EXPECT_EQ(s.on_message(binance_delta(150, 164)).outcome, sync_outcome::ignored);
  EXPECT_EQ(s.on_message(binance_delta(166, 170, {{"99", "0"}})).outcome, sync_outcome::applied);
  EXPECT_EQ(s.book().bids().size(), 2u);
  EXPECT_EQ(s.counters().snapshots, 1u);
}

TEST(BookSync, BinanceDropsBufferedEventsTheSnapshotAlreadyHolds) {
  book_sync s(venue_id::binance);
  s.on_message(binance_delta(10, 12, {{"100", "7"}}));
  s.on_message(binance_delta(13, 15, {{"100", "8"}}));
  s.on_message(binance_delta(16, 18, {{"100", "9"}}));
  const auto r = s.on_rest_snapshot(binance_snapshot(15));
  EXPECT_EQ(r.outcome, sync_outcome::applied);
  EXPECT_EQ(s.update_id(), 18);
  EXPECT_EQ(s.book().bids()[0].size.to_string(), "9");
}

TEST(BookSync, BinanceStaleSnapshotIsFetchedAgainAndTheBufferKept) {
  book_sync s(venue_id::binance);
  s.on_message(binance_delta(200, 205));
  s.on_message(binance_delta(206, 210));
  auto r = s.on_rest_snapshot(binance_snapshot(150));  // lastUpdateId < first U
  EXPECT_EQ(r.outcome, sync_outcome::resync);
  EXPECT_EQ(r.reason, resync_reason::stale_snapshot);
  EXPECT_EQ(r.action, rebuild_action::fetch_snapshot);
  EXPECT_EQ(s.counters().of(resync_reason::stale_snapshot), 1u);
  EXPECT_EQ(s.status(), book_status::resyncing);
  EXPECT_EQ(s.buffered(), 2u);
  r = s.on_rest_snapshot(binance_snapshot(207));
  EXPECT_EQ(r.outcome, sync_outcome::applied);
  EXPECT_EQ(s.update_id(), 210);
}

TEST(BookSync, BinanceGapRestartsFromASnapshotBufferingFromTheGap) {
  book_sync s(venue_id::binance);
  s.on_message(binance_delta(1, 5));
  s.on_rest_snapshot(binance_snapshot(3));
  ASSERT_TRUE(s.ready());
  auto r = s.on_message(binance_delta(7, 9));  // 6 is missing
  EXPECT_EQ(r.outcome, sync_outcome::resync);
  EXPECT_EQ(r.reason, resync_reason::gap);
  EXPECT_EQ(r.action, rebuild_action::fetch_snapshot);
  EXPECT_FALSE(s.ready());
  EXPECT_TRUE(s.book().empty());
  EXPECT_EQ(s.buffered(), 1u);
  EXPECT_EQ(s.counters().of(resync_reason::gap), 1u);
  // Further events buffer without asking again; a fresh snapshot brings the book back.
  r = s.on_message(binance_delta(10, 12));
  EXPECT_EQ(r.outcome, sync_outcome::buffered);
  EXPECT_EQ(r.action, rebuild_action::none);
  EXPECT_EQ(s.on_rest_snapshot(binance_snapshot(8)).outcome, sync_outcome::applied);
  EXPECT_EQ(s.update_id(), 12);
  // A gap among the buffered events, past the snapshot: a gap too, found while joining.
  EXPECT_EQ(s.on_message(binance_delta(20, 22)).reason, resync_reason::gap);
  EXPECT_EQ(s.on_message(binance_delta(25, 27)).outcome, sync_outcome::buffered);
  EXPECT_EQ(s.on_rest_snapshot(binance_snapshot(22)).reason, resync_reason::gap);
  EXPECT_EQ(s.counters().of(resync_reason::gap), 3u);
}

TEST(BookSync, BinanceFuturesPuMustChainAfterTheFirstEvent) {
  book_sync s(venue_id::binance);
  book_message first = binance_delta(5, 9);
  first.has_prev = true;
  first.prev_id = 3;  // the first event's pu is not the snapshot's id: not checked
  s.on_message(first);
  EXPECT_EQ(s.on_rest_snapshot(binance_snapshot(6)).outcome, sync_outcome::applied);
  book_message next = binance_delta(10, 12);
  next.has_prev = true;
  next.prev_id = 8;  // should be 9
  EXPECT_EQ(s.on_message(next).reason, resync_reason::gap);
}

TEST(BookSync, CrossedBookResyncsTheVenuesWay) {
  book_sync s(venue_id::binance);
  s.on_message(binance_delta(1, 1));
  s.on_rest_snapshot(binance_snapshot(1));
  auto r = s.on_message(binance_delta(2, 2, {{"101.5", "1"}}));
  EXPECT_EQ(r.outcome, sync_outcome::resync);
  EXPECT_EQ(r.reason, resync_reason::crossed);
  EXPECT_EQ(r.action, rebuild_action::fetch_snapshot);
  EXPECT_EQ(s.counters().of(resync_reason::crossed), 1u);

  book_sync c(venue_id::coinbase);
  EXPECT_EQ(c.on_message(msg(book_msg_kind::snapshot, {{"10", "1"}}, {{"11", "1"}})).outcome,
            sync_outcome::applied);
  r = c.on_message(msg(book_msg_kind::delta, {}, {{"9", "1"}}));
  EXPECT_EQ(r.reason, resync_reason::crossed);
  EXPECT_EQ(r.action, rebuild_action::resubscribe);
  // A crossed snapshot is refused too.
  r = c.on_message(msg(book_msg_kind::snapshot, {{"12", "1"}}, {{"11", "1"}}));
  EXPECT_EQ(r.reason, resync_reason::crossed);
  EXPECT_FALSE(c.ready());
}

book_message okx(book_msg_kind kind, std::int64_t prev, std::int64_t seq, levels bids = {},
                 levels asks = {}) {
  book_message m = msg(kind, bids, asks);
  m.has_prev = true;
  m.prev_id = prev;
  m.last_id = seq;
  return m;
}

// OKX API v5, "WS / Order book channel": prevSeqId of each update is the previous seqId.
TEST(BookSync, OkxChainsSeqIdsAndResubscribesOnAGap) {
  book_sync s(venue_id::okx);
  EXPECT_EQ(
      s.on_message(okx(book_msg_kind::snapshot, -1, 100, {{"10", "1"}}, {{"11", "1"}})).outcome,
      sync_outcome::applied);
  EXPECT_EQ(s.on_message(okx(book_msg_kind::delta, 100, 105, {{"10", "2"}})).outcome,
            sync_outcome::applied);
  // No change since the last push: seqId == prevSeqId, still chained.
  EXPECT_EQ(s.on_message(okx(book_msg_kind::delta, 105, 105)).outcome, sync_outcome::applied);
  // A sequence reset (maintenance): seqId below prevSeqId, prevSeqId still chained.
  EXPECT_EQ(s.on_message(okx(book_msg_kind::delta, 105, 3)).outcome, sync_outcome::applied);
  EXPECT_EQ(s.update_id(), 3);
  const auto r = s.on_message(okx(book_msg_kind::delta, 7, 9));
  EXPECT_EQ(r.outcome, sync_outcome::resync);
  EXPECT_EQ(r.reason, resync_reason::gap);
  EXPECT_EQ(r.action, rebuild_action::resubscribe);
  // After the resubscribe, the snapshot brings it back.
  EXPECT_EQ(
      s.on_message(okx(book_msg_kind::snapshot, -1, 50, {{"10", "1"}}, {{"11", "1"}})).outcome,
      sync_outcome::applied);
  EXPECT_EQ(s.counters().of(resync_reason::gap), 1u);
}

// OKX's announced delisting of the initial snapshot: updates buffered, the REST snapshot
// joined by prevSeqId <= snapshot seqId < seqId; an older snapshot is stale.
TEST(BookSync, OkxJoinsARestSnapshotWhenNoWebSocketSnapshotCame) {
  book_sync s(venue_id::okx);
  auto r = s.on_message(okx(book_msg_kind::delta, 200, 210, {{"10", "3"}}));
  EXPECT_EQ(r.outcome, sync_outcome::buffered);
  EXPECT_EQ(r.action, rebuild_action::fetch_snapshot);
  s.on_message(okx(book_msg_kind::delta, 210, 220, {{"10", "4"}}));
  book_message old = okx(book_msg_kind::snapshot, 0, 150, {{"10", "1"}}, {{"11", "1"}});
  old.has_prev = false;
  r = s.on_rest_snapshot(old);
  EXPECT_EQ(r.reason, resync_reason::stale_snapshot);
  book_message good = okx(book_msg_kind::snapshot, 0, 205, {{"10", "1"}}, {{"11", "1"}});
  good.has_prev = false;
  r = s.on_rest_snapshot(good);
  EXPECT_EQ(r.outcome, sync_outcome::applied);
  EXPECT_EQ(s.update_id(), 220);
  EXPECT_EQ(s.book().bids()[0].size.to_string(), "4");
}

book_message bybit(book_msg_kind kind, std::int64_t u, levels bids = {}, levels asks = {}) {
  book_message m = msg(kind, bids, asks);
  m.last_id = u;
  return m;
}

// bybit-exchange.github.io/docs/v5/websocket/public/orderbook.
TEST(BookSync, BybitSnapshotReplacesDeltasChainAndUEqualsOneIsASnapshot) {
  book_sync s(venue_id::bybit);
  // A delta before any snapshot: out of order once, then ignored until the resubscribe.
  auto r = s.on_message(bybit(book_msg_kind::delta, 5));
  EXPECT_EQ(r.reason, resync_reason::out_of_order);
  EXPECT_EQ(r.action, rebuild_action::resubscribe);
  EXPECT_EQ(s.on_message(bybit(book_msg_kind::delta, 6)).outcome, sync_outcome::ignored);
  EXPECT_EQ(s.counters().of(resync_reason::out_of_order), 1u);
  EXPECT_EQ(s.on_message(bybit(book_msg_kind::snapshot, 100, {{"10", "1"}}, {{"11", "1"}})).outcome,
            sync_outcome::applied);
  EXPECT_EQ(s.on_message(bybit(book_msg_kind::delta, 101, {{"9", "1"}})).outcome,
            sync_outcome::applied);
  EXPECT_EQ(s.on_message(bybit(book_msg_kind::delta, 101)).outcome, sync_outcome::ignored);
  // A new snapshot replaces the book whatever it held.
  EXPECT_EQ(s.on_message(bybit(book_msg_kind::snapshot, 400, {{"20", "1"}}, {{"21", "1"}})).outcome,
            sync_outcome::applied);
  EXPECT_EQ(s.book().bids().size(), 1u);
  // u = 1: the service restarted; a snapshot even in a delta's clothing.
  EXPECT_EQ(s.on_message(bybit(book_msg_kind::delta, 1, {{"30", "1"}}, {{"31", "1"}})).outcome,
            sync_outcome::applied);
  EXPECT_EQ(s.book().bids()[0].price.to_string(), "30");
  EXPECT_EQ(s.book().bids().size(), 1u);
  r = s.on_message(bybit(book_msg_kind::delta, 3));
  EXPECT_EQ(r.reason, resync_reason::gap);
  EXPECT_EQ(r.action, rebuild_action::resubscribe);
}

TEST(BookSync, KrakenVerifiesTheChecksumAndTruncatesToTheSubscribedDepth) {
  book_parser p(venue_id::kraken);
  book_frame f;
  // docs.kraken.com, "Book checksum (WebSocket v2)", worked example (checksum 3310070434).
  ASSERT_EQ(p.parse(R"({"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",
    "bids":[{"price":45283.5,"qty":0.10000000},{"price":45283.4,"qty":1.54582015},
      {"price":45282.1,"qty":0.10000000},{"price":45281.0,"qty":0.10000000},
      {"price":45280.3,"qty":1.54592586},{"price":45279.0,"qty":0.07990000},
      {"price":45277.6,"qty":0.03310103},{"price":45277.5,"qty":0.30000000},
      {"price":45277.3,"qty":1.54602737},{"price":45276.6,"qty":0.15445238}],
    "asks":[{"price":45285.2,"qty":0.00100000},{"price":45286.4,"qty":1.54571953},
      {"price":45286.6,"qty":1.54571109},{"price":45289.6,"qty":1.54560911},
      {"price":45290.2,"qty":0.15890660},{"price":45291.8,"qty":1.54553491},
      {"price":45294.7,"qty":0.04454749},{"price":45296.1,"qty":0.35380000},
      {"price":45297.5,"qty":0.09945542},{"price":45299.5,"qty":0.18772827}],
    "checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]})",
                    f),
            feed_errc::ok);
  sync_options o;
  o.depth = 10;
  book_sync s(venue_id::kraken, o);
  s.set_precision(1, 8);
  ASSERT_EQ(s.on_message(f[0]).outcome, sync_outcome::applied);
  // An insert at the top pushes the 11th bid out (truncation); the venue's checksum is of the
  // truncated book.
  book_message up = msg(book_msg_kind::delta, {{"45283.6", "0.5"}}, {});
  up.has_checksum = true;
  order_book expect(10);
  expect.apply_snapshot(s.book().bids(), s.book().asks());
  expect.apply(book_side::bid, dec("45283.6"), dec("0.5"));
  ASSERT_TRUE(kraken_checksum(expect, 1, 8, up.checksum));
  EXPECT_EQ(s.on_message(up).outcome, sync_outcome::applied);
  EXPECT_EQ(s.book().bids().size(), 10u);
  EXPECT_EQ(s.book().bids().back().price.to_string(), "45277.3");
  // A level entering below the 10th and the best deleted, in one message: Kraken truncates
  // after the update, so the new 10th is the level it sent (seen from tickerd-sim, whose
  // checksum failed when each insert evicted the 10th at once).
  book_message refill = msg(book_msg_kind::delta, {{"45270.0", "0.25"}, {"45283.6", "0"}}, {});
  refill.has_checksum = true;
  order_book after(10);
  after.apply_snapshot(s.book().bids(), s.book().asks());
  after.apply(book_side::bid, dec("45283.6"), dec("0"));
  after.apply(book_side::bid, dec("45270.0"), dec("0.25"));
  ASSERT_TRUE(kraken_checksum(after, 1, 8, refill.checksum));
  EXPECT_EQ(s.on_message(refill).outcome, sync_outcome::applied);
  EXPECT_EQ(s.book().bids().back().price.to_string(), "45270.0");
  // A wrong checksum: resync, resubscribe.
  book_message bad = msg(book_msg_kind::delta, {{"45283.6", "0.6"}}, {});
  bad.has_checksum = true;
  bad.checksum = up.checksum;
  const auto r = s.on_message(bad);
  EXPECT_EQ(r.reason, resync_reason::checksum);
  EXPECT_EQ(r.action, rebuild_action::resubscribe);
  EXPECT_EQ(s.counters().of(resync_reason::checksum), 1u);
  // A snapshot whose checksum fails is refused as well.
  book_message snap = f[0];
  snap.checksum ^= 1u;
  EXPECT_EQ(s.on_message(snap).reason, resync_reason::checksum);
  EXPECT_EQ(s.on_message(f[0]).outcome, sync_outcome::applied);
}

TEST(BookSync, CoinbaseNeedsItsSnapshotFirstAndResetForgetsTheBook) {
  book_sync s(venue_id::coinbase);
  auto r = s.on_message(msg(book_msg_kind::delta, {{"10", "1"}}, {}));
  EXPECT_EQ(r.reason, resync_reason::out_of_order);
  EXPECT_EQ(r.action, rebuild_action::resubscribe);
  EXPECT_EQ(s.on_message(msg(book_msg_kind::snapshot, {{"10", "1"}}, {{"11", "1"}})).outcome,
            sync_outcome::applied);
  EXPECT_EQ(s.on_message(msg(book_msg_kind::delta, {{"10", "0"}}, {{"11.5", "2"}})).outcome,
            sync_outcome::applied);
  EXPECT_TRUE(s.book().bids().empty());
  EXPECT_EQ(s.book().asks().size(), 2u);
  EXPECT_EQ(s.counters().level_changes, 2u);
  s.reset();
  EXPECT_EQ(s.status(), book_status::connecting);
  EXPECT_TRUE(s.book().empty());
  EXPECT_EQ(s.counters().of(resync_reason::out_of_order), 1u);  // counters survive a reconnect
}

}  // namespace
}  // namespace tickerd::book
