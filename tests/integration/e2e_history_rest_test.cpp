// GET /v1/trades and GET /v1/candles end to end (docs/PROTOCOL.md "HTTP"): what REST returns
// equals what the channels sent; closed candles survive a restart with Redis; an edge node
// answers from Redis; refusals.
//
// Time: a candle closes at a UTC minute boundary. No test waits for one: the capture is written
// when the test runs, its trades stamped now and its last ones exactly at the next boundary
// (never more than 60 s ahead, which tickerd accepts), and a trade at or past the forming
// candle's end closes it at once (docs/PROTOCOL.md "Candle data").
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "redis_harness.hpp"

namespace tickerd::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* venue_trades = "trades.BTC-USDT@binance";
constexpr const char* tape_trades = "trades.BTC-USDT";
constexpr const char* venue_candles = "candles.BTC-USDT@binance.1m";
constexpr const char* tape_candles = "candles.BTC-USDT.1m";

std::int64_t wall_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string trade_frame(int id, std::string_view price, std::string_view qty, std::int64_t t_ms,
                        bool maker) {
  return R"({"stream":"btcusdt@trade","data":{"e":"trade","E":)" + std::to_string(t_ms) +
         R"(,"s":"BTCUSDT","t":)" + std::to_string(id) + R"(,"p":")" + std::string(price) +
         R"(","q":")" + std::string(qty) + R"(","T":)" + std::to_string(t_ms) + R"(,"m":)" +
         (maker ? "true" : "false") + R"(,"M":true}})";
}

// Three trades now, then two at the next minute boundary: the first closes the forming 1m
// candle, which then holds the three. Written just before the sim starts; a boundary less than
// 3 s away is let pass first (a clock condition, bounded by 3 s), so the trades stamped "now"
// cannot turn late on their way.
std::string candle_capture() {
  constexpr std::int64_t minute_ms = 60'000;
  std::int64_t now = wall_ms_now();
  while ((now / minute_ms + 1) * minute_ms - now < 3'000) {
    std::this_thread::sleep_for(100ms);
    now = wall_ms_now();
  }
  const std::int64_t boundary = (now / minute_ms + 1) * minute_ms;
  std::string c = "# written by e2e_history_rest_test\n";
  c += "@0 " + trade_frame(1001, "85205.70000000", "0.50000000", now, false) + "\n";
  c += "@0 " + trade_frame(1002, "85210.10000000", "0.25000000", now + 1, true) + "\n";
  c += "@50 " + trade_frame(1003, "85199.99000000", "1.00000000", now + 2, false) + "\n";
  c += "@100 " + trade_frame(1004, "85201.00000000", "0.10000000", boundary, true) + "\n";
  c += "@150 " + trade_frame(1005, "85202.00000000", "0.20000000", boundary + 1, false) + "\n";
  return c;
}

std::string node_config(std::uint16_t port, std::uint16_t sim_port, const std::string& extra) {
  return "[server]\nlisten = \"127.0.0.1:" + std::to_string(port) +
         "\"\nshards = 2\nweb_root = \"" + TICKERD_SOURCE_DIR +
         "/web\"\n\n[log]\nlevel = \"info\"\n\n[market]\nsymbols = [\"BTC-USDT\"]\n\n"
         "[[feeds]]\nvenue = \"binance\"\nurl = \"ws://127.0.0.1:" +
         std::to_string(sim_port) +
         "/stream\"\nstale_after_ms = 60000\nbackoff_initial_ms = 50\nbackoff_max_ms = 200\n\n" +
         extra;
}

std::string redis_toml(std::uint16_t redis_port, std::string_view node = "") {
  std::string t = "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_port) +
                  "\"\nprefix = \"t\"\nbackoff_initial_ms = 50\nbackoff_max_ms = 300\n"
                  "lease_ttl_ms = 1500\nwarm_start_timeout_ms = 3000\n";
  if (!node.empty()) t += "\n[node]\n" + std::string(node) + "\n";
  return t;
}

// A tickerd process with its config in the test's directory.
struct node {
  std::uint16_t port = free_port();
  std::unique_ptr<child_process> process;

