// The sim's Kraken v2 protocol without sockets: status on connect, subscribe acks per symbol,
// snapshot then shared updates, ping/pong, errors, heartbeats and the idle cutoff, the venue's
// price deviation, and every frame read back by tickerd's own Kraken adapter.
#include <gtest/gtest.h>

#include "feeds/venues/venue_time.hpp"

#include <memory>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "feeds/venues/kraken_adapter.hpp"
#include "sim/kraken_protocol.hpp"
#include "sim/router.hpp"

namespace tickerd::sim {
namespace {

// Records what a handler sends, instead of a socket.
class fake_connection final : public connection {
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
  std::string at(std::size_t i) const { return i < frames.size() ? *frames[i] : std::string(); }

  std::vector<frame_ptr> frames;
  bool closed = false;
  std::uint16_t close_code_ = 0;
  std::string close_reason;
};

constexpr std::int64_t event_us = 1'764'061'234'567'891;  // 2025-11-25T09:00:34.567891Z
constexpr std::string_view subscribe_btc =
    R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USDT"]},"req_id":1})";

std::vector<symbol_spec> two_symbols() {
  return {*find_spec("BTCUSDT"), *find_spec("ETHUSDT")};
}

// "time_in":"2025-...Z","time_out":"2025-...Z"} at the end of every reply.
const std::regex reply_times(
    R"re(,"time_in":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z","time_out":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"\}$)re");

struct kraken_fixture : ::testing::Test {
  market_model model{two_symbols(), 42};
  kraken::endpoint ep{model, 42};
  // tickerd's own parser, reading what the sim sends.
  symbol_map symbols = [] {
    symbol_map m;
    m.add("BTC/USDT", 0);
    m.add("ETH/USDT", 1);
    return m;
  }();
  kraken_adapter adapter{symbols};

  std::unique_ptr<connection_handler> open(fake_connection& conn,
                                           const std::string& target = "/v2") {
    http_reject reject;
    auto h = ep.accept(target, reject);
    EXPECT_TRUE(h) << target << ": " << reject.body;
    if (h) h->on_open(conn);
    return h;
  }

  void event(std::size_t index) {
    model.step(index);
    ep.publish(index, event_us);
  }

