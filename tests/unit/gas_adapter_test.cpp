// gas::adapter: the JSON-RPC conversation with an Ethereum node (subscribe, a fee history per
// head, the eth_maxPriorityFeePerGas fallback), hex quantities, exact Gwei, and what it does
// with malformed, pre-London, oversized and error frames. Bytes in, requests and readings out.
#include "feeds/sources/gas_adapter.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tickerd::gas {
namespace {

// geth's documented newHeads notification ("Real-time Events"), with the London base fee.
constexpr std::string_view documented_head = R"({
  "jsonrpc": "2.0",
  "method": "eth_subscription",
  "params": {
    "result": {
      "difficulty": "0x15d9223a23aa",
      "extraData": "0xd983010305844765746887676f312e342e328777696e646f7773",
      "gasLimit": "0x47e7c4",
      "gasUsed": "0x38658",
      "logsBloom": "0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
      "miner": "0xf8b483dba2c3b7176a3da549ad41a48bb3121069",
      "nonce": "0x084149998194cc5f",
      "number": "0x1348c9",
      "parentHash": "0x7736fab79e05dc611604d22470dadad26f56fe494421b5b333de816ce1f25701",
      "receiptRoot": "0x2fab35823ad00c7bb388595cb46652fe7886e00660a01e867824d3dceb1c8d36",
      "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
      "stateRoot": "0xb3346685172db67de536d8765c43c31009d0eb3bd9c501c9be3229203f15f378",
      "timestamp": "0x56ffeff8",
      "transactionsRoot": "0x0167ffa60e3ebc0b080cdb95f7c0087dd6c0e61413140e39d94d3468d7c9689f",
      "baseFeePerGas": "0x14fce970"
    },
    "subscription": "0x9ce59a13059e417087c02d3236a0b1cc"
  }
})";
constexpr std::string_view subscribe_ack =
    R"({"jsonrpc":"2.0","id":1,"result":"0x9ce59a13059e417087c02d3236a0b1cc"})";
constexpr std::uint64_t documented_block = 0x1348c9;                 // 1263817
constexpr std::int64_t documented_base_fee = 0x14fce970;             // 352119152 wei
constexpr std::int64_t documented_ts_us = 0x56ffeff8LL * 1'000'000;  // 2016-04-02

// A head with a given number and base fee (hex), on our subscription.
std::string head(std::string_view number, std::string_view base_fee,
                 std::string_view extra = R"(,"timestamp":"0x6553f100")") {
  std::string out = R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":)"
                    R"("0x9ce59a13059e417087c02d3236a0b1cc","result":{"number":)";
  out += number;
  out += R"(,"baseFeePerGas":)";
  out += base_fee;
  out += extra;
  out += "}}}";
  return out;
}

// An eth_feeHistory reply with the given reward rows.
std::string fee_history(std::int64_t id, std::string_view rewards) {
  return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
         R"(,"result":{"oldestBlock":"0x1348c5","baseFeePerGas":["0x1","0x1","0x1","0x1","0x1","0x1"],)"
         R"("gasUsedRatio":[0.5,0.5,0.5,0.5,0.5],"reward":)" +
         std::string(rewards) + "}}";
}

// Five blocks' 10th/50th/90th percentiles, in wei; the medians are 0.01, 0.05 and 0.2 Gwei.
constexpr std::string_view five_rewards =
    R"([["0x989680","0x2faf080","0xbebc200"],)"   // 0.01  0.05  0.2
    R"(["0x4c4b40","0x1c9c380","0x5f5e100"],)"    // 0.005 0.03  0.1
    R"(["0x1312d00","0x3b9aca0","0x11e1a300"],)"  // 0.02  0.0625 0.3
    R"(["0x0","0x2faf080","0xbebc200"],)"         // 0     0.05  0.2
    R"(["0x989680","0x5f5e100","0x17d78400"]])";  // 0.01  0.1   0.4

struct gas_adapter : ::testing::Test {
  gas_adapter() : a([this](const reading& r) { readings.push_back(r); }) { a.reset(); }

