// The sim's Binance protocol without sockets: URL targets, stream-name syntax, live requests
// and their replies, fan-out of one shared frame to every subscriber, and the router.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/binance_protocol.hpp"
#include "sim/router.hpp"
#include "sim/sim_app.hpp"

namespace tickerd::sim {
namespace {

// Records what a handler sends, instead of a socket.
class fake_connection final : public connection {
 public:
  std::uint64_t id() const noexcept override { return 7; }
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

std::vector<symbol_spec> two_symbols() {
  return {*find_spec("BTCUSDT"), *find_spec("ETHUSDT")};
}

struct binance_fixture : ::testing::Test {
  market_model model{two_symbols(), 42};
  binance::endpoint ep{model, {}, 5};

  // Opens a connection on `target`; the handler is owned by the returned pair.
  std::unique_ptr<connection_handler> open(const std::string& target, fake_connection& conn) {
    http_reject reject;
    auto h = ep.accept(target, reject);
    EXPECT_TRUE(h) << target << ": " << reject.body;
    if (h) h->on_open(conn);
    return h;
  }

  void tick(std::size_t index) {
    model.step(index);
    ep.publish(index, 1'764'061'234'567'000);
  }
};

TEST(SimBinanceProtocol, StreamNameSyntax) {
  for (const char* ok : {"btcusdt@ticker", "ethusdt@kline_1m", "!ticker@arr", "btcusdt@depth@100ms",
                         "btcusdt@depth20", "BTCUSDT@ticker", "foousdt@ticker"}) {
    EXPECT_TRUE(binance::valid_stream_name(ok)) << ok;
  }
  for (const char* bad : {"", "btcusdt", "@@@lixo###", "btcusdt@", "@ticker", "btc usdt@ticker",
                          "btcusdt@@ticker", "!", "btc-usdt@ticker", "btcusdt@ticker\"}"}) {
    EXPECT_FALSE(binance::valid_stream_name(bad)) << bad;
  }
}

TEST(SimBinanceProtocol, ParseTarget) {
  std::string error;
  auto t = binance::parse_target("/stream?streams=btcusdt@ticker/ethusdt@ticker", error);
  ASSERT_TRUE(t) << error;
  EXPECT_TRUE(t->combined);
  EXPECT_EQ(t->streams, (std::vector<std::string>{"btcusdt@ticker", "ethusdt@ticker"}));
  EXPECT_EQ(t->unit, binance::time_unit::millisecond);

  t = binance::parse_target("/ws/btcusdt@ticker/btcusdt@ticker/ethusdt@ticker", error);
  ASSERT_TRUE(t) << error;
  EXPECT_FALSE(t->combined);
  EXPECT_EQ(t->streams, (std::vector<std::string>{"btcusdt@ticker", "ethusdt@ticker"}));

  t = binance::parse_target("/ws", error);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->streams.empty());
  t = binance::parse_target("/stream", error);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->combined);
  EXPECT_TRUE(t->streams.empty());

  t = binance::parse_target("/stream?streams=btcusdt%40ticker&timeUnit=MICROSECOND", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->streams, (std::vector<std::string>{"btcusdt@ticker"}));
  EXPECT_EQ(t->unit, binance::time_unit::microsecond);

