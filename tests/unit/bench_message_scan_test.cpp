#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "load/core/message_scan.hpp"

namespace tickerd::bench {
namespace {

// What tickerd sends (docs/PROTOCOL.md), field order as tickerd writes it.
constexpr std::string_view update_text =
    R"({"type":"update","channel":"ticker.BTC-USDT","seq":42,"epoch":"9f3a01bc","data":)"
    R"({"symbol":"BTC-USDT","last":"85205.70","bid":"85205.60","ts":1764061234000,)"
    R"("recv_ts":1764061234001234,"venues":["binance"],"stale":false}})";

TEST(BenchMessageScan, TickerdUpdate) {
  const auto m = scan_message(update_text);
  EXPECT_EQ(m.type, message_type::update);
  EXPECT_EQ(m.channel, "ticker.BTC-USDT");
  EXPECT_EQ(m.seq, 42);
  EXPECT_EQ(m.recv_ts, 1764061234001234);
}

TEST(BenchMessageScan, FieldsInAnyOrderAndWhitespace) {
  const auto m =
      scan_message(R"( { "data" : { "x" : [1, {"recv_ts": 5}], "recv_ts" : 77 } , "seq" : 3 , )"
                   R"("channel" : "ticker.ETH-USDT@okx" , "type" : "snapshot" } )");
  EXPECT_EQ(m.type, message_type::snapshot);
  EXPECT_EQ(m.channel, "ticker.ETH-USDT@okx");
  EXPECT_EQ(m.seq, 3);
  // The first recv_ts key inside data wins, even nested; tickerd has only one.
  EXPECT_EQ(m.recv_ts, 5);
}

TEST(BenchMessageScan, RecvTsOnlyFromData) {
  // A recv_ts after `data` (not inside it) is not the update's.
  const auto m = scan_message(R"({"data":{"a":"b"},"recv_ts":9,"type":"update","seq":1})");
  EXPECT_EQ(m.type, message_type::update);
  EXPECT_EQ(m.recv_ts, -1);
  EXPECT_EQ(m.seq, 1);
  const auto none = scan_message(R"({"type":"snapshot","channel":"fng","seq":0,"data":null})");
  EXPECT_EQ(none.type, message_type::snapshot);
  EXPECT_EQ(none.seq, 0);
  EXPECT_EQ(none.recv_ts, -1);
}

TEST(BenchMessageScan, StringsWithEscapesAndBraces) {
  const auto m = scan_message(
      R"({"type":"error","id":"a\"}b\\","code":"bad_json","message":"x \"seq\":9 {"})");
  EXPECT_EQ(m.type, message_type::error);
  EXPECT_EQ(m.seq, -1);
  const auto c = scan_message(R"({"channel":"ticker.\\","type":"update","seq":2})");
  EXPECT_EQ(c.channel, "ticker.\\\\");
  EXPECT_EQ(c.seq, 2);
}

TEST(BenchMessageScan, OtherTypes) {
  EXPECT_EQ(scan_message(R"({"type":"conflated","dropped":17})").dropped, 17);
  EXPECT_EQ(scan_message(R"({"type":"conflated","dropped":17})").type, message_type::conflated);
  EXPECT_EQ(scan_message(R"({"type":"ack","id":1,"op":"subscribe","channels":["a"]})").type,
            message_type::ack);
  EXPECT_EQ(scan_message(R"({"type":"pong","id":3,"ts":1})").type, message_type::pong);
  EXPECT_EQ(scan_message(R"({"type":"reset","channel":"c","epoch":null,"reason":"no_data"})").type,
            message_type::reset);
  EXPECT_EQ(scan_message(R"({"type":"reconnect","after_ms":250,"reason":"draining"})").type,
            message_type::reconnect);
  EXPECT_EQ(scan_message(R"({"type":"status","data":{}})").type, message_type::other);
}

TEST(BenchMessageScan, Invalid) {
  for (const std::string_view bad :
       {"", "[]", "{}", "nope", R"({"type":1})", R"({"seq":1})", R"({"type":"update")",
        R"({"type":"update","seq":})", R"({"type":"upd)", R"({"type" "update"})"}) {
    EXPECT_EQ(scan_message(bad).type, message_type::invalid) << bad;
  }
  // A non-integer seq is absent, not a wrong number.
  const auto m = scan_message(R"({"type":"update","seq":1.5,"channel":"c"})");
  EXPECT_EQ(m.type, message_type::update);
  EXPECT_EQ(m.seq, -1);
}

TEST(BenchMessageScan, SplitsFramesOnNewlines) {
  std::vector<std::string> seen;
  for_each_message("{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}",
                   [&](std::string_view m) { seen.emplace_back(m); });
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], "{\"a\":1}");
  EXPECT_EQ(seen[2], "{\"c\":3}");
  seen.clear();
  for_each_message("", [&](std::string_view m) { seen.emplace_back(m); });
  for_each_message("\n", [&](std::string_view m) { seen.emplace_back(m); });
  EXPECT_TRUE(seen.empty());
}

TEST(BenchMessageScan, PublishedSeqsFromTickerdSnapshot) {
  // GET /v1/snapshot (docs/PROTOCOL.md), as tickerd writes it; a channel with no data has seq 0.
  const auto seqs = scan_published_seqs(
      R"({"ts":1764061234567,"channels":[)"
      R"({"channel":"ticker.BTC-USDT","seq":42,"epoch":"9f3a01bc","data":{"symbol":"BTC-USDT",)"
      R"("last":"85205.70","venues":["binance"],"note":"a \"seq\":99 in a string"}},)"
      R"( { "data" : null , "seq" : 0 , "channel" : "ticker.ETH-USDT" } ,)"
      R"({"channel":"ticker.SOL-USDT","seq":null,"data":null},)"
      R"({"seq":7,"data":null}]})");
  ASSERT_TRUE(seqs);
  ASSERT_EQ(seqs->size(), 2u);  // entries without an integer seq or a channel are left out
  EXPECT_EQ((*seqs)[0].channel, "ticker.BTC-USDT");
  EXPECT_EQ((*seqs)[0].seq, 42);
  EXPECT_EQ((*seqs)[1].channel, "ticker.ETH-USDT");
  EXPECT_EQ((*seqs)[1].seq, 0);

  const auto empty = scan_published_seqs(R"({"channels":[],"ts":1})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  for (const std::string_view bad :
       {"", "[]", "{}", R"({"ts":1})", R"({"channels":[{"channel":"a","seq":1}])",
        R"({"channels":[{"channel":"a","seq":1},]})", "<html>"}) {
    EXPECT_FALSE(scan_published_seqs(bad)) << bad;
  }
}

}  // namespace
}  // namespace tickerd::bench
