// The sim's Bybit v5 public spot protocol without sockets: requests and their documented
// replies, the two topics read back by tickerd's own Bybit adapter, one shared frame per
// event, level-1 refreshes, idle cut-off, limits, venue price offsets, and the router.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "feeds/venues/bybit_adapter.hpp"
#include "sim/bybit_protocol.hpp"
#include "sim/router.hpp"

namespace tickerd::sim {
namespace {

constexpr std::int64_t t0_us = 1'764'061'234'567'000;
constexpr std::int64_t second_us = 1'000'000;

// Records what a handler sends, instead of a socket.
class fake_connection final : public connection {
 public:
  std::uint64_t id() const noexcept override { return 9; }
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

std::vector<symbol_spec> two_symbols() {
  return {*find_spec("BTCUSDT"), *find_spec("ETHUSDT")};
}

struct bybit_fixture : ::testing::Test {
  std::int64_t now = t0_us;
  market_model model{two_symbols(), 42};
  bybit::endpoint ep{model, options()};
  bybit_adapter reader{reader_symbols()};

  bybit::endpoint_options options() {
    bybit::endpoint_options o;
    o.seed = 42;
    o.clock_us = [this] { return now; };
    return o;
  }
  static symbol_map reader_symbols() {
    symbol_map m;
    m.add("BTCUSDT", 0);
    m.add("ETHUSDT", 1);
    return m;
  }

  std::unique_ptr<connection_handler> open(fake_connection& conn,
                                           const std::string& target = "/v5/public/spot") {
    http_reject reject;
    auto h = ep.accept(target, reject);
    EXPECT_TRUE(h) << target << ": " << reject.body;
    if (h) h->on_open(conn);
    return h;
  }
  std::string conn_id(const std::unique_ptr<connection_handler>& h) {
    return static_cast<bybit::session&>(*h).conn_id();
  }

  void step(std::size_t index) {
    model.step(index);
    ep.publish(index, now);
  }
  void advance(std::int64_t us) {
    now += us;
    ep.housekeeping(now);
  }

  // One frame through tickerd's adapter: exactly one tick.
  tickerd::tick read(const std::string& frame) {
    std::vector<tickerd::tick> out;
    const parse_result r = reader.parse(frame, 1, out);
    EXPECT_EQ(r.error, feed_errc::ok) << frame;
    EXPECT_EQ(r.kind, frame_kind::data) << frame;
    EXPECT_EQ(out.size(), 1u) << frame;
    return out.empty() ? tickerd::tick{} : out.front();
  }
  frame_kind kind_of(const std::string& frame, feed_errc expected = feed_errc::ok) {
    std::vector<tickerd::tick> out;
    const parse_result r = reader.parse(frame, 1, out);
    EXPECT_EQ(r.error, expected) << frame;
    EXPECT_TRUE(out.empty()) << frame;
    return r.kind;
  }
};

TEST(SimBybitProtocol, ServesOnlyTheSpotPath) {
  market_model model{two_symbols(), 1};
  bybit::endpoint ep{model, std::uint64_t{1}};
  EXPECT_EQ(ep.venue(), "bybit");
  EXPECT_EQ(ep.routes(), std::vector<std::string>{"/v5/public/spot"});
  http_reject reject;
  EXPECT_TRUE(ep.accept("/v5/public/spot", reject));
  EXPECT_TRUE(ep.accept("/v5/public/spot?foo=1", reject));
  for (const char* bad : {"/v5/public/spot/x", "/v5/public/linear", "/v5/public/spotx"}) {
    EXPECT_FALSE(ep.accept(bad, reject)) << bad;
    EXPECT_EQ(reject.status, 404u);
  }

  router r;
  r.add(ep);
  for (const char* t : {"/v5/public/spot", "/bybit/v5/public/spot"}) {
    const auto m = r.route(t);
    ASSERT_TRUE(m) << t;
    EXPECT_EQ(m->endpoint, &ep);
    EXPECT_EQ(m->target, "/v5/public/spot");
  }
  EXPECT_FALSE(r.route("/v5/public/linear"));
}

TEST_F(bybit_fixture, PingGetsTheDocumentedSpotPong) {
  fake_connection conn;
  auto h = open(conn);
  EXPECT_TRUE(conn.frames.empty());
  h->on_text(R"({"op":"ping"})");
  ASSERT_EQ(conn.frames.size(), 1u);
  EXPECT_EQ(conn.last(),
            R"({"success":true,"ret_msg":"pong","conn_id":")" + conn_id(h) + R"(","op":"ping"})");
  h->on_text(R"({"req_id": "100001", "op": "ping"})");
  EXPECT_EQ(conn.last(), R"({"success":true,"ret_msg":"pong","conn_id":")" + conn_id(h) +
                             R"(","req_id":"100001","op":"ping"})");
  EXPECT_EQ(kind_of(conn.last()), frame_kind::control);
  // A UUID-shaped connection id, different per connection, the same for the same seed.
  const std::string id = conn_id(h);
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[23], '-');
  fake_connection other;
  auto h2 = open(other);
  EXPECT_NE(conn_id(h2), id);
  EXPECT_EQ(bybit::connection_id(42, 1), id);
}

