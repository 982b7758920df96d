// load_config_string: defaults, a full file, and one test per kind of mistake, each of which
// must name the key at fault (docs/OPERATIONS.md "Configuration reference").
#include "tickerd/app/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace tickerd {
namespace {

using namespace std::chrono_literals;

config load(std::string_view text) {
  return load_config_string(text, "test.toml");
}

// The message of the config_error `text` must raise; a failure (and "") when it loads.
std::string error_of(std::string_view text) {
  try {
    load(text);
  } catch (const config_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a config_error: " << e.what() << "\n--- config:\n" << text;
    return e.what();
  }
  ADD_FAILURE() << "loaded without error:\n" << text;
  return {};
}

// The error starts with `key` and mentions every one of `words`.
void expect_error(std::string_view text, std::string_view key,
                  std::initializer_list<std::string_view> words = {}) {
  const std::string message = error_of(text);
  EXPECT_EQ(message.rfind(std::string(key) + ": ", 0), 0u)
      << "message does not start with '" << key << ": ': " << message << "\n--- config:\n"
      << text;
  for (const auto w : words) {
    EXPECT_NE(message.find(w), std::string::npos)
        << "message lacks '" << w << "': " << message << "\n--- config:\n"
        << text;
  }
}

constexpr std::string_view binance_feed = R"(
[[feeds]]
venue = "binance"
url = "ws://127.0.0.1:9001/stream"
)";

std::string with_feed(std::string_view extra_feed_lines, std::string_view before = "") {
  return std::string(before) + std::string(binance_feed) + std::string(extra_feed_lines) + "\n";
}

TEST(Config, EmptyFileGivesTheDefaults) {
  const config c = load("");
  EXPECT_EQ(c.server.listen.host, "127.0.0.1");
  EXPECT_EQ(c.server.listen.port, 8080);
  EXPECT_EQ(c.server.shards, 0u);
  EXPECT_EQ(c.server.web_root, "");  // resolve_config finds the installed dashboard
  EXPECT_EQ(c.log.level, "info");
  const limits_config defaults;
  EXPECT_EQ(c.limits.max_message_bytes, 65536u);
  EXPECT_EQ(c.limits.max_subscriptions, defaults.max_subscriptions);
  EXPECT_EQ(c.limits.max_requests_per_second, 20u);
  EXPECT_EQ(c.limits.max_queued_bytes, 8388608u);
  EXPECT_EQ(c.limits.handshake_timeout, 5000ms);
  EXPECT_EQ(c.limits.idle_timeout, 60000ms);
  EXPECT_TRUE(c.feeds.empty());

  const char* expected[] = {"BTC-USDT", "ETH-USDT",   "BNB-USDT", "SOL-USDT",
                            "XRP-USDT", "DOGE-USDT",  "TRX-USDT", "TON-USDT",
                            "SUI-USDT", "TRUMP-USDT", "ONDO-USDT"};
  ASSERT_EQ(c.instruments.size(), 11u);
  for (std::size_t i = 0; i < c.instruments.size(); ++i) {
    EXPECT_EQ(c.instruments[i].symbol(), expected[i]);
  }
  EXPECT_EQ(default_instruments().size(), 11u);
  // Comments and blank lines alone are an empty file too.
  EXPECT_EQ(load("# nothing here\n\n").instruments.size(), 11u);
}