  testing::AssertionResult start(const temp_dir& dir, const std::string& name,
                                 std::uint16_t sim_port, const std::string& extra) {
    const auto config = dir.write(name + ".toml", node_config(port, sim_port, extra));
    process = std::make_unique<child_process>();
    if (auto r = process->spawn({TICKERD_BIN, "--config", config.string()}, dir.path(), name); !r) {
      return r;
    }
    return wait_for_http_200(port, "/healthz", start_timeout, process.get());
  }
};

// The replaying sim of one test, serving the capture written at start().
struct replay_sim {
  std::uint16_t port = free_port();
  child_process process;

  testing::AssertionResult start(const temp_dir& dir) {
    const auto capture = dir.write("capture.jsonl", candle_capture());
    if (auto r = process.spawn({TICKERD_SIM_BIN, "--listen", "127.0.0.1:" + std::to_string(port),
                                "--replay", capture.string(), "--venue", "binance"},
                               dir.path(), "sim");
        !r) {
      return r;
    }
    return process.wait_for_stdout_line(
        "tickerd-sim listening on 127.0.0.1:" + std::to_string(port), start_timeout);
  }
};

std::vector<ws_message> updates_of(const std::vector<ws_message>& all, std::string_view channel) {
  std::vector<ws_message> out;
  for (const auto& m : all) {
    if (m.type() == "update" && m.channel() == channel) out.push_back(m);
  }
  return out;
}

// Every trade a trades channel sent, in order.
std::vector<json_value> sent_trades(const std::vector<ws_message>& all, std::string_view channel) {
  std::vector<json_value> out;
  for (const auto& u : updates_of(all, channel)) {
    for (const auto& t : u.data()["trades"].items()) out.push_back(t);
  }
  return out;
}

bool has_closed(const std::vector<ws_message>& all, std::string_view channel) {
  const auto us = updates_of(all, channel);
  return std::any_of(us.begin(), us.end(),
                     [](const ws_message& m) { return m.data()["closed"].boolean(); });
}

