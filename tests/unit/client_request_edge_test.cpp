// Edge cases of client_request_parser found while fuzzing it (tests/fuzz/client_request_fuzz):
// each was a crash, an invalid reply or an accepted invalid message before it was fixed.
#include <gtest/gtest.h>

#include <string>

#include <simdjson.h>

#include "gateway/client_request.hpp"

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

TEST(ClientRequestEdge, EmptyTextOnAFreshParser) {
  client_request_parser p;  // no buffer yet: this used to memcpy into a null pointer
  const auto r = parse(p, "");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "bad_json");
}

TEST(ClientRequestEdge, InvalidJsonInAnIgnoredFieldIsBadJson) {
  client_request_parser p;
  for (const std::string_view text :
       {R"({"op":"ping","x":tru})", R"({"op":"ping","i)d":A3})", R"({"op":"ping","x":[1,}]})",
        R"({"op":"ping","x":"\q"})", R"({"op":"ping","x":01})", R"({"op":"ping"} {})",
        R"({"op":"ping"}})", R"({"id":nul,"op":"ping"})"}) {
    const auto r = parse(p, text);
    EXPECT_FALSE(r.ok) << text;
    EXPECT_EQ(r.err.code, "bad_json") << text << " -> " << r.err.message;
  }
  // Valid JSON in an ignored field is still ignored.
  EXPECT_TRUE(parse(p, R"({"op":"ping","x":{"y":[1,2.5e3,"z",null,true,false,{}]}})").ok);
}

TEST(ClientRequestEdge, RepeatedKeysTakeTheLastValue) {
  client_request_parser p;
  auto r = parse(p, R"({"op":"ping","id":"first","id":2})");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.req.id_json, "2");  // not "\"first\"2", which no reply could carry as JSON

  r = parse(p, R"({"op":"subscribe","channels":["a","b"],"channels":["c"]})");
  ASSERT_TRUE(r.ok) << r.err.message;
  ASSERT_EQ(r.req.channels.size(), 1u);
  EXPECT_EQ(r.req.channels[0], "c");

  r = parse(p, R"({"op":"subscribe","op":"ping"})");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.req.op, client_op::ping);
}

TEST(ClientRequestEdge, UnknownOpMessageIsCutAtACharacterBoundary) {
  client_request_parser p;
  const std::string op = std::string(63, 'a') + "\xc3\xa9" + "tail";  // "é" spans bytes 63-64
  const auto r = parse(p, R"({"op":")" + op + R"(","id":"x"})");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "unknown_op");
  EXPECT_TRUE(simdjson::validate_utf8(r.err.message)) << r.err.message;
  EXPECT_EQ(r.err.message, "unknown op '" + std::string(63, 'a') + "'");
  EXPECT_EQ(r.req.id_json, R"("x")");

  const auto ascii = parse(p, R"({"op":")" + std::string(100, 'b') + R"("})");
  EXPECT_EQ(ascii.err.message, "unknown op '" + std::string(64, 'b') + "'");
}

TEST(ClientRequestEdge, IdForms) {
  client_request_parser p;
  struct id_case {
    std::string_view text;
    bool ok;
    std::string_view id_json;
  };
  const id_case cases[] = {
      {R"({"op":"ping","id":-9223372036854775808})", true, "-9223372036854775808"},
      {R"({"op":"ping","id":9223372036854775807})", true, "9223372036854775807"},
      {R"({"op":"ping","id":9223372036854775808})", false, ""},  // beyond int64
      {R"({"op":"ping","id":-0})", true, "0"},
      {R"({"op":"ping","id":1e2})", false, ""},
      {R"({"op":"ping","id":"\u00e9\n"})", true, "\"\xc3\xa9\\n\""},
      {R"({"op":"ping","id":null})", false, ""},
      {R"({"op":"ping","id":true})", false, ""},
  };
  for (const auto& c : cases) {
    const auto r = parse(p, c.text);
    EXPECT_EQ(r.ok, c.ok) << c.text << " -> " << r.err.message;
    if (!r.ok) {
      EXPECT_EQ(r.err.code, "bad_request") << c.text;
    }
    EXPECT_EQ(r.req.id_json, c.id_json) << c.text;
  }
  // 64 bytes is the limit.
  EXPECT_TRUE(parse(p, R"({"op":"ping","id":")" + std::string(64, 'x') + "\"}").ok);
}