  EXPECT_FALSE(binance::parse_target("/stream?streams=@@@", error));
  EXPECT_NE(error.find("@@@"), std::string::npos);
  EXPECT_FALSE(binance::parse_target("/ws/btcusdt@ticker?timeUnit=HOUR", error));
  EXPECT_FALSE(binance::parse_target("/api/v3/ticker", error));
  EXPECT_FALSE(binance::parse_target("/stream?streams=btcusdt%4", error));
}

TEST_F(binance_fixture, CombinedUrlStreamsReceiveWrappedTickers) {
  fake_connection conn;
  auto h = open("/stream?streams=btcusdt@ticker", conn);
  EXPECT_TRUE(conn.frames.empty());  // Binance sends nothing until the next event
  tick(0);
  tick(1);  // not subscribed
  ASSERT_EQ(conn.frames.size(), 1u);
  EXPECT_TRUE(
      conn.last().starts_with("{\"stream\":\"btcusdt@ticker\",\"data\":{\"e\":\"24hrTicker\""))
      << conn.last();
  EXPECT_EQ(ep.stats().frames_sent, 1u);
}

TEST_F(binance_fixture, RawStreamsReceiveBareTickers) {
  fake_connection conn;
  auto h = open("/ws/ethusdt@ticker", conn);
  tick(1);
  ASSERT_EQ(conn.frames.size(), 1u);
  EXPECT_TRUE(
      conn.last().starts_with("{\"e\":\"24hrTicker\",\"E\":1764061234567,\"s\":\"ETHUSDT\""))
      << conn.last();
}

TEST_F(binance_fixture, OneEncodingIsSharedBySubscribersOfTheSameVariant) {
  fake_connection a, b, c;
  auto ha = open("/stream?streams=btcusdt@ticker", a);
  auto hb = open("/stream?streams=btcusdt@ticker", b);
  auto hc = open("/ws/btcusdt@ticker", c);
  tick(0);
  ASSERT_EQ(a.frames.size(), 1u);
  ASSERT_EQ(b.frames.size(), 1u);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(a.frames[0].get(), b.frames[0].get());  // the same immutable string
  EXPECT_NE(a.frames[0].get(), c.frames[0].get());  // raw is another variant
}

TEST_F(binance_fixture, LiveSubscribeListUnsubscribe) {
  fake_connection conn;
  auto h = open("/ws", conn);
  h->on_text(R"({"method":"SUBSCRIBE","params":["btcusdt@ticker","ethusdt@ticker"],"id":1})");
  EXPECT_EQ(conn.last(), R"({"result":null,"id":1})");
  EXPECT_EQ(ep.subscriber_count(0), 1u);
  tick(0);
  tick(1);
  EXPECT_EQ(conn.frames.size(), 3u);

  h->on_text(R"({"method":"LIST_SUBSCRIPTIONS","id":"abc3"})");
  EXPECT_EQ(conn.last(), R"({"result":["btcusdt@ticker","ethusdt@ticker"],"id":"abc3"})");

  h->on_text(R"({"method":"UNSUBSCRIBE","params":["btcusdt@ticker"],"id":312})");
  EXPECT_EQ(conn.last(), R"({"result":null,"id":312})");
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  const auto before = conn.frames.size();
  tick(0);
  EXPECT_EQ(conn.frames.size(), before);
  tick(1);
  EXPECT_EQ(conn.frames.size(), before + 1);

  h->on_text(R"({"method":"LIST_SUBSCRIPTIONS","id":null})");
  EXPECT_EQ(conn.last(), R"({"result":["ethusdt@ticker"],"id":null})");
  EXPECT_FALSE(conn.closed);
}

TEST_F(binance_fixture, WellFormedUnknownStreamIsAckedAndSilent) {
  fake_connection conn;
  auto h = open("/stream", conn);
  h->on_text(R"({"method":"SUBSCRIBE","params":["dogeusdt@ticker","btcusdt@depth"],"id":2})");
  EXPECT_EQ(conn.last(), R"({"result":null,"id":2})");
  tick(0);
  tick(1);
  EXPECT_EQ(conn.frames.size(), 1u);
  EXPECT_FALSE(conn.closed);
}

TEST_F(binance_fixture, MalformedStreamIsAnErrorAndCloses) {
  fake_connection conn;
  auto h = open("/ws", conn);
  h->on_text(R"({"method":"SUBSCRIBE","params":["@@@lixo###"],"id":9})");
  EXPECT_EQ(conn.last(), R"({"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":9})");
  EXPECT_TRUE(conn.closed);
  EXPECT_EQ(conn.close_code_, close_code::policy_violation);

  http_reject reject;
  EXPECT_FALSE(ep.accept("/stream?streams=btcusdt@ticker/@@@", reject));
  EXPECT_EQ(reject.status, 400u);
  EXPECT_NE(reject.body.find("@@@"), std::string::npos);
}

TEST_F(binance_fixture, BadRequestsGetBinanceErrors) {
  fake_connection conn;
  auto h = open("/ws", conn);
  h->on_text("{not json");
  EXPECT_EQ(conn.last(), R"({"error":{"code":3,"msg":"Invalid JSON: expected value"}})");

  h->on_text(R"({"method":"PING","id":4})");
  EXPECT_TRUE(conn.last().starts_with(
      R"({"error":{"code":2,"msg":"Invalid request: unknown variant `PING`, expected one of)"))
      << conn.last();
  EXPECT_TRUE(conn.last().ends_with(R"(,"id":4})"));

  h->on_text(R"({"params":[],"id":5})");
  EXPECT_EQ(conn.last(),
            R"({"error":{"code":2,"msg":"Invalid request: missing field `method`"},"id":5})");

  h->on_text(R"({"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":1.5})");
  EXPECT_EQ(
      conn.last(),
      R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"}})");
  h->on_text(R"({"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":"has space"})");
  EXPECT_TRUE(conn.last().starts_with(R"({"error":{"code":2)"));
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  EXPECT_FALSE(conn.closed);
}

TEST_F(binance_fixture, CombinedProperty) {
  fake_connection conn;
  auto h = open("/ws/btcusdt@ticker", conn);
  h->on_text(R"({"method":"GET_PROPERTY","params":["combined"],"id":2})");
  EXPECT_EQ(conn.last(), R"({"result":false,"id":2})");
  h->on_text(R"({"method":"SET_PROPERTY","params":["combined",true],"id":5})");
  EXPECT_EQ(conn.last(), R"({"result":null,"id":5})");
  h->on_text(R"({"method":"GET_PROPERTY","params":["combined"],"id":6})");
  EXPECT_EQ(conn.last(), R"({"result":true,"id":6})");
  tick(0);
  EXPECT_TRUE(conn.last().starts_with(R"({"stream":"btcusdt@ticker","data":{)"));

  h->on_text(R"({"method":"SET_PROPERTY","params":["combined","yes"],"id":7})");
  EXPECT_EQ(conn.last(),
            R"({"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":7})");
  h->on_text(R"({"method":"GET_PROPERTY","params":["colour"],"id":8})");
  EXPECT_EQ(conn.last(), R"({"error":{"code":0,"msg":"Unknown property"},"id":8})");
}

TEST_F(binance_fixture, ClosingConnectionUnsubscribes) {
  fake_connection conn;
  {
    auto h = open("/stream?streams=btcusdt@ticker/ethusdt@ticker", conn);
    EXPECT_EQ(ep.subscriber_count(0), 1u);
    EXPECT_EQ(ep.subscriber_count(1), 1u);
  }
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  EXPECT_EQ(ep.subscriber_count(1), 0u);
  tick(0);  // nobody to deliver to, nothing dangling
  EXPECT_TRUE(conn.frames.empty());
}

TEST_F(binance_fixture, ServerShutdownNotice) {
  fake_connection raw, combined;
  auto a = open("/ws/btcusdt@ticker", raw);
  auto b = open("/stream?streams=btcusdt@ticker", combined);
  a->on_server_shutdown();
  b->on_server_shutdown();
  EXPECT_TRUE(raw.last().starts_with(R"({"e":"serverShutdown","E":)")) << raw.last();
  EXPECT_TRUE(
      combined.last().starts_with(R"({"stream":"!serverShutdown","data":{"e":"serverShutdown")"))
      << combined.last();
  EXPECT_EQ(a->max_incoming_per_sec(), 5u);
}

TEST_F(binance_fixture, StreamLimitPerConnection) {
  fake_connection conn;
  auto h = open("/ws", conn);
  std::string req = R"({"method":"SUBSCRIBE","params":[)";
  for (int i = 0; i < 1025; ++i) {
    if (i) req += ',';
    req += "\"s" + std::to_string(i) + "usdt@ticker\"";
  }
  req += R"(],"id":1})";
  h->on_text(req);
  EXPECT_EQ(conn.last(),
            R"({"error":{"code":2,"msg":"Invalid request: too many streams"},"id":1})");
}

// ---- router ------------------------------------------------------------------------------

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

TEST(SimRouter, LongestRouteAndVenuePrefix) {
  named_endpoint binance("binance", {"/ws", "/stream"});
  named_endpoint okx("okx", {"/ws/v5/public"});
  router r;
  r.add(binance);
  r.add(okx);

  auto m = r.route("/stream?streams=btcusdt@ticker");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &binance);
  EXPECT_EQ(m->target, "/stream?streams=btcusdt@ticker");

  m = r.route("/ws/btcusdt@ticker");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &binance);

  m = r.route("/ws/v5/public");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &okx);

