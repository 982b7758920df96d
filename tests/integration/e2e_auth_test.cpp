// [auth] and the upgrade's gatekeeping against a real tickerd (docs/PROTOCOL.md
// "Authentication", docs/OPERATIONS.md "[auth]"): tokens from the URL, the Authorization
// header and the `auth` message; forbidden subscribes; anonymous channels; token_expiring,
// refresh and the 4001 close; allowed_origins; trusted_proxies and X-Forwarded-For; key
// reloads on SIGHUP; the counters in /v1/stats. Tokens are signed in-test
// (tests/support/jwt_mint.hpp).
#include <chrono>
#include <csignal>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "raw_ws.hpp"
#include "support/jwt_mint.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string secret = "e2e-auth-secret-0123456789abcdef0123";

std::int64_t now_s() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string make_jwt(const std::string& channels, std::int64_t exp_s,
                     const std::string& sub = "alice", const std::string& key = secret) {
  return test_jwt::make_token("HS256",
                              R"({"sub":")" + sub + R"(","exp":)" + std::to_string(exp_s) +
                                  R"(,"channels":)" + channels + "}",
                              key);
}

std::string auth_message(std::string_view op, std::int64_t id, const std::string& jwt) {
  return R"({"op":")" + std::string(op) + R"(","id":)" + std::to_string(id) + R"(,"token":")" +
         jwt + "\"}";
}

// A tickerd with [auth] mode = "jwt" and an HMAC key file; more [auth] and [server] lines.
class auth_stack {
 public:
  explicit auth_stack(const std::string& auth_lines, const std::string& server_lines = {},
                      const std::string& limits_lines = {})
      : keys_("e2e_auth_keys") {
    key_file_ = keys_.write("jwt.secret", secret + "\n");
    stack_options o;
    o.symbols = {"BTC-USDT", "ETH-USDT"};
    o.extra_server = server_lines;
    o.extra_limits = limits_lines;
    o.extra_toml =
        "[auth]\nmode = \"jwt\"\nkey_file = \"" + key_file_.string() + "\"\n" + auth_lines;
    stack_ = std::make_unique<stack>(std::move(o));
  }

  stack& s() { return *stack_; }
  std::uint16_t port() { return stack_->port(); }
  const std::filesystem::path& key_file() const { return key_file_; }
  const temp_dir& keys() const { return keys_; }

 private:
  temp_dir keys_;
  std::filesystem::path key_file_;
  std::unique_ptr<stack> stack_;
};

// A raw upgrade with extra header lines ("Name: value\r\n" each).
std::string upgrade_with(std::uint16_t port, const std::string& target,
                         const std::string& headers) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + client_key() +
         "\r\nSec-WebSocket-Version: 13\r\n" + headers + "\r\n";
}

// Opens a raw connection with `headers`; the response head (nullopt: none came).
std::optional<http_head> raw_upgrade(raw_client& c, std::uint16_t port, const std::string& target,
                                     const std::string& headers, std::string* body = nullptr) {
  if (!c.connect(port) || !c.send_bytes(upgrade_with(port, target, headers))) return std::nullopt;
  auto head = c.read_http_head(reply_timeout);
  // A refusal's body (Content-Length, then close); a 101 has none to wait for.
  if (head && head->status != 101 && body != nullptr)
    *body = c.read_http_body(*head, reply_timeout);
  return head;
}

std::optional<json_value> stats(std::uint16_t port) {
  const auto r = http_get(port, "/v1/stats", seconds(5));
  if (r.status != 200) return std::nullopt;
  return json_value::parse(r.body);
}

ws_client::predicate error_code(std::int64_t id, std::string code) {
  return [id, code = std::move(code)](const ws_message& m) {
    return m.type() == "error" && m["id"].integer() == id && m["code"].str() == code;
  };
}

ws_client::predicate reply_to(std::string type, std::int64_t id) {
  return [id, type = std::move(type)](const ws_message& m) {
    return m.type() == type && m["id"].is_integer() && m["id"].integer() == id;
  };
}

// Still up: a ping gets its pong.
testing::AssertionResult still_up(ws_client& c, std::int64_t id) {
  if (auto r = c.send_text(R"({"op":"ping","id":)" + std::to_string(id) + "}"); !r) return r;
  if (!c.wait_for(reply_to("pong", id), seconds(10))) {
    return testing::AssertionFailure() << "no pong: " << c.tail();
  }
  return testing::AssertionSuccess();
}