TEST_F(bybit_fixture, SubscribeAcksThenBookSnapshotThenData) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(
      R"({"req_id":"10001","op":"subscribe","args":["tickers.BTCUSDT","orderbook.1.BTCUSDT"]})");
  ASSERT_EQ(conn.frames.size(), 2u);
  // The documented spot reply shape.
  EXPECT_EQ(conn.at(0), R"({"success":true,"ret_msg":"subscribe","conn_id":")" + conn_id(h) +
                            R"(","req_id":"10001","op":"subscribe"})");
  EXPECT_EQ(kind_of(conn.at(0)), frame_kind::control);
  // "Once you have subscribed successfully, you will receive a snapshot" (the ticker waits for
  // the next event).
  EXPECT_TRUE(conn.at(1).starts_with(
      R"({"topic":"orderbook.1.BTCUSDT","ts":1764061234567,"type":"snapshot","data":{"s":"BTCUSDT","b":[[)"))
      << conn.at(1);
  const tickerd::tick book = read(conn.at(1));
  const std::int64_t offset = ep.offset_ticks(0);
  const symbol_spec& spec = model.symbol(0).spec();
  const symbol_state& s0 = model.symbol(0).state();
  EXPECT_EQ(book.fields, tf_bid | tf_bid_qty | tf_ask | tf_ask_qty);
  EXPECT_TRUE(book.bid.identical(spec.price(s0.bid + offset)));
  EXPECT_TRUE(book.ask.identical(spec.price(s0.ask + offset)));
  EXPECT_TRUE(book.bid_qty.identical(spec.qty(s0.bid_qty)));
  EXPECT_EQ(book.exchange_ts_us, t0_us / 1000 * 1000);  // Bybit sends ms

  now += 250'000;
  step(0);
  step(1);  // not subscribed
  ASSERT_EQ(conn.frames.size(), 4u);
  EXPECT_TRUE(conn.at(2).starts_with(
      R"({"topic":"tickers.BTCUSDT","ts":1764061234817,"type":"snapshot","cs":)"))
      << conn.at(2);
  const tickerd::tick t = read(conn.at(2));
  const symbol_state& s = model.symbol(0).state();
  EXPECT_EQ(t.fields, tf_last | tf_open | tf_high | tf_low | tf_volume_base | tf_volume_quote |
                          tf_change_pct);
  EXPECT_EQ(t.exchange_ts_us, 1764061234817000);
  EXPECT_EQ(t.last, spec.price(s.last + offset));  // trailing zeros trimmed: equal, not identical
  EXPECT_EQ(t.open_24h, spec.price(s.open_24h + offset));
  EXPECT_EQ(t.high_24h, spec.price(s.high_24h + offset));
  EXPECT_EQ(t.low_24h, spec.price(s.low_24h + offset));
  EXPECT_EQ(t.volume_base, spec.qty(s.volume_base));
  EXPECT_EQ(t.volume_quote, decimal(s.volume_quote, spec.quote_volume_scale()));
  EXPECT_EQ(t.venue_change_pct, change_pct(s.last + offset, s.open_24h + offset, 2));
  const tickerd::tick b = read(conn.at(3));
  EXPECT_TRUE(b.bid.identical(spec.price(s.bid + offset)));
  EXPECT_TRUE(b.ask_qty.identical(spec.qty(s.ask_qty)));
  EXPECT_EQ(ep.stats().frames_sent, 3u);
}

