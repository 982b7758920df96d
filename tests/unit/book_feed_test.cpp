// book_feed and the adapters' book subscriptions: what a feed with streams "book" sends to each
// venue, and what book_feed makes of each venue's documented depth messages (the examples of
// book_parsers_test, in the order a connection delivers them): the book_changes it reports, the
// rebuild it asks for (resubscribe frames, a REST snapshot), and the feed counters.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/feeds/book_feed.hpp"
#include "tickerd/feeds/venue_adapter.hpp"
#include "tickerd/market/book/book_sync.hpp"
#include "tickerd/market/book/order_book.hpp"

namespace tickerd {
namespace {

symbol_map one(std::string native) {
  symbol_map m;
  m.add(std::move(native), 0);
  return m;
}

std::uint64_t get(const std::atomic<std::uint64_t>& a) {
  return a.load();
}

struct fixture {
  fixture(venue_id venue, std::string native) : symbols(one(std::move(native))) {
    books = std::make_unique<book_feed>(venue, symbols, stats);
  }
  // One frame; returns its book_changes.
  std::vector<book_change> frame(std::string_view text, feed_errc expect = feed_errc::ok) {
    std::vector<book_change> out;
    bool control = false;
    EXPECT_TRUE(books->claims(text)) << text;
    EXPECT_EQ(books->on_frame(text, ++now_us, out, control), expect) << text;
    return out;
  }
  std::vector<std::string> frames() {
    std::vector<std::string> out;
    books->take_frames(out);
    return out;
  }
  std::vector<book_snapshot_request> requests() {
    std::vector<book_snapshot_request> out;
    books->take_snapshot_requests(out);
    return out;
  }
  symbol_map symbols;
  feed_stats stats;
  std::unique_ptr<book_feed> books;
  std::int64_t now_us = 1'000'000;
};

// ---- subscriptions ---------------------------------------------------------------------------

TEST(BookFeedSubscribe, EachVenueSubscribesItsDepthStreamWhenAskedOnly) {
  const auto binance = make_venue_adapter(venue_id::binance, one("BTCUSDT"), fs_ticker | fs_book);
  EXPECT_EQ(binance->target("/stream"), "/stream?streams=btcusdt@ticker/btcusdt@depth@100ms");
  EXPECT_EQ(make_venue_adapter(venue_id::binance, one("BTCUSDT"), fs_ticker)->target("/stream"),
            "/stream?streams=btcusdt@ticker");

  const auto okx = make_venue_adapter(venue_id::okx, one("BTC-USDT"), fs_book);
  EXPECT_EQ(okx->subscribe_messages(),
            std::vector<std::string>{
                R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"});

  const auto bybit = make_venue_adapter(venue_id::bybit, one("BTCUSDT"), fs_book);
  ASSERT_EQ(bybit->subscribe_messages().size(), 1u);
  EXPECT_NE(bybit->subscribe_messages()[0].find(R"("orderbook.50.BTCUSDT")"), std::string::npos);

  const auto kraken = make_venue_adapter(venue_id::kraken, one("BTC/USD"), fs_book);
  EXPECT_EQ(
      kraken->subscribe_messages(),
      (std::vector<std::string>{
          R"({"method":"subscribe","params":{"channel":"instrument","snapshot":true},"req_id":4})",
          R"({"method":"subscribe","params":{"channel":"book","depth":100,"symbol":["BTC/USD"]},"req_id":3})"}));

  const auto coinbase = make_venue_adapter(venue_id::coinbase, one("BTC-USD"), fs_book);
  ASSERT_EQ(coinbase->subscribe_messages().size(), 1u);
  EXPECT_NE(coinbase->subscribe_messages()[0].find(
                R"({"name":"level2_batch","product_ids":["BTC-USD"]})"),
            std::string::npos);
  // The ticker too: the book checks its top against it (level2_batch has no sequence).
  EXPECT_NE(
      coinbase->subscribe_messages()[0].find(R"({"name":"ticker","product_ids":["BTC-USD"]})"),
      std::string::npos);
  const auto no_book = make_venue_adapter(venue_id::coinbase, one("BTC-USD"), fs_ticker);
  EXPECT_EQ(no_book->subscribe_messages()[0].find("level2"), std::string::npos);
}

TEST(BookFeedSubscribe, StreamNameBookIsTheBookBit) {
  EXPECT_EQ(feed_stream_from_name("book"), fs_book);
  EXPECT_NE(all_feed_streams & fs_book, 0);
}

// ---- Binance: diff depth joined to the REST snapshot -----------------------------------------

// developers.binance.com, "Diff. Depth Stream" and "Order book" examples, ids shifted to join.
constexpr std::string_view binance_first = R"({"stream":"bnbbtc@depth@100ms","data":{
  "e": "depthUpdate", "E": 1672515782136, "s": "BNBBTC", "U": 157, "u": 160,
  "b": [["0.0024", "10"]], "a": [["0.0026", "100"]]}})";
constexpr std::string_view binance_next = R"({"stream":"bnbbtc@depth@100ms","data":{
  "e": "depthUpdate", "E": 1672515782236, "s": "BNBBTC", "U": 161, "u": 162,
  "b": [["0.0023", "5"]], "a": []}})";