TEST(e2e_auth, token_in_the_url_limits_subscribes_and_the_connection_stays_up) {
  auth_stack a("");
  ASSERT_TRUE(a.s().start());
  ws_client c;
  ASSERT_TRUE(c.connect(a.port(), "/ws?token=" + make_jwt(R"(["ticker.*"])", now_s() + 600)));
  ASSERT_TRUE(c.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(c.wait_for(reply_to("ack", 1))) << c.tail();
  ASSERT_TRUE(c.send_text(subscribe_request(2, {"gas.ETH"})));
  const auto forbidden = c.wait_for(error_code(2, "forbidden"));
  ASSERT_TRUE(forbidden) << c.tail();
  EXPECT_NE((*forbidden)["message"].str().find("gas.ETH"), std::string::npos);
  // A request with one forbidden channel is refused whole.
  ASSERT_TRUE(c.send_text(subscribe_request(3, {"ticker.ETH-USDT", "fng"})));
  ASSERT_TRUE(c.wait_for(error_code(3, "forbidden"))) << c.tail();
  ASSERT_TRUE(still_up(c, 4));
  ASSERT_TRUE(c.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30))) << c.tail();
  EXPECT_FALSE(c.closed());
  const auto st = stats(a.port());
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["auth_failures"]["forbidden"].integer(), 2);
}

TEST(e2e_auth, bearer_header_and_refusals_with_401_and_their_reasons) {
  auth_stack a("");
  ASSERT_TRUE(a.s().start());
  {
    raw_client c;
    const auto head =
        raw_upgrade(c, a.port(), "/ws",
                    "Authorization: Bearer " + make_jwt(R"(["fng"])", now_s() + 600) + "\r\n");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 101) << head->raw;
  }
  const auto refused = [&](const std::string& headers, const std::string& target = "/ws") {
    raw_client c;
    std::string body;
    const auto head = raw_upgrade(c, a.port(), target, headers, &body);
    EXPECT_TRUE(head);
    if (!head) return std::string();
    EXPECT_EQ(head->status, 401) << head->raw;
    EXPECT_TRUE(head->header("www-authenticate")) << head->raw;
    const auto j = json_value::parse(body);
    EXPECT_TRUE(j) << body;
    return j ? (*j)["error"].str() : std::string();
  };
  EXPECT_EQ(refused("Authorization: Bearer " + make_jwt(R"(["fng"])", now_s() - 60) + "\r\n"),
            "expired");
  EXPECT_EQ(refused("Authorization: Bearer " +
                    make_jwt(R"(["fng"])", now_s() + 600, "alice",
                             "another-secret-0123456789abcdef0123") +
                    "\r\n"),
            "bad_signature");
  EXPECT_EQ(refused("Authorization: Bearer not.a.token\r\n"), "malformed");
  EXPECT_EQ(refused({}, "/ws?token=" + test_jwt::make_token("none", R"({"exp":9999999999})", "")),
            "wrong_alg");
  EXPECT_EQ(refused({}, "/ws?token=%FF%FE.%80.x"), "malformed");
  const auto st = stats(a.port());
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["refused"]["auth"].integer(), 5);
  EXPECT_EQ((*st)["auth_failures"]["expired"].integer(), 1);
  EXPECT_EQ((*st)["auth_failures"]["bad_signature"].integer(), 1);
  EXPECT_EQ((*st)["auth_failures"]["wrong_alg"].integer(), 1);
  EXPECT_EQ((*st)["auth_failures"]["malformed"].integer(), 2);
}