  m = r.route("/binance/ws/v5/public");  // the prefix forces the venue
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint, &binance);
  EXPECT_EQ(m->target, "/ws/v5/public");

  m = r.route("/binance/stream?streams=a@ticker");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->target, "/stream?streams=a@ticker");

  EXPECT_FALSE(r.route("/"));
  EXPECT_FALSE(r.route("/wsx"));
  EXPECT_FALSE(r.route("/streams"));
  EXPECT_FALSE(r.route("/okx/stream"));  // okx does not serve /stream
  EXPECT_FALSE(r.route("/healthz"));
}

// ---- small pieces ------------------------------------------------------------------------

// ---- request parsing (simdjson) ---------------------------------------------------------

TEST_F(binance_fixture, RequestsAreDecodedJson) {
  fake_connection conn;
  auto h = open("/ws", conn);
  // Escapes are decoded, whitespace (newlines too) is allowed around and inside, and values of
  // other types in params' siblings do not matter.
  h->on_text(
      " \n{\"method\" : "
      "\"SUBSCRIBE\",\r\n\t\"params\":[\"btcusdt\\u0040ticker\",\"eth\\u0075sdt@ticker\"],"
      "\"x\":[true,null,-1.5e3,{}],\"id\":1} \n");
  EXPECT_EQ(conn.last(), R"({"result":null,"id":1})");
  EXPECT_EQ(ep.subscriber_count(0), 1u);
  EXPECT_EQ(ep.subscriber_count(1), 1u);
  h->on_text(R"({"method":"LIST_SUBSCRIPTIONS","id":2})");
  EXPECT_EQ(conn.last(), R"({"result":["btcusdt@ticker","ethusdt@ticker"],"id":2})");
  // Keys are decoded too; the first of duplicate keys wins.
  h->on_text(R"({"\u006dethod":"LIST_SUBSCRIPTIONS","id":3,"id":4,"method":"PING"})");
  EXPECT_EQ(conn.last(), R"({"result":["btcusdt@ticker","ethusdt@ticker"],"id":3})");
  EXPECT_FALSE(conn.closed);
}

