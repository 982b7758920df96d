// An edge whose ingest node dies (SIGKILL) or hangs (SIGSTOP) tells its clients within
// [node] bus_silence_ms (a `status` message, every snapshot `stale`), answers /readyz 503, and
// when the ingest node is back un-stales everything with no seq gap. /readyz on a node with no
// feed up.
#include <signal.h>

#include <string>

#include "harness.hpp"
#include "redis_harness.hpp"

namespace tickerd::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* btc = "ticker.BTC-USDT";
constexpr const char* beat = "heartbeat_interval_ms = 200\nbus_silence_ms = 2000\n";

std::string redis_toml(std::uint16_t redis_port, const std::string& node) {
  return "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_port) +
         "\"\nprefix = \"t\"\nbackoff_initial_ms = 50\nbackoff_max_ms = 300\n"
         "lease_ttl_ms = 1500\nwarm_start_timeout_ms = 3000\n\n[node]\n" +
         node + beat;
}

struct node {
  std::uint16_t port = free_port();
  std::unique_ptr<child_process> process;

  testing::AssertionResult start(const stack& s, const std::string& name,
                                 const std::string& extra_toml) {
    auto options = s.options();
    options.extra_toml = extra_toml;
    const auto config = s.dir().write(name + ".toml", tickerd_config(port, s.sim_port(), options));
    process = std::make_unique<child_process>();
    if (auto r = process->spawn({TICKERD_BIN, "--config", config.string()}, s.dir().path(), name);
        !r) {
      return r;
    }
    return wait_for_http_200(port, "/healthz", start_timeout, process.get());
  }
};