TEST(e2e_auth, auth_message_first_then_only_once) {
  auth_stack a("", {}, "handshake_timeout_ms = 3000");
  ASSERT_TRUE(a.s().start());
  ws_client c;
  ASSERT_TRUE(c.connect(a.port()));
  // Nothing but auth before a token.
  ASSERT_TRUE(c.send_text(subscribe_request(1, {"fng"})));
  ASSERT_TRUE(c.wait_for(error_code(1, "auth_required"))) << c.tail();
  ASSERT_TRUE(c.send_text(auth_message("auth", 2, make_jwt(R"(["fng"])", now_s() + 600))));
  const auto ack = c.wait_for(reply_to("ack", 2));
  ASSERT_TRUE(ack) << c.tail();
  EXPECT_EQ((*ack)["op"].str(), "auth");
  EXPECT_EQ((*ack)["exp"].integer() > now_s(), true);
  ASSERT_TRUE(c.send_text(subscribe_request(3, {"fng"})));
  ASSERT_TRUE(c.wait_for(reply_to("ack", 3))) << c.tail();
  ASSERT_TRUE(c.send_text(auth_message("auth", 4, make_jwt(R"(["*"])", now_s() + 600))));
  ASSERT_TRUE(c.wait_for(error_code(4, "already_authenticated"))) << c.tail();
  ASSERT_TRUE(c.send_text(subscribe_request(5, {"gas.ETH"})));
  ASSERT_TRUE(c.wait_for(error_code(5, "forbidden"))) << "the second auth changed nothing";

  // A bad token in the required auth: the reason, then close 4401.
  ws_client bad;
  ASSERT_TRUE(bad.connect(a.port()));
  ASSERT_TRUE(bad.send_text(auth_message("auth", 1, make_jwt(R"(["fng"])", now_s() - 60))));
  const auto err = bad.wait_for(error_code(1, "auth_failed"));
  ASSERT_TRUE(err) << bad.tail();
  EXPECT_EQ((*err)["reason"].str(), "expired");
  ASSERT_TRUE(bad.wait_closed(seconds(10)));
  EXPECT_EQ(bad.close_code(), 4401);

  // No auth at all: closed 4408 after the handshake timeout.
  ws_client silent;
  ASSERT_TRUE(silent.connect(a.port()));
  ASSERT_TRUE(silent.wait_closed(seconds(15))) << silent.tail();
  EXPECT_EQ(silent.close_code(), 4408);
  const auto st = stats(a.port());
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["auth_failures"]["duplicate"].integer(), 1);
  EXPECT_EQ((*st)["auth_failures"]["timeout"].integer(), 1);
  EXPECT_EQ((*st)["auth_failures"]["expired"].integer(), 1);
}

TEST(e2e_auth, anonymous_channels_without_a_token_and_more_with_one) {
  auth_stack a(R"(anonymous_channels = ["fng", "ticker.BTC-*"])");
  ASSERT_TRUE(a.s().start());
  ws_client anon;
  ASSERT_TRUE(anon.connect(a.port()));
  ASSERT_TRUE(anon.send_text(subscribe_request(1, {"fng", "ticker.BTC-USDT"})));
  ASSERT_TRUE(anon.wait_for(reply_to("ack", 1))) << anon.tail();
  ASSERT_TRUE(anon.send_text(subscribe_request(2, {"ticker.*"})));
  const auto e = anon.wait_for(error_code(2, "forbidden"));
  ASSERT_TRUE(e) << anon.tail();
  EXPECT_NE((*e)["message"].str().find("token"), std::string::npos);
  // An anonymous connection may still authenticate once, and then reads more.
  ASSERT_TRUE(anon.send_text(auth_message("auth", 3, make_jwt(R"(["ticker.*"])", now_s() + 600))));
  ASSERT_TRUE(anon.wait_for(reply_to("ack", 3))) << anon.tail();
  ASSERT_TRUE(anon.send_text(subscribe_request(4, {"ticker.*", "fng"})));
  ASSERT_TRUE(anon.wait_for(reply_to("ack", 4))) << anon.tail();
  ASSERT_TRUE(anon.send_text(subscribe_request(5, {"gas.ETH"})));
  ASSERT_TRUE(anon.wait_for(error_code(5, "forbidden"))) << anon.tail();

  // A token too long for an upgrade (above the 8 KiB header limit) can come in `auth`: refused
  // as oversized, and an anonymous connection stays anonymous.
  ws_client big;
  ASSERT_TRUE(big.connect(a.port()));
  ASSERT_TRUE(big.send_text(auth_message("auth", 1, std::string(9000, 'a'))));
  const auto e2 = big.wait_for(error_code(1, "auth_failed"));
  ASSERT_TRUE(e2) << big.tail();
  EXPECT_EQ((*e2)["reason"].str(), "oversized");
  ASSERT_TRUE(big.send_text(subscribe_request(2, {"fng"})));
  ASSERT_TRUE(big.wait_for(reply_to("ack", 2))) << big.tail();
  const auto st = stats(a.port());
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["auth_failures"]["oversized"].integer(), 1);
  EXPECT_EQ((*st)["auth_failures"]["forbidden"].integer(), 2);
}