  parse_result feed(std::string_view frame) {
    ticks.clear();
    const auto r = a.parse(frame, 1'700'000'000'123'456, ticks);
    EXPECT_TRUE(ticks.empty()) << "the gas adapter produces no ticks";
    sent.clear();
    a.take_outgoing(sent);
    return r;
  }

  adapter a;
  std::vector<reading> readings;
  std::vector<tick> ticks;
  std::vector<std::string> sent;
};

std::string encoded(const reading& r, bool stale = false) {
  std::string out;
  encode_reading(out, r, stale);
  return out;
}

// ---- quantities and encoding -------------------------------------------------------------

TEST(gas_quantity, hex_quantities) {
  std::uint64_t v = 99;
  EXPECT_EQ(parse_quantity("0x0", v), quantity_errc::ok);
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(parse_quantity("0x1bc3", v), quantity_errc::ok);
  EXPECT_EQ(v, 0x1bc3u);
  EXPECT_EQ(parse_quantity("0xABCdef", v), quantity_errc::ok);
  EXPECT_EQ(v, 0xabcdefu);
  EXPECT_EQ(parse_quantity("0x0001", v), quantity_errc::ok) << "leading zeros are tolerated";
  EXPECT_EQ(v, 1u);
  EXPECT_EQ(parse_quantity("0xffffffffffffffff", v), quantity_errc::ok);
  EXPECT_EQ(v, 0xffffffffffffffffULL);
  EXPECT_EQ(parse_quantity("0x00000000000000000001", v), quantity_errc::ok);
  EXPECT_EQ(v, 1u);
  for (const char* bad :
       {"", "0x", "0", "12", "x12", "0X12", "0x1g", "0x 1", "-0x1", "0x1 ", "0x-1"}) {
    EXPECT_EQ(parse_quantity(bad, v), quantity_errc::bad_syntax) << bad;
  }
  EXPECT_EQ(parse_quantity("0x10000000000000000", v), quantity_errc::overflow);
  EXPECT_EQ(parse_quantity("0x" + std::string(70, 'f'), v), quantity_errc::overflow);
  EXPECT_EQ(parse_quantity("0x" + std::string(70, 'f') + "z", v), quantity_errc::bad_syntax);
}

TEST(gas_quantity, wei_as_exact_gwei_without_trailing_zeros) {
  EXPECT_EQ(wei_to_gwei(352'114'000).to_string(), "0.352114");
  EXPECT_EQ(wei_to_gwei(2'000'000'000).to_string(), "2");
  EXPECT_EQ(wei_to_gwei(0).to_string(), "0");
  EXPECT_EQ(wei_to_gwei(1).to_string(), "0.000000001");
  EXPECT_EQ(wei_to_gwei(12'345'678'901).to_string(), "12.345678901");
  EXPECT_EQ(wei_to_gwei(10'000'000).to_string(), "0.01");
  EXPECT_EQ(wei_to_gwei(static_cast<std::int64_t>(max_fee_wei)).to_string(), "1000000000");
}

TEST(gas_encode, the_documented_shape) {
  reading r;
  r.block = 21'456'789;
  r.base_fee_wei = 352'114'000;
  r.priority_wei = {10'000'000, 50'000'000, 200'000'000};
  r.priority = priority_source::fee_history;
  r.ts_us = 1'734'000'000'000'000;
  EXPECT_EQ(encoded(r),
            R"({"chain":"ETH","block":21456789,"base_fee_gwei":"0.352114",)"
            R"("priority_fee_gwei":{"slow":"0.01","standard":"0.05","fast":"0.2"},)"
            R"("total_gwei":{"slow":"0.362114","standard":"0.402114","fast":"0.552114"},)"
            R"("ts":1734000000000000,"stale":false})");
  EXPECT_NE(encoded(r, true).find(R"("stale":true})"), std::string::npos);
  r.priority = priority_source::none;
  EXPECT_EQ(encoded(r),
            R"({"chain":"ETH","block":21456789,"base_fee_gwei":"0.352114",)"
            R"("priority_fee_gwei":null,"total_gwei":null,"ts":1734000000000000,"stale":false})");
}

// ---- the conversation --------------------------------------------------------------------

TEST_F(gas_adapter, subscribes_to_new_heads_on_the_url_path) {
  EXPECT_EQ(a.target("/eth"), "/eth");
  EXPECT_EQ(a.target(""), "/");
  EXPECT_EQ(a.target("/v3/key?x=1"), "/v3/key?x=1");
  const auto messages = a.subscribe_messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0],
            R"({"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]})");
  // Issue 17: and the current block, so the channel does not wait a block interval.
  EXPECT_EQ(
      messages[1],
      R"({"jsonrpc":"2.0","id":2,"method":"eth_getBlockByNumber","params":["latest",false]})");
  EXPECT_TRUE(a.keepalive_message().empty()) << "WebSocket pings keep a node connection alive";
}

// eth_getBlockByNumber("latest", false)'s reply: the header's fields and the block's own.
std::string latest_block(std::string_view number, std::string_view base_fee) {
  return R"({"jsonrpc":"2.0","id":2,"result":{"baseFeePerGas":)" + std::string(base_fee) +
         R"(,"gasLimit":"0x1c9c380","hash":"0xab","number":)" + std::string(number) +
         R"(,"size":"0x220","timestamp":"0x6553f100","transactions":["0x01"],"uncles":[]}})";
}

TEST_F(gas_adapter, the_latest_block_asked_at_connect_is_published_like_a_head) {
  feed(subscribe_ack);
  auto r = feed(latest_block(R"("0x1348c9")", R"("0x14fce970")"));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(
      sent[0],
      R"({"jsonrpc":"2.0","id":3,"method":"eth_feeHistory","params":["0x5","0x1348c9",[10,50,90]]})");
  r = feed(fee_history(3, five_rewards));
  EXPECT_EQ(r.readings, 1u);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].block, documented_block);
  EXPECT_EQ(readings[0].base_fee_wei, documented_base_fee);
  EXPECT_EQ(readings[0].ts_us, 1'700'000'000'000'000);
  EXPECT_EQ(readings[0].priority_wei[1], 50'000'000);
  // The next head follows as usual.
  feed(head(R"("0x1348ca")", R"("0x14fce971")"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find(R"("id":4)"), std::string::npos) << sent[0];
}

TEST_F(gas_adapter, a_latest_block_older_than_a_head_already_seen_is_ignored) {
  feed(subscribe_ack);
  feed(head(R"("0x101")", R"("0x2")"));
  ASSERT_EQ(sent.size(), 1u);
  const auto r = feed(latest_block(R"("0x101")", R"("0x2")"));  // the same block, answered late
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::control);
  EXPECT_TRUE(sent.empty()) << "nothing asked for it";
  feed(latest_block(R"("0x100")", R"("0x1")"));
  EXPECT_TRUE(sent.empty());
  feed(fee_history(3, five_rewards));
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].block, 0x101u);
  // After a reconnect the same block is not published again; a newer one is.
  a.reset();
  feed(subscribe_ack);
  feed(latest_block(R"("0x101")", R"("0x2")"));
  EXPECT_TRUE(sent.empty());
  feed(latest_block(R"("0x102")", R"("0x3")"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find(R"("0x102")"), std::string::npos) << sent[0];
}

