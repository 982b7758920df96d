// tickerd-sim --replay without sockets: the capture parser (every rule and every error with
// its line), the schedule at a speed and in a loop, and the replay endpoint's replies and
// pacing against a fake connection on a real io_context. The acks it sends, and acks a capture
// may hold, are read back by tickerd's own adapters, which must take them as control frames.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "sim/replay_endpoint.hpp"
#include "sim/replay_file.hpp"
#include "temp_files.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd::sim::replay {
namespace {

using namespace std::chrono_literals;

// ---- parser ------------------------------------------------------------------------------

struct parsed {
  bool ok = false;
  capture cap;
  capture_error error;
};

parsed parse(std::string_view text) {
  parsed p;
  p.ok = parse_capture(text, p.cap, p.error);
  return p;
}

std::vector<std::string> frames_of(const capture& c) {
  std::vector<std::string> out;
  for (const auto& r : c.records) out.push_back(*r.frame);
  return out;
}

std::vector<std::int64_t> times_of(const capture& c) {
  std::vector<std::int64_t> out;
  for (const auto& r : c.records) out.push_back(r.at_ms);
  return out;
}

std::vector<std::size_t> lines_of(const capture& c) {
  std::vector<std::size_t> out;
  for (const auto& r : c.records) out.push_back(r.line);
  return out;
}

TEST(sim_replay_file, timed_and_untimed_records) {
  const auto p = parse(
      "{\"a\":1}\n"
      "@100 {\"b\":2}\n"
      "{\"c\":3}\n"
      "@100 {\"d\":4}\n"
      "@2500 {\"e\":5}\n"
      "{\"f\":6}\n");
  ASSERT_TRUE(p.ok) << p.error.line << ": " << p.error.reason;
  EXPECT_EQ(frames_of(p.cap), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}",
                                                        "{\"d\":4}", "{\"e\":5}", "{\"f\":6}"}));
  // Untimed records follow the previous one: 0 before any timestamp.
  EXPECT_EQ(times_of(p.cap), (std::vector<std::int64_t>{0, 100, 100, 100, 2500, 2500}));
  EXPECT_EQ(lines_of(p.cap), (std::vector<std::size_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(p.cap.duration_ms(), 2500);
}

TEST(sim_replay_file, comments_blank_lines_crlf_and_no_final_newline) {
  const auto p = parse(
      "# a capture\r\n"
      "\r\n"
      "   \t \n"
      "@5 {\"x\":\"# not a comment\"}\r\n"
      "#@10 {\"commented\":true}\n"
      "\n"
      "@7 last line without a newline");
  ASSERT_TRUE(p.ok) << p.error.line << ": " << p.error.reason;
  EXPECT_EQ(frames_of(p.cap), (std::vector<std::string>{"{\"x\":\"# not a comment\"}",
                                                        "last line without a newline"}));
  EXPECT_EQ(times_of(p.cap), (std::vector<std::int64_t>{5, 7}));
  EXPECT_EQ(lines_of(p.cap), (std::vector<std::size_t>{4, 7}));
}

TEST(sim_replay_file, frames_are_kept_byte_for_byte) {
  // One separator after the timestamp; everything else is the frame, junk included. A frame
  // that starts with '@' or '#' is written with a timestamp.
  const auto p = parse(
      "@1  two spaces: the second belongs to the frame \n"
      "@2\t{tab separated}\n"
      "@3 @not-a-time\n"
      "@4 # not a comment either\n"
      "  {\"leading\":\"spaces\"}\n"
      "not json at all {{{\n"
      "{\"u\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}\n");
  ASSERT_TRUE(p.ok) << p.error.line << ": " << p.error.reason;
  EXPECT_EQ(frames_of(p.cap),
            (std::vector<std::string>{" two spaces: the second belongs to the frame ",
                                      "{tab separated}", "@not-a-time", "# not a comment either",
                                      "  {\"leading\":\"spaces\"}", "not json at all {{{",
                                      "{\"u\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}"}));
}

TEST(sim_replay_file, a_utf8_byte_order_mark_is_skipped) {
  const auto p = parse("\xEF\xBB\xBF{\"a\":1}\n");
  ASSERT_TRUE(p.ok) << p.error.reason;
  EXPECT_EQ(frames_of(p.cap), (std::vector<std::string>{"{\"a\":1}"}));
}

TEST(sim_replay_file, leading_zeros_and_the_largest_time) {
  const auto p = parse("@007 a\n@1000000000000 b\n");
  ASSERT_TRUE(p.ok) << p.error.reason;
  EXPECT_EQ(times_of(p.cap), (std::vector<std::int64_t>{7, max_time_ms}));
}

TEST(sim_replay_file, a_line_of_exactly_the_limit_is_accepted) {
  std::string line(max_line_bytes, 'x');
  const auto p = parse("# ok\n" + line + "\r\n");
  ASSERT_TRUE(p.ok) << p.error.reason;
  ASSERT_EQ(p.cap.records.size(), 1u);
  EXPECT_EQ(p.cap.records[0].frame->size(), max_line_bytes);
}

struct error_case {
  std::string name;
  std::string text;
  std::size_t line;
  std::string reason_part;
};

TEST(sim_replay_file, every_error_names_its_line) {
  const std::vector<error_case> cases{
      {"no digits", "{}\n@ {}\n", 2, "bad timestamp"},
      {"letters", "{}\n\n@abc {}\n", 3, "bad timestamp"},
      {"negative", "@-5 {}\n", 1, "bad timestamp"},
      {"no separator", "# c\n@12x {}\n", 2, "expected a space"},
      {"epoch milliseconds", "@1764061234567 {}\n", 1, "not since the epoch"},
      {"overflow", "@99999999999999999999999 {}\n", 1, "not since the epoch"},
      {"decreasing", "@100 a\nb\n@50 c\n", 3, "time goes backwards: @50 after @100 on line 1"},
      {"empty frame", "a\n@5\n", 2, "empty frame after the timestamp"},
      {"blank frame", "a\n@5    \r\n", 2, "empty frame after the timestamp"},
      {"invalid UTF-8", "a\nb\n{\"x\":\"\xFF\"}\n", 3, "invalid UTF-8"},
      {"overlong UTF-8", "{\"x\":\"\xC0\xAF\"}\n", 1, "invalid UTF-8"},
      {"surrogate", "a\n\xED\xA0\x80\n", 2, "invalid UTF-8"},
      {"invalid UTF-8 in a comment", "# \xFE\n", 1, "invalid UTF-8"},
      {"too long", "a\n" + std::string(max_line_bytes + 1, 'x') + "\n", 2, "longer than"},
      {"empty file", "", 0, "no records"},
      {"only comments", "# one\n\n# two\r\n   \n", 0, "no records"},
  };
  for (const auto& c : cases) {
    const auto p = parse(c.text);
    EXPECT_FALSE(p.ok) << c.name;
    EXPECT_EQ(p.error.line, c.line) << c.name << ": " << p.error.reason;
    EXPECT_NE(p.error.reason.find(c.reason_part), std::string::npos)
        << c.name << ": " << p.error.reason;
  }
}

// Files in a fresh directory under the test temp dir, removed with it.
struct sim_replay_load : test::temp_files {
  sim_replay_load() : temp_files("tickerd-replay-unit") {}
};

TEST_F(sim_replay_load, load_capture_reads_a_file) {
  const auto path = write("ok.jsonl", "# c\n@10 {\"a\":1}\r\n{\"b\":2}\n");
  capture c;
  std::string message;
  ASSERT_TRUE(load_capture(path, c, message)) << message;
  EXPECT_EQ(frames_of(c), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(times_of(c), (std::vector<std::int64_t>{10, 10}));
}

TEST_F(sim_replay_load, load_capture_errors_are_file_colon_line_colon_reason) {
  const auto path = write("bad.jsonl", "@10 a\n# c\n@9 b\n");
  capture c;
  std::string message;
  ASSERT_FALSE(load_capture(path, c, message));
  EXPECT_EQ(message, path + ":3: time goes backwards: @9 after @10 on line 1");

  const auto empty = write("empty.jsonl", "# nothing\n");
  ASSERT_FALSE(load_capture(empty, c, message));
  EXPECT_EQ(message, empty + ": no records (only blank lines and comments)");

  const auto missing = (dir / "missing.jsonl").string();
  ASSERT_FALSE(load_capture(missing, c, message));
  EXPECT_EQ(message, missing + ": cannot open: No such file or directory");

  ASSERT_FALSE(load_capture(dir.string(), c, message));
  EXPECT_EQ(message, dir.string() + ": cannot read: Is a directory");
}

// ---- schedule ----------------------------------------------------------------------------

TEST(sim_replay_schedule, speed_divides_the_delays) {
  EXPECT_EQ(offset_us(0, 1.0), 0);
  EXPECT_EQ(offset_us(1000, 1.0), 1'000'000);
  EXPECT_EQ(offset_us(1000, 2.0), 500'000);
  EXPECT_EQ(offset_us(1000, 0.5), 2'000'000);
  EXPECT_EQ(offset_us(1, 3.0), 333);  // 333.33 µs, rounded
  EXPECT_EQ(offset_us(2, 3.0), 667);  // 666.67 µs, rounded
  EXPECT_EQ(offset_us(250, 1000.0), 250);
  // However slow, a due time stays far inside steady_clock's range.
  EXPECT_EQ(offset_us(max_time_ms, 1e-9), 3'000'000'000'000'000);
}

TEST(sim_replay_schedule, valid_speeds) {
  EXPECT_TRUE(valid_speed(1));
  EXPECT_TRUE(valid_speed(0.001));
  EXPECT_TRUE(valid_speed(1e9));
  EXPECT_FALSE(valid_speed(0));
  EXPECT_FALSE(valid_speed(-1));
  EXPECT_FALSE(valid_speed(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(valid_speed(std::numeric_limits<double>::quiet_NaN()));
}

std::shared_ptr<const capture> capture_of(std::string_view text) {
  auto c = std::make_shared<capture>();
  capture_error e;
  EXPECT_TRUE(parse_capture(text, *c, e)) << e.line << ": " << e.reason;
  return c;
}

TEST(sim_replay_schedule, one_pass_at_a_speed) {
  cursor cur(capture_of("a\n@100 b\nc\n@400 d\n"), 2.0, false);
  EXPECT_FALSE(cur.started());
  cur.start(1'000'000);
  cur.start(5'000'000);  // a second start changes nothing
  ASSERT_TRUE(cur.started());
  std::vector<std::pair<std::int64_t, std::string>> seen;
  while (!cur.done()) {
    const auto due = cur.next_due_us();
    seen.emplace_back(due, *cur.take().frame);
  }
  EXPECT_EQ(seen, (std::vector<std::pair<std::int64_t, std::string>>{
                      {1'000'000, "a"}, {1'050'000, "b"}, {1'050'000, "c"}, {1'200'000, "d"}}));
  EXPECT_EQ(cur.passes(), 1u);
}

TEST(sim_replay_schedule, a_loop_starts_over_where_the_capture_time_ended) {
  cursor cur(capture_of("@500 a\n@3000 b\n"), 1.0, true);
  cur.start(0);
  std::vector<std::pair<std::int64_t, std::string>> seen;
  for (int i = 0; i < 6; ++i) {
    const auto due = cur.next_due_us();
    seen.emplace_back(due, *cur.take().frame);
  }
  EXPECT_FALSE(cur.done());
  EXPECT_EQ(cur.passes(), 3u);
  EXPECT_EQ(seen, (std::vector<std::pair<std::int64_t, std::string>>{{500'000, "a"},
                                                                     {3'000'000, "b"},
                                                                     {3'500'000, "a"},
                                                                     {6'000'000, "b"},
                                                                     {6'500'000, "a"},
                                                                     {9'000'000, "b"}}));
}

TEST(sim_replay_schedule, a_loop_without_timestamps_repeats_once_a_second) {
  cursor cur(capture_of("a\nb\n"), 100.0, true);
  cur.start(10);
  std::vector<std::int64_t> due;
  for (int i = 0; i < 6; ++i) {
    due.push_back(cur.next_due_us());
    cur.take();
  }
  EXPECT_EQ(due,
            (std::vector<std::int64_t>{10, 10, 10 + min_loop_period_us, 10 + min_loop_period_us,
                                       10 + 2 * min_loop_period_us, 10 + 2 * min_loop_period_us}));
}

// ---- endpoint ----------------------------------------------------------------------------

// Records what a handler sends, instead of a socket.
class fake_connection final : public connection {
 public:
  std::uint64_t id() const noexcept override { return 7; }
  bool send(frame_ptr frame) override {
    if (closed || refuse) return false;
    frames.push_back(std::move(frame));
    times.push_back(std::chrono::steady_clock::now());
    return true;
  }
  void close(std::uint16_t, std::string_view) override { closed = true; }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& f : frames) out.push_back(*f);
    return out;
  }

  std::vector<frame_ptr> frames;
  std::vector<std::chrono::steady_clock::time_point> times;
  bool closed = false;
  bool refuse = false;
};

constexpr std::string_view market_capture =
    "@0 frame one\n"
    "frame two\n"
    "@400 frame three\n";

struct sim_replay_endpoint : ::testing::Test {
  boost::asio::io_context ioc;

  std::unique_ptr<endpoint> make(venue_id venue, std::string_view text = market_capture,
                                 double speed = 10.0, bool loop = false) {
    endpoint_options o;
    o.venue = venue;
    o.speed = speed;
    o.loop = loop;
    return std::make_unique<endpoint>(ioc, capture_of(text), o);
  }

  std::unique_ptr<connection_handler> open(endpoint& ep, fake_connection& conn,
                                           std::string_view target) {
    http_reject reject;
    auto h = ep.accept(target, reject);
    EXPECT_TRUE(h) << target << ": " << reject.status << " " << reject.body;
    if (h) h->on_open(conn);
    return h;
  }

  // Runs the loop until `conn` holds `n` frames (or 5 s pass).
  void run_until(const fake_connection& conn, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (conn.frames.size() < n && std::chrono::steady_clock::now() < deadline) {
      ioc.restart();
      ioc.run_for(5ms);
    }
  }
  void run_for(std::chrono::milliseconds d) {
    ioc.restart();
    ioc.run_for(d);
  }
};

const std::vector<std::string> market_frames{"frame one", "frame two", "frame three"};

std::vector<std::string> tail_from(const std::vector<std::string>& v, std::size_t from) {
  return {v.begin() + static_cast<std::ptrdiff_t>(std::min(from, v.size())), v.end()};
}

TEST_F(sim_replay_endpoint, serves_the_live_sims_paths_only) {
  const std::vector<std::pair<venue_id, std::vector<std::string>>> routes{
      {venue_id::binance, {"/ws", "/stream"}},
      {venue_id::okx, {"/ws/v5/public"}},
      {venue_id::coinbase, {"/"}},
      {venue_id::bybit, {"/v5/public/spot"}},
      {venue_id::kraken, {"/v2"}},
  };
  for (const auto& [venue, paths] : routes) {
    auto ep = make(venue);
    EXPECT_EQ(ep->venue(), to_string(venue));
    EXPECT_EQ(ep->routes(), paths) << to_string(venue);
  }
  http_reject reject;
  EXPECT_FALSE(make(venue_id::kraken)->accept("/v2/other", reject));
  EXPECT_EQ(reject.status, 404u);
  EXPECT_FALSE(make(venue_id::okx)->accept("/ws/v5/private", reject));
  EXPECT_EQ(reject.status, 404u);
  EXPECT_FALSE(make(venue_id::binance)->accept("/stream?streams=BAD NAME", reject));
  EXPECT_EQ(reject.status, 400u);
  EXPECT_TRUE(make(venue_id::okx)->accept("/ws/v5/public?x=1", reject));
}

TEST_F(sim_replay_endpoint, binance_replays_at_once_and_acks_requests_with_their_id) {
  auto ep = make(venue_id::binance);
  fake_connection conn;
  auto h = open(*ep, conn, "/stream?streams=btcusdt@ticker");
  // Records due at 0 go out during the open itself.
  EXPECT_EQ(conn.texts(), (std::vector<std::string>{"frame one", "frame two"}));
  run_until(conn, 3);
  EXPECT_EQ(conn.texts(), market_frames);

  h->on_text(R"({"method":"SUBSCRIBE","params":["ethusdt@ticker"],"id":17})");
  h->on_text(R"({"method":"UNSUBSCRIBE","params":["ethusdt@ticker"],"id":"abc"})");
  h->on_text(R"({"method":"SUBSCRIBE","params":["ethusdt@ticker"]})");
  h->on_text("not json");
  EXPECT_EQ(tail_from(conn.texts(), 3),
            (std::vector<std::string>{R"({"result":null,"id":17})", R"({"result":null,"id":"abc"})",
                                      R"({"result":null,"id":null})"}));
  EXPECT_EQ(h->max_incoming_per_sec(), 5u);
  EXPECT_EQ(ep->stats().frames_sent, 3u);
  EXPECT_EQ(ep->stats().started, 1u);
  EXPECT_EQ(ep->stats().passes, 1u);
}

TEST_F(sim_replay_endpoint, okx_waits_for_the_first_subscribe_and_acks_each_arg) {
  auto ep = make(venue_id::okx);
  fake_connection conn;
  auto h = open(*ep, conn, "/ws/v5/public");
  run_for(60ms);
  EXPECT_TRUE(conn.frames.empty()) << "nothing before a subscribe";
  h->on_text("ping");
  EXPECT_EQ(conn.texts(), (std::vector<std::string>{"pong"}));

  h->on_text(R"({"id":"42","op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"},)"
             R"({"channel":"tickers","instId":"ETH-USDT"}]})");
  run_until(conn, 6);
  const auto texts = conn.texts();
  ASSERT_EQ(texts.size(), 6u);
  EXPECT_TRUE(texts[1].starts_with(
      R"({"id":"42","event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},"connId":")"))
      << texts[1];
  EXPECT_TRUE(texts[2].starts_with(
      R"({"id":"42","event":"subscribe","arg":{"channel":"tickers","instId":"ETH-USDT"},"connId":")"))
      << texts[2];
  EXPECT_EQ(tail_from(texts, 3), market_frames);

  // A second subscribe is acked; the replay does not start over.
  h->on_text(R"({"op":"subscribe","args":[{"channel":"tickers","instId":"SOL-USDT"}]})");
  run_for(60ms);
  ASSERT_EQ(conn.frames.size(), 7u);
  EXPECT_TRUE(conn.texts()[6].starts_with(
      R"({"event":"subscribe","arg":{"channel":"tickers","instId":"SOL-USDT"},"connId":")"))
      << conn.texts()[6];
  EXPECT_EQ(ep->stats().started, 1u);
  EXPECT_EQ(ep->stats().frames_sent, 3u);
}

TEST_F(sim_replay_endpoint, kraken_sends_status_then_acks_per_symbol_and_answers_pings) {
  auto ep = make(venue_id::kraken);
  fake_connection conn;
  auto h = open(*ep, conn, "/v2");
  ASSERT_EQ(conn.frames.size(), 1u);
  EXPECT_TRUE(conn.texts()[0].starts_with(R"({"channel":"status","data":[{"api_version":"v2",)"))
      << conn.texts()[0];
  h->on_text(R"({"method":"ping","req_id":9})");
  ASSERT_EQ(conn.frames.size(), 2u);
  EXPECT_TRUE(conn.texts()[1].starts_with(R"({"method":"pong","req_id":9,"time_in":")"))
      << conn.texts()[1];
  run_for(60ms);
  EXPECT_EQ(conn.frames.size(), 2u) << "nothing before a subscribe";

  h->on_text(
      R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD","ETH/USD"]},"req_id":1})");
  run_until(conn, 7);
  const auto texts = conn.texts();
  ASSERT_EQ(texts.size(), 7u);
  EXPECT_TRUE(texts[2].starts_with(
      R"({"method":"subscribe","req_id":1,"result":{"channel":"ticker","event_trigger":"trades","snapshot":true,"symbol":"BTC/USD"},"success":true,)"))
      << texts[2];
  EXPECT_TRUE(texts[3].starts_with(
      R"({"method":"subscribe","req_id":1,"result":{"channel":"ticker","event_trigger":"trades","snapshot":true,"symbol":"ETH/USD"},"success":true,)"))
      << texts[3];
  EXPECT_EQ(tail_from(texts, 4), market_frames);
  EXPECT_EQ(h->max_incoming_per_sec(), 0u);
}

TEST_F(sim_replay_endpoint, bybit_and_coinbase_ack_subscribes_and_bybit_answers_pings) {
  {
    auto ep = make(venue_id::bybit);
    fake_connection conn;
    auto h = open(*ep, conn, "/v5/public/spot");
    h->on_text(R"({"op":"ping","req_id":"p1"})");
    h->on_text(R"({"op":"subscribe","req_id":"s1","args":["tickers.BTCUSDT"]})");
    run_until(conn, 5);
    const auto texts = conn.texts();
    ASSERT_EQ(texts.size(), 5u);
    EXPECT_TRUE(texts[0].starts_with(R"({"success":true,"ret_msg":"pong","conn_id":")"))
        << texts[0];
    EXPECT_TRUE(texts[0].ends_with(R"(","req_id":"p1","op":"ping"})")) << texts[0];
    EXPECT_TRUE(texts[1].starts_with(R"({"success":true,"ret_msg":"subscribe","conn_id":")"))
        << texts[1];
    EXPECT_TRUE(texts[1].ends_with(R"(","req_id":"s1","op":"subscribe"})")) << texts[1];
    EXPECT_EQ(tail_from(texts, 2), market_frames);
  }
  {
    auto ep = make(venue_id::coinbase);
    fake_connection conn;
    auto h = open(*ep, conn, "/");
    h->on_text(
        R"({"type":"subscribe","channels":[{"name":"ticker","product_ids":["BTC-USD","ETH-USD"]},)"
        R"({"name":"heartbeat","product_ids":["BTC-USD"]}]})");
    run_until(conn, 4);
    const auto texts = conn.texts();
    ASSERT_EQ(texts.size(), 4u);
    EXPECT_EQ(
        texts[0],
        R"({"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD","ETH-USD"]},)"
        R"({"name":"heartbeat","product_ids":["BTC-USD"]}]})");
    EXPECT_EQ(tail_from(texts, 1), market_frames);
    h->on_text(R"({"type":"unsubscribe","channels":["heartbeat"]})");
    EXPECT_EQ(
        conn.texts().back(),
        R"({"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD","ETH-USD"]}]})");
    EXPECT_EQ(h->max_incoming_per_sec(), 100u);
  }
}

TEST_F(sim_replay_endpoint, each_connection_gets_the_capture_from_the_start) {
  auto ep = make(venue_id::binance);
  fake_connection first;
  auto h1 = open(*ep, first, "/stream");
  run_until(first, 3);
  fake_connection second;
  auto h2 = open(*ep, second, "/ws");
  run_until(second, 3);
  EXPECT_EQ(first.texts(), market_frames);
  EXPECT_EQ(second.texts(), market_frames);
  // Frames are shared, not copied per connection.
  EXPECT_EQ(first.frames[0].get(), second.frames[0].get());
  EXPECT_EQ(ep->stats().connections, 2u);
}

TEST_F(sim_replay_endpoint, timestamps_pace_the_frames) {
  // At speed 2, @300 is due 150 ms after the first record.
  auto ep = make(venue_id::binance, "@0 a\n@300 b\n", 2.0);
  fake_connection conn;
  auto h = open(*ep, conn, "/stream");
  ASSERT_EQ(conn.texts(), (std::vector<std::string>{"a"}));
  run_for(60ms);
  EXPECT_EQ(conn.frames.size(), 1u) << "b came early";
  run_until(conn, 2);
  ASSERT_EQ(conn.texts(), (std::vector<std::string>{"a", "b"}));
  // Measured from the first send, which is a little after the schedule's start.
  EXPECT_GE(conn.times[1] - conn.times[0], 149ms);
}

TEST_F(sim_replay_endpoint, a_loop_starts_over) {
  auto ep = make(venue_id::binance, "x\ny\n", 1.0, true);
  fake_connection conn;
  auto h = open(*ep, conn, "/stream");
  run_until(conn, 4);
  EXPECT_EQ(conn.texts(), (std::vector<std::string>{"x", "y", "x", "y"}));
  // Untimed: the second pass waits for the minimum loop period.
  EXPECT_GE(conn.times[2] - conn.times[0], std::chrono::microseconds(min_loop_period_us) - 1ms);
  EXPECT_GE(ep->stats().passes, 2u);
}

TEST_F(sim_replay_endpoint, a_refused_frame_stops_that_connections_replay) {
  auto ep = make(venue_id::binance, "@0 a\n@200 b\n@400 c\n", 1.0);
  fake_connection conn;
  auto h = open(*ep, conn, "/stream");
  ASSERT_EQ(conn.frames.size(), 1u);
  conn.refuse = true;
  run_for(300ms);  // b is refused: the replay stops there
  conn.refuse = false;
  run_for(300ms);
  EXPECT_EQ(conn.texts(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(ep->stats().frames_refused, 1u);
}

TEST_F(sim_replay_endpoint, a_handler_destroyed_with_a_wait_pending_is_safe) {
  auto ep = make(venue_id::binance, "@0 a\n@10 b\n", 1.0);
  fake_connection conn;
  auto h = open(*ep, conn, "/stream");
  h.reset();   // the timer's completion may still be queued
  ep.reset();  // and the endpoint gone too
  run_for(50ms);
  EXPECT_EQ(conn.texts(), (std::vector<std::string>{"a"}));
}

TEST_F(sim_replay_endpoint, server_shutdown_sends_the_venue_notice_and_stops_the_replay) {
  auto ep = make(venue_id::okx, "@0 a\n@100 b\n", 1.0);
  fake_connection conn;
  auto h = open(*ep, conn, "/ws/v5/public");
  h->on_text(R"({"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]})");
  ASSERT_EQ(conn.frames.size(), 2u);  // ack, a
  h->on_server_shutdown();
  run_for(200ms);
  ASSERT_EQ(conn.frames.size(), 3u);
  EXPECT_TRUE(conn.texts()[2].starts_with(R"({"event":"notice","code":"64008",)"))
      << conn.texts()[2];
}

// ---- tickerd reads what the replay sends, and acks a capture may hold --------------------

// Every frame through tickerd's adapter for `venue`: all must be control frames without error.
void expect_control(venue_id venue, const std::vector<std::string>& frames) {
  symbol_map symbols;
  const bool slash = venue == venue_id::kraken;
  const bool dash = venue == venue_id::okx || venue == venue_id::coinbase;
  symbols.add(slash ? "BTC/USD" : dash ? "BTC-USD" : "BTCUSD", 0);
  symbols.add(slash ? "ETH/USD" : dash ? "ETH-USD" : "ETHUSD", 1);
  auto adapter = make_venue_adapter(venue, symbols);
  for (const auto& f : frames) {
    std::vector<tick> ticks;
    const auto r = adapter->parse(f, 1, ticks);
    EXPECT_EQ(r.error, feed_errc::ok) << to_string(venue) << ": " << f;
    EXPECT_EQ(r.kind, frame_kind::control) << to_string(venue) << ": " << f;
    EXPECT_TRUE(ticks.empty()) << f;
  }
}

TEST_F(sim_replay_endpoint, tickerd_takes_every_reply_as_a_control_frame) {
  const std::vector<std::pair<venue_id, std::vector<std::string>>> requests{
      {venue_id::binance, {R"({"method":"SUBSCRIBE","params":["btcusd@ticker"],"id":1})"}},
      {venue_id::okx,
       {"ping", R"({"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USD"}]})"}},
      {venue_id::coinbase,
       {R"({"type":"subscribe","channels":[{"name":"ticker","product_ids":["BTC-USD"]}]})"}},
      {venue_id::bybit, {R"({"op":"ping"})", R"({"op":"subscribe","args":["tickers.BTCUSD"]})"}},
      {venue_id::kraken,
       {R"({"method":"ping"})",
        R"({"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD"]},"req_id":1})"}},
  };
  for (const auto& [venue, texts] : requests) {
    // A capture of nothing but one far-future record: only the replies are sent here.
    auto ep = make(venue, "@1000000 never\n", 1.0);
    fake_connection conn;
    auto h = open(*ep, conn,
                  venue == venue_id::binance  ? "/stream"
                  : venue == venue_id::okx    ? "/ws/v5/public"
                  : venue == venue_id::bybit  ? "/v5/public/spot"
                  : venue == venue_id::kraken ? "/v2"
                                              : "/");
    for (const auto& t : texts) h->on_text(t);
    h->on_server_shutdown();
    EXPECT_FALSE(conn.frames.empty()) << to_string(venue);
    expect_control(venue, conn.texts());
  }
}

TEST(sim_replay_acks_in_a_capture, are_control_frames_for_tickerd) {
  // Acks as the venues document them, in case a raw recording kept them.
  expect_control(venue_id::binance, {R"({"result":null,"id":1})"});
  expect_control(
      venue_id::okx,
      {R"({"event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USD"},"connId":"a4d3ae55"})",
       "pong"});
  expect_control(
      venue_id::coinbase,
      {R"({"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD"]}]})"});
  expect_control(
      venue_id::bybit,
      {R"({"success":true,"ret_msg":"subscribe","conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b","req_id":"10001","op":"subscribe"})",
       R"({"success":true,"ret_msg":"pong","conn_id":"465772b1-7630-4fdc-a492-e003e6f0f260","op":"ping"})"});
  expect_control(
      venue_id::kraken,
      {R"({"channel":"status","data":[{"api_version":"v2","connection_id":12393906104898154338,"system":"online","version":"2.0.0"}],"type":"update"})",
       R"({"method":"subscribe","result":{"channel":"ticker","event_trigger":"trades","snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"})",
       R"({"channel":"heartbeat"})"});
}

}  // namespace
}  // namespace tickerd::sim::replay
