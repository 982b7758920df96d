#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "load/core/jwt_hs256.hpp"
#include "load/core/scenario.hpp"

namespace tickerd::bench {
namespace {

TEST(BenchScenario, FullFile) {
  const auto s = parse_scenario(R"(
name = "bots"
description = "every update on every venue"
mode = "stream"
[stack]
venues = ["binance", "okx"]
symbols = ["BTC-USDT", "ETH-USDT"]
rate = 20
shards = 1
[clients]
count = 50
channels = ["ticker.*", "@venue_tickers", "ticker.*"]
throttle_ms = 250
connect_concurrency = 10
[run]
warmup_s = 1
duration_s = 7.5
[[run.phases]]
at_s = 5
rate_multiplier = 20
[[run.phases]]
at_s = 2
rate_multiplier = 2
[targets]
p99_ms = 1
)",
                                "bots.toml");
  EXPECT_EQ(s.name, "bots");
  EXPECT_EQ(s.mode, scenario_mode::stream);
  EXPECT_EQ(s.venues.size(), 2u);
  EXPECT_EQ(s.rate, 20);
  EXPECT_EQ(s.clients, 50u);
  EXPECT_EQ(s.throttle_ms, 250);
  EXPECT_EQ(s.connect_concurrency, 10u);
  EXPECT_EQ(s.duration_s, 7.5);
  ASSERT_EQ(s.phases.size(), 2u);
  EXPECT_EQ(s.phases[0].at_s, 2);  // sorted
  EXPECT_EQ(s.phases[1].rate_multiplier, 20);
  ASSERT_TRUE(s.target_p99_ms);
  EXPECT_EQ(*s.target_p99_ms, 1);
  EXPECT_FALSE(s.target_kib_per_connection);

  const auto channels = expand_channels(s);
  const std::vector<std::string> expected{"ticker.*", "ticker.BTC-USDT@binance",
                                          "ticker.ETH-USDT@binance", "ticker.BTC-USDT@okx",
                                          "ticker.ETH-USDT@okx"};
  EXPECT_EQ(channels, expected);
}

TEST(BenchScenario, DefaultsAndTickerExpansion) {
  const auto s = parse_scenario("name = \"d\"\n[clients]\nchannels = [\"@tickers\"]\n", "d.toml");
  EXPECT_EQ(s.mode, scenario_mode::stream);
  EXPECT_EQ(s.venues, std::vector<std::string>{"binance"});
  EXPECT_EQ(s.clients, 1000u);
  EXPECT_EQ(s.shards, 1u);
  const auto channels = expand_channels(s);
  ASSERT_EQ(channels.size(), 11u);
  EXPECT_EQ(channels.front(), "ticker.BTC-USDT");
  EXPECT_EQ(channels.back(), "ticker.ONDO-USDT");
}

TEST(BenchScenario, SweepNeedsRates) {
  EXPECT_THROW(parse_scenario("name = \"f\"\nmode = \"sweep\"\n", "f.toml"), scenario_error);
  const auto s = parse_scenario(
      "name = \"f\"\nmode = \"sweep\"\n[sweep]\nrates = [50, 10.5]\npeer = true\n", "f.toml");
  EXPECT_EQ(s.sweep_rates, (std::vector<double>{10.5, 50}));
  EXPECT_TRUE(s.peer);
}

std::string error_of(std::string_view text) {
  try {
    parse_scenario(text, "x.toml");
  } catch (const scenario_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(BenchScenario, ErrorsNameTheKey) {
  EXPECT_EQ(error_of("description = \"no name\""), "x.toml: name: required");
  EXPECT_EQ(error_of("name = \"a\"\ncolour = 1"), "x.toml: colour: unknown key");
  EXPECT_EQ(error_of("name = \"a\"\n[clients]\ncuont = 1"), "x.toml: clients.cuont: unknown key");
  EXPECT_EQ(error_of("name = \"a\"\nmode = \"fast\""),
            "x.toml: mode: must be stream, sweep, churn, idle or handshakes");
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\nrate = 20000"),
            "x.toml: stack.rate: must be from 0.01 to 10000");
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\nrate = \"fast\""),
            "x.toml: stack.rate: must be a number");
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\nvenues = [\"ftx\"]"),
            "x.toml: stack.venues: unknown venue 'ftx'");
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\nsymbols = [\"btcusdt\"]"),
            "x.toml: stack.symbols: 'btcusdt' is not BASE-QUOTE");
  EXPECT_EQ(
      error_of(
          "name = \"a\"\n[stack]\nrate = 1000\n[[run.phases]]\nat_s = 1\nrate_multiplier = 20"),
      "x.toml: run.phases.rate_multiplier: stack.rate times it exceeds 10000");
  EXPECT_NE(error_of("name = [").find("x.toml: "), std::string::npos);
}

