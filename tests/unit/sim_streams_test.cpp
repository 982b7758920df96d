// The sim's trade and top-of-book streams on every venue, without sockets: the venue's own
// message shapes (read with simdjson here, never with tickerd's parsers, so a wrong idea of a
// wire format cannot be shared by the sim and the server), consistency with the same event's
// ticker (the last trade is the ticker's last price, bid < ask around it), and the faults of
// trade_faults.hpp as each venue shows them.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "sim/binance_protocol.hpp"
#include "sim/bybit_protocol.hpp"
#include "sim/coinbase_protocol.hpp"
#include "sim/kraken_protocol.hpp"
#include "sim/okx_protocol.hpp"

namespace tickerd::sim {
namespace {

namespace dom = simdjson::dom;

constexpr std::int64_t t0_us = 1'764'000'000'123'456;  // 2025-11-24T16:00:00.123456Z

class fake_connection final : public connection {
 public:
  std::uint64_t id() const noexcept override { return 7; }
  bool send(frame_ptr frame) override {
    texts.push_back(*frame);
    return true;
  }
  void close(std::uint16_t, std::string_view) override {}
  std::vector<std::string> take() { return std::exchange(texts, {}); }
  std::vector<std::string> texts;
};

// Parses one message; the element stays valid until the next parse with the same parser.
struct reader {
  dom::parser parser;
  dom::element parse(const std::string& text) {
    dom::element e;
    const auto err = parser.parse(text).get(e);
    EXPECT_FALSE(err) << text;
    return e;
  }
};

template <class J>  // dom::element or dom::object
std::string str(J e, std::string_view key) {
  std::string_view v;
  EXPECT_FALSE(e[key].get(v)) << key << " in " << simdjson::to_string(e);
  return std::string(v);
}
template <class J>
std::int64_t num(J e, std::string_view key) {
  std::int64_t v = 0;
  EXPECT_FALSE(e[key].get(v)) << key << " in " << simdjson::to_string(e);
  return v;
}
template <class J>
double number(J e, std::string_view key) {
  double v = 0;
  EXPECT_FALSE(e[key].get(v)) << key << " in " << simdjson::to_string(e);
  return v;
}
double as_double(const std::string& s) {
  return std::stod(s);
}
std::set<std::string> keys(dom::object o) {
  std::set<std::string> out;
  for (auto field : o) out.emplace(field.key);
  return out;
}
bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  }
  return true;
}
// The messages whose text starts with `prefix`.
std::vector<std::string> starting(const std::vector<std::string>& texts, std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& t : texts) {
    if (t.starts_with(prefix)) out.push_back(t);
  }
  return out;
}

struct sim_streams : ::testing::Test {
  market_model model{{*find_spec("BTCUSDT"), *find_spec("ETHUSDT")}, 42};
  reader json;
  std::int64_t now_us = t0_us;

  // Steps BTC and hands the event to `publish`.
  template <class Endpoint>
  std::size_t event(Endpoint& ep) {
    now_us += 500'000;
    model.step(0);
    ep.publish(0, now_us);
    return model.symbol(0).trades().size();
  }
};

// ---- Binance -----------------------------------------------------------------------------

