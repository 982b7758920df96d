// The sim's Coinbase Exchange protocol without sockets: the "/" endpoint, subscribe and
// unsubscribe requests and their replies (Coinbase's documented examples), ticker fan-out of
// one shared frame, heartbeats, the 5-second subscribe deadline and sequence-gap injection.
// Frames are read back with tickerd's own Coinbase adapter, so both ends are checked together.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "feeds/venues/coinbase_adapter.hpp"
#include "sim/coinbase_protocol.hpp"
#include "sim/router.hpp"

namespace tickerd::sim {
namespace {

// Records what a handler sends, instead of a socket.
class recording_connection final : public connection {
 public:
  std::uint64_t id() const noexcept override { return 11; }
  bool send(frame_ptr frame) override {
    if (closed) return false;
    frames.push_back(std::move(frame));
    return true;
  }
  void close(std::uint16_t code, std::string_view reason) override {
    closed = true;
    close_code_ = code;
    close_reason = std::string(reason);
  }
  std::string last() const { return frames.empty() ? std::string() : *frames.back(); }

  std::vector<frame_ptr> frames;
  bool closed = false;
  std::uint16_t close_code_ = 0;
  std::string close_reason;
};

// Whitespace removed outside strings, to compare with the documentation's pretty-printed JSON.
std::string compact(std::string_view json) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out += c;
    }
  }
  return out;
}

// Keys of a JSON object, in order.
std::vector<std::string> keys_of(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  std::vector<std::string> keys;
  if (parser.parse(json).get(obj)) return keys;
  for (auto field : obj) keys.emplace_back(field.key);
  return keys;
}

constexpr std::int64_t t0 = 1'764'061'234'000'000;  // µs

struct coinbase_fixture : ::testing::Test {
  std::vector<symbol_spec> specs() const {
    return {*find_spec("BTC-USDT"), *find_spec("ETH-USDT"), *find_spec("ETH-USD"),
            *find_spec("ETH-EUR"), *find_spec("ETH-BTC")};
  }
  std::int64_t now = t0;
  market_model model{specs(), 42};
  coinbase::endpoint ep{model, [this] { return now; }};

  std::unique_ptr<connection_handler> open(recording_connection& conn,
                                           std::string_view target = "/") {
    http_reject reject;
    auto h = ep.accept(target, reject);
    EXPECT_TRUE(h) << target << ": " << reject.body;
    if (h) h->on_open(conn);
    return h;
  }

  void step(std::size_t index, std::int64_t at = t0) {
    model.step(index);
    ep.publish(index, at);
  }

  static std::size_t index_of(const coinbase::endpoint& e, std::string_view product) {
    const auto i = e.product_index(product);
    EXPECT_TRUE(i) << product;
    return i.value_or(0);
  }
};

TEST_F(coinbase_fixture, ServesOnlyTheRootPath) {
  EXPECT_EQ(ep.venue(), "coinbase");
  EXPECT_EQ(ep.routes(), std::vector<std::string>{"/"});
  for (const char* ok : {"/", "/?x=1"}) {
    http_reject reject;
    EXPECT_TRUE(ep.accept(ok, reject)) << ok;
  }
  for (const char* bad : {"/ws", "/stream", "/ws/v5/public", "//", "/nope?x"}) {
    http_reject reject;
    EXPECT_FALSE(ep.accept(bad, reject)) << bad;
    EXPECT_EQ(reject.status, 404u) << bad;
  }
}

// Stands in for another venue in routing tests.
class named_endpoint final : public venue_endpoint {
 public:
  named_endpoint(std::string name, std::vector<std::string> routes)
      : name_(std::move(name)), routes_(std::move(routes)) {}
  std::string_view venue() const noexcept override { return name_; }
  std::vector<std::string> routes() const override { return routes_; }
  std::unique_ptr<connection_handler> accept(std::string_view, http_reject&) override {
    return nullptr;
  }