constexpr std::string_view binance_after_gap = R"({"stream":"bnbbtc@depth@100ms","data":{
  "e": "depthUpdate", "E": 1672515782336, "s": "BNBBTC", "U": 170, "u": 171,
  "b": [["0.0023", "0"]], "a": []}})";
const std::string binance_rest = R"({
  "lastUpdateId": 158,
  "bids": [["0.0024", "431.00000000"]],
  "asks": [["0.0026", "12.00000000"]]
})";

TEST(BookFeed, BinanceFetchesTheSnapshotJoinsItAndRefetchesAfterAGap) {
  fixture f(venue_id::binance, "bnbbtc");
  EXPECT_FALSE(f.books->claims(R"({"stream":"bnbbtc@ticker","data":{"e":"24hrTicker"}})"));
  EXPECT_TRUE(f.frame(binance_first).empty());  // buffered: no book yet
  auto r = f.requests();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].symbol, "bnbbtc");
  EXPECT_EQ(r[0].target, "/api/v3/depth?symbol=BNBBTC&limit=1000");
  EXPECT_TRUE(f.frame(binance_next).empty());
  EXPECT_TRUE(f.requests().empty());  // one request in flight

  std::vector<book_change> out;
  f.books->on_snapshot("bnbbtc", &binance_rest, 5, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::ready);
  EXPECT_EQ(out[0].venue, venue_id::binance);
  EXPECT_EQ(out[0].instrument, instrument_id{0});
  EXPECT_EQ(out[0].update_id, 162u);  // both buffered events applied past lastUpdateId 158
  ASSERT_NE(out[0].book, nullptr);
  EXPECT_EQ(out[0].book->bids()[0].size.to_string(), "10");  // the event's, after the snapshot
  EXPECT_EQ(out[0].book->bids()[1].price.to_string(), "0.0023");
  EXPECT_EQ(get(f.stats.books_ready), 1u);
  EXPECT_EQ(get(f.stats.book_snapshots), 1u);

  // A gap (U 170 > 162 + 1): resyncing, a fresh snapshot asked for.
  out = f.frame(binance_after_gap);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::resyncing);
  EXPECT_EQ(get(f.stats.book_resyncs_gap), 1u);
  EXPECT_EQ(get(f.stats.books_ready), 0u);
  ASSERT_EQ(f.requests().size(), 1u);
  // The answer fails: asked again at a message no sooner than a second later.
  out.clear();
  f.books->on_snapshot("bnbbtc", nullptr, f.now_us, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(get(f.stats.book_snapshot_errors), 1u);
  f.frame(R"({"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BNBBTC",
    "U":172,"u":172,"b":[],"a":[]}})");
  EXPECT_TRUE(f.requests().empty());
  f.now_us += book_feed::snapshot_retry_us;
  f.frame(R"({"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BNBBTC",
    "U":173,"u":173,"b":[],"a":[]}})");
  EXPECT_EQ(f.requests().size(), 1u);
}

