// Channels gas.ETH and fng end to end: tickerd reads tickerd-sim's Ethereum node (/eth) and
// Fear & Greed API (/fng/). Gas values are checked against what the sim itself answers for the
// same block; F&G against the sim's API body; then the API going down (the computed index takes
// over) and the node going silent (the last reading turns stale).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view block_interval_ms = "400";

// One tickerd-sim and one tickerd whose config adds `tables` ([gas], [fng]) to the stack's.
class gas_fng_rig {
 public:
  explicit gas_fng_rig(std::vector<std::string> sim_args,
                       std::string_view interval_ms = block_interval_ms)
      : s_(options(std::move(sim_args), interval_ms)) {}

  testing::AssertionResult start(const std::string& tables) {
    if (auto r = s_.start_sim(); !r) return r;
    return start_tickerd(tables);
  }
  testing::AssertionResult start_sim() { return s_.start_sim(); }
  testing::AssertionResult start_tickerd(const std::string& tables) {
    const std::string text = s_.config_toml() + "\n" + tables + "\n";
    const auto path = s_.dir().write("tickerd.toml", text);
    if (auto r = tickerd_.spawn({TICKERD_BIN, "--config", path.string()}, s_.dir().path(),
                                "tickerd.gas");
        !r) {
      return r;
    }
    return wait_for_http_200(s_.port(), "/healthz", start_timeout, &tickerd_);
  }

  std::string sim_url(std::string_view scheme, std::string_view path) const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(s_.sim_port()) +
           std::string(path);
  }
  std::uint16_t port() const { return s_.port(); }
  std::uint16_t sim_port() const { return s_.sim_port(); }
  child_process& tickerd() { return tickerd_; }

 private:
  static stack_options options(std::vector<std::string> sim_args, std::string_view interval_ms) {
    stack_options o;
    o.symbols = {"BTC-USDT", "ETH-USDT", "SOL-USDT"};
    o.sim_args = {"--block-interval-ms", std::string(interval_ms)};
    o.sim_args.insert(o.sim_args.end(), sim_args.begin(), sim_args.end());
    return o;
  }

  stack s_;
  child_process tickerd_;  // declared after the stack: stopped before the sim
};

std::uint64_t hex_value(const std::string& text) {
  return std::stoull(text.substr(2), nullptr, 16);
}

std::string hex_text(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Wei as the Gwei text tickerd publishes: exact, trailing zeros trimmed.
std::string gwei_text(std::uint64_t wei) {
  std::string out = std::to_string(wei / 1'000'000'000);
  std::string frac = std::to_string(wei % 1'000'000'000);
  frac.insert(0, 9 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) out += "." + frac;
  return out;
}

bool has_data(const ws_message& m, std::string_view channel) {
  return (m.type() == "update" || m.type() == "snapshot") && m.channel() == channel &&
         m.data().is_object();
}

// What the sim says about block `n`: its base fee and, per tier, the median over blocks
// n-4 … n of the 10th, 50th and 90th percentile rewards (what tickerd asks it for).
struct sim_block {
  std::uint64_t base_fee = 0;
  std::vector<std::uint64_t> priority;
};

std::optional<sim_block> ask_sim(ws_client& node, std::int64_t id, std::uint64_t n,
                                 std::string& why) {
  const std::string request = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                              R"(,"method":"eth_feeHistory","params":["0x5",")" + hex_text(n) +
                              R"(",[10,50,90]]})";
  if (!node.send_text(request)) {
    why = "cannot send to the sim";
    return std::nullopt;
  }
  const auto reply = node.wait_for([id](const ws_message& m) { return m["id"].integer() == id; });
  if (!reply) {
    why = "no reply from the sim: " + node.tail();
    return std::nullopt;
  }
  const auto& result = (*reply)["result"];
  const auto oldest = hex_value(result["oldestBlock"].str());
  const auto& rewards = result["reward"];
  if (oldest > n || rewards.size() != n - oldest + 1) {
    why = "unexpected reply: " + reply->raw;
    return std::nullopt;
  }
  sim_block b;
  b.base_fee = hex_value(result["baseFeePerGas"][static_cast<std::size_t>(n - oldest)].str());
  for (std::size_t k = 0; k < 3; ++k) {
    std::vector<std::uint64_t> column;
    for (const auto& row : rewards.items()) column.push_back(hex_value(row[k].str()));
    std::sort(column.begin(), column.end());
    b.priority.push_back(column[(column.size() - 1) / 2]);
  }
  return b;
}

