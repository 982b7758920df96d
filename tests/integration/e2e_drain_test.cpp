// The graceful drain (docs/OPERATIONS.md "Draining", docs/PROTOCOL.md `reconnect`) with real
// processes: SIGTERM or POST /admin/drain makes /readyz say `draining`, the client port refuse
// new connections, every WebSocket and SSE client get `reconnect` with an after_ms in
// [0, drain_ms] and then a 1001 close no earlier than that, and the process exit 0. A client
// that moves to a second edge (both fed by one ingest node through Redis) resumes with `since`
// and sees no gap. The admin listener wants its token when one is set.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <thread>

#include "harness.hpp"
#include "redis_harness.hpp"

namespace tickerd::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* btc = "ticker.BTC-USDT";
constexpr std::int64_t drain_ms = 3000;
constexpr const char* admin_token = "drain-test-token-0123456789";

// One blocking loopback TCP connection with a deadline on every read: a keep-alive HTTP client
// (the harness's closes after each request) that can send any header, and an SSE reader.
class tcp_conn {
 public:
  ~tcp_conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  // errno of a failed connect (ECONNREFUSED: nobody listens), 0 on success.
  int connect(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) return 0;
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    return e;
  }
  bool send_all(std::string_view s) {
    while (!s.empty()) {
      const auto n = ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Reads until `done(received)` holds, the peer closes, or the deadline passes.
  template <typename Done>
  bool read_until(Done done, duration timeout) {
    const auto deadline = steady_clock::now() + timeout;
    while (!done(in_)) {
      const auto left = std::chrono::duration_cast<duration>(deadline - steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return done(in_);
      }
      in_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  // One request on this connection; the status and body of the reply (0 when none came).
  std::pair<int, std::string> request(std::string_view method, std::string_view target,
                                      std::string_view headers = {}) {
    in_.clear();
    std::string req = std::string(method) + " " + std::string(target) +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n" +
                      std::string(headers) + "\r\n";
    if (!send_all(req)) return {0, {}};
    std::size_t body_at = 0;
    std::size_t length = 0;
    const bool whole = read_until(
        [&](const std::string& in) {
          const auto end = in.find("\r\n\r\n");
          if (end == std::string::npos) return false;
          body_at = end + 4;
          const auto cl = in.find("Content-Length: ");
          length = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
          return in.size() >= body_at + length;
        },
        default_timeout);
    if (!whole || in_.size() < 12) return {0, in_};
    return {std::stoi(in_.substr(9, 3)), in_.substr(body_at, length)};
  }
  const std::string& received() const { return in_; }

 private:
  int fd_ = -1;
  std::string in_;
  bool closed_ = false;
};

testing::AssertionResult wait_refused(std::uint16_t port) {
  const auto deadline = steady_clock::now() + default_timeout;
  int last = 0;
  while (steady_clock::now() < deadline) {
    tcp_conn c;
    last = c.connect(port);
    if (last == ECONNREFUSED) return testing::AssertionSuccess();
    std::this_thread::sleep_for(20ms);
  }
  return testing::AssertionFailure() << "connects still accepted (last errno " << last << ")";
}

// A client's notice: `reconnect` with an integer after_ms in [0, window].
testing::AssertionResult check_notice(const ws_message& m, std::int64_t window) {
  if (m.type() != "reconnect") return testing::AssertionFailure() << m.raw;
  if (!m["after_ms"].is_integer() || m["after_ms"].integer() < 0 ||
      m["after_ms"].integer() > window || m["reason"].str() != "draining") {
    return testing::AssertionFailure() << "bad notice: " << m.raw;
  }
  return testing::AssertionSuccess();
}

TEST(drain_e2e, sigterm_tells_every_client_to_reconnect_closes_each_after_its_delay_and_exits) {
  stack_options o;
  o.extra_server = "drain_ms = " + std::to_string(drain_ms) + "\n";
  o.extra_limits = "handshake_timeout_ms = 30000\n";  // the keep-alive probe below waits idle
  stack s(o);
  ASSERT_TRUE(s.start());
  ASSERT_TRUE(wait_for_http_200(s.port(), "/readyz", start_timeout, &s.tickerd()));

  constexpr int count = 6;
  std::vector<std::unique_ptr<ws_client>> clients;
  for (int i = 0; i < count; ++i) {
    auto& c = *clients.emplace_back(std::make_unique<ws_client>());
    ASSERT_TRUE(c.connect(s.port()));
    ASSERT_TRUE(c.send_text(subscribe_request(1, {btc})));
    ASSERT_TRUE(c.wait_for(typed_on("snapshot", btc))) << c.tail();
  }
  tcp_conn sse;
  ASSERT_EQ(sse.connect(s.port()), 0);
  ASSERT_TRUE(sse.send_all("GET /v1/sse?channels=" + std::string(btc) +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  ASSERT_TRUE(sse.read_until([](const std::string& in) { return in.find("snapshot") != in.npos; },
                             default_timeout));
  tcp_conn probe;  // a load balancer's keep-alive health check, open before the drain
  ASSERT_EQ(probe.connect(s.port()), 0);
  ASSERT_EQ(probe.request("GET", "/readyz").first, 200);

  const auto signalled = steady_clock::now();
  s.tickerd().send_signal(SIGTERM);

  std::vector<std::int64_t> delays;
  for (auto& c : clients) {
    const auto notice = c->wait_for(type_is("reconnect"));
    ASSERT_TRUE(notice) << c->tail();
    EXPECT_TRUE(check_notice(*notice, drain_ms));
    delays.push_back((*notice)["after_ms"].integer());
  }
  // Refused at the door; a connection already open still hears `draining`.
  EXPECT_TRUE(wait_refused(s.port()));
  const auto ready = probe.request("GET", "/readyz");
  EXPECT_EQ(ready.first, 503) << ready.second;
  EXPECT_NE(ready.second.find("draining"), std::string::npos) << ready.second;
  // So does an upgrade attempted on it.
  const auto upgrade = probe.request("GET", "/ws",
                                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                     "Sec-WebSocket-Version: 13\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
  EXPECT_EQ(upgrade.first, 503) << upgrade.second;
  EXPECT_NE(upgrade.second.find("draining"), std::string::npos) << upgrade.second;

  // Each close no earlier than its after_ms after the notice, so after the signal: watched
  // by polling (a close seen is a close made; one made early is seen early).
  std::vector<std::optional<duration>> seen_closed(clients.size());
  const auto watch_until = steady_clock::now() + duration(drain_ms) + default_timeout;
  while (steady_clock::now() < watch_until &&
         std::any_of(seen_closed.begin(), seen_closed.end(), [](auto& x) { return !x; })) {
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (!seen_closed[i] && clients[i]->closed()) {
        seen_closed[i] = std::chrono::duration_cast<duration>(steady_clock::now() - signalled);
      }
    }
    std::this_thread::sleep_for(10ms);
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto& c = *clients[i];
    ASSERT_TRUE(seen_closed[i]) << c.tail();
    EXPECT_EQ(c.close_code(), 1001) << c.close_error();
    EXPECT_GE(seen_closed[i]->count(), delays[i]) << "closed before its after_ms";
  }
  // Spread: not every client got the same delay (6 draws from 3001 values).
  EXPECT_NE(*std::min_element(delays.begin(), delays.end()),
            *std::max_element(delays.begin(), delays.end()));

  // The SSE stream: the notice as an event, then the close event with 1001.
  ASSERT_TRUE(sse.read_until(
      [](const std::string& in) { return in.find(R"("type":"close","code":1001)") != in.npos; },
      duration(drain_ms) + default_timeout))
      << sse.received();
  const auto& text = sse.received();
  const auto notice_at = text.find(R"(data: {"type":"reconnect","after_ms":)");
  ASSERT_NE(notice_at, std::string::npos) << text;
  EXPECT_LT(notice_at, text.find(R"("type":"close")"));

  const auto done = s.tickerd().wait_exit(duration(drain_ms) + stop_grace);
  ASSERT_TRUE(done.has_value()) << "still running after drain_ms and the grace";
  EXPECT_TRUE(done->exited && done->code == 0) << done->str();
}

TEST(drain_e2e, with_no_client_left_sigterm_exits_at_once) {
  stack_options o;
  o.extra_server = "drain_ms = 600000\n";  // ten minutes: the exit must not wait for it
  stack s(o);
  ASSERT_TRUE(s.start());
  auto c = std::make_unique<ws_client>();
  ASSERT_TRUE(c->connect(s.port()));
  ASSERT_TRUE(c->send_text(subscribe_request(1, {btc})));
  ASSERT_TRUE(c->wait_for(typed_on("snapshot", btc))) << c->tail();
  s.tickerd().send_signal(SIGTERM);
  const auto notice = c->wait_for(type_is("reconnect"));
  ASSERT_TRUE(notice) << c->tail();
  EXPECT_TRUE(check_notice(*notice, 600000));
  // The client moves before its time; the node has nobody left and stops.
  c.reset();
  const auto done = s.tickerd().wait_exit(default_timeout);
  ASSERT_TRUE(done.has_value()) << "waited for drain_ms with no client left";
  EXPECT_TRUE(done->exited && done->code == 0) << done->str();
}

// A second signal does not wait for the drain.
TEST(drain_e2e, a_second_signal_stops_at_once) {
  stack_options o;
  o.extra_server = "drain_ms = 600000\n";
  stack s(o);
  ASSERT_TRUE(s.start());
  ws_client c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_TRUE(c.send_text(subscribe_request(1, {btc})));
  ASSERT_TRUE(c.wait_for(typed_on("snapshot", btc))) << c.tail();
  s.tickerd().send_signal(SIGTERM);
  ASSERT_TRUE(c.wait_for(type_is("reconnect"))) << c.tail();
  s.tickerd().send_signal(SIGTERM);
  ASSERT_TRUE(c.wait_closed()) << c.tail();
  EXPECT_EQ(c.close_code(), 1001);
  const auto done = s.tickerd().wait_exit(default_timeout);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->exited && done->code == 0) << done->str();
}

std::string redis_toml(std::uint16_t redis_port, const std::string& role) {
  return "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_port) +
         "\"\nprefix = \"t\"\nbackoff_initial_ms = 50\nbackoff_max_ms = 300\n"
         "lease_ttl_ms = 1500\nwarm_start_timeout_ms = 3000\n\n[node]\nrole = \"" +
         role + "\"\nheartbeat_interval_ms = 200\nbus_silence_ms = 2000\n";
}

struct node {
  std::uint16_t port = free_port();
  std::unique_ptr<child_process> process;

  testing::AssertionResult start(const stack& s, const std::string& name,
                                 const std::string& extra_server, const std::string& extra_toml) {
    auto options = s.options();
    options.extra_server = extra_server;
    options.extra_toml = extra_toml;
    const auto config = s.dir().write(name + ".toml", tickerd_config(port, s.sim_port(), options));
    process = std::make_unique<child_process>();
    if (auto r = process->spawn({TICKERD_BIN, "--config", config.string()}, s.dir().path(), name);
        !r) {
      return r;
    }
    return wait_for_http_200(port, "/readyz", start_timeout, process.get());
  }
};

// What a bot does with the notice: finish with this edge, then subscribe on the other with
// `since` naming the last seq and epoch it has. Nothing missed: no reset, no snapshot, the
// next seq follows.
TEST(drain_e2e, a_client_moved_off_a_draining_edge_resumes_on_another_without_a_gap) {
  stack_options o;
  o.sim_rate = 10;
  stack s(o);
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  node ingest;
  node edge_a;
  node edge_b;
  ASSERT_TRUE(ingest.start(s, "ingest", "", redis_toml(redis.port(), "ingest")));
  ASSERT_TRUE(edge_a.start(s, "edge-a", "drain_ms = 2000\n", redis_toml(redis.port(), "edge")));
  ASSERT_TRUE(edge_b.start(s, "edge-b", "", redis_toml(redis.port(), "edge")));

  ws_client a;
  ASSERT_TRUE(a.connect(edge_a.port));
  ASSERT_TRUE(a.send_text(subscribe_request(1, {btc})));
  ASSERT_TRUE(a.wait_until([](const auto& all) { return count_of(all, "update", btc) >= 3; }, 30s))
      << a.tail();
  edge_a.process->send_signal(SIGTERM);
  const auto notice = a.wait_for(type_is("reconnect"));
  ASSERT_TRUE(notice) << a.tail();
  EXPECT_TRUE(check_notice(*notice, 2000));
  ASSERT_TRUE(a.wait_closed(30s)) << a.tail();
  EXPECT_EQ(a.close_code(), 1001);

  const auto before = a.messages();
  std::int64_t seq = 0;
  std::string epoch;
  for (const auto& m : before) {
    if (m.channel() == btc && (m.type() == "update" || m.type() == "snapshot")) {
      seq = m.seq();
      epoch = m["epoch"].str();
    }
  }
  ASSERT_FALSE(epoch.empty()) << a.tail();
  ws_client b;
  ASSERT_TRUE(b.connect(edge_b.port));
  ASSERT_TRUE(b.send_text(R"({"op":"subscribe","id":2,"channels":[")" + std::string(btc) +
                          R"("],"since":{")" + btc + R"(":{"seq":)" + std::to_string(seq) +
                          R"(,"epoch":")" + epoch + R"("}}})"));
  ASSERT_TRUE(b.wait_until([](const auto& all) { return count_of(all, "update", btc) >= 3; }, 30s))
      << b.tail();
  const auto after = b.messages();
  EXPECT_EQ(count_of(after, "reset", btc), 0u) << b.tail();
  EXPECT_EQ(count_of(after, "snapshot", btc), 0u) << b.tail();
  auto all = before;
  all.insert(all.end(), after.begin(), after.end());
  EXPECT_TRUE(check_sequences(all)) << "a gap or a duplicate across the move";

  const auto done = edge_a.process->wait_exit(30s);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->exited && done->code == 0) << done->str();
}

TEST(drain_e2e, post_admin_drain_with_the_token_drains_and_a_wrong_token_gets_401) {
  const auto admin_port = free_port();
  stack_options o;
  o.extra_server = "drain_ms = 2000\n";
  o.extra_toml = "[admin]\nlisten = \"127.0.0.1:" + std::to_string(admin_port) + "\"\ntoken = \"" +
                 admin_token + "\"\n";
  stack s(o);
  ASSERT_TRUE(s.start());
  ws_client c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_TRUE(c.send_text(subscribe_request(1, {btc})));
  ASSERT_TRUE(c.wait_for(typed_on("snapshot", btc))) << c.tail();

  tcp_conn admin;
  ASSERT_EQ(admin.connect(admin_port), 0);
  const std::string good = "Authorization: Bearer " + std::string(admin_token) + "\r\n";
  EXPECT_EQ(admin.request("POST", "/admin/drain").first, 401);
  auto r = admin.request("POST", "/admin/drain", "Authorization: Bearer not-the-token\r\n");
  EXPECT_EQ(r.first, 401) << r.second;
  EXPECT_FALSE(c.wait_for(type_is("reconnect"), 0ms)) << "a refused request drained";
  r = admin.request("GET", "/admin/status", good);
  EXPECT_EQ(r.first, 200) << r.second;
  EXPECT_NE(r.second.find(R"("state":"serving","clients":1)"), std::string::npos) << r.second;
  EXPECT_EQ(admin.request("GET", "/admin/drain", good).first, 405);

  r = admin.request("POST", "/admin/drain", good);
  EXPECT_EQ(r.first, 202) << r.second;
  EXPECT_EQ(r.second, R"({"draining":true,"already":false,"clients":1,"drain_ms":2000})");
  const auto notice = c.wait_for(type_is("reconnect"));
  ASSERT_TRUE(notice) << c.tail();
  EXPECT_TRUE(check_notice(*notice, 2000));
  r = admin.request("GET", "/admin/status", good);
  EXPECT_NE(r.second.find(R"("state":"draining")"), std::string::npos) << r.second;
  ASSERT_TRUE(c.wait_closed(30s)) << c.tail();
  EXPECT_EQ(c.close_code(), 1001);
  const auto done = s.tickerd().wait_exit(30s);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->exited && done->code == 0) << done->str();
}

TEST(drain_e2e, post_admin_drain_from_loopback_needs_no_token) {
  const auto admin_port = free_port();
  stack_options o;
  o.extra_server = "drain_ms = 1000\n";
  o.extra_toml = "[admin]\nlisten = \"127.0.0.1:" + std::to_string(admin_port) + "\"\n";
  stack s(o);
  ASSERT_TRUE(s.start());
  tcp_conn admin;
  ASSERT_EQ(admin.connect(admin_port), 0);
  const auto r = admin.request("POST", "/admin/drain");
  EXPECT_EQ(r.first, 202) << r.second;
  EXPECT_NE(r.second.find(R"("draining":true)"), std::string::npos) << r.second;
  const auto done = s.tickerd().wait_exit(30s);  // no client: at once
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->exited && done->code == 0) << done->str();
}

TEST(drain_e2e, an_admin_listener_off_loopback_without_a_token_is_a_configuration_error) {
  temp_dir dir("admin-config");
  const auto config = dir.write("tickerd.toml",
                                "[server]\nlisten = \"127.0.0.1:0\"\n[admin]\n"
                                "listen = \"0.0.0.0:0\"\n");
  const auto r = run_to_exit({TICKERD_BIN, "--check-config", "--config", config.string()},
                             dir.path(), "check");
  EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << r.exit.str() << r.err;
  EXPECT_NE(r.err.find("admin.listen"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("admin.token"), std::string::npos) << r.err;
  const auto short_token = dir.write("short.toml", "[admin]\ntoken = \"abc\"\n");
  const auto t = run_to_exit({TICKERD_BIN, "--check-config", "--config", short_token.string()},
                             dir.path(), "check-short");
  EXPECT_TRUE(t.exit.exited && t.exit.code == 2) << t.exit.str();
  EXPECT_NE(t.err.find("admin.token"), std::string::npos) << t.err;
}

}  // namespace
}  // namespace tickerd::e2e
