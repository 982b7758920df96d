// Slow clients (docs/PROTOCOL.md, "conflated" and close 1013): a client that stops reading
// gets the newest update per channel and a notice of what it missed, or, past its byte limit
// even after conflation, a close with 1013. Other clients never notice.
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int close_try_again_later = 1013;
// Fast enough that the kernel's socket buffers (up to 4 MiB on the server side here) fill
// within seconds once a client stops reading.
constexpr int busy_rate = 400;
// A client receive buffer this small disables autotuning, so only the server's buffer is left.
constexpr int tiny_receive_buffer = 4096;
// How far the BTC seq must move on while the slow client is paused: more updates than both
// socket buffers can hold (about 4 MiB / ~470 bytes per update / 11 channels = ~800).
constexpr std::int64_t backlog_per_channel = 2000;

std::int64_t http_seq(std::uint16_t port, const std::string& symbol) {
  const auto r = http_get(port, "/v1/ticker/" + symbol, seconds(5));
  const auto json = json_value::parse(r.body);
  return json ? (*json)["seq"].integer() : -1;
}

// Waits, by polling tickerd over HTTP, until BTC-USDT's seq passes `target`.
testing::AssertionResult wait_for_http_seq(std::uint16_t port, std::int64_t target,
                                           duration timeout) {
  const auto deadline = steady_clock::now() + timeout;
  std::int64_t seq = -1;
  while (steady_clock::now() < deadline) {
    seq = http_seq(port, "BTC-USDT");
    if (seq >= target) return testing::AssertionSuccess();
    std::this_thread::sleep_for(milliseconds(200));
  }
  return testing::AssertionFailure() << "BTC-USDT seq reached only " << seq << " of " << target;
}

std::int64_t last_seq(const std::vector<ws_message>& ms, std::string_view channel) {
  std::int64_t seq = -1;
  for (const auto& m : ms) {
    if ((m.type() == "update" || m.type() == "snapshot") && m.channel() == channel) seq = m.seq();
  }
  return seq;
}

TEST(end_to_end_slow_client, a_client_that_stops_reading_gets_conflated_updates) {
  stack_options options;
  options.sim_rate = busy_rate;
  // A queue this long only builds up behind a client that does not read (plus headroom so that
  // no byte limit closes it first).
  options.extra_limits = "conflate_after_messages = 256\nmax_queued_bytes = 67108864";
  stack s(options);
  ASSERT_TRUE(s.start());

  ws_client slow;
  slow.set_receive_buffer(tiny_receive_buffer);
  ASSERT_TRUE(slow.connect(s.port()));
  ws_client witness;
  ASSERT_TRUE(witness.connect(s.port()));
  ASSERT_TRUE(slow.send_text(subscribe_request(1, {"ticker.*"})));
  ASSERT_TRUE(witness.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(slow.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30))) << slow.tail();

  slow.pause_reading();
  const std::int64_t paused_at = http_seq(s.port(), "BTC-USDT");
  ASSERT_GT(paused_at, 0);
  ASSERT_TRUE(wait_for_http_seq(s.port(), paused_at + backlog_per_channel, seconds(90)));
  const std::size_t resumed_from = slow.size();
  slow.resume_reading();

  const auto notice = slow.wait_for(type_is("conflated"), seconds(30), resumed_from);
  ASSERT_TRUE(notice) << "no conflated notice after the client fell behind\n" << slow.tail();
  EXPECT_TRUE(notice->json["dropped"].is_integer()) << notice->raw;
  EXPECT_GT(notice->json["dropped"].integer(), 0) << notice->raw;

  // The slow client catches up with the present: its BTC seq reaches what tickerd serves now.
  const std::int64_t now_seq = http_seq(s.port(), "BTC-USDT");
  ASSERT_TRUE(slow.wait_for(
      [now_seq](const ws_message& m) {
        return m.type() == "update" && m.channel() == "ticker.BTC-USDT" && m.seq() >= now_seq;
      },
      seconds(60), resumed_from))
      << slow.tail();
  EXPECT_FALSE(slow.closed()) << slow.close_error();

  // Gaps only right after a conflated notice, seq never backwards, every message well formed.
  const auto messages = slow.messages();
  EXPECT_TRUE(check_sequences_with_conflation(messages)) << slow.tail();
  std::map<std::string, std::int64_t> seqs;
  std::size_t gaps = 0;
  for (const auto& m : messages) {
    ASSERT_TRUE(m.valid) << m.raw;
    if (m.type() != "update" && m.type() != "snapshot") continue;
    auto [it, fresh] = seqs.try_emplace(m.channel(), m.seq());
    if (!fresh && m.seq() > it->second + 1) ++gaps;
    it->second = m.seq();
  }
  EXPECT_GT(gaps, 0u) << "conflation dropped updates, so some seq must skip";

  // The witness read all along: never closed, in sequence (a gap only where it was told it was
  // conflated, which a busy Debug build may need), and up to date.
  const auto witnessed = witness.messages();
  EXPECT_FALSE(witness.closed()) << witness.close_error();
  EXPECT_TRUE(check_sequences_with_conflation(witnessed)) << witness.tail();
  EXPECT_GE(last_seq(witnessed, "ticker.BTC-USDT"), paused_at + backlog_per_channel);
}