TEST(Config, BinanceFeedDefaults) {
  const config c = load(binance_feed);
  ASSERT_EQ(c.feeds.size(), 1u);
  const feed_config& f = c.feeds[0].session;
  EXPECT_EQ(f.venue, venue_id::binance);
  EXPECT_EQ(f.url, "ws://127.0.0.1:9001/stream");
  // Binance ends connections after 24 h; tickerd rolls over at 23 h.
  EXPECT_EQ(f.max_connection_age, 23h);
  EXPECT_EQ(f.max_connection_age, 82'800'000ms);
  const feed_config defaults;
  EXPECT_EQ(f.stale_after, defaults.stale_after);
  EXPECT_EQ(f.backoff_initial, 250ms);
  EXPECT_EQ(f.backoff_max, 30'000ms);
  EXPECT_EQ(f.rollover_lead, 60'000ms);
  EXPECT_EQ(f.max_frame_bytes, 4194304u);
  EXPECT_TRUE(f.verify_tls);
  EXPECT_TRUE(c.feeds[0].symbol_overrides.empty());

  // Other venues do not roll over by default; Binance's can be switched off.
  EXPECT_EQ(load("[[feeds]]\nvenue = \"okx\"\nurl = \"wss://ws.okx.com:8443/ws/v5/public\"\n")
                .feeds.at(0)
                .session.max_connection_age,
            0ms);
  EXPECT_EQ(load(with_feed("max_connection_age_ms = 0")).feeds.at(0).session.max_connection_age,
            0ms);
}

TEST(Config, FullValidFile) {
  const config c = load(R"(
# every section, every key
[server]
listen = "0.0.0.0:9000"
shards = 3
web_root = "/srv/tickerd/web"

[limits]
max_message_bytes = 4096
max_subscriptions = 10
max_requests_per_second = 5
conflate_after_messages = 64
max_queued_bytes = 1048576
max_connections = 1000
max_connections_per_ip = 50
handshake_timeout_ms = 2000
idle_timeout_ms = 30000
max_http_request_bytes = 2048

[log]
level = "debug"

[market]
symbols = ["BTC-USDT", "ETH-BTC", "1INCH-USDT"]

[[feeds]]
venue = "binance"
url = "wss://stream.binance.com:9443/stream"
stale_after_ms = 5000
connect_timeout_ms = 3000
backoff_initial_ms = 100
backoff_max_ms = 10000
healthy_after_ms = 20000
max_connection_age_ms = 3600000
rollover_lead_ms = 30000
max_frame_bytes = 1048576
verify_tls = false
symbols = { "BTC-USDT" = "BTCUSDT", "1INCH-USDT" = "1INCHUSDT" }

[[feeds]]
venue = "kraken"
url = "wss://ws.kraken.com/v2"
)");
  EXPECT_EQ(c.server.listen.host, "0.0.0.0");
  EXPECT_EQ(c.server.listen.port, 9000);
  EXPECT_EQ(c.server.shards, 3u);
  EXPECT_EQ(c.server.web_root, "/srv/tickerd/web");
  EXPECT_EQ(c.limits.max_message_bytes, 4096u);
  EXPECT_EQ(c.limits.max_subscriptions, 10u);
  EXPECT_EQ(c.limits.max_requests_per_second, 5u);
  EXPECT_EQ(c.limits.conflate_after_messages, 64u);
  EXPECT_EQ(c.limits.max_queued_bytes, 1048576u);
  EXPECT_EQ(c.limits.max_connections, 1000u);
  EXPECT_EQ(c.limits.max_connections_per_ip, 50u);
  EXPECT_EQ(c.limits.handshake_timeout, 2000ms);
  EXPECT_EQ(c.limits.idle_timeout, 30000ms);
  EXPECT_EQ(c.limits.max_http_request_bytes, 2048u);
  EXPECT_EQ(c.log.level, "debug");
  ASSERT_EQ(c.instruments.size(), 3u);
  EXPECT_EQ(c.instruments[0].symbol(), "BTC-USDT");
  EXPECT_EQ(c.instruments[1].base, "ETH");
  EXPECT_EQ(c.instruments[1].quote, "BTC");
  EXPECT_EQ(c.instruments[2].symbol(), "1INCH-USDT");

  ASSERT_EQ(c.feeds.size(), 2u);
  const feed_config& b = c.feeds[0].session;
  EXPECT_EQ(b.venue, venue_id::binance);
  EXPECT_EQ(b.url, "wss://stream.binance.com:9443/stream");
  EXPECT_EQ(b.stale_after, 5000ms);
  EXPECT_EQ(b.connect_timeout, 3000ms);
  EXPECT_EQ(b.backoff_initial, 100ms);
  EXPECT_EQ(b.backoff_max, 10000ms);
  EXPECT_EQ(b.healthy_after, 20000ms);
  EXPECT_EQ(b.max_connection_age, 1h);
  EXPECT_EQ(b.rollover_lead, 30s);
  EXPECT_EQ(b.max_frame_bytes, 1048576u);
  EXPECT_FALSE(b.verify_tls);
  const std::vector<std::pair<std::string, std::string>> overrides = {{"BTC-USDT", "BTCUSDT"},
                                                                      {"1INCH-USDT", "1INCHUSDT"}};
  auto got = c.feeds[0].symbol_overrides;
  std::sort(got.begin(), got.end());
  auto want = overrides;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);

  EXPECT_EQ(c.feeds[1].session.venue, venue_id::kraken);
  EXPECT_EQ(c.feeds[1].session.max_connection_age, 0ms);
}

TEST(Config, ListenForms) {
  EXPECT_EQ(load("[server]\nlisten = \"[::1]:80\"").server.listen.host, "::1");
  EXPECT_EQ(load("[server]\nlisten = \"[::1]:80\"").server.listen.port, 80);
  EXPECT_EQ(load("[server]\nlisten = \"[::]:0\"").server.listen.port, 0);  // 0: a free port
  EXPECT_EQ(load("[server]\nlisten = \"localhost:65535\"").server.listen.host, "localhost");
  EXPECT_EQ(load("[server]\nlisten = \"localhost:65535\"").server.listen.port, 65535);

  for (const std::string_view bad :
       {"127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:70000", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:80x", "127.0.0.1:99999999999999999999", "[::1]", "[::1]80", "[::1:80", "[]:80",
        ""}) {
    const std::string text = "[server]\nlisten = \"" + std::string(bad) + "\"\n";
    expect_error(text, "server.listen");
  }
  expect_error("[server]\nlisten = 8080", "server.listen", {"string"});
}

TEST(Config, ParseEndpointDirectly) {
  const endpoint_config e = parse_endpoint("[2001:db8::1]:443", "k");
  EXPECT_EQ(e.host, "2001:db8::1");
  EXPECT_EQ(e.port, 443);
  try {
    parse_endpoint("nope", "some.key");
    ADD_FAILURE() << "accepted";
  } catch (const config_error& err) {
    EXPECT_EQ(std::string(err.what()).rfind("some.key: ", 0), 0u) << err.what();
  }
}

TEST(Config, UnknownKeysAreNamed) {
  expect_error("lisen = \"127.0.0.1:80\"\n", "lisen", {"unknown key"});
  expect_error("[serverr]\n", "serverr", {"unknown key"});
  expect_error("[server]\nlisen = \"127.0.0.1:80\"\n", "server.lisen", {"unknown key"});
  expect_error("[limits]\nmax_subscription = 5\n", "limits.max_subscription", {"unknown key"});
  expect_error("[log]\nlevl = \"info\"\n", "log.levl", {"unknown key"});
  expect_error("[market]\nsymbol = [\"BTC-USDT\"]\n", "market.symbol", {"unknown key"});
  expect_error(with_feed("stale_ms = 5"), "feeds[0].stale_ms", {"unknown key"});
  expect_error(
      std::string(binance_feed) + "[[feeds]]\nvenue = \"okx\"\nurl = \"ws://h/\"\nextra = 1\n",
      "feeds[1].extra", {"unknown key"});
}

// [server.tls] as text (the files are loaded by resolve_config: tests/integration/e2e_tls_test).
TEST(Config, ServerTlsTable) {
  EXPECT_FALSE(load("").server.tls.enabled());
  const config c =
      load("[server.tls]\ncert = \"/etc/t/server.crt\"\nkey = \"/etc/t/server.key\"\n");
  EXPECT_TRUE(c.server.tls.enabled());
  EXPECT_EQ(c.server.tls.cert, "/etc/t/server.crt");
  EXPECT_EQ(c.server.tls.key, "/etc/t/server.key");
  EXPECT_EQ(c.server.tls.max_handshakes, 64u);
  const std::string both = "[server.tls]\ncert = \"a.crt\"\nkey = \"a.key\"\n";
  EXPECT_EQ(load(both + "max_handshakes = 5\n").server.tls.max_handshakes, 5u);
  expect_error(both + "max_handshakes = 0\n", "server.tls.max_handshakes", {"between"});
  expect_error(both + "ca = \"x\"\n", "server.tls.ca", {"unknown key"});
  expect_error("[server.tls]\nkey = \"a.key\"\n", "server.tls.cert", {"required"});
  expect_error("[server.tls]\ncert = \"a.crt\"\n", "server.tls.key", {"required"});
  expect_error("[server.tls]\ncert = \"\"\nkey = \"a.key\"\n", "server.tls.cert", {"required"});
  expect_error("[server]\ntls = true\n", "server.tls", {"table"});
}

TEST(Config, WrongTypesAreNamed) {
  expect_error("server = 1\n", "server", {"table"});
  expect_error("[server]\nshards = \"2\"\n", "server.shards", {"integer"});
  expect_error("[server]\nshards = 2.0\n", "server.shards", {"integer"});
  expect_error("[server]\nweb_root = 1\n", "server.web_root", {"string"});
  expect_error("[limits]\nidle_timeout_ms = \"60s\"\n", "limits.idle_timeout_ms", {"integer"});
  expect_error("[limits]\nmax_subscriptions = true\n", "limits.max_subscriptions", {"integer"});
  expect_error("[log]\nlevel = 3\n", "log.level", {"string"});
  expect_error("[market]\nsymbols = \"BTC-USDT\"\n", "market.symbols", {"array"});
  expect_error("[market]\nsymbols = [\"BTC-USDT\", 7]\n", "market.symbols[1]", {"string"});
  expect_error("feeds = 1\n", "feeds", {"array"});
  expect_error("feeds = [1]\n", "feeds[0]", {"table"});
  expect_error(with_feed("verify_tls = \"yes\""), "feeds[0].verify_tls", {"true or false"});
  expect_error(with_feed("stale_after_ms = 1.5"), "feeds[0].stale_after_ms", {"integer"});
  expect_error(with_feed("symbols = [\"BTCUSDT\"]"), "feeds[0].symbols", {"table"});
  expect_error(with_feed("symbols = { \"BTC-USDT\" = 1 }"), "feeds[0].symbols.BTC-USDT",
               {"string"});
  expect_error(with_feed("symbols = { \"BTC-USDT\" = \"\" }"), "feeds[0].symbols.BTC-USDT",
               {"non-empty"});
  expect_error("[[feeds]]\nvenue = 1\nurl = \"ws://h/\"\n", "feeds[0].venue", {"string"});
}

TEST(Config, OutOfRangeNumbersAreNamed) {
  expect_error("[server]\nshards = -1\n", "server.shards", {"between 0 and 256"});
  expect_error("[server]\nshards = 257\n", "server.shards", {"between"});
  expect_error("[limits]\nmax_message_bytes = 255\n", "limits.max_message_bytes", {"between"});
  expect_error("[limits]\nmax_subscriptions = 0\n", "limits.max_subscriptions", {"between"});
  expect_error("[limits]\nmax_requests_per_second = 0\n", "limits.max_requests_per_second");
  expect_error("[limits]\nmax_queued_bytes = 4095\n", "limits.max_queued_bytes");
  expect_error("[limits]\nhandshake_timeout_ms = 9\n", "limits.handshake_timeout_ms");
  expect_error("[limits]\nidle_timeout_ms = 86400001\n", "limits.idle_timeout_ms");
  expect_error("[limits]\nmax_connections = -5\n", "limits.max_connections");
  expect_error("[limits]\nmax_connections = 9223372036854775807\n", "limits.max_connections");
  expect_error(with_feed("stale_after_ms = 49"), "feeds[0].stale_after_ms", {"between"});
  expect_error(with_feed("backoff_initial_ms = 0"), "feeds[0].backoff_initial_ms");
  expect_error(with_feed("max_frame_bytes = 1023"), "feeds[0].max_frame_bytes");
  expect_error(with_feed("max_connection_age_ms = -1"), "feeds[0].max_connection_age_ms");
  // The bounds themselves are accepted.
  EXPECT_EQ(load("[server]\nshards = 256\n").server.shards, 256u);
  EXPECT_EQ(load("[limits]\nmax_message_bytes = 256\n").limits.max_message_bytes, 256u);
  EXPECT_EQ(load(with_feed("stale_after_ms = 50")).feeds.at(0).session.stale_after, 50ms);
}

TEST(Config, LogLevel) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_EQ(load(std::string("[log]\nlevel = \"") + level + "\"\n").log.level, level);
    EXPECT_TRUE(is_log_level(level));
  }
  expect_error("[log]\nlevel = \"verbose\"\n", "log.level", {"trace"});
  expect_error("[log]\nlevel = \"INFO\"\n", "log.level");
  EXPECT_FALSE(is_log_level(""));
}