  parse_result read(const std::string& frame, std::vector<tick>& out) {
    return adapter.parse(frame, 1, out);
  }
  void expect_control(const std::string& frame) {
    std::vector<tick> out;
    const parse_result r = read(frame, out);
    EXPECT_EQ(r.error, feed_errc::ok) << frame;
    EXPECT_EQ(r.kind, frame_kind::control) << frame;
  }
  void expect_venue_error(const std::string& frame) {
    std::vector<tick> out;
    EXPECT_EQ(read(frame, out).error, feed_errc::venue_error) << frame;
    EXPECT_TRUE(std::regex_search(frame, reply_times)) << frame;
  }
  // The tick tickerd makes of a snapshot or update frame, checked against the model.
  tick expect_ticker(const std::string& frame, std::size_t index) {
    std::vector<tick> out;
    const parse_result r = read(frame, out);
    EXPECT_EQ(r.error, feed_errc::ok) << frame;
    EXPECT_EQ(r.kind, frame_kind::data);
    EXPECT_EQ(out.size(), 1u) << frame;
    if (out.empty()) return {};
    const tick& t = out[0];
    const symbol_walk& w = model.symbol(index);
    const symbol_state& s = w.state();
    const std::int64_t off = ep.offset_ticks(index);
    const int scale = w.spec().price_scale;
    EXPECT_EQ(t.instrument, index);
    EXPECT_TRUE(t.last.identical(decimal(s.last + off, scale))) << frame;
    EXPECT_TRUE(t.bid.identical(decimal(s.bid + off, scale))) << frame;
    EXPECT_TRUE(t.ask.identical(decimal(s.ask + off, scale))) << frame;
    EXPECT_TRUE(t.high_24h.identical(decimal(s.high_24h + off, scale))) << frame;
    EXPECT_TRUE(t.low_24h.identical(decimal(s.low_24h + off, scale))) << frame;
    // Kraken sends no open: tickerd derives it from last - change, and gets the model's back.
    EXPECT_TRUE(t.open_24h.identical(decimal(s.open_24h + off, scale))) << frame;
    EXPECT_EQ(t.venue_change_pct, change_pct(s.last + off, s.open_24h + off, 2));
    EXPECT_EQ(t.venue_change_pct.scale(), 2);
    // Sizes with Kraken's 8 decimals.
    EXPECT_EQ(t.volume_base.scale(), 8);
    EXPECT_EQ(t.volume_base, w.spec().qty(s.volume_base));
    EXPECT_EQ(t.bid_qty.scale(), 8);
    EXPECT_EQ(t.bid_qty, w.spec().qty(s.bid_qty));
    EXPECT_EQ(t.ask_qty, w.spec().qty(s.ask_qty));
    EXPECT_FALSE(t.has(tf_volume_quote));
    return t;
  }
};

TEST_F(kraken_fixture, StatusOnConnect) {
  fake_connection conn;
  auto h = open(conn);
  ASSERT_EQ(conn.frames.size(), 1u);
  const std::regex status(
      R"re(^\{"channel":"status","data":\[\{"api_version":"v2","connection_id":\d+,"system":"online","version":"2\.0\.0"\}\],"type":"update"\}$)re");
  EXPECT_TRUE(std::regex_match(conn.last(), status)) << conn.last();
  expect_control(conn.last());
  // Every connection has its own id.
  fake_connection other;
  auto h2 = open(other);
  EXPECT_NE(conn.last(), other.last());
  EXPECT_EQ(ep.stats().connections, 2u);
}

TEST_F(kraken_fixture, OnlyTheV2PathIsServed) {
  for (const char* bad : {"/", "/v1", "/v2/", "/v2/ticker", "/ws", "/v22"}) {
    http_reject reject;
    EXPECT_FALSE(ep.accept(bad, reject)) << bad;
    EXPECT_EQ(reject.status, 404u);
  }
  fake_connection conn;
  EXPECT_TRUE(open(conn, "/v2?client=tickerd"));
  EXPECT_EQ(ep.routes(), std::vector<std::string>{"/v2"});
  EXPECT_EQ(ep.venue(), "kraken");
}

TEST_F(kraken_fixture, SubscribeAckThenSnapshotThenUpdates) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(subscribe_btc);
  ASSERT_EQ(conn.frames.size(), 3u);
  const std::string ack = conn.at(1);
  EXPECT_TRUE(ack.starts_with(
      R"({"method":"subscribe","req_id":1,"result":{"channel":"ticker","event_trigger":"trades",)"
      R"("snapshot":true,"symbol":"BTC/USDT"},"success":true,"time_in":")"))
      << ack;
  EXPECT_TRUE(std::regex_search(ack, reply_times)) << ack;
  expect_control(ack);

  const std::string snap = conn.at(2);
  EXPECT_TRUE(snap.starts_with(
      R"({"channel":"ticker","type":"snapshot","data":[{"symbol":"BTC/USDT","bid":)"))
      << snap;
  expect_ticker(snap, 0);
  EXPECT_EQ(ep.subscriber_count(0), 1u);
  EXPECT_EQ(ep.subscriber_count(1), 0u);

  event(0);
  event(1);  // not subscribed
  ASSERT_EQ(conn.frames.size(), 4u);
  const std::string update = conn.last();
  EXPECT_TRUE(
      update.starts_with(R"({"channel":"ticker","type":"update","data":[{"symbol":"BTC/USDT",)"))
      << update;
  EXPECT_TRUE(update.ends_with(R"(,"timestamp":"2025-11-25T09:00:34.567891Z"}]})")) << update;
  const tick t = expect_ticker(update, 0);
  EXPECT_EQ(t.exchange_ts_us, event_us);
  // The documented key order, numbers unquoted.
  const std::regex shape(
      R"re(^\{"channel":"ticker","type":"update","data":\[\{"symbol":"BTC/USDT","bid":\d+\.\d\d,"bid_qty":\d+\.\d{8},"ask":\d+\.\d\d,"ask_qty":\d+\.\d{8},"last":\d+\.\d\d,"volume":\d+\.\d{8},"vwap":\d+\.\d\d,"low":\d+\.\d\d,"high":\d+\.\d\d,"change":-?\d+\.\d\d,"change_pct":-?\d+\.\d\d,"timestamp":"[^"]+"\}\]\}$)re");
  EXPECT_TRUE(std::regex_match(update, shape)) << update;
  EXPECT_EQ(ep.stats().events, 1u);
  EXPECT_EQ(ep.stats().frames_sent, 2u);  // snapshot and update
}