TEST(end_to_end_gas, blocks_as_the_sim_sent_them) {
  gas_fng_rig rig({});
  // No [fng] table: the index computed from the composites is published alone.
  ASSERT_TRUE(rig.start("[gas]\nurl = \"" + rig.sim_url("ws", "/eth") + "\""));
  ws_client client;
  ASSERT_TRUE(client.connect(rig.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"gas.ETH", "fng", "status"})));

  constexpr std::size_t wanted = 5;
  ASSERT_TRUE(client.wait_until(
      [](const std::vector<ws_message>& ms) {
        return std::count_if(ms.begin(), ms.end(), [](const ws_message& m) {
                 return has_data(m, "gas.ETH");
               }) >= static_cast<std::ptrdiff_t>(wanted);
      },
      seconds(30)))
      << client.tail();
  ASSERT_TRUE(check_sequences(client.messages()));

  std::vector<ws_message> gas;
  for (const auto& m : client.messages()) {
    if (has_data(m, "gas.ETH")) gas.push_back(m);
  }
  ws_client node;
  ASSERT_TRUE(node.connect(rig.sim_port(), "/eth"));
  std::int64_t previous = -1;
  std::int64_t id = 100;
  for (const auto& m : gas) {
    const auto& d = m.data();
    SCOPED_TRACE(m.raw);
    EXPECT_EQ(d["chain"].str(), "ETH");
    ASSERT_TRUE(d["block"].is_integer());
    const std::int64_t block = d["block"].integer();
    if (m.type() == "update") {
      EXPECT_GT(block, previous) << "blocks rise";
    }
    previous = block;
    EXPECT_FALSE(d["stale"].boolean());
    const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    EXPECT_NEAR(static_cast<double>(d["ts"].integer()), static_cast<double>(now_us), 120e6)
        << "the block's timestamp, µs";

    std::string why;
    const auto expected = ask_sim(node, ++id, static_cast<std::uint64_t>(block), why);
    ASSERT_TRUE(expected) << why;
    EXPECT_EQ(d["base_fee_gwei"].str(), gwei_text(expected->base_fee));
    const char* tiers[] = {"slow", "standard", "fast"};
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(d["priority_fee_gwei"][tiers[k]].str(), gwei_text(expected->priority[k]))
          << tiers[k];
      EXPECT_EQ(d["total_gwei"][tiers[k]].str(),
                gwei_text(expected->base_fee + expected->priority[k]))
          << tiers[k];
    }
  }

  // The feed is listed like a venue.
  const auto feeds = json_value::parse(http_get(rig.port(), "/v1/feeds").body);
  ASSERT_TRUE(feeds);
  const auto& eth = feed_entry(*feeds, "eth");
  EXPECT_EQ(eth["state"].str(), "up") << feeds->size();
  EXPECT_GE(eth["ticks"].integer(), static_cast<std::int64_t>(wanted));
  EXPECT_EQ(eth["parse_errors"].integer(), 0);
  EXPECT_GE(eth["messages"].integer(), 2 * eth["ticks"].integer()) << "a reply per block";
  const auto status = client.wait_for(
      [](const ws_message& m) {
        return has_data(m, "status") && feed_entry(m.data(), "eth")["state"].str() == "up";
      },
      seconds(10));
  EXPECT_TRUE(status) << client.tail();

  // F&G without [fng]: computed from the composites once there is market data.
  const auto computed =
      client.wait_for([](const ws_message& m) { return has_data(m, "fng"); }, seconds(30));
  ASSERT_TRUE(computed) << client.tail();
  const auto& f = computed->data();
  EXPECT_EQ(f["source"].str(), "computed");
  EXPECT_GE(f["value"].integer(), 0);
  EXPECT_LE(f["value"].integer(), 100);
  EXPECT_EQ(f["computed"]["value"].integer(), f["value"].integer());
  EXPECT_EQ(f["computed"]["value_classification"].str(), f["value_classification"].str());
}

