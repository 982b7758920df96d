// The sim's Ethereum node (/eth) and Fear & Greed API (/fng/): the chain model's determinism and
// EIP-1559 arithmetic, the JSON-RPC requests and errors on a fake connection, and both read back
// with tickerd's own parsers (gas::adapter, fng::parse_api_response).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "feeds/sources/fng.hpp"
#include "feeds/sources/gas_adapter.hpp"
#include "sim/eth_chain.hpp"
#include "sim/eth_protocol.hpp"
#include "sim/fng_api.hpp"

namespace tickerd::sim {
namespace {

constexpr std::int64_t now_s = 1'765'960'000;  // 2025-12-17T08:26:40Z

class fake_connection final : public connection {
 public:
  std::uint64_t id() const noexcept override { return 3; }
  bool send(frame_ptr frame) override {
    frames.push_back(*frame);
    return true;
  }
  void close(std::uint16_t, std::string_view) override { closed = true; }
  std::string take() {
    if (frames.empty()) return {};
    std::string f = frames.front();
    frames.erase(frames.begin());
    return f;
  }
  std::vector<std::string> frames;
  bool closed = false;
};

struct sim_eth_rpc : ::testing::Test {
  sim_eth_rpc() : ep(42, nullptr, eth::default_block_interval, [this] { return clock_s; }) {
    http_reject reject;
    handler = ep.accept("/eth", reject);
    EXPECT_TRUE(handler);
    handler->on_open(conn);
  }
  // Sends a request and returns the one reply.
  std::string call(std::string_view request) {
    handler->on_text(request);
    EXPECT_EQ(conn.frames.size(), 1u) << request;
    return conn.take();
  }

