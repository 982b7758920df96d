// The venues' depth parsers on their documented examples (each frame names its doc page), the
// control frames and the malformed ones; and Kraken's checksum on its documented worked example.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tickerd/market/book/book_parsers.hpp"
#include "tickerd/market/book/kraken_checksum.hpp"
#include "tickerd/market/book/order_book.hpp"

namespace tickerd::book {
namespace {

std::vector<std::string> render(const std::vector<book_level>& side) {
  std::vector<std::string> out;
  for (const auto& l : side) out.push_back(l.price.to_string() + "@" + l.size.to_string());
  return out;
}

// developers.binance.com, spot "WebSocket Streams", "Diff. Depth Stream", payload verbatim
// (comments removed), as a combined stream delivers it.
constexpr std::string_view binance_depth = R"({"stream":"bnbbtc@depth@100ms","data":{
  "e": "depthUpdate", "E": 1672515782136, "s": "BNBBTC", "U": 157, "u": 160,
  "b": [["0.0024", "10"]], "a": [["0.0026", "100"]]}})";

// developers.binance.com, spot REST "Market Data endpoints", "Order book", response verbatim.
constexpr std::string_view binance_rest = R"({
  "lastUpdateId": 1027024,
  "bids": [["4.00000000", "431.00000000"]],
  "asks": [["4.00000200", "12.00000000"]]
})";

TEST(BookParsers, BinanceDiffDepthFromTheDocs) {
  book_parser p(venue_id::binance);
  book_frame f;
  ASSERT_EQ(p.parse(binance_depth, f), feed_errc::ok);
  ASSERT_EQ(f.count, 1u);
  const book_message& m = f[0];
  EXPECT_EQ(m.kind, book_msg_kind::delta);
  EXPECT_EQ(m.symbol, "BNBBTC");
  EXPECT_EQ(m.first_id, 157);
  EXPECT_EQ(m.last_id, 160);
  EXPECT_FALSE(m.has_prev);
  EXPECT_EQ(m.exchange_ts_us, 1672515782136000);
  EXPECT_EQ(render(m.bids), (std::vector<std::string>{"0.0024@10"}));
  EXPECT_EQ(render(m.asks), (std::vector<std::string>{"0.0026@100"}));
  // The raw stream (no envelope) and a futures event with pu.
  ASSERT_EQ(
      p.parse(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":6,"pu":4,"b":[],"a":[]})", f),
      feed_errc::ok);
  EXPECT_TRUE(f[0].has_prev);
  EXPECT_EQ(f[0].prev_id, 4);
  ASSERT_EQ(p.parse(R"({"result":null,"id":1})", f), feed_errc::ok);
  EXPECT_TRUE(f.control);
  EXPECT_EQ(f.count, 0u);
}

TEST(BookParsers, BinanceRestSnapshotFromTheDocs) {
  book_parser p(venue_id::binance);
  book_message m;
  ASSERT_EQ(p.parse_binance_snapshot(binance_rest, m), feed_errc::ok);
  EXPECT_EQ(m.kind, book_msg_kind::snapshot);
  EXPECT_EQ(m.last_id, 1027024);
  EXPECT_EQ(render(m.bids), (std::vector<std::string>{"4.00000000@431.00000000"}));
  EXPECT_EQ(render(m.asks), (std::vector<std::string>{"4.00000200@12.00000000"}));
  EXPECT_EQ(p.parse_binance_snapshot(R"({"code":-1121,"msg":"Invalid symbol."})", m),
            feed_errc::venue_error);
}

