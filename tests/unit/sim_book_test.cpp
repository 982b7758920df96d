// The sim's order books (book_model.hpp) and the venues' depth streams built on them, without
// sockets. Each stream is read back with simdjson and rebuilt into a std::map by a small
// reference written here from the venue's documented rule, never with tickerd's parsers or
// book code, so a wrong idea of a wire format cannot be shared by the sim and the server.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/binance_protocol.hpp"
#include "sim/book_model.hpp"
#include "sim/bybit_protocol.hpp"
#include "sim/coinbase_depth.hpp"
#include "sim/coinbase_protocol.hpp"
#include "sim/fault.hpp"
#include "sim/kraken_depth.hpp"
#include "sim/kraken_protocol.hpp"
#include "sim/okx_depth.hpp"
#include "sim/okx_encode.hpp"
#include "sim/okx_protocol.hpp"

namespace tickerd::sim {
namespace {

namespace dom = simdjson::dom;

constexpr std::int64_t t0_us = 1'764'000'000'123'456;

class fake_connection final : public connection {
 public:
  std::uint64_t id() const noexcept override { return 9; }
  bool send(frame_ptr frame) override {
    texts.push_back(*frame);
    return true;
  }
  void close(std::uint16_t, std::string_view) override {}
  std::vector<std::string> take() { return std::exchange(texts, {}); }
  std::vector<std::string> texts;
};

// "85205.70000000" -> 8520570000000: Binance's 8-decimal text as an exact integer.
std::int64_t fixed8(std::string_view s) {
  const auto dot = s.find('.');
  std::string digits(s.substr(0, dot));
  std::string frac = dot == std::string_view::npos ? "" : std::string(s.substr(dot + 1));
  EXPECT_LE(frac.size(), 8u) << s;
  frac.resize(8, '0');
  return std::stoll(digits + frac);
}

std::int64_t pow10(int n) {
  std::int64_t r = 1;
  while (n-- > 0) r *= 10;
  return r;
}

// A client's book, built only from what the wire says.
struct ref_book {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  std::int64_t last_u = 0;
  bool crossed() const {
    return !bids.empty() && !asks.empty() && bids.begin()->first >= asks.begin()->first;
  }
};

void apply_levels(dom::array levels, bool bid, ref_book& book) {
  for (dom::element l : levels) {
    dom::array pq = l.get_array();
    std::string_view p, q;
    ASSERT_FALSE(pq.at(0).get(p));
    ASSERT_FALSE(pq.at(1).get(q));
    const std::int64_t price = fixed8(p), qty = fixed8(q);
    if (bid) {
      if (qty == 0)
        book.bids.erase(price);
      else
        book.bids[price] = qty;
    } else {
      if (qty == 0)
        book.asks.erase(price);
      else
        book.asks[price] = qty;
    }
  }
}

// The sim's book in the same units (8 decimals), to compare with a rebuilt one.
ref_book expected(const symbol_spec& spec, const symbol_book& b) {
  ref_book out;
  const std::int64_t ps = pow10(8 - spec.price_scale), qs = pow10(8 - spec.qty_scale);
  for (const auto& [p, q] : b.bids()) out.bids[p * ps] = q * qs;
  for (const auto& [p, q] : b.asks()) out.asks[p * ps] = q * qs;
  return out;
}

// ---- the book model -----------------------------------------------------------------------

TEST(sim_book, top_of_book_is_the_walks_bbo_and_changes_rebuild_the_book) {
  for (const char* name : {"BTCUSDT", "DOGEUSDT", "XRPUSDT"}) {
    market_model model{{*find_spec(name)}, 7};
    book_set books(model, 7);
    const symbol_book& b = books.book(0);
    // The reference starts from the initial book and applies only the reported changes.
    auto bids =
        std::map<std::int64_t, std::int64_t, std::greater<>>(b.bids().begin(), b.bids().end());
    auto asks = std::map<std::int64_t, std::int64_t>(b.asks().begin(), b.asks().end());
    std::int64_t id = b.update_id();
    bool removed = false, added = false;
    for (int e = 0; e < 2000; ++e) {
      const symbol_state& s = model.step(0);
      books.step(0, s);
      ASSERT_EQ(b.bids().begin()->first, s.bid) << name << " event " << e;
      ASSERT_EQ(b.bids().begin()->second, s.bid_qty);
      ASSERT_EQ(b.asks().begin()->first, s.ask);
      ASSERT_EQ(b.asks().begin()->second, s.ask_qty);
      ASSERT_LT(s.bid, s.ask);
      ASSERT_GE(b.bids().size(), book_min_levels);
      ASSERT_LE(b.asks().size(), book_max_levels);
      // The event's last trade is at the touch: the ask on a buy, the bid on a sell.
      const trade_print& last = model.symbol(0).trades().back();
      ASSERT_EQ(last.price, last.taker_buy ? s.ask : s.bid);
      ASSERT_EQ(b.update_id(), id + static_cast<std::int64_t>(b.changes().size()));
      id = b.update_id();
      for (const auto& c : b.changes()) {
        if (c.bid) {
          if (c.qty == 0)
            bids.erase(c.price);
          else
            bids[c.price] = c.qty;
        } else {
          if (c.qty == 0)
            asks.erase(c.price);
          else
            asks[c.price] = c.qty;
        }
        removed |= c.qty == 0;
        added |= c.qty != 0;
      }
      ASSERT_TRUE(std::equal(bids.begin(), bids.end(), b.bids().begin(), b.bids().end()));
      ASSERT_TRUE(std::equal(asks.begin(), asks.end(), b.asks().begin(), b.asks().end()));
    }
    EXPECT_TRUE(removed && added) << "levels appear and vanish";
  }
}

TEST(sim_book, same_seed_same_book) {
  market_model m1{{*find_spec("ETHUSDT")}, 11}, m2{{*find_spec("ETHUSDT")}, 11};
  book_set b1(m1, 11), b2(m2, 11);
  for (int e = 0; e < 300; ++e) {
    b1.step(0, m1.step(0));
    b2.step(0, m2.step(0));
  }
  EXPECT_EQ(b1.book(0).bids(), b2.book(0).bids());
  EXPECT_EQ(b1.book(0).asks(), b2.book(0).asks());
  EXPECT_EQ(b1.book(0).update_id(), b2.book(0).update_id());
}

// ---- Binance diff depth and REST snapshot ---------------------------------------------------

struct sim_book_binance : ::testing::Test {
  market_model model{{*find_spec("BTCUSDT"), *find_spec("ETHUSDT")}, 42};
  book_set books{model, 42};
  binance::endpoint ep{model, {}, 0};
  dom::parser parser;
  std::int64_t now_us = t0_us;