  std::int64_t clock_s = now_s;
  eth::endpoint ep;
  fake_connection conn;
  std::unique_ptr<connection_handler> handler;
};

// ---- the chain ---------------------------------------------------------------------------

TEST(sim_eth_chain, deterministic_by_seed) {
  eth::chain a(7, now_s);
  eth::chain b(7, now_s + 1000);  // timestamps differ, blocks do not
  eth::chain c(8, now_s);
  for (int i = 0; i < 50; ++i) {
    a.produce(now_s + i);
    b.produce(now_s + 5000 + i);
    c.produce(now_s + i);
  }
  EXPECT_EQ(a.head().number, eth::chain::first_number + 31 + 50);
  EXPECT_EQ(a.head().number, b.head().number);
  EXPECT_EQ(a.head().base_fee, b.head().base_fee);
  EXPECT_EQ(a.head().tips, b.head().tips);
  EXPECT_EQ(a.head().hash, b.head().hash);
  EXPECT_NE(a.head().hash, c.head().hash);
  EXPECT_EQ(a.head().parent_hash, a.find(a.head().number - 1)->hash);
  EXPECT_EQ(a.find(a.head().number)->timestamp, now_s + 49);
}

TEST(sim_eth_chain, eip1559_base_fee_arithmetic) {
  eth::block b;
  b.base_fee = 1'000'000'000;
  b.gas_used = eth::gas_limit;  // full: +12.5 %
  EXPECT_EQ(eth::next_base_fee(b), 1'125'000'000u);
  b.gas_used = 0;  // empty: -12.5 %
  EXPECT_EQ(eth::next_base_fee(b), 875'000'000u);
  b.gas_used = eth::gas_limit / 2;  // at target: unchanged
  EXPECT_EQ(eth::next_base_fee(b), 1'000'000'000u);
  b.base_fee = 7;
  b.gas_used = eth::gas_limit / 2 + 1;  // a rise is at least 1 wei
  EXPECT_EQ(eth::next_base_fee(b), 8u);
}

TEST(sim_eth_chain, fees_stay_plausible_and_change) {
  eth::chain ch(42, now_s);
  std::uint64_t lo = ~0ULL;
  std::uint64_t hi = 0;
  std::uint64_t previous = ch.head().base_fee;
  int changes = 0;
  for (int i = 0; i < 20'000; ++i) {
    const auto& b = ch.produce(now_s + 12 * i);
    lo = std::min(lo, b.base_fee);
    hi = std::max(hi, b.base_fee);
    EXPECT_LE(b.base_fee, previous + previous / 8 + 1);
    EXPECT_GE(b.base_fee, previous - previous / 8);
    changes += b.base_fee != previous;
    previous = b.base_fee;
    ASSERT_TRUE(std::is_sorted(b.tips.begin(), b.tips.end()));
    ASSERT_EQ(b.tips[0] % eth::tip_quantum, 0u);
  }
  EXPECT_GE(lo, 250'000'000u) << "about 0.3 Gwei at the lowest";
  EXPECT_LE(hi, 2'300'000'000u) << "about 2 Gwei at the highest";
  EXPECT_GT(changes, 19'000);
  EXPECT_EQ(ch.oldest(), ch.head().number - eth::chain::kept_blocks + 1);
}

TEST(sim_eth_chain, reward_percentiles_read_tip_levels) {
  eth::block b;
  for (std::size_t i = 0; i < eth::tip_levels; ++i) b.tips[i] = (i + 1) * 1000;
  EXPECT_EQ(eth::reward_at(b, 0), 1000u);
  EXPECT_EQ(eth::reward_at(b, 10), 3000u);   // level 2
  EXPECT_EQ(eth::reward_at(b, 50), 11000u);  // level 10
  EXPECT_EQ(eth::reward_at(b, 90), 19000u);  // level 18
  EXPECT_EQ(eth::reward_at(b, 100), 20000u);
  EXPECT_EQ(eth::reward_at(b, 4.99), 1000u);
}

// ---- JSON-RPC ----------------------------------------------------------------------------

TEST_F(sim_eth_rpc, new_heads_read_back_by_tickerds_adapter) {
  std::vector<gas::reading> readings;
  gas::adapter reader([&](const gas::reading& r) { readings.push_back(r); });
  reader.reset();
  std::vector<tick> ticks;
  std::vector<std::string> requests;
  const auto relay = [&](const std::string& frame) {
    EXPECT_EQ(reader.parse(frame, 0, ticks).error, feed_errc::ok) << frame;
    reader.take_outgoing(requests);
  };

  for (const auto& m : reader.subscribe_messages()) handler->on_text(m);
  ASSERT_EQ(conn.frames.size(), 2u) << "the subscription and the current block";
  relay(conn.take());
  EXPECT_EQ(reader.subscription().size(), 34u);
  relay(conn.take());  // eth_getBlockByNumber("latest"): read as a head at once
  ASSERT_EQ(requests.size(), 1u);
  handler->on_text(requests.back());
  requests.clear();
  relay(conn.take());
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].block, ep.chain().head().number);
  EXPECT_EQ(readings[0].ts_us, now_s * 1'000'000);
  EXPECT_TRUE(conn.frames.empty()) << "no newHeads is pushed at subscribe time";

  for (int block = 0; block < 3; ++block) {
    clock_s += 12;
    const eth::block& b = ep.produce_block();
    ASSERT_EQ(conn.frames.size(), 1u);
    relay(conn.take());
    ASSERT_EQ(requests.size(), 1u);
    handler->on_text(requests.back());
    requests.clear();
    relay(conn.take());
    ASSERT_EQ(readings.size(), static_cast<std::size_t>(block + 2));
    const gas::reading& r = readings.back();
    EXPECT_EQ(r.block, b.number);
    EXPECT_EQ(r.base_fee_wei, static_cast<std::int64_t>(b.base_fee));
    EXPECT_EQ(r.ts_us, clock_s * 1'000'000);
    EXPECT_EQ(r.priority, gas::priority_source::fee_history);
    // The median of the five newest blocks' tips at each percentile.
    for (std::size_t k = 0; k < gas::tier_count; ++k) {
      std::vector<std::uint64_t> column;
      for (std::uint64_t n = b.number - 4; n <= b.number; ++n) {
        column.push_back(eth::reward_at(*ep.chain().find(n), gas::reward_percentiles[k]));
      }
      std::sort(column.begin(), column.end());
      EXPECT_EQ(r.priority_wei[k], static_cast<std::int64_t>(column[2])) << k;
    }
  }
  EXPECT_EQ(ep.stats().notifications, 3u);
}

TEST_F(sim_eth_rpc, fee_history_shape) {
  const auto& head = ep.chain().head();
  const std::string reply =
      call(R"({"jsonrpc":"2.0","id":"a","method":"eth_feeHistory","params":[3,"latest",[25,75]]})");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(reply);
  EXPECT_EQ(std::string_view(doc["id"]), "a");
  const auto r = doc["result"];
  const auto oldest = head.number - 2;
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(oldest));
  EXPECT_EQ(std::string_view(r["oldestBlock"]), buf);
  EXPECT_EQ(simdjson::dom::array(r["baseFeePerGas"]).size(), 4u) << "three blocks and the next";
  std::snprintf(buf, sizeof buf, "0x%llx",
                static_cast<unsigned long long>(eth::next_base_fee(head)));
  EXPECT_EQ(std::string_view(r["baseFeePerGas"].at(3)), buf);
  EXPECT_EQ(simdjson::dom::array(r["gasUsedRatio"]).size(), 3u);
  const double ratio = r["gasUsedRatio"].at(2);
  EXPECT_NEAR(ratio, static_cast<double>(head.gas_used) / eth::gas_limit, 1e-6);
  EXPECT_EQ(simdjson::dom::array(r["reward"]).size(), 3u);
  EXPECT_EQ(simdjson::dom::array(r["reward"].at(0)).size(), 2u);
  std::snprintf(buf, sizeof buf, "0x%llx",
                static_cast<unsigned long long>(eth::reward_at(head, 75)));
  EXPECT_EQ(std::string_view(r["reward"].at(2).at(1)), buf);

  // Without percentiles, no reward; a range older than what is kept starts at the oldest.
  const std::string no_reward =
      call(R"({"jsonrpc":"2.0","id":1,"method":"eth_feeHistory","params":["0x400","latest"]})");
  EXPECT_EQ(no_reward.find("reward"), std::string::npos) << no_reward;
  std::snprintf(buf, sizeof buf, "\"oldestBlock\":\"0x%llx\"",
                static_cast<unsigned long long>(ep.chain().oldest()));
  EXPECT_NE(no_reward.find(buf), std::string::npos) << no_reward;
}

TEST_F(sim_eth_rpc, other_methods) {
  char buf[64];
  std::snprintf(buf, sizeof buf, R"({"jsonrpc":"2.0","id":2,"result":"0x%llx"})",
                static_cast<unsigned long long>(ep.chain().suggested_tip()));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":2,"method":"eth_maxPriorityFeePerGas","params":[]})"),
            buf);
  std::snprintf(buf, sizeof buf, R"({"jsonrpc":"2.0","id":3,"result":"0x%llx"})",
                static_cast<unsigned long long>(ep.chain().head().number));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":3,"method":"eth_blockNumber"})"), buf);
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":4,"method":"eth_chainId","params":[]})"),
            R"({"jsonrpc":"2.0","id":4,"result":"0x1"})");
  // eth_getBlockByNumber: the header's fields and the block's own; null for an unknown block.
  const auto& head = ep.chain().head();
  EXPECT_EQ(
      call(R"({"jsonrpc":"2.0","id":8,"method":"eth_getBlockByNumber","params":["latest",false]})"),
      R"({"jsonrpc":"2.0","id":8,"result":)" + eth::encode_block(head) + "}");
  const std::string block = eth::encode_block(head);
  EXPECT_TRUE(block.starts_with(eth::encode_header(head).substr(0, 100))) << block;
  EXPECT_TRUE(block.ends_with(R"(,"transactions":[],"uncles":[],"withdrawals":[]})")) << block;
  std::snprintf(buf, sizeof buf, R"("0x%llx")", static_cast<unsigned long long>(head.number));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":9,"method":"eth_getBlockByNumber","params":[)" +
                 std::string(buf) + ",false]}"),
            R"({"jsonrpc":"2.0","id":9,"result":)" + eth::encode_block(head) + "}");
  std::snprintf(buf, sizeof buf, R"("0x%llx")", static_cast<unsigned long long>(head.number + 1));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":10,"method":"eth_getBlockByNumber","params":[)" +
                 std::string(buf) + ",false]}"),
            R"({"jsonrpc":"2.0","id":10,"result":null})");
  EXPECT_NE(call(R"({"jsonrpc":"2.0","id":11,"method":"eth_getBlockByNumber","params":[7]})")
                .find(R"("code":-32602)"),
            std::string::npos);

  const std::string sub =
      call(R"({"jsonrpc":"2.0","id":5,"method":"eth_subscribe","params":["newHeads"]})");
  const auto id = sub.substr(sub.find("\"0x"), 36);
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":6,"method":"eth_unsubscribe","params":[)" + id + "]}"),
            R"({"jsonrpc":"2.0","id":6,"result":true})");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":7,"method":"eth_unsubscribe","params":[)" + id + "]}"),
            R"({"jsonrpc":"2.0","id":7,"result":false})");
  ep.produce_block();
  EXPECT_TRUE(conn.frames.empty()) << "unsubscribed";
}