TEST(BookFeed, BinanceStaleSnapshotIsCountedAndFetchedAgain) {
  fixture f(venue_id::binance, "BNBBTC");
  f.frame(binance_first);
  ASSERT_EQ(f.requests().size(), 1u);
  const std::string stale = R"({"lastUpdateId": 100, "bids": [["0.0024","1"]], "asks": []})";
  std::vector<book_change> out;
  f.books->on_snapshot("BNBBTC", &stale, 5, out);
  EXPECT_TRUE(out.empty());  // never ready: nothing to withdraw
  EXPECT_EQ(get(f.stats.book_resyncs_stale_snapshot), 1u);
  EXPECT_EQ(f.requests().size(), 1u);
  f.books->on_snapshot("BNBBTC", &binance_rest, 6, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::ready);
}

TEST(BookFeed, ALostConnectionReportsReadyBooksResyncingAndForgetsThem) {
  fixture f(venue_id::binance, "BNBBTC");
  f.frame(binance_first);
  f.requests();
  std::vector<book_change> out;
  f.books->on_snapshot("BNBBTC", &binance_rest, 5, out);
  out.clear();
  f.books->on_connection_lost(9, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::resyncing);
  EXPECT_EQ(out[0].recv_ts_us, 9);
  EXPECT_EQ(get(f.stats.books_ready), 0u);
  EXPECT_FALSE(f.books->sync("BNBBTC")->ready());
  out.clear();
  f.books->on_connection_lost(10, out);  // not ready: nothing more to say
  EXPECT_TRUE(out.empty());
  // The new connection's first event asks for a snapshot again.
  f.frame(binance_first);
  EXPECT_EQ(f.requests().size(), 1u);
}

// ---- OKX: the seqId chain --------------------------------------------------------------------

constexpr std::string_view okx_snapshot = R"({
  "arg": {"channel": "books", "instId": "BTC-USDT"},
  "action": "snapshot",
  "data": [{
    "asks": [["8476.98", "415", "0", "13"], ["8477", "7", "0", "2"]],
    "bids": [["8476.97", "256", "0", "12"], ["8475.55", "101", "0", "1"]],
    "ts": "1597026383085", "checksum": -855196043, "prevSeqId": -1, "seqId": 123456
  }]
})";

TEST(BookFeed, OkxChainsSeqIdsAndResubscribesOnAGap) {
  fixture f(venue_id::okx, "BTC-USDT");
  std::vector<book_change> out;
  bool control = false;
  ASSERT_EQ(
      f.books->on_frame(
          R"({"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a"})", 1,
          out, control),
      feed_errc::ok);
  EXPECT_TRUE(control);
  out = f.frame(okx_snapshot);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::ready);
  EXPECT_EQ(out[0].update_id, 123456u);
  EXPECT_EQ(out[0].exchange_ts_us, 1597026383085000);
  out = f.frame(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{
    "asks":[],"bids":[["8476.97","0","0","0"]],"ts":"1597026383185","checksum":0,
    "prevSeqId":123456,"seqId":123460}]})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::ready);
  EXPECT_EQ(out[0].book->bids()[0].price.to_string(), "8475.55");
  EXPECT_EQ(get(f.stats.book_level_changes), 1u);
  // prevSeqId names a push never received: resync by resubscribing that instrument.
  out = f.frame(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{
    "asks":[],"bids":[["8475.55","1","0","1"]],"ts":"1597026383285","checksum":0,
    "prevSeqId":123470,"seqId":123471}]})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::resyncing);
  EXPECT_EQ(get(f.stats.book_resyncs_gap), 1u);
  EXPECT_EQ(f.frames(),
            (std::vector<std::string>{
                R"({"op":"unsubscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})",
                R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"}));
  EXPECT_TRUE(f.requests().empty());
  out = f.frame(okx_snapshot);  // the resubscription's snapshot
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::ready);
  EXPECT_EQ(get(f.stats.book_snapshots), 2u);
}

// ---- Bybit: snapshot and deltas by u ---------------------------------------------------------

constexpr std::string_view bybit_snapshot = R"({
  "topic": "orderbook.50.BTCUSDT", "type": "snapshot", "ts": 1672304484978,
  "data": {"s": "BTCUSDT", "b": [["16493.50", "0.006"], ["16493.00", "0.100"]],
           "a": [["16611.00", "0.029"], ["16612.00", "0.213"]], "u": 18521288, "seq": 7961638724},
  "cts": 1672304484976
})";

