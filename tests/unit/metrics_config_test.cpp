// [metrics] in the config: where /metrics is served, and the mistakes named by key.
#include <string>

#include <gtest/gtest.h>

#include "tickerd/app/config.hpp"

namespace tickerd {
namespace {

std::string error_of(std::string_view text) {
  try {
    load_config_string(text, "test.toml");
  } catch (const config_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded without error:\n" << text;
  return {};
}

TEST(metrics_config, defaults_to_the_client_port) {
  const auto c = load_config_string("", "test.toml");
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_FALSE(c.metrics.separate);
}

TEST(metrics_config, listen_moves_it_to_its_own_address) {
  const auto c = load_config_string("[metrics]\nlisten = \"127.0.0.1:9100\"\n", "test.toml");
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_TRUE(c.metrics.separate);
  EXPECT_EQ(c.metrics.listen.host, "127.0.0.1");
  EXPECT_EQ(c.metrics.listen.port, 9100);
  const auto v6 = load_config_string("[metrics]\nlisten = \"[::1]:0\"\n", "test.toml");
  EXPECT_EQ(v6.metrics.listen.host, "::1");
  EXPECT_FALSE(load_config_string("[metrics]\nenabled = false\n", "test.toml").metrics.enabled);
}

TEST(metrics_config, mistakes_name_the_key) {
  EXPECT_EQ(error_of("[metrics]\nlisten = \"9100\"\n").rfind("metrics.listen: ", 0), 0u);
  EXPECT_EQ(error_of("[metrics]\nlisten = \"\"\n").rfind("metrics.listen: ", 0), 0u);
  EXPECT_EQ(error_of("[metrics]\nlisten = 9100\n").rfind("metrics.listen: ", 0), 0u);
  EXPECT_EQ(error_of("[metrics]\nenabled = false\nlisten = \"127.0.0.1:9100\"\n")
                .rfind("metrics.listen: ", 0),
            0u);
  EXPECT_EQ(error_of("[server]\nlisten = \"127.0.0.1:8080\"\n[metrics]\nlisten = "
                     "\"127.0.0.1:8080\"\n")
                .rfind("metrics.listen: ", 0),
            0u);
  EXPECT_EQ(error_of("[metrics]\nenabled = \"yes\"\n").rfind("metrics.enabled: ", 0), 0u);
  EXPECT_EQ(error_of("[metrics]\nlisen = \"127.0.0.1:9100\"\n").rfind("metrics.lisen: ", 0), 0u);
}

}  // namespace
}  // namespace tickerd