TEST_F(sim_eth_rpc, json_rpc_errors) {
  EXPECT_EQ(call("{not json"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})");
  EXPECT_EQ(call("[1]"),
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request"}})");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1})"),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"invalid request"}})");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":2,"method":"eth_sendRawTransaction","params":["0x"]})"),
            R"({"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"the method )"
            R"(eth_sendRawTransaction does not exist/is not available"}})");
  EXPECT_EQ(
      call(R"({"jsonrpc":"2.0","id":3,"method":"eth_subscribe","params":["logs"]})"),
      R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"no \"logs\" subscription in eth namespace"}})");
  for (const char* params : {R"([0,"latest"])", R"(["0x401","latest"])", R"(["0x5"])",
                             R"(["0x5","0xffffffffff"])", R"(["0x5","latest",[50,10]])",
                             R"(["0x5","latest",[101]])", R"(["five","latest"])", R"({"a":1})"}) {
    const std::string reply =
        call(std::string(R"({"jsonrpc":"2.0","id":9,"method":"eth_feeHistory","params":)") +
             params + "}");
    EXPECT_NE(reply.find(R"("code":-32602)"), std::string::npos) << params << " -> " << reply;
  }
  // A notification (no id) is carried out and not answered.
  handler->on_text(R"({"jsonrpc":"2.0","method":"eth_subscribe","params":["newHeads"]})");
  EXPECT_TRUE(conn.frames.empty());
  ep.produce_block();
  EXPECT_EQ(conn.frames.size(), 1u);
  EXPECT_GT(ep.stats().errors, 10u);
}