// OKX API v5, "WS / Order book channel", push data example (books, snapshot).
constexpr std::string_view okx_snapshot = R"({
  "arg": {"channel": "books", "instId": "BTC-USDT"},
  "action": "snapshot",
  "data": [{
    "asks": [["8476.98", "415", "0", "13"], ["8477", "7", "0", "2"], ["8477.34", "85", "0", "1"],
             ["8477.56", "1", "0", "1"], ["8505.84", "8", "0", "1"], ["8506.37", "85", "0", "1"],
             ["8506.49", "2", "0", "1"], ["8506.96", "100", "0", "2"]],
    "bids": [["8476.97", "256", "0", "12"], ["8475.55", "101", "0", "1"],
             ["8475.54", "100", "0", "1"], ["8475.3", "1", "0", "1"], ["8447.32", "6", "0", "1"],
             ["8447.02", "246", "0", "1"], ["8446.83", "24", "0", "1"], ["8446", "95", "0", "3"]],
    "ts": "1597026383085",
    "checksum": -855196043,
    "prevSeqId": -1,
    "seqId": 123456
  }]
})";

TEST(BookParsers, OkxBooksFromTheDocs) {
  book_parser p(venue_id::okx);
  book_frame f;
  ASSERT_EQ(p.parse(okx_snapshot, f), feed_errc::ok);
  ASSERT_EQ(f.count, 1u);
  const book_message& m = f[0];
  EXPECT_EQ(m.kind, book_msg_kind::snapshot);
  EXPECT_EQ(m.symbol, "BTC-USDT");
  EXPECT_EQ(m.last_id, 123456);
  EXPECT_TRUE(m.has_prev);
  EXPECT_EQ(m.prev_id, -1);
  EXPECT_FALSE(m.has_checksum);  // fixed at 0 since 2026-06-23: never read
  EXPECT_EQ(m.exchange_ts_us, 1597026383085000);
  EXPECT_EQ(m.asks.size(), 8u);
  EXPECT_EQ(m.bids.size(), 8u);
  EXPECT_EQ(m.bids.back().price.to_string(), "8446");
  // An update with the action after the data (any key order is read).
  ASSERT_EQ(p.parse(R"({"arg":{"channel":"books","instId":"ETH-USDT"},"data":[{"asks":[],
      "bids":[["2000.1","0","0","0"]],"ts":"1","checksum":0,"prevSeqId":10,"seqId":12}],
      "action":"update"})",
                    f),
            feed_errc::ok);
  EXPECT_EQ(f[0].kind, book_msg_kind::delta);
  EXPECT_EQ(f[0].symbol, "ETH-USDT");
  EXPECT_EQ(f[0].prev_id, 10);
  ASSERT_EQ(p.parse(R"({"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},
      "connId":"a4d3ae55"})",
                    f),
            feed_errc::ok);
  EXPECT_TRUE(f.control);
  ASSERT_EQ(p.parse("pong", f), feed_errc::ok);
  EXPECT_TRUE(f.control);
  EXPECT_EQ(p.parse(R"({"event":"error","code":"60012","msg":"Invalid request"})", f),
            feed_errc::venue_error);
}

// bybit-exchange.github.io/docs/v5/websocket/public/orderbook, response example.
constexpr std::string_view bybit_snapshot = R"({
  "topic": "orderbook.50.BTCUSDT",
  "type": "snapshot",
  "ts": 1672304484978,
  "data": {
    "s": "BTCUSDT",
    "b": [["16493.50", "0.006"], ["16493.00", "0.100"]],
    "a": [["16611.00", "0.029"], ["16612.00", "0.213"]],
    "u": 18521288,
    "seq": 7961638724
  },
  "cts": 1672304484976
})";

TEST(BookParsers, BybitOrderbookFromTheDocs) {
  book_parser p(venue_id::bybit);
  book_frame f;
  ASSERT_EQ(p.parse(bybit_snapshot, f), feed_errc::ok);
  ASSERT_EQ(f.count, 1u);
  const book_message& m = f[0];
  EXPECT_EQ(m.kind, book_msg_kind::snapshot);
  EXPECT_EQ(m.symbol, "BTCUSDT");
  EXPECT_EQ(m.last_id, 18521288);
  EXPECT_EQ(m.cross_seq, 7961638724);
  EXPECT_EQ(m.exchange_ts_us, 1672304484978000);
  EXPECT_EQ(render(m.bids), (std::vector<std::string>{"16493.50@0.006", "16493.00@0.100"}));
  ASSERT_EQ(p.parse(R"({"success":true,"ret_msg":"subscribe","conn_id":"x","op":"subscribe"})", f),
            feed_errc::ok);
  EXPECT_TRUE(f.control);
  EXPECT_EQ(p.parse(R"({"success":false,"ret_msg":"bad","op":"subscribe"})", f),
            feed_errc::venue_error);
}