TEST_F(kraken_fixture, OneEncodingIsSharedBySubscribers) {
  fake_connection a, b;
  auto ha = open(a);
  auto hb = open(b);
  event(0);  // an event before subscribing: the snapshot carries its time
  ha->on_text(subscribe_btc);
  hb->on_text(subscribe_btc);
  EXPECT_EQ(a.frames[2].get(), b.frames[2].get());  // one snapshot until the next event
  EXPECT_TRUE(a.at(2).ends_with(R"("timestamp":"2025-11-25T09:00:34.567891Z"}]})")) << a.at(2);
  event(0);
  ASSERT_EQ(a.frames.size(), 4u);
  ASSERT_EQ(b.frames.size(), 4u);
  EXPECT_EQ(a.frames[3].get(), b.frames[3].get());  // the same immutable update
  fake_connection c;
  auto hc = open(c);
  hc->on_text(subscribe_btc);
  EXPECT_NE(c.frames[2].get(), a.frames[2].get());  // a fresh snapshot after the event
  expect_ticker(c.at(2), 0);
}

TEST_F(kraken_fixture, SeveralSymbolsUnknownAndRepeated) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(
      R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USDT","FOO/USDT","ETH/USDT"],"snapshot":false,"event_trigger":"bbo"},"req_id":7})");
  ASSERT_EQ(conn.frames.size(), 4u);  // status, then one reply per symbol, no snapshots
  EXPECT_TRUE(conn.at(1).starts_with(
      R"({"method":"subscribe","req_id":7,"result":{"channel":"ticker","event_trigger":"bbo","snapshot":false,"symbol":"BTC/USDT"},"success":true,)"))
      << conn.at(1);
  EXPECT_TRUE(conn.at(2).starts_with(
      R"({"error":"Currency pair not supported FOO/USDT","method":"subscribe","req_id":7,"success":false,"symbol":"FOO/USDT","time_in":")"))
      << conn.at(2);
  expect_venue_error(conn.at(2));
  EXPECT_TRUE(conn.at(3).find(R"("symbol":"ETH/USDT"},"success":true)") != std::string::npos)
      << conn.at(3);
  EXPECT_EQ(ep.subscriber_count(0), 1u);
  EXPECT_EQ(ep.subscriber_count(1), 1u);

  // Kraken spells it BTC/USDT; other spellings are other (unknown) pairs.
  h->on_text(
      R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTCUSDT","btc/usdt","XBT/USDT"]}})");
  ASSERT_EQ(conn.frames.size(), 7u);
  for (std::size_t i = 4; i < 7; ++i) {
    EXPECT_TRUE(conn.at(i).starts_with(R"({"error":"Currency pair not supported )")) << conn.at(i);
    EXPECT_EQ(conn.at(i).find("req_id"), std::string::npos);  // none asked, none echoed
  }

  h->on_text(subscribe_btc);
  EXPECT_TRUE(conn.last().starts_with(
      R"({"error":"Already subscribed","method":"subscribe","req_id":1,"success":false,"symbol":"BTC/USDT",)"))
      << conn.last();
  EXPECT_EQ(ep.subscriber_count(0), 1u);

  h->on_text(
      R"({"method":"unsubscribe","params":{"channel":"ticker","symbol":["BTC/USDT"]},"req_id":8})");
  EXPECT_TRUE(conn.last().starts_with(
      R"({"method":"unsubscribe","req_id":8,"result":{"channel":"ticker","event_trigger":"trades","symbol":"BTC/USDT"},"success":true,"time_in":")"))
      << conn.last();
  expect_control(conn.last());
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  h->on_text(
      R"({"method":"unsubscribe","params":{"channel":"ticker","symbol":["BTC/USDT"]},"req_id":9})");
  EXPECT_TRUE(
      conn.last().starts_with(R"({"error":"Subscription Not Found","method":"unsubscribe")"))
      << conn.last();

  const auto before = conn.frames.size();
  event(0);
  EXPECT_EQ(conn.frames.size(), before);
  event(1);
  EXPECT_EQ(conn.frames.size(), before + 1);
  expect_ticker(conn.last(), 1);
  EXPECT_FALSE(conn.closed);
}

TEST_F(kraken_fixture, PingPong) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(R"({"method":"ping","req_id":101})");
  EXPECT_TRUE(conn.last().starts_with(R"({"method":"pong","req_id":101,"time_in":")"))
      << conn.last();
  EXPECT_TRUE(std::regex_search(conn.last(), reply_times));
  expect_control(conn.last());
  h->on_text(R"({"method":"ping"})");  // tickerd's keepalive
  EXPECT_TRUE(conn.last().starts_with(R"({"method":"pong","time_in":")")) << conn.last();
  expect_control(conn.last());
  h->on_text(R"({"method":"ping","req_id":18446744073709551615})");
  EXPECT_TRUE(conn.last().starts_with(R"({"method":"pong","req_id":18446744073709551615,)"));
  h->on_text(R"({"method":"ping","params":{},"req_id":0})");
  EXPECT_TRUE(conn.last().starts_with(
      R"({"error":"Unsupported field: 'params' for the given msg type: ping","method":"ping","req_id":0,"success":false,)"))
      << conn.last();
  expect_venue_error(conn.last());
  EXPECT_EQ(std::string(kraken_adapter::ping_message), R"({"method":"ping"})");
}

TEST_F(kraken_fixture, BadRequestsGetKrakenErrors) {
  fake_connection conn;
  auto h = open(conn);
  const std::pair<std::string, std::string> cases[] = {
      {"{not json", R"({"error":"Malformed request","success":false,)"},
      {"[1,2]", R"({"error":"Malformed request","success":false,)"},
      {R"({"params":{}})", R"({"error":"Malformed request","success":false,)"},
      {R"({"method":7})", R"({"error":"Malformed request","success":false,)"},
      {R"({"method":"add_order","req_id":3})",
       R"({"error":"Unsupported event","method":"add_order","req_id":3,"success":false,)"},
      {R"({"method":"subscribe","params":{"channel":"book","symbol":["BTC/USDT"]}})",
       R"({"error":"Unsupported event","method":"subscribe","success":false,)"},
      {R"({"method":"subscribe","params":{"channel":"ticker"},"req_id":4})",
       R"({"error":"EGeneral:Invalid arguments","method":"subscribe","req_id":4,"success":false,)"},
      {R"({"method":"subscribe","params":{"channel":"ticker","symbol":[]}})",
       R"({"error":"EGeneral:Invalid arguments","method":"subscribe","success":false,)"},
      {R"({"method":"subscribe","params":{"channel":"ticker","symbol":"BTC/USDT"}})",
       R"({"error":"EGeneral:Invalid arguments","method":"subscribe","success":false,)"},
      {R"({"method":"subscribe","params":{"channel":"ticker","symbol":[1]}})",
       R"({"error":"EGeneral:Invalid arguments","method":"subscribe","success":false,)"},
      {R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USDT"],"snapshot":"yes"}})",
       R"({"error":"EGeneral:Invalid arguments","method":"subscribe","success":false,)"},
      {R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USDT"],"event_trigger":"book"}})",
       R"({"error":"EGeneral:Invalid arguments","method":"subscribe","success":false,)"},
      {R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USDT"]},"req_id":"a"})",
       R"({"error":"EGeneral:Invalid arguments","method":"subscribe","success":false,)"},
      {R"({"method":"subscribe","params":[],"req_id":5})",
       R"({"error":"EGeneral:Invalid arguments","method":"subscribe","req_id":5,"success":false,)"},
  };
  for (const auto& [request, reply] : cases) {
    const auto before = conn.frames.size();
    h->on_text(request);
    ASSERT_EQ(conn.frames.size(), before + 1) << request;
    EXPECT_TRUE(conn.last().starts_with(reply)) << request << " -> " << conn.last();
    expect_venue_error(conn.last());
  }
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  EXPECT_FALSE(conn.closed);
}

TEST_F(kraken_fixture, HeartbeatsOnlyWhileSubscribedAndQuiet) {
  fake_connection idle, subscribed;
  auto hi = open(idle);
  auto hs = open(subscribed);
  hs->on_text(subscribe_btc);
  const auto after_subscribe = subscribed.frames.size();
  ep.on_second();  // the snapshot went out this second: no heartbeat
  EXPECT_EQ(subscribed.frames.size(), after_subscribe);
  ep.on_second();
  ASSERT_EQ(subscribed.frames.size(), after_subscribe + 1);
  EXPECT_EQ(subscribed.last(), R"({"channel":"heartbeat"})");
  expect_control(subscribed.last());
  const frame_ptr first = subscribed.frames.back();
  event(0);  // an update this second
  ep.on_second();
  EXPECT_EQ(subscribed.frames.size(), after_subscribe + 2);
  ep.on_second();
  ASSERT_EQ(subscribed.frames.size(), after_subscribe + 3);
  EXPECT_EQ(subscribed.frames.back().get(), first.get());  // one shared heartbeat frame
  EXPECT_EQ(idle.frames.size(), 1u);  // only its status: nothing subscribed, no heartbeats
  EXPECT_EQ(ep.stats().heartbeats, 2u);
}

TEST_F(kraken_fixture, InactiveConnectionsAreClosedAfterAMinute) {
  fake_connection idle, chatty, subscribed;
  auto hi = open(idle);
  auto hc = open(chatty);
  auto hs = open(subscribed);
  hs->on_text(subscribe_btc);
  for (unsigned i = 1; i < kraken::idle_cutoff_seconds; ++i) {
    ep.on_second();
    if (i % 30 == 0) hc->on_text(R"({"method":"ping"})");  // any message counts as activity
  }
  EXPECT_FALSE(idle.closed);
  ep.on_second();
  EXPECT_TRUE(idle.closed);
  EXPECT_EQ(idle.close_code_, close_code::normal);
  EXPECT_EQ(ep.stats().idle_closes, 1u);
  for (int i = 0; i < 200; ++i) ep.on_second();  // subscribed: heartbeats, never idle
  EXPECT_FALSE(subscribed.closed);
  EXPECT_TRUE(chatty.closed);  // its last message was long ago
  // Unsubscribing starts the clock again.
  hs->on_text(R"({"method":"unsubscribe","params":{"channel":"ticker","symbol":["BTC/USDT"]}})");
  for (unsigned i = 1; i < kraken::idle_cutoff_seconds; ++i) ep.on_second();
  EXPECT_FALSE(subscribed.closed);
  ep.on_second();
  EXPECT_TRUE(subscribed.closed);
}

TEST_F(kraken_fixture, ClosingConnectionUnsubscribes) {
  fake_connection conn;
  {
    auto h = open(conn);
    h->on_text(
        R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USDT","ETH/USDT"]}})");
    EXPECT_EQ(ep.subscriber_count(0), 1u);
    EXPECT_EQ(ep.subscriber_count(1), 1u);
  }
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  EXPECT_EQ(ep.subscriber_count(1), 0u);
  const auto before = conn.frames.size();
  event(0);  // nobody to deliver to, nothing dangling
  ep.on_second();
  EXPECT_EQ(conn.frames.size(), before);
}

TEST(SimKraken, EverySymbolOfTheModelInKrakenSpelling) {
  const auto specs = builtin_specs();
  market_model model({specs.begin(), specs.end()}, 7);
  kraken::endpoint ep(model, 7);
  symbol_map symbols;
  std::string request = R"({"method":"subscribe","params":{"channel":"ticker","symbol":[)";
  for (std::size_t i = 0; i < model.size(); ++i) {
    const std::string native = kraken::native_symbol(model.symbol(i).spec());
    EXPECT_EQ(ep.symbol_of(native), i) << native;
    symbols.add(native, static_cast<instrument_id>(i));
    request += (i ? ",\"" : "\"") + native + "\"";
  }
  request += "]}}";
  EXPECT_EQ(ep.symbol_of("BTC/USDT"), 0u);
  EXPECT_EQ(ep.symbol_of("DOGE/USDT"), 5u);

  fake_connection conn;
  http_reject reject;
  auto h = ep.accept("/v2", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(request);
  ASSERT_EQ(conn.frames.size(), 1 + 2 * model.size());  // status, then ack + snapshot each
  kraken_adapter adapter(symbols);
  std::vector<tick> ticks;
  std::size_t controls = 0;
  for (std::size_t round = 0; round < 20; ++round) {
    for (std::size_t i = 0; i < model.size(); ++i) {
      model.step(i);
      ep.publish(i, event_us + static_cast<std::int64_t>(round));
    }
  }
  for (const auto& f : conn.frames) {
    const parse_result r = adapter.parse(*f, 1, ticks);
    ASSERT_EQ(r.error, feed_errc::ok) << *f;
    EXPECT_EQ(r.unknown_symbols, 0u);
    if (r.kind == frame_kind::control) ++controls;
  }
  EXPECT_EQ(controls, 1 + model.size());
  ASSERT_EQ(ticks.size(), 21 * model.size());
  // Every price is positive, at the symbol's precision, and open = last - change.
  for (const tick& t : ticks) {
    const symbol_spec& spec = model.symbol(t.instrument).spec();
    EXPECT_GT(t.last.mantissa(), 0);
    EXPECT_GT(t.bid.mantissa(), 0);
    EXPECT_EQ(t.last.scale(), spec.price_scale);
    EXPECT_TRUE(t.has(tf_open));
    EXPECT_LE(t.bid, t.ask);
    EXPECT_LE(t.low_24h, t.high_24h);
  }
}

TEST(SimKraken, DeviationIsAFewBasisPointsAndFollowsTheSeed) {
  const auto specs = builtin_specs();
  bool differs = false;
  for (const symbol_spec& spec : specs) {
    const std::int64_t a = kraken::price_offset_ticks(spec, 42);
    EXPECT_EQ(a, kraken::price_offset_ticks(spec, 42)) << spec.native();  // deterministic
    EXPECT_NE(a, 0) << spec.native();
    const std::int64_t magnitude = a < 0 ? -a : a;
    // 1 to 5 bps of the start price (at least one tick).
    EXPECT_LE(magnitude, std::max<std::int64_t>(1, spec.start_price * 5 / 10'000)) << spec.native();
    EXPECT_GE(magnitude, std::max<std::int64_t>(1, spec.start_price / 10'000)) << spec.native();
    for (std::uint64_t seed = 1; seed < 8; ++seed) {
      differs = differs || kraken::price_offset_ticks(spec, seed) != a;
    }
  }
  EXPECT_TRUE(differs);
}

TEST(SimKraken, Rfc3339RoundTrip) {
  const std::pair<std::int64_t, std::string_view> cases[] = {
      {1'695'632'671'742'648, "2023-09-25T09:04:31.742648Z"},
      {0, "1970-01-01T00:00:00.000000Z"},
      {951'868'799'999'000, "2000-02-29T23:59:59.999000Z"},
      {-500'000, "1969-12-31T23:59:59.500000Z"},
      {253'402'300'799'999'999, "9999-12-31T23:59:59.999999Z"},
  };
  for (const auto& [us, text] : cases) {
    std::string out;
    kraken::append_rfc3339(out, us);
    EXPECT_EQ(out, text);
  }
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<std::int64_t> any(-2'000'000'000'000'000, 4'000'000'000'000'000);
  for (int i = 0; i < 20'000; ++i) {
    const std::int64_t us = any(rng);
    std::string out;
    kraken::append_rfc3339(out, us);
    std::int64_t back = 0;
    ASSERT_TRUE(venue_time::parse_rfc3339_us(out, back)) << out;
    EXPECT_EQ(back, us) << out;  // both at µs: exact
  }
}

TEST(SimKraken, RoutedByItsRealPath) {
  market_model model{two_symbols(), 1};
  kraken::endpoint ep(model, 1);
  router r;
  r.add(ep);
  auto m = r.route("/v2");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &ep);
  EXPECT_EQ(m->target, "/v2");
  m = r.route("/kraken/v2?x=1");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &ep);
  EXPECT_EQ(m->target, "/v2?x=1");
  EXPECT_FALSE(r.route("/ws"));
}

}  // namespace
}  // namespace tickerd::sim