  void SetUp() override { ep.set_books(&books); }

  void event(std::int64_t gap_us = 500'000) {
    now_us += gap_us;
    books.step(0, model.step(0));
    ep.publish(0, now_us);
  }

  std::unique_ptr<connection_handler> open(const std::string& target, fake_connection& conn) {
    http_reject reject;
    auto h = ep.accept(target, reject);
    EXPECT_TRUE(h) << reject.body;
    if (h) h->on_open(conn);
    return h;
  }

  // Snapshot into `book`; returns lastUpdateId.
  std::int64_t snapshot(ref_book& book, const std::string& target) {
    const auto [status, body] = ep.depth_snapshot(target);
    EXPECT_EQ(status, 200u) << body;
    dom::element doc;
    EXPECT_FALSE(parser.parse(body).get(doc)) << body;
    book = ref_book{};
    apply_levels(doc["bids"].get_array(), true, book);
    apply_levels(doc["asks"].get_array(), false, book);
    std::int64_t id = 0;
    EXPECT_FALSE(doc["lastUpdateId"].get(id));
    return id;
  }

  struct update {
    std::int64_t U = 0, u = 0;
    std::string text;
  };
  update read(const std::string& text) {
    dom::element d;
    EXPECT_FALSE(parser.parse(text).get(d)) << text;
    update out;
    EXPECT_FALSE(d["U"].get(out.U));
    EXPECT_FALSE(d["u"].get(out.u));
    out.text = text;
    return out;
  }
  void apply(const update& up, ref_book& book) {
    dom::element d;
    ASSERT_FALSE(parser.parse(up.text).get(d));
    apply_levels(d["b"].get_array(), true, book);
    apply_levels(d["a"].get_array(), false, book);
    book.last_u = up.u;
  }
};

// Binance's rule, followed by a client: buffer, snapshot, drop u <= lastUpdateId, the first
// applied has U <= lastUpdateId + 1 <= u, then U == previous u + 1.
TEST_F(sim_book_binance, diff_depth_with_the_rest_snapshot_rebuilds_the_book) {
  fake_connection conn;
  auto h = open("/ws/btcusdt@depth@100ms", conn);
  event();
  event();
  auto buffered = conn.take();
  ASSERT_EQ(buffered.size(), 2u) << "one update per event 500 ms apart";
  ref_book book;
  const std::int64_t last_id = snapshot(book, "/api/v3/depth?symbol=BTCUSDT&limit=5000");
  const auto first = read(buffered[0]);
  ASSERT_LE(first.U, last_id + 1) << "a fresh snapshot is not older than the stream";
  event();
  buffered.push_back(conn.take().at(0));
  bool synced = false;
  for (const auto& text : buffered) {
    const auto up = read(text);
    EXPECT_TRUE(text.starts_with(R"({"e":"depthUpdate","E":)")) << text;
    if (up.u <= last_id) continue;
    if (!synced) {
      ASSERT_LE(up.U, last_id + 1);
      ASSERT_GE(up.u, last_id + 1);
      synced = true;
    } else {
      ASSERT_EQ(up.U, book.last_u + 1);
    }
    apply(up, book);
  }
  ASSERT_TRUE(synced);
  for (int e = 0; e < 200; ++e) {
    event();
    const auto texts = conn.take();
    ASSERT_EQ(texts.size(), 1u);
    const auto up = read(texts[0]);
    ASSERT_EQ(up.U, book.last_u + 1) << "no gap";
    apply(up, book);
    const auto want = expected(model.symbol(0).spec(), books.book(0));
    ASSERT_EQ(book.bids, want.bids) << "event " << e;
    ASSERT_EQ(book.asks, want.asks);
    ASSERT_FALSE(book.crossed());
    // The bbo the sim already sends is the top of this book.
    const auto& s = model.symbol(0).state();
    ASSERT_EQ(book.bids.begin()->first, s.bid * pow10(6));
    ASSERT_EQ(book.asks.begin()->first, s.ask * pow10(6));
  }
}

TEST_F(sim_book_binance, slow_stream_merges_events_and_keeps_ids_contiguous) {
  fake_connection conn;
  auto h = open("/stream?streams=btcusdt@depth", conn);
  std::vector<std::string> texts;
  for (int e = 0; e < 40; ++e) {
    event(300'000);
    for (auto& t : conn.take()) texts.push_back(std::move(t));
  }
  ASSERT_GE(texts.size(), 8u);
  ASSERT_LE(texts.size(), 13u) << "at most one update per second of events";
  std::int64_t prev_u = 0;
  for (const auto& t : texts) {
    ASSERT_TRUE(t.starts_with(R"({"stream":"btcusdt@depth","data":{"e":"depthUpdate")")) << t;
    dom::element d;
    ASSERT_FALSE(parser.parse(t).get(d));
    std::int64_t U = 0, u = 0;
    ASSERT_FALSE(d["data"]["U"].get(U));
    ASSERT_FALSE(d["data"]["u"].get(u));
    ASSERT_LE(U, u);
    if (prev_u) {
      ASSERT_EQ(U, prev_u + 1);
    }
    prev_u = u;
  }
}

TEST_F(sim_book_binance, faults_drop_cross_and_stale_are_visible_by_the_venues_rule) {
  fake_connection conn;
  auto h = open("/ws/btcusdt@depth@100ms", conn);
  event();
  ref_book book;
  const std::int64_t id = snapshot(book, "/binance/api/v3/depth?symbol=btcusdt");
  EXPECT_EQ(book.bids.size(), binance::depth_default_limit);
  book.last_u = id;
  conn.take();
  const auto step = [&] {
    event();
    const auto texts = conn.take();
    return texts.empty() ? update{} : read(texts.at(0));
  };
  apply(step(), book);

  // A dropped delta: the next update's U does not follow the previous u.
  ep.stream_faults().drop_book(1);
  EXPECT_EQ(step().text, "") << "the dropped update is not sent";
  const auto after = step();
  EXPECT_GT(after.U, book.last_u + 1) << "a gap the client sees";

  // A crossed book: the update adds a bid at the best ask.
  snapshot(book, "/api/v3/depth?symbol=BTCUSDT&limit=5000");
  ep.stream_faults().cross_book(1);
  const auto crossed = step();
  apply(crossed, book);
  EXPECT_TRUE(book.crossed()) << crossed.text;
  const auto healthy = step();
  EXPECT_EQ(healthy.U, book.last_u + 1) << "ids go on: only the resync clears the crossed level";

  // A stale snapshot: older than the first update buffered since.
  for (int e = 0; e < 70; ++e) step();
  const auto buffered = step();
  ep.stream_faults().stale_book(1);
  const std::int64_t stale = snapshot(book, "/api/v3/depth?symbol=BTCUSDT");
  EXPECT_LT(stale + 1, buffered.U) << "the rule rejects it: re-snapshot";
  const std::int64_t fresh = snapshot(book, "/api/v3/depth?symbol=BTCUSDT");
  EXPECT_GE(fresh, buffered.u) << "the next one is current";
}

TEST_F(sim_book_binance, rest_depth_errors_and_limit) {
  EXPECT_EQ(ep.depth_snapshot("/api/v3/depth").first, 400u);
  EXPECT_NE(ep.depth_snapshot("/api/v3/depth").second.find("-1102"), std::string::npos);
  EXPECT_NE(ep.depth_snapshot("/api/v3/depth?symbol=NOPEUSDT").second.find("-1121"),
            std::string::npos);
  EXPECT_EQ(ep.depth_snapshot("/api/v3/depth?symbol=BTCUSDT&limit=x").first, 400u);
  ref_book book;
  snapshot(book, "/api/v3/depth?symbol=ETHUSDT&limit=5");
  EXPECT_EQ(book.bids.size(), 5u);
  EXPECT_EQ(book.asks.size(), 5u);
  EXPECT_FALSE(book.crossed());
}

// ---- Bybit orderbook.50 --------------------------------------------------------------------

// "85205.7" at price scale 2 -> 8520570: a decimal printed at the symbol's precision, exactly.
std::int64_t at_scale(std::string_view s, int scale) {
  const auto dot = s.find('.');
  std::string digits(s.substr(0, dot));
  std::string frac = dot == std::string_view::npos ? "" : std::string(s.substr(dot + 1));
  EXPECT_LE(frac.size(), static_cast<std::size_t>(scale)) << s;
  frac.resize(static_cast<std::size_t>(scale), '0');
  return std::stoll(digits + frac);
}

struct sim_book_bybit : ::testing::Test {
  market_model model{{*find_spec("BTCUSDT"), *find_spec("XRPUSDT")}, 42};
  book_set books{model, 42};
  std::int64_t now_us = t0_us;
  bybit::endpoint ep{model, [this] {
                       bybit::endpoint_options o;
                       o.clock_us = [this] { return now_us; };
                       return o;
                     }()};
  dom::parser parser;
  void SetUp() override { ep.set_books(&books); }
  void event(std::size_t i = 0) {
    now_us += 500'000;
    books.step(i, model.step(i));
    ep.publish(i, now_us);
  }
};

// A client by Bybit's rule: a snapshot replaces the book, deltas apply in "u" order, one by one.
struct bybit_client {
  ref_book book;
  std::int64_t u = 0, seq = 0;
  int price_scale = 0, qty_scale = 0;
  bool gap = false;
  std::string type;
  void on(dom::parser& parser, const std::string& text) {
    dom::element m;
    ASSERT_FALSE(parser.parse(text).get(m)) << text;
    std::string_view t, topic;
    ASSERT_FALSE(m["type"].get(t));
    ASSERT_FALSE(m["topic"].get(topic));
    type = std::string(t);
    dom::element d = m["data"];
    std::int64_t new_u = 0, new_seq = 0;
    ASSERT_FALSE(d["u"].get(new_u));
    ASSERT_FALSE(d["seq"].get(new_seq));
    std::int64_t ts = 0, cts = 0;
    ASSERT_FALSE(m["ts"].get(ts));
    ASSERT_FALSE(m["cts"].get(cts));
    if (t == "snapshot") {
      book = ref_book{};
    } else {
      EXPECT_EQ(t, "delta");
      gap |= new_u != u + 1;
      EXPECT_GT(new_seq, seq) << "the cross sequence only grows";
    }
    u = new_u;
    seq = new_seq;
    for (const bool bid : {true, false}) {
      for (dom::element l : d[bid ? "b" : "a"].get_array()) {
        std::string_view p, q;
        ASSERT_FALSE(l.at(0).get(p));
        ASSERT_FALSE(l.at(1).get(q));
        const auto price = at_scale(p, price_scale), qty = at_scale(q, qty_scale);
        if (bid) {
          if (qty == 0)
            book.bids.erase(price);
          else
            book.bids[price] = qty;
        } else {
          if (qty == 0)
            book.asks.erase(price);
          else
            book.asks[price] = qty;
        }
      }
    }
  }
};

TEST_F(sim_book_bybit, snapshot_then_deltas_keep_the_top_50_and_agree_with_orderbook_1) {
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/v5/public/spot", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  event();
  h->on_text(R"({"op":"subscribe","args":["orderbook.50.BTCUSDT","orderbook.1.BTCUSDT"]})");
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 3u) << "the reply and both snapshots";
  const auto& spec = model.symbol(0).spec();
  bybit_client c;
  c.price_scale = spec.price_scale;
  c.qty_scale = spec.qty_scale;
  ASSERT_TRUE(texts[1].starts_with(R"({"topic":"orderbook.50.BTCUSDT","ts":)")) << texts[1];
  c.on(parser, texts[1]);
  ASSERT_EQ(c.type, "snapshot");
  ASSERT_EQ(c.book.bids.size(), 50u);
  for (int e = 0; e < 300; ++e) {
    event();
    texts = conn.take();
    std::string level1;
    for (const auto& t : texts) {
      if (t.starts_with(R"({"topic":"orderbook.50.)")) {
        c.on(parser, t);
      } else if (t.starts_with(R"({"topic":"orderbook.1.)")) {
        level1 = t;
      }
    }
    ASSERT_FALSE(c.gap) << "u one by one";
    ASSERT_EQ(c.book.bids.size(), 50u);
    ASSERT_EQ(c.book.asks.size(), 50u);
    ASSERT_FALSE(c.book.crossed());
    // The sim's book at Bybit's prices, top 50.
    const std::int64_t off = ep.offset_ticks(0);
    auto bit = books.book(0).bids().begin();
    for (const auto& [p, q] : c.book.bids) {
      ASSERT_EQ(p, bit->first + off);
      ASSERT_EQ(q, bit->second);
      ++bit;
    }
    auto ait = books.book(0).asks().begin();
    for (const auto& [p, q] : c.book.asks) {
      ASSERT_EQ(p, ait->first + off);
      ASSERT_EQ(q, ait->second);
      ++ait;
    }
    if (!level1.empty()) {
      dom::element m;
      ASSERT_FALSE(parser.parse(level1).get(m));
      std::string_view bid;
      ASSERT_FALSE(m["data"]["b"].at(0).at(0).get(bid));
      ASSERT_EQ(at_scale(bid, spec.price_scale), c.book.bids.begin()->first)
          << "orderbook.1 is the top of orderbook.50";
    }
  }
}

TEST_F(sim_book_bybit, dropped_and_crossed_deltas_and_a_new_snapshot) {
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/v5/public/spot", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(R"({"op":"subscribe","args":["orderbook.50.XRPUSDT"]})");
  const auto& spec = model.symbol(1).spec();
  bybit_client c;
  c.price_scale = spec.price_scale;
  c.qty_scale = spec.qty_scale;
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 2u);
  c.on(parser, texts[1]);
  event(1);
  for (const auto& t : conn.take()) c.on(parser, t);
  ASSERT_FALSE(c.gap);

