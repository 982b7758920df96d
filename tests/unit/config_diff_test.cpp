// What SIGHUP names as changed (src/app/config_diff.cpp): keys by table (sorted by name),
// arrays of tables whole, tables added or removed key by key.
#include "app/config_diff.hpp"

#include <gtest/gtest.h>

namespace tickerd {
namespace {

std::vector<std::string> names(std::string_view before, std::string_view after) {
  std::vector<std::string> out;
  for (const auto& c : changed_keys(before, after)) out.push_back(c.name());
  return out;
}

TEST(config_diff, names_each_changed_key_under_its_table) {
  const std::string before = R"(
[server]
listen = "127.0.0.1:8080"
shards = 2
[server.tls]
cert = "a.pem"
key = "a.key"
[limits]
max_subscriptions = 10
[log]
level = "info"
)";
  const std::string after = R"(
[server]
shards = 2
listen = "127.0.0.1:9090"
[server.tls]
cert = "b.pem"
key = "a.key"
[limits]
max_subscriptions = 20
[log]
level = "debug"
format = "json"
)";
  EXPECT_EQ(names(before, after),
            (std::vector<std::string>{"[limits] max_subscriptions", "[log] level", "[log] format",
                                      "[server] listen", "[server.tls] cert"}));
  EXPECT_TRUE(names(before, before).empty());
  // Formatting and order do not count; values do.
  EXPECT_TRUE(
      names("[limits]\nmax_subscriptions = 10\n", "[limits]\n  max_subscriptions=10").empty());
}

TEST(config_diff, arrays_of_tables_compare_whole_and_new_tables_key_by_key) {
  EXPECT_EQ(names("[[feeds]]\nvenue = \"okx\"\n",
                  "[[feeds]]\nvenue = \"okx\"\n[[feeds]]\nvenue = \"kraken\"\n"),
            (std::vector<std::string>{"[[feeds]]"}));
  EXPECT_EQ(names("", "[redis]\nurl = \"redis://127.0.0.1:6379\"\n"),
            (std::vector<std::string>{"[redis] url"}));
  EXPECT_EQ(names("[market]\nsymbols = [\"BTC-USDT\"]\n", "[market]\nsymbols = [\"ETH-USDT\"]\n"),
            (std::vector<std::string>{"[market] symbols"}));
}

TEST(config_diff, only_limits_and_log_level_are_applied_in_place) {
  EXPECT_TRUE(reloadable({"limits", "max_message_bytes"}));
  EXPECT_TRUE(reloadable({"log", "level"}));
  EXPECT_FALSE(reloadable({"log", "format"}));
  EXPECT_FALSE(reloadable({"server", "listen"}));
  EXPECT_FALSE(reloadable({"", "[[feeds]]"}));
}

}  // namespace
}  // namespace tickerd
