#include "gateway/client_request.hpp"

#include <gtest/gtest.h>

namespace tickerd {
namespace {

struct parsed {
  bool ok;
  client_request req;
  request_error err;
};

parsed parse(client_request_parser& p, std::string_view text) {
  parsed r{};
  r.ok = p.parse(text, r.req, r.err);
  return r;
}

TEST(ClientRequest, SubscribeWithIntegerId) {
  client_request_parser p;
  const auto r = parse(p, R"({"op":"subscribe","id":1,"channels":["status", "ticker.*"]})");
  ASSERT_TRUE(r.ok) << r.err.code << ": " << r.err.message;
  EXPECT_EQ(r.req.op, client_op::subscribe);
  EXPECT_EQ(r.req.id_json, "1");
  ASSERT_EQ(r.req.channels.size(), 2u);
  EXPECT_EQ(r.req.channels[0], "status");
  EXPECT_EQ(r.req.channels[1], "ticker.*");
}

TEST(ClientRequest, SubscribeWithResumePoints) {
  client_request_parser p;
  const auto r = parse(p, R"({"op":"subscribe","channels":["ticker.BTC-USDT","status"],)"
                          R"("since":{"ticker.BTC-USDT":{"seq":41,"epoch":"9f3a01bc"},)"
                          R"("status":{"epoch":"e","seq":0}}})");
  ASSERT_TRUE(r.ok) << r.err.code << ": " << r.err.message;
  ASSERT_EQ(r.req.since.size(), 2u);
  EXPECT_EQ(r.req.since[0].channel, "ticker.BTC-USDT");
  EXPECT_EQ(r.req.since[0].seq, 41u);
  EXPECT_EQ(r.req.since[0].epoch, "9f3a01bc");
  EXPECT_EQ(r.req.since[1].channel, "status");
  EXPECT_EQ(r.req.since[1].seq, 0u);
  // The parser is reused: a later request without `since` has none.
  const auto plain = parse(p, R"({"op":"subscribe","channels":["status"]})");
  ASSERT_TRUE(plain.ok);
  EXPECT_TRUE(plain.req.since.empty());
}

TEST(ClientRequest, ThrottleMs) {
  client_request_parser p;
  auto r = parse(p, R"({"op":"subscribe","channels":["status"],"throttle_ms":250})");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.req.throttle_ms, 250);
  r = parse(p, R"({"op":"subscribe","channels":["status"]})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.req.throttle_ms, -1);  // not given
  r = parse(p, R"({"op":"subscribe","channels":["status"],"throttle_ms":0})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.req.throttle_ms, 0);
  for (const char* bad : {R"({"op":"subscribe","channels":["status"],"throttle_ms":-1})",
                          R"({"op":"subscribe","channels":["status"],"throttle_ms":60001})",
                          R"({"op":"subscribe","channels":["status"],"throttle_ms":2.5})",
                          R"({"op":"subscribe","channels":["status"],"throttle_ms":"250"})",
                          R"({"op":"unsubscribe","channels":["status"],"throttle_ms":250})"}) {
    const auto b = parse(p, bad);
    EXPECT_FALSE(b.ok) << bad;
    EXPECT_EQ(b.err.code, "bad_request") << bad;
  }
}

TEST(ClientRequest, Format) {
  client_request_parser p;
  auto r = parse(p, R"({"op":"subscribe","channels":["ticker.BTC-USDT"],"format":"ccxt"})");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.req.format, data_format::ccxt);
  r = parse(p, R"({"op":"subscribe","channels":["ticker.BTC-USDT"]})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.req.format, data_format::native);  // not given: native (the parser is reused)
  r = parse(p, R"({"op":"subscribe","channels":["ticker.BTC-USDT"],"format":"native"})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.req.format, data_format::native);
  const auto unknown =
      parse(p, R"({"op":"subscribe","id":4,"channels":["ticker.BTC-USDT"],"format":"CCXT"})");
  EXPECT_FALSE(unknown.ok);
  EXPECT_EQ(unknown.err.code, "bad_request");
  EXPECT_EQ(unknown.err.message, R"(unknown format 'CCXT': "native" or "ccxt")");
  EXPECT_EQ(unknown.req.id_json, "4");
  for (const char* bad : {R"({"op":"subscribe","channels":["status"],"format":1})",
                          R"({"op":"subscribe","channels":["status"],"format":null})",
                          R"({"op":"unsubscribe","channels":["status"],"format":"ccxt"})"}) {
    const auto b = parse(p, bad);
    EXPECT_FALSE(b.ok) << bad;
    EXPECT_EQ(b.err.code, "bad_request") << bad;
  }
}

TEST(ClientRequest, BadResumePointsAreBadRequests) {
  client_request_parser p;
  const char* bad[] = {
      R"({"op":"subscribe","channels":["status"],"since":[]})",
      R"({"op":"subscribe","channels":["status"],"since":{"status":41}})",
      R"({"op":"subscribe","channels":["status"],"since":{"status":{"seq":-1,"epoch":"e"}}})",
      R"({"op":"subscribe","channels":["status"],"since":{"status":{"seq":1.5,"epoch":"e"}}})",
      R"({"op":"subscribe","channels":["status"],"since":{"status":{"seq":"1","epoch":"e"}}})",
      R"({"op":"subscribe","channels":["status"],"since":{"status":{"seq":1}}})",
      R"({"op":"subscribe","channels":["status"],"since":{"status":{"seq":1,"epoch":7}}})",
      R"({"op":"subscribe","channels":["status"],"since":{"ticker.X-Y":{"seq":1,"epoch":"e"}}})",
      R"({"op":"unsubscribe","channels":["status"],"since":{"status":{"seq":1,"epoch":"e"}}})",
  };
  for (const char* text : bad) {
    const auto r = parse(p, text);
    EXPECT_FALSE(r.ok) << text;
    EXPECT_EQ(r.err.code, "bad_request") << text;
    EXPECT_FALSE(r.err.message.empty()) << text;
  }
  const std::string long_epoch(65, 'e');
  const auto r =
      parse(p, R"({"op":"subscribe","channels":["status"],"since":{"status":{"seq":1,"epoch":")" +
                   long_epoch + R"("}}})");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.err.message.find("64"), std::string::npos) << r.err.message;
}

