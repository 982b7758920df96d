// The WebSocket protocol layer (RFC 6455) seen from the wire: a raw TCP client (raw_ws.hpp),
// with frames built and parsed by hand, against a real tickerd. The other integration tests
// talk through Beast's client, which hides exactly what is checked here: the opening
// handshake's headers, masking, fragmentation, control frames, close codes and TCP closes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "raw_ws.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// ---- 1. the opening handshake ---------------------------------------------------------------

TEST(end_to_end_websocket, accept_key_helper_matches_the_rfc_example) {
  // RFC 6455 section 1.3: the test's own SHA-1 + base64 must agree before it judges tickerd.
  EXPECT_EQ(expected_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(base64("the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(end_to_end_websocket, handshake_answers_101_or_the_right_refusal) {
  stack s;
  ASSERT_TRUE(s.start());

  {  // A correct upgrade: 101, Upgrade, Connection, the exact Sec-WebSocket-Accept.
    raw_client c;
    ASSERT_TRUE(open_websocket(c, s.port()));
    // And the RFC's own example key gets the RFC's own answer from tickerd.
    raw_client rfc;
    ASSERT_TRUE(rfc.connect(s.port()));
    upgrade_fields fields;
    fields.key = "dGhlIHNhbXBsZSBub25jZQ==";
    ASSERT_TRUE(rfc.send_bytes(upgrade_request(s.port(), fields)));
    const auto head = rfc.read_http_head(reply_timeout);
    ASSERT_TRUE(head) << rfc.last_error();
    EXPECT_EQ(head->status, 101) << head->raw;
    EXPECT_EQ(head->header("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") << head->raw;
  }
  {  // Version 8 (and none at all): 426 naming the version tickerd speaks.
    for (const std::optional<std::string>& version :
         {std::optional<std::string>("8"), std::optional<std::string>()}) {
      upgrade_fields fields;
      fields.key = client_key();
      fields.version = version;
      const auto r = try_upgrade(s.port(), fields);
      ASSERT_TRUE(r.head) << "version " << version.value_or("(none)");
      EXPECT_EQ(r.head->status, 426) << r.head->raw;
      EXPECT_EQ(r.head->header("sec-websocket-version"), "13") << r.head->raw;
    }
  }
  {  // A missing or malformed key: 400.
    for (const std::optional<std::string>& key :
         {std::optional<std::string>(), std::optional<std::string>("not a key"),
          std::optional<std::string>(base64("fifteen bytes!!")),
          std::optional<std::string>(base64("seventeen bytes!!")),
          std::optional<std::string>("dGhlIHNhbXBsZSBub25j*Q==")}) {
      upgrade_fields fields;
      fields.key = key;
      const auto r = try_upgrade(s.port(), fields);
      ASSERT_TRUE(r.head) << "key " << key.value_or("(none)");
      EXPECT_EQ(r.head->status, 400) << "key " << key.value_or("(none)") << "\n" << r.head->raw;
      EXPECT_FALSE(r.head->header("sec-websocket-accept").has_value()) << r.head->raw;
    }
  }
  {  // Any path but /ws: 404.
    for (const std::string path : {"/", "/wss", "/ws/", "/v1/ws"}) {
      upgrade_fields fields;
      fields.key = client_key();
      fields.path = path;
      const auto r = try_upgrade(s.port(), fields);
      ASSERT_TRUE(r.head) << path;
      EXPECT_EQ(r.head->status, 404) << path << "\n" << r.head->raw;
    }
  }
  // None of the refusals disturbed the server.
  raw_client after;
  ASSERT_TRUE(open_websocket(after, s.port()));
}

// Refusals before the upgrade are sent, then the connection closed without a reset (the
// server reads what the client still sends): 431 for headers over 8 KiB, 400 for a malformed
// request, 408 for one not finished in time. These used to be 413, a silent close and a
// silent close.
TEST(end_to_end_websocket, bad_http_requests_get_their_status_before_the_close) {
  constexpr duration handshake_timeout{600};
  stack_options options;
  options.extra_limits = "handshake_timeout_ms = " + std::to_string(handshake_timeout.count());
  stack s(options);
  ASSERT_TRUE(s.start());
  const auto status_then_close = [&](std::string_view bytes, int expected) {
    SCOPED_TRACE(std::string(bytes.substr(0, 60)));
    raw_client c;
    ASSERT_TRUE(c.connect(s.port()));
    (void)c.send_bytes(bytes);  // the server may reply before it has read everything
    const auto head = c.read_http_head(reply_timeout);
    ASSERT_TRUE(head) << c.last_error();
    EXPECT_EQ(head->status, expected) << head->raw;
    EXPECT_EQ(head->header("connection"), "close") << head->raw;
    (void)c.read_http_body(*head, reply_timeout);
    EXPECT_EQ(c.wait_tcp_close(reply_timeout), read_status::eof);
  };
  // 64 KiB of headers: far more than the server reads before refusing.
  status_then_close("GET /ws HTTP/1.1\r\nX-Big: " + std::string(64 * 1024, 'b') + "\r\n\r\n", 431);
  status_then_close("HELLO WORLD\r\n\r\n", 400);
  status_then_close("GET /healthz HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400);
  const auto start = steady_clock::now();
  status_then_close("GET /ws HTTP/1.1\r\nHost: x\r\n", 408);  // and nothing more
  EXPECT_GE(steady_clock::now() - start, handshake_timeout);
}

// ---- 2. early data and split frames ---------------------------------------------------------

TEST(end_to_end_websocket, frames_sent_with_the_upgrade_request_are_processed) {
  stack s;
  ASSERT_TRUE(s.start());

  {  // The request and a whole subscribe frame in one send().
    raw_client c;
    ASSERT_TRUE(open_websocket(c, s.port(), text_frame(subscribe_request(1, {"ticker.BTC-USDT"}))));
    const auto ack = c.wait_message(reply("ack", 1), reply_timeout);
    ASSERT_TRUE(ack) << c.tail();
    EXPECT_EQ((*ack)["channels"][0].str(), "ticker.BTC-USDT");
    ASSERT_TRUE(c.wait_message(any_update(), update_timeout)) << c.tail();
  }
  {  // The request and a ping + the first half of a subscribe frame; the rest later.
    const auto frame = text_frame(subscribe_request(2, {"ticker.ETH-USDT"}));
    const auto half = frame.size() / 2;
    raw_client c;
    ASSERT_TRUE(open_websocket(c, s.port(),
                               client_frame(fin_bit | op_ping, "early") + frame.substr(0, half)));
    const auto pong = c.read_frame(reply_timeout);
    ASSERT_TRUE(pong) << c.tail();
    EXPECT_EQ(pong->opcode, op_pong) << pong->describe();
    EXPECT_EQ(pong->payload, "early");
    ASSERT_TRUE(c.send_bytes(frame.substr(half)));
    ASSERT_TRUE(c.wait_message(reply("ack", 2), reply_timeout)) << c.tail();
  }
}

TEST(end_to_end_websocket, fragmented_and_dribbled_requests_are_reassembled) {
  stack s;
  ASSERT_TRUE(s.start());

  const std::string request = subscribe_request(3, {"ticker.BTC-USDT"});
  const auto third = request.size() / 3;
  const auto part1 = request.substr(0, third);
  const auto part2 = request.substr(third, third);
  const auto part3 = request.substr(2 * third);
  const auto frag1 = client_frame(op_text, part1);  // FIN clear
  const auto frag2 = client_frame(op_continuation, part2);
  const auto frag3 = client_frame(fin_bit | op_continuation, part3);
  const auto ping = client_frame(fin_bit | op_ping, "between fragments");

  {  // Each frame in its own send(): the ping is answered while the message is still open.
    raw_client c;
    ASSERT_TRUE(open_websocket(c, s.port()));
    ASSERT_TRUE(c.send_bytes(frag1));
    ASSERT_TRUE(c.send_bytes(ping));
    const auto pong = c.read_frame(reply_timeout);
    ASSERT_TRUE(pong) << c.tail();
    EXPECT_EQ(pong->opcode, op_pong) << pong->describe();
    EXPECT_EQ(pong->payload, "between fragments");
    ASSERT_TRUE(c.send_bytes(frag2));
    ASSERT_TRUE(c.send_bytes(frag3));
    const auto ack = c.wait_message(reply("ack", 3), reply_timeout);
    ASSERT_TRUE(ack) << c.tail();
    EXPECT_EQ((*ack)["op"].str(), "subscribe");
    EXPECT_EQ((*ack)["channels"][0].str(), "ticker.BTC-USDT");
    // The pong came first, and nothing but the pong came before the ack's frame.
    ASSERT_GE(c.frames().size(), 2u);
    EXPECT_EQ(c.frames()[0].opcode, op_pong);
    EXPECT_EQ(c.frames()[1].opcode, op_text);
  }
  {  // All of it in one send(): the pong still comes, and before the ack.
    raw_client c;
    ASSERT_TRUE(open_websocket(c, s.port()));
    ASSERT_TRUE(c.send_bytes(frag1 + ping + frag2 + frag3));
    const auto pong = c.read_frame(reply_timeout);
    ASSERT_TRUE(pong) << c.tail();
    EXPECT_EQ(pong->opcode, op_pong) << pong->describe();
    EXPECT_EQ(pong->payload, "between fragments");
    ASSERT_TRUE(c.wait_message(reply("ack", 3), reply_timeout)) << c.tail();
  }
  {  // One byte per send(): every header field, the mask and the payload cut apart. Padded
    // past 125 bytes so the 16-bit extended length is split too.
    std::string padded = subscribe_request(4, {"ticker.ETH-USDT"});
    padded.insert(padded.size() - 1, std::string(200 - padded.size(), ' '));
    const auto frame = text_frame(padded);
    ASSERT_EQ(static_cast<unsigned char>(frame[1]) & 0x7f, 126) << "expected a 16-bit length";
    raw_client c;
    ASSERT_TRUE(open_websocket(c, s.port()));
    ASSERT_TRUE(c.dribble(frame, milliseconds(2)));
    const auto ack = c.wait_message(reply("ack", 4), reply_timeout);
    ASSERT_TRUE(ack) << c.tail();
    EXPECT_EQ((*ack)["channels"][0].str(), "ticker.ETH-USDT");
    // A ping dribbled the same way is answered too.
    ASSERT_TRUE(c.dribble(client_frame(fin_bit | op_ping, "drip"), milliseconds(2)));
    std::optional<wire_frame> pong;
    while ((pong = c.read_frame(reply_timeout)) && pong->opcode != op_pong) {
    }
    ASSERT_TRUE(pong) << c.tail();
    EXPECT_EQ(pong->payload, "drip");
  }
}

// ---- 3. the server's frames -----------------------------------------------------------------

TEST(end_to_end_websocket, server_frames_are_unmasked_final_text_with_newline_batches) {
  stack s;
  ASSERT_TRUE(s.start());
  raw_client c;
  ASSERT_TRUE(open_websocket(c, s.port()));
  // ticker.* makes the reply frame longer than 125 bytes: the 16-bit length form is used.
  ASSERT_TRUE(c.send_bytes(text_frame(subscribe_request(5, {"ticker.*", "status"}))));
  const auto ack = c.wait_message(reply("ack", 5), reply_timeout);
  ASSERT_TRUE(ack) << c.tail();

  // PROTOCOL.md: messages pending together share a frame. The ack and every snapshot of the
  // request were queued together, so the ack's frame carries them all, ack first.
  const wire_frame reply_frame = c.frames().back();
  EXPECT_EQ(reply_frame.opcode, op_text);
  EXPECT_GE(reply_frame.payload.size(), 126u);
  const auto parts = split_messages(reply_frame.payload);
  ASSERT_EQ(parts.size(), 1 + all_symbols().size() + 1) << reply_frame.payload.substr(0, 2000);
  std::size_t snapshots = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto m = json_value::parse(parts[i]);
    ASSERT_TRUE(m && m->is_object()) << "message " << i << ": '" << parts[i] << "'";
    if (i == 0) {
      EXPECT_EQ((*m)["type"].str(), "ack") << parts[i];
    } else {
      EXPECT_EQ((*m)["type"].str(), "snapshot") << parts[i];
      ++snapshots;
    }
  }
  EXPECT_EQ(snapshots, all_symbols().size() + 1);

  // Then updates: every frame checked by read_frame(); every message in it valid JSON (no
  // empty message from a leading, trailing or doubled "\n").
  std::size_t updates = 0;
  while (updates < 20) {
    const auto f = c.read_frame(update_timeout);
    ASSERT_TRUE(f) << c.tail();
    ASSERT_EQ(f->opcode, op_text) << f->describe();
    for (const auto& text : split_messages(f->payload)) {
      const auto m = json_value::parse(text);
      ASSERT_TRUE(m && m->is_object())
          << "not a JSON object: '" << text << "' in " << f->describe();
      EXPECT_FALSE((*m)["type"].str().empty()) << text;
      if ((*m)["type"].str() == "update") ++updates;
    }
  }
}

// ---- 4. closing -----------------------------------------------------------------------------

TEST(end_to_end_websocket, client_close_is_echoed_then_the_server_closes_tcp) {
  stack_options options;
  // Far above the wait below: the TCP close must come from the handshake, not this timeout.
  options.extra_limits = "handshake_timeout_ms = 30000";
  stack s(options);
  ASSERT_TRUE(s.start());
  raw_client c;
  ASSERT_TRUE(open_websocket(c, s.port()));
  ASSERT_TRUE(c.send_bytes(text_frame(subscribe_request(6, {"ticker.*"}))));
  ASSERT_TRUE(c.wait_message(any_update(), update_timeout)) << c.tail();

  ASSERT_TRUE(c.send_bytes(close_frame(close_normal, "bye")));
  const auto sent_at = steady_clock::now();
  // Updates already on their way may come first; then the close frame, and nothing after.
  std::optional<wire_frame> f;
  while ((f = c.read_frame(reply_timeout)) && f->opcode != op_close) {
    EXPECT_EQ(f->opcode, op_text) << f->describe();
  }
  ASSERT_TRUE(f) << c.tail();
  EXPECT_EQ(f->close_code(), close_normal) << f->describe();
  std::size_t after = 0;
  const auto status = c.wait_tcp_close(seconds(3), &after);
  EXPECT_EQ(status, read_status::eof) << c.tail();
  EXPECT_EQ(after, 0u) << "frames after the close frame:\n" << c.tail();
  EXPECT_LT(steady_clock::now() - sent_at, seconds(3));

  // A close frame without a status code is answered by one without a code either.
  raw_client quiet;
  ASSERT_TRUE(open_websocket(quiet, s.port()));
  ASSERT_TRUE(quiet.send_bytes(client_frame(fin_bit | op_close, "")));
  const auto echo = quiet.read_frame(reply_timeout);
  ASSERT_TRUE(echo) << quiet.tail();
  EXPECT_EQ(echo->opcode, op_close) << echo->describe();
  EXPECT_EQ(echo->payload, "") << echo->describe();
  EXPECT_EQ(quiet.wait_tcp_close(seconds(3)), read_status::eof) << quiet.tail();
}

TEST(end_to_end_websocket, sigterm_sends_going_away_and_closes_after_the_client_replies) {
  stack s;
  ASSERT_TRUE(s.start());
  raw_client c;
  ASSERT_TRUE(open_websocket(c, s.port()));
  ASSERT_TRUE(c.send_bytes(text_frame(subscribe_request(7, {"ticker.BTC-USDT"}))));
  ASSERT_TRUE(c.wait_message(any_update(), update_timeout)) << c.tail();

  s.tickerd().send_signal(SIGTERM);
  std::optional<wire_frame> f;
  while ((f = c.read_frame(default_timeout)) && f->opcode != op_close) {
    EXPECT_EQ(f->opcode, op_text) << f->describe();
  }
  ASSERT_TRUE(f) << "no close frame after SIGTERM: " << c.tail();
  EXPECT_EQ(f->close_code(), close_going_away) << f->describe();

  ASSERT_TRUE(c.send_bytes(close_frame(close_going_away, "")));
  std::size_t after = 0;
  const auto status = c.wait_tcp_close(default_timeout, &after);
  EXPECT_EQ(status, read_status::eof) << c.tail();
  EXPECT_EQ(after, 0u) << "frames after the close frame:\n" << c.tail();

  const auto exited = s.tickerd().wait_exit(default_timeout);
  ASSERT_TRUE(exited) << "tickerd still running after SIGTERM and the closing handshake";
  EXPECT_TRUE(exited->exited) << exited->str();
  EXPECT_EQ(exited->code, 0) << exited->str();
}

// ---- 5. protocol errors ---------------------------------------------------------------------

struct bad_input {
  const char* what;
  std::string bytes;
  int expected_code;
};

TEST(end_to_end_websocket, protocol_errors_close_with_the_right_code_and_spare_others) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client bystander;
  ASSERT_TRUE(bystander.connect(s.port()));
  ASSERT_TRUE(bystander.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(bystander.wait_for(typed_on("update", "ticker.BTC-USDT"), update_timeout))
      << bystander.tail();

  const std::string ping_request = R"({"op":"ping","id":1})";
  const std::vector<bad_input> cases{
      {"unmasked text frame", client_frame(fin_bit | op_text, ping_request, false),
       close_protocol_error},
      {"RSV1 set", client_frame(fin_bit | rsv1_bit | op_text, ping_request), close_protocol_error},
      {"opcode 3", client_frame(fin_bit | op_reserved_data, ping_request), close_protocol_error},
      {"invalid UTF-8 in a text frame", text_frame("{\"op\":\"ping\",\"id\":\"\xc3\x28\xff\"}"),
       close_invalid_payload},
      {"invalid UTF-8 split across fragments",
       client_frame(op_text, "{\"op\":\"ping\",\"id\":\"\xe2\x82") +
           client_frame(fin_bit | op_continuation, "\x28\"}"),
       close_invalid_payload},
      {"header announcing 1 MiB", big_frame_header(1u << 20), close_too_big},
      {"fragmented ping", client_frame(op_ping, "x"), close_protocol_error},
      {"ping over 125 bytes", client_frame(fin_bit | op_ping, std::string(126, 'p')),
       close_protocol_error},
      {"continuation without a message", client_frame(fin_bit | op_continuation, ping_request),
       close_protocol_error},
      {"text frame inside a fragmented message",
       client_frame(op_text, "{\"op\":") + text_frame(ping_request), close_protocol_error},
      {"close with a one-byte payload", client_frame(fin_bit | op_close, "\x03"),
       close_protocol_error},
      {"close with code 1005 (reserved)", close_frame(1005, ""), close_protocol_error},
      {"close with a reason that is not UTF-8", close_frame(close_normal, "\xc0\xaf"),
       close_invalid_payload},
  };

  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.what);
    raw_client c;
    ASSERT_TRUE(open_websocket(c, s.port()));
    ASSERT_TRUE(c.send_bytes(bad.bytes));
    // The close frame, promptly: for the 1 MiB header the payload never comes, so a server
    // that waited for it would time out here.
    const auto f = c.read_frame(reply_timeout);
    ASSERT_TRUE(f) << c.tail();
    EXPECT_EQ(f->opcode, op_close) << f->describe();
    EXPECT_EQ(f->close_code(), bad.expected_code) << f->describe();
    // Then the TCP close, without waiting for the client's close frame: after a protocol error
    // its frames can no longer be read (RFC 6455 7.1.7).
    std::size_t after = 0;
    const auto status = c.wait_tcp_close(reply_timeout, &after);
    EXPECT_EQ(status, read_status::eof) << c.tail();
    EXPECT_EQ(after, 0u) << "frames after the close frame:\n" << c.tail();

    // The bystander, on the same server, keeps receiving.
    const auto from = bystander.size();
    EXPECT_TRUE(bystander.wait_for(typed_on("update", "ticker.BTC-USDT"), update_timeout, from))
        << bystander.tail();
    ASSERT_FALSE(bystander.closed()) << bystander.close_error();
  }

  {  // Not protocol errors: a binary frame is answered with an error and the connection stays.
    raw_client c;
    ASSERT_TRUE(open_websocket(c, s.port()));
    ASSERT_TRUE(c.send_bytes(client_frame(fin_bit | op_binary, ping_request)));
    const auto err = c.wait_message([](const json_value& m) { return m["type"].str() == "error"; },
                                    reply_timeout);
    ASSERT_TRUE(err) << c.tail();
    EXPECT_EQ((*err)["code"].str(), "binary_not_supported");
    ASSERT_TRUE(c.send_bytes(text_frame(R"({"op":"ping","id":2})")));
    ASSERT_TRUE(c.wait_message(reply("pong", 2), reply_timeout)) << c.tail();
  }
}

// ---- 6. keepalive ---------------------------------------------------------------------------

TEST(end_to_end_websocket, keepalive_pings_quiet_clients_and_drops_silent_ones) {
  constexpr duration idle{800};
  constexpr duration tick{200};  // min(1 s, idle / 4): the shard's sweep interval
  stack_options options;
  options.extra_limits = "idle_timeout_ms = " + std::to_string(idle.count());
  stack s(options);
  ASSERT_TRUE(s.start());

  {  // Silent: pinged after half the idle timeout, dropped after all of it.
    raw_client c;
    // The server counts from when it read the request, which is after this: times measured
    // from here are never shorter than the server's.
    const auto start = steady_clock::now();
    ASSERT_TRUE(open_websocket(c, s.port()));
    const auto ping = c.read_frame(idle + tick + scheduling_slack);
    ASSERT_TRUE(ping) << c.tail();
    ASSERT_EQ(ping->opcode, op_ping) << ping->describe();
    const auto pinged_after = ping->received - start;
    EXPECT_GE(pinged_after, idle / 2 - milliseconds(2)) << millis_text(pinged_after);
    EXPECT_LE(pinged_after, idle + tick + scheduling_slack) << millis_text(pinged_after);

    std::size_t frames = 0;
    const auto status = c.wait_tcp_close(idle + tick + scheduling_slack, &frames);
    const auto closed_after = steady_clock::now() - start;
    EXPECT_TRUE(status == read_status::eof || status == read_status::reset) << c.tail();
    EXPECT_GE(closed_after, idle - milliseconds(2)) << millis_text(closed_after);
    EXPECT_LE(closed_after, idle + tick + scheduling_slack) << millis_text(closed_after);
    for (std::size_t k = 1; k < c.frames().size(); ++k) {
      EXPECT_TRUE(c.frames()[k].opcode == op_ping || c.frames()[k].opcode == op_close)
          << c.frames()[k].describe();
    }
  }
  {  // Answering every ping with a masked pong: still connected long after the idle timeout.
    raw_client c;
    const auto start = steady_clock::now();
    ASSERT_TRUE(open_websocket(c, s.port()));
    constexpr duration hold{2'400};  // three idle timeouts
    std::size_t pings = 0;
    while (steady_clock::now() - start < hold) {
      const auto left = std::chrono::duration_cast<duration>(hold - (steady_clock::now() - start));
      const auto f = c.read_frame(std::max(left, duration(1)));
      if (!f) {
        ASSERT_EQ(c.last_status(), read_status::timeout)
            << "dropped after " << millis_text(steady_clock::now() - start) << " while answering "
            << pings << " pings: " << c.tail();
        continue;
      }
      ASSERT_EQ(f->opcode, op_ping) << f->describe();
      ++pings;
      ASSERT_TRUE(c.send_bytes(client_frame(fin_bit | op_pong, f->payload)));
    }
    // Staying 2.4 s with an 800 ms idle timeout took at least two answered pings.
    EXPECT_GE(pings, 2u) << c.tail();
    ASSERT_TRUE(c.send_bytes(text_frame(R"({"op":"ping","id":8})")));
    ASSERT_TRUE(c.wait_message(reply("pong", 8), reply_timeout, true)) << c.tail();
  }
}

// A flood of requests read in one go: the burst's replies and the rate_limited errors go out
// before the 1008 close frame. They used to be dropped with the queue, leaving a bare close.
TEST(end_to_end_websocket, a_request_flood_gets_its_replies_and_errors_before_1008) {
  constexpr int rate = 5;
  stack_options options;
  options.max_requests_per_second = rate;
  stack s(options);
  ASSERT_TRUE(s.start());
  raw_client c;
  ASSERT_TRUE(open_websocket(c, s.port()));
  std::string flood;
  for (int i = 0; i < 500; ++i) {
    flood += text_frame(R"({"op":"ping","id":)" + std::to_string(i) + "}");
  }
  (void)c.send_bytes(flood);  // the server may close before it has read it all
  std::size_t pongs = 0;
  std::size_t limited = 0;
  std::optional<wire_frame> f;
  while ((f = c.read_frame(reply_timeout)) && f->opcode != op_close) {
    if (f->opcode != op_text) continue;
    for (const auto& text : split_messages(f->payload)) {
      const auto m = json_value::parse(text);
      ASSERT_TRUE(m) << text;
      if ((*m)["type"].str() == "pong") ++pongs;
      if ((*m)["type"].str() == "error" && (*m)["code"].str() == "rate_limited") ++limited;
    }
  }
  ASSERT_TRUE(f) << c.tail();
  EXPECT_EQ(f->close_code(), 1008) << f->describe();
  EXPECT_GE(pongs, static_cast<std::size_t>(rate));
  EXPECT_GE(limited, static_cast<std::size_t>(4 * rate + 10));
}

// ---- 7. ping flood --------------------------------------------------------------------------

TEST(end_to_end_websocket, ping_flood_gets_pongs_and_spares_others) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client bystander;
  ASSERT_TRUE(bystander.connect(s.port()));
  ASSERT_TRUE(bystander.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(bystander.wait_for(typed_on("update", "ticker.BTC-USDT"), update_timeout))
      << bystander.tail();

  constexpr int flood = 1000;
  raw_client c;
  ASSERT_TRUE(open_websocket(c, s.port()));
  std::string pings;
  for (int i = 0; i < flood; ++i) {
    pings += client_frame(fin_bit | op_ping, "flood-" + std::to_string(i));
  }
  ASSERT_TRUE(c.send_bytes(pings));
  // A request after the flood: its reply means every ping before it has been read.
  ASSERT_TRUE(c.send_bytes(text_frame(R"({"op":"ping","id":9})")));
  ASSERT_TRUE(c.wait_message(reply("pong", 9), default_timeout)) << c.tail();

  // Pongs came, each echoing a ping that was sent, in the order sent, and no close.
  int last = -1;
  std::size_t pongs = 0;
  for (const auto& f : c.frames()) {
    EXPECT_NE(f.opcode, op_close) << f.describe();
    if (f.opcode != op_pong) continue;
    ++pongs;
    ASSERT_TRUE(f.payload.starts_with("flood-")) << f.describe();
    const int n = std::stoi(f.payload.substr(6));
    EXPECT_GT(n, last) << "pong for ping " << n << " after the one for " << last;
    EXPECT_LT(n, flood);
    last = n;
  }
  EXPECT_GE(pongs, 1u) << c.tail();

  // Still connected and answering: a lone ping gets its own pong.
  ASSERT_TRUE(c.send_bytes(client_frame(fin_bit | op_ping, "after the flood")));
  std::optional<wire_frame> pong;
  while ((pong = c.read_frame(reply_timeout)) && pong->opcode != op_pong) {
  }
  ASSERT_TRUE(pong) << c.tail();
  EXPECT_EQ(pong->payload, "after the flood");

  const auto from = bystander.size();
  EXPECT_TRUE(bystander.wait_for(typed_on("update", "ticker.BTC-USDT"), update_timeout, from))
      << bystander.tail();
  EXPECT_FALSE(bystander.closed()) << bystander.close_error();
}

TEST(end_to_end_websocket, ping_flood_answers_the_most_recent_ping) {
  // RFC 6455 5.5.3: every ping gets a pong, except that an endpoint with unanswered pings "MAY
  // elect to send a Pong frame for only the most recently processed Ping frame". Skipping
  // pongs is allowed only in favour of the latest: the last ping of a flood is answered.
  stack s;
  ASSERT_TRUE(s.start());
  constexpr int flood = 1000;
  raw_client c;
  ASSERT_TRUE(open_websocket(c, s.port()));
  std::string pings;
  for (int i = 0; i < flood; ++i) {
    pings += client_frame(fin_bit | op_ping, "flood-" + std::to_string(i));
  }
  ASSERT_TRUE(c.send_bytes(pings));
  const std::string last_payload = "flood-" + std::to_string(flood - 1);
  std::optional<wire_frame> f;
  while ((f = c.read_frame(reply_timeout)) &&
         !(f->opcode == op_pong && f->payload == last_payload)) {
  }
  EXPECT_TRUE(f) << "no pong for the last ping '" << last_payload << "'; "
                 << std::count_if(c.frames().begin(), c.frames().end(),
                                  [](const wire_frame& w) { return w.opcode == op_pong; })
                 << " pongs came. " << c.tail();
}

}  // namespace
}  // namespace tickerd::e2e