TEST(Config, BadSymbolsAreNamed) {
  expect_error("[market]\nsymbols = [\"BTC-USDT\", \"btc-usdt\"]\n", "market.symbols[1]",
               {"btc-usdt"});
  expect_error("[market]\nsymbols = [\"BTCUSDT\"]\n", "market.symbols[0]", {"BTCUSDT"});
  for (const std::string_view bad :
       {"", "-USDT", "BTC-", "BTC--USDT", "BTC-USD-T", "BTC USDT", "BTC/USDT", "BTC-USDT "}) {
    expect_error("[market]\nsymbols = [\"" + std::string(bad) + "\"]\n", "market.symbols[0]");
  }
  expect_error("[market]\nsymbols = [\"BTC-USDT\", \"ETH-USDT\", \"BTC-USDT\"]\n",
               "market.symbols[2]", {"twice"});
  expect_error("[market]\nsymbols = []\n", "market.symbols", {"at least one"});
}

TEST(Config, FeedMistakesAreNamed) {
  expect_error("[[feeds]]\nvenue = \"binanse\"\nurl = \"ws://h/\"\n", "feeds[0].venue",
               {"binanse"});
  expect_error("[[feeds]]\nurl = \"ws://h/\"\n", "feeds[0].venue", {"required"});
  expect_error("[[feeds]]\nvenue = \"binance\"\n", "feeds[0].url", {"required"});
  expect_error("[[feeds]]\nvenue = \"binance\"\nurl = \"\"\n", "feeds[0].url", {"required"});
  expect_error("[[feeds]]\nvenue = \"binance\"\nurl = \"http://127.0.0.1:9001/stream\"\n",
               "feeds[0].url", {"http://127.0.0.1:9001/stream"});
  expect_error("[[feeds]]\nvenue = \"binance\"\nurl = \"wss://user:pw@host/\"\n", "feeds[0].url");
  expect_error("[[feeds]]\nvenue = \"binance\"\nurl = \"ws://host:0/\"\n", "feeds[0].url");
  expect_error(with_feed("backoff_initial_ms = 5000\nbackoff_max_ms = 4999"),
               "feeds[0].backoff_max_ms", {"backoff_initial_ms"});
  EXPECT_EQ(load(with_feed("backoff_initial_ms = 5000\nbackoff_max_ms = 5000"))
                .feeds.at(0)
                .session.backoff_max,
            5000ms);
  expect_error(with_feed("max_connection_age_ms = 60000\nrollover_lead_ms = 60000"),
               "feeds[0].rollover_lead_ms", {"max_connection_age_ms"});
  // The second feed is named by its index.
  expect_error(std::string(binance_feed) + "[[feeds]]\nvenue = \"okx\"\nurl = \"ftp://x/\"\n",
               "feeds[1].url");
}

