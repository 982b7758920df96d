// The client side of RFC 6455 that tickerd-bench needs, as pure functions: the opening
// handshake, frame headers as a server sends them, and masked frames from the client.
// The load generator reads every connection into one shared buffer and decodes frames in
// place (no per-connection read buffer, no UTF-8 validation: the bench counts and scans
// messages, it does not need them validated), so one core can hold tens of thousands of
// connections and still out-read the server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tickerd::bench::ws {

enum class opcode : std::uint8_t {
  continuation = 0,
  text = 1,
  binary = 2,
  close = 8,
  ping = 9,
  pong = 10,
};

struct frame_header {
  bool fin = false;
  opcode op = opcode::text;
  bool masked = false;
  std::uint32_t mask = 0;
  std::uint64_t payload_size = 0;
  std::size_t header_size = 0;  // bytes before the payload
};

enum class parse_status : std::uint8_t { complete, need_more, bad };

// Parses a frame header at the start of `bytes`. `bad` for reserved bits, unknown opcodes,
// control frames over 125 bytes or fragmented, and lengths with the top bit set.
parse_status parse_header(std::string_view bytes, frame_header& out) noexcept;

// A whole frame from the client: FIN set, masked with `mask_key` (RFC 6455 5.3).
std::string client_frame(opcode op, std::string_view payload, std::uint32_t mask_key);
// A close frame with a status code and no reason.
std::string client_close_frame(std::uint16_t code, std::uint32_t mask_key);

// The opening handshake: a GET with a Sec-WebSocket-Key (16 bytes, base64 = 24 chars).
std::string handshake_request(std::string_view host, std::string_view target, std::string_view key);
// base64(SHA-1(key + the RFC's GUID)).
std::string accept_for(std::string_view key);
// A 16-byte key, base64, from a 64-bit seed (the bench needs unique keys, not secret ones).
std::string make_key(std::uint64_t seed);

// Checks a complete response head (up to and including the blank line): status 101,
// Upgrade: websocket, and the right Sec-WebSocket-Accept. Empty when fine, else the reason.
std::string check_handshake_response(std::string_view head, std::string_view key);

}  // namespace tickerd::bench::ws
