// tickerd-sim --replay --depth-snapshot without sockets: the SYMBOL:FILE argument, loading the
// files (every start-up error names its file), and the answers to GET /api/v3/depth: per
// symbol, in order, the last repeated, byte for byte, with Binance's error bodies otherwise.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/replay_depth.hpp"
#include "temp_files.hpp"

namespace tickerd::sim::replay {
namespace {

constexpr std::string_view invalid_symbol = R"({"code":-1121,"msg":"Invalid symbol."})";

TEST(sim_replay_depth_arg, symbol_colon_file) {
  std::string error;
  const auto a = parse_depth_snapshot_arg("BTCUSDT:data/snap 1.json", error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->symbol, "BTCUSDT");
  EXPECT_EQ(a->path, "data/snap 1.json");
  // Only the first ':' separates: a path may hold more.
  const auto b = parse_depth_snapshot_arg("1000SATS-X_Y.Z:/tmp/a:b.json", error);
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->symbol, "1000SATS-X_Y.Z");
  EXPECT_EQ(b->path, "/tmp/a:b.json");
}

TEST(sim_replay_depth_arg, bad_arguments_say_why) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"BTCUSDT", "expected SYMBOL:FILE"},
      {":snap.json", "1 to 20 characters"},
      {"ABCDEFGHIJKLMNOPQRSTU:snap.json", "1 to 20 characters"},
      {"btcusdt:snap.json", "may hold only A-Z"},
      {"BTC/USDT:snap.json", "may hold only A-Z"},
      {"BTCUSDT:", "no file after 'BTCUSDT:'"},
  };
  for (const auto& [text, reason] : cases) {
    std::string error;
    EXPECT_FALSE(parse_depth_snapshot_arg(text, error)) << text;
    EXPECT_NE(error.find(reason), std::string::npos) << text << ": " << error;
  }
}

TEST(sim_replay_depth_answer, in_order_per_symbol_and_the_last_repeated) {
  depth_snapshots s;
  s.add("BTCUSDT", "first");
  s.add("ETHUSDT", "eth only");
  s.add("BTCUSDT", "second");
  s.add("BTCUSDT", "third\n");
  const std::string btc = "/api/v3/depth?symbol=BTCUSDT&limit=1000";
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) {
    const auto r = s.answer(btc);
    EXPECT_EQ(r.status, 200u);
    got.push_back(r.body);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"first", "second", "third\n", "third\n", "third\n"}));
  EXPECT_EQ(s.served("BTCUSDT"), 5u);
  // Another symbol has its own order; one file is repeated from the start.
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=ETHUSDT").body, "eth only");
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=ETHUSDT").body, "eth only");
  EXPECT_EQ(s.served("ETHUSDT"), 2u);
  EXPECT_EQ(s.served("SOLUSDT"), 0u);
}

TEST(sim_replay_depth_answer, a_head_request_does_not_take_a_file) {
  depth_snapshots s;
  s.add("BTCUSDT", "first");
  s.add("BTCUSDT", "second");
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=BTCUSDT", false).body, "first");
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=BTCUSDT").body, "first");
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=BTCUSDT", false).body, "second");
  EXPECT_EQ(s.served("BTCUSDT"), 1u);
}

TEST(sim_replay_depth_answer, limit_is_checked_not_applied_and_errors_are_binances) {
  depth_snapshots s;
  s.add("BTCUSDT", R"({"lastUpdateId":7,"bids":[["1.0","2"],["0.9","1"]],"asks":[["1.1","3"]]})");
  // The file is the answer whatever the limit: a recorded book replays whole.
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=BTCUSDT&limit=1").body,
            R"({"lastUpdateId":7,"bids":[["1.0","2"],["0.9","1"]],"asks":[["1.1","3"]]})");
  EXPECT_EQ(s.answer("/binance/api/v3/depth?limit=5000&symbol=BTCUSDT").status, 200u);

  const auto unknown = s.answer("/api/v3/depth?symbol=ETHUSDT&limit=100");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.body, invalid_symbol);
  // Symbols are matched as Binance spells them.
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=btcusdt").body, invalid_symbol);
  const auto none = s.answer("/api/v3/depth?limit=100");
  EXPECT_EQ(none.status, 400u);
  EXPECT_NE(none.body.find(R"("code":-1102)"), std::string::npos) << none.body;
  for (const std::string limit : {"0", "-5", "abc", "10x", "123456789012345678901"}) {
    const auto bad = s.answer("/api/v3/depth?symbol=BTCUSDT&limit=" + limit);
    EXPECT_EQ(bad.status, 400u) << limit;
    EXPECT_NE(bad.body.find(R"("code":-1100)"), std::string::npos) << limit << ": " << bad.body;
  }
  // Errors take no file.
  EXPECT_EQ(s.served("BTCUSDT"), 2u);
}