TEST(Config, EachVenueAppearsOnce) {
  // docs/OPERATIONS.md: "Each venue may appear once".
  expect_error(std::string(binance_feed) + std::string(binance_feed), "feeds[1].venue",
               {"binance"});
}

TEST(Config, SymbolOverridesMustNameConfiguredInstruments) {
  expect_error(with_feed("symbols = { \"PEPE-USDT\" = \"PEPEUSDT\" }"),
               "feeds[0].symbols.PEPE-USDT", {"market.symbols"});
  // Listed in [market]: accepted, in any order of the sections.
  const config c = load(with_feed("symbols = { \"ETH-BTC\" = \"ETHBTC\" }") +
                        "[market]\nsymbols = [\"ETH-BTC\"]\n");
  ASSERT_EQ(c.feeds.at(0).symbol_overrides.size(), 1u);
  EXPECT_EQ(c.feeds[0].symbol_overrides[0].first, "ETH-BTC");
  EXPECT_EQ(c.feeds[0].symbol_overrides[0].second, "ETHBTC");
  // A default instrument that [market] dropped is no longer valid.
  expect_error(
      "[market]\nsymbols = [\"ETH-BTC\"]\n" + with_feed("symbols = { \"BTC-USDT\" = \"BTCUSDT\" }"),
      "feeds[0].symbols.BTC-USDT");
}