// Issue 17: the dashboard showed "ETH Gas -- Gwei" for up to a block interval after start.
// tickerd asks the node for its current block when the connection opens. The sim's next block
// is an hour away, and a newHeads subscriber opened before tickerd starts shows the order: the
// sim answers that subscriber's request sent after gas.ETH has its value with no block
// announced before (one connection's frames keep their order), so the value did not come from
// a newHeads notification.
TEST(end_to_end_gas, the_current_block_is_published_at_connect_before_any_new_head) {
  gas_fng_rig rig({}, "3600000");
  ASSERT_TRUE(rig.start_sim());
  ws_client watcher;
  ASSERT_TRUE(watcher.connect(rig.sim_port(), "/eth"));
  ASSERT_TRUE(watcher.send_text(
      R"({"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]})"));
  ASSERT_TRUE(watcher.wait_for([](const ws_message& m) { return m["id"].integer() == 1; }))
      << watcher.tail();
  ASSERT_TRUE(rig.start_tickerd("[gas]\nurl = \"" + rig.sim_url("ws", "/eth") + "\""));

  ws_client client;
  ASSERT_TRUE(client.connect(rig.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"gas.ETH"})));
  const auto value =
      client.wait_for([](const ws_message& m) { return has_data(m, "gas.ETH"); }, seconds(30));
  ASSERT_TRUE(value) << client.tail();

  ASSERT_TRUE(watcher.send_text(R"({"jsonrpc":"2.0","id":2,"method":"eth_blockNumber"})"));
  const auto head = watcher.wait_for([](const ws_message& m) { return m["id"].integer() == 2; });
  ASSERT_TRUE(head) << watcher.tail();
  for (const auto& m : watcher.messages()) {
    EXPECT_NE(m["method"].str(), "eth_subscription") << "a block was announced: " << m.raw;
  }
  const auto& d = value->data();
  const std::int64_t block = d["block"].integer();
  EXPECT_EQ(static_cast<std::uint64_t>(block), hex_value((*head)["result"].str())) << value->raw;
  EXPECT_FALSE(d["stale"].boolean());
  std::string why;
  const auto expected = ask_sim(watcher, 3, static_cast<std::uint64_t>(block), why);
  ASSERT_TRUE(expected) << why;
  EXPECT_EQ(d["base_fee_gwei"].str(), gwei_text(expected->base_fee));
  EXPECT_EQ(d["priority_fee_gwei"]["standard"].str(), gwei_text(expected->priority[1]));
}

TEST(end_to_end_gas, a_silent_node_turns_the_reading_stale) {
  gas_fng_rig rig({});
  ASSERT_TRUE(
      rig.start("[gas]\nurl = \"" + rig.sim_url("ws", "/eth") +
                "\"\nstale_after_ms = 1000\nbackoff_initial_ms = 100\nbackoff_max_ms = 300"));
  ws_client client;
  ASSERT_TRUE(client.connect(rig.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"gas.ETH"})));
  ASSERT_TRUE(
      client.wait_for([](const ws_message& m) { return has_data(m, "gas.ETH"); }, seconds(30)))
      << client.tail();

  ASSERT_EQ(http_post(rig.sim_port(), "/faults/eth", "stall").status, 200);
  const std::size_t stalled_at = client.size();
  const auto stale = client.wait_for(
      [](const ws_message& m) { return has_data(m, "gas.ETH") && m.data()["stale"].boolean(); },
      seconds(20), stalled_at);
  ASSERT_TRUE(stale) << client.tail();
  const auto feeds = json_value::parse(http_get(rig.port(), "/v1/feeds").body);
  ASSERT_TRUE(feeds);
  EXPECT_NE(feed_entry(*feeds, "eth")["state"].str(), "up");

  ASSERT_EQ(http_post(rig.sim_port(), "/faults/eth", "clear").status, 200);
  const std::int64_t stale_block = stale->data()["block"].integer();
  const auto fresh = client.wait_for(
      [stale_block](const ws_message& m) {
        return has_data(m, "gas.ETH") && !m.data()["stale"].boolean() &&
               m.data()["block"].integer() > stale_block;
      },
      seconds(30), stale->index);
  EXPECT_TRUE(fresh) << client.tail();
  EXPECT_TRUE(check_sequences(client.messages()));
}