TEST(sim_replay_depth_answer, with_no_files_every_symbol_is_invalid) {
  depth_snapshots s;
  EXPECT_TRUE(s.empty());
  const auto r = s.answer("/api/v3/depth?symbol=BTCUSDT&limit=1000");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, invalid_symbol);
}

TEST(sim_replay_depth_answer, depth_targets) {
  EXPECT_TRUE(depth_snapshots::is_depth_target("/api/v3/depth?symbol=BTCUSDT"));
  EXPECT_TRUE(depth_snapshots::is_depth_target("/api/v3/depth"));
  EXPECT_TRUE(depth_snapshots::is_depth_target("/binance/api/v3/depth?symbol=BTCUSDT"));
  EXPECT_FALSE(depth_snapshots::is_depth_target("/api/v3/depthx"));
  EXPECT_FALSE(depth_snapshots::is_depth_target("/api/v3/exchangeInfo"));
  EXPECT_FALSE(depth_snapshots::is_depth_target("/okx/api/v3/depth"));
}

// Files in a fresh directory under the test temp dir, removed with it.
struct sim_replay_depth_load : test::temp_files {
  sim_replay_depth_load() : temp_files("tickerd-replay-depth-unit") {}
};

TEST_F(sim_replay_depth_load, files_are_read_byte_for_byte_in_order) {
  const auto a = write("a.json", "{\"lastUpdateId\":1,\"bids\":[],\"asks\":[]}\r\n");
  const auto b = write("b.json", "not JSON: served as is");
  const auto e = write("e.json", "{\"lastUpdateId\":9,\"bids\":[],\"asks\":[]}");
  depth_snapshots s;
  std::string message;
  ASSERT_TRUE(load_depth_snapshots({{"BTCUSDT", a}, {"ETHUSDT", e}, {"BTCUSDT", b}}, s, message))
      << message;
  EXPECT_EQ(s.counts(),
            (std::vector<std::pair<std::string, std::size_t>>{{"BTCUSDT", 2}, {"ETHUSDT", 1}}));
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=BTCUSDT").body,
            "{\"lastUpdateId\":1,\"bids\":[],\"asks\":[]}\r\n");
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=BTCUSDT").body, "not JSON: served as is");
  EXPECT_EQ(s.answer("/api/v3/depth?symbol=ETHUSDT").body,
            "{\"lastUpdateId\":9,\"bids\":[],\"asks\":[]}");
}

TEST_F(sim_replay_depth_load, a_bad_file_is_file_colon_reason) {
  const auto good = write("good.json", "{\"lastUpdateId\":1,\"bids\":[],\"asks\":[]}");
  const auto empty = write("empty.json", "");
  const auto blank = write("blank.json", " \n\t\r\n");
  const auto missing = (dir / "missing.json").string();
  const std::vector<std::pair<std::string, std::string>> cases{
      {empty, empty + ": empty"},
      {blank, blank + ": empty"},
      {missing, missing + ": cannot open: No such file or directory"},
      {dir.string(), dir.string() + ": cannot read: Is a directory"},
  };
  for (const auto& [path, want] : cases) {
    depth_snapshots s;
    std::string message;
    // The good file first: the error is the bad one's, wherever it comes.
    EXPECT_FALSE(load_depth_snapshots({{"BTCUSDT", good}, {"BTCUSDT", path}}, s, message)) << path;
    EXPECT_TRUE(message.starts_with(want)) << message;
  }
}

TEST_F(sim_replay_depth_load, a_file_over_the_limit_is_refused) {
  const auto path = (dir / "huge.json").string();
  {
    std::ofstream f(path, std::ios::binary);
    f << '{';
  }
  std::filesystem::resize_file(path, max_depth_snapshot_bytes + 1);
  depth_snapshots s;
  std::string message;
  EXPECT_FALSE(load_depth_snapshots({{"BTCUSDT", path}}, s, message));
  EXPECT_TRUE(message.starts_with(path + ": too large")) << message;
}

}  // namespace
}  // namespace tickerd::sim::replay