TEST_F(binance_fixture, InvalidJsonGetsCodeThreeWithoutId) {
  fake_connection conn;
  auto h = open("/ws", conn);
  const std::string deep = R"({"method":"LIST_SUBSCRIPTIONS","id":1,"x":)" + std::string(100, '[') +
                           std::string(100, ']') + "}";
  const std::pair<std::string, std::string> cases[] = {
      {"", "EOF while parsing a value"},
      {" \r\n\t", "EOF while parsing a value"},
      {"{\"method\":\"LIST_SUBSCRIPTIONS\",\n\"id\":}", "expected value"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":1,})", "expected value"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":1} x)", "expected value"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":1}})", "expected value"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":1)", "expected value"},
      {R"({"method":"SUBSCRIBE","params":["a\ud800@ticker"],"id":1})", "invalid escape"},
      {R"({"method":"SUBSCRIBE","params":["a\x@ticker"],"id":1})", "invalid escape"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":01})", "invalid number"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":1.})", "invalid number"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":1e999})", "invalid number"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":tru})", "expected ident"},
      {R"({"method":"LIST_SUBSCRIPTIONS","id":"abc)", "EOF while parsing a string"},
      {"{\"method\":\"LIST_\x01SUBSCRIPTIONS\",\"id\":1}",
       R"(control character (\\u0000-\\u001F) found while parsing a string)"},
      {deep, "recursion limit exceeded"},
  };
  for (const auto& [request, what] : cases) {
    h->on_text(request);
    EXPECT_EQ(conn.last(), R"({"error":{"code":3,"msg":"Invalid JSON: )" + what + R"("}})")
        << request;
  }
  EXPECT_EQ(conn.frames.size(), std::size(cases));
  EXPECT_FALSE(conn.closed);

  // The depth limit: 33 levels of nesting are fine, 34 are not.
  const auto nested = [](int arrays) {
    return R"({"method":"LIST_SUBSCRIPTIONS","id":5,"x":)" + std::string(arrays, '[') +
           std::string(arrays, ']') + "}";
  };
  h->on_text(nested(32));
  EXPECT_EQ(conn.last(), R"({"result":[],"id":5})");
  h->on_text(nested(33));
  EXPECT_EQ(conn.last(), R"({"error":{"code":3,"msg":"Invalid JSON: recursion limit exceeded"}})");

  // A request larger than the parser's first allocation, then a small one again.
  std::string big = R"({"method":"LIST_SUBSCRIPTIONS","id":6,"pad":")" + std::string(20'000, 'p') +
                    R"(","x":)" + std::string(33, '[') + std::string(33, ']') + "}";
  h->on_text(big);
  EXPECT_EQ(conn.last(), R"({"error":{"code":3,"msg":"Invalid JSON: recursion limit exceeded"}})");
  big = R"({"method":"LIST_SUBSCRIPTIONS","id":7,"pad":")" + std::string(20'000, 'p') + R"("})";
  h->on_text(big);
  EXPECT_EQ(conn.last(), R"({"result":[],"id":7})");
  h->on_text(R"({"method":"LIST_SUBSCRIPTIONS","id":8})");
  EXPECT_EQ(conn.last(), R"({"result":[],"id":8})");
}

