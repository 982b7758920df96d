// How venue connection management looks from a client: tickerd-sim closes connections at a
// fixed age (as Binance does after 24 h) and pings (as Binance does every 20 s); tickerd must
// roll over without a visible gap and answer pings so it is never dropped.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Polls /v1/feeds until the binance entry satisfies `pred`; returns the last body seen.
std::optional<json_value> wait_for_feed(std::uint16_t port,
                                        const std::function<bool(const json_value&)>& pred,
                                        duration timeout, std::string& last_body) {
  const auto deadline = steady_clock::now() + timeout;
  while (true) {
    const auto r = http_get(port, "/v1/feeds", seconds(5));
    last_body = r.body;
    if (auto json = json_value::parse(r.body)) {
      const auto& feed = feed_entry(*json, "binance");
      if (pred(feed)) return feed;
    }
    if (steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(200));
  }
}

TEST(end_to_end_venue, planned_rollover_is_invisible_to_clients) {
  stack_options options;
  // The sim cuts every connection at 3 s; tickerd replaces each one at 1 s of age and retires
  // the old one at 2 s, before the cut.
  options.sim_args = {"--max-conn-age-ms", "3000"};
  options.extra_feed = "max_connection_age_ms = 2000\nrollover_lead_ms = 1000";
  stack s(options);
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"status", "ticker.BTC-USDT"})));
  ASSERT_TRUE(client.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30))) << client.tail();
  const std::size_t flowing_from = client.size();

  constexpr std::int64_t wanted_rollovers = 3;
  std::string body;
  const auto feed = wait_for_feed(
      s.port(), [](const json_value& f) { return f["rollovers"].integer() >= wanted_rollovers; },
      seconds(60), body);
  ASSERT_TRUE(feed) << "no " << wanted_rollovers << " rollovers: " << body;
  // The last rollover's new connection must have delivered something after it.
  const std::size_t after_rollovers = client.size();
  ASSERT_TRUE(client.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30), after_rollovers))
      << client.tail();

  const auto messages = client.messages();
  for (const auto& m : messages) EXPECT_TRUE(m.valid && m.type() != "error") << m.raw;
  EXPECT_TRUE(check_sequences(messages)) << client.tail(30);
  std::int64_t previous_ts = 0;
  for (std::size_t k = flowing_from; k < messages.size(); ++k) {
    const auto& m = messages[k];
    if (m.channel() == "status") {
      EXPECT_EQ(feed_entry(m.data(), "binance")["state"].str(), "up")
          << "a rollover must not show as an outage: " << m.raw;
    }
    if (m.type() == "update" && m.channel() == "ticker.BTC-USDT") {
      EXPECT_FALSE(m.data()["stale"].boolean()) << m.raw;
      EXPECT_GE(m.data()["ts"].integer(), previous_ts) << "event time went back: " << m.raw;
      previous_ts = m.data()["ts"].integer();
    }
  }
}

TEST(end_to_end_venue, venue_pings_are_answered_so_the_connection_lives) {
  stack_options options;
  // Binance pings every 20 s and drops a client silent for 60 s; here 200 ms and 1 s.
  options.sim_args = {"--ping-interval-ms", "200", "--pong-timeout-ms", "1000"};
  stack s(options);
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));

  // Several pong timeouts' worth of venue time, measured by the venue's own clock.
  constexpr std::int64_t span_us = 4'000'000;  // ts is µs
  ASSERT_TRUE(client.wait_until(
      [](const std::vector<ws_message>& ms) {
        std::int64_t first = 0;
        std::int64_t last = 0;
        for (const auto& m : ms) {
          if (m.type() != "update") continue;
          if (first == 0) first = m.data()["ts"].integer();
          last = m.data()["ts"].integer();
        }
        return first != 0 && last - first >= span_us;
      },
      seconds(60)))
      << client.tail();

  const auto feeds = http_get(s.port(), "/v1/feeds");
  const auto json = json_value::parse(feeds.body);
  ASSERT_TRUE(json) << feeds.status << " " << feeds.body;
  const auto& binance = feed_entry(*json, "binance");
  EXPECT_EQ(binance["state"].str(), "up") << feeds.body;
  EXPECT_EQ(binance["connects"].integer(), 1) << "the venue dropped tickerd: " << feeds.body;
  EXPECT_EQ(binance["reconnects"].integer(), 0) << feeds.body;
  EXPECT_TRUE(check_sequences(client.messages())) << client.tail();
}

}  // namespace
}  // namespace tickerd::e2e