// docs.kraken.com, "Book checksum (WebSocket v2)", the worked example's snapshot; its
// documented checksum is 3310070434 (BTC/USD: price_precision 1, qty_precision 8).
constexpr std::string_view kraken_example = R"({"channel":"book","type":"snapshot","data":[{
  "symbol": "BTC/USD",
  "bids": [
    {"price": 45283.5, "qty": 0.10000000}, {"price": 45283.4, "qty": 1.54582015},
    {"price": 45282.1, "qty": 0.10000000}, {"price": 45281.0, "qty": 0.10000000},
    {"price": 45280.3, "qty": 1.54592586}, {"price": 45279.0, "qty": 0.07990000},
    {"price": 45277.6, "qty": 0.03310103}, {"price": 45277.5, "qty": 0.30000000},
    {"price": 45277.3, "qty": 1.54602737}, {"price": 45276.6, "qty": 0.15445238}],
  "asks": [
    {"price": 45285.2, "qty": 0.00100000}, {"price": 45286.4, "qty": 1.54571953},
    {"price": 45286.6, "qty": 1.54571109}, {"price": 45289.6, "qty": 1.54560911},
    {"price": 45290.2, "qty": 0.15890660}, {"price": 45291.8, "qty": 1.54553491},
    {"price": 45294.7, "qty": 0.04454749}, {"price": 45296.1, "qty": 0.35380000},
    {"price": 45297.5, "qty": 0.09945542}, {"price": 45299.5, "qty": 0.18772827}],
  "checksum": 3310070434,
  "timestamp": "2023-10-06T17:35:55.440295Z"
}]})";

TEST(KrakenChecksum, Crc32IsZlibs) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  EXPECT_EQ(crc32(""), 0u);
}

TEST(KrakenChecksum, FieldsDropThePointAndLeadingZerosAtThePairsPrecision) {
  std::string out;
  decimal d;
  ASSERT_EQ(decimal::parse("0.001", d), decimal_errc::ok);
  ASSERT_TRUE(append_kraken_checksum_field(d, 8, out));
  EXPECT_EQ(out, "100000");  // "0.00100000" -> "000100000" -> "100000"
  out.clear();
  ASSERT_EQ(decimal::parse("45285.2", d), decimal_errc::ok);
  ASSERT_TRUE(append_kraken_checksum_field(d, 1, out));
  EXPECT_EQ(out, "452852");
  out.clear();
  ASSERT_EQ(decimal::parse("45285.25", d), decimal_errc::ok);
  EXPECT_FALSE(append_kraken_checksum_field(d, 1, out));  // finer than the pair's precision
}

TEST(KrakenChecksum, DocumentedWorkedExample) {
  book_parser p(venue_id::kraken);
  book_frame f;
  ASSERT_EQ(p.parse(kraken_example, f), feed_errc::ok);
  ASSERT_EQ(f.count, 1u);
  const book_message& m = f[0];
  EXPECT_EQ(m.kind, book_msg_kind::snapshot);
  EXPECT_EQ(m.symbol, "BTC/USD");
  ASSERT_TRUE(m.has_checksum);
  EXPECT_EQ(m.checksum, 3310070434u);
  EXPECT_EQ(m.bids[3].price.to_string(), "45281.0");  // the number's own text
  order_book b(10);
  b.apply_snapshot(m.bids, m.asks);
  std::uint32_t sum = 0;
  ASSERT_TRUE(kraken_checksum(b, 1, 8, sum));
  EXPECT_EQ(sum, 3310070434u);
  // The same book sent with trailing zeros dropped (0.1, 45281) gives the same checksum at the
  // pair's precision, and a different one as written: the precision is what makes it right.
  order_book short_text(10);
  std::vector<book_level> bids = m.bids;
  decimal tenth;
  ASSERT_EQ(decimal::parse("0.1", tenth), decimal_errc::ok);
  bids[0].size = tenth;
  short_text.apply_snapshot(bids, m.asks);
  ASSERT_TRUE(kraken_checksum(short_text, 1, 8, sum));
  EXPECT_EQ(sum, 3310070434u);
  ASSERT_TRUE(kraken_checksum(short_text, -1, -1, sum));
  EXPECT_NE(sum, 3310070434u);
}