TEST_F(binance_fixture, RequestIds) {
  fake_connection conn;
  auto h = open("/ws", conn);
  const auto list = [](std::string_view id) {
    return R"({"method":"LIST_SUBSCRIPTIONS","id":)" + std::string(id) + "}";
  };
  for (std::string_view id : {"0", "-5", "9223372036854775807", "-9223372036854775808", R"("abc3")",
                              R"("")", R"("0123456789abcdefghijABCDEFGHIJ012345")"}) {
    h->on_text(list(id));
    EXPECT_EQ(conn.last(), R"({"result":[],"id":)" + std::string(id) + "}") << id;
  }
  h->on_text(list(R"("a\u0062c")"));  // echoed decoded
  EXPECT_EQ(conn.last(), R"({"result":[],"id":"abc"})");
  h->on_text(R"({"method":"LIST_SUBSCRIPTIONS"})");  // absent: null
  EXPECT_EQ(conn.last(), R"({"result":[],"id":null})");

  const std::string refused =
      R"({"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"}})";
  for (std::string_view id :
       {"9223372036854775808", "1.0", "1e2", "-0.0", "true", "[1]", R"({"a":1})", R"("has space")",
        R"("a-b")", R"("0123456789abcdefghijABCDEFGHIJ0123456")"}) {
    h->on_text(list(id));
    EXPECT_EQ(conn.last(), refused) << id;
  }
  EXPECT_FALSE(conn.closed);
}