TEST(BenchScenario, ClientSweep) {
  const auto s = parse_scenario(R"(
name = "latency"
[clients]
count = 1000
channels = ["@tickers"]
sweep = [500, 100, 200, 100]
sweep_warmup_s = 0.5
sweep_step_s = 3
)",
                                "latency.toml");
  EXPECT_EQ(s.client_sweep, (std::vector<std::size_t>{100, 200, 500}));  // sorted, once each
  EXPECT_EQ(s.client_sweep_warmup_s, 0.5);
  EXPECT_EQ(s.client_sweep_step_s, 3);
  EXPECT_EQ(s.clients, 1000u);

  const auto d = parse_scenario("name = \"d\"\n[clients]\ncount = 10\n", "d.toml");
  EXPECT_TRUE(d.client_sweep.empty());
  EXPECT_EQ(d.client_sweep_warmup_s, 1.5);
  EXPECT_EQ(d.client_sweep_step_s, 4);
}

TEST(BenchScenario, ClientSweepErrorsNameTheKey) {
  EXPECT_EQ(error_of("name = \"a\"\n[clients]\nsweep = 100"),
            "x.toml: clients.sweep: must be an array of client counts");
  for (const char* bad : {"[0]", "[-5]", "[100.5]", "[\"100\"]", "[2000000]"}) {
    EXPECT_EQ(error_of("name = \"a\"\n[clients]\nsweep = " + std::string(bad)),
              "x.toml: clients.sweep: must be whole client counts from 1 to 1000000")
        << bad;
  }
  EXPECT_EQ(error_of("name = \"a\"\n[clients]\nsweep_step_s = 0.1"),
            "x.toml: clients.sweep_step_s: must be from 0.5 to 3600");
  EXPECT_EQ(error_of("name = \"a\"\n[clients]\nsweep_warmup_s = \"1\""),
            "x.toml: clients.sweep_warmup_s: must be a number");
  EXPECT_EQ(error_of("name = \"a\"\n[clients]\nsweeps = [1]"),
            "x.toml: clients.sweeps: unknown key");
  // The steps repeat the main run's load at the base rate, without the throttled runs' check.
  EXPECT_EQ(error_of("name = \"a\"\nmode = \"idle\"\n[clients]\nsweep = [10]"),
            "x.toml: clients.sweep: only with mode = \"stream\"");
  EXPECT_EQ(
      error_of("name = \"a\"\nmode = \"sweep\"\n[clients]\nsweep = [10]\n[sweep]\nrates = [1]"),
      "x.toml: clients.sweep: only with mode = \"stream\"");
  EXPECT_EQ(error_of("name = \"a\"\n[clients]\nsweep = [10]\n[[run.phases]]\nat_s = 1"),
            "x.toml: clients.sweep: not with run.phases (each step runs at stack.rate)");
  EXPECT_EQ(error_of("name = \"a\"\n[clients]\nsweep = [10]\nthrottle_ms = 250"),
            "x.toml: clients.sweep: not with clients.throttle_ms");
  // An empty list is no sweep, not an error.
  EXPECT_EQ(error_of("name = \"a\"\nmode = \"idle\"\n[clients]\nsweep = []"), "no error");
}