 private:
  std::string name_;
  std::vector<std::string> routes_;
};

TEST_F(coinbase_fixture, RootRouteDoesNotTakeOtherVenuesPaths) {
  named_endpoint binance("binance", {"/ws", "/stream"});
  named_endpoint okx("okx", {"/ws/v5/public"});
  router r;
  r.add(binance);
  r.add(ep);
  r.add(okx);
  auto m = r.route("/");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &ep);
  EXPECT_EQ(m->target, "/");
  for (const char* path : {"/stream?streams=btcusdt@ticker", "/ws/btcusdt@ticker", "/ws"}) {
    m = r.route(path);
    ASSERT_TRUE(m) << path;
    EXPECT_EQ(m->endpoint, &binance) << path;
  }
  m = r.route("/ws/v5/public");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &okx);
  // The venue prefix reaches Coinbase's "/" too.
  for (const char* path : {"/coinbase", "/coinbase/", "/coinbase?x=1"}) {
    m = r.route(path);
    ASSERT_TRUE(m) << path;
    EXPECT_EQ(m->endpoint, &ep) << path;
    http_reject reject;
    EXPECT_TRUE(ep.accept(m->target, reject)) << path << " -> " << m->target;
  }
}

// The subscribe request of Coinbase's Exchange WebSocket Overview, verbatim but for the
// WebSocket Authentication fields level2 needs since 2023-08-01 (unsigned, the venue refuses
// it), and the subscriptions message the page shows as its answer.
TEST_F(coinbase_fixture, DocumentedSubscribeAndSubscriptions) {
  recording_connection conn;
  auto h = open(conn);
  const std::string example = R"({
    "type": "subscribe",
    "product_ids": [
        "ETH-USD",
        "ETH-EUR"
    ],
    "channels": [
        "level2",
        "heartbeat",
        {
            "name": "ticker",
            "product_ids": [
                "ETH-BTC",
                "ETH-USD"
            ]
        }
    ]
})";
  h->on_text(example);
  ASSERT_EQ(conn.frames.size(), 1u);
  EXPECT_EQ(conn.last(),
            R"({"type":"error","message":"Failed to subscribe","reason":"level2, level3, and full )"
            R"(channels now require authentication. )"
            R"(https://docs.cloud.coinbase.com/exchange/docs/websocket-auth"})");
  EXPECT_EQ(ep.ticker_subscribers(index_of(ep, "ETH-BTC")), 0u) << "refused whole";
  conn.frames.clear();
  h->on_text(example.substr(0, example.rfind('}')) +
             R"(,"signature":"c2ln","key":"k","passphrase":"p","timestamp":"1764000000"})");
  ASSERT_EQ(conn.frames.size(), 1u);
  EXPECT_EQ(conn.last(), compact(R"({
    "type": "subscriptions",
    "channels": [
        {
            "name": "level2",
            "product_ids": [
                "ETH-USD",
                "ETH-EUR"
            ]
        },
        {
            "name": "heartbeat",
            "product_ids": [
                "ETH-USD",
                "ETH-EUR"
            ]
        },
        {
            "name": "ticker",
            "product_ids": [
                "ETH-USD",
                "ETH-EUR",
                "ETH-BTC"
            ]
        }
    ]
})"));
  EXPECT_EQ(ep.ticker_subscribers(index_of(ep, "ETH-BTC")), 1u);
  EXPECT_EQ(ep.heartbeat_subscribers(index_of(ep, "ETH-EUR")), 1u);
  EXPECT_EQ(ep.heartbeat_subscribers(index_of(ep, "ETH-BTC")), 0u);

  // The overview's unsubscribe examples, verbatim.
  h->on_text(R"({
    "type": "unsubscribe",
    "product_ids": [
        "ETH-USD",
        "ETH-EUR"
    ],
    "channels": [
        "ticker"
    ]
})");
  EXPECT_EQ(
      conn.last(),
      R"({"type":"subscriptions","channels":[{"name":"level2","product_ids":["ETH-USD","ETH-EUR"]},)"
      R"({"name":"heartbeat","product_ids":["ETH-USD","ETH-EUR"]},)"
      R"({"name":"ticker","product_ids":["ETH-BTC"]}]})");
  EXPECT_EQ(ep.ticker_subscribers(index_of(ep, "ETH-USD")), 0u);
  h->on_text(R"({
    "type": "unsubscribe",
    "channels": [
        "heartbeat"
    ]
})");
  EXPECT_EQ(
      conn.last(),
      R"({"type":"subscriptions","channels":[{"name":"level2","product_ids":["ETH-USD","ETH-EUR"]},)"
      R"({"name":"ticker","product_ids":["ETH-BTC"]}]})");
  EXPECT_EQ(ep.heartbeat_subscribers(index_of(ep, "ETH-EUR")), 0u);
}