TEST(e2e_auth, token_expiring_then_refresh_then_close_4001_without_one) {
  // exp 8 s away, the notice 6 s before it (so about 2 s from now), no leeway: a slow machine
  // has 6 s to answer the notice before the token lapses.
  auth_stack a("leeway_ms = 0\nexpiry_notice_ms = 6000\n");
  ASSERT_TRUE(a.s().start());
  const auto exp = now_s() + 8;
  ws_client c;
  ASSERT_TRUE(c.connect(a.port(), "/ws?token=" + make_jwt(R"(["fng","gas.ETH"])", exp)));
  ASSERT_TRUE(c.send_text(subscribe_request(1, {"fng", "gas.ETH"})));
  ASSERT_TRUE(c.wait_for(reply_to("ack", 1))) << c.tail();
  const auto notice = c.wait_for(type_is("token_expiring"), seconds(15));
  ASSERT_TRUE(notice) << c.tail();
  EXPECT_EQ((*notice)["exp"].integer(), exp);
  EXPECT_TRUE((*notice)["expires_in_ms"].is_integer());
  // Another subject may not take over the connection.
  ASSERT_TRUE(c.send_text(auth_message("refresh", 2, make_jwt(R"(["*"])", exp + 600, "bob"))));
  const auto mismatch = c.wait_for(error_code(2, "auth_failed"));
  ASSERT_TRUE(mismatch) << c.tail();
  EXPECT_EQ((*mismatch)["reason"].str(), "subject_mismatch");
  // The same subject, narrower channels: gas.ETH is dropped, and said so.
  ASSERT_TRUE(c.send_text(auth_message("refresh", 3, make_jwt(R"(["fng"])", exp + 600))));
  const auto ack = c.wait_for(reply_to("ack", 3));
  ASSERT_TRUE(ack) << c.tail();
  EXPECT_EQ((*ack)["op"].str(), "refresh");
  EXPECT_EQ((*ack)["exp"].integer(), exp + 600);
  ASSERT_TRUE(c.wait_for([](const ws_message& m) {
    return m.type() == "ack" && m["op"].str() == "unsubscribe" && !m.json.has("id") &&
           m["channels"].size() == 1 && m["channels"][0].str() == "gas.ETH";
  })) << c.tail();
  // Past the first token's exp the connection stays: wait for the clock, then ping.
  while (now_s() <= exp + 1) std::this_thread::sleep_for(milliseconds(200));
  ASSERT_TRUE(still_up(c, 4));

  // Without a refresh: the notice, then close 4001 at exp.
  ws_client lapse;
  const auto short_exp = now_s() + 3;
  ASSERT_TRUE(lapse.connect(a.port(), "/ws?token=" + make_jwt(R"(["fng"])", short_exp)));
  ASSERT_TRUE(lapse.wait_for(type_is("token_expiring"), seconds(15))) << lapse.tail();
  ASSERT_TRUE(lapse.wait_closed(seconds(20))) << lapse.tail();
  EXPECT_EQ(lapse.close_code(), 4001);
  EXPECT_GE(now_s(), short_exp) << "closed before exp";
}

TEST(e2e_auth, origins_outside_the_allowlist_get_403) {
  auth_stack a(R"(anonymous_channels = ["fng"])",
               R"(allowed_origins = ["https://app.example.com", "*.example.org"])");
  ASSERT_TRUE(a.s().start());
  const auto status = [&](const std::string& origin) {
    raw_client c;
    std::string body;
    const auto head =
        raw_upgrade(c, a.port(), "/ws", origin.empty() ? "" : "Origin: " + origin + "\r\n", &body);
    return head ? head->status : 0;
  };
  EXPECT_EQ(status("https://app.example.com"), 101);
  EXPECT_EQ(status("HTTPS://APP.EXAMPLE.COM"), 101);
  EXPECT_EQ(status("http://live.example.org:8443"), 101);
  EXPECT_EQ(status(""), 101) << "no Origin: not a browser";
  EXPECT_EQ(status("https://evil.example.net"), 403);
  EXPECT_EQ(status("https://example.org"), 403);
  EXPECT_EQ(status("https://app.example.com.evil.net"), 403);
  EXPECT_EQ(status("null"), 403);
  const auto st = stats(a.port());
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["refused"]["origin"].integer(), 4);
  std::int64_t per_shard = 0;
  for (const auto& shard : (*st)["per_shard"].items())
    per_shard += shard["refused"]["origin"].integer();
  EXPECT_EQ(per_shard, 4) << "the totals are the shards' sum";
}