  ep.stream_faults().drop_book(1);
  event(1);
  EXPECT_TRUE(conn.take().empty()) << "the delta is dropped";
  event(1);
  for (const auto& t : conn.take()) c.on(parser, t);
  EXPECT_TRUE(c.gap) << "the next u skips one";

  // Resubscribing is Bybit's resync: a fresh snapshot replaces the book.
  h->on_text(R"({"op":"unsubscribe","args":["orderbook.50.XRPUSDT"]})");
  h->on_text(R"({"op":"subscribe","args":["orderbook.50.XRPUSDT"]})");
  texts = conn.take();
  ASSERT_EQ(texts.size(), 3u);
  c.gap = false;
  c.on(parser, texts[2]);
  ASSERT_EQ(c.type, "snapshot");
  ep.stream_faults().cross_book(1);
  event(1);
  for (const auto& t : conn.take()) c.on(parser, t);
  EXPECT_FALSE(c.gap);
  EXPECT_TRUE(c.book.crossed()) << "a bid at the best ask";
}

// ---- OKX books -------------------------------------------------------------------------------

// A client by OKX's rule: the snapshot (prevSeqId -1) replaces the book, each update's
// prevSeqId is the previous push's seqId; the checksum is 0 and not verified.
struct okx_client {
  ref_book book;
  std::int64_t seq = 0;
  int price_scale = 0, qty_scale = 0;
  bool gap = false;
  std::string action;
  void on(dom::parser& parser, const std::string& text) {
    dom::element m;
    ASSERT_FALSE(parser.parse(text).get(m)) << text;
    std::string_view act;
    ASSERT_FALSE(m["action"].get(act)) << text;
    action = std::string(act);
    dom::element d = m["data"].at(0);
    std::int64_t prev = 0, next = 0, checksum = 1;
    ASSERT_FALSE(d["prevSeqId"].get(prev));
    ASSERT_FALSE(d["seqId"].get(next));
    ASSERT_FALSE(d["checksum"].get(checksum));
    EXPECT_EQ(checksum, 0);
    if (act == "snapshot") {
      EXPECT_EQ(prev, -1);
      book = ref_book{};
    } else {
      EXPECT_EQ(act, "update");
      gap |= prev != seq;
      EXPECT_GT(next, prev);
    }
    seq = next;
    for (const bool bid : {true, false}) {
      for (dom::element l : d[bid ? "bids" : "asks"].get_array()) {
        std::string_view p, q, zero, orders;
        ASSERT_FALSE(l.at(0).get(p));
        ASSERT_FALSE(l.at(1).get(q));
        ASSERT_FALSE(l.at(2).get(zero));
        ASSERT_FALSE(l.at(3).get(orders));
        EXPECT_EQ(zero, "0");
        const auto price = at_scale(p, price_scale), qty = at_scale(q, qty_scale);
        EXPECT_EQ(qty == 0, orders == "0") << text;
        if (bid) {
          if (qty == 0)
            book.bids.erase(price);
          else
            book.bids[price] = qty;
        } else {
          if (qty == 0)
            book.asks.erase(price);
          else
            book.asks[price] = qty;
        }
      }
    }
  }
};

struct sim_book_okx : ::testing::Test {
  market_model model{{*find_spec("BTCUSDT"), *find_spec("DOGEUSDT")}, 42};
  book_set books{model, 42};
  std::int64_t now_us = t0_us;
  okx::endpoint ep{model, nullptr, [this] { return now_us / 1000; }};
  dom::parser parser;
  void SetUp() override { ep.set_books(&books); }
  void event(std::size_t i = 0) {
    now_us += 500'000;
    books.step(i, model.step(i));
    ep.publish(i, now_us);
  }
};

TEST_F(sim_book_okx, snapshot_then_updates_chain_by_seq_id_and_agree_with_bbo_tbt) {
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/ws/v5/public", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  event();
  h->on_text(
      R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},)"
      R"({"channel":"bbo-tbt","instId":"BTC-USDT"},{"channel":"trades","instId":"BTC-USDT"}]})");
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 4u) << "an ack, the snapshot, two acks";
  EXPECT_TRUE(texts[0].starts_with(R"({"id":)") || texts[0].starts_with(R"({"event":"subscribe")"))
      << texts[0];
  const auto& spec = model.symbol(0).spec();
  okx_client c;
  c.price_scale = spec.price_scale;
  c.qty_scale = spec.qty_scale;
  ASSERT_TRUE(
      texts[1].starts_with(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot")"))
      << texts[1];
  c.on(parser, texts[1]);
  ASSERT_GE(c.book.bids.size(), book_min_levels) << "every level the sim has (up to 400)";
  for (int e = 0; e < 300; ++e) {
    event();
    std::string bbo;
    for (const auto& t : conn.take()) {
      if (t.starts_with(R"({"arg":{"channel":"books")")) c.on(parser, t);
      if (t.starts_with(R"({"arg":{"channel":"bbo-tbt")")) bbo = t;
    }
    ASSERT_FALSE(c.gap) << "prevSeqId names the previous push";
    ASSERT_FALSE(c.book.crossed());
    ASSERT_EQ(c.book.bids.size(), books.book(0).bids().size());
    auto bit = books.book(0).bids().begin();
    for (const auto& [p, q] : c.book.bids) {
      ASSERT_EQ(p, okx::offset_price(bit->first));
      ASSERT_EQ(q, bit->second);
      ++bit;
    }
    ASSERT_EQ(c.book.asks.begin()->first, okx::offset_price(books.book(0).asks().begin()->first));
    ASSERT_FALSE(bbo.empty());
    dom::element m;
    ASSERT_FALSE(parser.parse(bbo).get(m));
    std::string_view bid, ask;
    ASSERT_FALSE(m["data"].at(0)["bids"].at(0).at(0).get(bid));
    ASSERT_FALSE(m["data"].at(0)["asks"].at(0).at(0).get(ask));
    ASSERT_EQ(at_scale(bid, spec.price_scale), c.book.bids.begin()->first) << "bbo-tbt = top";
    ASSERT_EQ(at_scale(ask, spec.price_scale), c.book.asks.begin()->first);
  }
}

