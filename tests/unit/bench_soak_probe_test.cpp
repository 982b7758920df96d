// The pieces the soak added to the bench's core: reading /v1/stats and /v1/feeds
// (flatten_json), the `epoch` a resume needs, `reset` handling in the seq check, and counting
// a process's descriptors.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "load/core/message_scan.hpp"
#include "load/core/proc_stats.hpp"
#include "load/core/seq_check.hpp"

namespace tickerd::bench {
namespace {

TEST(BenchSoakProbe, FlattensStatsAndFeeds) {
  const auto doc = flatten_json(
      R"({"ts":1,"connections":12,"per_shard":[{"connections":12}],)"
      R"("redis":{"connected":true,"connects":3},"feeds":[{"venue":"okx","state":"up"},)"
      R"({"venue":"kraken","state":"stale","last_message_age_ms":null,"x":"a\"b"}]})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(flat_int(*doc, "connections"), 12);
  EXPECT_EQ(flat_int(*doc, "per_shard.0.connections"), 12);
  EXPECT_EQ(flat_value(*doc, "redis.connected"), "true");
  EXPECT_EQ(flat_int(*doc, "redis.connects"), 3);
  EXPECT_EQ(flat_value(*doc, "feeds.1.venue"), "kraken");
  EXPECT_EQ(flat_value(*doc, "feeds.1.state"), "stale");
  EXPECT_EQ(flat_value(*doc, "feeds.1.last_message_age_ms"), "null");
  EXPECT_EQ(flat_value(*doc, "feeds.1.x"), R"(a\"b)") << "strings stay raw";
  EXPECT_FALSE(flat_int(*doc, "feeds.1.state")) << "not an integer";
  EXPECT_FALSE(flat_value(*doc, "feeds.2.venue"));
}

TEST(BenchSoakProbe, EmptyContainersAndScalars) {
  const auto doc = flatten_json(R"( {"a":[],"b":{},"c":-4} )");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->size(), 1u);
  EXPECT_EQ(flat_int(*doc, "c"), -4);
  const auto top = flatten_json("7");
  ASSERT_TRUE(top);
  EXPECT_EQ(flat_int(*top, ""), 7);
}

TEST(BenchSoakProbe, RefusesWhatIsNotJson) {
  for (const char* bad :
       {"", "{", R"({"a":1)", R"({"a":1}x)", R"({"a" 1})", "[1,]", R"({"a":})", "<html>"}) {
    EXPECT_FALSE(flatten_json(bad)) << bad;
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(flatten_json(deep)) << "nesting is bounded";
}

TEST(BenchSoakProbe, ScanReadsTheEpoch) {
  const auto m = scan_message(
      R"({"type":"update","channel":"ticker.BTC-USDT","seq":42,"epoch":"9f3a01bc","data":{"recv_ts":5}})");
  EXPECT_EQ(m.type, message_type::update);
  EXPECT_EQ(m.epoch, "9f3a01bc");
  EXPECT_EQ(m.seq, 42);
  const auto none = scan_message(R"({"type":"snapshot","channel":"fng","seq":0,"data":null})");
  EXPECT_TRUE(none.epoch.empty());
  const auto reset = scan_message(
      R"({"type":"reset","channel":"ticker.BTC-USDT","epoch":null,"reason":"no_data"})");
  EXPECT_EQ(reset.type, message_type::reset);
  EXPECT_EQ(reset.channel, "ticker.BTC-USDT");
  EXPECT_TRUE(reset.epoch.empty());
}

TEST(BenchSoakProbe, AResetStartsTheChannelOver) {
  channel_seqs s;
  seq_counts c;
  s.snapshot(0, 40);
  s.update(0, 41, false, c);
  s.forget(0);  // reset: epoch changed
  EXPECT_EQ(s.last(0), channel_seqs::none);
  s.snapshot(0, 3);  // the new stream's snapshot
  s.update(0, 4, false, c);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.regressions, 0u);
  s.forget(7);  // unknown channel: nothing happens
  EXPECT_EQ(s.last(7), channel_seqs::none);
}

TEST(BenchSoakProbe, CountsOpenDescriptors) {
  const auto before = count_open_fds(::getpid());
  ASSERT_TRUE(before);
  const int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  const auto during = count_open_fds(::getpid());
  ::close(fd);
  ASSERT_TRUE(during);
  EXPECT_EQ(*during, *before + 1);
  EXPECT_FALSE(count_open_fds(-1));
}

}  // namespace
}  // namespace tickerd::bench