TEST(BenchScenario, SubscribeRequest) {
  EXPECT_EQ(subscribe_request({"ticker.*", "ticker.BTC-USDT@okx"}, 0),
            R"({"op":"subscribe","id":1,"channels":["ticker.*","ticker.BTC-USDT@okx"]})");
  EXPECT_EQ(subscribe_request({"fng"}, 250),
            R"({"op":"subscribe","id":1,"channels":["fng"],"throttle_ms":250})");
}

TEST(BenchScenario, ShippedScenariosParse) {
  // Every file in bench/scenarios is a valid scenario (the bench fails on a bad one at start).
  const std::filesystem::path dir = std::filesystem::path(TICKERD_SOURCE_DIR) / "bench/scenarios";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++n;
    const auto s = load_scenario_file(entry.path().string());
    EXPECT_EQ(s.name, entry.path().stem().string()) << entry.path();
  }
  EXPECT_GE(n, 7u);
}

TEST(BenchScenario, TlsAndAuthKeys) {
  const auto plain = parse_scenario("name = \"a\"", "x.toml");
  EXPECT_FALSE(plain.tls);
  EXPECT_FALSE(plain.auth);
  const auto s = parse_scenario("name = \"a\"\n[stack]\ntls = true\nauth = true", "x.toml");
  EXPECT_TRUE(s.tls);
  EXPECT_TRUE(s.auth);
  const auto h = parse_scenario(
      "name = \"h\"\nmode = \"handshakes\"\n[stack]\ntls = true\n[clients]\ncount = 32", "x.toml");
  EXPECT_EQ(h.mode, scenario_mode::handshakes);
  EXPECT_EQ(h.clients, 32u);
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\ntls = 1"), "x.toml: stack.tls: must be true or false");
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\nauth = \"yes\""),
            "x.toml: stack.auth: must be true or false");
  EXPECT_EQ(error_of("name = \"a\"\nmode = \"handshakes\""),
            "x.toml: stack.tls: must be true when mode = \"handshakes\"");
  EXPECT_EQ(error_of("name = \"a\"\nmode = \"sweep\"\n[stack]\ntls = true\n[sweep]\nrates = "
                     "[1]\npeer = true"),
            "x.toml: sweep.peer: not with stack.tls or stack.auth");
}

TEST(BenchScenario, ShippedTlsTwinsMatchTheirPlainScenarios) {
  // fanout_tls and latency_tls measure the same load as their twins, with TLS and auth on.
  const std::filesystem::path dir = std::filesystem::path(TICKERD_SOURCE_DIR) / "bench/scenarios";
  for (const std::string name : {"fanout", "latency"}) {
    const auto plain = load_scenario_file((dir / (name + ".toml")).string());
    const auto tls = load_scenario_file((dir / (name + "_tls.toml")).string());
    EXPECT_TRUE(tls.tls && tls.auth) << name;
    EXPECT_FALSE(plain.tls || plain.auth) << name;
    EXPECT_EQ(tls.mode, plain.mode) << name;
    EXPECT_EQ(tls.clients, plain.clients) << name;
    EXPECT_EQ(tls.channels, plain.channels) << name;
    EXPECT_EQ(tls.sweep_rates, plain.sweep_rates) << name;
    EXPECT_EQ(tls.client_sweep, plain.client_sweep) << name;
    EXPECT_EQ(tls.duration_s, plain.duration_s) << name;
  }
  const auto h = load_scenario_file((dir / "handshakes.toml").string());
  EXPECT_EQ(h.mode, scenario_mode::handshakes);
  EXPECT_TRUE(h.tls);
}

