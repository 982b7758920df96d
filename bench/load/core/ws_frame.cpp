#include "load/core/ws_frame.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace tickerd::bench::ws {
namespace {

constexpr std::string_view rfc_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t reserved_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0F;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_bits = 0x7F;
constexpr std::uint8_t length_16 = 126;
constexpr std::uint8_t length_64 = 127;
constexpr std::uint64_t max_control_payload = 125;

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The value of the first header named `name` in a response head; nullopt-like empty + false.
bool header_value(std::string_view head, std::string_view name, std::string_view& value) {
  std::size_t line_start = head.find('\n');
  while (line_start != std::string_view::npos && line_start + 1 < head.size()) {
    const std::size_t begin = line_start + 1;
    const std::size_t end = head.find('\n', begin);
    const auto line = head.substr(begin, end == std::string_view::npos ? end : end - begin);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
      value = trim(line.substr(colon + 1));
      return true;
    }
    line_start = end;
  }
  return false;
}

}  // namespace

parse_status parse_header(std::string_view bytes, frame_header& out) noexcept {
  if (bytes.size() < 2) return parse_status::need_more;
  const auto b0 = static_cast<std::uint8_t>(bytes[0]);
  const auto b1 = static_cast<std::uint8_t>(bytes[1]);
  if ((b0 & reserved_bits) != 0) return parse_status::bad;
  const std::uint8_t op = b0 & opcode_bits;
  if (op > 2 && (op < 8 || op > 10)) return parse_status::bad;
  out.fin = (b0 & fin_bit) != 0;
  out.op = static_cast<opcode>(op);
  out.masked = (b1 & mask_bit) != 0;
  std::size_t at = 2;
  std::uint64_t size = b1 & length_bits;
  if (size == length_16) {
    if (bytes.size() < at + 2) return parse_status::need_more;
    size = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(bytes[at])) << 8) |
           static_cast<std::uint8_t>(bytes[at + 1]);
    at += 2;
  } else if (size == length_64) {
    if (bytes.size() < at + 8) return parse_status::need_more;
    size = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      size = (size << 8) | static_cast<std::uint8_t>(bytes[at + i]);
    }
    if ((size >> 63) != 0) return parse_status::bad;
    at += 8;
  }
  if (op >= 8 && (size > max_control_payload || !out.fin)) return parse_status::bad;
  out.mask = 0;
  if (out.masked) {
    if (bytes.size() < at + 4) return parse_status::need_more;
    for (std::size_t i = 0; i < 4; ++i) {
      out.mask = (out.mask << 8) | static_cast<std::uint8_t>(bytes[at + i]);
    }
    at += 4;
  }
  out.payload_size = size;
  out.header_size = at;
  return parse_status::complete;
}

std::string client_frame(opcode op, std::string_view payload, std::uint32_t mask_key) {
  std::string out;
  out.reserve(payload.size() + 14);
  out.push_back(static_cast<char>(fin_bit | static_cast<std::uint8_t>(op)));
  const std::uint64_t size = payload.size();
  if (size < length_16) {
    out.push_back(static_cast<char>(mask_bit | size));
  } else if (size <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | length_16));
    out.push_back(static_cast<char>(size >> 8));
    out.push_back(static_cast<char>(size & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | length_64));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(size >> shift));
  }
  const std::array<std::uint8_t, 4> mask{
      static_cast<std::uint8_t>(mask_key >> 24), static_cast<std::uint8_t>(mask_key >> 16),
      static_cast<std::uint8_t>(mask_key >> 8), static_cast<std::uint8_t>(mask_key)};
  for (const auto m : mask) out.push_back(static_cast<char>(m));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ mask[i % 4]));
  }
  return out;
}

std::string client_close_frame(std::uint16_t code, std::uint32_t mask_key) {
  const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return client_frame(opcode::close, std::string_view(body, 2), mask_key);
}

std::string handshake_request(std::string_view host, std::string_view target,
                              std::string_view key) {
  std::string out;
  out.reserve(192);
  out.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  out.append(key).append("\r\nSec-WebSocket-Version: 13\r\nUser-Agent: tickerd-bench\r\n\r\n");
  return out;
}

std::string accept_for(std::string_view key) {
  std::string input(key);
  input.append(rfc_guid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64(digest, sizeof digest);
}

std::string make_key(std::uint64_t seed) {
  // splitmix64 twice: 16 distinct-looking bytes per seed.
  unsigned char raw[16];
  std::uint64_t x = seed;
  for (int half = 0; half < 2; ++half) {
    x += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    for (int i = 0; i < 8; ++i) raw[half * 8 + i] = static_cast<unsigned char>(z >> (8 * i));
  }
  return base64(raw, sizeof raw);
}

std::string check_handshake_response(std::string_view head, std::string_view key) {
  const auto eol = head.find("\r\n");
  const auto status_line = head.substr(0, eol);
  if (!status_line.starts_with("HTTP/1.1 101")) {
    return "expected 101 Switching Protocols, got '" + std::string(status_line.substr(0, 64)) + "'";
  }
  std::string_view value;
  if (!header_value(head, "Upgrade", value) || !iequals(value, "websocket")) {
    return "no 'Upgrade: websocket' header";
  }
  if (!header_value(head, "Sec-WebSocket-Accept", value)) return "no Sec-WebSocket-Accept";
  if (value != accept_for(key)) return "wrong Sec-WebSocket-Accept";
  return {};
}

}  // namespace tickerd::bench::ws