// The heartbeat channel's request from the Exchange WebSocket Channels page, verbatim.
TEST_F(coinbase_fixture, DocumentedHeartbeatRequest) {
  recording_connection conn;
  auto h = open(conn);
  h->on_text(R"({
    "type": "subscribe",
    "channels": [
        {
            "name": "heartbeat",
            "product_ids": [
                "ETH-EUR"
            ]
        }
    ]
})");
  EXPECT_EQ(
      conn.last(),
      R"({"type":"subscriptions","channels":[{"name":"heartbeat","product_ids":["ETH-EUR"]}]})");
  conn.frames.clear();
  ep.on_timer(t0 + 1'000'000);
  ASSERT_EQ(conn.frames.size(), 1u);
  const std::string hb = conn.last();
  EXPECT_EQ(keys_of(hb),
            (std::vector<std::string>{"type", "sequence", "last_trade_id", "product_id", "time"}));
  const std::size_t eur = index_of(ep, "ETH-EUR");
  EXPECT_EQ(hb, R"({"type":"heartbeat","sequence":)" + std::to_string(ep.sequence(eur)) +
                    R"(,"last_trade_id":)" +
                    std::to_string(model.symbol(eur).state().last_trade_id()) +
                    R"(,"product_id":"ETH-EUR","time":"2025-11-25T09:00:35.000000Z"})");
}

TEST_F(coinbase_fixture, TheAdaptersOwnSubscribeIsAccepted) {
  symbol_map symbols;
  symbols.add("BTC-USDT", 0);
  symbols.add("ETH-USDT", 1);
  const coinbase_adapter adapter(symbols);
  recording_connection conn;
  auto h = open(conn);
  for (const auto& m : adapter.subscribe_messages()) h->on_text(m);
  EXPECT_EQ(
      conn.last(),
      R"({"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USDT","ETH-USDT"]},)"
      R"({"name":"heartbeat","product_ids":["BTC-USDT","ETH-USDT"]}]})");
  // And the reply is a control frame for the adapter.
  coinbase_adapter reader(symbols);
  std::vector<tick> out;
  const parse_result r = reader.parse(conn.last(), 1, out);
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::control);
}