TEST_F(sim_streams, binance_trade_and_book_ticker_agree_with_the_ticker) {
  binance::endpoint ep(model, {}, 0);
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@ticker", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  std::int64_t next_id = model.symbol(0).state().last_trade_id() + 1;
  for (int e = 0; e < 20; ++e) {
    const std::size_t n = event(ep);
    const auto texts = conn.take();
    ASSERT_EQ(texts.size(), n + 2) << "one frame per trade, a bookTicker, a ticker";
    std::string last_price;
    for (std::size_t k = 0; k < n; ++k) {
      auto msg = json.parse(texts[k]);
      ASSERT_EQ(str(msg, "stream"), "btcusdt@trade");
      dom::object d;
      ASSERT_FALSE(msg["data"].get(d));
      // The documented fields, and nothing else ("b"/"a" order ids are gone since 2025).
      EXPECT_EQ(keys(d), (std::set<std::string>{"e", "E", "s", "t", "p", "q", "T", "m", "M"}));
      EXPECT_EQ(str(d, "e"), "trade");
      EXPECT_EQ(str(d, "s"), "BTCUSDT");
      EXPECT_EQ(num(d, "t"), next_id++) << "ids one by one";
      EXPECT_EQ(num(d, "E"), now_us / 1000);
      EXPECT_EQ(num(d, "T"), now_us / 1000);
      bool maker_buyer = false;
      ASSERT_FALSE(d["m"].get(maker_buyer));
      EXPECT_EQ(maker_buyer, !model.symbol(0).trades()[k].taker_buy);
      EXPECT_GT(as_double(str(d, "q")), 0);
      last_price = str(d, "p");
    }
    auto book = json.parse(texts[n]);
    ASSERT_EQ(str(book, "stream"), "btcusdt@bookTicker");
    dom::object b;
    ASSERT_FALSE(book["data"].get(b));
    EXPECT_EQ(keys(b), (std::set<std::string>{"u", "s", "b", "B", "a", "A"}));
    const double bid = as_double(str(b, "b"));
    const double ask = as_double(str(b, "a"));
    auto ticker = json.parse(texts[n + 1]);
    dom::element t = ticker["data"];
    EXPECT_EQ(str(t, "c"), last_price) << "the last trade is the ticker's last price";
    EXPECT_EQ(num(t, "L"), next_id - 1);
    EXPECT_LT(bid, ask);
    EXPECT_LE(bid, as_double(last_price));
    EXPECT_GE(ask, as_double(last_price));
    EXPECT_GE(bid, as_double(str(t, "l")));
    EXPECT_LE(ask, as_double(str(t, "h")));
  }
}

TEST_F(sim_streams, binance_raw_streams_subscribe_method_and_faults) {
  binance::endpoint ep(model, {}, 0);
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/ws", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(R"({"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@bookTicker"],"id":3})");
  EXPECT_EQ(conn.take(), (std::vector<std::string>{R"({"result":null,"id":3})"}));
  std::size_t n = event(ep);
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), n + 1);
  EXPECT_TRUE(texts[0].starts_with(R"({"e":"trade","E":)")) << texts[0];
  EXPECT_TRUE(texts[n].starts_with(R"({"u":)")) << texts[n];
  std::int64_t last = num(json.parse(texts[n - 1]), "t");

  // A gap: the next trade's id jumps; a duplicate repeats a trade; a bbo stall keeps trades.
  ep.stream_faults().skip_ids(4);
  ep.stream_faults().duplicate(1);
  ep.stream_faults().stall_bbo(trade_faults::forever_us);
  n = event(ep);
  texts = conn.take();
  ASSERT_EQ(texts.size(), n + 1) << "n trades and one copy, no bookTicker";
  EXPECT_EQ(num(json.parse(texts[0]), "t"), last + 5);
  EXPECT_EQ(texts[0], texts[1]);
  for (const auto& t : texts) EXPECT_TRUE(t.starts_with(R"({"e":"trade")")) << t;

  ep.stream_faults().clear();
  ep.stream_faults().reorder(1);
  do {
    last = num(json.parse(conn.texts.empty() ? texts.back() : conn.texts.back()), "t");
    conn.take();
    n = event(ep);
  } while (n < 2 && ep.stream_faults().swaps_left() > 0);
  texts = conn.take();
  ASSERT_EQ(texts.size(), n + 1);
  EXPECT_EQ(num(json.parse(texts[0]), "t"), num(json.parse(texts[1]), "t") + 1)
      << "the first two trades out of order";
}

// ---- OKX ---------------------------------------------------------------------------------