TEST_F(binance_fixture, RequestShapeErrors) {
  fake_connection conn;
  auto h = open("/ws", conn);
  for (std::string_view not_object : {"[]", "1", R"("SUBSCRIBE")", "null"}) {
    h->on_text(not_object);
    EXPECT_EQ(conn.last(),
              R"({"error":{"code":2,"msg":"Invalid request: expected a JSON object"}})")
        << not_object;
  }
  h->on_text(R"({"method":1,"id":2})");
  EXPECT_EQ(conn.last(),
            R"({"error":{"code":2,"msg":"Invalid request: method must be a string"},"id":2})");
  h->on_text(R"({"method":null,"id":2})");
  EXPECT_EQ(conn.last(),
            R"({"error":{"code":2,"msg":"Invalid request: method must be a string"},"id":2})");

  const std::string no_params =
      R"({"error":{"code":2,"msg":"Invalid request: missing field `params`"},"id":3})";
  for (std::string_view params : {"", R"(,"params":"btcusdt@ticker")", R"(,"params":[1])",
                                  R"(,"params":["btcusdt@ticker",null])", R"(,"params":{})"}) {
    h->on_text(R"({"method":"SUBSCRIBE","id":3)" + std::string(params) + "}");
    EXPECT_EQ(conn.last(), no_params) << params;
    h->on_text(R"({"method":"UNSUBSCRIBE","id":3)" + std::string(params) + "}");
    EXPECT_EQ(conn.last(), no_params) << params;
  }
  EXPECT_EQ(ep.subscriber_count(0), 0u);
  h->on_text(R"({"method":"SUBSCRIBE","params":[],"id":4})");  // empty is fine
  EXPECT_EQ(conn.last(), R"({"result":null,"id":4})");

  const std::string bad_name =
      R"({"error":{"code":2,"msg":"Invalid request: property name must be a string"},"id":5})";
  for (std::string_view params : {"", R"(,"params":[])", R"(,"params":[true])",
                                  R"(,"params":"combined")", R"(,"params":[["combined"]])"}) {
    h->on_text(R"({"method":"GET_PROPERTY","id":5)" + std::string(params) + "}");
    EXPECT_EQ(conn.last(), bad_name) << params;
    h->on_text(R"({"method":"SET_PROPERTY","id":5)" + std::string(params) + "}");
    EXPECT_EQ(conn.last(), bad_name) << params;
  }
  const std::string bad_value =
      R"({"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":6})";
  for (std::string_view params : {R"(["combined"])", R"(["combined",1])", R"(["combined",null])",
                                  R"(["combined",true,true])"}) {
    h->on_text(R"({"method":"SET_PROPERTY","params":)" + std::string(params) + R"(,"id":6})");
    EXPECT_EQ(conn.last(), bad_value) << params;
  }
  h->on_text(R"({"method":"GET_PROPERTY","params":["combined"],"id":7})");
  EXPECT_EQ(conn.last(), R"({"result":false,"id":7})");  // unchanged by the refused SETs
  h->on_text(R"({"method":"SET_PROPERTY","params":["combined",false],"id":8})");
  EXPECT_EQ(conn.last(), R"({"result":null,"id":8})");
  h->on_text(R"({"method":"subscribe","params":[],"id":9})");  // methods are case-sensitive
  EXPECT_TRUE(conn.last().starts_with(
      R"({"error":{"code":2,"msg":"Invalid request: unknown variant `subscribe`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"},"id":9})"))
      << conn.last();
  EXPECT_FALSE(conn.closed);
}

TEST(SimOptions, ParseListen) {
  std::string host, error;
  std::uint16_t port = 1;
  ASSERT_TRUE(parse_listen("127.0.0.1:9001", host, port, error));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9001);
  ASSERT_TRUE(parse_listen("localhost:0", host, port, error));
  EXPECT_EQ(port, 0);
  ASSERT_TRUE(parse_listen("[::1]:80", host, port, error));
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(parse_listen("127.0.0.1", host, port, error));
  EXPECT_FALSE(parse_listen("127.0.0.1:70000", host, port, error));
  EXPECT_FALSE(parse_listen(":80", host, port, error));
  EXPECT_FALSE(parse_listen("1.2.3.4:x", host, port, error));
  EXPECT_FALSE(parse_listen("::1:80", host, port, error));
  EXPECT_FALSE(parse_listen("example.com:80", host, port, error));
  EXPECT_EQ(error, "host must be an IP address or localhost");
}

}  // namespace
}  // namespace tickerd::sim

