// [server.tls] (docs/OPERATIONS.md "TLS"): tickerd serving https:// and wss:// with a test CA's
// certificate, checked by clients that verify it: a bot gets its snapshot and updates, old
// protocol versions are refused, a client that stalls mid-handshake is dropped without
// disturbing anyone, SIGHUP swaps the certificate under 100 live connections (a bad file keeps
// the old one), and a bad file at start is exit 2 naming the key.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "harness.hpp"
#include "raw_ws.hpp"
#include "test_pki.hpp"
#include "tls_client.hpp"

namespace tickerd::e2e {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr duration update_wait{30'000};

// The certificate files tickerd reads are copies, so a test can replace them for a reload.
struct tls_rig {
  explicit tls_rig(stack_options options = {}, std::string extra_tls = {}) : pki_dir("tls-pki") {
    pki_ok = make_test_pki(pki_dir, pki);
    if (pki_ok) {
      fs::copy_file(pki.server_cert, cert(), fs::copy_options::overwrite_existing);
      fs::copy_file(pki.server_key, key(), fs::copy_options::overwrite_existing);
    }
    options.extra_toml += "[server.tls]\ncert = \"" + cert().string() + "\"\nkey = \"" +
                          key().string() + "\"\n" + extra_tls;
    s = std::make_unique<stack>(std::move(options));
  }

  fs::path cert() const { return pki_dir.path() / "live.crt"; }
  fs::path key() const { return pki_dir.path() / "live.key"; }
  tls_client_options client() const { return {.ca = pki.ca_cert}; }
  std::uint16_t port() const { return s->port(); }

  testing::AssertionResult start() {
    if (!pki_ok) return pki_ok;
    if (auto r = s->start_sim(); !r) return r;
    const auto config = s->dir().write("tickerd.toml", s->config_toml());
    if (auto r =
            tickerd.spawn({TICKERD_BIN, "--config", config.string()}, s->dir().path(), "tickerd");
        !r) {
      return r;
    }
    return wait_for_https_200(port(), client(), start_timeout, tickerd);
  }

  // Atomically replaces a file tickerd reads (as a deploy tool would: write, then rename).
  void replace(const fs::path& target, const fs::path& source) const {
    const auto staged = target.string() + ".new";
    fs::copy_file(source, staged, fs::copy_options::overwrite_existing);
    fs::rename(staged, target);
  }

  std::optional<json_value> stats() const {
    const auto r = https_get(port(), "/v1/stats", client(), seconds(10));
    if (r.status != 200) return std::nullopt;
    return json_value::parse(r.body);
  }

  // Polls /v1/stats until `pred` holds (gauges are sampled once per keepalive tick).
  testing::AssertionResult wait_stats(const std::function<bool(const json_value&)>& pred) const {
    const auto deadline = steady_clock::now() + update_wait;
    std::optional<json_value> last;
    while (steady_clock::now() < deadline) {
      last = stats();
      if (last && pred(*last)) return testing::AssertionSuccess();
      std::this_thread::sleep_for(milliseconds(100));  // poll interval
    }
    return testing::AssertionFailure() << "/v1/stats never matched";
  }

  // Waits until tickerd's log has a line containing every one of `needles`.
  testing::AssertionResult wait_log(const std::vector<std::string>& needles) {
    const auto deadline = steady_clock::now() + update_wait;
    while (steady_clock::now() < deadline) {
      const auto text = tickerd.stderr_text();
      std::size_t start = 0;
      while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string_view line(text.data() + start, end - start);
        bool all = true;
        for (const auto& n : needles) all = all && line.find(n) != std::string_view::npos;
        if (all) return testing::AssertionSuccess();
        start = end + 1;
      }
      std::this_thread::sleep_for(milliseconds(50));  // poll interval
    }
    return testing::AssertionFailure() << "no log line with all of the expected words\n"
                                       << tickerd.logs();
  }

  // The serial of the certificate a new connection is shown.
  std::string serial_now() const {
    tls_connection conn;
    if (!conn.connect(port(), client())) return {};
    return conn.peer_serial();
  }