TEST_F(sim_streams, okx_trades_and_bbo_tbt) {
  okx::endpoint ep(model, nullptr);
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/ws/v5/public", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(
      R"({"id":"1","op":"subscribe","args":[{"channel":"trades","instId":"BTC-USDT"},)"
      R"({"channel":"bbo-tbt","instId":"BTC-USDT"},{"channel":"tickers","instId":"BTC-USDT"}]})");
  auto acks = conn.take();
  ASSERT_EQ(acks.size(), 3u);
  EXPECT_TRUE(acks[0].starts_with(
      R"({"id":"1","event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"})"))
      << acks[0];
  EXPECT_TRUE(acks[1].starts_with(
      R"({"id":"1","event":"subscribe","arg":{"channel":"bbo-tbt","instId":"BTC-USDT"})"))
      << acks[1];
  std::int64_t seq = 0;
  std::int64_t next_id = 0;
  for (int e = 0; e < 10; ++e) {
    const std::size_t n = event(ep);
    const auto texts = conn.take();
    ASSERT_EQ(texts.size(), n + 2);
    std::string last_px;
    for (std::size_t k = 0; k < n; ++k) {
      auto msg = json.parse(texts[k]);
      EXPECT_EQ(str(msg["arg"], "channel"), "trades");
      dom::object d;
      ASSERT_FALSE(msg["data"].at(0).get(d));
      EXPECT_EQ(keys(d), (std::set<std::string>{"instId", "tradeId", "px", "sz", "side", "ts",
                                                "count", "source", "seqId"}));
      EXPECT_EQ(str(d, "instId"), "BTC-USDT");
      const std::int64_t id = std::stoll(str(d, "tradeId"));
      if (next_id != 0) {
        EXPECT_EQ(id, next_id);
      }
      next_id = id + 1;
      EXPECT_EQ(str(d, "side"), model.symbol(0).trades()[k].taker_buy ? "buy" : "sell");
      EXPECT_EQ(str(d, "ts"), std::to_string(now_us / 1000));
      EXPECT_EQ(str(d, "count"), "1");
      EXPECT_GT(num(d, "seqId"), seq);
      seq = num(d, "seqId");
      last_px = str(d, "px");
    }
    auto bbo = json.parse(texts[n]);
    EXPECT_EQ(str(bbo["arg"], "channel"), "bbo-tbt");
    dom::object d;
    ASSERT_FALSE(bbo["data"].at(0).get(d));
    EXPECT_EQ(keys(d), (std::set<std::string>{"asks", "bids", "ts", "seqId"}));
    dom::array ask_level;
    dom::array bid_level;
    ASSERT_FALSE(d["asks"].at(0).get(ask_level));
    ASSERT_FALSE(d["bids"].at(0).get(bid_level));
    EXPECT_EQ(ask_level.size(), 4u);
    std::string_view ask_view, bid_view, zero;
    ASSERT_FALSE(ask_level.at(0).get(ask_view));
    ASSERT_FALSE(bid_level.at(0).get(bid_view));
    ASSERT_FALSE(ask_level.at(2).get(zero));
    EXPECT_EQ(zero, "0");
    const std::string ask_px(ask_view);  // copies: the next parse reuses the buffers
    const std::string bid_px(bid_view);
    EXPECT_GT(num(d, "seqId"), seq);
    seq = num(d, "seqId");
    auto ticker = json.parse(texts[n + 1]);
    dom::element t = ticker["data"].at(0);
    EXPECT_EQ(str(t, "last"), last_px) << "the last trade is the ticker's last";
    EXPECT_EQ(str(t, "bidPx"), bid_px);
    EXPECT_EQ(str(t, "askPx"), ask_px);
    EXPECT_LT(as_double(bid_px), as_double(ask_px));
    EXPECT_LE(as_double(bid_px), as_double(last_px));
    EXPECT_GE(as_double(ask_px), as_double(last_px));
  }
  // Stall: trades go on, bbo-tbt is silent.
  ep.stream_faults().stall_bbo(now_us + 1'000'000);
  std::size_t n = event(ep);
  auto texts = conn.take();
  EXPECT_EQ(starting(texts, R"({"arg":{"channel":"bbo-tbt")").size(), 0u);
  EXPECT_EQ(starting(texts, R"({"arg":{"channel":"trades")").size(), n);
  event(ep);
  event(ep);
  texts = conn.take();
  EXPECT_EQ(starting(texts, R"({"arg":{"channel":"bbo-tbt")").size(), 2u) << "back after 1 s";
}

