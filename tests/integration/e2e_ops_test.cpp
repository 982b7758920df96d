// Operating tickerd: the systemd notifications (READY=1, WATCHDOG=1, STOPPING=1) read from a
// datagram socket the test owns as NOTIFY_SOCKET; [log] format = "json" (every line tickerd
// writes parses as one object with the documented fields); SIGHUP re-reading the config file
// (limits and log level applied, keys that need a restart named, a broken file ignored).
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

std::size_t occurrences(const std::string& text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Polls `text()` until it contains `needle` `count` times; fails early when `watched` exits.
testing::AssertionResult wait_for_text(const std::function<std::string()>& text,
                                       std::string_view needle, child_process& watched,
                                       std::size_t count = 1, duration timeout = default_timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (occurrences(text(), needle) >= count) return testing::AssertionSuccess();
    if (!watched.running()) break;
    ::usleep(20'000);  // polling a log file: nothing to wait on
  }
  return testing::AssertionFailure()
         << "no '" << needle << "' in " << watched.name() << "'s output\n"
         << watched.logs();
}

testing::AssertionResult wait_for_stderr(child_process& p, std::string_view needle,
                                         std::size_t count = 1) {
  return wait_for_text([&p] { return p.stderr_text(); }, needle, p, count);
}

ws_client::predicate reply_to(std::int64_t id) {
  return [id](const ws_message& m) {
    return (m.type() == "ack" || m.type() == "error") && m["id"].is_integer() &&
           m["id"].integer() == id;
  };
}

// What a client sees when it subscribes to `channels` on a fresh connection: the reply.
std::optional<ws_message> subscribe_fresh(std::uint16_t port,
                                          const std::vector<std::string>& channels) {
  ws_client c;
  if (!c.connect(port)) return std::nullopt;
  if (!c.send_text(subscribe_request(1, channels))) return std::nullopt;
  return c.wait_for(reply_to(1));
}

const std::vector<std::string> three_channels{"ticker.BTC-USDT", "ticker.ETH-USDT",
                                              "ticker.SOL-USDT"};

std::string replace_once(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' not in\n" << text;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// ---- systemd --------------------------------------------------------------------------------

// A datagram socket standing in for systemd's notify socket, as NOTIFY_SOCKET for the
// processes spawned while it is set (and WATCHDOG_USEC, which asks for pings).
class notify_socket {
 public:
  notify_socket(const std::filesystem::path& path, std::chrono::microseconds watchdog)
      : path_(path.string()) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    EXPECT_LT(path_.size(), sizeof(addr.sun_path)) << path_;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0)
        << path_ << ": " << std::strerror(errno);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    ::setenv("WATCHDOG_USEC", std::to_string(watchdog.count()).c_str(), 1);
  }
  ~notify_socket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::close(fd_);
  }
  notify_socket(const notify_socket&) = delete;
  notify_socket& operator=(const notify_socket&) = delete;

  // Children spawned from now on do not inherit it.
  void stop_exporting() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
  }

  // The next datagram containing the line `line`; every datagram read is kept in received().
  bool wait_for(std::string_view line, duration timeout = default_timeout) {
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
      for (; seen_ < received_.size(); ++seen_) {
        std::istringstream lines(received_[seen_]);
        for (std::string l; std::getline(lines, l);) {
          if (l == line) {
            ++seen_;
            return true;
          }
        }
      }
      const auto left = std::chrono::duration_cast<duration>(deadline - steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) received_.emplace_back(buf, static_cast<std::size_t>(n));
    }
  }

  std::string received() const {
    std::string all;
    for (const auto& d : received_) all += "[" + d + "] ";
    return all;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> received_;
  std::size_t seen_ = 0;
};

