// The sim's OKX v5 public protocol: without sockets (requests, acks, errors, fan-out of one
// shared frame, the 30 s idle cutoff on a fake clock, the venue's price offset), and on
// loopback with a Beast client (path, text ping/pong, shutdown notice). Pushes are read back
// with tickerd's own OKX adapter.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "feeds/venues/okx_adapter.hpp"
#include "sim/okx_encode.hpp"
#include "sim/okx_protocol.hpp"
#include "sim/router.hpp"
#include "sim/sim_app.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim {
namespace {

using namespace std::chrono_literals;

// Records what a handler sends, instead of a socket.
class fake_connection final : public connection {
 public:
  explicit fake_connection(std::uint64_t id = 7) : id_(id) {}
  std::uint64_t id() const noexcept override { return id_; }
  bool send(frame_ptr frame) override {
    if (closed) return false;
    frames.push_back(std::move(frame));
    return true;
  }
  void close(std::uint16_t code, std::string_view reason) override {
    ++closes;
    closed = true;
    close_code_ = code;
    close_reason = std::string(reason);
  }
  std::string last() const { return frames.empty() ? std::string() : *frames.back(); }
  std::string at(std::size_t i) const { return i < frames.size() ? *frames[i] : std::string(); }

  std::vector<frame_ptr> frames;
  bool closed = false;
  int closes = 0;
  std::uint16_t close_code_ = 0;
  std::string close_reason;

 private:
  std::uint64_t id_;
};

std::vector<symbol_spec> two_symbols() {
  return {*find_spec("BTCUSDT"), *find_spec("ETHUSDT")};
}

// The documented "Request Example" of "WS / Tickers channel", verbatim.
constexpr std::string_view documented_request = R"({
  "id": "1512",
  "op": "subscribe",
  "args": [
    {
      "channel": "tickers",
      "instId": "BTC-USDT"
    }
  ]
})";
// The "Unsubscribe" request example of the WebSocket overview, verbatim.
constexpr std::string_view documented_unsubscribe = R"({
  "op": "unsubscribe",
  "args": [
    {
      "channel": "tickers",
      "instId": "BTC-USDT"
    }
  ]
})";

struct okx_fixture : ::testing::Test {
  std::int64_t now = 1'000'000;  // fake monotonic milliseconds
  market_model model{two_symbols(), 42};
  okx::endpoint ep{model, nullptr, [this] { return now; }};

  std::unique_ptr<connection_handler> open(fake_connection& conn,
                                           const std::string& target = "/ws/v5/public") {
    http_reject reject;
    auto h = ep.accept(target, reject);
    EXPECT_TRUE(h) << target << ": " << reject.body;
    if (h) h->on_open(conn);
    return h;
  }
  static std::string conn_id(const std::unique_ptr<connection_handler>& h) {
    return static_cast<okx::session&>(*h).conn_id();
  }
  void tick(std::size_t index) {
    model.step(index);
    ep.publish(index, 1'764'061'234'567'890);
  }
  std::string sub(std::string_view inst, std::string_view id = "") {
    std::string s = "{";
    if (!id.empty()) s += R"("id":")" + std::string(id) + R"(",)";
    return s + R"("op":"subscribe","args":[{"channel":"tickers","instId":")" + std::string(inst) +
           R"("}]})";
  }
};

TEST_F(okx_fixture, ServesOnlyThePublicPath) {
  http_reject reject;
  EXPECT_TRUE(ep.accept("/ws/v5/public", reject));
  EXPECT_TRUE(ep.accept("/ws/v5/public?brokerId=9999", reject));
  for (const char* bad : {"/ws/v5/public/", "/ws/v5/public/x", "/ws/v5/business", "/ws"}) {
    EXPECT_FALSE(ep.accept(bad, reject)) << bad;
    EXPECT_EQ(reject.status, 404u);
  }
  EXPECT_EQ(ep.venue(), "okx");
  EXPECT_EQ(ep.routes(), (std::vector<std::string>{"/ws/v5/public"}));
}