TEST(sim_eth_endpoint, paths) {
  eth::endpoint ep(1, nullptr);
  http_reject reject;
  EXPECT_TRUE(ep.accept("/eth", reject));
  EXPECT_TRUE(ep.accept("/eth?key=x", reject));
  EXPECT_TRUE(ep.accept("/", reject)) << "what the router leaves of /eth";
  EXPECT_FALSE(ep.accept("/eth/ws", reject));
  EXPECT_EQ(reject.status, 404u);
  EXPECT_EQ(ep.venue(), "eth");
}

// ---- Fear & Greed ------------------------------------------------------------------------

TEST(sim_fng, read_back_by_tickerds_parser) {
  std::string error;
  const auto q = fng::parse_query("/fng/?limit=1&format=json&date_format=us", error);
  ASSERT_TRUE(q) << error;
  const std::string body = fng::response_body(5, now_s, *q);
  tickerd::fng::api_reading r;
  ASSERT_EQ(tickerd::fng::parse_api_response(body, r), tickerd::fng::api_errc::ok) << body;
  const std::int64_t today = now_s / fng::seconds_per_day;
  EXPECT_EQ(r.value, fng::value_for_day(5, today));
  EXPECT_EQ(r.classification, tickerd::fng::classify(r.value)) << "the same bands";
  EXPECT_EQ(r.timestamp_s, today * fng::seconds_per_day);
  EXPECT_EQ(r.time_until_update_s, (today + 1) * fng::seconds_per_day - now_s);
  EXPECT_EQ(body, fng::response_body(5, now_s, *q)) << "deterministic";
}

TEST(sim_fng, values_change_by_day_and_seed) {
  int changes = 0;
  for (std::int64_t day = 20'000; day < 20'100; ++day) {
    const int v = fng::value_for_day(1, day);
    EXPECT_GE(v, 5);
    EXPECT_LE(v, 95);
    changes += v != fng::value_for_day(1, day + 1);
  }
  EXPECT_GT(changes, 90);
  EXPECT_NE(fng::response_body(1, now_s, {}), fng::response_body(2, now_s, {}));
}

TEST(sim_fng, limits_and_errors) {
  std::string error;
  auto q = fng::parse_query("/fng/", error);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->limit, 1);
  q = fng::parse_query("/fng/?limit=7", error);
  ASSERT_TRUE(q);
  const std::string seven = fng::response_body(1, now_s, *q);
  EXPECT_EQ(std::count(seven.begin(), seven.end(), '{'), 7 + 2);
  EXPECT_EQ(seven.find("time_until_update"), seven.rfind("time_until_update"))
      << "only the newest entry";
  q = fng::parse_query("/fng/?limit=0", error);
  ASSERT_TRUE(q);
  const std::string all = fng::response_body(1, now_s, *q);
  const auto days = now_s / fng::seconds_per_day - fng::first_day + 1;
  EXPECT_EQ(std::count(all.begin(), all.end(), '{'), days + 2);
  EXPECT_FALSE(fng::parse_query("/fng/?limit=abc", error));
  EXPECT_FALSE(fng::parse_query("/fng/?limit=-1", error));
  EXPECT_FALSE(fng::parse_query("/fng/?format=csv", error));
  EXPECT_EQ(fng::error_body("x"),
            R"({"name":"Fear and Greed Index","data":[],"metadata":{"error":"x"}})");
  tickerd::fng::api_reading r;
  EXPECT_EQ(tickerd::fng::parse_api_response(fng::error_body("x"), r),
            tickerd::fng::api_errc::api_error);
}

}  // namespace
}  // namespace tickerd::sim