TEST_F(sim_book_okx, dropped_and_crossed_pushes) {
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/ws/v5/public", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(R"({"op":"subscribe","args":[{"channel":"books","instId":"DOGE-USDT"}]})");
  const auto& spec = model.symbol(1).spec();
  okx_client c;
  c.price_scale = spec.price_scale;
  c.qty_scale = spec.qty_scale;
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 2u);
  c.on(parser, texts[1]);
  ep.stream_faults().drop_book(1);
  event(1);
  EXPECT_TRUE(conn.take().empty());
  event(1);
  for (const auto& t : conn.take()) c.on(parser, t);
  EXPECT_TRUE(c.gap) << "prevSeqId names a push never received";
  // Resubscribing (OKX's resync) gives a fresh snapshot.
  h->on_text(R"({"op":"subscribe","args":[{"channel":"books","instId":"DOGE-USDT"}]})");
  texts = conn.take();
  ASSERT_EQ(texts.size(), 2u);
  c.gap = false;
  c.on(parser, texts[1]);
  ep.stream_faults().cross_book(1);
  event(1);
  for (const auto& t : conn.take()) c.on(parser, t);
  EXPECT_FALSE(c.gap);
  EXPECT_TRUE(c.book.crossed());
}

// ---- Coinbase level2_batch / level2 ----------------------------------------------------------