TEST_F(okx_fixture, DocumentedRequestGetsDocumentedAckThenPushes) {
  fake_connection conn;
  auto h = open(conn);
  EXPECT_TRUE(conn.frames.empty());
  const std::string cid = conn_id(h);
  ASSERT_EQ(cid.size(), 8u);
  EXPECT_EQ(cid.find_first_not_of("0123456789abcdef"), std::string::npos);

  h->on_text(documented_request);
  // The "Successful Response Example", with this connection's connId.
  EXPECT_EQ(conn.last(),
            R"({"id":"1512","event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},)"
            R"("connId":")" +
                cid + R"("})");
  EXPECT_EQ(ep.subscriber_count(0), 1u);
  EXPECT_EQ(conn.frames.size(), 1u);  // nothing pushed until the next event
  tick(1);                            // not subscribed
  EXPECT_EQ(conn.frames.size(), 1u);
  tick(0);
  ASSERT_EQ(conn.frames.size(), 2u);
  EXPECT_TRUE(conn.last().starts_with(
      R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":")"))
      << conn.last();
  EXPECT_EQ(ep.stats().frames_sent, 1u);
  EXPECT_EQ(ep.stats().events, 1u);
}

TEST_F(okx_fixture, PushHasTheDocumentedFieldsInOrderAndReadsBackExactly) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text(sub("BTC-USDT"));
  tick(0);
  const std::string frame = conn.last();

  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_EQ(p.parse(frame).get(doc), simdjson::SUCCESS) << frame;
  simdjson::dom::object item;
  ASSERT_EQ(doc["data"].at(0).get(item), simdjson::SUCCESS);
  std::vector<std::string> keys;
  for (auto field : item) {
    keys.emplace_back(field.key);
    EXPECT_TRUE(field.value.is_string()) << field.key << ": every value is a string";
  }
  EXPECT_EQ(keys,
            (std::vector<std::string>{"instType", "instId", "last", "lastSz", "askPx", "askSz",
                                      "bidPx", "bidSz", "open24h", "high24h", "low24h", "volCcy24h",
                                      "vol24h", "sodUtc0", "sodUtc8", "ts"}));
  std::string_view ts;
  ASSERT_EQ(item["ts"].get(ts), simdjson::SUCCESS);
  EXPECT_EQ(ts, "1764061234567");  // milliseconds

  // tickerd's adapter reads back exactly the venue view of the model's state.
  symbol_map symbols;
  symbols.add("BTC-USDT", 3);
  okx_adapter adapter(symbols);
  std::vector<tickerd::tick> out;  // (tick() is the fixture's)
  const parse_result r = adapter.parse(frame, 5, out);
  ASSERT_EQ(r.error, feed_errc::ok) << to_string(r.error);
  ASSERT_EQ(out.size(), 1u);
  const tickerd::tick& t = out[0];
  const symbol_spec& spec = model.symbol(0).spec();
  const symbol_state view = okx::venue_view(model.symbol(0).state());
  EXPECT_EQ(t.instrument, 3);
  EXPECT_EQ(t.exchange_ts_us, 1764061234567000);
  EXPECT_EQ(t.last, spec.price(view.last));
  EXPECT_EQ(t.bid, spec.price(view.bid));
  EXPECT_EQ(t.ask, spec.price(view.ask));
  EXPECT_EQ(t.open_24h, spec.price(view.open_24h));
  EXPECT_EQ(t.high_24h, spec.price(view.high_24h));
  EXPECT_EQ(t.low_24h, spec.price(view.low_24h));
  EXPECT_EQ(t.bid_qty, spec.qty(view.bid_qty));
  EXPECT_EQ(t.ask_qty, spec.qty(view.ask_qty));
  EXPECT_EQ(t.volume_base, spec.qty(view.volume_base));
  EXPECT_EQ(t.volume_quote, decimal(view.volume_quote, spec.quote_volume_scale()));
  // OKX prints no trailing zeros: the text has at most the spec's digits, never a trailing 0.
  for (const decimal d : {t.last, t.bid, t.ask, t.volume_base, t.volume_quote}) {
    const std::string s = d.to_string();
    if (s.find('.') != std::string::npos) {
      EXPECT_NE(s.back(), '0') << s;
    }
  }
}