TEST_F(gas_adapter, a_refused_or_empty_latest_block_leaves_it_to_new_heads) {
  feed(subscribe_ack);
  auto r = feed(R"({"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"x"}})");
  EXPECT_EQ(r.error, feed_errc::venue_error);
  r = feed(R"({"jsonrpc":"2.0","id":2,"result":null})");
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::control);
  r = feed(R"({"jsonrpc":"2.0","id":2,"result":{"number":"0x10"}})");  // before London
  EXPECT_EQ(r.error, feed_errc::unexpected_shape);
  EXPECT_TRUE(sent.empty());
  EXPECT_TRUE(readings.empty());
  feed(head(R"("0x100")", R"("0x1")"));
  feed(fee_history(3, five_rewards));
  EXPECT_EQ(readings.size(), 1u);
}

TEST_F(gas_adapter, a_documented_head_asks_for_fee_history_then_publishes_the_block) {
  auto r = feed(subscribe_ack);
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::control);
  EXPECT_EQ(a.subscription(), "0x9ce59a13059e417087c02d3236a0b1cc");
  EXPECT_TRUE(sent.empty());

  r = feed(documented_head);
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  EXPECT_EQ(r.readings, 0u) << "the block waits for its priority fees";
  EXPECT_TRUE(readings.empty());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(
      sent[0],
      R"({"jsonrpc":"2.0","id":3,"method":"eth_feeHistory","params":["0x5","0x1348c9",[10,50,90]]})");

  r = feed(fee_history(3, five_rewards));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::data);
  EXPECT_EQ(r.readings, 1u);
  EXPECT_TRUE(sent.empty());
  ASSERT_EQ(readings.size(), 1u);
  const reading& got = readings[0];
  EXPECT_EQ(got.block, documented_block);
  EXPECT_EQ(got.base_fee_wei, documented_base_fee);
  EXPECT_EQ(got.ts_us, documented_ts_us);
  EXPECT_EQ(got.priority, priority_source::fee_history);
  // Per percentile, the median of the five blocks.
  EXPECT_EQ(got.priority_wei[0], 10'000'000);
  EXPECT_EQ(got.priority_wei[1], 50'000'000);
  EXPECT_EQ(got.priority_wei[2], 200'000'000);
  EXPECT_EQ(encoded(got),
            R"({"chain":"ETH","block":1263817,"base_fee_gwei":"0.352119152",)"
            R"("priority_fee_gwei":{"slow":"0.01","standard":"0.05","fast":"0.2"},)"
            R"("total_gwei":{"slow":"0.362119152","standard":"0.402119152","fast":"0.552119152"},)"
            R"("ts":1459613688000000,"stale":false})");
}