TEST_F(bybit_fixture, TickerFieldsInTheDocumentedOrder) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(R"({"op":"subscribe","args":["tickers.ETHUSDT"]})");
  step(1);
  ASSERT_EQ(conn.frames.size(), 2u);
  const std::string f = conn.last();
  std::size_t at = 0;
  for (const char* key :
       {"\"topic\":", "\"ts\":", "\"type\":", "\"cs\":", "\"data\":", "\"symbol\":",
        "\"lastPrice\":", "\"highPrice24h\":", "\"lowPrice24h\":", "\"prevPrice24h\":",
        "\"volume24h\":", "\"turnover24h\":", "\"price24hPcnt\":", "\"usdIndexPrice\":"}) {
    const auto p = f.find(key, at);
    ASSERT_NE(p, std::string::npos) << key << " in " << f;
    at = p;
  }
  EXPECT_EQ(f.find("bid1Price"), std::string::npos);  // spot tickers carry no bid/ask
  EXPECT_EQ(f.find(".\""), std::string::npos);        // no "12." left by trimming
}

TEST(SimBybitEncode, SpotSpellings) {
  const symbol_spec spec = *find_spec("BTCUSDT");  // 2 price decimals, 5 quantity decimals
  symbol_state s;
  s.last = 2057500;  // 20575.00
  s.open_24h = 2018000;
  s.high_24h = 2142699;
  s.low_24h = 2057500;
  s.bid = 2057490;
  s.ask = 2057500;
  s.bid_qty = 600;
  s.ask_qty = 2900;
  s.volume_base = 586547018;
  s.volume_quote = 12345670000000;
  s.seq = 3;
  const std::string t = bybit::encode_ticker(spec, s, 1672305380595, 496622841);
  EXPECT_EQ(t, R"({"topic":"tickers.BTCUSDT","ts":1672305380595,"type":"snapshot","cs":496622841,)"
               R"("data":{"symbol":"BTCUSDT","lastPrice":"20575","highPrice24h":"21426.99",)"
               R"("lowPrice24h":"20575","prevPrice24h":"20180","volume24h":"5865.47018",)"
               R"("turnover24h":"1234567","price24hPcnt":"0.0196","usdIndexPrice":"20574.95"}})");
  const std::string b = bybit::encode_book(spec, s, 1672304484978, 18521288, 7961638724);
  EXPECT_EQ(b, R"({"topic":"orderbook.1.BTCUSDT","ts":1672304484978,"type":"snapshot",)"
               R"("data":{"s":"BTCUSDT","b":[["20574.90","0.00600"]],"a":[["20575.00","0.02900"]],)"
               R"("u":18521288,"seq":7961638724},"cts":1672304484976})");
  // A falling market, and a quote currency without a USD index.
  s.open_24h = 2068000;
  symbol_spec eth_btc = spec;
  eth_btc.quote = "BTC";
  const std::string down = bybit::encode_ticker(eth_btc, s, 1, 2);
  EXPECT_NE(down.find(R"("price24hPcnt":"-0.0051")"), std::string::npos) << down;
  EXPECT_NE(down.find(R"("usdIndexPrice":"")"), std::string::npos) << down;
  s.last = s.open_24h;
  const std::string flat = bybit::encode_ticker(spec, s, 1, 2);
  EXPECT_NE(flat.find(R"("price24hPcnt":"0")"), std::string::npos) << flat;

  EXPECT_EQ(
      bybit::encode_reply(false, "Invalid symbol :[tickers.X]", "c", std::nullopt, "subscribe"),
      R"({"success":false,"ret_msg":"Invalid symbol :[tickers.X]","conn_id":"c",)"
      R"("op":"subscribe"})");
}

