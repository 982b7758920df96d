// tickerd-sim --replay end to end: tickerd starts first, against a port where nothing listens
// yet; a client subscribes to the venue's channels; then the sim starts on that port serving a
// hand-written capture (tests/data/replay/), and the client must see exactly the updates the
// capture implies, worked out by hand below. Also: the sim refuses a bad capture or command
// line with status 2 and FILE:LINE.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "redis_harness.hpp"
#include "sim_refusal.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string data_dir = std::string(TICKERD_SOURCE_DIR) + "/tests/data/replay/";

// tickerd with one feed, `venue` at `url`: a short backoff so it connects soon after the sim
// starts, and a staleness window far longer than the test so no stale republish interferes.
std::string one_feed_config(std::uint16_t port, std::string_view venue, const std::string& url,
                            const std::vector<std::string>& symbols) {
  std::string list;
  for (const auto& s : symbols) list += (list.empty() ? "\"" : ", \"") + s + "\"";
  return "[server]\nlisten = \"127.0.0.1:" + std::to_string(port) +
         "\"\nshards = 1\nweb_root = \"" + TICKERD_SOURCE_DIR +
         "/web\"\n\n[log]\nlevel = \"info\"\n\n[market]\nsymbols = [" + list +
         "]\n\n[[feeds]]\nvenue = \"" + std::string(venue) + "\"\nurl = \"" + url +
         "\"\nstale_after_ms = 60000\nbackoff_initial_ms = 50\nbackoff_max_ms = 200\n";
}

// One expected update: the data object without recv_ts (the one field a capture cannot fix).
struct expected_update {
  std::int64_t seq;
  std::string data;  // JSON text, "recv_ts" left out
};

// `data` must equal `expected` with the actual recv_ts put back in its documented place
// (after "ts"): every field, its order and its JSON type.
testing::AssertionResult same_data(const json_value& data, const std::string& expected) {
  if (!data["recv_ts"].is_integer() || data["recv_ts"].integer() <= 0) {
    return testing::AssertionFailure() << "recv_ts is not a positive integer";
  }
  std::string text = expected;
  const auto at = text.find(",\"venue\"");
  if (at == std::string::npos) return testing::AssertionFailure() << "bad expectation " << text;
  text.insert(at, ",\"recv_ts\":" + std::to_string(data["recv_ts"].integer()));
  const auto want = json_value::parse(text);
  if (!want) return testing::AssertionFailure() << "expectation is not JSON: " << text;
  if (!(*want == data)) return testing::AssertionFailure() << "expected " << text;
  return testing::AssertionSuccess();
}

// The updates on `channel`, in order.
std::vector<ws_message> updates_on(const std::vector<ws_message>& messages,
                                   std::string_view channel) {
  std::vector<ws_message> out;
  for (const auto& m : messages) {
    if (m.type() == "update" && m.channel() == channel) out.push_back(m);
  }
  return out;
}

void expect_updates(const std::vector<ws_message>& messages, const std::string& channel,
                    const std::vector<expected_update>& expected) {
  const auto got = updates_on(messages, channel);
  ASSERT_EQ(got.size(), expected.size()) << channel;
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(got[k].seq(), expected[k].seq) << channel << " #" << k << ": " << got[k].raw;
    EXPECT_TRUE(same_data(got[k].data(), expected[k].data))
        << channel << " #" << k << ": " << got[k].raw;
  }
}

// tickerd first (its feed cannot connect yet), a subscribed client, then the replaying sim.
class replay_run {
 public:
  replay_run(std::string venue, std::string path, std::vector<std::string> symbols)
      : venue_(std::move(venue)),
        path_(std::move(path)),
        symbols_(std::move(symbols)),
        dir_("replay"),
        port_(free_port()),
        sim_port_(free_port()) {}

  // `extra_toml` is appended to the config (a [redis] section, say).
  testing::AssertionResult start_tickerd(const std::string& extra_toml = "") {
    const auto config = dir_.write(
        "tickerd.toml",
        one_feed_config(port_, venue_, "ws://127.0.0.1:" + std::to_string(sim_port_) + path_,
                        symbols_) +
            extra_toml);
    if (auto r = tickerd_.spawn({TICKERD_BIN, "--config", config.string()}, dir_.path(), "tickerd");
        !r) {
      return r;
    }
    return wait_for_http_200(port_, "/healthz", start_timeout, &tickerd_);
  }