TEST(Config, TomlSyntaxErrorNamesTheLine) {
  const std::string message = error_of("[server]\nshards = 2\nlisten = \"127.0.0.1:80\n");
  EXPECT_EQ(message.rfind("test.toml:3:", 0), 0u) << message;
  const std::string dup = error_of("[server]\nshards = 1\nshards = 2\n");
  EXPECT_EQ(dup.rfind("test.toml:3:", 0), 0u) << dup;
  const std::string junk = error_of("\n\n\n\nthis is not toml\n");
  EXPECT_EQ(junk.rfind("test.toml:5:", 0), 0u) << junk;
}

TEST(Config, FileThatCannotBeReadIsNamed) {
  try {
    load_config_file("/nonexistent/tickerd.toml");
    ADD_FAILURE() << "loaded";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/tickerd.toml: ", 0), 0u) << e.what();
  }
}

TEST(Config, DefaultNativeSymbols) {
  const instrument btc{"BTC", "USDT"};
  EXPECT_EQ(default_native_symbol(venue_id::binance, btc), "BTCUSDT");
  EXPECT_EQ(default_native_symbol(venue_id::bybit, btc), "BTCUSDT");
  EXPECT_EQ(default_native_symbol(venue_id::okx, btc), "BTC-USDT");
  EXPECT_EQ(default_native_symbol(venue_id::coinbase, btc), "BTC-USDT");
  EXPECT_EQ(default_native_symbol(venue_id::kraken, btc), "BTC/USDT");
  const instrument inch{"1INCH", "BTC"};
  EXPECT_EQ(default_native_symbol(venue_id::binance, inch), "1INCHBTC");
  EXPECT_EQ(default_native_symbol(venue_id::kraken, inch), "1INCH/BTC");
}

}  // namespace
}  // namespace tickerd