// ---- Coinbase ----------------------------------------------------------------------------

TEST_F(sim_streams, coinbase_matches_and_the_tickers_best_bid_and_ask) {
  coinbase::endpoint ep(model, [this] { return now_us; });
  model.step(0);  // a trade before the subscribe: it comes back as last_match
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(R"({"type":"subscribe","product_ids":["BTC-USDT"],"channels":["matches","ticker"]})");
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_TRUE(texts[0].starts_with(R"({"type":"subscriptions")")) << texts[0];
  auto lm = json.parse(texts[1]);
  EXPECT_EQ(str(lm, "type"), "last_match");
  EXPECT_EQ(num(lm, "trade_id"), model.symbol(0).state().last_trade_id());

  std::int64_t next_id = model.symbol(0).state().last_trade_id() + 1;
  for (int e = 0; e < 10; ++e) {
    const std::size_t n = event(ep);
    texts = conn.take();
    ASSERT_EQ(texts.size(), n + 1);
    std::string last_price;
    std::int64_t seq = 0;
    for (std::size_t k = 0; k < n; ++k) {
      dom::object m;
      ASSERT_FALSE(json.parse(texts[k]).get(m));
      EXPECT_EQ(keys(m), (std::set<std::string>{"type", "trade_id", "sequence", "maker_order_id",
                                                "taker_order_id", "time", "product_id", "size",
                                                "price", "side"}));
      EXPECT_EQ(str(m, "type"), "match");
      EXPECT_EQ(num(m, "trade_id"), next_id++);
      // side is the maker's: a taker buy shows "sell".
      EXPECT_EQ(str(m, "side"), model.symbol(0).trades()[k].taker_buy ? "sell" : "buy");
      EXPECT_TRUE(is_uuid(str(m, "maker_order_id")));
      EXPECT_TRUE(is_uuid(str(m, "taker_order_id")));
      EXPECT_NE(str(m, "maker_order_id"), str(m, "taker_order_id"));
      EXPECT_TRUE(str(m, "time").starts_with("2025-11-24T16:00:")) << str(m, "time");
      EXPECT_EQ(str(m, "time").size(), 27u) << "microseconds";
      seq = num(m, "sequence");
      last_price = str(m, "price");
    }
    dom::object t;
    ASSERT_FALSE(json.parse(texts[n]).get(t));
    EXPECT_EQ(str(t, "type"), "ticker");
    EXPECT_EQ(str(t, "price"), last_price) << "the last match is the ticker's price";
    EXPECT_EQ(num(t, "sequence"), seq) << "the ticker repeats its match's sequence";
    EXPECT_EQ(num(t, "trade_id"), next_id - 1);
    const double bid = as_double(str(t, "best_bid"));
    const double ask = as_double(str(t, "best_ask"));
    EXPECT_LT(bid, ask);
    EXPECT_LE(bid, as_double(last_price));
    EXPECT_GE(ask, as_double(last_price));
    EXPECT_GT(as_double(str(t, "best_bid_size")), 0);
    EXPECT_GT(as_double(str(t, "best_ask_size")), 0);
  }
  // bbo stall on Coinbase: the ticker (its top of book) stops, matches go on.
  ep.stream_faults().stall_bbo(trade_faults::forever_us);
  const std::size_t n = event(ep);
  texts = conn.take();
  EXPECT_EQ(texts.size(), n);
  EXPECT_EQ(starting(texts, R"({"type":"match")").size(), n);
}