// A client by Coinbase's rule: the snapshot starts the book, each l2update sets the sizes of
// the levels it names ("0" removes). No sequence: only what the book itself shows can be checked.
struct coinbase_client {
  ref_book book;
  int price_scale = 0;
  int snapshots = 0, updates = 0;
  void on(dom::parser& parser, const std::string& text) {
    dom::element m;
    ASSERT_FALSE(parser.parse(text).get(m)) << text;
    std::string_view type;
    ASSERT_FALSE(m["type"].get(type)) << text;
    const auto set = [&](bool bid, std::string_view p, std::string_view q) {
      const auto price = at_scale(p, price_scale), qty = at_scale(q, coinbase::size_scale);
      if (bid) {
        if (qty == 0)
          book.bids.erase(price);
        else
          book.bids[price] = qty;
      } else {
        if (qty == 0)
          book.asks.erase(price);
        else
          book.asks[price] = qty;
      }
    };
    if (type == "snapshot") {
      ++snapshots;
      book = ref_book{};
      for (const bool bid : {true, false}) {
        for (dom::element l : m[bid ? "bids" : "asks"].get_array()) {
          std::string_view p, q;
          ASSERT_FALSE(l.at(0).get(p));
          ASSERT_FALSE(l.at(1).get(q));
          set(bid, p, q);
        }
      }
      return;
    }
    ASSERT_EQ(type, "l2update") << text;
    ++updates;
    std::string_view time;
    ASSERT_FALSE(m["time"].get(time)) << text;
    for (dom::element c : m["changes"].get_array()) {
      std::string_view side, p, q;
      ASSERT_FALSE(c.at(0).get(side));
      ASSERT_FALSE(c.at(1).get(p));
      ASSERT_FALSE(c.at(2).get(q));
      ASSERT_TRUE(side == "buy" || side == "sell") << text;
      set(side == "buy", p, q);
    }
  }
};

// The ticker's best bid and ask, with their sizes, in the client book's units.
struct coinbase_touch {
  std::int64_t bid = 0, bid_size = 0, ask = 0, ask_size = 0;
  bool operator==(const coinbase_touch&) const = default;
};
coinbase_touch ticker_touch(dom::parser& parser, const std::string& text, const symbol_spec& spec) {
  dom::element m;
  EXPECT_FALSE(parser.parse(text).get(m)) << text;
  std::string_view bid, bid_size, ask, ask_size;
  EXPECT_FALSE(m["best_bid"].get(bid));
  EXPECT_FALSE(m["best_bid_size"].get(bid_size));
  EXPECT_FALSE(m["best_ask"].get(ask));
  EXPECT_FALSE(m["best_ask_size"].get(ask_size));
  return {at_scale(bid, spec.price_scale), at_scale(bid_size, coinbase::size_scale),
          at_scale(ask, spec.price_scale), at_scale(ask_size, coinbase::size_scale)};
}
coinbase_touch book_touch(const ref_book& b) {
  if (b.bids.empty() || b.asks.empty()) return {};
  return {b.bids.begin()->first, b.bids.begin()->second, b.asks.begin()->first,
          b.asks.begin()->second};
}