TEST_F(bybit_fixture, OneEncodingIsSharedBySubscribers) {
  fake_connection a, b;
  auto ha = open(a);
  auto hb = open(b);
  ha->on_text(R"({"op":"subscribe","args":["tickers.BTCUSDT","orderbook.1.BTCUSDT"]})");
  hb->on_text(R"({"op":"subscribe","args":["orderbook.1.BTCUSDT","tickers.BTCUSDT"]})");
  a.frames.clear();
  b.frames.clear();
  step(0);
  ASSERT_EQ(a.frames.size(), 2u);
  ASSERT_EQ(b.frames.size(), 2u);
  EXPECT_EQ(a.frames[0].get(), b.frames[0].get());  // the same immutable string
  EXPECT_EQ(a.frames[1].get(), b.frames[1].get());
}

TEST_F(bybit_fixture, LevelOneBookIsPushedAgainAfterThreeQuietSeconds) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(R"({"op":"subscribe","args":["orderbook.1.ETHUSDT"]})");
  ASSERT_EQ(conn.frames.size(), 2u);
  const std::string first = conn.last();
  advance(2'900'000);
  EXPECT_EQ(conn.frames.size(), 2u);
  advance(100'000);  // 3 s without a change
  ASSERT_EQ(conn.frames.size(), 3u);
  const std::string again = conn.last();
  // "the field u will be the same as that in the previous message"; ts moves on.
  const auto tail = [](const std::string& f) { return f.substr(f.find("\"data\"")); };
  const auto u_of = [](const std::string& f) {
    const auto p = f.find("\"u\":");
    return f.substr(p, f.find(',', p) - p);
  };
  EXPECT_EQ(u_of(first), u_of(again));
  EXPECT_NE(first, again);
  EXPECT_EQ(tail(first).substr(0, tail(first).find("\"cts\"")),
            tail(again).substr(0, tail(again).find("\"cts\"")));
  EXPECT_EQ(read(again).exchange_ts_us, (t0_us + 3 * second_us) / 1000 * 1000);
  EXPECT_EQ(ep.stats().book_refreshes, 1u);
  // A market event that changes the top of book pushes a new "u" at once.
  now += 100'000;
  step(1);
  ASSERT_EQ(conn.frames.size(), 4u);
  EXPECT_NE(u_of(conn.last()), u_of(first));
}

TEST_F(bybit_fixture, UnsubscribeStopsData) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(R"({"op":"subscribe","args":["tickers.BTCUSDT","orderbook.1.BTCUSDT"]})");
  h->on_text(R"({"op":"unsubscribe","args":["tickers.BTCUSDT","orderbook.1.BTCUSDT"],)"
             R"("req_id":"customised_id"})");
  EXPECT_EQ(conn.last(), R"({"success":true,"ret_msg":"unsubscribe","conn_id":")" + conn_id(h) +
                             R"(","req_id":"customised_id","op":"unsubscribe"})");
  EXPECT_EQ(kind_of(conn.last()), frame_kind::control);
  const auto n = conn.frames.size();
  step(0);
  advance(10 * second_us);
  EXPECT_EQ(conn.frames.size(), n);
  EXPECT_TRUE(static_cast<bybit::session&>(*h).topics().empty());
}