TEST(BookFeed, BybitAppliesDeltasByUAndResubscribesOnAGapOrACrossedBook) {
  fixture f(venue_id::bybit, "BTCUSDT");
  auto out = f.frame(bybit_snapshot);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::ready);
  out = f.frame(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1672304485000,
    "data":{"s":"BTCUSDT","b":[["16493.50","0"]],"a":[],"u":18521289,"seq":7961638800}})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].book->bids()[0].price.to_string(), "16493.00");
  // A duplicate changes nothing: nothing reported.
  out = f.frame(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1672304485000,
    "data":{"s":"BTCUSDT","b":[["16493.50","0"]],"a":[],"u":18521289,"seq":7961638800}})");
  EXPECT_TRUE(out.empty());
  // A bid at the best ask: crossed.
  out = f.frame(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1672304485100,
    "data":{"s":"BTCUSDT","b":[["16611.00","1"]],"a":[],"u":18521290,"seq":7961638900}})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::resyncing);
  EXPECT_EQ(get(f.stats.book_resyncs_crossed), 1u);
  EXPECT_EQ(f.frames(),
            (std::vector<std::string>{R"({"op":"unsubscribe","args":["orderbook.50.BTCUSDT"]})",
                                      R"({"op":"subscribe","args":["orderbook.50.BTCUSDT"]})"}));
  EXPECT_EQ(f.frame(bybit_snapshot).at(0).state, book_state::ready);
  // u skips: a gap.
  out = f.frame(R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1672304485200,
    "data":{"s":"BTCUSDT","b":[],"a":[["16612.00","0"]],"u":18521295,"seq":7961639000}})");
  EXPECT_EQ(out.at(0).state, book_state::resyncing);
  EXPECT_EQ(get(f.stats.book_resyncs_gap), 1u);
  EXPECT_EQ(f.frames().size(), 2u);
}

// ---- Kraken: the checksum over the instrument channel's precisions ---------------------------

// docs.kraken.com, "Book checksum (WebSocket v2)", the worked example (checksum 3310070434).
constexpr std::string_view kraken_snapshot =
    R"({"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",
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
    "checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]})";

TEST(BookFeed, KrakenReadsPrecisionsChecksTheChecksumAndResubscribesOnAMismatch) {
  fixture f(venue_id::kraken, "BTC/USD");
  std::vector<book_change> out;
  bool control = false;
  const std::string_view instruments = R"({"channel":"instrument","type":"snapshot","data":{
    "assets":[],"pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online",
    "qty_precision":8,"qty_increment":0.00000001,"price_precision":1,"price_increment":0.1,
    "cost_precision":5,"marginable":true,"has_index":true}]}})";
  ASSERT_TRUE(f.books->claims(instruments));
  ASSERT_EQ(f.books->on_frame(instruments, 1, out, control), feed_errc::ok);
  EXPECT_TRUE(control);
  out = f.frame(kraken_snapshot);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::ready);
  EXPECT_EQ(out[0].exchange_ts_us, 1696613755440295);
  // The checksum of the book after this update is not 1: resync, resubscribe.
  out = f.frame(R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD",
    "bids":[{"price":45283.5,"qty":0.2}],"asks":[],"checksum":1,
    "timestamp":"2023-10-06T17:35:56.000000Z"}]})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::resyncing);
  EXPECT_EQ(get(f.stats.book_resyncs_checksum), 1u);
  EXPECT_EQ(
      f.frames(),
      (std::vector<std::string>{
          R"({"method":"unsubscribe","params":{"channel":"book","depth":100,"symbol":["BTC/USD"]},"req_id":3})",
          R"({"method":"subscribe","params":{"channel":"book","depth":100,"symbol":["BTC/USD"]},"req_id":3})"}));
  EXPECT_EQ(f.frame(kraken_snapshot).at(0).state, book_state::ready);
}

// ---- Coinbase: snapshot then l2update --------------------------------------------------------