// ---- Bybit -------------------------------------------------------------------------------

TEST_F(sim_streams, bybit_public_trade_and_orderbook_1) {
  bybit::endpoint_options o;
  o.clock_us = [this] { return now_us; };
  bybit::endpoint ep(model, o);
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/v5/public/spot", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(
      R"({"op":"subscribe","args":["publicTrade.BTCUSDT","orderbook.1.BTCUSDT","tickers.BTCUSDT"]})");
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 2u) << "the reply and the book's first snapshot";
  EXPECT_TRUE(texts[0].starts_with(R"({"success":true,)")) << texts[0];
  std::set<std::string> ids;
  for (int e = 0; e < 10; ++e) {
    const std::size_t n = event(ep);
    texts = conn.take();
    ASSERT_EQ(texts.size(), 3u) << "ticker, one trade push with every trade, book";
    auto ticker = json.parse(texts[0]);
    const std::string last_price = str(ticker["data"], "lastPrice");
    auto push = json.parse(texts[1]);
    EXPECT_EQ(str(push, "topic"), "publicTrade.BTCUSDT");
    EXPECT_EQ(str(push, "type"), "snapshot");
    EXPECT_EQ(num(push, "ts"), now_us / 1000);
    dom::array data;
    ASSERT_FALSE(push["data"].get(data));
    ASSERT_EQ(data.size(), n);
    std::string last_p;
    std::size_t k = 0;
    for (dom::element d : data) {
      dom::object o2;
      ASSERT_FALSE(d.get(o2));
      EXPECT_EQ(keys(o2),
                (std::set<std::string>{"T", "s", "S", "v", "p", "i", "BT", "RPI", "seq"}));
      EXPECT_EQ(str(d, "s"), "BTCUSDT");
      EXPECT_EQ(str(d, "S"), model.symbol(0).trades()[k++].taker_buy ? "Buy" : "Sell");
      EXPECT_TRUE(is_uuid(str(d, "i"))) << str(d, "i");
      EXPECT_TRUE(ids.insert(str(d, "i")).second) << "ids are unique";
      last_p = str(d, "p");
    }
    EXPECT_EQ(as_double(last_p), as_double(last_price)) << "the last trade is the ticker's last";
    auto book = json.parse(texts[2]);
    EXPECT_EQ(str(book, "topic"), "orderbook.1.BTCUSDT");
    std::string_view bid_view, ask_view;
    ASSERT_FALSE(book["data"]["b"].at(0).at(0).get(bid_view));
    ASSERT_FALSE(book["data"]["a"].at(0).at(0).get(ask_view));
    const double bid = as_double(std::string(bid_view));
    const double ask = as_double(std::string(ask_view));
    EXPECT_LT(bid, ask);
    EXPECT_LE(bid, as_double(last_p));
    EXPECT_GE(ask, as_double(last_p));
  }
  // A duplicated trade repeats its id; a stalled book is not refreshed either.
  ep.stream_faults().duplicate(1);
  ep.stream_faults().stall_bbo(trade_faults::forever_us);
  const std::size_t n = event(ep);
  ep.housekeeping(now_us + 10'000'000);
  texts = conn.take();
  ASSERT_EQ(texts.size(), 2u) << "ticker and trades, no book";
  dom::array data;
  auto push = json.parse(texts[1]);
  ASSERT_FALSE(push["data"].get(data));
  ASSERT_EQ(data.size(), n + 1);
  EXPECT_EQ(str(data.at(0), "i"), str(data.at(1), "i"));
}

// ---- Kraken ------------------------------------------------------------------------------