TEST_F(okx_fixture, OneEncodingIsSharedBySubscribers) {
  fake_connection a(1), b(2);
  auto ha = open(a);
  auto hb = open(b);
  ha->on_text(sub("ETH-USDT"));
  hb->on_text(sub("ETH-USDT"));
  EXPECT_NE(conn_id(ha), conn_id(hb));
  tick(1);
  ASSERT_EQ(a.frames.size(), 2u);
  ASSERT_EQ(b.frames.size(), 2u);
  EXPECT_EQ(a.frames[1].get(), b.frames[1].get());  // the same immutable string
  EXPECT_EQ(ep.stats().frames_sent, 2u);
}

TEST_F(okx_fixture, SeveralArgsAndUnsubscribe) {
  fake_connection conn;
  auto h = open(conn);
  const std::string cid = conn_id(h);
  h->on_text(
      R"({"id":"7","op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"},)"
      R"({"channel":"tickers","instId":"ETH-USDT"},{"channel":"tickers","instId":"BTC-USDT"}]})");
  ASSERT_EQ(conn.frames.size(), 3u);  // one ack per arg, a repeat included
  EXPECT_NE(conn.at(1).find(R"("instId":"ETH-USDT")"), std::string::npos);
  EXPECT_EQ(ep.subscriber_count(0), 1u);
  EXPECT_EQ(ep.subscriber_count(1), 1u);

  h->on_text(documented_unsubscribe);
  // The documented unsubscribe response: no "id" because the request had none.
  EXPECT_EQ(conn.last(),
            R"({"event":"unsubscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},"connId":")" +
                cid + R"("})");
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  const auto before = conn.frames.size();
  tick(0);
  EXPECT_EQ(conn.frames.size(), before);
  tick(1);
  EXPECT_EQ(conn.frames.size(), before + 1);
  EXPECT_EQ(static_cast<okx::session&>(*h).subscriptions(), (std::vector<std::size_t>{1}));
}

TEST_F(okx_fixture, UnknownInstrumentOrChannelIs60018AndTheRestStillSubscribe) {
  fake_connection conn;
  auto h = open(conn);
  const std::string cid = conn_id(h);
  h->on_text(
      R"({"id":"42","op":"subscribe","args":[{"channel":"tickers","instId":"NMR-USDT"},)"
      R"({"channel":"tickers","instId":"BTC-USDT"},{"channel":"books5","instId":"BTC-USDT"},)"
      R"({"channel":"tickers","instId":"btc-usdt"},{"channel":"status"},)"
      R"({"channel":"tickers","instId":"BTCUSDT"}]})");
  ASSERT_EQ(conn.frames.size(), 6u);
  const std::string tail =
      R"( doesn't exist. Please use the correct URL, channel and parameters referring to API document.","connId":")" +
      cid + R"("})";
  EXPECT_EQ(
      conn.at(0),
      R"({"id":"42","event":"error","code":"60018","msg":"Wrong URL or channel:tickers,instId:NMR-USDT)" +
          tail);
  EXPECT_TRUE(conn.at(1).starts_with(R"({"id":"42","event":"subscribe",)")) << conn.at(1);
  EXPECT_EQ(
      conn.at(2),
      R"({"id":"42","event":"error","code":"60018","msg":"Wrong URL or channel:books5,instId:BTC-USDT)" +
          tail);
  EXPECT_NE(conn.at(3).find(R"("code":"60018")"), std::string::npos);  // ids are case-sensitive
  EXPECT_EQ(
      conn.at(4),
      R"({"id":"42","event":"error","code":"60018","msg":"Wrong URL or channel:status)" + tail);
  EXPECT_NE(conn.at(5).find(R"("code":"60018")"), std::string::npos);  // Binance's spelling
  EXPECT_EQ(ep.subscriber_count(0), 1u);
  EXPECT_FALSE(conn.closed);
}