TEST(BenchJwt, Hs256MatchesTheWellKnownExample) {
  // jwt.io's HS256 example: its header, claims and secret give this signature.
  EXPECT_EQ(jwt_hs256(R"({"alg":"HS256","typ":"JWT"})",
                      R"({"sub":"1234567890","name":"John Doe","iat":1516239022})",
                      "your-256-bit-secret"),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  const auto token = bench_token({"ticker.*"}, 2000000000, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
}

TEST(BenchScenario, ShippedLatencyAndDashboardsSplit) {
  // Issue 6's latency target is measured unthrottled in `latency`; `dashboards` is throttled,
  // its latency includes the hold-back by design, so it carries no p99 target.
  const std::filesystem::path dir = std::filesystem::path(TICKERD_SOURCE_DIR) / "bench/scenarios";
  const auto latency = load_scenario_file((dir / "latency.toml").string());
  EXPECT_EQ(latency.throttle_ms, 0);
  ASSERT_TRUE(latency.target_p99_ms);
  EXPECT_EQ(*latency.target_p99_ms, 1);
  EXPECT_EQ(expand_channels(latency).size(), 11u);
  const auto dashboards = load_scenario_file((dir / "dashboards.toml").string());
  EXPECT_EQ(dashboards.throttle_ms, 250);
  EXPECT_FALSE(dashboards.target_p99_ms);
  EXPECT_EQ(expand_channels(dashboards), expand_channels(latency));
  EXPECT_EQ(dashboards.clients, latency.clients);
  EXPECT_EQ(dashboards.rate, latency.rate);
  EXPECT_TRUE(dashboards.client_sweep.empty());
}

TEST(BenchScenario, ShippedLatencyClientSweep) {
  // p99 against clients per shard: 100, 200 and 500 clients after the 1,000-client main run,
  // each measured for at least 3 s after a warm-up, all within ~40 s of make bench's time.
  const std::filesystem::path dir = std::filesystem::path(TICKERD_SOURCE_DIR) / "bench/scenarios";
  const auto latency = load_scenario_file((dir / "latency.toml").string());
  EXPECT_EQ(latency.clients, 1000u);
  EXPECT_EQ(latency.client_sweep, (std::vector<std::size_t>{100, 200, 500}));
  EXPECT_GE(latency.client_sweep_step_s, 3);
  EXPECT_GT(latency.client_sweep_warmup_s, 0);
  constexpr double connect_and_close_s = 1;  // per step, generously
  const double added =
      static_cast<double>(latency.client_sweep.size()) *
      (latency.client_sweep_warmup_s + latency.client_sweep_step_s + connect_and_close_s);
  EXPECT_LE(added, 40);
}

TEST(BenchScenario, FloorKeys) {
  const auto s = parse_scenario(
      "name = \"l\"\n[floor]\nrun = true\nrates = [45.5, 20]\n[targets]\n"
      "floor_latency_ratio = 1.1\nfloor_cpu_ratio = 1.2\nfloor_saturation_ratio = 0.95\n",
      "l.toml");
  EXPECT_TRUE(s.floor);
  EXPECT_EQ(s.floor_rates, (std::vector<double>{20, 45.5}));
  EXPECT_EQ(s.target_floor_latency_ratio, 1.1);
  EXPECT_EQ(s.target_floor_cpu_ratio, 1.2);
  EXPECT_EQ(s.target_floor_saturation_ratio, 0.95);
  EXPECT_FALSE(parse_scenario("name = \"l\"\n", "l.toml").floor);
  EXPECT_EQ(error_of("name = \"a\"\n[floor]\nrun = 1"), "x.toml: floor.run: must be true or false");
  EXPECT_EQ(error_of("name = \"a\"\n[floor]\nrates = [0]"),
            "x.toml: floor.rates: must be numbers > 0 and at most 10000");
  EXPECT_EQ(error_of("name = \"a\"\n[floor]\nspeed = 1"), "x.toml: floor.speed: unknown key");
  EXPECT_EQ(error_of("name = \"a\"\nmode = \"churn\"\n[floor]\nrun = true"),
            "x.toml: floor.run: only with mode = \"stream\", \"sweep\" or \"idle\"");
  EXPECT_EQ(error_of("name = \"a\"\nmode = \"idle\"\n[floor]\nrates = [5]"),
            "x.toml: floor.rates: only with mode = \"stream\"");
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\ntls = true\n[floor]\nrun = true"),
            "x.toml: floor.run: not with stack.tls or stack.auth");
}

TEST(BenchScenario, StreamsAndFloorVenues) {
  const auto s = parse_scenario(
      "name = \"t\"\n[stack]\nvenues = [\"binance\", \"okx\"]\nstreams = [\"trades\", \"bbo\"]\n"
      "[floor]\nrun = true\nvenues = [\"binance\"]\n",
      "t.toml");
  EXPECT_EQ(s.streams, (std::vector<std::string>{"trades", "bbo"}));
  EXPECT_EQ(s.floor_venues, (std::vector<std::string>{"binance"}));
  const auto d = parse_scenario("name = \"d\"\n", "d.toml");
  EXPECT_TRUE(d.streams.empty());
  EXPECT_TRUE(d.floor_venues.empty());
  const auto b =
      parse_scenario("name = \"b\"\n[stack]\nstreams = [\"ticker\", \"book\"]\n", "b.toml");
  EXPECT_EQ(b.streams, (std::vector<std::string>{"ticker", "book"}));
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\nstreams = [\"candles\"]"),
            "x.toml: stack.streams: unknown stream 'candles' (ticker, trades, bbo, book)");
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\nstreams = []"),
            "x.toml: stack.streams: needs at least one stream");
  EXPECT_EQ(error_of("name = \"a\"\n[floor]\nvenues = [\"okx\"]"),
            "x.toml: floor.venues: must be [\"binance\"]: the floor reads Binance only");
  EXPECT_EQ(error_of("name = \"a\"\n[stack]\nvenues = [\"okx\"]\n[floor]\nvenues = [\"binance\"]"),
            "x.toml: floor.venues: stack.venues has no binance");
  EXPECT_EQ(error_of("name = \"a\"\nmode = \"idle\"\n[floor]\nvenues = [\"binance\"]"),
            "x.toml: floor.venues: only with mode = \"stream\"");
}