struct sim_book_coinbase : ::testing::Test {
  market_model model{{*find_spec("BTCUSDT"), *find_spec("DOGEUSDT")}, 42};
  book_set books{model, 42};
  std::int64_t now_us = t0_us;
  coinbase::endpoint ep{model, [this] { return now_us; }};
  dom::parser parser;
  void SetUp() override { ep.set_books(&books); }
  void event(std::size_t i = 0) {
    now_us += 500'000;
    books.step(i, model.step(i));
    ep.publish(i, now_us);
  }
  static bool is_book(const std::string& t) {
    return t.starts_with(R"({"type":"snapshot")") || t.starts_with(R"({"type":"l2update")");
  }
};

TEST_F(sim_book_coinbase, snapshot_then_l2updates_keep_the_book_and_agree_with_the_ticker) {
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  event();
  h->on_text(
      R"({"type":"subscribe","product_ids":["BTC-USDT"],"channels":["level2_batch","ticker"]})");
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 2u) << "the subscriptions reply, then the snapshot";
  EXPECT_TRUE(texts[0].starts_with(R"({"type":"subscriptions")")) << texts[0];
  ASSERT_TRUE(texts[1].starts_with(R"({"type":"snapshot","product_id":"BTC-USDT","bids":[[")"))
      << texts[1].substr(0, 80);
  const auto& spec = model.symbol(0).spec();
  coinbase_client c;
  c.price_scale = spec.price_scale;
  c.on(parser, texts[1]);
  ASSERT_EQ(c.book.bids.size(), books.book(0).bids().size()) << "the whole book";
  int touch_moves = 0;
  for (int e = 0; e < 300; ++e) {
    const auto before = book_touch(c.book);
    event();
    texts = conn.take();
    ASSERT_FALSE(texts.empty());
    std::string ticker;
    bool book_after_ticker = false;
    for (const auto& t : texts) {
      if (is_book(t)) {
        book_after_ticker |= !ticker.empty();
        c.on(parser, t);
      }
      if (t.starts_with(R"({"type":"ticker")")) ticker = t;
    }
    ASSERT_FALSE(ticker.empty());
    EXPECT_FALSE(book_after_ticker) << "the l2update goes before its event's ticker";
    ASSERT_FALSE(c.book.crossed());
    // Every level the model has, same sizes, same spacing (each side moved as a whole).
    const symbol_book& b = books.book(0);
    ASSERT_EQ(c.book.bids.size(), b.bids().size());
    ASSERT_EQ(c.book.asks.size(), b.asks().size());
    const std::int64_t qs = pow10(coinbase::size_scale - spec.qty_scale);
    auto bit = b.bids().begin();
    const std::int64_t bid_shift = c.book.bids.begin()->first - bit->first;
    for (const auto& [p, q] : c.book.bids) {
      ASSERT_EQ(p - bit->first, bid_shift);
      ASSERT_EQ(q, bit->second * qs);
      ++bit;
    }
    auto ait = b.asks().begin();
    const std::int64_t ask_shift = c.book.asks.begin()->first - ait->first;
    for (const auto& [p, q] : c.book.asks) {
      ASSERT_EQ(p - ait->first, ask_shift);
      ASSERT_EQ(q, ait->second * qs);
      ++ait;
    }
    ASSERT_EQ(ticker_touch(parser, ticker, spec), book_touch(c.book)) << "ticker = top of book";
    touch_moves += before != book_touch(c.book);
  }
  EXPECT_GT(touch_moves, 100);
  EXPECT_GT(ep.stats().l2updates, 250u);
}

TEST_F(sim_book_coinbase, level2_as_ccxt_subscribes_it_gets_the_same_messages) {
  fake_connection batch_conn, level2_conn;
  http_reject reject;
  auto batch = ep.accept("/", reject);
  auto level2 = ep.accept("/", reject);
  ASSERT_TRUE(batch && level2);
  batch->on_open(batch_conn);
  level2->on_open(level2_conn);
  event(1);
  batch->on_text(R"({"type":"subscribe","product_ids":["DOGE-USDT"],"channels":["level2_batch"]})");
  // CCXT's coinbaseexchange watchOrderBook: level2, signed (the sim does not check signatures).
  level2->on_text(R"({"type":"subscribe","product_ids":["DOGE-USDT"],"channels":["level2"],)"
                  R"("timestamp":1764000000123,"key":"k","signature":"c2ln","passphrase":"p"})");
  auto a = batch_conn.take(), b = level2_conn.take();
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(
      b[0],
      R"({"type":"subscriptions","channels":[{"name":"level2","product_ids":["DOGE-USDT"]}]})");
  EXPECT_EQ(a[1], b[1]) << "the same snapshot";
  for (int e = 0; e < 20; ++e) {
    event(1);
    EXPECT_EQ(batch_conn.take(), level2_conn.take());
  }
  level2->on_text(R"({"type":"unsubscribe","channels":["level2"]})");
  EXPECT_EQ(ep.level2_subscribers(1), 1u);
}

TEST_F(sim_book_coinbase, a_dropped_update_shows_against_the_ticker_and_a_crossed_book_is_seen) {
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(
      R"({"type":"subscribe","product_ids":["DOGE-USDT"],"channels":["level2_batch","ticker"]})");
  const auto& spec = model.symbol(1).spec();
  coinbase_client c;
  c.price_scale = spec.price_scale;
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 2u);
  c.on(parser, texts[1]);

  ep.stream_faults().drop_book(1);
  bool dropped = false;
  for (int e = 0; e < 50 && !dropped; ++e) {
    event(1);
    std::string ticker;
    bool had_update = false;
    for (const auto& t : conn.take()) {
      if (is_book(t)) {
        had_update = true;
        c.on(parser, t);
      }
      if (t.starts_with(R"({"type":"ticker")")) ticker = t;
    }
    if (had_update || books.book(1).changes().empty()) {
      ASSERT_EQ(ticker_touch(parser, ticker, spec), book_touch(c.book));
      continue;
    }
    // The book changed and no l2update came: the dropped one moved the top, so the ticker
    // (sent right after it would have been) says otherwise.
    dropped = true;
    EXPECT_NE(ticker_touch(parser, ticker, spec), book_touch(c.book))
        << "the only sign of a lost l2update on Coinbase's public channel";
  }
  ASSERT_TRUE(dropped);

  // Resubscribing is the resync: a fresh snapshot.
  h->on_text(R"({"type":"unsubscribe","channels":["level2_batch"]})");
  h->on_text(R"({"type":"subscribe","product_ids":["DOGE-USDT"],"channels":["level2_batch"]})");
  texts = conn.take();
  ASSERT_EQ(texts.size(), 3u);
  c.on(parser, texts[2]);
  EXPECT_EQ(c.snapshots, 2);
  ep.stream_faults().cross_book(1);
  for (int e = 0; e < 50 && !c.book.crossed(); ++e) {
    event(1);
    for (const auto& t : conn.take()) {
      if (is_book(t)) c.on(parser, t);
    }
  }
  EXPECT_TRUE(c.book.crossed()) << "a bid at the best ask";
}

