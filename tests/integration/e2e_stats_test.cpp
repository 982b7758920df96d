// GET /v1/stats (docs/OPERATIONS.md "Health"): connections, queue depths, armed timers and the
// slow-client counters the shards keep, and Redis' connection state, as a soak or an operator
// reads them while tickerd runs.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "redis_harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Fills a paused client's socket buffers within seconds, yet slow enough for a sanitizer build
// on a busy machine to keep reading the sim (which drops a feed that falls behind).
constexpr int busy_rate = 100;
constexpr int tiny_receive_buffer = 4096;

std::optional<json_value> stats(std::uint16_t port) {
  const auto r = http_get(port, "/v1/stats", seconds(5));
  if (r.status != 200) return std::nullopt;
  return json_value::parse(r.body);
}

// Polls /v1/stats until `pred` holds (the gauges are sampled once per keepalive tick).
testing::AssertionResult wait_stats(std::uint16_t port,
                                    const std::function<bool(const json_value&)>& pred,
                                    duration timeout = seconds(30)) {
  const auto deadline = steady_clock::now() + timeout;
  std::string last;
  while (steady_clock::now() < deadline) {
    const auto r = http_get(port, "/v1/stats", seconds(5));
    last = r.body;
    if (const auto j = json_value::parse(r.body); r.status == 200 && j && pred(*j)) {
      return testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  return testing::AssertionFailure() << "last /v1/stats: " << last;
}

TEST(e2e_stats, counts_connections_queues_timers_and_conflation) {
  stack_options options;
  options.sim_rate = busy_rate;
  options.extra_limits = "conflate_after_messages = 256\nmax_queued_bytes = 67108864";
  stack s(options);
  ASSERT_TRUE(s.start());

  const auto first = stats(s.port());
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["shards"].integer(), 2);
  ASSERT_EQ((*first)["per_shard"].size(), 2u);
  EXPECT_EQ((*first)["connections"].integer(), 0);
  EXPECT_TRUE((*first)["redis"].is_null()) << "no [redis] table";
  // One keepalive timer per shard, once each shard has swept.
  ASSERT_TRUE(wait_stats(s.port(), [](const json_value& j) {
    return j["pending_timers"].integer() == 2 && j["connections"].integer() == 0;
  }));

  // A dashboard throttled to one update a minute holds one back: its timer is armed.
  auto dashboard = std::make_unique<ws_client>();
  ASSERT_TRUE(dashboard->connect(s.port()));
  ASSERT_TRUE(dashboard->send_text(
      R"({"op":"subscribe","id":1,"channels":["ticker.BTC-USDT"],"throttle_ms":60000})"));
  ASSERT_TRUE(dashboard->wait_for(type_is("ack")));
  auto slow = std::make_unique<ws_client>();
  slow->set_receive_buffer(tiny_receive_buffer);
  ASSERT_TRUE(slow->connect(s.port()));
  ASSERT_TRUE(slow->send_text(subscribe_request(1, {"ticker.*"})));
  ASSERT_TRUE(slow->wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30))) << slow->tail();
  ASSERT_TRUE(wait_stats(s.port(), [](const json_value& j) {
    return j["connections"].integer() == 2 && j["accepted"].integer() == 2 &&
           j["pending_timers"].integer() == 3;
  }));

  // The slow client stops reading: its queue fills, then is conflated.
  slow->pause_reading();
  ASSERT_TRUE(wait_stats(
      s.port(),
      [](const json_value& j) {
        return j["conflations"].integer() > 0 && j["conflated_dropped"].integer() > 0 &&
               j["queued_messages"].integer() > 0 && j["queued_bytes"].integer() > 0;
      },
      seconds(60)));
  const auto during = stats(s.port());
  ASSERT_TRUE(during);
  std::int64_t per_shard_sum = 0;
  for (const auto& shard : (*during)["per_shard"].items()) {
    per_shard_sum += shard["conflations"].integer();
  }
  EXPECT_EQ(per_shard_sum, (*during)["conflations"].integer()) << "totals are the shards' sum";
  EXPECT_EQ((*during)["slow_closes"].integer(), 0);

  // Both gone: the gauges come back down, the counters stay.
  slow->resume_reading();
  dashboard.reset();
  slow.reset();
  ASSERT_TRUE(wait_stats(s.port(), [](const json_value& j) {
    return j["connections"].integer() == 0 && j["queued_messages"].integer() == 0 &&
           j["queued_bytes"].integer() == 0 && j["pending_timers"].integer() == 2 &&
           j["accepted"].integer() == 2 && j["conflations"].integer() > 0;
  }));
}

TEST(e2e_stats, follows_the_redis_connection_through_a_restart) {
  temp_dir dir("e2e_stats_redis");
  redis_server redis(dir);
  ASSERT_TRUE(redis.start());
  stack_options options;
  options.extra_toml = "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis.port()) +
                       "\"\nbackoff_initial_ms = 50\nbackoff_max_ms = 300\n";
  stack with_redis(options);
  ASSERT_TRUE(with_redis.start());
  ASSERT_TRUE(wait_stats(with_redis.port(), [](const json_value& j) {
    return j["redis"]["connected"].boolean() && j["redis"]["connects"].integer() == 1 &&
           j["redis"]["disconnects"].integer() == 0;
  }));
  redis.kill();
  ASSERT_TRUE(wait_stats(with_redis.port(), [](const json_value& j) {
    return !j["redis"]["connected"].boolean() && j["redis"]["disconnects"].integer() >= 1;
  }));
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(wait_stats(with_redis.port(), [](const json_value& j) {
    return j["redis"]["connected"].boolean() && j["redis"]["connects"].integer() == 2;
  }));
}

}  // namespace
}  // namespace tickerd::e2e