TEST(BookParsers, KrakenUpdateInstrumentsAndControlFrames) {
  book_parser p(venue_id::kraken);
  book_frame f;
  // docs.kraken.com, spot WebSocket v2 "Book", update example.
  ASSERT_EQ(p.parse(R"({"channel":"book","type":"update","data":[{"symbol":"MATIC/USD",
      "bids":[{"price":0.5657,"qty":1098.3947558}],"asks":[],"checksum":2114181697,
      "timestamp":"2023-10-06T17:35:55.440295Z"}]})",
                    f),
            feed_errc::ok);
  ASSERT_EQ(f.count, 1u);
  EXPECT_EQ(f[0].kind, book_msg_kind::delta);
  EXPECT_EQ(render(f[0].bids), (std::vector<std::string>{"0.5657@1098.3947558"}));
  EXPECT_EQ(f[0].checksum, 2114181697u);
  ASSERT_EQ(p.parse(R"({"channel":"heartbeat"})", f), feed_errc::ok);
  EXPECT_TRUE(f.control);
  ASSERT_EQ(p.parse(R"({"method":"subscribe","result":{"channel":"book","symbol":"BTC/USD"},
      "success":true,"time_in":"2023-09-25T09:04:31.742599Z"})",
                    f),
            feed_errc::ok);
  EXPECT_TRUE(f.control);
  EXPECT_EQ(
      p.parse(R"({"method":"subscribe","success":false,"error":"Currency pair not supported"})", f),
      feed_errc::venue_error);
  std::vector<kraken_precision> precisions;
  // docs.kraken.com, spot WebSocket v2 "Instrument", snapshot example (one pair kept).
  ASSERT_EQ(p.parse_kraken_instruments(R"({"channel":"instrument","type":"snapshot","data":{
      "assets":[{"id":"BTC","status":"enabled","precision":10,"precision_display":5,
                 "borrowable":true,"collateral_value":1.0,"margin_rate":0.01}],
      "pairs":[{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online",
                "qty_precision":8,"qty_increment":0.00000001,"price_precision":1,
                "cost_precision":5,"marginable":true,"has_index":true,"cost_min":0.5,
                "margin_initial":0.2,"position_limit_long":250,"position_limit_short":200,
                "tick_size":0.1,"price_increment":0.1,"qty_min":0.0001}]}})",
                                       precisions),
            feed_errc::ok);
  ASSERT_EQ(precisions.size(), 1u);
  EXPECT_EQ(precisions[0].symbol, "BTC/USD");
  EXPECT_EQ(precisions[0].price_precision, 1);
  EXPECT_EQ(precisions[0].qty_precision, 8);
}

// docs.cdp.coinbase.com, Exchange WebSocket channels, "Level2 Channel": snapshot and l2update
// examples.
TEST(BookParsers, CoinbaseLevel2FromTheDocs) {
  book_parser p(venue_id::coinbase);
  book_frame f;
  ASSERT_EQ(p.parse(R"({"type":"snapshot","product_id":"BTC-USD",
      "bids":[["10101.10","0.45054140"]],"asks":[["10102.55","0.57753524"]]})",
                    f),
            feed_errc::ok);
  ASSERT_EQ(f.count, 1u);
  EXPECT_EQ(f[0].kind, book_msg_kind::snapshot);
  EXPECT_EQ(f[0].symbol, "BTC-USD");
  EXPECT_EQ(render(f[0].asks), (std::vector<std::string>{"10102.55@0.57753524"}));
  ASSERT_EQ(p.parse(R"({"type":"l2update","product_id":"BTC-USD",
      "changes":[["buy","10101.80000000","0.162567"],["sell","10102.55","0"]],
      "time":"2019-08-14T20:42:27.265Z"})",
                    f),
            feed_errc::ok);
  EXPECT_EQ(f[0].kind, book_msg_kind::delta);
  EXPECT_EQ(render(f[0].bids), (std::vector<std::string>{"10101.80000000@0.162567"}));
  EXPECT_EQ(render(f[0].asks), (std::vector<std::string>{"10102.55@0"}));
  EXPECT_EQ(f[0].exchange_ts_us, 1565815347265000);
  ASSERT_EQ(p.parse(R"({"type":"subscriptions","channels":[{"name":"level2_batch",
      "product_ids":["BTC-USD"]}]})",
                    f),
            feed_errc::ok);
  EXPECT_TRUE(f.control);
  EXPECT_EQ(p.parse(R"({"type":"error","message":"Failed to subscribe"})", f),
            feed_errc::venue_error);
}