TEST_F(sim_streams, kraken_trade_channel_and_bbo_ticker) {
  kraken::endpoint ep(model, 42);
  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/v2", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  conn.take();  // status
  h->on_text(
      R"({"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USDT"]},"req_id":4})");
  auto texts = conn.take();
  ASSERT_EQ(texts.size(), 1u) << "the trade channel's snapshot is opt-in";
  EXPECT_TRUE(texts[0].starts_with(
      R"({"method":"subscribe","req_id":4,"result":{"channel":"trade","snapshot":false,"symbol":"BTC/USDT"},"success":true,"time_in":")"))
      << texts[0];
  h->on_text(
      R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USDT"],"event_trigger":"bbo"}})");
  texts = conn.take();
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_NE(texts[0].find(R"("event_trigger":"bbo")"), std::string::npos) << texts[0];

  std::int64_t next_id = model.symbol(0).state().last_trade_id() + 1;
  for (int e = 0; e < 10; ++e) {
    const std::size_t n = event(ep);
    texts = conn.take();
    ASSERT_EQ(texts.size(), 2u) << "one trade update with the event's trades, one bbo ticker";
    auto up = json.parse(texts[0]);
    EXPECT_EQ(str(up, "channel"), "trade");
    EXPECT_EQ(str(up, "type"), "update");
    dom::array data;
    ASSERT_FALSE(up["data"].get(data));
    ASSERT_EQ(data.size(), n);
    double last_price = 0;
    for (dom::element d : data) {
      dom::object o;
      ASSERT_FALSE(d.get(o));
      EXPECT_EQ(keys(o), (std::set<std::string>{"symbol", "side", "price", "qty", "ord_type",
                                                "trade_id", "timestamp"}));
      EXPECT_EQ(num(d, "trade_id"), next_id++);
      EXPECT_EQ(str(d, "timestamp").size(), 27u) << "RFC 3339 with microseconds";
      last_price = number(d, "price");
    }
    auto ticker = json.parse(texts[1]);
    dom::element t = ticker["data"].at(0);
    EXPECT_EQ(number(t, "last"), last_price) << "the last trade is the ticker's last";
    EXPECT_LT(number(t, "bid"), number(t, "ask"));
    EXPECT_LE(number(t, "bid"), last_price);
    EXPECT_GE(number(t, "ask"), last_price);
  }
  // A snapshot asked for: the latest 50 trades, oldest first, ending with the latest.
  for (std::size_t seen = 0; seen < 60;) seen += event(ep);
  for (int e = 0; e < 4; ++e) event(ep);
  conn.take();
  fake_connection other;
  auto h2 = ep.accept("/v2", reject);
  h2->on_open(other);
  other.take();
  h2->on_text(
      R"({"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USDT"],"snapshot":true}})");
  texts = other.take();
  ASSERT_EQ(texts.size(), 2u);
  auto snap = json.parse(texts[1]);
  EXPECT_EQ(str(snap, "type"), "snapshot");
  dom::array data;
  ASSERT_FALSE(snap["data"].get(data));
  ASSERT_EQ(data.size(), kraken::trade_snapshot_size);
  EXPECT_EQ(num(data.at(49), "trade_id"), model.symbol(0).state().last_trade_id());
  EXPECT_EQ(num(data.at(0), "trade_id"), model.symbol(0).state().last_trade_id() - 49);

  // Unsubscribing the ticker without naming its trigger; a trade gap shows in trade_id.
  h->on_text(R"({"method":"unsubscribe","params":{"channel":"ticker","symbol":["BTC/USDT"]}})");
  EXPECT_NE(conn.take().at(0).find(R"("success":true)"), std::string::npos);
  ep.stream_faults().skip_ids(10);
  const std::int64_t before = model.symbol(0).state().last_trade_id();
  event(ep);
  texts = conn.take();
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(num(json.parse(texts[0])["data"].at(0), "trade_id"), before + 11);
}

}  // namespace
}  // namespace tickerd::sim