TEST_F(bybit_fixture, RefusedSubscriptions) {
  fake_connection conn;
  auto h = open(conn);
  const std::string prefix = R"({"success":false,"ret_msg":")";
  const std::string suffix = R"(","conn_id":")" + conn_id(h) + R"(","op":"subscribe"})";
  // Spot: "up to 10 args for each subscription request"; the whole request is refused.
  h->on_text(R"({"op":"subscribe","args":["tickers.BTCUSDT","orderbook.1.BTCUSDT",)"
             R"("tickers.ETHUSDT","orderbook.1.ETHUSDT","publicTrade.BTCUSDT",)"
             R"("publicTrade.ETHUSDT","kline.1.BTCUSDT","kline.5.BTCUSDT",)"
             R"("orderbook.50.BTCUSDT","orderbook.200.ETHUSDT","kline.D.ETHUSDT"]})");
  EXPECT_EQ(conn.last(), prefix + "args size >10" + suffix);
  EXPECT_EQ(kind_of(conn.last(), feed_errc::venue_error), frame_kind::control);
  // A symbol the market does not have refuses the whole request, naming the topic.
  h->on_text(R"({"op":"subscribe","args":["tickers.BTCUSDT","tickers.NOPEUSDT"]})");
  EXPECT_EQ(conn.last(), prefix + "Invalid symbol :[tickers.NOPEUSDT]" + suffix);
  h->on_text(R"({"op":"subscribe","args":["tickers.btcusdt"]})");  // upper case only
  EXPECT_EQ(conn.last(), prefix + "Invalid symbol :[tickers.btcusdt]" + suffix);
  h->on_text(R"({"op":"subscribe","args":["kline.2.BTCUSDT"]})");  // not an interval
  EXPECT_EQ(conn.last(), prefix + "Invalid topic :[kline.2.BTCUSDT]" + suffix);
  h->on_text(R"({"op":"subscribe","args":["trades.BTCUSDT"]})");
  EXPECT_EQ(conn.last(), prefix + "Invalid topic :[trades.BTCUSDT]" + suffix);
  EXPECT_TRUE(static_cast<bybit::session&>(*h).topics().empty());
  const auto n = conn.frames.size();
  step(0);
  EXPECT_EQ(conn.frames.size(), n);

  // Ten is fine; topics the sim does not produce are acked and stay silent.
  h->on_text(R"({"op":"subscribe","args":["tickers.BTCUSDT","kline.15.BTCUSDT",)"
             R"("kline.60.ETHUSDT","kline.1.BTCUSDT","kline.5.BTCUSDT","orderbook.50.BTCUSDT",)"
             R"("orderbook.200.ETHUSDT","kline.D.ETHUSDT","orderbook.rpi.BTCUSDT",)"
             R"("orderbook.1000.BTCUSDT"]})");
  EXPECT_EQ(conn.last(), R"({"success":true,"ret_msg":"subscribe","conn_id":")" + conn_id(h) +
                             R"(","op":"subscribe"})");
  EXPECT_EQ(static_cast<bybit::session&>(*h).topics().size(), 10u);
  const auto m = conn.frames.size();
  step(1);
  EXPECT_EQ(conn.frames.size(), m);
  step(0);
  EXPECT_EQ(conn.frames.size(), m + 1);  // tickers.BTCUSDT only
  // Subscribing again is not an error and does not duplicate data.
  h->on_text(R"({"op":"subscribe","args":["tickers.BTCUSDT","tickers.BTCUSDT"]})");
  step(0);
  EXPECT_EQ(conn.frames.size(), m + 3);
}