TEST_F(okx_fixture, EveryModelSymbolIsServedInOkxSpelling) {
  std::vector<symbol_spec> all(builtin_specs().begin(), builtin_specs().end());
  all.push_back(*find_spec("PEPE-USDC"));  // outside the table: a generated instrument
  market_model big(all, 7);
  okx::endpoint e(big, nullptr, [this] { return now; });
  fake_connection conn;
  http_reject reject;
  auto h = e.accept("/ws/v5/public", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  for (std::size_t i = 0; i < big.size(); ++i) {
    const std::string inst = okx::inst_id(big.symbol(i).spec());
    EXPECT_NE(inst.find('-'), std::string::npos);
    h->on_text(sub(inst));
    EXPECT_TRUE(conn.last().starts_with(R"({"event":"subscribe")")) << inst << ": " << conn.last();
    EXPECT_EQ(e.subscriber_count(i), 1u) << inst;
  }
  EXPECT_EQ(okx::inst_id(big.symbol(big.size() - 1).spec()), "PEPE-USDC");
}

TEST_F(okx_fixture, InvalidRequests) {
  fake_connection conn;
  auto h = open(conn);
  const std::string cid = conn_id(h);
  const auto err = [&](std::string_view code, std::string_view msg, std::string_view id = "") {
    std::string s = "{";
    if (!id.empty()) s += R"("id":")" + std::string(id) + R"(",)";
    std::string quoted;
    json::append_string(quoted, msg);
    return s + R"("event":"error","code":")" + std::string(code) + R"(","msg":)" + quoted +
           R"(,"connId":")" + cid + R"("})";
  };

  // The request behind the documented "Failure Response Example" ("argss" for "args"); the
  // reply is that example without "id" (the request had none) and with this connId.
  const std::string argss =
      R"({"op": "subscribe", "argss":[{ "channel" : "tickers", "instId" : "LTC-USD-200327"}]})";
  h->on_text(argss);
  EXPECT_EQ(
      conn.last(),
      R"({"event":"error","code":"60012","msg":"Invalid request: {\"op\": \"subscribe\", \"argss\":[{ \"channel\" : \"tickers\", \"instId\" : \"LTC-USD-200327\"}]}","connId":")" +
          cid + R"("})");

  for (std::string_view text : {"{not json", "", "[]", "\"subscribe\"", "pong", "PING", "ping "}) {
    h->on_text(text);
    EXPECT_EQ(conn.last(), err("60012", "Invalid request: " + std::string(text))) << text;
  }
  // Ids: up to 32 letters and digits, as a string.
  for (std::string_view id : {R"(1512)", R"("has space")", R"("a-b")", R"("")", R"(null)",
                              R"("0123456789abcdefghijABCDEFGHIJ012")"}) {
    const std::string req =
        R"({"id":)" + std::string(id) +
        R"(,"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]})";
    h->on_text(req);
    EXPECT_EQ(conn.last(), err("60012", "Invalid request: " + req)) << id;
  }
  h->on_text(
      R"({"id":"0123456789abcdefghijABCDEFGHIJ01","op":"unsubscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]})");
  EXPECT_TRUE(conn.last().starts_with(
      R"({"id":"0123456789abcdefghijABCDEFGHIJ01","event":"unsubscribe",)"));

  h->on_text(R"({"id":"9","op":"subscrbe","args":[]})");
  EXPECT_EQ(conn.last(), err("60019", "Invalid op: subscrbe", "9"));
  h->on_text(R"({"op":"login","args":[{"apiKey":"x"}]})");
  EXPECT_EQ(conn.last(), err("60019", "Invalid op: login"));
  for (std::string_view body :
       {R"("args":[])", R"("args":{})", R"("args":"tickers")", R"("args":[1])",
        R"("args":[{"instId":"BTC-USDT"}])", R"("args":[{"channel":1,"instId":"BTC-USDT"}])",
        R"("args":[{"channel":"tickers","instId":5}])", R"("x":1)"}) {
    const std::string req = R"({"id":"3","op":"subscribe",)" + std::string(body) + "}";
    h->on_text(req);
    EXPECT_EQ(conn.last(), err("60012", "Invalid request: " + req, "3")) << body;
  }
  h->on_text(R"({"id":"3","op":1})");
  EXPECT_EQ(conn.last(), err("60012", R"(Invalid request: {"id":"3","op":1})", "3"));

  // A long request is quoted back only in part, never splitting a UTF-8 character.
  // (512 bytes would end inside the "\xc3\xa9" that follows 6 + 505 bytes.)
  const std::string long_req = "{\"x\":\"" + std::string(505, 'a') + "\xc3\xa9\"}";
  h->on_text(long_req);
  EXPECT_EQ(conn.last(), err("60012", "Invalid request: {\"x\":\"" + std::string(505, 'a')));
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  EXPECT_FALSE(conn.closed);
}