TEST_F(gas_adapter, reply_fields_may_come_in_any_order) {
  feed(subscribe_ack);
  feed(head(R"("0x10")", R"("0x3b9aca00")"));
  const auto r = feed(
      R"({"result":{"reward":[["0x1","0x2","0x3"]],"oldestBlock":"0x10"},"id":3,"jsonrpc":"2.0"})");
  EXPECT_EQ(r.error, feed_errc::ok);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].priority_wei[2], 3);
}

TEST_F(gas_adapter, an_even_number_of_blocks_takes_the_lower_median) {
  feed(head(R"("0x10")", R"("0x1")"));
  feed(fee_history(
      3,
      R"([["0x4","0x40","0x400"],["0x1","0x10","0x100"],["0x3","0x30","0x300"],["0x2","0x20","0x200"]])"));
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].priority_wei[0], 2);
  EXPECT_EQ(readings[0].priority_wei[1], 0x20);
  EXPECT_EQ(readings[0].priority_wei[2], 0x200);
}

TEST_F(gas_adapter, a_refused_fee_history_falls_back_to_max_priority_fee) {
  feed(subscribe_ack);
  feed(head(R"("0x100")", R"("0x3b9aca00")"));
  ASSERT_EQ(sent.size(), 1u);
  auto r = feed(
      R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"the method eth_feeHistory does not exist/is not available"}})");
  EXPECT_EQ(r.error, feed_errc::venue_error) << "counted as a parse error";
  EXPECT_TRUE(readings.empty());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], R"({"jsonrpc":"2.0","id":4,"method":"eth_maxPriorityFeePerGas","params":[]})");

  r = feed(R"({"jsonrpc":"2.0","id":4,"result":"0x3b9aca00"})");
  EXPECT_EQ(r.error, feed_errc::ok);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].priority, priority_source::max_priority_fee);
  EXPECT_EQ(encoded(readings[0]),
            R"({"chain":"ETH","block":256,"base_fee_gwei":"1","priority_fee_gwei":{"slow":"1",)"
            R"("standard":"1","fast":"1"},"total_gwei":{"slow":"2","standard":"2","fast":"2"},)"
            R"("ts":1700000000000000,"stale":false})");

  // The rest of this connection asks for the suggestion straight away...
  feed(head(R"("0x101")", R"("0x3b9aca00")"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find("eth_maxPriorityFeePerGas"), std::string::npos) << sent[0];
  // ...and a new connection tries fee history again.
  a.reset();
  feed(head(R"("0x102")", R"("0x3b9aca00")"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find("eth_feeHistory"), std::string::npos) << sent[0];
  EXPECT_NE(sent[0].find(R"("id":3)"), std::string::npos) << "ids start over: " << sent[0];
}

TEST_F(gas_adapter, with_no_priority_fee_at_all_the_block_goes_out_with_nulls) {
  feed(head(R"("0x100")", R"("0x7")"));
  feed(R"({"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"busy"}})");
  const auto r = feed(R"({"jsonrpc":"2.0","id":4,"error":{"code":-32000,"message":"busy"}})");
  EXPECT_EQ(r.error, feed_errc::venue_error);
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].priority, priority_source::none);
  EXPECT_NE(encoded(readings[0]).find(R"("priority_fee_gwei":null,"total_gwei":null)"),
            std::string::npos);
}