TEST(end_to_end_fng, the_api_value_as_the_sim_serves_it) {
  gas_fng_rig rig({});
  ASSERT_TRUE(rig.start("[fng]\nurl = \"" + rig.sim_url("http", "/fng/?limit=1") +
                        "\"\npoll_interval_ms = 500\ncompute_interval_ms = 500"));
  ws_client client;
  ASSERT_TRUE(client.connect(rig.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"fng"})));
  const auto m = client.wait_for(
      [](const ws_message& x) {
        return has_data(x, "fng") && x.data()["source"].str() == "alternative.me" &&
               x.data()["computed"].is_object();
      },
      seconds(30));
  ASSERT_TRUE(m) << client.tail();
  const auto api = json_value::parse(http_get(rig.sim_port(), "/fng/?limit=1").body);
  ASSERT_TRUE(api);
  const auto& entry = (*api)["data"][0];
  const auto& d = m->data();
  EXPECT_EQ(d["value"].integer(), std::stoll(entry["value"].str())) << m->raw;
  EXPECT_EQ(d["value_classification"].str(), entry["value_classification"].str());
  EXPECT_EQ(d["timestamp"].integer(), std::stoll(entry["timestamp"].str()) * 1'000'000);
  const auto until = std::stoll(entry["time_until_update"].str());
  // Counted down from the poll, which came a little before the test's own request.
  EXPECT_GE(d["time_until_update_s"].integer(), until - 5);
  EXPECT_LE(d["time_until_update_s"].integer(), until + 60);
  const auto computed = d["computed"]["value"].integer();
  EXPECT_GE(computed, 0);
  EXPECT_LE(computed, 100);
  EXPECT_FALSE(d["computed"]["value_classification"].str().empty());
}

TEST(end_to_end_fng, the_computed_index_stands_in_while_the_api_is_down) {
  gas_fng_rig rig({"--fng-down"});
  ASSERT_TRUE(rig.start("[fng]\nurl = \"" + rig.sim_url("http", "/fng/") +
                        "\"\npoll_interval_ms = 300\nbackoff_initial_ms = 50\n"
                        "backoff_max_ms = 200\nstale_after_ms = 1500\ncompute_interval_ms = 300"));
  ws_client client;
  ASSERT_TRUE(client.connect(rig.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"fng"})));
  const auto source_is = [](std::string source) {
    return [source](const ws_message& m) {
      return has_data(m, "fng") && m.data()["source"].str() == source;
    };
  };

  // Down from the start: the computed index is the value.
  auto m = client.wait_for(source_is("computed"), seconds(30));
  ASSERT_TRUE(m) << client.tail();
  const auto& d = m->data();
  EXPECT_EQ(d["computed"]["value"].integer(), d["value"].integer());
  EXPECT_EQ(d["time_until_update_s"].integer(), 1) << "recomputed every 300 ms";
  const auto v = d["value"].integer();
  const char* band = v <= 24   ? "Extreme Fear"
                     : v <= 46 ? "Fear"
                     : v <= 54 ? "Neutral"
                     : v <= 75 ? "Greed"
                               : "Extreme Greed";
  EXPECT_EQ(d["value_classification"].str(), band) << m->raw;

  // Back up: the API's value again.
  ASSERT_EQ(http_post(rig.sim_port(), "/fng/up", "").status, 200);
  m = client.wait_for(source_is("alternative.me"), seconds(30), m->index + 1);
  ASSERT_TRUE(m) << client.tail();

  // Down again: after stale_after_ms without an answer, computed once more.
  ASSERT_EQ(http_post(rig.sim_port(), "/fng/down", "").status, 200);
  const auto down_at = steady_clock::now();
  m = client.wait_for(source_is("computed"), seconds(30), m->index + 1);
  ASSERT_TRUE(m) << client.tail();
  EXPECT_GE(steady_clock::now() - down_at, milliseconds(1000)) << "not before it is stale";
  EXPECT_TRUE(check_sequences(client.messages()));
}

TEST(end_to_end_gas_fng, configuration_errors_name_the_key) {
  stack s;
  for (const auto& [tables, key] : std::vector<std::pair<std::string, std::string>>{
           {"[gas]\nurl = \"http://node/\"", "gas.url"},
           {"[gas]\n", "gas.url"},
           {"[fng]\nurl = \"ws://x/fng/\"", "fng.url"},
           {"[fng]\npoll_interval_ms = 0", "fng.poll_interval_ms"}}) {
    const auto config = s.dir().write("bad.toml", s.config_toml() + "\n" + tables + "\n");
    const auto r =
        run_to_exit({TICKERD_BIN, "--config", config.string()}, s.dir().path(), "tickerd");
    EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << tables << ": " << r.exit.str();
    EXPECT_NE(r.err.find(key), std::string::npos) << tables << ": " << r.err;
  }
}

}  // namespace
}  // namespace tickerd::e2e