TEST_F(okx_fixture, TextPingIsAnsweredWithPong) {
  fake_connection conn;
  auto h = open(conn);
  h->on_text("ping");
  EXPECT_EQ(conn.last(), "pong");
  EXPECT_EQ(conn.frames.size(), 1u);
}

TEST_F(okx_fixture, NoSubscriptionWithin30SecondsCloses4004) {
  fake_connection conn;
  auto h = open(conn);
  // Pings are answered, but a connection that never subscribes is still cut at 30 s.
  for (int i = 0; i < 3; ++i) {
    now += 9'999;
    h->on_text("ping");
    ep.sweep();
  }
  EXPECT_FALSE(conn.closed);
  now += 3;  // 29.997 s -> 30 s after opening
  ep.sweep();
  EXPECT_TRUE(conn.closed);
  EXPECT_EQ(conn.close_code_, okx::idle_close_code);
  EXPECT_EQ(conn.close_reason, "No data received in 30s");
  EXPECT_EQ(ep.stats().idle_closes, 1u);
  ep.sweep();  // closed once only
  EXPECT_EQ(conn.closes, 1);
  h->on_text("ping");  // nothing more is sent once closing
  EXPECT_EQ(conn.frames.size(), 3u);
}

TEST_F(okx_fixture, NothingPushedFor30SecondsCloses4004) {
  fake_connection conn;
  auto h = open(conn);
  now += 1'000;
  h->on_text(sub("BTC-USDT"));  // the ack is the last push
  now += okx::idle_timeout_ms - 1;
  ep.sweep();
  EXPECT_FALSE(conn.closed);
  now += 1;
  ep.sweep();
  EXPECT_TRUE(conn.closed);
  EXPECT_EQ(conn.close_code_, 4004);
  const auto frames = conn.frames.size();
  tick(0);  // a closing connection gets nothing more
  EXPECT_EQ(conn.frames.size(), frames);
  EXPECT_EQ(ep.stats().frames_refused, 1u);
}

TEST_F(okx_fixture, PushesOrPongsKeepAConnectionOpen) {
  fake_connection busy(1), quiet(2);
  auto hb = open(busy);
  auto hq = open(quiet);
  hb->on_text(sub("BTC-USDT"));
  hq->on_text(sub("ETH-USDT"));
  // Two minutes: BTC ticks every 10 s; ETH never does, but its client pings every 20 s as
  // OKX asks ("N less than 30").
  for (int s = 1; s <= 120; ++s) {
    now += 1'000;
    if (s % 10 == 0) tick(0);
    if (s % 20 == 0) hq->on_text("ping");
    ep.sweep();
  }
  EXPECT_FALSE(busy.closed);
  EXPECT_FALSE(quiet.closed);
  EXPECT_EQ(quiet.last(), "pong");
  EXPECT_EQ(ep.stats().idle_closes, 0u);
}

