// redis_connection against a real redis-server that wants what production Redis wants: a
// password (legacy requirepass and a Redis 6 ACL user), a database index, TLS with a test CA
// (and client certificates), and a host name instead of an IP. Failures must say why in
// last_error() (the text the log line carries) and keep retrying until the cause is fixed.
#include <boost/asio/io_context.hpp>

#include "redis_harness.hpp"
#include "test_pki.hpp"
#include "tickerd/store/redis_connection.hpp"

#include <hiredis/hiredis.h>

namespace tickerd::e2e {
namespace {

using namespace std::chrono_literals;

bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done,
               duration timeout = default_timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (!done()) {
    if (steady_clock::now() > deadline) return false;
    ioc.restart();
    ioc.run_for(10ms);
  }
  return true;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

struct redis_secure : testing::Test {
  temp_dir dir{"redis-secure"};
  redis_server server{dir};
  boost::asio::io_context ioc;
  redis_endpoint endpoint;

  void SetUp() override {
    endpoint.port = server.port();
    endpoint.backoff_initial = 20ms;
    endpoint.backoff_max = 200ms;
    endpoint.command_timeout = 2000ms;
    endpoint.connect_timeout = 5000ms;
  }

  std::unique_ptr<redis_connection> start(const std::string& name = "test") {
    auto c = std::make_unique<redis_connection>(ioc, endpoint, name);
    c->start({}, {});
    return c;
  }

  // The reply of one command as text (status, string or integer), or "error: ...".
  std::string call(redis_connection& c, std::vector<std::string_view> args) {
    std::string out;
    bool done = false;
    c.command(args, [&](const redis_result& r) {
      done = true;
      if (!r) {
        out = "error: " + std::string(r.error);
      } else if (r.reply->type == REDIS_REPLY_INTEGER) {
        out = std::to_string(r.reply->integer);
      } else if (r.reply->type == REDIS_REPLY_NIL) {
        out = "(nil)";
      } else {
        out.assign(r.reply->str, r.reply->len);
      }
    });
    EXPECT_TRUE(run_until(ioc, [&] { return done; }));
    return out;
  }

  // Waits for an attempt that failed for the expected reason; proves it is not up.
  testing::AssertionResult refused_with(redis_connection& c, std::string_view reason) {
    if (!run_until(ioc, [&] { return contains(c.last_error(), reason); })) {
      return testing::AssertionFailure()
             << "last_error is '" << c.last_error() << "', expected '" << reason << "'";
    }
    if (c.connected()) return testing::AssertionFailure() << "connected anyway";
    return testing::AssertionSuccess();
  }
};

TEST_F(redis_secure, legacy_password_and_acl_user_are_accepted_and_a_wrong_one_says_why) {
  server.extra_args = {"--requirepass", "s3cret", "--user", "tick", "on",
                       ">tickpw",       "~*",     "&*",     "+@all"};
  ASSERT_TRUE(server.start());

  endpoint.password = "s3cret";  // AUTH <password>: the default user
  auto legacy = start();
  ASSERT_TRUE(run_until(ioc, [&] { return legacy->connected(); })) << legacy->last_error();
  EXPECT_EQ(call(*legacy, {"ACL", "WHOAMI"}), "default");

  endpoint.username = "tick";  // AUTH <user> <password>: an ACL user
  endpoint.password = "tickpw";
  auto acl = start();
  ASSERT_TRUE(run_until(ioc, [&] { return acl->connected(); })) << acl->last_error();
  EXPECT_EQ(call(*acl, {"ACL", "WHOAMI"}), "tick");

  endpoint.username.clear();
  endpoint.password.clear();
  auto none = start();
  EXPECT_TRUE(refused_with(*none, "PING refused: NOAUTH"));

  // Wrong password: refused with Redis' reason, retried until the server accepts it.
  endpoint.username = "tick";
  endpoint.password = "rotated";
  auto wrong = start();
  EXPECT_TRUE(refused_with(*wrong, "AUTH refused: WRONGPASS"));
  EXPECT_EQ(call(*wrong, {"PING"}), "error: disconnected");
  EXPECT_EQ(call(*acl, {"ACL", "SETUSER", "tick", ">rotated"}), "OK");
  ASSERT_TRUE(run_until(ioc, [&] { return wrong->connected(); })) << wrong->last_error();
  EXPECT_EQ(call(*wrong, {"ACL", "WHOAMI"}), "tick");
}

TEST_F(redis_secure, the_configured_database_is_selected_on_every_connect) {
  ASSERT_TRUE(server.start());
  endpoint.db = 5;
  auto c = start();
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); })) << c->last_error();
  EXPECT_EQ(call(*c, {"SET", "k", "in-five"}), "OK");

  redis_sync_client check(server.port());
  ASSERT_TRUE(check.connected());
  EXPECT_EQ(check.command({"GET", "k"}).type, redis_value::kind::nil);  // db 0
  EXPECT_EQ(check.command({"SELECT", "5"}).str, "OK");
  EXPECT_EQ(check.command({"GET", "k"}).str, "in-five");

  // After a restart the new connection selects db 5 again.
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return !c->connected(); }));
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); })) << c->last_error();
  EXPECT_EQ(call(*c, {"SET", "k2", "again"}), "OK");
  redis_sync_client after(server.port());
  EXPECT_EQ(after.command({"SELECT", "5"}).str, "OK");
  EXPECT_EQ(after.command({"GET", "k2"}).str, "again");

  endpoint.db = 99;  // the server has 16
  auto bad = start();
  EXPECT_TRUE(refused_with(*bad, "SELECT refused: ERR DB index is out of range"));
}