// ---- Kraken checksum -------------------------------------------------------------------------

TEST(sim_book_kraken_checksum, the_documented_worked_example) {
  EXPECT_EQ(kraken::crc32("123456789"), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  // docs.kraken.com, "Book checksum (WebSocket v2)": the worked example's snapshot (BTC/USD,
  // price_precision 1, qty_precision 8) and its documented checksum 3310070434.
  const std::vector<kraken::mantissa_level> asks{
      {452852, 100000},   {452864, 154571953}, {452866, 154571109}, {452896, 154560911},
      {452902, 15890660}, {452918, 154553491}, {452947, 4454749},   {452961, 35380000},
      {452975, 9945542},  {452995, 18772827}};
  const std::vector<kraken::mantissa_level> bids{
      {452835, 10000000},  {452834, 154582015}, {452821, 10000000}, {452810, 10000000},
      {452803, 154592586}, {452790, 7990000},   {452776, 3310103},  {452775, 30000000},
      {452773, 154602737}, {452766, 15445238}};
  EXPECT_EQ(kraken::book_checksum(asks, bids), 3310070434u);
  auto more = bids;
  more.push_back({1, 1});
  EXPECT_EQ(kraken::book_checksum(asks, more), 3310070434u) << "only the top 10 count";
  more[0].second += 1;
  EXPECT_NE(kraken::book_checksum(asks, more), 3310070434u);
}

// A client by Kraken's rule: a snapshot replaces the book, an update's levels apply in order,
// the book is truncated to the subscribed depth, and the checksum is checked over the top 10:
// each price and qty at the pair's precision (the sim's AssetPairs: pair_decimals,
// lot_decimals) without its point and leading zeros, asks low to high then bids high to low.
struct kraken_client {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  std::size_t depth = 10;
  int price_scale = 0, qty_scale = 0;
  std::size_t mismatches = 0, messages = 0;
  std::string type;
  // "0.10000000" at scale 5 -> 10000: the digits past the precision must be zeros.
  static std::int64_t mantissa(std::string_view text, int scale) {
    const auto dot = text.find('.');
    std::string frac = dot == std::string_view::npos ? "" : std::string(text.substr(dot + 1));
    while (frac.size() > static_cast<std::size_t>(scale)) {
      EXPECT_EQ(frac.back(), '0') << text;
      frac.pop_back();
    }
    frac.resize(static_cast<std::size_t>(scale), '0');
    return std::stoll(std::string(text.substr(0, dot)) + frac);
  }
  std::uint32_t checksum() const {
    std::string text;
    const auto field = [&](std::int64_t m) { text += std::to_string(m); };  // no point, no zeros
    std::size_t n = 0;
    for (auto it = asks.begin(); it != asks.end() && n < 10; ++it, ++n) {
      field(it->first);
      field(it->second);
    }
    n = 0;
    for (auto it = bids.begin(); it != bids.end() && n < 10; ++it, ++n) {
      field(it->first);
      field(it->second);
    }
    return kraken::crc32(text);
  }
  void on(dom::parser& parser, const std::string& text) {
    dom::element m;
    ASSERT_FALSE(parser.parse(text).get(m)) << text;
    std::string_view t;
    ASSERT_FALSE(m["type"].get(t));
    type = std::string(t);
    dom::element d = m["data"].at(0);
    if (t == "snapshot") {
      bids.clear();
      asks.clear();
    }
    // Prices and sizes are JSON numbers: read as their text from the frame, never as double
    // (simdjson's DOM keeps numbers as double). Both arrays hold only {"price":P,"qty":Q}.
    const std::string_view all(text);
    const auto bids_at = all.find(R"("bids":[)"), asks_at = all.find(R"("asks":[)");
    ASSERT_NE(bids_at, std::string_view::npos);
    ASSERT_NE(asks_at, std::string_view::npos);
    for (const bool bid : {true, false}) {
      std::string_view side = all.substr(bid ? bids_at : asks_at);
      side = side.substr(0, side.find(']'));
      const auto number_after = [&side](std::string_view key) {
        const auto at = side.find(key);
        if (at == std::string_view::npos) return std::string_view{};
        side.remove_prefix(at + key.size());
        return side.substr(0, side.find_first_not_of("0123456789."));
      };
      while (true) {
        const auto p = number_after(R"("price":)");
        if (p.empty()) break;
        const auto q = number_after(R"("qty":)");
        const auto price = mantissa(p, price_scale), qty = mantissa(q, qty_scale);
        if (bid) {
          if (qty == 0)
            bids.erase(price);
          else
            bids[price] = qty;
        } else {
          if (qty == 0)
            asks.erase(price);
          else
            asks[price] = qty;
        }
      }
    }
    while (bids.size() > depth) bids.erase(std::prev(bids.end()));
    while (asks.size() > depth) asks.erase(std::prev(asks.end()));
    std::uint64_t sum = 0;
    ASSERT_FALSE(d["checksum"].get(sum));
    ++messages;
    if (sum != checksum()) ++mismatches;
  }
};

struct sim_book_kraken : ::testing::Test {
  market_model model{{*find_spec("BTCUSDT"), *find_spec("SOLUSDT")}, 42};
  book_set books{model, 42};
  kraken::endpoint ep{model, 42};
  dom::parser parser;
  std::int64_t now_us = t0_us;
  void SetUp() override { ep.set_books(&books); }
  void event(std::size_t i = 0) {
    now_us += 500'000;
    books.step(i, model.step(i));
    ep.publish(i, now_us);
  }
  kraken_client client(std::size_t i, std::size_t depth) {
    kraken_client c;
    c.depth = depth;
    c.price_scale = model.symbol(i).spec().price_scale;
    c.qty_scale = model.symbol(i).spec().qty_scale;
    return c;
  }
  std::vector<std::string> books_only(std::vector<std::string> texts) {
    std::erase_if(texts,
                  [](const std::string& t) { return !t.starts_with(R"({"channel":"book")"); });
    return texts;
  }
};

TEST_F(sim_book_kraken, snapshot_and_updates_keep_the_checksum_at_every_depth) {
  for (const std::size_t depth : {10u, 25u, 100u}) {
    kraken::endpoint fresh{model, 42};
    fresh.set_books(&books);
    fake_connection conn;
    http_reject reject;
    auto h = fresh.accept("/v2", reject);
    ASSERT_TRUE(h);
    h->on_open(conn);
    h->on_text(
        R"({"method":"subscribe","params":{"channel":"book","symbol":["BTC/USDT"],"depth":)" +
        std::to_string(depth) + "}}");
    auto texts = conn.take();
    ASSERT_EQ(texts.size(), 3u) << "status, ack, snapshot";
    EXPECT_NE(texts[1].find(R"("channel":"book")"), std::string::npos) << texts[1];
    auto c = client(0, depth);
    c.on(parser, texts[2]);
    ASSERT_EQ(c.type, "snapshot");
    ASSERT_EQ(c.bids.size(), depth);
    ASSERT_EQ(c.mismatches, 0u) << texts[2];
    const std::int64_t off = fresh.offset_ticks(0);
    for (int e = 0; e < 150; ++e) {
      now_us += 500'000;
      books.step(0, model.step(0));
      fresh.publish(0, now_us);
      for (const auto& t : books_only(conn.take())) c.on(parser, t);
      ASSERT_EQ(c.mismatches, 0u) << "depth " << depth << " event " << e;
      ASSERT_EQ(c.bids.size(), depth);
      ASSERT_EQ(c.asks.size(), depth);
      auto bit = books.book(0).bids().begin();
      for (const auto& [p, q] : c.bids) {
        ASSERT_EQ(p, bit->first + off);
        ASSERT_EQ(q, bit->second);
        ++bit;
      }
      ASSERT_EQ(c.asks.begin()->first, books.book(0).asks().begin()->first + off);
    }
    EXPECT_GT(c.messages, 100u);
  }
}

TEST_F(sim_book_kraken, a_bad_depth_is_refused) {
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/v2", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  conn.take();
  h->on_text(
      R"({"method":"subscribe","params":{"channel":"book","symbol":["BTC/USDT"],"depth":7}})");
  const auto texts = conn.take();
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find(R"("success":false)"), std::string::npos) << texts[0];
}