TEST_F(gas_adapter, a_failed_request_reuses_the_last_priority_fees_learnt) {
  feed(head(R"("0x100")", R"("0x1")"));
  feed(fee_history(3, five_rewards));
  ASSERT_EQ(readings.size(), 1u);
  feed(head(R"("0x101")", R"("0x2")"));
  feed(R"({"jsonrpc":"2.0","id":4,"error":{"code":-32000,"message":"x"}})");
  feed(R"({"jsonrpc":"2.0","id":5,"result":"0xzz"})");  // a garbled suggestion
  ASSERT_EQ(readings.size(), 2u);
  EXPECT_EQ(readings[1].block, 0x101u);
  EXPECT_EQ(readings[1].priority, priority_source::fee_history);
  EXPECT_EQ(readings[1].priority_wei[1], 50'000'000);
}

TEST_F(gas_adapter, a_head_still_waiting_when_the_next_comes_is_published_with_what_is_known) {
  feed(head(R"("0x100")", R"("0x1")"));
  feed(fee_history(3, five_rewards));
  feed(head(R"("0x101")", R"("0x2")"));
  const auto r = feed(head(R"("0x102")", R"("0x3")"));  // 0x101's answer never came
  EXPECT_EQ(r.readings, 1u);
  ASSERT_EQ(readings.size(), 2u);
  EXPECT_EQ(readings[1].block, 0x101u);
  EXPECT_EQ(readings[1].priority_wei[2], 200'000'000);
  // A late answer for 0x101 only refreshes the estimate; 0x102 is published by its own.
  feed(fee_history(4, R"([["0x1","0x2","0x3"]])"));
  EXPECT_EQ(readings.size(), 2u);
  feed(fee_history(5, R"([["0x4","0x5","0x6"]])"));
  ASSERT_EQ(readings.size(), 3u);
  EXPECT_EQ(readings[2].block, 0x102u);
  EXPECT_EQ(readings[2].priority_wei[0], 4);
}

TEST_F(gas_adapter, replies_from_a_previous_connection_are_ignored) {
  feed(head(R"("0x100")", R"("0x1")"));
  a.reset();
  const auto r = feed(fee_history(3, five_rewards));
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::control);
  EXPECT_TRUE(readings.empty());
}

