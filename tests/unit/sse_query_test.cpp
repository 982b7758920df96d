#include "gateway/sse_query.hpp"

#include <gtest/gtest.h>

#include "gateway/sse_stream.hpp"

namespace tickerd {
namespace {

struct parsed {
  bool ok;
  sse_query q;
  sse_query_error err;
};

parsed parse(std::string_view target, std::string_view last_event_id = {}) {
  parsed r{};
  r.ok = parse_sse_query(target, last_event_id, r.q, r.err);
  return r;
}

TEST(SseQuery, ChannelsInOrder) {
  const auto r = parse("/v1/sse?channels=ticker.BTC-USDT,fng");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.q.channels, (std::vector<std::string>{"ticker.BTC-USDT", "fng"}));
  EXPECT_TRUE(r.q.since.empty());
  EXPECT_EQ(r.q.throttle_ms, -1);
}

TEST(SseQuery, PercentEncodedCommaAndThrottleAndToken) {
  const auto r =
      parse("/v1/sse?_=17&channels=ticker.BTC-USDT%2Cgas.ETH&throttle_ms=500&token=a%2Bb");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.q.channels, (std::vector<std::string>{"ticker.BTC-USDT", "gas.ETH"}));
  EXPECT_EQ(r.q.throttle_ms, 500);
  EXPECT_EQ(r.q.token, "a+b");
}

TEST(SseQuery, Format) {
  auto r = parse("/v1/sse?channels=ticker.BTC-USDT&format=ccxt");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.q.format, data_format::ccxt);
  r = parse("/v1/sse?channels=ticker.BTC-USDT");
  ASSERT_TRUE(r.ok) << r.err.message;
  EXPECT_EQ(r.q.format, data_format::native);
  r = parse("/v1/sse?channels=ticker.BTC-USDT&format=xml");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.err.code, "bad_request");
  EXPECT_EQ(r.err.message, R"(unknown format 'xml': "native" or "ccxt")");
}

TEST(SseQuery, RefusesWhatIsMalformed) {
  for (const char* target :
       {"/v1/sse", "/v1/sse?", "/v1/sse?channels=", "/v1/sse?channels=a,,b", "/v1/sse?channels=a,a",
        "/v1/sse?channels=a&throttle_ms=-1", "/v1/sse?channels=a&throttle_ms=60001",
        "/v1/sse?channels=a&throttle_ms=1x", "/v1/sse?channels=a&throttle_ms=",
        "/v1/sse?channels=a%2", "/v1/sse?channels=a%zz", "/v1/sse?channels=a&since=e:1,f:2",
        "/v1/sse?channels=a&since=e:", "/v1/sse?channels=a&since=:3",
        "/v1/sse?channels=a&since=e:99999999999999999999", "/v1/sse?channels=a&since=e%0A:1"}) {
    const auto r = parse(target);
    EXPECT_FALSE(r.ok) << target;
    EXPECT_EQ(r.err.code, "bad_request") << target;
    EXPECT_FALSE(r.err.message.empty()) << target;
  }
}

TEST(SseQuery, TooManyChannels) {
  std::string target = "/v1/sse?channels=c0";
  for (std::size_t i = 1; i <= sse_max_channels; ++i) target += ",c" + std::to_string(i);
  const auto r = parse(target);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.err.message.find("1024"), std::string::npos);
}

TEST(SseQuery, LastEventIdGivesEveryChannelsPosition) {
  const auto r = parse("/v1/sse?channels=ticker.BTC-USDT,fng,gas.ETH", "3fa2c1d0:41,-,9b0e11aa:7");
  ASSERT_TRUE(r.ok) << r.err.message;
  ASSERT_EQ(r.q.since.size(), 2u);
  EXPECT_EQ(r.q.since[0].channel, "ticker.BTC-USDT");
  EXPECT_EQ(r.q.since[0].epoch, "3fa2c1d0");
  EXPECT_EQ(r.q.since[0].seq, 41u);
  EXPECT_EQ(r.q.since[1].channel, "gas.ETH");
  EXPECT_EQ(r.q.since[1].seq, 7u);
}

TEST(SseQuery, LastEventIdWinsOverSince) {
  const auto r = parse("/v1/sse?channels=fng&since=e:3", "e:9");
  ASSERT_TRUE(r.ok) << r.err.message;
  ASSERT_EQ(r.q.since.size(), 1u);
  EXPECT_EQ(r.q.since[0].seq, 9u);
  const auto s = parse("/v1/sse?channels=fng&since=e:3");
  ASSERT_TRUE(s.ok) << s.err.message;
  EXPECT_EQ(s.q.since[0].seq, 3u);
}

TEST(SseQuery, LastEventIdWithTheWrongCountIsRefused) {
  const auto r = parse("/v1/sse?channels=fng,gas.ETH", "e:9");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.err.message.find("Last-Event-ID"), std::string::npos) << r.err.message;
}

TEST(SseEventId, RoundTrips) {
  const std::vector<sse_position> positions{
      {"3fa2c1d0", 41}, {"", 0}, {"e", 18446744073709551615u}};
  std::string id;
  append_sse_event_id(id, positions);
  EXPECT_EQ(id, "3fa2c1d0:41,-,e:18446744073709551615");
  std::vector<sse_position> back;
  std::string error;
  ASSERT_TRUE(parse_sse_event_id(id, 3, back, error)) << error;
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].epoch, "3fa2c1d0");
  EXPECT_EQ(back[0].seq, 41u);
  EXPECT_TRUE(back[1].epoch.empty());
  EXPECT_EQ(back[2].seq, 18446744073709551615u);
}

TEST(SseStream, EventIdsCarryEveryChannelAndOnlyCommittedPositionsStay) {
  const auto a = make_update(4, "ticker.BTC-USDT", 42, "{}", "aaaa");
  const auto b = make_update(9, "fng", 7, "{}", "bbbb");
  sse_stream stream({4, 9}, {{"aaaa", 41}, {}});
  stream.begin();
  const auto e1 = stream.prefix(a.get());
  const auto e2 = stream.prefix(nullptr);
  const auto e3 = stream.prefix(b.get());
  const std::string_view scratch(stream.scratch(), e3);
  EXPECT_EQ(scratch.substr(0, e1), "id: aaaa:42,-\ndata: ");
  EXPECT_EQ(scratch.substr(e1, e2 - e1), "data: ");
  EXPECT_EQ(scratch.substr(e2), "id: aaaa:42,bbbb:7\ndata: ");
  // Not committed (the kernel took nothing): framing again starts from aaaa:41.
  stream.begin();
  const auto again = stream.prefix(b.get());
  EXPECT_EQ(std::string_view(stream.scratch(), again), "id: aaaa:41,bbbb:7\ndata: ");
  stream.commit();
  stream.begin();
  const auto after = stream.prefix(a.get());
  EXPECT_EQ(std::string_view(stream.scratch(), after), "id: aaaa:42,bbbb:7\ndata: ");
}

TEST(SseStream, CloseEventIsOneJsonEvent) {
  EXPECT_EQ(sse_stream::close_event(1013, "client \"too\" slow"),
            "data: {\"type\":\"close\",\"code\":1013,\"reason\":\"client \\\"too\\\" slow\"}\n\n");
}

}  // namespace
}  // namespace tickerd