TEST_F(okx_fixture, SubscribeRequestsAreLimitedTo480AnHour) {
  fake_connection conn;
  auto h = open(conn);
  for (std::size_t i = 0; i < okx::max_requests_per_window; ++i) {
    h->on_text(i % 2
                   ? sub("BTC-USDT")
                   : R"({"op":"unsubscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]})");
    ASSERT_EQ(conn.last().find("error"), std::string::npos) << i << ": " << conn.last();
  }
  h->on_text(sub("ETH-USDT", "481"));
  EXPECT_EQ(
      conn.last(),
      R"({"id":"481","event":"error","code":"60014","msg":"Requests too frequent","connId":")" +
          conn_id(h) + R"("})");
  EXPECT_EQ(ep.subscriber_count(1), 0u);
  h->on_text("ping");  // not a request
  EXPECT_EQ(conn.last(), "pong");
  now += okx::request_window_ms;
  h->on_text(sub("ETH-USDT"));
  EXPECT_TRUE(conn.last().starts_with(R"({"event":"subscribe")")) << conn.last();
}

TEST_F(okx_fixture, ShutdownNotice) {
  fake_connection conn;
  auto h = open(conn);
  h->on_server_shutdown();
  EXPECT_EQ(
      conn.last(),
      R"({"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":")" +
          conn_id(h) + R"("})");
  EXPECT_EQ(h->max_incoming_per_sec(), 0u);
}

TEST_F(okx_fixture, ClosingConnectionUnsubscribesAndEndpointMayGoFirst) {
  fake_connection conn;
  {
    auto h = open(conn);
    h->on_text(sub("BTC-USDT"));
    h->on_text(sub("ETH-USDT"));
    EXPECT_EQ(ep.session_count(), 1u);
  }
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  EXPECT_EQ(ep.subscriber_count(1), 0u);
  EXPECT_EQ(ep.session_count(), 0u);
  tick(0);  // nobody to deliver to, nothing dangling

  // A handler that outlives its endpoint (server torn down after the venues) stays harmless.
  std::unique_ptr<connection_handler> orphan;
  fake_connection other;
  {
    okx::endpoint e(model, nullptr, [this] { return now; });
    http_reject reject;
    orphan = e.accept("/ws/v5/public", reject);
    orphan->on_open(other);
    orphan->on_text(sub("BTC-USDT"));
  }
  orphan->on_text("ping");
  orphan.reset();
}

