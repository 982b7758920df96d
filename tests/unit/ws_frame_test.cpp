// The server side of RFC 6455 framing (src/gateway/ws_frame.hpp), checked against the RFC:
// sections 5.2-5.5 (framing, masking, fragmentation, control frames), 5.6 and 8.1 (UTF-8),
// 5.7 (its examples), 7.4 (close codes) and 4.2.2 (the accept key). Client frames are built
// here from the RFC's layout, not with the code under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/ws_frame.hpp"

namespace tickerd::ws {
namespace {

// Opcodes as numbers, so that the reserved ones can be sent too.
constexpr unsigned op_continuation = 0x0;
constexpr unsigned op_text = 0x1;
constexpr unsigned op_binary = 0x2;
constexpr unsigned op_close = 0x8;
constexpr unsigned op_ping = 0x9;
constexpr unsigned op_pong = 0xa;

constexpr std::uint16_t protocol_error = 1002;
constexpr std::uint16_t invalid_payload = 1007;
constexpr std::uint16_t too_big = 1009;

// What the reader may hold between inputs beyond a message of the maximum size: the rest of
// that message's last frame is never more than its header (2 + 8 length bytes + 4 mask
// bytes), but an incomplete control frame may sit behind a fragmented message's start, and
// that is up to 2 + 4 + 125 bytes less the one that has not arrived.
constexpr std::size_t max_overhead = 2 + 4 + max_control_payload - 1;
constexpr std::size_t default_max = 1 << 20;

using kind = frame_event::kind;

enum class length_form { minimal, bits16, bits64 };

// One client frame as RFC 6455 5.2 lays it out; the defaults make a well-formed one.
struct frame_options {
  bool fin = true;
  unsigned rsv = 0;  // the three RSV bits, 0-7
  bool masked = true;
  length_form form = length_form::minimal;
  std::array<unsigned char, 4> key = {0x37, 0xfa, 0x21, 0x3d};  // the RFC 5.7 example's key
};

std::string client_frame(unsigned op, std::string_view payload, frame_options o = {}) {
  std::string out;
  out.push_back(static_cast<char>((o.fin ? 0x80u : 0u) | (o.rsv << 4) | op));
  const unsigned char mask = o.masked ? 0x80 : 0x00;
  const std::uint64_t n = payload.size();
  length_form form = o.form;
  if (form == length_form::minimal) {
    form = n < 126 ? length_form::minimal : n <= 0xffff ? length_form::bits16 : length_form::bits64;
  }
  if (form == length_form::minimal) {
    out.push_back(static_cast<char>(mask | n));
  } else if (form == length_form::bits16) {
    out.push_back(static_cast<char>(mask | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(mask | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  if (o.masked) out.append(reinterpret_cast<const char*>(o.key.data()), o.key.size());
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const auto m = o.masked ? o.key[i % 4] : 0;
    out.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ m));
  }
  return out;
}

std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  for (const unsigned v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
  std::string out = bytes({static_cast<unsigned>(code >> 8), code & 0xffu});
  out.append(reason);
  return out;
}

// A frame_event copied out of the reader, so it outlives the next call.
struct event {
  kind what = kind::text;
  std::string payload;
  std::uint16_t code = 0;
  bool operator==(const event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const event& e) {
  static constexpr const char* names[] = {"text", "binary", "ping", "pong", "close", "error"};
  os << names[static_cast<int>(e.what)] << "(" << e.code << ", \"";
  for (const char c : e.payload) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      os << c;
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      os << "\\x" << hex[u >> 4] << hex[u & 0xf];
    }
  }
  return os << "\")";
}

event text(std::string_view s) {
  return {kind::text, std::string(s), 0};
}
event binary(std::string_view s) {
  return {kind::binary, std::string(s), 0};
}
event ping(std::string_view s) {
  return {kind::ping, std::string(s), 0};
}
event pong(std::string_view s) {
  return {kind::pong, std::string(s), 0};
}
event close(std::uint16_t code, std::string_view reason) {
  return {kind::close, std::string(reason), code};
}

// Every event the current input yields. Errors are reduced to their code (the reason text
// is for logs), and the reader must stay silent after one.
std::vector<event> drain(frame_reader& r) {
  std::vector<event> out;
  while (const frame_event* e = r.next()) {
    if (e->what == kind::error) {
      EXPECT_FALSE(e->payload.empty()) << "an error says why";
      out.push_back({kind::error, {}, e->code});
      EXPECT_TRUE(r.failed());
      EXPECT_EQ(r.next(), nullptr) << "an event after an error";
      break;
    }
    out.push_back({e->what, std::string(e->payload), e->code});
  }
  return out;
}

event error(std::uint16_t code) {
  return {kind::error, {}, code};
}

// Feeds `input` as one piece, in a buffer of its own (the reader unmasks in place).
std::vector<event> feed_whole(frame_reader& r, std::string_view input) {
  std::string copy(input);
  r.feed(copy.data(), copy.size());
  std::vector<event> out = drain(r);
  r.keep_rest();
  return out;
}

std::vector<event> read_whole(std::string_view input, std::size_t max = default_max) {
  frame_reader r(max);
  return feed_whole(r, input);
}

// Feeds `input` cut at `cuts` (ascending offsets), each piece copied to the start of one
// reused buffer that is scribbled over after every keep_rest(): whatever the reader needed
// from an earlier piece, it must have copied.
std::vector<event> read_in_pieces(std::string_view input, const std::vector<std::size_t>& cuts,
                                  std::size_t max = default_max) {
  frame_reader r(max);
  std::vector<char> buffer(input.size() + 1, '\0');
  std::vector<event> out;
  std::size_t from = 0;
  auto piece = [&](std::size_t to) {
    std::copy(input.begin() + static_cast<std::ptrdiff_t>(from),
              input.begin() + static_cast<std::ptrdiff_t>(to), buffer.begin());
    r.feed(buffer.data(), to - from);
    for (event& e : drain(r)) out.push_back(std::move(e));
    r.keep_rest();
    EXPECT_LE(r.buffered(), max + max_overhead);
    std::fill(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(to - from), '\xa5');
    from = to;
  };
  for (const std::size_t cut : cuts) piece(cut);
  piece(input.size());
  return out;
}

std::vector<std::size_t> every(std::size_t step, std::size_t size) {
  std::vector<std::size_t> cuts;
  for (std::size_t at = step; at < size; at += step) cuts.push_back(at);
  return cuts;
}

// A payload whose every byte depends on its offset, so a misapplied mask shows.
std::string pattern(std::size_t n, bool ascii = true) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = ascii ? static_cast<char>('!' + (i * 7 + i / 94) % 94) : static_cast<char>(i * 31 + 7);
  }
  return out;
}