TEST(ClientRequestEdge, ChannelLimit) {
  client_request_parser p;
  std::string text = R"({"op":"subscribe","channels":[)";
  for (std::size_t i = 0; i < client_request_parser::max_channels; ++i) {
    text += i == 0 ? "\"c\"" : ",\"c\"";
  }
  auto r = parse(p, text + "]}");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.req.channels.size(), client_request_parser::max_channels);
  r = parse(p, text + ",\"c\"]}");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "bad_request");
  EXPECT_LE(r.req.channels.size(), client_request_parser::max_channels);
}

TEST(ClientRequestEdge, RepeatedKeysReplaceAnEarlierError) {
  // The last value counts, whether the earlier one was wrong or the later one is.
  client_request_parser p;
  auto r = parse(p, R"({"op":5,"op":"ping","id":[],"id":7})");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.req.id_json, "7");
  r = parse(p, R"({"op":"ping","op":5})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "bad_request");
  r = parse(p, R"({"op":"subscribe","channels":[1],"channels":["c"],"throttle_ms":-1,)"
               R"("throttle_ms":250})");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.req.throttle_ms, 250);
  r = parse(p, R"({"op":"subscribe","channels":["c"],"throttle_ms":250,"throttle_ms":"x"})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.req.throttle_ms, -1);
}

TEST(ClientRequestEdge, RepeatedKeysInsideSinceTakeTheLastValue) {
  client_request_parser p;
  // Inside an entry: the last seq and epoch (simdjson's at_key would give the first).
  auto r = parse(p, R"({"op":"subscribe","channels":["c"],)"
                    R"("since":{"c":{"seq":1,"epoch":"old","seq":41,"epoch":"new"}}})");
  ASSERT_TRUE(r.ok) << r.err.message;
  ASSERT_EQ(r.req.since.size(), 1u);
  EXPECT_EQ(r.req.since[0].seq, 41u);
  EXPECT_EQ(r.req.since[0].epoch, "new");
  // A channel named twice: one entry, the last.
  r = parse(p, R"({"op":"subscribe","channels":["c","d"],"since":{"c":{"seq":1,"epoch":"a"},)"
               R"("d":{"seq":2,"epoch":"b"},"c":{"seq":3,"epoch":"e"}}})");
  ASSERT_TRUE(r.ok) << r.err.message;
  ASSERT_EQ(r.req.since.size(), 2u);
  EXPECT_EQ(r.req.since[0].channel, "c");
  EXPECT_EQ(r.req.since[0].seq, 3u);
  EXPECT_EQ(r.req.since[0].epoch, "e");
  EXPECT_EQ(r.req.since[1].seq, 2u);
  // A good seq replaced by a bad one is a bad entry.
  r = parse(p,
            R"({"op":"subscribe","channels":["c"],"since":{"c":{"seq":1,"epoch":"a","seq":-1}}})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "bad_request");
}

TEST(ClientRequestEdge, HugeNumbersAndDeepNesting) {
  client_request_parser p;
  // seq: the whole uint64 range; beyond it the message is not JSON tickerd can read.
  auto r = parse(p, R"({"op":"subscribe","channels":["c"],)"
                    R"("since":{"c":{"seq":18446744073709551615,"epoch":"e"}}})");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.req.since[0].seq, 18446744073709551615u);
  r = parse(p, R"({"op":"subscribe","channels":["c"],)"
               R"("since":{"c":{"seq":18446744073709551616,"epoch":"e"}}})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "bad_json");
  EXPECT_NE(r.err.message.find("64-bit"), std::string::npos) << r.err.message;
  for (const char* seq : {"-1", "-9223372036854775809", "1e30", "4.0"}) {
    r = parse(p, std::string(R"({"op":"subscribe","channels":["c"],"since":{"c":{"seq":)") + seq +
                     R"(,"epoch":"e"}}})");
    EXPECT_FALSE(r.ok) << seq;
    EXPECT_TRUE(r.err.code == "bad_request" || r.err.code == "bad_json") << seq;
  }
  // Nesting past simdjson's 1024 levels: an error, not a stack overflow.
  const std::string deep =
      R"({"op":"ping","x":)" + std::string(60'000, '[') + std::string(60'000, ']') + "}";
  r = parse(p, deep);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "bad_json");
  EXPECT_NE(r.err.message.find("nested"), std::string::npos) << r.err.message;
  // Within the limit, an ignored field may nest.
  r = parse(p, R"({"op":"ping","x":)" + std::string(1000, '[') + std::string(1000, ']') + "}");
  EXPECT_TRUE(r.ok) << r.err.message;
}

}  // namespace
}  // namespace tickerd