TEST(ClientRequest, FieldsInAnyOrderAndWhitespace) {
  client_request_parser p;
  const auto r = parse(p,
                       " {\n \"channels\" : [ \"ticker.BTC-USDT\" ] , \"id\" : \"a\\\"b\", "
                       "\"op\":\"unsubscribe\"}\n");
  ASSERT_TRUE(r.ok) << r.err.code << ": " << r.err.message;
  EXPECT_EQ(r.req.op, client_op::unsubscribe);
  EXPECT_EQ(r.req.id_json, R"("a\"b")");
  ASSERT_EQ(r.req.channels.size(), 1u);
}

TEST(ClientRequest, ParserIsReusableAcrossSizes) {
  client_request_parser p;
  const std::string big = R"({"op":"ping","id":")" + std::string(60, 'x') + R"(","pad":")" +
                          std::string(5000, ' ') + R"("})";
  EXPECT_TRUE(parse(p, big).ok);
  EXPECT_TRUE(parse(p, R"({"op":"ping"})").ok);
  EXPECT_TRUE(parse(p, R"({"op":"subscribe","id":1,"channels":["status", "ticker.*"]})").ok);
  EXPECT_TRUE(parse(p, big).ok);
}

TEST(ClientRequest, Errors) {
  client_request_parser p;
  struct bad_case {
    std::string_view text;
    std::string_view code;
  };
  const bad_case cases[] = {
      {"", "bad_json"},
      {"nope", "bad_json"},
      {"[1]", "bad_json"},
      {"{\"op\":\"ping\"", "bad_json"},
      {"{\"op\":\"ping\"} {}", "bad_json"},
      {"{}", "bad_request"},
      {"{\"op\":1}", "bad_request"},
      {"{\"op\":\"subscribe\"}", "bad_request"},
      {"{\"op\":\"subscribe\",\"channels\":\"status\"}", "bad_request"},
      {"{\"op\":\"subscribe\",\"channels\":[1]}", "bad_request"},
      {"{\"op\":\"subscribe\",\"channels\":[]}", "bad_request"},
      {"{\"op\":\"ping\",\"id\":1.5}", "bad_request"},
      {"{\"op\":\"ping\",\"id\":[1]}", "bad_request"},
      {"{\"op\":\"dance\",\"id\":7}", "unknown_op"},
  };
  for (const auto& c : cases) {
    const auto r = parse(p, c.text);
    EXPECT_FALSE(r.ok) << c.text;
    EXPECT_EQ(r.err.code, c.code) << c.text << " -> " << r.err.message;
    EXPECT_FALSE(r.err.message.empty());
  }
  // The id survives into the error so the reply can carry it.
  const auto r = parse(p, R"({"op":"dance","id":7})");
  EXPECT_EQ(r.req.id_json, "7");
}

TEST(ClientRequest, LongIdRejected) {
  client_request_parser p;
  const auto r = parse(p, R"({"op":"ping","id":")" + std::string(65, 'x') + "\"}");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "bad_request");
}

}  // namespace
}  // namespace tickerd