// ---- frames from the server ----------------------------------------------------------------

std::string header(opcode op, std::uint64_t size) {
  std::array<char, 16> out{};
  out.fill('\x55');  // what the function must not write past its length
  const std::size_t n = server_frame_header(op, size, out.data());
  EXPECT_LE(n, max_frame_header_bytes);
  for (std::size_t i = n; i < out.size(); ++i) EXPECT_EQ(out[i], '\x55') << "wrote past " << n;
  return std::string(out.data(), n);
}

TEST(WsFrame, ServerHeaderSevenBitLengths) {
  EXPECT_EQ(header(opcode::text, 0), bytes({0x81, 0x00}));
  EXPECT_EQ(header(opcode::text, 5), bytes({0x81, 0x05}));  // RFC 5.7 "Hello"
  EXPECT_EQ(header(opcode::text, 125), bytes({0x81, 0x7d}));
  EXPECT_EQ(header(opcode::binary, 125), bytes({0x82, 0x7d}));
  EXPECT_EQ(header(opcode::pong, 0), bytes({0x8a, 0x00}));
}

TEST(WsFrame, ServerHeaderSixteenBitLengths) {
  EXPECT_EQ(header(opcode::text, 126), bytes({0x81, 0x7e, 0x00, 0x7e}));
  EXPECT_EQ(header(opcode::binary, 256), bytes({0x82, 0x7e, 0x01, 0x00}));  // RFC 5.7
  EXPECT_EQ(header(opcode::text, 65535), bytes({0x81, 0x7e, 0xff, 0xff}));
}