namespace tickerd {
namespace {

TEST(ConfigRedisNode, DefaultsWithoutTheTables) {
  const auto c = load_config_string("", "test.toml");
  EXPECT_FALSE(c.redis.enabled);
  EXPECT_EQ(c.node.role, node_role::all);
  EXPECT_EQ(c.node.resume_history, 256u);
  EXPECT_EQ(c.almanac.tz, "Asia/Shanghai");
}

TEST(ConfigRedisNode, EveryKeyRead) {
  const auto c = load_config_string(R"(
[redis]
address = "127.0.0.2:6380"
prefix = "prod"
history_length = 50
max_buffered = 100
flush_interval_ms = 0
connect_timeout_ms = 11
command_timeout_ms = 12
backoff_initial_ms = 13
backoff_max_ms = 14
lease_ttl_ms = 1500
warm_start_timeout_ms = 0
[node]
role = "edge"
id = "edge-1"
resume_history = 0
[almanac]
tz = "UTC+8"
)",
                                    "test.toml");
  EXPECT_TRUE(c.redis.enabled);
  EXPECT_EQ(c.redis.endpoint.host, "127.0.0.2");
  EXPECT_EQ(c.redis.endpoint.port, 6380);
  EXPECT_EQ(c.redis.prefix, "prod");
  EXPECT_EQ(c.redis.history_length, 50u);
  EXPECT_EQ(c.redis.max_buffered, 100u);
  EXPECT_EQ(c.redis.flush_interval, 0ms);
  EXPECT_EQ(c.redis.endpoint.connect_timeout, 11ms);
  EXPECT_EQ(c.redis.endpoint.command_timeout, 12ms);
  EXPECT_EQ(c.redis.endpoint.backoff_initial, 13ms);
  EXPECT_EQ(c.redis.endpoint.backoff_max, 14ms);
  EXPECT_EQ(c.redis.lease_ttl, 1500ms);
  EXPECT_EQ(c.redis.warm_start_timeout, 0ms);
  EXPECT_EQ(c.node.role, node_role::edge);
  EXPECT_EQ(c.node.id, "edge-1");
  EXPECT_EQ(c.node.resume_history, 0u);
  EXPECT_EQ(c.almanac.tz, "UTC+8");
}

TEST(ConfigRedisNode, MistakesNameTheKey) {
  expect_error("[node]\nrole = \"edge\"\n", "node.role", {"[redis]"});
  expect_error("[node]\nrole = \"leader\"\n", "node.role", {"all", "ingest", "edge"});
  expect_error("[node]\nid = \"a b\"\n", "node.id");
  expect_error("[node]\nresume = 1\n", "node.resume", {"unknown key"});
  expect_error("[redis]\naddress = \"nohost\"\n", "redis.address");
  expect_error("[redis]\nprefix = \"\"\n", "redis.prefix");
  expect_error("[redis]\nprefix = \"a*\"\n", "redis.prefix");
  expect_error("[redis]\nhistory_length = 0\n", "redis.history_length");
  expect_error("[redis]\nlease_ttl_ms = 10\n", "redis.lease_ttl_ms");
  expect_error("[redis]\nbackoff_initial_ms = 500\nbackoff_max_ms = 100\n", "redis.backoff_max_ms");
  expect_error("[redis]\nurl = \"redis://x\"\n", "redis.url", {"unknown key"});
  expect_error("[almanac]\ntz = \"Nowhere/Atlantis\"\n", "almanac.tz", {"Asia/Shanghai"});
  expect_error("[almanac]\ntz = \"../../etc/passwd\"\n", "almanac.tz");
  expect_error("[almanac]\ntz = 8\n", "almanac.tz", {"string"});
}

TEST(Config, NodeHeartbeatAndDrain) {
  const config d = load("");
  EXPECT_EQ(d.node.heartbeat_interval, 1000ms);
  EXPECT_EQ(d.node.bus_silence, 3000ms);
  EXPECT_EQ(d.server.drain, 0ms);
  const config c = load(
      "[server]\ndrain_ms = 5000\n[node]\nheartbeat_interval_ms = 250\nbus_silence_ms = 500\n");
  EXPECT_EQ(c.server.drain, 5000ms);
  EXPECT_EQ(c.node.heartbeat_interval, 250ms);
  EXPECT_EQ(c.node.bus_silence, 500ms);
  expect_error("[node]\nheartbeat_interval_ms = 250\nbus_silence_ms = 499\n", "node.bus_silence_ms",
               {"twice", "250"});
  expect_error("[node]\nheartbeat_interval_ms = 5\n", "node.heartbeat_interval_ms", {"between"});
  expect_error("[server]\ndrain_ms = -1\n", "server.drain_ms", {"between"});
  expect_error("[server]\nweb_root = \"\"\n", "server.web_root", {"empty"});
}

TEST(config, feed_streams_default_to_all_four_and_read_each_name) {
  EXPECT_EQ(load(with_feed("")).feeds.at(0).session.streams,
            fs_ticker | fs_trades | fs_bbo | fs_book);
  EXPECT_EQ(load(with_feed(R"(streams = ["book"])")).feeds.at(0).session.streams, fs_book);
  const auto s = load(with_feed(R"(streams = ["trades", "ticker"])")).feeds.at(0).session;
  EXPECT_EQ(s.streams, fs_ticker | fs_trades);
  EXPECT_EQ(load(with_feed(R"(streams = ["bbo"])")).feeds.at(0).session.streams, fs_bbo);
  EXPECT_EQ(load(with_feed(R"(streams = ["ticker"])")).feeds.at(0).session.streams, fs_ticker);
}

TEST(config, feed_streams_refuse_unknown_names_empty_lists_and_non_strings) {
  expect_error(with_feed(R"(streams = ["ticker", "depth"])"), "feeds[0].streams",
               {"unknown stream 'depth'", "ticker, trades, bbo, book"});
  expect_error(with_feed(R"(streams = [])"), "feeds[0].streams", {"at least one"});
  expect_error(with_feed(R"(streams = [1])"), "feeds[0].streams", {"array of strings"});
  expect_error(with_feed(R"(streams = "trades")"), "feeds[0].streams", {"must be an array"});
}

}  // namespace
}  // namespace tickerd

namespace tickerd {
namespace {

// The channel families follow what the feeds read: trades bring the trades and candle channels,
// bbo the bbo channels.
TEST(config, channel_families_follow_the_feeds_streams) {
  const auto all = load(with_feed("")).families();
  EXPECT_TRUE(all.trades && all.candles && all.bbo && all.venue_ticker_wildcards);
  const auto ticker = load(with_feed(R"(streams = ["ticker"])")).families();
  EXPECT_FALSE(ticker.trades || ticker.candles || ticker.bbo);
  const auto bbo = load(with_feed(R"(streams = ["ticker", "bbo"])")).families();
  EXPECT_TRUE(bbo.bbo);
  EXPECT_FALSE(bbo.trades || bbo.candles);
}

TEST(config, market_quote_stale_ms_is_read_and_checked) {
  EXPECT_EQ(load(with_feed("")).quote_stale, std::chrono::milliseconds(30'000));
  EXPECT_EQ(load("[market]\nquote_stale_ms = 0\n" + with_feed("")).quote_stale,
            std::chrono::milliseconds(0));
  expect_error("[market]\nquote_stale_ms = -5\n" + with_feed(""), "market.quote_stale_ms", {});
}

}  // namespace
}  // namespace tickerd
