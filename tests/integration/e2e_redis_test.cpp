// tickerd with a real redis-server: the cache and its key layout, warm restarts that keep seq,
// resume with `since` (from memory and from Redis history) and `reset` past it, Redis dying
// mid-stream, and ingest/edge nodes with a lease failover.
#include <signal.h>

#include <map>
#include <set>

#include "harness.hpp"
#include "redis_harness.hpp"

namespace tickerd::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* btc = "ticker.BTC-USDT";

std::string redis_toml(std::uint16_t redis_port, std::string_view node = "",
                       std::string_view extra_redis = "") {
  std::string t = "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_port) +
                  "\"\nprefix = \"t\"\nbackoff_initial_ms = 50\nbackoff_max_ms = 300\n"
                  "lease_ttl_ms = 1500\nwarm_start_timeout_ms = 3000\n";
  t += extra_redis;
  if (!node.empty()) t += "\n[node]\n" + std::string(node) + "\n";
  return t;
}

// One tickerd process of a multi-node test: its own port and config, the stack's sim.
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

// Connects, sends `request` and waits for its ack.
testing::AssertionResult subscribe(ws_client& c, std::uint16_t port, const std::string& request) {
  if (auto r = c.connect(port); !r) return r;
  if (auto r = c.send_text(request); !r) return r;
  if (!c.wait_for(type_is("ack"))) return testing::AssertionFailure() << "no ack: " << c.tail();
  return testing::AssertionSuccess();
}

std::vector<ws_message> of_channel(const std::vector<ws_message>& all, std::string_view type,
                                   std::string_view channel = btc) {
  std::vector<ws_message> out;
  for (const auto& m : all) {
    if (m.type() == type && m.channel() == channel) out.push_back(m);
  }
  return out;
}

std::string resume_request(std::int64_t id, std::uint64_t seq, const std::string& epoch) {
  return R"({"op":"subscribe","id":)" + std::to_string(id) + R"(,"channels":[")" + btc +
         R"("],"since":{")" + btc + R"(":{"seq":)" + std::to_string(seq) + R"(,"epoch":")" + epoch +
         R"("}}})";
}

