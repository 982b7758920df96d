// tickerd end to end with Redis as production runs it: a host name, TLS with the test CA and a
// client certificate, an ACL user whose password comes from a file, and a database index.
// A wrong password keeps tickerd serving, logs Redis' reason and heals once Redis accepts the
// password; --check-config and start-up refuse the same [redis] mistakes.
#include <thread>

#include "harness.hpp"
#include "redis_harness.hpp"
#include "test_pki.hpp"

namespace tickerd::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* btc = "ticker.BTC-USDT";

struct secure_redis {
  temp_dir dir{"redis-secure-e2e"};
  redis_server server{dir};
  test_pki pki;

  // TLS (client certificates required) on tls_port(), plain on port() for the test's checks;
  // the ACL user "tick" may do everything.
  testing::AssertionResult start() {
    if (auto r = make_test_pki(dir, pki); !r) return r;
    server.extra_args = {"--tls-port",
                         std::to_string(server.tls_port()),
                         "--tls-cert-file",
                         pki.server_cert.string(),
                         "--tls-key-file",
                         pki.server_key.string(),
                         "--tls-ca-cert-file",
                         pki.ca_cert.string(),
                         "--tls-auth-clients",
                         "yes",
                         "--requirepass",
                         "admin-pw",
                         "--user",
                         "tick",
                         "on",
                         ">tick-pw",
                         "~*",
                         "&*",
                         "+@all"};
    return server.start();
  }

  std::string redis_toml(const std::string& password, int warm_start_ms = 3000) const {
    const auto secret = dir.write("redis-password", password + "\n");
    return "[redis]\naddress = \"localhost:" + std::to_string(server.tls_port()) +
           "\"\nprefix = \"t\"\nusername = \"tick\"\npassword_file = \"" + secret.string() +
           "\"\ndb = 2\ntls = true\ntls_ca_file = \"" + pki.ca_cert.string() +
           "\"\ntls_cert_file = \"" + pki.client_cert.string() + "\"\ntls_key_file = \"" +
           pki.client_key.string() +
           "\"\nbackoff_initial_ms = 50\nbackoff_max_ms = 300\nwarm_start_timeout_ms = " +
           std::to_string(warm_start_ms) + "\n";
  }

  // The plain port, as the admin, in db 2.
  std::unique_ptr<redis_sync_client> inspect() const {
    auto c = std::make_unique<redis_sync_client>(server.port());
    EXPECT_EQ(c->command({"AUTH", "admin-pw"}).str, "OK");
    EXPECT_EQ(c->command({"SELECT", "2"}).str, "OK");
    return c;
  }
};

// Polls (with a deadline) until Redis' state hash for BTC-USDT has a seq.
bool state_appears(redis_sync_client& c, duration timeout = default_timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (c.hget("t:v2:state:ticker.BTC-USDT", "seq").has_value()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

stack_options with_redis(const std::string& redis_toml) {
  stack_options o;
  o.sim_rate = 10;
  o.extra_toml = redis_toml;
  return o;
}

TEST(redis_secure_e2e, tickerd_caches_through_tls_with_an_acl_user_in_its_database) {
  secure_redis redis;
  ASSERT_TRUE(redis.start());
  stack s(with_redis(redis.redis_toml("tick-pw")));
  ASSERT_TRUE(s.start());
  ws_client c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_TRUE(c.send_text(subscribe_request(1, {btc})));
  ASSERT_TRUE(c.wait_for(typed_on("update", btc))) << c.tail();

  auto check = redis.inspect();
  ASSERT_TRUE(state_appears(*check)) << s.tickerd().logs();
  redis_sync_client db0(redis.server.port());
  EXPECT_EQ(db0.command({"AUTH", "admin-pw"}).str, "OK");
  EXPECT_FALSE(db0.hget("t:v2:state:ticker.BTC-USDT", "seq").has_value());  // db 2 only
  const auto log = s.tickerd().stderr_text() + s.tickerd().stdout_text();
  EXPECT_NE(log.find("connected to localhost:" + std::to_string(redis.server.tls_port()) +
                     " (127.0.0.1, TLS, db 2)"),
            std::string::npos)
      << log;
}

TEST(redis_secure_e2e, a_wrong_password_is_logged_retried_and_healed_while_clients_are_served) {
  secure_redis redis;
  ASSERT_TRUE(redis.start());
  stack s(with_redis(redis.redis_toml("old-pw", 200)));
  ASSERT_TRUE(s.start());  // starts cold: Redis refuses, clients are served anyway
  ws_client c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_TRUE(c.send_text(subscribe_request(1, {btc})));
  ASSERT_TRUE(c.wait_for(typed_on("update", btc))) << c.tail();
  EXPECT_TRUE(s.tickerd().running());
  const auto deadline = steady_clock::now() + default_timeout;
  while (s.tickerd().stderr_text().find("WRONGPASS") == std::string::npos &&
         steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(s.tickerd().stderr_text().find("AUTH refused: WRONGPASS"), std::string::npos)
      << s.tickerd().logs();

  // The operator fixes Redis' side: tickerd's next retry gets in, and writes.
  auto check = redis.inspect();
  EXPECT_EQ(check->command({"ACL", "SETUSER", "tick", ">old-pw"}).str, "OK");
  EXPECT_TRUE(state_appears(*check)) << s.tickerd().logs();
}

TEST(redis_secure_e2e, check_config_and_start_up_refuse_the_same_redis_mistakes) {
  temp_dir dir("redis-check-config");
  const auto run = [&](const std::string& name, const std::string& toml, bool check_only) {
    const auto path = dir.write(name + ".toml", toml);
    std::vector<std::string> argv{TICKERD_BIN, "--config", path.string()};
    if (check_only) argv.emplace_back("--check-config");
    return run_to_exit(argv, dir.path(), name + (check_only ? "-check" : "-run"));
  };
  const std::pair<std::string, std::string> mistakes[] = {
      {"redis.db", "[redis]\naddress = \"localhost:6379\"\ndb = -1\n"},
      {"redis.tls_ca_file", "[redis]\ntls = true\ntls_ca_file = \"/nonexistent/ca.pem\"\n"},
      {"redis.tls_cert_file", "[redis]\ntls_cert_file = \"/etc/hostname\"\n"},
      {"redis.address", "[redis]\naddress = \"localhost:0\"\n"},
  };
  int i = 0;
  for (const auto& [key, toml] : mistakes) {
    for (const bool check_only : {true, false}) {
      const auto r = run("bad" + std::to_string(i), toml, check_only);
      EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << key << ": " << r.exit.str() << r.err;
      EXPECT_NE(r.err.find(key + ": "), std::string::npos) << r.err;
    }
    ++i;
  }
  const auto ok =
      run("ok", "[redis]\naddress = \"localhost:6379\"\npassword = \"x\"\ndb = 1\n", true);
  EXPECT_TRUE(ok.exit.exited && ok.exit.code == 0) << ok.exit.str() << ok.err;
  EXPECT_NE(ok.out.find("configuration ok"), std::string::npos) << ok.out;
}

}  // namespace
}  // namespace tickerd::e2e