TEST_F(coinbase_fixture, TickerIsEncodedOnceAndReadBackExactly) {
  recording_connection a;
  recording_connection b;
  recording_connection other;
  auto ha = open(a);
  auto hb = open(b);
  auto ho = open(other);
  const std::string req =
      R"({"type":"subscribe","product_ids":["BTC-USDT"],"channels":["ticker"]})";
  ha->on_text(req);
  hb->on_text(req);
  ho->on_text(R"({"type":"subscribe","product_ids":["ETH-USDT"],"channels":["ticker"]})");
  a.frames.clear();
  b.frames.clear();
  other.frames.clear();

  const std::size_t btc = index_of(ep, "BTC-USDT");
  step(btc, 1'666'222'102'061'769);
  ASSERT_EQ(a.frames.size(), 1u);
  ASSERT_EQ(b.frames.size(), 1u);
  EXPECT_EQ(a.frames[0].get(), b.frames[0].get());  // one encoding, shared
  EXPECT_TRUE(other.frames.empty());

  const std::string& text = *a.frames[0];
  EXPECT_EQ(keys_of(text),
            (std::vector<std::string>{"type", "sequence", "product_id", "price", "open_24h",
                                      "volume_24h", "low_24h", "high_24h", "volume_30d", "best_bid",
                                      "best_bid_size", "best_ask", "best_ask_size", "side", "time",
                                      "trade_id", "last_size"}));
  EXPECT_NE(text.find(R"("time":"2022-10-19T23:28:22.061769Z")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("sequence":)" + std::to_string(ep.sequence(btc)) + ","),
            std::string::npos);

  symbol_map symbols;
  symbols.add("BTC-USDT", 3);
  coinbase_adapter adapter(symbols);
  std::vector<tick> out;
  const parse_result r = adapter.parse(text, 5, out);
  ASSERT_EQ(r.error, feed_errc::ok) << to_string(r.error) << ": " << text;
  ASSERT_EQ(out.size(), 1u);
  const tick& t = out[0];
  EXPECT_EQ(t.instrument, 3);
  EXPECT_EQ(t.exchange_ts_us, 1666222102061769);
  const symbol_spec& spec = model.symbol(btc).spec();
  const symbol_state& s = model.symbol(btc).state();
  const int bps = coinbase::price_offset_bps(spec);
  EXPECT_GE(bps, -4);
  EXPECT_LE(bps, 4);
  EXPECT_NE(bps, 0);
  // Prices: the model's, moved by the venue's offset, printed without trailing zeros.
  EXPECT_EQ(t.open_24h, spec.price(coinbase::offset_price(s.open_24h, bps)));
  EXPECT_EQ(t.bid, spec.price(coinbase::offset_price(s.bid, bps)));
  EXPECT_TRUE(t.last == t.bid || t.last == t.ask);
  EXPECT_LT(t.bid, t.ask);
  EXPECT_LE(t.low_24h, t.last);
  EXPECT_GE(t.high_24h, t.last);
  EXPECT_NE(t.last, spec.price(s.last));  // a few bps away from the shared walk
  // Sizes and volumes at the lot precision, unchanged.
  EXPECT_TRUE(t.volume_base.identical(spec.qty(s.volume_base)));
  EXPECT_TRUE(t.bid_qty.identical(spec.qty(s.bid_qty)));
  EXPECT_TRUE(t.ask_qty.identical(spec.qty(s.ask_qty)));
  EXPECT_EQ(ep.stats().events, 1u);
  EXPECT_EQ(ep.stats().frames_sent, 2u);
}

TEST(SimCoinbaseEncode, PricesLoseTrailingZerosAndOffsetsRound) {
  symbol_spec spec = *find_spec("BTC-USDT");
  symbol_state s;
  s.last = s.ask = 131'380;  // 1313.80
  s.bid = 131'379;
  s.open_24h = 131'079;
  s.high_24h = 131'380;
  s.low_24h = 128'052;
  s.volume_base = 100;
  const std::string text = coinbase::encode_ticker(spec, s, 37'475'248'783, 0);
  const int bps = coinbase::price_offset_bps(spec);
  const decimal price = spec.price(coinbase::offset_price(131'380, bps));
  std::string shown = price.to_string();
  while (shown.back() == '0') shown.pop_back();
  if (shown.back() == '.') shown.pop_back();
  EXPECT_NE(text.find(R"("price":")" + shown + "\""), std::string::npos) << text;
  EXPECT_NE(text.find(R"("time":"1970-01-01T00:00:00.000000Z")"), std::string::npos);
  EXPECT_NE(text.find(R"("side":"buy")"), std::string::npos);
  EXPECT_NE(text.find(R"("volume_24h":"0.00100")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("volume_30d":"0.03000")"), std::string::npos) << text;

  EXPECT_EQ(coinbase::offset_price(10'000, 4), 10'004);
  EXPECT_EQ(coinbase::offset_price(10'000, -4), 9'996);
  EXPECT_EQ(coinbase::offset_price(1'250, 4), 1'251);  // 0.5 tick rounds away from zero
  EXPECT_EQ(coinbase::offset_price(1'250, -4), 1'249);
  EXPECT_EQ(coinbase::offset_price(1'249, 4), 1'249);  // 0.4996 tick: no move
  EXPECT_EQ(coinbase::offset_price(1, -4), 1);         // never below one tick
}

TEST(SimCoinbaseEncode, Times) {
  std::string out;
  coinbase::append_time(out, 1'666'222'102'061'769);
  EXPECT_EQ(out, R"("2022-10-19T23:28:22.061769Z")");
  out.clear();
  coinbase::append_time(out, 1'415'348'368'464'459);
  EXPECT_EQ(out, R"("2014-11-07T08:19:28.464459Z")");
  out.clear();
  coinbase::append_time(out, 1'709'164'800'000'001);  // a leap day
  EXPECT_EQ(out, R"("2024-02-29T00:00:00.000001Z")");
  out.clear();
  coinbase::append_time(out, -1);
  EXPECT_EQ(out, R"("1969-12-31T23:59:59.999999Z")");
  // Every second of a day and a few years round-trips through the adapter's parser.
  for (std::int64_t us = 1'700'000'000'000'000; us < 1'700'000'000'000'000 + 86'400'000'000 * 3;
       us += 7'777'777'777) {
    out.clear();
    coinbase::append_time(out, us);
    std::int64_t back = 0;
    ASSERT_TRUE(
        coinbase_adapter::parse_time_us(std::string_view(out).substr(1, out.size() - 2), back))
        << out;
    EXPECT_EQ(back, us) << out;  // both at µs: exact
  }
}

TEST(SimCoinbaseEncode, Determinism) {
  const std::vector<symbol_spec> specs = {*find_spec("BTC-USDT"), *find_spec("SOL-USDT")};
  market_model m1(specs, 7);
  market_model m2(specs, 7);
  for (int i = 0; i < 50; ++i) {
    m1.step(1);
    m2.step(1);
    EXPECT_EQ(coinbase::encode_ticker(m1.symbol(1).spec(), m1.symbol(1).state(), 5, 9),
              coinbase::encode_ticker(m2.symbol(1).spec(), m2.symbol(1).state(), 5, 9));
  }
  EXPECT_EQ(coinbase::sequence_base(specs[0]), coinbase::sequence_base(*find_spec("BTCUSDT")));
  EXPECT_NE(coinbase::sequence_base(specs[0]), coinbase::sequence_base(specs[1]));
  EXPECT_GE(coinbase::sequence_base(specs[0]), 10'000'000'000u);
}

TEST_F(coinbase_fixture, SequencesAreConsecutiveAndHeartbeatsRepeatThem) {
  recording_connection conn;
  auto h = open(conn);
  h->on_text(
      R"({"type":"subscribe","channels":[{"name":"ticker","product_ids":["BTC-USDT","ETH-USDT"]},)"
      R"({"name":"heartbeat","product_ids":["BTC-USDT","ETH-USDT"]}]})");
  symbol_map symbols;
  symbols.add("BTC-USDT", 0);
  symbols.add("ETH-USDT", 1);
  coinbase_adapter adapter(symbols);
  std::vector<tick> out;
  std::size_t gaps = 0;
  std::size_t ticks = 0;
  auto drain = [&] {
    for (const auto& f : conn.frames) {
      out.clear();
      const parse_result r = adapter.parse(*f, 1, out);
      EXPECT_EQ(r.error, feed_errc::ok) << *f;
      gaps += r.gaps;
      ticks += out.size();
    }
    conn.frames.clear();
  };
  drain();
  const std::size_t btc = index_of(ep, "BTC-USDT");
  const std::size_t eth = index_of(ep, "ETH-USDT");
  const std::uint64_t first = ep.sequence(btc);
  for (int i = 0; i < 20; ++i) {
    step(btc);
    step(i % 2 == 0 ? eth : btc);
    if (i % 5 == 0) ep.on_timer(t0 + i * 1'000'000);
  }
  drain();
  EXPECT_EQ(ticks, 40u);
  EXPECT_EQ(gaps, 0u);
  EXPECT_EQ(ep.sequence(btc), first + 30);

  // A heartbeat carries the current sequence and the last trade id, without taking a number.
  ep.on_timer(t0 + 30'000'000);
  ASSERT_EQ(conn.frames.size(), 2u);
  EXPECT_NE(conn.frames[0]->find(R"("sequence":)" + std::to_string(ep.sequence(btc)) + ","),
            std::string::npos);
  EXPECT_EQ(ep.sequence(btc), first + 30);
  drain();
  EXPECT_EQ(gaps, 0u);
}

TEST_F(coinbase_fixture, InjectedGapIsSeenByTheAdapter) {
  recording_connection conn;
  auto h = open(conn);
  h->on_text(
      R"({"type":"subscribe","product_ids":["BTC-USDT","ETH-USDT"],"channels":["ticker","heartbeat"]})");
  symbol_map symbols;
  symbols.add("BTC-USDT", 0);
  symbols.add("ETH-USDT", 1);
  coinbase_adapter adapter(symbols);
  auto gaps_in = [&] {
    std::size_t gaps = 0;
    std::vector<tick> out;
    for (const auto& f : conn.frames) {
      const parse_result r = adapter.parse(*f, 1, out);
      EXPECT_EQ(r.error, feed_errc::ok) << *f;
      gaps += r.gaps;
    }
    conn.frames.clear();
    return gaps;
  };
  const std::size_t btc = index_of(ep, "BTC-USDT");
  const std::size_t eth = index_of(ep, "ETH-USDT");
  step(btc);
  step(eth);
  EXPECT_EQ(gaps_in(), 0u);

  // Seen by the next ticker...
  const std::uint64_t before = ep.sequence(btc);
  ep.skip_sequence(btc, 3);
  EXPECT_EQ(ep.sequence(btc), before + 3);
  step(btc);
  EXPECT_NE(conn.last().find(R"("sequence":)" + std::to_string(before + 4) + ","),
            std::string::npos);
  step(eth);
  EXPECT_EQ(gaps_in(), 1u);
  // ...or by the heartbeat that comes first, even for a single skipped number; the ticker
  // after it is then in sequence.
  ep.skip_sequence(eth, 1);
  ep.on_timer(t0);
  EXPECT_EQ(gaps_in(), 1u);
  step(eth);
  step(btc);
  EXPECT_EQ(gaps_in(), 0u);
  EXPECT_EQ(ep.stats().injected_gaps, 2u);
}

TEST_F(coinbase_fixture, HeartbeatsOnlyForSubscribedProducts) {
  recording_connection hb;
  recording_connection tk;
  auto h1 = open(hb);
  auto h2 = open(tk);
  h1->on_text(R"({"type":"subscribe","product_ids":["ETH-USD"],"channels":["heartbeat"]})");
  h2->on_text(R"({"type":"subscribe","product_ids":["ETH-USD"],"channels":["ticker"]})");
  hb.frames.clear();
  tk.frames.clear();
  ep.on_timer(t0);
  ep.on_timer(t0 + 1'000'000);
  EXPECT_EQ(hb.frames.size(), 2u);
  EXPECT_TRUE(tk.frames.empty());
  EXPECT_EQ(ep.stats().heartbeats, 2u);
  step(index_of(ep, "ETH-USD"));
  EXPECT_EQ(hb.frames.size(), 2u);  // no ticker for a heartbeat-only subscriber
  EXPECT_EQ(tk.frames.size(), 1u);
}

TEST_F(coinbase_fixture, SubscribeDeadline) {
  recording_connection idle;
  recording_connection quick;
  recording_connection failed;
  auto h1 = open(idle);
  auto h2 = open(quick);
  auto h3 = open(failed);
  h2->on_text(R"({"type":"subscribe","product_ids":["ETH-USD"],"channels":["ticker"]})");
  h3->on_text(R"({"type":"subscribe","product_ids":["NOPE-USD"],"channels":["ticker"]})");
  ep.on_timer(t0 + 4'999'999);
  EXPECT_FALSE(idle.closed);
  EXPECT_FALSE(failed.closed);
  ep.on_timer(t0 + 5'000'000);
  EXPECT_TRUE(idle.closed);
  EXPECT_EQ(idle.close_code_, close_code::policy_violation);
  EXPECT_TRUE(failed.closed);  // a refused subscribe is no subscribe
  EXPECT_FALSE(quick.closed);
  EXPECT_EQ(ep.stats().deadline_closes, 2u);
  ep.on_timer(t0 + 6'000'000);
  EXPECT_EQ(ep.stats().deadline_closes, 2u);  // closed once

  // Opened later: its own 5 seconds.
  now = t0 + 10'000'000;
  recording_connection late;
  auto h4 = open(late);
  ep.on_timer(t0 + 14'000'000);
  EXPECT_FALSE(late.closed);
  ep.on_timer(t0 + 15'000'000);
  EXPECT_TRUE(late.closed);
}

TEST_F(coinbase_fixture, RequestErrors) {
  recording_connection conn;
  auto h = open(conn);
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"not json",
       R"({"type":"error","message":"Failed to parse message","reason":"malformed JSON"})"},
      {"[1,2]",
       R"({"type":"error","message":"Failed to parse message","reason":"expected a JSON object"})"},
      {R"({"product_ids":["ETH-USD"],"channels":["ticker"]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"missing message type"})"},
      {R"({"type":"subscribe","product_ids":["ETH-USD"]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"No channels provided"})"},
      {R"({"type":"subscribe","product_ids":["ETH-USD"],"channels":[]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"No channels provided"})"},
      {R"({"type":"subscribe","product_ids":["ETH-USD","BTC-FOO"],"channels":["ticker"]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"BTC-FOO is not a valid product"})"},
      {R"({"type":"subscribe","product_ids":["eth-usd"],"channels":["ticker"]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"eth-usd is not a valid product"})"},
      {R"({"type":"subscribe","product_ids":["ETH-USD"],"channels":["ticker","tickers"]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"tickers is not a valid channel"})"},
      {R"({"type":"subscribe","channels":["heartbeat"]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"You need to specify at least one product ID for channel heartbeat"})"},
      {R"({"type":"subscribe","product_ids":"ETH-USD","channels":["ticker"]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"product_ids must be an array of strings"})"},
      {R"({"type":"subscribe","channels":[{"product_ids":["ETH-USD"]}]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"a channel must be a name or an object with a name"})"},
      {R"({"type":"subscribe","channels":[7]})",
       R"({"type":"error","message":"Failed to subscribe","reason":"a channel must be a name or an object with a name"})"},
      {R"({"type":"ping"})",
       R"({"type":"error","message":"Failed to subscribe","reason":"'ping' is not a valid type"})"},
      {R"({"type":"unsubscribe","product_ids":["XRP-EUR"],"channels":["ticker"]})",
       R"({"type":"error","message":"Failed to unsubscribe","reason":"XRP-EUR is not a valid product"})"},
  };
  for (const auto& [request, reply] : cases) {
    conn.frames.clear();
    h->on_text(request);
    ASSERT_EQ(conn.frames.size(), 1u) << request;
    EXPECT_EQ(conn.last(), reply) << request;
  }
  // All or nothing: the refused requests subscribed nothing.
  for (std::size_t i = 0; i < model.size(); ++i) {
    EXPECT_EQ(ep.ticker_subscribers(i), 0u);
    EXPECT_EQ(ep.heartbeat_subscribers(i), 0u);
  }
  auto* s = dynamic_cast<coinbase::session*>(h.get());
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->subscriptions().empty());
  EXPECT_FALSE(conn.closed);  // errors do not close the connection

  // Errors read as venue errors by the adapter.
  coinbase_adapter adapter(symbol_map{});
  std::vector<tick> out;
  EXPECT_EQ(adapter.parse(conn.last(), 1, out).error, feed_errc::venue_error);
}

TEST_F(coinbase_fixture, SilentChannelsRepeatsAndStatus) {
  recording_connection conn;
  auto h = open(conn);
  h->on_text(
      R"({"type":"subscribe","product_ids":["BTC-USDT"],"channels":["level2_batch","auction"]})");
  h->on_text(R"({"type":"subscribe","channels":[{"name":"status"}]})");
  h->on_text(
      R"({"type":"subscribe","product_ids":["BTC-USDT","BTC-USDT"],"channels":["ticker","ticker"]})");
  EXPECT_EQ(
      conn.last(),
      R"({"type":"subscriptions","channels":[{"name":"level2_batch","product_ids":["BTC-USDT"]},)"
      R"({"name":"auction","product_ids":["BTC-USDT"]},{"name":"status","product_ids":[]},)"
      R"({"name":"ticker","product_ids":["BTC-USDT"]}]})");
  const std::size_t btc = index_of(ep, "BTC-USDT");
  EXPECT_EQ(ep.ticker_subscribers(btc), 1u);  // subscribed once, however often asked
  conn.frames.clear();
  step(btc);
  EXPECT_EQ(conn.frames.size(), 1u);  // the ticker only; level2_batch and auction are silent
  h->on_text(R"({"type":"unsubscribe","channels":["ticker","status","level2"]})");
  EXPECT_EQ(
      conn.last(),
      R"({"type":"subscriptions","channels":[{"name":"level2_batch","product_ids":["BTC-USDT"]},)"
      R"({"name":"auction","product_ids":["BTC-USDT"]}]})");
  EXPECT_EQ(ep.ticker_subscribers(btc), 0u);
  conn.frames.clear();
  step(btc);
  EXPECT_TRUE(conn.frames.empty());
}

TEST_F(coinbase_fixture, ClosedConnectionsAreForgotten) {
  const std::size_t btc = index_of(ep, "BTC-USDT");
  {
    recording_connection conn;
    auto h = open(conn);
    h->on_text(
        R"({"type":"subscribe","product_ids":["BTC-USDT"],"channels":["ticker","heartbeat"]})");
    EXPECT_EQ(ep.ticker_subscribers(btc), 1u);
    EXPECT_EQ(ep.heartbeat_subscribers(btc), 1u);
    EXPECT_EQ(h->max_incoming_per_sec(), 100u);
  }
  EXPECT_EQ(ep.ticker_subscribers(btc), 0u);
  EXPECT_EQ(ep.heartbeat_subscribers(btc), 0u);
  step(btc);  // nobody to send to
  ep.on_timer(t0 + 60'000'000);
  EXPECT_EQ(ep.stats().events, 0u);
  EXPECT_EQ(ep.stats().deadline_closes, 0u);
  // A slow subscriber's refused frames are counted, not retried.
  recording_connection slow;
  auto h = open(slow);
  h->on_text(R"({"type":"subscribe","product_ids":["BTC-USDT"],"channels":["ticker"]})");
  slow.closed = true;
  step(btc);
  EXPECT_EQ(ep.stats().frames_refused, 1u);
}

}  // namespace
}  // namespace tickerd::sim