// Polls GET /readyz until it answers `status` (and, for 503, names `reason`).
testing::AssertionResult wait_readyz(std::uint16_t port, int status, std::string_view reason = {},
                                     duration timeout = default_timeout) {
  const auto deadline = steady_clock::now() + timeout;
  http_response last;
  while (steady_clock::now() < deadline) {
    last = http_get(port, "/readyz");
    if (last.status == status && last.body.find(reason) != std::string::npos) {
      return testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(50ms);
  }
  return testing::AssertionFailure() << "/readyz never answered " << status << " " << reason
                                     << "; last: " << last.status << " " << last.body;
}

ws_client::predicate status_is(bool stale) {
  return [stale](const ws_message& m) {
    return m.type() == "status" && m["stale"].is_bool() && m["stale"].boolean() == stale;
  };
}

std::size_t updates_on(const std::vector<ws_message>& all, std::string_view channel) {
  return count_of(all, "update", channel);
}

// Both ways of losing the ingest node: killed (then a new process) or stopped (then resumed).
void lose_and_recover(bool kill) {
  stack_options o;
  o.sim_rate = 10;
  stack s(o);
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  node ingest;
  node edge;
  ASSERT_TRUE(ingest.start(s, "ingest", redis_toml(redis.port(), "role = \"ingest\"\n")));
  ASSERT_TRUE(edge.start(s, "edge", redis_toml(redis.port(), "role = \"edge\"\n")));
  ASSERT_TRUE(wait_readyz(edge.port, 200));

  ws_client c;
  ASSERT_TRUE(c.connect(edge.port));
  ASSERT_TRUE(c.send_text(subscribe_request(1, {btc})));
  ASSERT_TRUE(c.wait_until([](const auto& all) { return updates_on(all, btc) >= 3; })) << c.tail();
  ASSERT_FALSE(c.wait_for(type_is("status"), 0ms)) << "stale before anything happened";

  if (kill) {
    ingest.process->kill_now();
  } else {
    ::kill(ingest.process->pid(), SIGSTOP);
  }
  const auto lost = c.wait_for(status_is(true));
  ASSERT_TRUE(lost) << c.tail();
  EXPECT_EQ((*lost)["reason"].str(), "ingest_lost") << lost->raw;
  EXPECT_TRUE((*lost)["message"].is_string()) << lost->raw;
  EXPECT_TRUE(wait_readyz(edge.port, 503, "ingest_lost"));
  EXPECT_EQ(http_get(edge.port, "/healthz").status, 200);  // liveness is not readiness

  // A client arriving now is told, and its snapshot says stale; so does HTTP.
  ws_client late;
  ASSERT_TRUE(late.connect(edge.port));
  ASSERT_TRUE(late.send_text(subscribe_request(1, {btc})));
  const auto snap = late.wait_for(typed_on("snapshot", btc));
  ASSERT_TRUE(snap) << late.tail();
  EXPECT_TRUE((*snap)["stale"].boolean()) << snap->raw;
  EXPECT_TRUE(late.wait_for(status_is(true), 0ms)) << late.tail();
  const auto ticker = json_value::parse(http_get(edge.port, "/v1/ticker/BTC-USDT").body);
  ASSERT_TRUE(ticker.has_value());
  EXPECT_TRUE((*ticker)["stale"].boolean());

  const auto seen_while_lost = updates_on(c.messages(), btc);
  if (kill) {
    ASSERT_TRUE(ingest.start(s, "ingest-2", redis_toml(redis.port(), "role = \"ingest\"\n")));
  } else {
    ::kill(ingest.process->pid(), SIGCONT);
  }
  const auto back = c.wait_for(status_is(false), 30s, lost->index + 1);
  ASSERT_TRUE(back) << c.tail();
  ASSERT_TRUE(c.wait_until(
      [&](const auto& all) { return updates_on(all, btc) >= seen_while_lost + 5; }, 30s))
      << c.tail();
  EXPECT_TRUE(check_sequences(c.messages())) << "no seq gap across the outage";
  EXPECT_TRUE(wait_readyz(edge.port, 200));
  ws_client after;
  ASSERT_TRUE(after.connect(edge.port));
  ASSERT_TRUE(after.send_text(subscribe_request(1, {btc})));
  const auto fresh = after.wait_for(typed_on("snapshot", btc));
  ASSERT_TRUE(fresh) << after.tail();
  EXPECT_FALSE((*fresh).json.has("stale")) << fresh->raw;
  EXPECT_FALSE(c.closed()) << c.close_error();
}

TEST(upstream_e2e, an_edge_goes_stale_when_its_ingest_is_killed_and_recovers_after_a_restart) {
  lose_and_recover(true);
}

TEST(upstream_e2e, an_edge_goes_stale_when_its_ingest_is_stopped_and_recovers_when_resumed) {
  lose_and_recover(false);
}

TEST(upstream_e2e, readyz_waits_for_a_feed_and_sigterm_without_clients_stops_at_once) {
  stack s;
  auto text = s.config_toml();
  text.insert(text.find("[server]\n") + 9, "drain_ms = 3000\n");
  const auto config = s.dir().write("tickerd.toml", text);
  child_process tickerd;
  ASSERT_TRUE(tickerd.spawn({TICKERD_BIN, "--config", config.string()}, s.dir().path(), "tickerd"));
  ASSERT_TRUE(wait_for_http_200(s.port(), "/healthz", start_timeout, &tickerd));
  // No sim yet: the feed cannot be up.
  const auto none = http_get(s.port(), "/readyz");
  EXPECT_EQ(none.status, 503) << none.body;
  EXPECT_EQ(none.body, R"({"ready":false,"reasons":["no_feed_up"]})");
  ASSERT_TRUE(s.start_sim());
  ASSERT_TRUE(wait_readyz(s.port(), 200));
  EXPECT_EQ(http_get(s.port(), "/readyz").body, R"({"ready":true})");

  // With no client to drain, SIGTERM stops at once (e2e_drain_test.cpp: /readyz while draining).
  tickerd.send_signal(SIGTERM);
  const auto done = tickerd.wait_exit(stop_grace);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->exited && done->code == 0) << done->str();
}

}  // namespace
}  // namespace tickerd::e2e