TEST_F(redis_secure, a_host_name_is_resolved_on_every_connect) {
  ASSERT_TRUE(server.start());
  endpoint.host = "localhost";  // ::1 first on most systems: refused, then 127.0.0.1
  auto c = start();
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); })) << c->last_error();
  EXPECT_EQ(call(*c, {"PING"}), "PONG");
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return !c->connected(); }));
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); })) << c->last_error();
  EXPECT_EQ(c->reconnects(), 1u);
  EXPECT_EQ(call(*c, {"PING"}), "PONG");

  endpoint.host = "no-such-host.invalid";  // RFC 6761: never resolves
  auto unknown = start();
  EXPECT_TRUE(refused_with(*unknown, "resolving no-such-host.invalid"));
}

struct redis_tls : redis_secure {
  test_pki pki;

  void serve_tls(bool require_client_cert) {
    ASSERT_TRUE(make_test_pki(dir, pki));
    server.extra_args = {"--tls-port",         std::to_string(server.tls_port()),
                         "--tls-cert-file",    pki.server_cert.string(),
                         "--tls-key-file",     pki.server_key.string(),
                         "--tls-ca-cert-file", pki.ca_cert.string(),
                         "--tls-auth-clients", require_client_cert ? "yes" : "no"};
    ASSERT_TRUE(server.start());
    endpoint.port = server.tls_port();
    endpoint.tls.enabled = true;
    endpoint.tls.ca_file = pki.ca_cert.string();
  }
};

TEST_F(redis_tls, the_right_ca_connects_by_ip_and_by_name_and_pub_sub_works) {
  serve_tls(false);
  auto by_ip = start();
  ASSERT_TRUE(run_until(ioc, [&] { return by_ip->connected(); })) << by_ip->last_error();
  EXPECT_EQ(call(*by_ip, {"SET", "k", "over-tls"}), "OK");
  redis_sync_client plain(server.port());
  EXPECT_EQ(plain.command({"GET", "k"}).str, "over-tls");

  endpoint.host = "localhost";
  auto sub = start("bus");
  std::vector<std::string> got;
  sub->psubscribe("t:bus:*", [&](std::string_view channel, std::string_view payload) {
    got.push_back(std::string(channel) + "=" + std::string(payload));
  });
  ASSERT_TRUE(run_until(ioc, [&] { return sub->connected(); })) << sub->last_error();
  // PUBLISH until the subscription is in place (its confirmation is not observable).
  ASSERT_TRUE(run_until(ioc, [&] {
    if (got.empty()) call(*by_ip, {"PUBLISH", "t:bus:x", "hello"});
    return !got.empty();
  }));
  EXPECT_EQ(got.front(), "t:bus:x=hello");

  // A restart: the TLS connection comes back by itself.
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return !by_ip->connected(); }));
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(run_until(ioc, [&] { return by_ip->connected(); })) << by_ip->last_error();
  EXPECT_EQ(call(*by_ip, {"GET", "k"}), "(nil)");
}

TEST_F(redis_tls, a_wrong_ca_or_name_is_refused_with_the_reason) {
  serve_tls(false);
  endpoint.tls.ca_file = pki.other_ca_cert.string();
  auto wrong_ca = start();
  // OpenSSL's reason follows, e.g. "(self-signed certificate in certificate chain)".
  EXPECT_TRUE(refused_with(*wrong_ca, "TLS handshake: certificate verify failed ("));

  endpoint.tls.ca_file = pki.ca_cert.string();
  endpoint.tls.server_name = "redis.example.com";  // not in the certificate
  auto wrong_name = start();
  EXPECT_TRUE(refused_with(*wrong_name, "hostname mismatch"));

  // tls_verify = false accepts any certificate (and says so in the log).
  endpoint.tls.ca_file = pki.other_ca_cert.string();
  endpoint.tls.verify = false;
  auto unverified = start();
  EXPECT_TRUE(run_until(ioc, [&] { return unverified->connected(); })) << unverified->last_error();
}

TEST_F(redis_tls, mutual_tls_needs_the_client_certificate) {
  serve_tls(true);
  auto anonymous = start();
  ASSERT_TRUE(run_until(ioc, [&] { return !anonymous->last_error().empty(); }));
  EXPECT_FALSE(anonymous->connected());
  EXPECT_TRUE(contains(anonymous->last_error(), "certificate"))
      << anonymous->last_error();  // "tlsv13 alert certificate required" with TLS 1.3

  endpoint.tls.cert_file = pki.client_cert.string();
  endpoint.tls.key_file = pki.client_key.string();
  endpoint.password.clear();
  auto with_cert = start();
  ASSERT_TRUE(run_until(ioc, [&] { return with_cert->connected(); })) << with_cert->last_error();
  EXPECT_EQ(call(*with_cert, {"PING"}), "PONG");
}

}  // namespace
}  // namespace tickerd::e2e
