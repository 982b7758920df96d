// [gas] and [fng]: defaults, every key, and the mistakes, each naming its key
// (docs/OPERATIONS.md "Configuration reference").
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tickerd/app/config.hpp"

namespace tickerd {
namespace {

using namespace std::chrono_literals;

config load(std::string_view text) {
  return load_config_string(text, "test.toml");
}

std::string error_of(std::string_view text) {
  try {
    load(text);
  } catch (const config_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded without error:\n" << text;
  return {};
}

void expect_error(std::string_view text, std::string_view key, std::string_view word = {}) {
  const std::string message = error_of(text);
  EXPECT_EQ(message.rfind(std::string(key) + ": ", 0), 0u) << message << "\n--- config:\n" << text;
  EXPECT_NE(message.find(word), std::string::npos) << message;
}

TEST(gas_fng_config, neither_table) {
  const config c = load("");
  EXPECT_FALSE(c.gas.enabled);
  EXPECT_TRUE(c.fng.url.empty()) << "no [fng]: the computed index only";
  EXPECT_EQ(c.fng.compute_interval, 60'000ms);
}

TEST(gas_fng_config, gas_defaults_and_keys) {
  config c = load("[gas]\nurl = \"wss://mainnet.example/ws/v3/key\"\n");
  ASSERT_TRUE(c.gas.enabled);
  const feed_config& g = c.gas.session;
  EXPECT_EQ(g.name, "eth");
  EXPECT_EQ(g.url, "wss://mainnet.example/ws/v3/key");
  EXPECT_EQ(g.stale_after, 60'000ms);
  EXPECT_EQ(g.max_connection_age, 0ms);
  EXPECT_TRUE(g.verify_tls);

  c = load(R"([gas]
url = "ws://127.0.0.1:9001/eth"
stale_after_ms = 2000
connect_timeout_ms = 3000
backoff_initial_ms = 100
backoff_max_ms = 500
healthy_after_ms = 7000
max_frame_bytes = 65536
verify_tls = false
)");
  EXPECT_EQ(c.gas.session.stale_after, 2000ms);
  EXPECT_EQ(c.gas.session.connect_timeout, 3000ms);
  EXPECT_EQ(c.gas.session.backoff_initial, 100ms);
  EXPECT_EQ(c.gas.session.backoff_max, 500ms);
  EXPECT_EQ(c.gas.session.healthy_after, 7000ms);
  EXPECT_EQ(c.gas.session.max_frame_bytes, 65536u);
  EXPECT_FALSE(c.gas.session.verify_tls);
}

TEST(gas_fng_config, gas_mistakes) {
  expect_error("[gas]\n", "gas.url", "required");
  expect_error("[gas]\nurl = \"https://node/\"\n", "gas.url", "ws://");
  expect_error("[gas]\nurl = 5\n", "gas.url", "string");
  expect_error("[gas]\nurl = \"ws://n/\"\nstale_after_ms = 0\n", "gas.stale_after_ms");
  expect_error("[gas]\nurl = \"ws://n/\"\nbackoff_initial_ms = 900\nbackoff_max_ms = 800\n",
               "gas.backoff_max_ms");
  expect_error("[gas]\nurl = \"ws://n/\"\nverify_tls = \"no\"\n", "gas.verify_tls");
  expect_error("[gas]\nurl = \"ws://n/\"\nmax_connection_age_ms = 1000\n",
               "gas.max_connection_age_ms", "unknown key");
  expect_error("gas = 1\n", "gas", "table");
}

TEST(gas_fng_config, fng_defaults_and_keys) {
  config c = load("[fng]\n");
  EXPECT_EQ(c.fng.url, default_fng_url);
  EXPECT_EQ(c.fng.url, "https://api.alternative.me/fng/?limit=1");
  EXPECT_EQ(c.fng.poll_interval, 600'000ms);
  EXPECT_EQ(c.fng.timeout, 10'000ms);
  EXPECT_EQ(c.fng.stale_after, 1'800'000ms);
  EXPECT_TRUE(c.fng.verify_tls);

  c = load(R"([fng]
url = "http://127.0.0.1:9001/fng/?limit=1"
poll_interval_ms = 500
timeout_ms = 250
backoff_initial_ms = 50
backoff_max_ms = 400
stale_after_ms = 1500
compute_interval_ms = 300
max_response_bytes = 4096
verify_tls = false
)");
  EXPECT_EQ(c.fng.url, "http://127.0.0.1:9001/fng/?limit=1");
  EXPECT_EQ(c.fng.poll_interval, 500ms);
  EXPECT_EQ(c.fng.timeout, 250ms);
  EXPECT_EQ(c.fng.backoff_initial, 50ms);
  EXPECT_EQ(c.fng.backoff_max, 400ms);
  EXPECT_EQ(c.fng.stale_after, 1500ms);
  EXPECT_EQ(c.fng.compute_interval, 300ms);
  EXPECT_EQ(c.fng.max_response_bytes, 4096u);
  EXPECT_FALSE(c.fng.verify_tls);

  c = load("[fng]\nurl = \"\"\ncompute_interval_ms = 1000\n");
  EXPECT_TRUE(c.fng.url.empty()) << "polling off, the computed index on";
}

TEST(gas_fng_config, fng_mistakes) {
  expect_error("[fng]\nurl = \"wss://api.alternative.me/fng/\"\n", "fng.url", "https://");
  expect_error("[fng]\nurl = \"api.alternative.me/fng/\"\n", "fng.url");
  expect_error("[fng]\nurl = \"https://\"\n", "fng.url");
  expect_error("[fng]\npoll_interval_ms = 0\n", "fng.poll_interval_ms", "between");
  expect_error("[fng]\ntimeout_ms = -5\n", "fng.timeout_ms");
  expect_error("[fng]\ncompute_interval_ms = 1.5\n", "fng.compute_interval_ms", "integer");
  expect_error("[fng]\nmax_response_bytes = 10\n", "fng.max_response_bytes");
  expect_error("[fng]\nbackoff_initial_ms = 900\nbackoff_max_ms = 800\n", "fng.backoff_max_ms");
  expect_error("[fng]\nverify_tls = 1\n", "fng.verify_tls");
  expect_error("[fng]\nlimit = 1\n", "fng.limit", "unknown key");
}

}  // namespace
}  // namespace tickerd