TEST_F(gas_adapter, heads_of_another_subscription_are_not_ours) {
  feed(subscribe_ack);
  std::string other = head(R"("0x100")", R"("0x1")");
  other.replace(other.find("0x9ce5"), 6, "0xabcd");
  const auto r = feed(other);
  EXPECT_EQ(r.error, feed_errc::ok);
  EXPECT_EQ(r.kind, frame_kind::control);
  EXPECT_TRUE(sent.empty());
}

TEST_F(gas_adapter, a_head_without_a_timestamp_uses_the_receive_time) {
  feed(head(R"("0x100")", R"("0x1")", ""));
  feed(fee_history(3, five_rewards));
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].ts_us, 1'700'000'000'123'456);
}

// ---- malformed and edge frames -----------------------------------------------------------

TEST_F(gas_adapter, pre_london_heads_without_a_base_fee_are_rejected) {
  std::string pre_london(documented_head);
  const auto at = pre_london.find(R"(,
      "baseFeePerGas": "0x14fce970")");
  ASSERT_NE(at, std::string::npos);
  pre_london.erase(at, pre_london.find('\n', at + 2) - at);
  const auto r = feed(pre_london);
  EXPECT_EQ(r.error, feed_errc::unexpected_shape);
  EXPECT_TRUE(sent.empty());
  EXPECT_TRUE(readings.empty());
}

TEST_F(gas_adapter, nulls_where_quantities_belong) {
  EXPECT_EQ(feed(head("null", R"("0x1")")).error, feed_errc::unexpected_shape) << "pending block";
  EXPECT_EQ(feed(head(R"("0x1")", "null")).error, feed_errc::unexpected_shape);
  EXPECT_EQ(feed(head(R"("0x1")", R"("0x1")", R"(,"timestamp":null)")).error, feed_errc::ok)
      << "a null timestamp counts as absent";
  EXPECT_EQ(feed(R"({"jsonrpc":"2.0","method":"eth_subscription","params":null})").error,
            feed_errc::unexpected_shape);
  EXPECT_EQ(feed(R"({"jsonrpc":"2.0","id":1,"result":null})").error, feed_errc::unexpected_shape);
}

TEST_F(gas_adapter, bad_and_oversized_quantities_are_bad_numbers) {
  for (const std::string& base : std::vector<std::string>{
           R"("0x" )", R"("1234")", R"("0xzz")", R"("0x1.5")", "\"0x" + std::string(40, 'f') + "\"",
           R"("0xde0b6b3a7640001")"}) {  // 1 ETH per gas + 1 wei
    EXPECT_EQ(feed(head(R"("0x10")", base)).error, feed_errc::bad_number) << base;
  }
  EXPECT_EQ(feed(head(R"("0x10")", "1000")).error, feed_errc::unexpected_shape)
      << "a JSON number is not a QUANTITY";
  EXPECT_EQ(feed(head("\"0x" + std::string(17, '1') + "\"", R"("0x1")")).error,
            feed_errc::bad_number);
  EXPECT_EQ(feed(head(R"("0x10")", R"("0x1")", R"(,"timestamp":"0xffffffffffffffff")")).error,
            feed_errc::bad_number)
      << "seconds that overflow as milliseconds";
  EXPECT_TRUE(readings.empty());
  EXPECT_TRUE(sent.empty());

  EXPECT_EQ(feed(head(R"("0x10")", R"("0xde0b6b3a7640000")")).error, feed_errc::ok)
      << "exactly 1 ETH per gas is still a fee";
}

TEST_F(gas_adapter, malformed_fee_history_falls_back_too) {
  feed(head(R"("0x10")", R"("0x1")"));
  auto r = feed(fee_history(3, R"([["0x1","0x2"]])"));  // two percentiles, not three
  EXPECT_EQ(r.error, feed_errc::unexpected_shape);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find("eth_maxPriorityFeePerGas"), std::string::npos);

  feed(head(R"("0x11")", R"("0x1")"));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find("eth_feeHistory"), std::string::npos)
      << "garbled (not refused): fee history is asked for again";
  const auto id = std::string(sent[0].substr(sent[0].find(R"("id":)") + 5, 1));
  r = feed(fee_history(std::stoi(id), "[]"));
  EXPECT_EQ(r.error, feed_errc::unexpected_shape) << "no blocks to learn from";
}