// The candles a channel sent, the last update per open time (closed ones are final).
std::vector<json_value> sent_candles(const std::vector<ws_message>& all, std::string_view channel) {
  std::vector<json_value> out;
  for (const auto& u : updates_of(all, channel)) {
    const auto& c = u.data();
    if (!out.empty() && out.back()["open_time"].integer() == c["open_time"].integer()) {
      out.back() = c;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

json_value get_json(std::uint16_t port, const std::string& target, int status = 200) {
  const auto r = http_get(port, target);
  EXPECT_EQ(r.status, status) << target << ": " << r.body << r.error;
  EXPECT_EQ(r.content_type, "application/json") << target;
  auto j = json_value::parse(r.body);
  EXPECT_TRUE(j) << target << ": " << r.body;
  return j ? *j : json_value{};
}

// Every closed candle the channel sent is in the REST answer, equal; and the REST answer ends
// with the channel's forming candle when it has one.
testing::AssertionResult rest_matches_channel_unexplained(const json_value& rest,
                                                          const std::vector<json_value>& sent) {
  const auto& got = rest["candles"].items();
  std::size_t closed = 0;
  for (const auto& c : sent) {
    const auto it = std::find_if(got.begin(), got.end(), [&](const json_value& g) {
      return g["open_time"].integer() == c["open_time"].integer();
    });
    if (c["closed"].boolean()) {
      ++closed;
      if (it == got.end() || !(*it == c)) {
        return testing::AssertionFailure()
               << "closed candle " << c["open_time"].integer() << " not served as sent";
      }
    } else if (&c == &sent.back() && (got.empty() || !(got.back() == c))) {
      return testing::AssertionFailure() << "the forming candle is not the last one served";
    }
  }
  if (closed == 0) return testing::AssertionFailure() << "the channel sent no closed candle";
  for (std::size_t i = 1; i < got.size(); ++i) {
    if (got[i]["open_time"].integer() <= got[i - 1]["open_time"].integer()) {
      return testing::AssertionFailure() << "candles not oldest first";
    }
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult rest_matches_channel(const json_value& rest,
                                              const std::vector<json_value>& sent) {
  auto r = rest_matches_channel_unexplained(rest, sent);
  if (r) return r;
  r << "\nserved: " << rest["candles"].size() << " candles; sent:";
  for (const auto& c : sent) {
    r << " " << c["open_time"].integer() << (c["closed"].boolean() ? "/closed" : "/forming") << "/"
      << c["trades"].integer();
  }
  r << "; served:";
  for (const auto& c : rest["candles"].items()) {
    r << " " << c["open_time"].integer() << (c["closed"].boolean() ? "/closed" : "/forming") << "/"
      << c["trades"].integer();
  }
  return r;
}

// Subscribes and waits for the (empty) snapshots.
testing::AssertionResult subscribe_all(ws_client& c, std::uint16_t port,
                                       const std::vector<std::string>& channels) {
  if (auto r = c.connect(port); !r) return r;
  if (auto r = c.send_text(subscribe_request(1, channels)); !r) return r;
  for (const auto& ch : channels) {
    if (!c.wait_for(typed_on("snapshot", ch))) {
      return testing::AssertionFailure() << "no snapshot of " << ch << c.tail();
    }
  }
  return testing::AssertionSuccess();
}

// Waits until all five trades reached both trades channels and both candle channels closed
// their candle and sent the next one's first update.
testing::AssertionResult wait_for_capture(ws_client& c) {
  const bool ok = c.wait_until([](const std::vector<ws_message>& all) {
    return sent_trades(all, venue_trades).size() >= 5 &&
           sent_trades(all, tape_trades).size() >= 5 && has_closed(all, venue_candles) &&
           has_closed(all, tape_candles) &&
           !sent_candles(all, venue_candles).back()["closed"].boolean() &&
           sent_candles(all, venue_candles).back()["trades"].integer() >= 2 &&
           !sent_candles(all, tape_candles).back()["closed"].boolean() &&
           sent_candles(all, tape_candles).back()["trades"].integer() >= 2;
  });
  if (!ok) return testing::AssertionFailure() << "the capture did not arrive: " << c.tail();
  return testing::AssertionSuccess();
}

TEST(history_rest, trades_and_candles_equal_what_the_channels_sent) {
  temp_dir dir("history-rest");
  replay_sim sim;
  node n;
  ASSERT_TRUE(n.start(dir, "tickerd", sim.port, ""));
  ws_client c;
  ASSERT_TRUE(subscribe_all(c, n.port, {venue_trades, tape_trades, venue_candles, tape_candles}));
  ASSERT_TRUE(sim.start(dir));
  ASSERT_TRUE(wait_for_capture(c));
  const auto all = c.messages();

  // Trades: the same objects, oldest first, numbered like the channel.
  const auto venue_sent = sent_trades(all, venue_trades);
  auto rest = get_json(n.port, "/v1/trades/BTC-USDT?venue=binance");
  EXPECT_EQ(rest["symbol"].str(), "BTC-USDT");
  EXPECT_EQ(rest["venue"].str(), "binance");
  EXPECT_EQ(rest["first"].integer(),
            updates_of(all, venue_trades).front().data()["first"].integer());
  EXPECT_EQ(rest["count"].integer(), 5);
  EXPECT_EQ(rest["epoch"].str(), updates_of(all, venue_trades).front()["epoch"].str());
  EXPECT_TRUE(rest["trades"].items() == venue_sent);
  EXPECT_EQ(rest["trades"][0]["id"].str(), "1001");
  rest = get_json(n.port, "/v1/trades/BTC-USDT?venue=binance&limit=2");
  EXPECT_EQ(rest["first"].integer(), venue_sent.size() == 5 ? 4 : -1);
  EXPECT_TRUE(rest["trades"].items() ==
              std::vector<json_value>(venue_sent.end() - 2, venue_sent.end()));
  rest = get_json(n.port, "/v1/trades/BTC-USDT");
  EXPECT_FALSE(rest.has("venue"));
  EXPECT_TRUE(rest["trades"].items() == sent_trades(all, tape_trades));
  EXPECT_EQ(rest["trades"][0]["venue"].str(), "binance");

  // Candles: the closed one exactly as the channel sent it, then the forming one.
  auto candles = get_json(n.port, "/v1/candles/BTC-USDT?venue=binance&interval=1m");
  EXPECT_EQ(candles["symbol"].str(), "BTC-USDT");
  EXPECT_EQ(candles["interval"].str(), "1m");
  EXPECT_EQ(candles["venue"].str(), "binance");
  EXPECT_TRUE(rest_matches_channel(candles, sent_candles(all, venue_candles)));
  const auto closed = std::find_if(
      candles["candles"].items().begin(), candles["candles"].items().end(),
      [](const json_value& v) { return v["closed"].boolean() && v["trades"].integer() == 3; });
  ASSERT_NE(closed, candles["candles"].items().end()) << "no closed candle of the three trades";
  EXPECT_EQ((*closed)["high"].str(), "85210.10000000");
  EXPECT_EQ((*closed)["volume_base"].str(), "1.75000000");
  const auto tape = get_json(n.port, "/v1/candles/BTC-USDT?interval=1m");
  EXPECT_FALSE(tape.has("venue"));
  EXPECT_TRUE(rest_matches_channel(tape, sent_candles(all, tape_candles)));
  // Paging: start at the closed candle's open time, one at a time.
  const auto start = (*closed)["open_time"].integer();
  const auto page =
      get_json(n.port, "/v1/candles/BTC-USDT?venue=binance&limit=1&start=" + std::to_string(start));
  ASSERT_EQ(page["candles"].size(), 1u);
  EXPECT_TRUE(page["candles"][0] == *closed);
  const auto newest = get_json(n.port, "/v1/candles/BTC-USDT?venue=binance&limit=1");
  ASSERT_EQ(newest["candles"].size(), 1u);
  EXPECT_FALSE(newest["candles"][0]["closed"].boolean());
  // HEAD: the headers alone.
  const auto head = http_request(n.port, "HEAD", "/v1/candles/BTC-USDT?venue=binance");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());

  // Refusals.
  EXPECT_EQ(get_json(n.port, "/v1/candles/DOGE-EUR", 404)["error"].str(), "unknown_symbol");
  EXPECT_EQ(get_json(n.port, "/v1/trades/DOGE-EUR", 404)["error"].str(), "unknown_symbol");
  EXPECT_EQ(get_json(n.port, "/v1/candles/BTC-USDT?interval=2m", 400)["error"].str(),
            "bad_interval");
  EXPECT_EQ(get_json(n.port, "/v1/candles/BTC-USDT?limit=1001", 400)["error"].str(), "bad_limit");
  EXPECT_EQ(get_json(n.port, "/v1/trades/BTC-USDT?limit=1001", 400)["error"].str(), "bad_limit");
  EXPECT_EQ(get_json(n.port, "/v1/trades/BTC-USDT?venue=ftx", 400)["error"].str(), "bad_venue");
  EXPECT_EQ(get_json(n.port, "/v1/candles/BTC-USDT?venue=okx", 404)["error"].str(),
            "unknown_channel");
  EXPECT_EQ(get_json(n.port, "/v1/candles/BTC-USDT?start=x", 400)["error"].str(), "bad_time");
}

TEST(history_rest, closed_candles_survive_a_restart_with_redis) {
  temp_dir dir("history-restart");
  redis_server redis(dir);
  ASSERT_TRUE(redis.start());
  replay_sim sim;
  node first;
  ASSERT_TRUE(first.start(dir, "tickerd-1", sim.port, redis_toml(redis.port())));
  ws_client client;
  ASSERT_TRUE(
      subscribe_all(client, first.port, {venue_trades, tape_trades, venue_candles, tape_candles}));
  ASSERT_TRUE(sim.start(dir));
  ASSERT_TRUE(wait_for_capture(client));
  const auto venue_sent = sent_candles(client.messages(), venue_candles);
  const auto tape_sent = sent_candles(client.messages(), tape_candles);
  const auto stopped = first.process->stop();
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.str();
  sim.process.stop();  // no new trades: the restarted node has only what Redis kept

  redis_sync_client check(redis.port());
  const auto stored = check.command({"ZCARD", "t:v2:candles:" + std::string(venue_candles)});
  EXPECT_GE(stored.integer, 1) << stored.str;

  node second;
  ASSERT_TRUE(second.start(dir, "tickerd-2", sim.port, redis_toml(redis.port())));
  for (const auto& [target, sent] :
       {std::pair{std::string("/v1/candles/BTC-USDT?venue=binance"), venue_sent},
        std::pair{std::string("/v1/candles/BTC-USDT"), tape_sent}}) {
    const auto rest = get_json(second.port, target);
    std::size_t found = 0;
    for (const auto& candle : sent) {
      if (!candle["closed"].boolean()) continue;
      const auto& got = rest["candles"].items();
      EXPECT_TRUE(
          std::any_of(got.begin(), got.end(), [&](const json_value& g) { return g == candle; }))
          << target << " lost the closed candle " << candle["open_time"].integer();
      ++found;
    }
    EXPECT_GE(found, 1u) << target;
  }
}

TEST(history_rest, an_edge_serves_candles_from_redis) {
  temp_dir dir("history-edge");
  redis_server redis(dir);
  ASSERT_TRUE(redis.start());
  replay_sim sim;
  node ingest;
  node edge;
  ASSERT_TRUE(ingest.start(dir, "ingest", sim.port,
                           redis_toml(redis.port(), "role = \"ingest\"\nid = \"a\"")));
  ASSERT_TRUE(edge.start(dir, "edge", sim.port, redis_toml(redis.port(), "role = \"edge\"")));
  ws_client c;
  ASSERT_TRUE(
      subscribe_all(c, edge.port, {venue_trades, tape_trades, venue_candles, tape_candles}));
  ASSERT_TRUE(sim.start(dir));
  ASSERT_TRUE(wait_for_capture(c));
  const auto all = c.messages();
  // The bus message came after the script wrote the candle: Redis has it. The forming candle
  // is the latest update the answering shard holds, which may trail the client's shard by a
  // moment: wait (with a deadline) until it has caught up.
  const auto edge_matches = [&](const std::string& target, const char* channel) {
    testing::AssertionResult r = testing::AssertionFailure();
    const auto deadline = steady_clock::now() + 10s;
    do {
      r = rest_matches_channel(get_json(edge.port, target), sent_candles(all, channel));
      if (r) break;
      std::this_thread::sleep_for(20ms);
    } while (steady_clock::now() < deadline);
    return r;
  };
  EXPECT_TRUE(edge_matches("/v1/candles/BTC-USDT?venue=binance", venue_candles));
  EXPECT_TRUE(edge_matches("/v1/candles/BTC-USDT", tape_candles));
  // The ingest node answers from its builders: the same closed candles.
  EXPECT_TRUE(rest_matches_channel(get_json(ingest.port, "/v1/candles/BTC-USDT?venue=binance"),
                                   sent_candles(all, venue_candles)));
  // Trades on the edge, from its shards' recent updates.
  const auto trades = get_json(edge.port, "/v1/trades/BTC-USDT?venue=binance");
  EXPECT_TRUE(trades["trades"].items() == sent_trades(all, venue_trades));
  // Paging forward on the edge, from Redis.
  const auto closed = std::find_if(all.begin(), all.end(), [](const ws_message& m) {
    return m.type() == "update" && m.channel() == venue_candles && m.data()["closed"].boolean();
  });
  ASSERT_NE(closed, all.end());
  const auto page = get_json(edge.port, "/v1/candles/BTC-USDT?venue=binance&limit=1&start=" +
                                            std::to_string(closed->data()["open_time"].integer()));
  ASSERT_EQ(page["candles"].size(), 1u);
  EXPECT_TRUE(page["candles"][0] == closed->data());
}

}  // namespace
}  // namespace tickerd::e2e