TEST_F(sim_book_kraken, wrong_checksum_dropped_update_and_crossed_book_are_seen) {
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/v2", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(R"({"method":"subscribe","params":{"channel":"book","symbol":["SOL/USDT"]}})");
  auto c = client(1, 10);
  for (const auto& t : books_only(conn.take())) c.on(parser, t);
  event(1);
  for (const auto& t : books_only(conn.take())) c.on(parser, t);
  ASSERT_EQ(c.mismatches, 0u);

  ep.stream_faults().break_checksum(1);
  event(1);
  for (const auto& t : books_only(conn.take())) c.on(parser, t);
  EXPECT_EQ(c.mismatches, 1u) << "a wrong checksum on a right book";
  event(1);
  for (const auto& t : books_only(conn.take())) c.on(parser, t);
  EXPECT_EQ(c.mismatches, 1u) << "the next one is right again";

  ep.stream_faults().drop_book(1);
  event(1);
  EXPECT_TRUE(books_only(conn.take()).empty());
  event(1);
  for (const auto& t : books_only(conn.take())) c.on(parser, t);
  EXPECT_EQ(c.mismatches, 2u) << "the dropped update leaves the book wrong: the checksum says so";

  // Resubscribing is Kraken's resync: a fresh snapshot.
  h->on_text(R"({"method":"unsubscribe","params":{"channel":"book","symbol":["SOL/USDT"]}})");
  h->on_text(R"({"method":"subscribe","params":{"channel":"book","symbol":["SOL/USDT"]}})");
  c.mismatches = 0;
  for (const auto& t : books_only(conn.take())) c.on(parser, t);
  ASSERT_EQ(c.type, "snapshot");
  ASSERT_EQ(c.mismatches, 0u);
  ep.stream_faults().cross_book(1);
  event(1);
  for (const auto& t : books_only(conn.take())) c.on(parser, t);
  EXPECT_TRUE(!c.bids.empty() && c.bids.begin()->first >= c.asks.begin()->first) << "crossed";
}

TEST(sim_book_faults, parse_and_venues) {
  const auto f = parse_fault("book_drop,count=3");
  ASSERT_TRUE(f.value) << f.error;
  EXPECT_EQ(to_spec(*f.value), "book_drop,count=3");
  ASSERT_TRUE(parse_fault("book_cross").value);
  const auto stale = parse_fault("book_stale");
  ASSERT_TRUE(stale.value);
  EXPECT_EQ(check_venue(*stale.value, "binance"), "");
  EXPECT_NE(check_venue(*stale.value, "okx"), "") << "no REST snapshot there";
  const auto sum = parse_fault("book_checksum,count=2");
  ASSERT_TRUE(sum.value) << sum.error;
  EXPECT_EQ(check_venue(*sum.value, "kraken"), "");
  EXPECT_NE(check_venue(*sum.value, "bybit"), "");
  trade_faults t;
  apply_trade_fault(t, *f.value, 0);
  EXPECT_TRUE(t.take_book_drop(0));
  t.clear();
  EXPECT_FALSE(t.take_book_drop(0));
}

}  // namespace
}  // namespace tickerd::sim