TEST_F(gas_adapter, a_reward_that_is_not_a_quantity_is_a_bad_number) {
  feed(head(R"("0x10")", R"("0x1")"));
  const auto r = feed(fee_history(3, R"([["0x1","0x2","huge"]])"));
  EXPECT_EQ(r.error, feed_errc::bad_number);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_NE(sent[0].find("eth_maxPriorityFeePerGas"), std::string::npos);
}

TEST_F(gas_adapter, rejected_frames) {
  EXPECT_EQ(feed("not json").error, feed_errc::invalid_json);
  EXPECT_EQ(feed(R"({"jsonrpc":"2.0","id":)").error, feed_errc::invalid_json);
  EXPECT_EQ(feed("").error, feed_errc::invalid_json);
  EXPECT_EQ(feed("[1,2]").error, feed_errc::unexpected_shape);
  EXPECT_EQ(feed("42").error, feed_errc::unexpected_shape);
  EXPECT_EQ(feed(R"({"jsonrpc":"2.0"})").error, feed_errc::unexpected_shape);
  EXPECT_EQ(feed(R"({"jsonrpc":"2.0","method":"eth_other","params":{}})").error,
            feed_errc::unexpected_shape);
  EXPECT_EQ(feed(R"({"jsonrpc":"2.0","id":"x","result":"0x1"})").error,
            feed_errc::unexpected_shape);
  EXPECT_EQ(feed(std::string(adapter::max_frame_bytes + 1, ' ')).error, feed_errc::too_large);
  EXPECT_EQ(
      feed(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})").error,
      feed_errc::venue_error);
  EXPECT_EQ(feed(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no subscriptions"}})")
                .error,
            feed_errc::venue_error);
  EXPECT_TRUE(readings.empty());
  EXPECT_TRUE(sent.empty());
  // Still working afterwards.
  feed(head(R"("0x10")", R"("0x1")"));
  feed(fee_history(3, five_rewards));
  EXPECT_EQ(readings.size(), 1u);
}

// Seeded random edits of valid frames (flips, cuts, insertions of JSON punctuation): never a
// crash, never a fee out of range, and the adapter still works afterwards.
TEST_F(gas_adapter, survives_mutated_frames) {
  std::mt19937 rng(20261125);
  const std::vector<std::string> seeds = {
      std::string(documented_head), std::string(subscribe_ack), fee_history(3, five_rewards),
      R"({"jsonrpc":"2.0","id":4,"result":"0x3b9aca00"})",
      R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"x"}})"};
  constexpr std::string_view inserts = "{}[]\",:0xfn-e";
  std::size_t rejected = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string f = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !f.empty(); ++e) {
      const std::size_t at = rng() % f.size();
      switch (rng() % 4) {
        case 0:
          f[at] = static_cast<char>(rng());
          break;
        case 1:
          f.erase(at, 1 + rng() % 8);
          break;
        case 2:
          f.insert(at, 1, inserts[rng() % inserts.size()]);
          break;
        default:
          f.resize(at);
      }
    }
    if (feed(f).error != feed_errc::ok) ++rejected;
    for (const auto& r : readings) {
      ASSERT_GE(r.base_fee_wei, 0) << f;
      ASSERT_LE(static_cast<std::uint64_t>(r.base_fee_wei), max_fee_wei) << f;
      for (const auto p : r.priority_wei) {
        ASSERT_GE(p, 0) << f;
        ASSERT_LE(static_cast<std::uint64_t>(p), max_fee_wei) << f;
      }
    }
    readings.clear();
  }
  EXPECT_GT(rejected, 10'000u);
  a.reset();
  feed(subscribe_ack);
  feed(head(R"("0x10")", R"("0x1")"));
  feed(fee_history(3, five_rewards));
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].priority_wei[1], 50'000'000);
}

}  // namespace
}  // namespace tickerd::gas