// Waits until the node's /metrics shows tickerd_ingest_lease_held with this value.
testing::AssertionResult wait_for_lease_metric(std::uint16_t port, int held) {
  const std::string want = "\ntickerd_ingest_lease_held " + std::to_string(held) + "\n";
  const auto deadline = steady_clock::now() + 10s;
  std::string last;
  while (steady_clock::now() < deadline) {
    const auto r = http_get(port, "/metrics");
    last = r.body;
    if (r.status == 200 && r.body.find(want) != std::string::npos) {
      return testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(50ms);
  }
  return testing::AssertionFailure() << "no" << want << "in /metrics:\n" << last;
}

struct redis_e2e : testing::Test {
  stack_options options() {
    stack_options o;
    o.sim_rate = 10;
    return o;
  }
};

TEST_F(redis_e2e, the_cache_holds_state_and_history_in_the_documented_layout) {
  stack s(options());
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  node n;
  ASSERT_TRUE(n.start(s, "tickerd", redis_toml(redis.port())));
  ws_client c;
  ASSERT_TRUE(subscribe(c, n.port, subscribe_request(1, {btc})));
  ASSERT_TRUE(c.wait_for(typed_on("update", btc))) << c.tail();
  redis_sync_client check(redis.port());
  // The state hash reaches the client's latest seq, with the same data and epoch.
  const std::string epoch = of_channel(c.messages(), "update").at(0)["epoch"].str();
  ASSERT_EQ(epoch.size(), 8u) << c.tail();
  std::optional<ws_message> last;
  bool matched = false;
  for (int i = 0; i < 100 && !matched; ++i) {
    const auto updates = of_channel(c.messages(), "update");
    last = updates.back();
    const auto seq = check.hget("t:v2:state:ticker.BTC-USDT", "seq");
    // From the second update on, so the history below holds two entries to compare.
    if (seq && last->seq() >= 2 && std::stoll(*seq) == last->seq()) {
      const auto data = check.hget("t:v2:state:ticker.BTC-USDT", "data");
      ASSERT_TRUE(data.has_value());
      const auto parsed = json_value::parse(*data);
      ASSERT_TRUE(parsed.has_value()) << *data;
      EXPECT_EQ(*parsed, last->data());
      EXPECT_EQ(check.hget("t:v2:state:ticker.BTC-USDT", "epoch"), epoch);
      matched = true;
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(matched) << "Redis never caught up with seq " << last->seq();
  // History: one stream entry per update, id <seq>-0.
  const auto hist =
      check.command({"XREVRANGE", "t:v2:hist:ticker.BTC-USDT", "+", "-", "COUNT", "3"});
  ASSERT_EQ(hist.type, redis_value::kind::array);
  ASSERT_GE(hist.items.size(), 2u);
  const auto newest = std::stoll(hist.items[0].items[0].str);
  EXPECT_EQ(hist.items[1].items[0].str, std::to_string(newest - 1) + "-0");
  // Venue channels and the status channel are cached too; role "all" takes no lease.
  EXPECT_TRUE(check.hget("t:v2:state:ticker.BTC-USDT@binance", "seq").has_value());
  EXPECT_TRUE(check.hget("t:v2:state:status", "seq").has_value());
  EXPECT_EQ(check.command({"EXISTS", "t:v2:lease:ingest"}).integer, 0);
}

TEST_F(redis_e2e, a_warm_restart_keeps_seq_and_serves_the_cached_snapshot_at_once) {
  stack s(options());
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  node first;
  ASSERT_TRUE(first.start(s, "tickerd-1", redis_toml(redis.port())));
  ws_client c1;
  ASSERT_TRUE(subscribe(c1, first.port, subscribe_request(1, {btc})));
  ASSERT_TRUE(c1.wait_until([](const auto& all) { return of_channel(all, "update").size() >= 5; }));
  const auto epoch = of_channel(c1.messages(), "update").at(0)["epoch"].str();
  const auto stopped = first.process->stop();  // SIGTERM: a clean shutdown
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.str();
  const auto before = of_channel(c1.messages(), "update").back();
  s.kill_sim();  // no new data: the restarted node can only serve what Redis kept

  redis_sync_client check(redis.port());
  const auto stored = check.hget("t:v2:state:ticker.BTC-USDT", "seq");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(std::stoll(*stored), before.seq());

  node second;
  ASSERT_TRUE(second.start(s, "tickerd-2", redis_toml(redis.port())));
  ws_client c2;
  ASSERT_TRUE(subscribe(c2, second.port, subscribe_request(1, {btc})));
  const auto snap = c2.wait_for(typed_on("snapshot", btc));
  ASSERT_TRUE(snap) << c2.tail();
  EXPECT_EQ(snap->seq(), before.seq());
  EXPECT_EQ((*snap)["epoch"].str(), epoch);
  EXPECT_EQ(snap->data(), before.data());

  // New data continues the sequence.
  ASSERT_TRUE(s.start_sim());
  const auto next = c2.wait_for(typed_on("update", btc), 30s);
  ASSERT_TRUE(next) << c2.tail();
  EXPECT_EQ(next->seq(), before.seq() + 1);
  EXPECT_TRUE(check_sequences(c2.messages()));
}

// Issue 17: timestamps became µs. A release that stored ms (unversioned keys) left its state
// behind; the new node must not serve it (mixed units), so it reads only its own format's keys.
TEST_F(redis_e2e, state_stored_in_the_older_millisecond_format_is_never_served) {
  stack s(options());
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  redis_sync_client old(redis.port());
  const std::string old_data =
      R"({"symbol":"BTC-USDT","last":"1.0","ts":1764061234000,"recv_ts":1764061234001234,)"
      R"("venues":["binance"],"stale":false})";
  ASSERT_EQ(old.command({"HSET", "t:state:ticker.BTC-USDT", "seq", "41", "epoch", "0ldf0rm4",
                         "data", old_data})
                .integer,
            3);
  // No sim: the node can only serve what it reads from Redis.
  node n;
  ASSERT_TRUE(n.start(s, "tickerd", redis_toml(redis.port())));
  ws_client c;
  ASSERT_TRUE(subscribe(c, n.port, subscribe_request(1, {btc})));
  const auto snap = c.wait_for(typed_on("snapshot", btc));
  ASSERT_TRUE(snap) << c.tail();
  EXPECT_TRUE(snap->data().is_null()) << snap->raw;
  EXPECT_NE((*snap)["epoch"].str(), "0ldf0rm4") << snap->raw;
  EXPECT_EQ(old.hget("t:state:ticker.BTC-USDT", "data"), old_data) << "left as it was";
}

TEST_F(redis_e2e, resume_replays_missed_updates_and_resets_past_the_history) {
  stack s(options());
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  node n;
  ASSERT_TRUE(n.start(s, "tickerd-1", redis_toml(redis.port(), "resume_history = 20")));
  auto c1 = std::make_unique<ws_client>();
  ASSERT_TRUE(subscribe(*c1, n.port, subscribe_request(1, {btc})));
  ASSERT_TRUE(
      c1->wait_until([](const auto& all) { return of_channel(all, "update").size() >= 3; }));
  const auto left = of_channel(c1->messages(), "update").back();
  const auto epoch = of_channel(c1->messages(), "update").at(0)["epoch"].str();
  ASSERT_EQ(epoch.size(), 8u) << c1->tail();
  c1.reset();

  // A few updates later: exactly the missed ones, in order, then live; no snapshot.
  ws_client watcher;
  ASSERT_TRUE(subscribe(watcher, n.port, subscribe_request(1, {btc})));
  ASSERT_TRUE(watcher.wait_until([&](const auto& all) {
    const auto u = of_channel(all, "update");
    return !u.empty() && u.back().seq() >= left.seq() + 5;
  }));
  ws_client c2;
  ASSERT_TRUE(subscribe(c2, n.port, resume_request(2, left.seq(), epoch)));
  ASSERT_TRUE(c2.wait_until([&](const auto& all) {
    const auto u = of_channel(all, "update");
    return !u.empty() && u.back().seq() >= left.seq() + 8;
  })) << c2.tail();
  const auto got = c2.messages();
  EXPECT_TRUE(of_channel(got, "snapshot").empty()) << c2.tail();
  EXPECT_TRUE(of_channel(got, "reset").empty()) << c2.tail();
  const auto updates = of_channel(got, "update");
  for (std::size_t i = 0; i < updates.size(); ++i) {
    ASSERT_EQ(updates[i].seq(), left.seq() + 1 + static_cast<std::int64_t>(i)) << c2.tail();
  }

  // Resuming across a restart works from the Redis history.
  const auto last_seen = updates.back();
  n.process->stop();
  node again;
  ASSERT_TRUE(again.start(s, "tickerd-2", redis_toml(redis.port(), "resume_history = 20")));
  ws_client c3;
  ASSERT_TRUE(subscribe(c3, again.port, resume_request(3, last_seen.seq() - 2, epoch)));
  const auto first = c3.wait_for(typed_on("update", btc));
  ASSERT_TRUE(first) << c3.tail();
  EXPECT_EQ(first->seq(), last_seen.seq() - 1);
  EXPECT_TRUE(of_channel(c3.messages(), "reset").empty()) << c3.tail();
  const auto resumed = of_channel(c3.messages(), "update");
  for (std::size_t i = 1; i < resumed.size(); ++i) {
    EXPECT_EQ(resumed[i].seq(), resumed[i - 1].seq() + 1) << c3.tail();
  }

  // Older than the history (20 entries), or another epoch: reset, then a fresh snapshot.
  ASSERT_TRUE(c3.wait_until([&](const auto& all) {
    const auto u = of_channel(all, "update");
    return !u.empty() && u.back().seq() >= last_seen.seq() + 30;
  }));
  const auto too_old = static_cast<std::uint64_t>(last_seen.seq());
  for (const auto& [seq, ep] :
       {std::pair<std::uint64_t, std::string>{too_old, epoch},
        std::pair<std::uint64_t, std::string>{last_seen.seq(), "0bad0bad"}}) {
    ws_client c4;
    ASSERT_TRUE(subscribe(c4, again.port, resume_request(4, seq, ep)));
    const auto reset = c4.wait_for(typed_on("reset", btc));
    ASSERT_TRUE(reset) << c4.tail();
    EXPECT_EQ((*reset)["epoch"].str(), epoch);
    EXPECT_EQ((*reset)["reason"].str(), ep == epoch ? "history_gone" : "epoch_changed");
    const auto snap = c4.wait_for(typed_on("snapshot", btc), default_timeout, reset->index + 1);
    ASSERT_TRUE(snap) << c4.tail();
    EXPECT_EQ((*snap)["epoch"].str(), epoch);
  }
}

TEST_F(redis_e2e, redis_dying_mid_stream_disturbs_no_client_and_is_rewritten_after) {
  stack s(options());
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  node n;
  ASSERT_TRUE(n.start(s, "tickerd", redis_toml(redis.port())));
  ws_client c;
  ASSERT_TRUE(subscribe(c, n.port, subscribe_request(1, {btc})));
  ASSERT_TRUE(c.wait_for(typed_on("update", btc)));
  redis.kill();
  const auto at_kill = of_channel(c.messages(), "update").size();
  // Updates keep flowing while Redis is gone.
  ASSERT_TRUE(c.wait_until([&](const auto& all) {
    return of_channel(all, "update").size() >= at_kill + 10;
  })) << c.tail();
  ASSERT_TRUE(redis.start());  // empty: persistence is off
  redis_sync_client check(redis.port());
  const auto seen = of_channel(c.messages(), "update").back().seq();
  bool rewritten = false;
  for (int i = 0; i < 500 && !rewritten; ++i) {
    const auto seq = check.hget("t:v2:state:ticker.BTC-USDT", "seq");
    rewritten = seq && std::stoll(*seq) >= seen &&
                check.command({"XLEN", "t:v2:hist:ticker.BTC-USDT"}).integer > 0;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(rewritten);
  EXPECT_FALSE(c.closed()) << c.close_error();
  EXPECT_TRUE(check_sequences(c.messages()));
  EXPECT_TRUE(n.process->running());
}

TEST_F(redis_e2e, a_hung_redis_never_pauses_the_clients) {
  stack s(options());
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  node n;
  ASSERT_TRUE(n.start(s, "tickerd", redis_toml(redis.port(), "", "command_timeout_ms = 500\n")));
  ws_client c;
  ASSERT_TRUE(subscribe(c, n.port, subscribe_request(1, {btc})));
  ASSERT_TRUE(c.wait_for(typed_on("update", btc)));
  ::kill(redis.pid(), SIGSTOP);  // accepts nothing, answers nothing
  const auto at_stop = of_channel(c.messages(), "update").size();
  const bool flowing = c.wait_until(
      [&](const auto& all) { return of_channel(all, "update").size() >= at_stop + 20; });
  ::kill(redis.pid(), SIGCONT);
  ASSERT_TRUE(flowing) << c.tail();
  // Once Redis answers again the state catches up.
  redis_sync_client check(redis.port());
  const auto seen = of_channel(c.messages(), "update").back().seq();
  bool caught_up = false;
  for (int i = 0; i < 500 && !caught_up; ++i) {
    const auto seq = check.hget("t:v2:state:ticker.BTC-USDT", "seq");
    caught_up = seq && std::stoll(*seq) >= seen;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(caught_up);
  EXPECT_FALSE(c.closed());
  EXPECT_TRUE(check_sequences(c.messages()));
}

TEST_F(redis_e2e, edges_deliver_the_ingest_sequence_and_survive_an_ingest_failover) {
  stack s(options());
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  node ingest_a;
  node ingest_b;
  node edge_1;
  node edge_2;
  ASSERT_TRUE(
      ingest_a.start(s, "ingest-a", redis_toml(redis.port(), "role = \"ingest\"\nid = \"a\"")));
  redis_sync_client check(redis.port());
  // "a" takes the lease before "b" starts, so the failover below is from a to b.
  for (int i = 0; i < 250 && check.command({"GET", "t:v2:lease:ingest"}).str != "a"; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(check.command({"GET", "t:v2:lease:ingest"}).str, "a");
  ASSERT_TRUE(
      ingest_b.start(s, "ingest-b", redis_toml(redis.port(), "role = \"ingest\"\nid = \"b\"")));
  // /metrics says which ingest node holds the lease (docs/OPERATIONS.md "Metrics").
  EXPECT_TRUE(wait_for_lease_metric(ingest_a.port, 1));
  EXPECT_TRUE(wait_for_lease_metric(ingest_b.port, 0));
  ASSERT_TRUE(edge_1.start(s, "edge-1", redis_toml(redis.port(), "role = \"edge\"")));
  ASSERT_TRUE(edge_2.start(s, "edge-2", redis_toml(redis.port(), "role = \"edge\"")));
  ws_client c1;
  ws_client c2;
  ASSERT_TRUE(subscribe(c1, edge_1.port, subscribe_request(1, {btc})));
  ASSERT_TRUE(subscribe(c2, edge_2.port, subscribe_request(1, {btc})));
  const auto enough = [](std::size_t n) {
    return
        [n](const std::vector<ws_message>& all) { return of_channel(all, "update").size() >= n; };
  };
  ASSERT_TRUE(c1.wait_until(enough(10))) << c1.tail();
  ASSERT_TRUE(c2.wait_until(enough(10))) << c2.tail();

  // The active ingest dies; the standby takes the lease and continues the sequence.
  ingest_a.process->kill_now();
  const auto at_kill = of_channel(c1.messages(), "update").size();
  ASSERT_TRUE(c1.wait_until(enough(at_kill + 10), 30s)) << c1.tail();
  ASSERT_TRUE(c2.wait_until(enough(at_kill + 10), 30s)) << c2.tail();
  EXPECT_EQ(check.command({"GET", "t:v2:lease:ingest"}).str, "b");
  EXPECT_TRUE(wait_for_lease_metric(ingest_b.port, 1));

  // Both edges: strictly rising seq, never a duplicate, and for every seq they both have,
  // the same payload.
  std::map<std::int64_t, std::string> by_seq_1;
  for (const auto& edge : {&c1, &c2}) {
    std::int64_t prev = 0;
    std::set<std::int64_t> seen;
    for (const auto& m : edge->messages()) {
      if (m.channel() != btc || (m.type() != "update" && m.type() != "snapshot")) continue;
      EXPECT_GT(m.seq(), prev) << edge->tail();
      EXPECT_TRUE(seen.insert(m.seq()).second) << "duplicate seq " << m.seq();
      prev = m.seq();
      if (m.type() != "update") continue;
      const std::string data = m.raw.substr(m.raw.find("\"data\":"));
      if (edge == &c1) {
        by_seq_1[m.seq()] = data;
      } else if (const auto it = by_seq_1.find(m.seq()); it != by_seq_1.end()) {
        EXPECT_EQ(it->second, data) << "seq " << m.seq();
      }
    }
  }
  EXPECT_TRUE(check_sequences(c1.messages())) << "a failover must not leave a hole";
  // An edge's /v1/feeds shows the ingest node's feeds, from the status channel.
  const auto feeds = http_get(edge_1.port, "/v1/feeds");
  ASSERT_EQ(feeds.status, 200);
  const auto parsed = json_value::parse(feeds.body);
  ASSERT_TRUE(parsed.has_value()) << feeds.body;
  EXPECT_EQ(feed_entry(*parsed, "binance")["state"].str(), "up") << feeds.body;
  EXPECT_TRUE(check_sequences(c2.messages()));
}

// The edge's bus misses updates and comes back while the edge cannot read Redis' state yet (the
// order a real reconnect can take: bus first, data later): it must not hand on the seq gap, but
// fill it from Redis' history once it can read again. The edge logs in as its own ACL user, so
// the test can take rights from it alone.
TEST_F(redis_e2e, an_edge_fills_a_gap_on_its_bus_from_the_history_before_going_on) {
  stack s(options());
  redis_server redis(s.dir());
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(s.start_sim());
  redis_sync_client check(redis.port());
  const auto acl = [&](std::vector<std::string> rules) {
    rules.insert(rules.begin(), {"ACL", "SETUSER", "edge"});
    return check.command(rules).str;
  };
  ASSERT_EQ(acl({"on", ">pw", "~*", "&*", "+@all"}), "OK");
  node ingest;
  node edge;
  ASSERT_TRUE(ingest.start(s, "ingest", redis_toml(redis.port(), "role = \"ingest\"\nid = \"a\"")));
  ASSERT_TRUE(edge.start(
      s, "edge",
      redis_toml(redis.port(), "role = \"edge\"", "username = \"edge\"\npassword = \"pw\"\n")));
  ws_client c;
  ASSERT_TRUE(subscribe(c, edge.port, subscribe_request(1, {btc})));
  const auto updates = [](std::size_t n) {
    return
        [n](const std::vector<ws_message>& all) { return of_channel(all, "update").size() >= n; };
  };
  ASSERT_TRUE(c.wait_until(updates(3))) << c.tail();
  const auto redis_seq = [&] {
    return std::stoll(check.hget(std::string("t:v2:state:") + btc, "seq").value_or("0"));
  };
  const auto wait_for_seq = [&](long long seq) {
    for (int i = 0; i < 1500 && redis_seq() < seq; ++i) std::this_thread::sleep_for(20ms);
    return redis_seq() >= seq;
  };

  // The bus goes and cannot log in again (the data connection stays); updates go on.
  ASSERT_EQ(acl({"off"}), "OK");
  ASSERT_EQ(check.command({"CLIENT", "KILL", "USER", "edge", "TYPE", "pubsub"}).integer, 1);
  ASSERT_TRUE(wait_for_seq(redis_seq() + 5));
  // The bus comes back, but reading the state is refused: what the bus carries now is past a gap.
  ASSERT_EQ(acl({"on", "-hmget"}), "OK");
  bool bus_back = false;
  for (int i = 0; i < 1500 && !bus_back; ++i) {
    bus_back = check.command({"CLIENT", "LIST", "TYPE", "pubsub"}).str.find("user=edge") !=
               std::string::npos;
    if (!bus_back) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(bus_back);
  ASSERT_TRUE(wait_for_seq(redis_seq() + 3));
  // Readable again: the edge catches up from the history, in order, then goes on live.
  ASSERT_EQ(acl({"+hmget"}), "OK");
  const auto target = static_cast<std::int64_t>(redis_seq() + 3);
  ASSERT_TRUE(c.wait_until(
      [&](const std::vector<ws_message>& all) {
        const auto u = of_channel(all, "update");
        return !u.empty() && u.back().seq() >= target;
      },
      30s))
      << c.tail();
  EXPECT_TRUE(of_channel(c.messages(), "reset").empty()) << c.tail();
  EXPECT_TRUE(check_sequences(c.messages())) << "a missed bus message must not become a seq gap";
}

}  // namespace
}  // namespace tickerd::e2e