TEST(e2e_ops, tells_systemd_ready_then_pings_the_watchdog_then_stopping) {
  stack s;
  // A short watchdog so pings come quickly: every 100 ms (half of WATCHDOG_USEC).
  notify_socket notify(s.dir().path() / "notify.sock", std::chrono::microseconds(200'000));
  ASSERT_TRUE(s.start_sim());
  ASSERT_TRUE(s.start_tickerd());
  notify.stop_exporting();

  ASSERT_TRUE(notify.wait_for("READY=1")) << notify.received();
  // READY means serving: the listener answers.
  EXPECT_EQ(http_get(s.port(), "/healthz").status, 200);
  for (int ping = 0; ping < 3; ++ping) {
    ASSERT_TRUE(notify.wait_for("WATCHDOG=1")) << "ping " << ping << ": " << notify.received();
  }
  s.tickerd().send_signal(SIGTERM);
  ASSERT_TRUE(notify.wait_for("STOPPING=1")) << notify.received();
  const auto exit = s.tickerd().wait_exit(default_timeout);
  ASSERT_TRUE(exit);
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->str();
}

// ---- JSON logs ------------------------------------------------------------------------------

TEST(e2e_ops, json_log_lines_are_one_object_each_with_the_documented_fields) {
  stack s;
  ASSERT_TRUE(s.start_sim());
  const auto json_config =
      replace_once(s.config_toml(), "[log]\nlevel = \"info\"\n", "[log]\nformat = \"json\"\n");
  const auto config = s.dir().write("json.toml", json_config);
  child_process tickerd;
  ASSERT_TRUE(tickerd.spawn({TICKERD_BIN, "--config", config.string()}, s.dir().path(), "tickerd"));
  ASSERT_TRUE(wait_for_http_200(s.port(), "/healthz", start_timeout, &tickerd));
  ASSERT_TRUE(wait_for_stderr(tickerd, "feed binance is up"));
  // An error whose message quotes a file name and a TOML parser's words: escaping is exercised.
  s.dir().write("json.toml", "[limits\n\"quoted\\\" \t tab\"\n");
  tickerd.send_signal(SIGHUP);
  ASSERT_TRUE(wait_for_stderr(tickerd, "keeping the running configuration"));
  const auto exit = tickerd.stop();
  EXPECT_TRUE(exit.exited && exit.code == 0) << exit.str();

  const std::regex timestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  const std::set<std::string> levels{"trace", "debug", "info", "warning", "error", "critical"};
  const std::set<std::string> components{"tickerd", "feeds", "market", "gateway", "store"};
  std::set<std::string> seen_components;
  bool saw_listening = false;
  bool saw_reload_error = false;
  std::size_t lines_read = 0;
  for (const auto& text : {tickerd.stderr_text(), tickerd.stdout_text()}) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      ++lines_read;
      const auto j = json_value::parse(line);
      ASSERT_TRUE(j && j->is_object()) << "not a JSON object: " << line;
      const auto& o = *j;
      EXPECT_TRUE(std::regex_match(o["timestamp"].str(), timestamp)) << line;
      EXPECT_TRUE(levels.contains(o["level"].str())) << line;
      EXPECT_TRUE(components.contains(o["component"].str())) << line;
      EXPECT_TRUE(o["message"].is_string()) << line;
      EXPECT_TRUE(o["thread"].is_integer()) << line;
      seen_components.insert(o["component"].str());
      const auto& m = o["message"].str();
      if (o["component"].str() == "gateway" && m.starts_with("listening on 127.0.0.1:")) {
        saw_listening = true;
      }
      if (o["level"].str() == "error" && m.starts_with("config reload: ") &&
          m.find("json.toml") != std::string::npos) {
        saw_reload_error = true;
      }
    }
  }
  EXPECT_GT(lines_read, 3u);
  EXPECT_TRUE(saw_listening) << tickerd.stderr_text();
  EXPECT_TRUE(saw_reload_error) << tickerd.stderr_text();
  EXPECT_TRUE(seen_components.contains("tickerd") && seen_components.contains("gateway"))
      << tickerd.stderr_text();
}

TEST(e2e_ops, an_unknown_log_format_is_a_configuration_error_naming_the_key) {
  temp_dir dir("ops_log_format");
  const auto config = dir.write("bad.toml", "[log]\nformat = \"yaml\"\n");
  const auto r = run_to_exit({TICKERD_BIN, "--check-config", "--config", config.string()},
                             dir.path(), "check");
  EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << r.exit.str() << r.err;
  EXPECT_NE(r.err.find("log.format"), std::string::npos) << r.err;
}

// ---- SIGHUP ---------------------------------------------------------------------------------

