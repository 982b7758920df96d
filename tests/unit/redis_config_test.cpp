// The [redis] keys for production Redis: host names, AUTH (inline, file or environment), the
// database index and TLS. Every mistake names its key (the same check runs for --check-config
// and at start-up); TLS files that load are covered by tests/integration/redis_auth_tls_test.
// [admin] token reads its secret the same way.
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tickerd/app/config.hpp"

namespace tickerd {
namespace {

config load(const std::string& text) {
  return load_config_string(text, "test.toml");
}

// The config_error message for `text`, or "" (and a failure) when it loads.
std::string error_of(const std::string& text) {
  try {
    load(text);
  } catch (const config_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded without error:\n" << text;
  return {};
}

void expect_error(const std::string& text, std::string_view key, std::string_view words = "") {
  const auto message = error_of(text);
  EXPECT_EQ(message.rfind(std::string(key) + ": ", 0), 0u) << message << "\n--- config:\n" << text;
  EXPECT_NE(message.find(words), std::string::npos) << message;
}

struct scratch_file {
  std::filesystem::path path;
  scratch_file(const std::string& name, const std::string& content)
      : path(std::filesystem::temp_directory_path() /
             ("tickerd-" + std::to_string(::getpid()) + "-" + name)) {
    std::ofstream(path) << content;
  }
  ~scratch_file() { std::filesystem::remove(path); }
};

TEST(RedisConfig, HostNamesAuthAndDatabase) {
  const scratch_file secret("redis-pass", "from-file\n");
  const auto c = load(
      "[redis]\naddress = \"redis.internal:6380\"\nusername = \"tick\"\n"
      "password_file = \"" +
      secret.path.string() + "\"\ndb = 3\n");
  EXPECT_EQ(c.redis.endpoint.host, "redis.internal");
  EXPECT_EQ(c.redis.endpoint.port, 6380);
  EXPECT_EQ(c.redis.endpoint.username, "tick");
  EXPECT_EQ(c.redis.endpoint.password, "from-file");  // the trailing newline is not part of it
  EXPECT_EQ(c.redis.endpoint.db, 3u);
  EXPECT_FALSE(c.redis.endpoint.tls.enabled);

  EXPECT_EQ(
      load("[redis]\naddress = \"localhost:6379\"\npassword = \"p\"\n").redis.endpoint.password,
      "p");
  ::setenv("TICKERD_TEST_REDIS_PASSWORD", "from-env", 1);
  EXPECT_EQ(
      load("[redis]\npassword_env = \"TICKERD_TEST_REDIS_PASSWORD\"\n").redis.endpoint.password,
      "from-env");
  EXPECT_EQ(load("[redis]\naddress = \"[::1]:6379\"\n").redis.endpoint.host, "::1");
}

TEST(RedisConfig, MistakesNameTheKey) {
  expect_error("[redis]\naddress = \"bad host!:6379\"\n", "redis.address", "host name");
  expect_error("[redis]\naddress = \"localhost:0\"\n", "redis.address", "port 0");
  expect_error("[redis]\ndb = -1\n", "redis.db");
  expect_error("[redis]\ndb = \"2\"\n", "redis.db", "integer");
  expect_error("[redis]\nusername = \"tick\"\n", "redis.username", "needs a password");
  expect_error("[redis]\npassword = \"\"\n", "redis.password");
  expect_error("[redis]\npassword = \"a\"\npassword_env = \"X\"\n", "redis.password", "only one");
  expect_error("[redis]\npassword_file = \"/nonexistent/secret\"\n", "redis.password_file",
               "cannot read");
  const scratch_file empty("redis-empty", "\n");
  expect_error("[redis]\npassword_file = \"" + empty.path.string() + "\"\n", "redis.password_file",
               "empty");
  ::unsetenv("TICKERD_TEST_REDIS_UNSET");
  expect_error("[redis]\npassword_env = \"TICKERD_TEST_REDIS_UNSET\"\n", "redis.password_env",
               "not set");
}

TEST(RedisConfig, TlsMistakesNameTheKey) {
  expect_error("[redis]\ntls_ca_file = \"/etc/ssl/certs/ca-certificates.crt\"\n",
               "redis.tls_ca_file", "tls = true");
  expect_error("[redis]\ntls_verify = false\n", "redis.tls_verify", "tls = true");
  expect_error("[redis]\ntls = true\ntls_ca_file = \"/nonexistent/ca.pem\"\n", "redis.tls_ca_file",
               "cannot read");
  const scratch_file junk("redis-junk.pem", "not a certificate\n");
  expect_error("[redis]\ntls = true\ntls_ca_file = \"" + junk.path.string() + "\"\n",
               "redis.tls_ca_file", "no PEM certificate");
  expect_error("[redis]\ntls = true\ntls_cert_file = \"" + junk.path.string() + "\"\n",
               "redis.tls_key_file", "go together");
  expect_error(
      "[redis]\ntls = true\ntls_cert_file = \"/nonexistent/c.pem\"\ntls_key_file = "
      "\"/nonexistent/k.pem\"\n",
      "redis.tls_cert_file", "cannot read");
  expect_error("[redis]\ntls = true\ntls_server_name = \"a b\"\n", "redis.tls_server_name");
  expect_error("[redis]\ntls = \"yes\"\n", "redis.tls", "true or false");
}

TEST(RedisConfig, TlsWithTheSystemStore) {
  const auto c = load(
      "[redis]\naddress = \"redis.example.com:6380\"\ntls = true\n"
      "tls_server_name = \"redis.example.com\"\n");
  EXPECT_TRUE(c.redis.endpoint.tls.enabled);
  EXPECT_TRUE(c.redis.endpoint.tls.verify);
  EXPECT_TRUE(c.redis.endpoint.tls.ca_file.empty());
  EXPECT_EQ(c.redis.endpoint.tls.server_name, "redis.example.com");
}

// [admin] token reads its secret the way [redis] password does: inline, _file or _env.
TEST(AdminConfig, TokenFromFileOrEnvironment) {
  const scratch_file secret("admin-token", "0123456789abcdef0123\n");
  EXPECT_EQ(load("[admin]\ntoken_file = \"" + secret.path.string() + "\"\n").admin.token,
            "0123456789abcdef0123");
  ::setenv("TICKERD_TEST_ADMIN_TOKEN", "fedcba9876543210", 1);
  EXPECT_EQ(load("[admin]\ntoken_env = \"TICKERD_TEST_ADMIN_TOKEN\"\n").admin.token,
            "fedcba9876543210");
  EXPECT_EQ(load("[admin]\n").admin.token, "");
}

TEST(AdminConfig, TokenMistakesNameTheKey) {
  const scratch_file short_secret("admin-short", "tooshort\n");
  expect_error("[admin]\ntoken_file = \"" + short_secret.path.string() + "\"\n", "admin.token",
               "at least 16");
  expect_error("[admin]\ntoken_file = \"/nonexistent/token\"\n", "admin.token_file", "cannot read");
  expect_error("[admin]\ntoken = \"0123456789abcdef\"\ntoken_env = \"X\"\n", "admin.token",
               "only one");
  ::unsetenv("TICKERD_TEST_ADMIN_UNSET");
  expect_error("[admin]\ntoken_env = \"TICKERD_TEST_ADMIN_UNSET\"\n", "admin.token_env", "not set");
}

}  // namespace
}  // namespace tickerd