TEST(BenchScenario, ShippedTradesAndBboScenarios) {
  // Issue 17: five venues, 10,000 trades/s in all with bursts x5, 1,000 clients on one channel,
  // and the floor fed the same (Binance) frames as a second tickerd run.
  const std::filesystem::path dir = std::filesystem::path(TICKERD_SOURCE_DIR) / "bench/scenarios";
  for (const std::string name : {"trades", "bbo"}) {
    const auto s = load_scenario_file((dir / (name + ".toml")).string());
    EXPECT_EQ(s.venues.size(), 5u) << name;
    EXPECT_EQ(s.clients, 1000u) << name;
    EXPECT_EQ(s.channels, (std::vector<std::string>{name + ".BTC-USDT"})) << name;
    EXPECT_TRUE(s.floor) << name;
    EXPECT_EQ(s.floor_venues, (std::vector<std::string>{"binance"})) << name;
  }
}

TEST(BenchScenario, ShippedScenariosRunTheFloor) {
  // Issue 13: fanout, latency (at 110k and 500k deliveries/s) and idle report ratios to the floor.
  const std::filesystem::path dir = std::filesystem::path(TICKERD_SOURCE_DIR) / "bench/scenarios";
  for (const std::string name : {"fanout", "latency", "idle"}) {
    EXPECT_TRUE(load_scenario_file((dir / (name + ".toml")).string()).floor) << name;
  }
  const auto latency = load_scenario_file((dir / "latency.toml").string());
  EXPECT_EQ(latency.floor_rates, (std::vector<double>{45.5}));
  const auto idle = load_scenario_file((dir / "idle.toml").string());
  EXPECT_EQ(idle.channels, (std::vector<std::string>{"ticker.*"}));
  EXPECT_EQ(idle.target_kib_per_connection, 1.0);
}

}  // namespace
}  // namespace tickerd::bench