TEST(BookParsers, MalformedFramesAreErrorsNotCrashes) {
  struct bad_case {
    venue_id venue;
    std::string_view frame;
    feed_errc want;
  };
  const bad_case cases[] = {
      {venue_id::binance, "{", feed_errc::invalid_json},
      {venue_id::binance, "[1,2]", feed_errc::unexpected_shape},
      {venue_id::binance, R"({"e":"depthUpdate","s":"X","U":2,"u":1,"b":[],"a":[]})",
       feed_errc::unexpected_shape},  // U > u
      {venue_id::binance, R"({"e":"depthUpdate","s":"X","U":1,"u":1,"b":[["-1","1"]],"a":[]})",
       feed_errc::bad_number},
      {venue_id::binance, R"({"e":"depthUpdate","s":"X","U":1,"u":1,"b":[["1","-1"]],"a":[]})",
       feed_errc::bad_number},
      {venue_id::binance, R"({"e":"depthUpdate","s":"X","U":1,"u":1,"b":[["1"]],"a":[]})",
       feed_errc::unexpected_shape},
      {venue_id::binance, R"({"e":"depthUpdate","s":"X","U":1,"u":1,"b":[["1x","1"]],"a":[]})",
       feed_errc::bad_number},
      {venue_id::binance, R"({"e":"trade","s":"X","U":1,"u":1,"b":[],"a":[]})",
       feed_errc::unexpected_shape},
      {venue_id::okx, R"({"arg":{"channel":"books","instId":"A"},"action":"snapshot"})",
       feed_errc::unexpected_shape},
      {venue_id::okx,
       R"({"arg":{"channel":"books","instId":"A"},"action":"x","data":[{"asks":[],"bids":[],"prevSeqId":1,"seqId":2}]})",
       feed_errc::unexpected_shape},
      {venue_id::bybit,
       R"({"topic":"orderbook.50.X","type":"delta","ts":1,"data":{"s":"X","b":[],"a":[]}})",
       feed_errc::unexpected_shape},  // no u
      {venue_id::kraken,
       R"({"channel":"book","type":"update","data":[{"symbol":"A","bids":[{"price":"1","qty":1}],"asks":[],"checksum":1}]})",
       feed_errc::unexpected_shape},  // a string where Kraken sends a number
      {venue_id::kraken,
       R"({"channel":"book","type":"update","data":[{"symbol":"A","bids":[],"asks":[],"checksum":-1}]})",
       feed_errc::unexpected_shape},
      {venue_id::coinbase, R"({"type":"l2update","product_id":"A","changes":[["hold","1","1"]]})",
       feed_errc::unexpected_shape},
      {venue_id::coinbase, R"({"type":"snapshot","product_id":"A","bids":[]})",
       feed_errc::unexpected_shape},
  };
  for (const auto& c : cases) {
    book_parser p(c.venue);
    book_frame f;
    EXPECT_EQ(p.parse(c.frame, f), c.want) << c.frame;
  }
  book_parser small(venue_id::binance, 16);
  book_frame f;
  EXPECT_EQ(small.parse(binance_depth, f), feed_errc::too_large);
}

}  // namespace
}  // namespace tickerd::book