TEST(SimOkxEncode, VenueOffsetAndVolumeShare) {
  EXPECT_EQ(okx::offset_price(8'520'570), 8'520'570 + 2'556);  // 3 bp of 85205.70
  EXPECT_EQ(okx::offset_price(2'764), 2'765);                  // at least one tick
  EXPECT_EQ(okx::offset_price(1), 2);
  market_model a(two_symbols(), 99), b(two_symbols(), 99);
  for (int i = 0; i < 2000; ++i) {
    const symbol_state& m = a.step(0);
    b.step(0);
    const symbol_state v = okx::venue_view(m);
    ASSERT_LT(v.bid, v.ask) << i;
    ASSERT_LE(v.low_24h, v.last);
    ASSERT_LE(v.last, v.high_24h);
    ASSERT_GT(v.last, m.last);
    ASSERT_LE(v.last - m.last, m.last * 4 / 10'000 + 1);  // a few basis points
    ASSERT_EQ(v.volume_base, m.volume_base * 2 / 5);
    ASSERT_EQ(v.last_qty, m.last_qty);
    // Deterministic: same seed, same OKX frame.
    ASSERT_EQ(okx::encode_ticker(a.symbol(0).spec(), v, 1),
              okx::encode_ticker(b.symbol(0).spec(), okx::venue_view(b.symbol(0).state()), 1));
  }
}

TEST(SimOkxEncode, NumbersAreTrimmedLikeOkx) {
  const auto trimmed = [](decimal d) {
    std::string s;
    okx::append_trimmed(s, d);
    return s;
  };
  EXPECT_EQ(trimmed(decimal(8'520'570, 2)), "85205.7");
  EXPECT_EQ(trimmed(decimal(8'380'000, 2)), "83800");
  EXPECT_EQ(trimmed(decimal(10, 2)), "0.1");
  EXPECT_EQ(trimmed(decimal(0, 5)), "0");
  EXPECT_EQ(trimmed(decimal(-150, 2)), "-1.5");
  EXPECT_EQ(trimmed(decimal(2222, 0)), "2222");
  EXPECT_EQ(trimmed(decimal(1000, 0)), "1000");
  EXPECT_EQ(trimmed(decimal(102, 7)), "0.0000102");
}

TEST(SimOkxEncode, AcksErrorsAndNotice) {
  EXPECT_EQ(
      okx::encode_ack("subscribe", "tickers", "BTC-USDT", "1512", "a4d3ae55"),
      R"({"id":"1512","event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},"connId":"a4d3ae55"})");
  EXPECT_EQ(
      okx::encode_ack("unsubscribe", "tickers", "BTC-USDT", "", "d0b44253"),
      R"({"event":"unsubscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},"connId":"d0b44253"})");
  EXPECT_EQ(
      okx::encode_error("60012", "Invalid request: {\"op\"}", "1512", "a4d3ae55"),
      R"({"id":"1512","event":"error","code":"60012","msg":"Invalid request: {\"op\"}","connId":"a4d3ae55"})");
  EXPECT_EQ(
      okx::encode_upgrade_notice("a4d3ae55"),
      R"({"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"})");
}

TEST(SimOkxRouter, PublicPathGoesToOkx) {
  market_model model(two_symbols(), 1);
  okx::endpoint okx_ep(model, nullptr);
  class binance_like final : public venue_endpoint {
   public:
    std::string_view venue() const noexcept override { return "binance"; }
    std::vector<std::string> routes() const override { return {"/ws", "/stream"}; }
    std::unique_ptr<connection_handler> accept(std::string_view, http_reject&) override {
      return nullptr;
    }
  } binance_ep;
  router r;
  r.add(binance_ep);
  r.add(okx_ep);
  auto m = r.route("/ws/v5/public");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &okx_ep);
  m = r.route("/okx/ws/v5/public");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &okx_ep);
  EXPECT_EQ(m->target, "/ws/v5/public");
  m = r.route("/ws/btcusdt@ticker");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &binance_ep);
}

// ---- loopback: the real server and a Beast client ------------------------------------------

namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

class running_sim {
 public:
  explicit running_sim(sim_options o) {
    o.host = "127.0.0.1";
    o.port = 0;
    sim_ = std::make_unique<simulator>(ioc_, std::move(o));
    sim_->start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~running_sim() { stop(); }
  std::uint16_t port() const { return sim_->port(); }

  void stop() {
    if (!thread_.joinable()) return;
    net::post(ioc_, [this] {
      sim_->stop();
      poll();
    });
    thread_.join();
  }

 private:
  void poll() {  // lets the close handshakes finish, at most 3 s
    const auto now = std::chrono::steady_clock::now();
    if (deadline_ == std::chrono::steady_clock::time_point{}) deadline_ = now + 3s;
    if (sim_->open_connections() == 0 || now > deadline_) return ioc_.stop();
    timer_.expires_after(10ms);
    timer_.async_wait([this](beast::error_code) { poll(); });
  }

  net::io_context ioc_{1};
  net::steady_timer timer_{ioc_};
  std::chrono::steady_clock::time_point deadline_{};
  std::unique_ptr<simulator> sim_;
  std::thread thread_;
};

class client {
 public:
  explicit client(std::uint16_t port) : port_(port) {}