namespace tickerd::sim {
namespace {

// CCXT Pro opens "/ws/<n>" (a connection index, not a stream) and subscribes live; the venue
// accepts such a path, so the sim must too, with no stream subscribed by it.
TEST_F(binance_fixture, WsPathWithAConnectionIndexIsAccepted) {
  std::string error;
  const auto t = binance::parse_target("/ws/1", error);
  ASSERT_TRUE(t) << error;
  EXPECT_FALSE(t->combined);
  EXPECT_TRUE(t->streams.empty());
  const auto mixed = binance::parse_target("/ws/0/btcusdt@ticker", error);
  ASSERT_TRUE(mixed) << error;
  EXPECT_EQ(mixed->streams, std::vector<std::string>{"btcusdt@ticker"});
  EXPECT_FALSE(binance::parse_target("/ws/btc$usdt@ticker", error));  // a bad stream still is

  fake_connection conn;
  auto h = open("/ws/1", conn);
  EXPECT_TRUE(conn.frames.empty());
  EXPECT_EQ(ep.subscriber_count(0), 0u);
}

// CCXT's watchTicker subscribes "<symbol>@miniTicker" (its watchTickers default): the venue's
// Individual Symbol Mini Ticker Stream, fields e, E, s, c, o, h, l, v, q.
TEST_F(binance_fixture, MiniTickerStreamSendsThe24hrMiniTickerEvent) {
  fake_connection conn;
  auto h = open("/ws/1", conn);
  h->on_text(R"({"method":"SUBSCRIBE","params":["btcusdt@miniTicker"],"id":1})");
  EXPECT_EQ(conn.last(), R"({"result":null,"id":1})");
  EXPECT_EQ(ep.subscriber_count(0), 1u);
  tick(0);
  ASSERT_EQ(conn.frames.size(), 2u);
  const auto& s = model.symbol(0);
  const std::string want =
      R"({"e":"24hrMiniTicker","E":1764061234567,"s":"BTCUSDT","c":")" +
      s.spec().price(s.state().last).to_string() + R"(000000","o":")" +
      s.spec().price(s.state().open_24h).to_string() + R"(000000","h":")" +
      s.spec().price(s.state().high_24h).to_string() + R"(000000","l":")" +
      s.spec().price(s.state().low_24h).to_string() + R"(000000","v":")" +
      s.spec().qty(s.state().volume_base).to_string() + R"(000","q":")" +
      decimal(s.state().volume_quote, s.spec().quote_volume_scale()).to_string() + R"(0"})";
  EXPECT_EQ(conn.last(), want);

  // Both streams of one symbol on one connection: each gets its own event.
  h->on_text(R"({"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":2})");
  tick(0);
  ASSERT_EQ(conn.frames.size(), 5u);
  EXPECT_NE(conn.frames[3]->find("\"e\":\"24hrTicker\""), std::string::npos) << *conn.frames[3];
  EXPECT_NE(conn.frames[4]->find("\"e\":\"24hrMiniTicker\""), std::string::npos) << *conn.frames[4];

  // Combined streams wrap it like every event.
  fake_connection combined;
  auto c = open("/stream?streams=ethusdt@miniTicker", combined);
  tick(1);
  ASSERT_EQ(combined.frames.size(), 1u);
  EXPECT_EQ(
      combined.last().rfind(R"({"stream":"ethusdt@miniTicker","data":{"e":"24hrMiniTicker")", 0),
      0u)
      << combined.last();
  h->on_text(R"({"method":"UNSUBSCRIBE","params":["btcusdt@miniTicker","btcusdt@ticker"],"id":3})");
  EXPECT_EQ(ep.subscriber_count(0), 0u);
}

}  // namespace
}  // namespace tickerd::sim