  // Subscribes `client` to `channels` and waits for their (empty) snapshots.
  testing::AssertionResult subscribe(ws_client& client, const std::vector<std::string>& channels) {
    if (auto r = client.connect(port_); !r) return r;
    if (auto r = client.send_text(subscribe_request(1, channels)); !r) return r;
    for (const auto& c : channels) {
      const auto snap = client.wait_for(typed_on("snapshot", c));
      if (!snap) return testing::AssertionFailure() << "no snapshot of " << c << client.tail();
      if (snap->seq() != 0 || !snap->data().is_null()) {
        return testing::AssertionFailure() << "data before the sim started: " << snap->raw;
      }
    }
    return testing::AssertionSuccess();
  }

  testing::AssertionResult start_sim(const std::string& capture, std::vector<std::string> extra) {
    std::vector<std::string> argv{
        TICKERD_SIM_BIN, "--listen",         "127.0.0.1:" + std::to_string(sim_port_),
        "--replay",      data_dir + capture, "--venue",
        venue_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (auto r = sim_.spawn(std::move(argv), dir_.path(), "sim"); !r) return r;
    return sim_.wait_for_stdout_line(
        "tickerd-sim listening on 127.0.0.1:" + std::to_string(sim_port_), start_timeout);
  }

  // The feed's entry in /v1/feeds.
  std::optional<json_value> feed() {
    const auto r = http_get(port_, "/v1/feeds");
    auto json = json_value::parse(r.body);
    if (!json) return std::nullopt;
    return feed_entry(*json, venue_);
  }

  std::uint16_t port() const { return port_; }
  std::uint16_t sim_port() const { return sim_port_; }
  exit_info stop_tickerd() { return tickerd_.stop(); }
  exit_info stop_sim() { return sim_.stop(); }
  std::string logs() { return tickerd_.logs() + sim_.logs(); }

 private:
  std::string venue_;
  std::string path_;
  std::vector<std::string> symbols_;
  temp_dir dir_;
  std::uint16_t port_;
  std::uint16_t sim_port_;
  // Declared before tickerd: destroyed after it, so tickerd does not log a reconnect storm.
  child_process sim_;
  child_process tickerd_;
};

// Waits until every channel has at least its expected number of updates.
bool wait_for_updates(ws_client& client, const std::vector<std::pair<std::string, std::size_t>>& n,
                      duration timeout) {
  return client.wait_until(
      [&](const std::vector<ws_message>& ms) {
        for (const auto& [channel, count] : n) {
          if (updates_on(ms, channel).size() < count) return false;
        }
        return true;
      },
      timeout);
}

TEST(end_to_end_replay, kraken_capture_gives_exactly_the_expected_updates) {
  const std::string btc = "ticker.BTC-USD@kraken";
  const std::string eth = "ticker.ETH-USD@kraken";
  replay_run run("kraken", "/v2", {"BTC-USD", "ETH-USD"});
  ASSERT_TRUE(run.start_tickerd());
  ws_client client;
  ASSERT_TRUE(run.subscribe(client, {btc, eth}));
  // --speed 4: the record at 4000 ms comes 1 s after the first.
  ASSERT_TRUE(run.start_sim("kraken_ticker.jsonl", {"--speed", "4"}));

  ASSERT_TRUE(wait_for_updates(client, {{btc, 4}, {eth, 3}}, seconds(30)))
      << client.tail(20) << run.logs();
  // Nothing more may follow: the capture is over.
  std::this_thread::sleep_for(milliseconds(500));
  const auto messages = client.messages();
  for (const auto& m : messages) {
    EXPECT_TRUE(m.valid) << m.raw;
    EXPECT_TRUE(m.type() == "ack" || m.type() == "snapshot" || m.type() == "update") << m.raw;
  }
  EXPECT_TRUE(check_sequences(messages)) << client.tail(20);

  // Kraken sends no open price: open_24h = last - change; change_pct = (last - open) / open
  // * 100, rounded half away from zero. Sizes keep Kraken's 8 decimals; no quote volume.
  // The junk line, the heartbeat, the repeated state, the older event, SOL/USD and the
  // recorded ack publish nothing.
  expect_updates(
      messages, btc,
      {{1, R"({"symbol":"BTC-USD","last":"65972.9","open_24h":"66100.0","high_24h":"66450.0",)"
           R"("low_24h":"64800.0","change_pct":"-0.19","volume_base":"1234.56789012",)"
           R"("bid":"65972.8","bid_qty":"0.10000000","ask":"65972.9","ask_qty":"1.25000000",)"
           R"("ts":1764061200000000,"venue":"kraken","stale":false})"},
       {2, R"({"symbol":"BTC-USD","last":"65990.5","open_24h":"66100.0","high_24h":"66450.0",)"
           R"("low_24h":"64800.0","change_pct":"-0.17","volume_base":"1235.00000000",)"
           R"("bid":"65990.4","bid_qty":"0.50000000","ask":"65990.5","ask_qty":"0.02000000",)"
           R"("ts":1764061201250000,"venue":"kraken","stale":false})"},
       {3, R"({"symbol":"BTC-USD","last":"66010.0","open_24h":"66100.0","high_24h":"66450.0",)"
           R"("low_24h":"64800.0","change_pct":"-0.14","volume_base":"1236.50000000",)"
           R"("bid":"66009.9","bid_qty":"0.25000000","ask":"66010.0","ask_qty":"0.30000000",)"
           R"("ts":1764061202000000,"venue":"kraken","stale":false})"},
       {4, R"({"symbol":"BTC-USD","last":"66500.0","open_24h":"66100.0","high_24h":"66500.0",)"
           R"("low_24h":"64800.0","change_pct":"0.61","volume_base":"1240.00000000",)"
           R"("bid":"66499.9","bid_qty":"0.01000000","ask":"66500.0","ask_qty":"2.00000000",)"
           R"("ts":1764061205000000,"venue":"kraken","stale":false})"}});
  expect_updates(
      messages, eth,
      {{1, R"({"symbol":"ETH-USD","last":"3050.12","open_24h":"3030.00","high_24h":"3101.99",)"
           R"("low_24h":"2980.01","change_pct":"0.66","volume_base":"45678.12345678",)"
           R"("bid":"3050.11","bid_qty":"2.00000000","ask":"3050.12","ask_qty":"0.75000000",)"
           R"("ts":1764061200100000,"venue":"kraken","stale":false})"},
       {2, R"({"symbol":"ETH-USD","last":"3049.50","open_24h":"3030.00","high_24h":"3101.99",)"
           R"("low_24h":"2980.01","change_pct":"0.64","volume_base":"45680.00000000",)"
           R"("bid":"3049.49","bid_qty":"1.50000000","ask":"3049.50","ask_qty":"0.10000000",)"
           R"("ts":1764061202000000,"venue":"kraken","stale":false})"},
       {3, R"({"symbol":"ETH-USD","last":"3051.00","open_24h":"3030.00","high_24h":"3101.99",)"
           R"("low_24h":"2980.01","change_pct":"0.69","volume_base":"45681.25000000",)"
           R"("bid":"3050.99","bid_qty":"0.40000000","ask":"3051.00","ask_qty":"0.60000000",)"
           R"("ts":1764061202100000,"venue":"kraken","stale":false})"}});

  // Paced by the capture's clock at --speed 4: @0 to @4000 is 1 s (not 0, not 4 s).
  const auto btc_updates = updates_on(messages, btc);
  ASSERT_EQ(btc_updates.size(), 4u);
  const auto gap = btc_updates[3].received - btc_updates[0].received;
  EXPECT_GE(gap, milliseconds(800));
  EXPECT_LT(gap, milliseconds(3000));

  // The junk line is one parse error and the rest still flowed; SOL/USD is an unknown symbol;
  // ticks: 9 ticker entries for configured pairs (the repeated and the older one included).
  const auto feed = run.feed();
  ASSERT_TRUE(feed) << run.logs();
  EXPECT_EQ((*feed)["state"].str(), "up");
  EXPECT_EQ((*feed)["connects"].integer(), 1);
  EXPECT_EQ((*feed)["parse_errors"].integer(), 1);
  EXPECT_EQ((*feed)["unknown_symbols"].integer(), 1);
  EXPECT_EQ((*feed)["ticks"].integer(), 9);
  // 12 records, the status message and two acks (and any pongs).
  EXPECT_GE((*feed)["messages"].integer(), 15);
}

TEST(end_to_end_replay, okx_capture_gives_exactly_the_expected_updates) {
  const std::string btc = "ticker.BTC-USDT@okx";
  const std::string eth = "ticker.ETH-USDT@okx";
  replay_run run("okx", "/ws/v5/public", {"BTC-USDT", "ETH-USDT"});
  ASSERT_TRUE(run.start_tickerd());
  ws_client client;
  ASSERT_TRUE(run.subscribe(client, {btc, eth}));
  // Server pings every 200 ms with a 1 s pong deadline, as in the live sim: after the capture
  // only keepalives flow, and tickerd must stay connected.
  ASSERT_TRUE(run.start_sim("okx_tickers.jsonl",
                            {"--ping-interval-ms", "200", "--pong-timeout-ms", "1000"}));

  ASSERT_TRUE(wait_for_updates(client, {{btc, 3}, {eth, 1}}, seconds(30)))
      << client.tail(20) << run.logs();
  std::this_thread::sleep_for(milliseconds(2000));
  const auto messages = client.messages();
  EXPECT_TRUE(check_sequences(messages)) << client.tail(20);

  // OKX sends the open: change_pct from it. volCcy24h is the quote volume for SPOT, vol24h the
  // base volume. Decimals exactly as OKX printed them ("86800", "85210").
  expect_updates(
      messages, btc,
      {{1,
        R"({"symbol":"BTC-USDT","last":"85205.7","open_24h":"86056.1","high_24h":"86800",)"
        R"("low_24h":"84500.1","change_pct":"-0.99","volume_base":"12345.6789",)"
        R"("volume_quote":"1051234567.123456","bid":"85205.7","bid_qty":"1.2",)"
        R"("ask":"85205.8","ask_qty":"0.51","ts":1764061234000000,"venue":"okx","stale":false})"},
       {2,
        R"({"symbol":"BTC-USDT","last":"85210","open_24h":"86056.1","high_24h":"86800",)"
        R"("low_24h":"84500.1","change_pct":"-0.98","volume_base":"12346.0789",)"
        R"("volume_quote":"1051260130.123456","bid":"85210","bid_qty":"4",)"
        R"("ask":"85210.1","ask_qty":"0.02","ts":1764061234500000,"venue":"okx","stale":false})"},
       {3,
        R"({"symbol":"BTC-USDT","last":"86900.5","open_24h":"86056.1","high_24h":"86900.5",)"
        R"("low_24h":"84500.1","change_pct":"0.98","volume_base":"12347.0789",)"
        R"("volume_quote":"1051347030.623456","bid":"86900.5","bid_qty":"0.25",)"
        R"("ask":"86900.6","ask_qty":"0.7","ts":1764061235000000,"venue":"okx","stale":false})"}});
  expect_updates(
      messages, eth,
      {{1,
        R"({"symbol":"ETH-USDT","last":"3050.12","open_24h":"3100","high_24h":"3120.55",)"
        R"("low_24h":"3001.2","change_pct":"-1.61","volume_base":"150000.123",)"
        R"("volume_quote":"456789012.34","bid":"3050.12","bid_qty":"3.1",)"
        R"("ask":"3050.13","ask_qty":"12.004","ts":1764061234100000,"venue":"okx","stale":false})"}});

  // Still the first connection; the recorded ack and pong are control frames: no parse error.
  const auto feed = run.feed();
  ASSERT_TRUE(feed) << run.logs();
  EXPECT_EQ((*feed)["state"].str(), "up");
  EXPECT_EQ((*feed)["connects"].integer(), 1);
  EXPECT_EQ((*feed)["parse_errors"].integer(), 0);
  EXPECT_EQ((*feed)["unknown_symbols"].integer(), 0);
  EXPECT_EQ((*feed)["ticks"].integer(), 4);
}

TEST(end_to_end_replay, replay_serves_only_the_venues_paths) {
  temp_dir dir("replay-paths");
  const auto port = free_port();
  child_process sim;
  ASSERT_TRUE(sim.spawn({TICKERD_SIM_BIN, "--listen", "127.0.0.1:" + std::to_string(port),
                         "--replay", data_dir + "kraken_ticker.jsonl", "--venue", "kraken"},
                        dir.path(), "sim"));
  ASSERT_TRUE(sim.wait_for_stdout_line("tickerd-sim listening on", start_timeout));
  EXPECT_EQ(http_get(port, "/healthz").status, 200);
  EXPECT_EQ(http_get(port, "/v2").status, 426);         // Kraken's path, without an upgrade
  EXPECT_EQ(http_get(port, "/kraken/v2").status, 426);  // with the venue prefix
  EXPECT_EQ(http_get(port, "/ws/v5/public").status, 404);
  EXPECT_EQ(http_get(port, "/stream").status, 404);
  EXPECT_EQ(http_get(port, "/v5/public/spot").status, 404);
}

struct bad_run {
  std::string name;
  std::vector<std::string> args;  // after the binary
  std::string stderr_part;        // "" = only the status is checked
};

TEST(end_to_end_replay, a_bad_capture_or_command_line_exits_2) {
  temp_dir dir("replay-bad");
  const auto bad =
      dir.write("bad.jsonl", "# a capture\n@0 {\"a\":1}\n\n@500 {\"b\":2}\n@400 {\"c\":3}\n");
  const auto junk_time = dir.write("junk_time.jsonl", "{\"a\":1}\n@12x {}\n");
  const auto empty = dir.write("empty.jsonl", "# nothing here\n\n");
  const auto good = data_dir + "okx_tickers.jsonl";
  const std::vector<bad_run> runs{
      {"decreasing time",
       {"--replay", bad.string(), "--venue", "okx"},
       bad.string() + ":5: time goes backwards: @400 after @500 on line 4"},
      {"bad timestamp",
       {"--replay", junk_time.string(), "--venue", "okx"},
       junk_time.string() + ":2: bad timestamp"},
      {"no records",
       {"--replay", empty.string(), "--venue", "okx"},
       empty.string() + ": no records"},
      {"missing file",
       {"--replay", (dir.path() / "nope.jsonl").string(), "--venue", "okx"},
       (dir.path() / "nope.jsonl").string() + ": cannot open: No such file or directory"},
      {"no venue", {"--replay", good}, "--venue"},
      {"unknown venue", {"--replay", good, "--venue", "ftx"}, "--venue"},
      {"venue without replay", {"--venue", "okx"}, "--replay"},
      {"speed 0", {"--replay", good, "--venue", "okx", "--speed", "0"}, "--speed"},
      {"negative speed", {"--replay", good, "--venue", "okx", "--speed", "-2"}, "--speed"},
      {"speed not a number", {"--replay", good, "--venue", "okx", "--speed", "fast"}, "--speed"},
      {"speed without replay", {"--speed", "2"}, "--replay"},
      {"replay with the synthetic market's rate",
       {"--replay", good, "--venue", "okx", "--rate", "3"},
       "--rate"},
      {"fault injection",
       {"--replay", good, "--venue", "okx", "--fault", "okx:reset"},
       "--fault: not available with --replay"},
  };
  for (const auto& r : runs) expect_sim_refuses(r.name, r.args, r.stderr_part, dir.path());
}

// Issue 11: a PEPEUSDT ticker whose 24 h volumes do not fit an int64 mantissa at Binance's 8
// decimals, with prices of 10^-8 and below, goes from the capture to the WebSocket exactly.
const std::string pepe_venue = "ticker.PEPE-USDT@binance";
const std::string pepe = "ticker.PEPE-USDT";
const std::vector<expected_update> pepe_updates = {
    {1, R"({"symbol":"PEPE-USDT","last":"0.00000912","open_24h":"0.00000924",)"
        R"("high_24h":"0.00000950","low_24h":"0.00000001","change_pct":"-1.30",)"
        R"("volume_base":"98765432109876543.12345678","volume_quote":"345678901234.00000000",)"
        R"("bid":"0.00000911","bid_qty":"98765432109.00","ask":"0.00000912",)"
        R"("ask_qty":"12345678901.00","ts":1764061200000000,"venue":"binance","stale":false})"},
    {2, R"({"symbol":"PEPE-USDT","last":"0.00000913","open_24h":"0.00000924",)"
        R"("high_24h":"0.00000950","low_24h":"0.000000001234","change_pct":"-1.19",)"
        R"("volume_base":"98765432110000000.00000000","volume_quote":"345678901235.12345678",)"
        R"("bid":"0.00000912","bid_qty":"98765432109.00","ask":"0.00000913",)"
        R"("ask_qty":"12345678901.00","ts":1764061201000000,"venue":"binance","stale":false})"}};

TEST(end_to_end_replay, volumes_beyond_int64_and_tiny_prices_are_published_exactly) {
  replay_run run("binance", "/stream", {"PEPE-USDT"});
  ASSERT_TRUE(run.start_tickerd());
  ws_client client;
  ASSERT_TRUE(run.subscribe(client, {pepe_venue, pepe}));
  ASSERT_TRUE(run.start_sim("binance_memecoins.jsonl", {}));
  ASSERT_TRUE(wait_for_updates(client, {{pepe_venue, 2}, {pepe, 2}}, seconds(30)))
      << client.tail(20) << run.logs();
  const auto messages = client.messages();
  expect_updates(messages, pepe_venue, pepe_updates);
  // The composite of one venue carries the same exact text.
  const auto composite = updates_on(messages, pepe);
  ASSERT_EQ(composite.size(), 2u);
  EXPECT_EQ(composite[1].data()["volume_base"].str(), "98765432110000000.00000000");
  EXPECT_EQ(composite[1].data()["volume_quote"].str(), "345678901235.12345678");
  EXPECT_EQ(composite[1].data()["low_24h"].str(), "0.000000001234");
  const auto feed = run.feed();
  ASSERT_TRUE(feed) << run.logs();
  EXPECT_EQ((*feed)["parse_errors"].integer(), 0);
  EXPECT_EQ((*feed)["ticks"].integer(), 2);
}

// The same values through Redis: cached by one tickerd, served by the next after a warm start,
// byte for byte.
TEST(end_to_end_replay, volumes_beyond_int64_survive_a_redis_warm_start) {
  temp_dir dir("wide-redis");
  redis_server redis(dir);
  ASSERT_TRUE(redis.start());
  const std::string redis_toml =
      "\n[redis]\naddress = \"127.0.0.1:" + std::to_string(redis.port()) +
      "\"\nprefix = \"t\"\nwarm_start_timeout_ms = 3000\n";

  replay_run first("binance", "/stream", {"PEPE-USDT"});
  ASSERT_TRUE(first.start_tickerd(redis_toml));
  ws_client c1;
  ASSERT_TRUE(first.subscribe(c1, {pepe_venue}));
  ASSERT_TRUE(first.start_sim("binance_memecoins.jsonl", {}));
  ASSERT_TRUE(wait_for_updates(c1, {{pepe_venue, 2}}, seconds(30))) << c1.tail(20) << first.logs();
  const auto last = updates_on(c1.messages(), pepe_venue).back();
  // Written through to Redis before the clean shutdown completes.
  redis_sync_client check(redis.port());
  const std::string key = "t:v2:state:" + pepe_venue;
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  for (;;) {
    const auto seq = check.hget(key, "seq");
    if (seq && std::stoll(*seq) == last.seq()) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "Redis never reached seq " << last.seq();
    std::this_thread::sleep_for(milliseconds(20));  // polling Redis, under the deadline above
  }
  const auto stored = check.hget(key, "data");
  ASSERT_TRUE(stored.has_value());
  EXPECT_NE(stored->find(R"("volume_base":"98765432110000000.00000000")"), std::string::npos)
      << *stored;
  const auto stopped = first.stop_tickerd();
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.str();
  first.stop_sim();

  // No sim this time: the second tickerd can only serve what Redis kept.
  replay_run second("binance", "/stream", {"PEPE-USDT"});
  ASSERT_TRUE(second.start_tickerd(redis_toml));
  ws_client c2;
  ASSERT_TRUE(c2.connect(second.port()));
  ASSERT_TRUE(c2.send_text(subscribe_request(1, {pepe_venue})));
  const auto snap = c2.wait_for(typed_on("snapshot", pepe_venue));
  ASSERT_TRUE(snap) << c2.tail();
  EXPECT_EQ(snap->seq(), last.seq());
  EXPECT_EQ(snap->data(), last.data());
  EXPECT_TRUE(same_data(snap->data(), pepe_updates[1].data));
}

}  // namespace
}  // namespace tickerd::e2e