TEST(end_to_end_slow_client, a_client_too_slow_even_after_conflation_is_closed_with_1013) {
  stack_options options;
  options.sim_rate = busy_rate;
  // Conflation keeps at most one update per channel, but replies (pongs here) cannot be
  // conflated: a client that stops reading and keeps asking piles them up past the byte limit.
  // The limit is far above what a reading client ever has queued, so the witness is safe. The
  // close handshake waits for the paused client, so give it time.
  options.max_requests_per_second = 100'000;
  options.extra_limits = "max_queued_bytes = 262144\nhandshake_timeout_ms = 120000";
  stack s(options);
  ASSERT_TRUE(s.start());

  ws_client slow;
  slow.set_receive_buffer(tiny_receive_buffer);
  ASSERT_TRUE(slow.connect(s.port()));
  ws_client witness;
  ASSERT_TRUE(witness.connect(s.port()));
  ASSERT_TRUE(slow.send_text(subscribe_request(1, {"ticker.*"})));
  ASSERT_TRUE(witness.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(slow.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30))) << slow.tail();

  slow.pause_reading();
  const std::int64_t paused_at = http_seq(s.port(), "BTC-USDT");
  ASSERT_GT(paused_at, 0);
  ASSERT_TRUE(wait_for_http_seq(s.port(), paused_at + backlog_per_channel, seconds(90)));
  // ~45-byte pongs: this many are well past 256 KiB.
  constexpr int pings = 8000;
  for (int id = 1; id <= pings; ++id) {
    ASSERT_TRUE(slow.send_text(R"({"op":"ping","id":)" + std::to_string(id) + "}"));
  }
  slow.resume_reading();

  ASSERT_TRUE(slow.wait_closed(seconds(60))) << slow.tail();
  EXPECT_EQ(slow.close_code(), close_try_again_later) << slow.close_error() << "\n" << slow.tail();
  // It was closed, not served: far fewer pongs arrived than were asked for.
  const auto received = slow.messages();
  const auto pongs = std::count_if(received.begin(), received.end(),
                                   [](const ws_message& m) { return m.type() == "pong"; });
  EXPECT_LT(pongs, pings);

  const std::size_t from = witness.size();
  ASSERT_TRUE(witness.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30), from))
      << witness.tail();
  EXPECT_FALSE(witness.closed()) << witness.close_error();
  EXPECT_TRUE(check_sequences_with_conflation(witness.messages())) << witness.tail();
}

}  // namespace
}  // namespace tickerd::e2e