TEST(e2e_ops, sighup_applies_new_limits_and_log_level_and_names_keys_that_need_a_restart) {
  stack_options o;
  o.max_subscriptions = 2;
  stack s(o);
  ASSERT_TRUE(s.start());
  const auto before = subscribe_fresh(s.port(), three_channels);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->json["code"].str(), "too_many_subscriptions") << before->raw;

  // Three subscriptions, messages of at most 1 KiB, debug logging.
  auto text = replace_once(s.config_toml(), "max_subscriptions = 2\n", "max_subscriptions = 3\n");
  text = replace_once(text, "max_message_bytes = 65536\n", "max_message_bytes = 1024\n");
  text = replace_once(text, "level = \"info\"\n", "level = \"debug\"\n");
  s.dir().write("tickerd.toml", text);
  s.tickerd().send_signal(SIGHUP);
  ASSERT_TRUE(wait_for_stderr(s.tickerd(), "config reload: limits and log level (debug) applied"));
  EXPECT_EQ(s.tickerd().stderr_text().find("needs a restart"), std::string::npos)
      << s.tickerd().stderr_text();

  const auto after = subscribe_fresh(s.port(), three_channels);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->type(), "ack") << after->raw;
  // A message over the new size limit closes the connection with 1009, and debug logging is on:
  // the shard says why at debug level.
  ws_client big;
  ASSERT_TRUE(big.connect(s.port()));
  ASSERT_TRUE(big.send_text(subscribe_request(1, {"ticker.BTC-USDT"}) + std::string(2000, ' ')));
  ASSERT_TRUE(big.wait_closed());
  EXPECT_EQ(big.close_code().value_or(0), 1009) << big.close_error();
  EXPECT_TRUE(wait_for_stderr(s.tickerd(), "debug [gateway] client 127.0.0.1"));

  // Keys that need a restart are named, in one line; the limits in the same file still apply.
  text = replace_once(text, "shards = 2\n", "shards = 3\n");
  text = replace_once(text, "backoff_max_ms = 500\n", "backoff_max_ms = 600\n");
  text = replace_once(text, "max_subscriptions = 3\n", "max_subscriptions = 2\n");
  s.dir().write("tickerd.toml", text);
  s.tickerd().send_signal(SIGHUP);
  ASSERT_TRUE(wait_for_stderr(
      s.tickerd(), "config reload: [[feeds]], [server] shards changed; needs a restart"));
  ASSERT_TRUE(
      wait_for_stderr(s.tickerd(), "config reload: limits and log level (debug) applied", 2));
  const auto lowered = subscribe_fresh(s.port(), three_channels);
  ASSERT_TRUE(lowered);
  EXPECT_EQ(lowered->json["code"].str(), "too_many_subscriptions") << lowered->raw;
  EXPECT_NE(lowered->json["message"].str().find("at most 2"), std::string::npos) << lowered->raw;
}

TEST(e2e_ops, sighup_with_a_broken_config_file_keeps_everything_and_keeps_serving) {
  stack_options o;
  o.max_subscriptions = 3;
  stack s(o);
  ASSERT_TRUE(s.start());
  const std::string good = s.config_toml();

  // Not TOML, then TOML with a value out of range: each is logged and changes nothing.
  s.dir().write("tickerd.toml", "[limits\nmax_subscriptions = 1\n");
  s.tickerd().send_signal(SIGHUP);
  ASSERT_TRUE(wait_for_stderr(s.tickerd(), "keeping the running configuration"));
  s.dir().write("tickerd.toml",
                replace_once(good, "max_subscriptions = 3\n", "max_subscriptions = 0\n"));
  s.tickerd().send_signal(SIGHUP);
  ASSERT_TRUE(wait_for_stderr(s.tickerd(), "limits.max_subscriptions: must be between"));

  EXPECT_EQ(http_get(s.port(), "/healthz").status, 200);
  const auto still = subscribe_fresh(s.port(), three_channels);
  ASSERT_TRUE(still);
  EXPECT_EQ(still->type(), "ack") << still->raw;
  ws_client c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_TRUE(c.send_text(subscribe_request(7, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(c.wait_for(typed_on("update", "ticker.BTC-USDT"))) << c.tail();
  EXPECT_EQ(s.tickerd().stderr_text().find("applied"), std::string::npos)
      << s.tickerd().stderr_text();
  EXPECT_TRUE(s.tickerd().running());
}

}  // namespace
}  // namespace tickerd::e2e