  temp_dir pki_dir;
  test_pki pki;
  testing::AssertionResult pki_ok = testing::AssertionSuccess();
  std::unique_ptr<stack> s;
  child_process tickerd;
};

// A subscribed wss client that has its snapshot.
testing::AssertionResult subscribe(wss_client& c, std::uint16_t port,
                                   const tls_client_options& options, const std::string& channel) {
  if (auto r = c.connect(port, options); !r) return r;
  if (auto r = c.send_text(subscribe_request(1, {channel})); !r) return r;
  if (!c.wait_for(typed_on("snapshot", channel), update_wait)) {
    return testing::AssertionFailure() << "no snapshot of " << channel;
  }
  return testing::AssertionSuccess();
}

// Waits for an update on `channel` that arrived after message `from`.
testing::AssertionResult update_after(wss_client& c, const std::string& channel, std::size_t from) {
  if (c.wait_for(typed_on("update", channel), update_wait, from)) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << "no update on " << channel << " after message " << from
                                     << (c.connection().closed() ? " (connection closed)" : "");
}

const std::string btc = "ticker.BTC-USDT";

TEST(e2e_tls, bot_over_wss_with_verification_gets_snapshot_and_updates) {
  tls_rig rig;
  ASSERT_TRUE(rig.start());

  wss_client bot;
  ASSERT_TRUE(subscribe(bot, rig.port(), rig.client(), btc));
  EXPECT_EQ(bot.connection().alpn(), "http/1.1");
  EXPECT_EQ(bot.connection().version(), "TLSv1.3");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(update_after(bot, btc, bot.messages().size()));
  EXPECT_TRUE(check_sequences(bot.messages()));
  const auto update = bot.wait_for(typed_on("update", btc), seconds(1));
  ASSERT_TRUE(update);
  EXPECT_TRUE(check_ticker_data(update->data(), "BTC-USDT"));

  // A TLS 1.2 client is served too; the same routes answer over https.
  tls_client_options tls12 = rig.client();
  tls12.max_version = TLS1_2_VERSION;
  tls_connection conn;
  ASSERT_TRUE(conn.connect(rig.port(), tls12));
  EXPECT_EQ(conn.version(), "TLSv1.2");
  const auto feeds = https_get(rig.port(), "/v1/feeds", rig.client());
  EXPECT_EQ(feeds.status, 200) << feeds.error;
  // Only TLS on the port: plain HTTP gets no answer.
  EXPECT_NE(http_get(rig.port(), "/healthz", seconds(5)).status, 200);
  EXPECT_TRUE(rig.wait_stats([](const json_value& j) {
    return j["tls_handshakes"].integer() >= 3 && j["tls_handshakes_in_progress"].integer() == 0 &&
           j["tls_handshake_us"].integer() > 0;
  }));
}

TEST(e2e_tls, refuses_a_client_that_offers_only_tls_1_0_or_1_1) {
  tls_rig rig;
  ASSERT_TRUE(rig.start());
  for (const int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    tls_client_options old = rig.client();
    old.legacy = true;
    old.min_version = version;
    old.max_version = version;
    tls_connection conn;
    const auto r = conn.connect(rig.port(), old);
    ASSERT_FALSE(r) << "TLS version " << version << " was accepted";
    // The server's alert, not a local refusal to offer the version.
    EXPECT_NE(std::string(r.message()).find("alert protocol version"), std::string::npos)
        << r.message();
  }
  EXPECT_TRUE(rig.wait_stats(
      [](const json_value& j) { return j["tls_handshake_failures"].integer() >= 2; }));
  wss_client bot;
  EXPECT_TRUE(subscribe(bot, rig.port(), rig.client(), btc));
}

// The start of a TLS record (a handshake announcing 512 bytes), then 3 of them: a client that
// stalls mid-handshake.
constexpr std::string_view partial_hello{"\x16\x03\x01\x02\x00\x01\x00\x01", 8};

TEST(e2e_tls, stalled_handshakes_are_dropped_and_others_keep_their_updates) {
  constexpr int stalled_count = 8;
  stack_options options;
  options.shards = 1;  // every connection on one shard: the limit below is reached
  options.extra_limits = "handshake_timeout_ms = 1000";
  tls_rig rig(options, "max_handshakes = 3\n");
  ASSERT_TRUE(rig.start());
  wss_client bot;
  ASSERT_TRUE(subscribe(bot, rig.port(), rig.client(), btc));

  std::vector<std::unique_ptr<raw_client>> stalled;
  for (int i = 0; i < stalled_count; ++i) {
    stalled.push_back(std::make_unique<raw_client>());
    ASSERT_TRUE(stalled.back()->connect(rig.port()));
    ASSERT_TRUE(stalled.back()->send_bytes(partial_hello));
  }
  // While they hold every handshake slot (and the shard accepts nothing more), the
  // established client is still served.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(update_after(bot, btc, bot.messages().size()));

  for (const auto& c : stalled) {
    const auto status = c->wait_tcp_close(update_wait);
    EXPECT_TRUE(status == read_status::eof || status == read_status::reset) << to_string(status);
  }
  EXPECT_TRUE(rig.wait_stats([&](const json_value& j) {
    return j["tls_handshake_timeouts"].integer() >= stalled_count &&
           j["tls_accept_pauses"].integer() >= 1 && j["tls_handshakes_in_progress"].integer() == 0;
  }));
  ASSERT_TRUE(update_after(bot, btc, bot.messages().size()));
  wss_client late;
  EXPECT_TRUE(subscribe(late, rig.port(), rig.client(), btc));
}

TEST(e2e_tls, close_handshake_and_a_slow_reader_over_tls) {
  stack_options options;
  options.sim_rate = 100;  // fills a paused client's buffers within seconds
  options.extra_limits = "conflate_after_messages = 64\nmax_queued_bytes = 65536";
  tls_rig rig(options);
  ASSERT_TRUE(rig.start());

  // The closing handshake: our close is echoed, then TLS and TCP end.
  wss_client polite;
  ASSERT_TRUE(subscribe(polite, rig.port(), rig.client(), btc));
  ASSERT_TRUE(polite.send_text(""));  // an empty text frame: a bad request, answered
  ASSERT_TRUE(polite.connection().write(close_frame(close_normal, "bye")));
  EXPECT_FALSE(polite.wait_for([](const ws_message&) { return false; }, update_wait));
  EXPECT_EQ(polite.close_code(), close_normal);

  // A client that stops reading: the server's writes back up (OpenSSL wants the socket
  // writable), and what waits meanwhile is conflated, as over plain TCP. Reading again, the
  // client finds the `conflated` notice and the stream going on, seq gaps announced.
  tls_client_options small = rig.client();
  small.receive_buffer = 4096;
  wss_client slow;
  ASSERT_TRUE(slow.connect(rig.port(), small));
  ASSERT_TRUE(slow.send_text(subscribe_request(1, {"ticker.*"})));
  wss_client bot;
  ASSERT_TRUE(subscribe(bot, rig.port(), rig.client(), btc));
  EXPECT_TRUE(rig.wait_stats([](const json_value& j) { return j["conflations"].integer() >= 1; }));
  ASSERT_TRUE(update_after(bot, btc, bot.messages().size()));
  ASSERT_TRUE(slow.wait_for(type_is("conflated"), update_wait)) << "no conflated notice";
  const auto after = slow.messages().size();
  ASSERT_TRUE(slow.wait_for(type_is("update"), update_wait, after));
  EXPECT_TRUE(check_sequences_with_conflation(slow.messages()));
  EXPECT_TRUE(rig.tickerd.running());
}

TEST(e2e_tls, sighup_serves_a_new_certificate_while_100_clients_stay_connected) {
  constexpr int client_count = 100;
  tls_rig rig;
  ASSERT_TRUE(rig.start());
  ASSERT_TRUE(make_server_certificate(rig.pki_dir, "renewed", 7));
  ASSERT_EQ(rig.serial_now(), "02");

  std::vector<std::unique_ptr<wss_client>> clients;
  for (int i = 0; i < client_count; ++i) {
    clients.push_back(std::make_unique<wss_client>());
    ASSERT_TRUE(subscribe(*clients.back(), rig.port(), rig.client(), btc)) << "client " << i;
  }
  std::vector<std::size_t> before;
  for (const auto& c : clients) before.push_back(c->messages().size());

  rig.replace(rig.key(), rig.pki_dir.path() / "renewed.key");
  rig.replace(rig.cert(), rig.pki_dir.path() / "renewed.crt");
  rig.tickerd.send_signal(SIGHUP);
  ASSERT_TRUE(rig.wait_log({"TLS reloaded", "serial 07"}));
  EXPECT_EQ(rig.serial_now(), "07");

  for (int i = 0; i < client_count; ++i) {
    EXPECT_TRUE(update_after(*clients[i], btc, before[i])) << "client " << i;
    EXPECT_EQ(clients[i]->connection().peer_serial(), "02");  // kept its session
  }
  EXPECT_TRUE(rig.wait_stats(
      [](const json_value& j) { return j["connections"].integer() == client_count; }));
  EXPECT_TRUE(rig.tickerd.running());
}

TEST(e2e_tls, a_bad_file_at_reload_keeps_the_current_certificate) {
  tls_rig rig;
  ASSERT_TRUE(rig.start());
  wss_client bot;
  ASSERT_TRUE(subscribe(bot, rig.port(), rig.client(), btc));

  // Not PEM at all.
  const auto garbage = rig.pki_dir.write("garbage.crt", "not a certificate\n");
  rig.replace(rig.cert(), garbage);
  rig.tickerd.send_signal(SIGHUP);
  ASSERT_TRUE(rig.wait_log({"error", "TLS reload failed", "server.tls.cert", rig.cert().string()}));
  EXPECT_EQ(rig.serial_now(), "02");

  // A valid certificate whose key is not the one configured.
  ASSERT_TRUE(make_server_certificate(rig.pki_dir, "other", 9));
  rig.replace(rig.cert(), rig.pki_dir.path() / "other.crt");
  rig.tickerd.send_signal(SIGHUP);
  ASSERT_TRUE(rig.wait_log({"TLS reload failed", "server.tls.key", "does not match"}));
  EXPECT_EQ(rig.serial_now(), "02");

  EXPECT_TRUE(update_after(bot, btc, bot.messages().size()));
  EXPECT_TRUE(rig.tickerd.running());
}

TEST(e2e_tls, a_bad_certificate_or_key_at_start_is_exit_2_naming_the_key) {
  temp_dir dir("tls-config");
  test_pki pki;
  ASSERT_TRUE(make_test_pki(dir, pki));
  const auto garbage = dir.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nxx\n");
  struct bad_case {
    std::string tls;
    std::string key;
    std::string reason;
  };
  const std::string server_cert = pki.server_cert.string();
  const std::string server_key = pki.server_key.string();
  const std::vector<bad_case> cases{
      {"cert = \"" + (dir.path() / "missing.crt").string() + "\"\nkey = \"" + server_key + "\"",
       "server.tls.cert", "cannot read"},
      {"cert = \"" + garbage.string() + "\"\nkey = \"" + server_key + "\"", "server.tls.cert",
       "no PEM certificate"},
      {"cert = \"" + server_cert + "\"\nkey = \"" + garbage.string() + "\"", "server.tls.key",
       "no unencrypted PEM private key"},
      {"cert = \"" + server_cert + "\"\nkey = \"" + pki.client_key.string() + "\"",
       "server.tls.key", "does not match"},
      {"cert = \"" + server_cert + "\"", "server.tls.key", "required"},
  };
  for (const auto& c : cases) {
    const auto config = dir.write(
        "bad.toml", tickerd_config(free_port(), free_port()) + "\n[server.tls]\n" + c.tls + "\n");
    for (const bool check_only : {true, false}) {
      std::vector<std::string> argv{TICKERD_BIN, "--config", config.string()};
      if (check_only) argv.push_back("--check-config");
      const auto r = run_to_exit(argv, dir.path(), check_only ? "check" : "start");
      EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << c.tls << ": " << r.exit.str() << r.err;
      EXPECT_NE(r.err.find(c.key), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(c.reason), std::string::npos) << r.err;
    }
  }
}

// The other client-facing parts over the same TLS port: an event stream read by curl with
// verification on (the test CA), and /metrics counting the handshakes.
TEST(e2e_tls, event_streams_and_metrics_over_https) {
  tls_rig rig;
  ASSERT_TRUE(rig.start());
  child_process curl;
  // Read until the first update, then stopped (-D -: the status line comes first).
  ASSERT_TRUE(curl.spawn(
      {"/usr/bin/curl", "-sS", "-N", "-D", "-", "--max-time", "30", "--cacert",
       rig.pki.ca_cert.string(),
       "https://localhost:" + std::to_string(rig.port()) + "/v1/sse?channels=ticker.BTC-USDT"},
      rig.s->dir().path(), "curl"));
  ASSERT_TRUE(curl.wait_for_stdout_line(R"("type":"update")", seconds(30)));
  curl.stop();
  const auto out = curl.stdout_text();
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200 ")) << curl.logs();
  EXPECT_NE(out.find("\"type\":\"snapshot\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"type\":\"update\""), std::string::npos) << out;
  EXPECT_NE(out.find("id: "), std::string::npos) << out;
  const auto metrics = https_get(rig.port(), "/metrics", rig.client(), seconds(10));
  ASSERT_EQ(metrics.status, 200);
  double handshakes = 0;
  std::istringstream lines(metrics.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("tickerd_tls_handshakes_total{")) {
      handshakes += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  EXPECT_GE(handshakes, 2) << "curl's and this scrape's, at least";
}

}  // namespace
}  // namespace tickerd::e2e
