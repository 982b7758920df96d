#include <gtest/gtest.h>

#include <string>

#include "load/core/ws_frame.hpp"

namespace tickerd::bench::ws {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (const int x : b) s.push_back(static_cast<char>(x));
  return s;
}

TEST(BenchWsFrame, RfcAcceptExample) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(BenchWsFrame, KeysAreBase64Of16BytesAndDistinct) {
  const auto a = make_key(1);
  const auto b = make_key(2);
  EXPECT_EQ(a.size(), 24u);
  EXPECT_EQ(a.substr(22), "==");
  EXPECT_NE(a, b);
  EXPECT_EQ(a, make_key(1));
}

TEST(BenchWsFrame, ShortUnmaskedTextFrame) {
  // RFC 6455 5.7: a single-frame unmasked text message "Hello".
  const auto f = bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  frame_header h;
  ASSERT_EQ(parse_header(f, h), parse_status::complete);
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.op, opcode::text);
  EXPECT_FALSE(h.masked);
  EXPECT_EQ(h.payload_size, 5u);
  EXPECT_EQ(h.header_size, 2u);
  EXPECT_EQ(parse_header(f.substr(0, 1), h), parse_status::need_more);
}

TEST(BenchWsFrame, ExtendedLengths) {
  frame_header h;
  const auto f16 = bytes({0x82, 0x7E, 0x01, 0x00});
  ASSERT_EQ(parse_header(f16, h), parse_status::complete);
  EXPECT_EQ(h.payload_size, 256u);
  EXPECT_EQ(h.header_size, 4u);
  EXPECT_EQ(parse_header(f16.substr(0, 3), h), parse_status::need_more);
  const auto f64 = bytes({0x01, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0});
  ASSERT_EQ(parse_header(f64, h), parse_status::complete);
  EXPECT_FALSE(h.fin);
  EXPECT_EQ(h.payload_size, 65536u);
  EXPECT_EQ(h.header_size, 10u);
  EXPECT_EQ(parse_header(f64.substr(0, 9), h), parse_status::need_more);
  EXPECT_EQ(parse_header(bytes({0x81, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}), h), parse_status::bad);
}

TEST(BenchWsFrame, BadFrames) {
  frame_header h;
  EXPECT_EQ(parse_header(bytes({0xC1, 0x00}), h), parse_status::bad);  // RSV1
  EXPECT_EQ(parse_header(bytes({0x83, 0x00}), h), parse_status::bad);  // opcode 3
  EXPECT_EQ(parse_header(bytes({0x8B, 0x00}), h), parse_status::bad);  // opcode 11
  EXPECT_EQ(parse_header(bytes({0x09, 0x00}), h), parse_status::bad);  // fragmented ping
  EXPECT_EQ(parse_header(bytes({0x89, 0x7E, 0x00, 0x80}), h), parse_status::bad);  // long ping
}

TEST(BenchWsFrame, MaskedClientFrameRoundTrips) {
  const std::string payload = R"({"op":"subscribe","id":1,"channels":["ticker.*"]})";
  const auto f = client_frame(opcode::text, payload, 0x37FA213D);
  frame_header h;
  ASSERT_EQ(parse_header(f, h), parse_status::complete);
  EXPECT_TRUE(h.masked);
  EXPECT_EQ(h.mask, 0x37FA213Du);
  EXPECT_EQ(h.payload_size, payload.size());
  ASSERT_EQ(f.size(), h.header_size + payload.size());
  std::string unmasked;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const auto m = static_cast<std::uint8_t>(h.mask >> (8 * (3 - i % 4)));
    unmasked.push_back(static_cast<char>(static_cast<std::uint8_t>(f[h.header_size + i]) ^ m));
  }
  EXPECT_EQ(unmasked, payload);
  // RFC 6455 5.7: masked "Hello" with key 37 fa 21 3d.
  EXPECT_EQ(client_frame(opcode::text, "Hello", 0x37FA213D),
            bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  const std::string big(70'000, 'x');
  ASSERT_EQ(parse_header(client_frame(opcode::binary, big, 1), h), parse_status::complete);
  EXPECT_EQ(h.payload_size, big.size());
  EXPECT_EQ(h.header_size, 14u);
  ASSERT_EQ(parse_header(client_close_frame(1000, 5), h), parse_status::complete);
  EXPECT_EQ(h.op, opcode::close);
  EXPECT_EQ(h.payload_size, 2u);
}

TEST(BenchWsFrame, Handshake) {
  const auto key = make_key(9);
  const auto req = handshake_request("127.0.0.1:8080", "/ws", key);
  EXPECT_TRUE(req.starts_with("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
  EXPECT_NE(req.find("Sec-WebSocket-Key: " + key + "\r\n"), std::string::npos);
  EXPECT_TRUE(req.ends_with("\r\n\r\n"));
  const std::string ok =
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\n"
      "Connection: upgrade\r\nSec-WebSocket-Accept: " +
      accept_for(key) + "\r\n\r\n";
  EXPECT_EQ(check_handshake_response(ok, key), "");
  EXPECT_NE(check_handshake_response(ok, make_key(10)), "");
  EXPECT_NE(check_handshake_response("HTTP/1.1 503 Service Unavailable\r\n\r\n", key).find("503"),
            std::string::npos);
  EXPECT_NE(check_handshake_response(
                "HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: " + accept_for(key) + "\r\n\r\n", key),
            "");
}

}  // namespace
}  // namespace tickerd::bench::ws