  unsigned open(const std::string& target) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    websocket::response_type res;
    beast::error_code ec;
    ws_.handshake(res, "127.0.0.1:" + std::to_string(port_), target, ec);
    return res.result_int();
  }
  void send(const std::string& text) { ws_.write(net::buffer(text)); }

  // One message, or nullopt on error or timeout; `closed_with` gets the close code.
  std::optional<std::string> read(std::chrono::milliseconds timeout = 3000ms) {
    bool done = false;
    beast::error_code ec;
    ws_.async_read(buf_, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      beast::get_lowest_layer(ws_).cancel();
      ioc_.restart();
      ioc_.run();
      return std::nullopt;
    }
    if (ec) {
      if (ec == websocket::error::closed) closed_with = ws_.reason().code;
      return std::nullopt;
    }
    was_text = ws_.got_text();
    std::string out = beast::buffers_to_string(buf_.data());
    buf_.consume(buf_.size());
    return out;
  }
  // The next message that is not a ticker push.
  std::optional<std::string> read_reply() {
    for (int i = 0; i < 1000; ++i) {
      auto m = read();
      if (!m || !m->starts_with(R"({"arg":)")) return m;
    }
    return std::nullopt;
  }

  std::uint16_t closed_with = 0;
  bool was_text = false;

 private:
  std::uint16_t port_;
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_{ioc_};
  beast::flat_buffer buf_;
};

sim_options fast_options() {
  sim_options o;
  o.seed = 42;
  o.rate = 50;
  o.symbols = {*find_spec("BTCUSDT"), *find_spec("ETHUSDT")};
  o.max_incoming_per_sec = 0;
  return o;
}

TEST(SimOkxServer, SubscribePushPingAndShutdownOnLoopback) {
  running_sim sim(fast_options());
  client bad(sim.port());
  EXPECT_EQ(bad.open("/ws/v5/public/nope"), 404u);

  client c(sim.port());
  ASSERT_EQ(c.open("/ws/v5/public"), 101u);
  c.send(std::string(documented_request));
  auto ack = c.read();
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->starts_with(
      R"({"id":"1512","event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},"connId":")"))
      << *ack;

  // Pushes arrive and read back through tickerd's adapter.
  symbol_map symbols;
  symbols.add("BTC-USDT", 0);
  okx_adapter adapter(symbols);
  std::vector<tick> out;
  for (int i = 0; i < 3; ++i) {
    auto push = c.read();
    ASSERT_TRUE(push);
    EXPECT_TRUE(c.was_text);
    const parse_result r = adapter.parse(*push, 1, out);
    EXPECT_EQ(r.error, feed_errc::ok) << *push;
    EXPECT_EQ(r.kind, frame_kind::data);
  }
  EXPECT_EQ(out.size(), 3u);

  c.send("ping");
  auto pong = c.read_reply();
  ASSERT_TRUE(pong);
  EXPECT_EQ(*pong, "pong");
  EXPECT_TRUE(c.was_text);

  c.send(R"({"op":"subscribe","args":[{"channel":"tickers","instId":"XRP-USDT"}]})");
  auto err = c.read_reply();
  ASSERT_TRUE(err);
  EXPECT_TRUE(err->starts_with(
      R"({"event":"error","code":"60018","msg":"Wrong URL or channel:tickers,instId:XRP-USDT doesn't exist.)"))
      << *err;

  std::thread stopper([&] { sim.stop(); });
  std::optional<std::string> last;
  while (auto m = c.read()) last = std::move(m);
  stopper.join();
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->starts_with(R"({"event":"notice","code":"64008",)")) << *last;
  EXPECT_EQ(c.closed_with, close_code::going_away);
}

}  // namespace
}  // namespace tickerd::sim