TEST(BookFeed, CoinbaseNeedsItsSnapshotFirstThenAppliesL2Updates) {
  fixture f(venue_id::coinbase, "BTC-USD");
  // docs.cdp.coinbase.com, Exchange "Level2 Channel" examples.
  const std::string_view update = R"({"type":"l2update","product_id":"BTC-USD",
      "changes":[["buy","10101.80000000","0.162567"],["sell","10102.55","0"]],
      "time":"2019-08-14T20:42:27.265Z"})";
  // An update before any snapshot: out of order, resubscribe.
  auto out = f.frame(update);
  EXPECT_TRUE(out.empty());  // was never ready
  EXPECT_EQ(get(f.stats.book_resyncs_out_of_order), 1u);
  EXPECT_EQ(
      f.frames(),
      (std::vector<std::string>{
          R"({"type":"unsubscribe","channels":[{"name":"level2_batch","product_ids":["BTC-USD"]}]})",
          R"({"type":"subscribe","channels":[{"name":"level2_batch","product_ids":["BTC-USD"]}]})"}));
  out = f.frame(R"({"type":"snapshot","product_id":"BTC-USD",
      "bids":[["10101.10","0.45054140"]],"asks":[["10102.55","0.57753524"],["10103","1"]]})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::ready);
  out = f.frame(update);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].book->bids()[0].price.to_string(), "10101.80000000");
  EXPECT_EQ(out[0].book->asks()[0].price.to_string(), "10103");
  EXPECT_EQ(get(f.stats.book_level_changes), 2u);
  EXPECT_EQ(get(f.stats.books_ready), 1u);
  EXPECT_FALSE(f.books->claims(R"({"type":"ticker","product_id":"BTC-USD"})"));
}

// The ticker is the adapter's frame (not claimed) that the books also check: a dropped
// l2update shows as a book the ticker contradicts once a later-stamped l2update arrives.
TEST(BookFeed, CoinbaseChecksItsBookAgainstTheTickerAndResubscribesOnALostUpdate) {
  fixture f(venue_id::coinbase, "BTC-USD");
  const auto ticker = [&](std::string_view bid, std::string_view time) {
    const std::string text =
        R"({"type":"ticker","sequence":1,"product_id":"BTC-USD","best_bid":")" + std::string(bid) +
        R"(","best_bid_size":"1","best_ask":"10103",)" + R"("best_ask_size":"1","time":")" +
        std::string(time) + R"("})";
    EXPECT_FALSE(f.books->claims(text));
    EXPECT_TRUE(f.books->checks(text));
    std::vector<book_change> out;
    bool control = false;
    EXPECT_EQ(f.books->on_frame(text, ++f.now_us, out, control), feed_errc::ok);
    EXPECT_TRUE(out.empty());  // a ticker never changes a book
  };
  const auto update = [](std::string_view bid, std::string_view time) {
    return R"({"type":"l2update","product_id":"BTC-USD","changes":[["buy",")" + std::string(bid) +
           R"(","1"]],"time":")" + std::string(time) + R"("})";
  };
  f.frame(
      R"({"type":"snapshot","product_id":"BTC-USD","bids":[["10101","1"]],"asks":[["10103","1"]]})");
  f.frame(update("10100", "2026-01-01T00:00:01.000000Z"));
  // Healthy: the update, then the ticker stating it, then the next update.
  f.frame(update("10102", "2026-01-01T00:00:02.000000Z"));
  ticker("10102", "2026-01-01T00:00:02.000000Z");
  EXPECT_EQ(f.frame(update("10099", "2026-01-01T00:00:03.000000Z")).at(0).state, book_state::ready);
  // Lost: {buy 10102.5 1} at 00:00:04; its ticker says so; the next update cannot explain it.
  ticker("10102.5", "2026-01-01T00:00:04.000000Z");
  const auto out = f.frame(update("10098", "2026-01-01T00:00:05.000000Z"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, book_state::resyncing);
  EXPECT_EQ(get(f.stats.book_resyncs_gap), 1u);
  EXPECT_EQ(
      f.frames(),
      (std::vector<std::string>{
          R"({"type":"unsubscribe","channels":[{"name":"level2_batch","product_ids":["BTC-USD"]}]})",
          R"({"type":"subscribe","channels":[{"name":"level2_batch","product_ids":["BTC-USD"]}]})"}));
}

}  // namespace
}  // namespace tickerd