TEST_F(bybit_fixture, ArgsCharacterLimitPerConnection) {
  bybit::endpoint_options o = options();
  o.max_args_chars = 40;  // 21,000 on the venue; small here
  bybit::endpoint small{model, o};
  fake_connection conn;
  http_reject reject;
  auto h = small.accept("/v5/public/spot", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(R"({"op":"subscribe","args":["tickers.BTCUSDT","tickers.ETHUSDT"]})");  // 30
  EXPECT_NE(conn.last().find(R"("success":true)"), std::string::npos) << conn.last();
  h->on_text(R"({"op":"subscribe","args":["orderbook.1.BTCUSDT"]})");  // +19
  EXPECT_NE(conn.last().find(R"("success":false)"), std::string::npos) << conn.last();
  h->on_text(R"({"op":"unsubscribe","args":["tickers.ETHUSDT"]})");
  h->on_text(R"({"op":"subscribe","args":["orderbook.1.BTCUSDT"]})");
  EXPECT_NE(conn.at(conn.frames.size() - 2).find(R"("success":true)"), std::string::npos);
}

TEST_F(bybit_fixture, MalformedRequests) {
  fake_connection conn;
  auto h = open(conn);
  for (const char* bad : {"ping", "", "[1]", "{\"op\":", "{}", R"({"op":1})",
                          R"({"op":"subscribe"})", R"({"op":"subscribe","args":"tickers.BTCUSDT"})",
                          R"({"op":"subscribe","args":[1]})", R"({"op":"subscribe","args":[]})",
                          R"({"op":"auth","args":["k",1,"s"]})", R"({"op":"pong"})"}) {
    const auto n = conn.frames.size();
    h->on_text(bad);
    ASSERT_EQ(conn.frames.size(), n + 1) << bad;
    EXPECT_TRUE(conn.last().starts_with(R"({"success":false,"ret_msg":")")) << conn.last();
    EXPECT_EQ(kind_of(conn.last(), feed_errc::venue_error), frame_kind::control) << conn.last();
  }
  EXPECT_FALSE(conn.closed);  // an error never closes the connection
  EXPECT_EQ(h->max_incoming_per_sec(), 0u);
}

TEST_F(bybit_fixture, IdleConnectionsAreCutOffAfterTenMinutes) {
  fake_connection silent, pinging, fed;
  auto hs = open(silent);
  auto hp = open(pinging);
  auto hf = open(fed);
  hs->on_text(R"({"op":"subscribe","args":["publicTrade.BTCUSDT"]})");  // no data ever
  hf->on_text(R"({"op":"subscribe","args":["tickers.ETHUSDT"]})");
  // Ten minutes and one scan of 1 s steps: the pinger pings every 20 s, the fed one gets a
  // ticker every 5 s.
  int closed_at = -1;
  for (int s = 1; s <= 631; ++s) {
    now += second_us;
    if (s % 20 == 0) hp->on_text(R"({"op":"ping"})");
    if (s % 5 == 0) step(1);
    ep.housekeeping(now);
    if (silent.closed && closed_at < 0) closed_at = s;
  }
  EXPECT_EQ(closed_at, 601);
  // Activity was seen at t0; the scans run every 30 s from t0 + 1 s, so the one at t0 + 601 s
  // is the first to find the silent connection idle for 10 minutes.
  EXPECT_TRUE(silent.closed);
  EXPECT_EQ(silent.close_code_, close_code::normal);
  EXPECT_FALSE(pinging.closed);
  EXPECT_FALSE(fed.closed);
  EXPECT_EQ(ep.stats().idle_closes, 1u);
  // Closed once only.
  for (int s = 0; s < 100; ++s) advance(second_us);
  EXPECT_EQ(ep.stats().idle_closes, 1u);
  // The pinger stops: cut off within ten minutes and one scan.
  for (int s = 1; s <= 630 && !pinging.closed; ++s) {
    now += second_us;
    if (s % 5 == 0) step(1);
    ep.housekeeping(now);
  }
  EXPECT_TRUE(pinging.closed);
  EXPECT_FALSE(fed.closed);
}

TEST_F(bybit_fixture, IdleScanRunsEveryThirtySeconds) {
  bybit::endpoint_options o = options();
  o.idle_timeout = std::chrono::seconds(45);  // like max_active_time=45s in the docs' example
  bybit::endpoint ep45{model, o};
  fake_connection conn;
  http_reject reject;
  auto h = ep45.accept("/v5/public/spot", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  ep45.housekeeping(now);  // first scan at t0
  std::int64_t closed_after = -1;
  for (int s = 1; s <= 120 && closed_after < 0; ++s) {
    now += second_us;
    ep45.housekeeping(now);
    if (conn.closed) closed_after = s;
  }
  // Idle from t0; scans at 30 s (idle 30 s) and 60 s (idle 60 s >= 45 s).
  EXPECT_EQ(closed_after, 60);
}

TEST(SimBybitOffsets, DeterministicSmallAndSeeded) {
  std::set<std::int64_t> seen;
  for (const symbol_spec& spec : builtin_specs()) {
    const std::int64_t a = bybit::venue_offset_ticks(spec, 42);
    EXPECT_EQ(a, bybit::venue_offset_ticks(spec, 42)) << spec.native();
    EXPECT_NE(a, 0) << spec.native();
    // At most 5 basis points of the start price (or one tick when that rounds to zero).
    const std::int64_t limit = std::max<std::int64_t>(1, spec.start_price * 5 / 10'000);
    EXPECT_LE(std::abs(a), limit) << spec.native();
    seen.insert(a > 0 ? 1 : -1);
  }
  EXPECT_EQ(seen.size(), 2u);  // some up, some down
  int differ = 0;
  for (const symbol_spec& spec : builtin_specs()) {
    differ += bybit::venue_offset_ticks(spec, 42) != bybit::venue_offset_ticks(spec, 7);
  }
  EXPECT_GT(differ, 0);

  symbol_state s;
  s.last = 5;
  s.open_24h = 5;
  s.high_24h = 6;
  s.low_24h = 4;
  s.bid = 4;
  s.ask = 5;
  const symbol_state v = bybit::venue_view(s, -10);  // never below one tick, ask above bid
  EXPECT_EQ(v.last, 1);
  EXPECT_EQ(v.bid, 1);
  EXPECT_EQ(v.ask, 2);
  const symbol_state up = bybit::venue_view(s, 3);
  EXPECT_EQ(up.last, 8);
  EXPECT_EQ(up.high_24h, 9);
  EXPECT_EQ(up.low_24h, 7);
}

TEST_F(bybit_fixture, ClosedHandlerLeavesNoSubscriber) {
  fake_connection conn;
  {
    auto h = open(conn);
    h->on_text(R"({"op":"subscribe","args":["tickers.BTCUSDT","orderbook.1.BTCUSDT"]})");
    EXPECT_EQ(ep.open_sessions(), 1u);
  }
  EXPECT_EQ(ep.open_sessions(), 0u);
  const auto n = conn.frames.size();
  step(0);
  advance(5 * second_us);
  EXPECT_EQ(conn.frames.size(), n);
}

}  // namespace
}  // namespace tickerd::sim

namespace tickerd::sim {
namespace {

// CCXT sends "req_id" as a number; the venue echoes it as a string, which is how CCXT matches
// the reply to its pending subscribe and unsubscribe (its unWatchTicker waits for it).
TEST_F(bybit_fixture, NumericReqIdIsEchoedAsTheVenueDoes) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(R"({"op":"subscribe","req_id":2,"args":["tickers.BTCUSDT"]})");
  EXPECT_EQ(conn.last(), R"({"success":true,"ret_msg":"subscribe","conn_id":")" + conn_id(h) +
                             R"(","req_id":"2","op":"subscribe"})");
  h->on_text(R"({"op":"unsubscribe","req_id":3,"args":["tickers.BTCUSDT"]})");
  EXPECT_EQ(conn.last(), R"({"success":true,"ret_msg":"unsubscribe","conn_id":")" + conn_id(h) +
                             R"(","req_id":"3","op":"unsubscribe"})");
  EXPECT_TRUE(static_cast<bybit::session&>(*h).topics().empty());
}

}  // namespace
}  // namespace tickerd::sim