TEST(WsFrame, ServerHeaderSixtyFourBitLengths) {
  // RFC 5.7: "64KiB binary message in a single unmasked frame".
  EXPECT_EQ(header(opcode::binary, 65536),
            bytes({0x82, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
  EXPECT_EQ(header(opcode::text, std::uint64_t{1} << 32),
            bytes({0x81, 0x7f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(header(opcode::text, 0x0102030405060708),
            bytes({0x81, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}));
}

TEST(WsFrame, ServerCloseFrame) {
  EXPECT_EQ(server_close_frame(1000, ""), bytes({0x88, 0x02, 0x03, 0xe8}));
  EXPECT_EQ(server_close_frame(1009, "too big"), bytes({0x88, 0x09, 0x03, 0xf1}) + "too big");
  EXPECT_EQ(server_close_frame(4001, "bye"), bytes({0x88, 0x05, 0x0f, 0xa1}) + "bye");
}

// The reason carried by a server close frame, checked for the frame's own consistency.
std::string close_reason_of(const std::string& frame) {
  EXPECT_GE(frame.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0x88u);
  const auto length = static_cast<std::size_t>(static_cast<unsigned char>(frame[1]));
  EXPECT_LE(length, 125u) << "a control frame's payload is at most 125 bytes (RFC 5.5)";
  EXPECT_EQ(frame.size(), 2 + length);
  return frame.substr(4);
}

TEST(WsFrame, ServerCloseReasonCutAt123BytesOnACharacterBoundary) {
  const std::string ascii(200, 'r');
  EXPECT_EQ(close_reason_of(server_close_frame(1008, ascii)), ascii.substr(0, 123));
  const std::string exact(123, 'x');
  EXPECT_EQ(close_reason_of(server_close_frame(1008, exact)), exact);

  // "é" (2 bytes) at offsets 122-123 would be split at 123: the whole character goes.
  const std::string two = std::string(122, 'a') + "\xc3\xa9" + "tail";
  EXPECT_EQ(close_reason_of(server_close_frame(1008, two)), std::string(122, 'a'));
  // Ending exactly at 123 it stays.
  const std::string fits = std::string(121, 'a') + "\xc3\xa9" + "tail";
  EXPECT_EQ(close_reason_of(server_close_frame(1008, fits)), std::string(121, 'a') + "\xc3\xa9");
  // A 4-byte character across the limit at each of its inner positions.
  for (std::size_t before = 120; before <= 122; ++before) {
    const std::string s = std::string(before, 'a') + "\xf0\x9f\x98\x80" + "tail";
    EXPECT_EQ(close_reason_of(server_close_frame(1001, s)), std::string(before, 'a')) << before;
  }
  // A 3-byte one ("€").
  const std::string euro = std::string(121, 'a') + "\xe2\x82\xac";
  EXPECT_EQ(close_reason_of(server_close_frame(1001, euro)), std::string(121, 'a'));
  // The code survives the cut, big-endian.
  const std::string f = server_close_frame(4999, ascii);
  EXPECT_EQ(static_cast<unsigned char>(f[2]), 0x13u);
  EXPECT_EQ(static_cast<unsigned char>(f[3]), 0x87u);
}

TEST(WsFrame, ServerControlFrame) {
  EXPECT_EQ(server_control_frame(opcode::ping, "Hello"), bytes({0x89, 0x05}) + "Hello");  // 5.7
  EXPECT_EQ(server_control_frame(opcode::pong, "Hello"), bytes({0x8a, 0x05}) + "Hello");
  EXPECT_EQ(server_control_frame(opcode::pong, ""), bytes({0x8a, 0x00}));
  const std::string full(125, 'p');
  EXPECT_EQ(server_control_frame(opcode::ping, full), bytes({0x89, 0x7d}) + full);
  EXPECT_EQ(server_control_frame(opcode::ping, std::string(300, 'p')), bytes({0x89, 0x7d}) + full);
  const std::string split = std::string(124, 'p') + "\xc3\xa9";
  EXPECT_EQ(server_control_frame(opcode::pong, split), bytes({0x8a, 0x7c}) + std::string(124, 'p'));
}

// ---- the opening handshake -----------------------------------------------------------------

TEST(WsFrame, AcceptKey) {
  // RFC 6455 1.3 / 4.2.2, and the widely quoted Wikipedia example.
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(accept_key("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

TEST(WsFrame, ValidClientKey) {
  for (const char* good :
       {"dGhlIHNhbXBsZSBub25jZQ==", "x3JJHMbDL1EzLkh9GBhXDw==", "AAAAAAAAAAAAAAAAAAAAAA==",
        "/+/+/+/+/+/+/+/+/+/+/w==", "zzzzzzzzzzzzzzzzzzzz9A=="}) {
    EXPECT_TRUE(valid_client_key(good)) << good;
  }
  for (const char* bad : {
           "",
           "dGhlIHNhbXBsZSBub25jZQ",        // padding missing
           "dGhlIHNhbXBsZSBub25jZQ=",       // half the padding
           "dGhlIHNhbXBsZSBub25jZQ===",     // 25 characters
           "AAAAAAAAAAAAAAAAAAAAAAA=",      // 24 characters, but 17 bytes
           "AAAAAAAAAAAAAAAAAAAA",          // 15 bytes
           "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",  // 21 bytes
           "dGhlIHNhbXBsZSBub25jZQ== ",     // trailing blank
           " dGhlIHNhbXBsZSBub25jZQ==",
           "dGhlIHNhbXBsZSBub25j-Q==",  // base64url, not base64
           "dGhlIHNhbXBsZSBub25j_Q==",
           "dGhlIHNhbXBsZSBu=25jZQ==",  // padding inside
           "dGhlIHNhbXBsZSBub25jZQ\0=",
       }) {
    EXPECT_FALSE(valid_client_key(bad)) << bad;
  }
  EXPECT_FALSE(valid_client_key(std::string_view("dGhlIHNhbXBsZSBub25j\0Q==", 24)));
}

TEST(WsFrame, ValidCloseCodeRanges) {
  // RFC 6455 7.4.1/7.4.2 and the IANA registry: 1000-1003 and 1007-1014 are defined and may
  // be sent; 1004 is reserved; 1005, 1006 and 1015 must never be in a close frame; below
  // 1000 is unused; 1016-2999 are reserved for the protocol; 3000-4999 for libraries and
  // applications; nothing above 4999 exists.
  for (unsigned code = 0; code <= 0xffff; ++code) {
    const bool expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                          (code >= 3000 && code <= 4999);
    ASSERT_EQ(valid_close_code(static_cast<std::uint16_t>(code)), expected) << code;
  }
  for (const std::uint16_t bad : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    EXPECT_FALSE(valid_close_code(bad)) << bad;
  }
  for (const std::uint16_t good : {1000, 1001, 1002, 1003, 1007, 1008, 1011, 1014, 3000, 4999}) {
    EXPECT_TRUE(valid_close_code(good)) << good;
  }
}

// ---- frames from the client ----------------------------------------------------------------

TEST(WsFrame, RfcMaskedTextExample) {
  // RFC 6455 5.7: "A single-frame masked text message" containing "Hello".
  const std::string frame =
      bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  EXPECT_EQ(client_frame(op_text, "Hello"), frame) << "the test's own frame builder";
  frame_reader r(default_max);
  EXPECT_EQ(feed_whole(r, frame), std::vector<event>{text("Hello")});
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WsFrame, MasksOfEveryShape) {
  // The mask cycles over the payload from its first byte (RFC 5.3), whatever the key.
  const std::string payload = pattern(77);
  using mask_key = std::array<unsigned char, 4>;
  for (const mask_key key : {mask_key{0, 0, 0, 0}, mask_key{0xff, 0xff, 0xff, 0xff},
                             mask_key{1, 2, 3, 4}, mask_key{0x80, 0x00, 0x7f, 0x01}}) {
    const std::string frame = client_frame(op_binary, payload, {.key = key});
    EXPECT_EQ(read_whole(frame), std::vector<event>{binary(payload)});
  }
}

TEST(WsFrame, EmptyMessages) {
  EXPECT_EQ(read_whole(client_frame(op_text, "")), std::vector<event>{text("")});
  EXPECT_EQ(read_whole(client_frame(op_binary, "")), std::vector<event>{binary("")});
  EXPECT_EQ(read_whole(client_frame(op_ping, "")), std::vector<event>{ping("")});
  const std::string fragments = client_frame(op_text, "", {.fin = false}) +
                                client_frame(op_continuation, "", {.fin = false}) +
                                client_frame(op_continuation, "");
  EXPECT_EQ(read_whole(fragments), std::vector<event>{text("")});
}

TEST(WsFrame, SeveralFramesInOneInput) {
  const std::string input = client_frame(op_text, "one") + client_frame(op_ping, "p") +
                            client_frame(op_binary, bytes({0x00, 0xff, 0x80})) +
                            client_frame(op_pong, "q") + client_frame(op_text, "two") +
                            client_frame(op_close, close_payload(1000, "done"));
  const std::vector<event> expected = {text("one"), ping("p"),   binary(bytes({0x00, 0xff, 0x80})),
                                       pong("q"),   text("two"), close(1000, "done")};
  frame_reader r(default_max);
  EXPECT_EQ(feed_whole(r, input), expected);
  EXPECT_EQ(r.buffered(), 0u);
}

// Frames of every kind and length form, each with its own mask key.
std::string mixed_stream() {
  return client_frame(op_text, "Hel", {.fin = false, .key = {1, 2, 3, 4}}) +
         client_frame(op_ping, "are you there", {.key = {9, 8, 7, 6}}) +
         client_frame(op_continuation, "lo, ", {.fin = false, .key = {0xaa, 0xbb, 0xcc, 0xdd}}) +
         client_frame(op_pong, "", {.key = {0, 0, 0, 1}}) +
         client_frame(op_continuation, "w\xc3\xb6rld", {.key = {0x10, 0x20, 0x30, 0x40}}) +
         client_frame(op_binary, pattern(300, false), {.key = {0xde, 0xad, 0xbe, 0xef}}) +
         client_frame(op_text, "{\"op\":\"ping\",\"id\":7}") +
         client_frame(op_close, close_payload(1001, "going"), {.key = {5, 5, 5, 5}});
}

const std::vector<event> mixed_events = {
    ping("are you there"),
    pong(""),
    text("Hello, w\xc3\xb6rld"),
    binary(pattern(300, false)),
    text("{\"op\":\"ping\",\"id\":7}"),
    close(1001, "going"),
};

TEST(WsFrame, MixedStreamInOnePiece) {
  EXPECT_EQ(read_whole(mixed_stream()), mixed_events);
}

TEST(WsFrame, SplitInTwoAtEveryByteBoundary) {
  const std::string input = mixed_stream();
  for (std::size_t cut = 0; cut <= input.size(); ++cut) {
    ASSERT_EQ(read_in_pieces(input, {cut}), mixed_events) << "cut at " << cut;
  }
}

TEST(WsFrame, FedInChunksOfEverySize) {
  const std::string input = mixed_stream();
  for (std::size_t step = 1; step <= input.size(); ++step) {
    ASSERT_EQ(read_in_pieces(input, every(step, input.size())), mixed_events)
        << "chunks of " << step;
  }
}

TEST(WsFrame, ByteByByteHoldsOnlyTheIncompleteFrame) {
  const std::string frame = client_frame(op_text, "abcdefgh");  // 2 + 4 + 8 bytes
  frame_reader r(default_max);
  std::string one(1, '\0');
  for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
    one[0] = frame[i];
    r.feed(one.data(), 1);
    EXPECT_EQ(r.next(), nullptr) << "an event from an incomplete frame, byte " << i;
    r.keep_rest();
    EXPECT_EQ(r.buffered(), i + 1);
    one[0] = '\x00';
  }
  one[0] = frame.back();
  r.feed(one.data(), 1);
  const frame_event* e = r.next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->what, kind::text);
  EXPECT_EQ(e->payload, "abcdefgh");
  EXPECT_EQ(r.next(), nullptr);
  r.keep_rest();
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WsFrame, SixteenAndSixtyFourBitLengths) {
  for (const std::size_t n : {std::size_t{126}, std::size_t{127}, std::size_t{1000},
                              std::size_t{65535}, std::size_t{65536}, std::size_t{100001}}) {
    const std::string t = pattern(n);
    const std::string b = pattern(n, false);
    const std::string input = client_frame(op_text, t) + client_frame(op_binary, b);
    EXPECT_EQ(static_cast<unsigned char>(input[1]), n <= 0xffff ? 0xfeu : 0xffu);
    const std::vector<event> expected = {text(t), binary(b)};
    EXPECT_EQ(read_whole(input), expected) << n;
    EXPECT_EQ(read_in_pieces(input, every(4093, input.size())), expected) << n;
    EXPECT_EQ(read_in_pieces(input, {1, 3, 9, input.size() / 2, input.size() - 1}), expected) << n;
  }
}

TEST(WsFrame, FragmentedTextWithPingBetweenFragments) {
  const std::string input = client_frame(op_text, "{\"op\":", {.fin = false}) +
                            client_frame(op_ping, "keepalive") +
                            client_frame(op_continuation, "\"ping\"", {.fin = false}) +
                            client_frame(op_continuation, "}");
  // The ping is answered as it comes; the message only once it is whole (RFC 5.4, 5.5).
  const std::vector<event> expected = {ping("keepalive"), text("{\"op\":\"ping\"}")};
  EXPECT_EQ(read_whole(input), expected);

  // One frame per input: the message's start is held, then given back.
  frame_reader r(default_max);
  const std::string first = client_frame(op_text, "{\"op\":", {.fin = false});
  EXPECT_TRUE(feed_whole(r, first).empty());
  EXPECT_EQ(r.buffered(), 6u) << "the fragment so far, unmasked";
  EXPECT_EQ(feed_whole(r, client_frame(op_ping, "keepalive")),
            std::vector<event>{ping("keepalive")});
  EXPECT_TRUE(feed_whole(r, client_frame(op_continuation, "\"ping\"", {.fin = false})).empty());
  EXPECT_EQ(r.buffered(), 12u);
  EXPECT_EQ(feed_whole(r, client_frame(op_continuation, "}")),
            std::vector<event>{text("{\"op\":\"ping\"}")});
  EXPECT_EQ(r.buffered(), 0u);
  // And the next message starts afresh.
  EXPECT_EQ(feed_whole(r, client_frame(op_text, "next")), std::vector<event>{text("next")});
}

TEST(WsFrame, FragmentedBinaryMessage) {
  const std::string all = pattern(1000, false);
  std::string input;
  for (std::size_t at = 0; at < all.size(); at += 300) {
    const bool last = at + 300 >= all.size();
    input +=
        client_frame(at == 0 ? op_binary : op_continuation, all.substr(at, 300), {.fin = last});
    if (!last) input += client_frame(op_pong, "");
  }
  const std::vector<event> expected = {pong(""), pong(""), pong(""), binary(all)};
  EXPECT_EQ(read_whole(input), expected);
  EXPECT_EQ(read_in_pieces(input, every(17, input.size())), expected);
  // Bytes that are not UTF-8 are fine in a binary message.
  EXPECT_EQ(read_whole(client_frame(op_binary, "\xff\xfe\xc0")),
            std::vector<event>{binary("\xff\xfe\xc0")});
}

TEST(WsFrame, CloseFrames) {
  EXPECT_EQ(read_whole(client_frame(op_close, close_payload(1000, "bye"))),
            std::vector<event>{close(1000, "bye")});
  EXPECT_EQ(read_whole(client_frame(op_close, close_payload(4999, "\xc3\xa9t\xc3\xa9"))),
            std::vector<event>{close(4999, "\xc3\xa9t\xc3\xa9")});
  EXPECT_EQ(read_whole(client_frame(op_close, close_payload(3000))),
            std::vector<event>{close(3000, "")});
  // No payload: "no status code was actually present" (RFC 7.1.5, 7.4.1).
  EXPECT_EQ(read_whole(client_frame(op_close, "")), std::vector<event>{close(1005, "")});
  // A body must start with a two-byte code (RFC 5.5.1).
  EXPECT_EQ(read_whole(client_frame(op_close, "\x03")), std::vector<event>{error(protocol_error)});
  // A reason is UTF-8 (RFC 5.5.1); when it is not, the data is inconsistent (7.4.1, 1007).
  EXPECT_EQ(read_whole(client_frame(op_close, close_payload(1000, "\xff"))),
            std::vector<event>{error(invalid_payload)});
  // The longest a close frame can carry.
  const std::string reason(123, 'r');
  EXPECT_EQ(read_whole(client_frame(op_close, close_payload(1000, reason))),
            std::vector<event>{close(1000, reason)});
}

TEST(WsFrame, CloseCodes) {
  for (const std::uint16_t bad : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    EXPECT_EQ(read_whole(client_frame(op_close, close_payload(bad, "x"))),
              std::vector<event>{error(protocol_error)})
        << bad;
  }
  for (const std::uint16_t good : {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4000, 4999}) {
    EXPECT_EQ(read_whole(client_frame(op_close, close_payload(good))),
              std::vector<event>{close(good, "")})
        << good;
  }
}

TEST(WsFrame, PingAndPongPayloadsAsSent) {
  const std::string longest = pattern(125, false);
  EXPECT_EQ(read_whole(client_frame(op_ping, longest)), std::vector<event>{ping(longest)});
  EXPECT_EQ(read_whole(client_frame(op_pong, longest)), std::vector<event>{pong(longest)});
}

// Each case must fail the connection (RFC 7.1.7) with `code`, and yield nothing before.
void expect_failure(const std::string& input, std::uint16_t code, std::size_t max = default_max) {
  EXPECT_EQ(read_whole(input, max), std::vector<event>{error(code)});
  EXPECT_EQ(read_in_pieces(input, every(1, input.size()), max), std::vector<event>{error(code)})
      << "byte by byte";
}

TEST(WsFrame, UnmaskedClientFrame) {
  // RFC 5.1: "a server MUST close the connection upon receiving a frame that is not masked".
  expect_failure(client_frame(op_text, "Hello", {.masked = false}), protocol_error);
  expect_failure(client_frame(op_ping, "", {.masked = false}), protocol_error);
  expect_failure(bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}), protocol_error);  // RFC 5.7
}

TEST(WsFrame, ReservedBits) {
  for (unsigned rsv = 1; rsv <= 7; ++rsv) {
    expect_failure(client_frame(op_text, "x", {.rsv = rsv}), protocol_error);
    expect_failure(client_frame(op_ping, "x", {.rsv = rsv}), protocol_error);
  }
}

TEST(WsFrame, UnknownOpcodes) {
  for (const unsigned op : {3u, 4u, 5u, 6u, 7u, 11u, 12u, 13u, 14u, 15u}) {
    expect_failure(client_frame(op, "x"), protocol_error);
    expect_failure(client_frame(op, ""), protocol_error);
  }
}

TEST(WsFrame, FragmentedControlFrames) {
  // RFC 5.5: "All control frames ... MUST NOT be fragmented."
  for (const unsigned op : {op_close, op_ping, op_pong}) {
    expect_failure(client_frame(op, "", {.fin = false}), protocol_error);
  }
}

TEST(WsFrame, ControlFramesOver125Bytes) {
  for (const unsigned op : {op_close, op_ping, op_pong}) {
    std::string payload = pattern(126);
    if (op == op_close) payload = close_payload(1000, pattern(124));
    expect_failure(client_frame(op, payload), protocol_error);
    // 16- and 64-bit forms of a small length are refused as well.
    expect_failure(client_frame(op, "x", {.form = length_form::bits16}), protocol_error);
  }
}

TEST(WsFrame, ContinuationWithoutAMessage) {
  expect_failure(client_frame(op_continuation, "x"), protocol_error);
  expect_failure(client_frame(op_continuation, "x", {.fin = false}), protocol_error);
  // Nor after a message that has ended.
  EXPECT_EQ(read_whole(client_frame(op_text, "a") + client_frame(op_continuation, "b")),
            (std::vector<event>{text("a"), error(protocol_error)}));
}

TEST(WsFrame, NewMessageInsideAFragmentedOne) {
  // RFC 5.4: the fragments of one message are not interleaved with another message's.
  for (const unsigned op : {op_text, op_binary}) {
    for (const bool fin : {true, false}) {
      expect_failure(
          client_frame(op_text, "a", {.fin = false}) + client_frame(op, "b", {.fin = fin}),
          protocol_error);
    }
  }
  const std::string after_ping = client_frame(op_binary, "a", {.fin = false}) +
                                 client_frame(op_ping, "") + client_frame(op_text, "b");
  EXPECT_EQ(read_whole(after_ping), (std::vector<event>{ping(""), error(protocol_error)}));
  EXPECT_EQ(read_in_pieces(after_ping, every(1, after_ping.size())),
            (std::vector<event>{ping(""), error(protocol_error)}));
}

TEST(WsFrame, ShowsEventsBeforeTheError) {
  // A protocol error ends the stream; what came before still counts, nothing after it.
  const std::string input = client_frame(op_text, "first") + client_frame(op_ping, "p") +
                            client_frame(op_text, "bad", {.masked = false}) +
                            client_frame(op_text, "after");
  const std::vector<event> expected = {text("first"), ping("p"), error(protocol_error)};
  EXPECT_EQ(read_whole(input), expected);
  EXPECT_EQ(read_in_pieces(input, every(1, input.size())), expected);
}

TEST(WsFrame, NonMinimalLengths) {
  // RFC 5.2: "the minimal number of bytes MUST be used to encode the length".
  for (const std::size_t n : {0, 1, 125}) {
    expect_failure(client_frame(op_text, pattern(n), {.form = length_form::bits16}),
                   protocol_error);
  }
  for (const std::size_t n : {0, 125, 126, 65535}) {
    expect_failure(client_frame(op_binary, pattern(n), {.form = length_form::bits64}),
                   protocol_error);
  }
  // The smallest lengths of each form are fine.
  EXPECT_EQ(read_whole(client_frame(op_text, pattern(126), {.form = length_form::bits16})),
            std::vector<event>{text(pattern(126))});
  EXPECT_EQ(read_whole(client_frame(op_text, pattern(65536), {.form = length_form::bits64})),
            std::vector<event>{text(pattern(65536))});
}

TEST(WsFrame, TopBitOfSixtyFourBitLength) {
  // RFC 5.2: "the most significant bit MUST be 0". Refused from the header alone.
  const std::string head = bytes({0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0x10, 0x00, 1, 2, 3, 4});
  expect_failure(head, protocol_error);
  const std::string all_ones = bytes({0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  expect_failure(all_ones, protocol_error);
}

TEST(WsFrame, FrameTooBigRefusedFromItsHeader) {
  constexpr std::size_t max = 1000;
  // Exactly the limit is fine.
  EXPECT_EQ(read_whole(client_frame(op_text, pattern(max)), max),
            std::vector<event>{text(pattern(max))});
  EXPECT_EQ(read_whole(client_frame(op_binary, pattern(max, false)), max),
            std::vector<event>{binary(pattern(max, false))});

  // One byte more: refused once the length is in, before any mask or payload byte arrives.
  const std::string over = client_frame(op_text, pattern(max + 1));
  frame_reader r(max);
  std::string head = over.substr(0, 4);  // 0x81 0xfe 0x03 0xe9
  r.feed(head.data(), head.size());
  const frame_event* e = r.next();
  ASSERT_NE(e, nullptr) << "waited for the payload of a frame it cannot take";
  EXPECT_EQ(e->what, kind::error);
  EXPECT_EQ(e->code, too_big);
  r.keep_rest();
  EXPECT_EQ(r.buffered(), 0u);

  // A 64-bit length far beyond anything, header only.
  expect_failure(bytes({0x82, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00}), too_big, max);
  expect_failure(bytes({0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), too_big, max);
  expect_failure(over, too_big, max);
}

TEST(WsFrame, FragmentsAddingUpBeyondTheLimit) {
  constexpr std::size_t max = 1000;
  const std::string fits = client_frame(op_text, pattern(600), {.fin = false}) +
                           client_frame(op_ping, "") + client_frame(op_continuation, pattern(400));
  EXPECT_EQ(read_whole(fits, max),
            (std::vector<event>{ping(""), text(pattern(600) + pattern(400))}));

  const std::string over = client_frame(op_binary, pattern(600), {.fin = false}) +
                           client_frame(op_continuation, pattern(300), {.fin = false}) +
                           client_frame(op_continuation, pattern(101));
  expect_failure(over, too_big, max);
  // Refused from the last fragment's header: its payload never has to arrive.
  const std::size_t last_header_end = over.size() - 101 - 4;
  EXPECT_EQ(read_whole(over.substr(0, last_header_end), max), std::vector<event>{error(too_big)});
  // Control frames in between do not count towards the message.
  const std::string pings =
      client_frame(op_text, pattern(500), {.fin = false}) + client_frame(op_ping, pattern(125)) +
      client_frame(op_ping, pattern(125)) + client_frame(op_continuation, pattern(500));
  EXPECT_EQ(read_whole(pings, max), (std::vector<event>{ping(pattern(125)), ping(pattern(125)),
                                                        text(pattern(500) + pattern(500))}));
}

TEST(WsFrame, EachMessageHasTheWholeLimit) {
  // The limit is per message: a finished message does not count against the next one, in
  // the same input or a later one.
  constexpr std::size_t max = 10;
  const std::string fragmented =
      client_frame(op_text, pattern(6), {.fin = false}) + client_frame(op_continuation, pattern(4));
  const std::string whole = client_frame(op_binary, pattern(10));
  const std::string input = fragmented + whole + fragmented + fragmented;
  const std::vector<event> expected = {text(pattern(6) + pattern(4)), binary(pattern(10)),
                                       text(pattern(6) + pattern(4)),
                                       text(pattern(6) + pattern(4))};
  EXPECT_EQ(read_whole(input, max), expected);
  EXPECT_EQ(read_in_pieces(input, every(7, input.size()), max), expected);
}

TEST(WsFrame, InvalidUtf8Text) {
  // RFC 8.1: text must be UTF-8; otherwise the connection fails (7.4.1: 1007).
  for (const char* bad : {
           "\xff",              // never in UTF-8
           "abc\x80",           // a lone continuation byte
           "\xc0\xaf",          // overlong "/"
           "\xe0\x80\xaf",      // overlong, three bytes
           "\xed\xa0\x80",      // a UTF-16 surrogate
           "\xf4\x90\x80\x80",  // beyond U+10FFFF
           "\xe2\x82",          // "€" cut short at the end of the message
           "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"
           "edited",  // a surrogate mid-text
       }) {
    expect_failure(client_frame(op_text, bad), invalid_payload);
    // The same, fragmented.
    const std::string s(bad);
    expect_failure(client_frame(op_text, s.substr(0, 1), {.fin = false}) +
                       client_frame(op_continuation, s.substr(1)),
                   invalid_payload);
  }
  // Cut short at the end of a fragmented message.
  expect_failure(
      client_frame(op_text, "ok \xe2", {.fin = false}) + client_frame(op_continuation, "\x82"),
      invalid_payload);
}

TEST(WsFrame, Utf8CharacterSplitAcrossFragmentsIsAccepted) {
  // Only the whole message must be UTF-8 (RFC 5.6): a character may straddle fragments.
  for (const std::string ch : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
    for (std::size_t at = 1; at < ch.size(); ++at) {
      const std::string message = "a" + ch + "z";
      const std::string input = client_frame(op_text, message.substr(0, 1 + at), {.fin = false}) +
                                client_frame(op_ping, "") +
                                client_frame(op_continuation, message.substr(1 + at));
      const std::vector<event> expected = {ping(""), text(message)};
      EXPECT_EQ(read_whole(input), expected) << ch.size() << "-byte character cut at " << at;
      EXPECT_EQ(read_in_pieces(input, every(1, input.size())), expected);
    }
  }
  // Every byte its own fragment.
  const std::string message = "\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9";
  std::string input;
  for (std::size_t i = 0; i < message.size(); ++i) {
    input += client_frame(i == 0 ? op_text : op_continuation, message.substr(i, 1),
                          {.fin = i + 1 == message.size()});
  }
  EXPECT_EQ(read_whole(input), std::vector<event>{text(message)});
}

TEST(WsFrame, NothingAfterAnError) {
  frame_reader r(default_max);
  std::string bad = client_frame(op_text, "x", {.masked = false});
  r.feed(bad.data(), bad.size());
  const frame_event* e = r.next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->what, kind::error);
  EXPECT_EQ(e->code, protocol_error);
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.next(), nullptr);
  EXPECT_EQ(r.next(), nullptr);
  r.keep_rest();
  // Good frames later change nothing: the connection is being closed.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(feed_whole(r, client_frame(op_text, "fine") + client_frame(op_ping, "")).empty());
    EXPECT_TRUE(r.failed());
  }
  EXPECT_TRUE(feed_whole(r, "").empty());
}

TEST(WsFrame, IdleReaderHoldsNothing) {
  frame_reader r(default_max);
  EXPECT_EQ(r.buffered(), 0u);
  // A big message, then silence: nothing kept.
  EXPECT_EQ(feed_whole(r, client_frame(op_binary, pattern(70000, false))),
            std::vector<event>{binary(pattern(70000, false))});
  EXPECT_EQ(r.buffered(), 0u);
  // A big fragmented one, completed in a later input.
  const std::string start = client_frame(op_text, pattern(5000), {.fin = false});
  const std::string end = client_frame(op_continuation, pattern(3000));
  EXPECT_TRUE(feed_whole(r, start + end.substr(0, 100)).empty());
  EXPECT_EQ(r.buffered(), 5000u + 100u);
  EXPECT_EQ(feed_whole(r, end.substr(100)),
            std::vector<event>{text(pattern(5000) + pattern(3000))});
  EXPECT_EQ(r.buffered(), 0u);
  // Half a header, then the rest.
  const std::string f = client_frame(op_text, pattern(300));
  EXPECT_TRUE(feed_whole(r, f.substr(0, 3)).empty());
  EXPECT_EQ(r.buffered(), 3u);
  EXPECT_EQ(feed_whole(r, f.substr(3)), std::vector<event>{text(pattern(300))});
  EXPECT_EQ(r.buffered(), 0u);
  // Control frames alone never hold anything.
  EXPECT_EQ(feed_whole(r, client_frame(op_ping, "x") + client_frame(op_pong, "y")),
            (std::vector<event>{ping("x"), pong("y")}));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WsFrame, HoldsAtMostAMessageAndAControlFrame) {
  // The most a reader holds between inputs: a fragmented message of the maximum size, and
  // all but the last byte of a 125-byte ping that came after it.
  constexpr std::size_t max = 500;
  frame_reader r(max);
  EXPECT_TRUE(feed_whole(r, client_frame(op_binary, pattern(max), {.fin = false})).empty());
  EXPECT_EQ(r.buffered(), max);
  const std::string ping_frame = client_frame(op_ping, pattern(125));
  EXPECT_TRUE(feed_whole(r, ping_frame.substr(0, ping_frame.size() - 1)).empty());
  EXPECT_EQ(r.buffered(), max + max_overhead);
  EXPECT_EQ(feed_whole(r, ping_frame.substr(ping_frame.size() - 1)),
            std::vector<event>{ping(pattern(125))});
  EXPECT_EQ(r.buffered(), max);
  // The last fragment, all but its last byte: the message and its header and mask.
  const std::string last = client_frame(op_continuation, "");
  EXPECT_TRUE(feed_whole(r, last.substr(0, last.size() - 1)).empty());
  EXPECT_EQ(r.buffered(), max + 5);
  EXPECT_EQ(feed_whole(r, last.substr(last.size() - 1)), std::vector<event>{binary(pattern(max))});
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WsFrame, EventsPointIntoTheInputUntilTheNextCall) {
  // The contract: an event is used before the next call. Two messages in one input must
  // each be read intact even though the second one's unmasking runs after the first is seen.
  frame_reader r(default_max);
  std::string input = client_frame(op_text, "first") + client_frame(op_text, "second");
  r.feed(input.data(), input.size());
  const frame_event* a = r.next();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->payload, "first");
  const frame_event* b = r.next();
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->payload, "second");
  EXPECT_EQ(r.next(), nullptr);
  r.keep_rest();
}

}  // namespace
}  // namespace tickerd::ws