// Keeps connections open and counts which upgrades the per-IP limit refuses.
struct xff_run {
  std::vector<std::unique_ptr<raw_client>> open;
  int upgrade(std::uint16_t port, const std::string& forwarded_for) {
    auto c = std::make_unique<raw_client>();
    const auto head = raw_upgrade(
        *c, port, "/ws",
        forwarded_for.empty() ? std::string() : "X-Forwarded-For: " + forwarded_for + "\r\n");
    const int status = head ? head->status : 0;
    if (status == 101) open.push_back(std::move(c));
    return status;
  }
};

TEST(e2e_auth, forwarded_for_counts_only_from_a_trusted_proxy) {
  {
    auth_stack a(R"(anonymous_channels = ["fng"])", R"(trusted_proxies = ["127.0.0.0/8"])",
                 "max_connections_per_ip = 2");
    ASSERT_TRUE(a.s().start());
    xff_run r;
    EXPECT_EQ(r.upgrade(a.port(), "198.51.100.7"), 101);
    EXPECT_EQ(r.upgrade(a.port(), "203.0.113.9, 198.51.100.7"), 101);
    EXPECT_EQ(r.upgrade(a.port(), "198.51.100.7"), 429) << "the third from one client";
    // The proxy itself (trusted) is skipped: the client is the next one to the left.
    EXPECT_EQ(r.upgrade(a.port(), "198.51.100.8, 127.0.0.5"), 101);
    EXPECT_EQ(r.upgrade(a.port(), "198.51.100.9"), 101);
    const auto st = stats(a.port());
    ASSERT_TRUE(st);
    EXPECT_EQ((*st)["refused"]["per_ip_limit"].integer(), 1);
  }
  {
    auth_stack a(R"(anonymous_channels = ["fng"])", R"(trusted_proxies = ["10.1.2.3"])",
                 "max_connections_per_ip = 2");
    ASSERT_TRUE(a.s().start());
    xff_run r;
    // The peer (127.0.0.1) is no trusted proxy: the header is ignored.
    EXPECT_EQ(r.upgrade(a.port(), "198.51.100.1"), 101);
    EXPECT_EQ(r.upgrade(a.port(), "198.51.100.2"), 101);
    EXPECT_EQ(r.upgrade(a.port(), "198.51.100.3"), 429);
  }
}

TEST(e2e_auth, sighup_rereads_the_key_and_a_bad_file_keeps_the_old_one) {
  auth_stack a("");
  ASSERT_TRUE(a.s().start());
  const std::string next = "the-next-secret-0123456789abcdef0123";
  const auto status = [&](const std::string& key) {
    raw_client c;
    const auto head = raw_upgrade(
        c, a.port(), "/ws",
        "Authorization: Bearer " + make_jwt(R"(["fng"])", now_s() + 600, "alice", key) + "\r\n");
    return head ? head->status : 0;
  };
  ASSERT_EQ(status(secret), 101);
  const auto wait_log = [&](std::string_view needle, std::size_t count) {
    const auto deadline = steady_clock::now() + seconds(20);
    while (steady_clock::now() < deadline) {
      const auto log = a.s().tickerd().stderr_text() + a.s().tickerd().stdout_text();
      std::size_t n = 0;
      for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
      if (n >= count) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  };
  a.keys().write("jwt.secret", "short\n");
  a.s().tickerd().send_signal(SIGHUP);
  ASSERT_TRUE(wait_log("keeping the keys loaded before", 1)) << a.s().tickerd().logs();
  EXPECT_EQ(status(secret), 101) << "a bad file keeps the old key";
  a.keys().write("jwt.secret", next + "\n");
  a.s().tickerd().send_signal(SIGHUP);
  ASSERT_TRUE(wait_log("auth keys reloaded", 1)) << a.s().tickerd().logs();
  EXPECT_EQ(status(next), 101);
  EXPECT_EQ(status(secret), 401);
}

// `GET /v1/sse` obeys the same [auth]: the token comes with the request (an event stream cannot
// send `auth`), and every channel must be allowed before the 200. Read with Debian's curl.
// A refusal ends by itself; a stream is read until a line has `until`, then curl is stopped
// (curl's own --max-time is only the backstop: waiting for it cost seconds per stream).
std::string curl_sse(auth_stack& a, const std::string& target, const std::string& header,
                     const char* name, std::string_view until = {}) {
  child_process curl;
  std::vector<std::string> argv{"/usr/bin/curl", "-sS", "-N", "-D", "-", "--max-time", "20"};
  if (!header.empty()) argv.insert(argv.end(), {"-H", header});
  argv.push_back("http://127.0.0.1:" + std::to_string(a.port()) + target);
  EXPECT_TRUE(curl.spawn(argv, a.s().dir().path(), name));
  if (until.empty()) {
    EXPECT_TRUE(curl.wait_exit(seconds(30))) << "curl did not end: " << curl.logs();
  } else {
    EXPECT_TRUE(curl.wait_for_stdout_line(until, seconds(20)));
    curl.stop();
  }
  auto out = curl.stdout_text();
  // The status line (-D -) as `status=<code>`: a stopped curl writes no -w.
  if (out.starts_with("HTTP/")) out += "\nstatus=" + out.substr(out.find(' ') + 1, 3) + "\n";
  return out;
}

TEST(e2e_auth, event_streams_need_a_token_for_what_is_not_anonymous) {
  auth_stack a("anonymous_channels = [\"fng\"]\n");
  ASSERT_TRUE(a.s().start());
  const auto eth_only = make_jwt(R"(["ticker.ETH-USDT"])", now_s() + 600);
  // Anonymous: fng only.
  const auto anon = curl_sse(a, "/v1/sse?channels=fng", {}, "curl-anon", R"("type":"snapshot")");
  EXPECT_NE(anon.find("status=200"), std::string::npos) << anon;
  EXPECT_NE(anon.find("\"type\":\"snapshot\""), std::string::npos) << anon;
  const auto missing = curl_sse(a, "/v1/sse?channels=fng,ticker.BTC-USDT", {}, "curl-missing");
  EXPECT_NE(missing.find("status=401"), std::string::npos) << missing;
  EXPECT_NE(missing.find("ticker.BTC-USDT"), std::string::npos) << missing;
  // A token for ETH: ETH (and the anonymous fng) stream; BTC is forbidden, whole request refused.
  const auto allowed =
      curl_sse(a, "/v1/sse?channels=ticker.ETH-USDT,fng", "Authorization: Bearer " + eth_only,
               "curl-allowed", R"("channel":"ticker.ETH-USDT")");
  EXPECT_NE(allowed.find("status=200"), std::string::npos) << allowed;
  EXPECT_NE(allowed.find("\"channel\":\"ticker.ETH-USDT\""), std::string::npos) << allowed;
  const auto forbidden =
      curl_sse(a, "/v1/sse?channels=ticker.BTC-USDT&token=" + eth_only, {}, "curl-forbidden");
  EXPECT_NE(forbidden.find("status=403"), std::string::npos) << forbidden;
  EXPECT_NE(forbidden.find("\"error\":\"forbidden\""), std::string::npos) << forbidden;
  const auto bad =
      curl_sse(a, "/v1/sse?channels=fng", "Authorization: Bearer not.a.token", "curl-bad");
  EXPECT_NE(bad.find("status=401"), std::string::npos) << bad;
  const auto st = stats(a.port());
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)["auth_failures"]["forbidden"].integer(), 1);
  EXPECT_EQ((*st)["auth_failures"]["missing"].integer(), 1);
  EXPECT_EQ((*st)["auth_failures"]["malformed"].integer(), 1);
  EXPECT_EQ((*st)["refused"]["auth"].integer(), 2);
  // The same counts on /metrics, summed over the shards.
  const auto metrics = http_get(a.port(), "/metrics", seconds(5));
  ASSERT_EQ(metrics.status, 200);
  double forbidden_total = 0;
  std::istringstream lines(metrics.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("tickerd_auth_failures_total{") &&
        line.find("reason=\"forbidden\"") != std::string::npos) {
      forbidden_total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  EXPECT_EQ(forbidden_total, 1) << metrics.body.substr(0, 4000);
}

TEST(e2e_auth, an_event_stream_ends_when_its_token_expires) {
  auth_stack a("leeway_ms = 0\nexpiry_notice_ms = 2000\n");
  ASSERT_TRUE(a.s().start());
  const auto out = curl_sse(a, "/v1/sse?channels=ticker.BTC-USDT",
                            "Authorization: Bearer " + make_jwt(R"(["ticker.*"])", now_s() + 3),
                            "curl-expiring");
  EXPECT_NE(out.find("status=200"), std::string::npos) << out;
  const auto notice = out.find("\"type\":\"token_expiring\"");
  const auto closed = out.find("\"code\":4001");
  EXPECT_NE(notice, std::string::npos) << out;
  EXPECT_NE(closed, std::string::npos) << out;
  EXPECT_LT(notice, closed) << out;
}

}  // namespace
}  // namespace tickerd::e2e
