#include "gateway/ws_frame.hpp"

#include <array>
#include <cstring>

#include <openssl/evp.h>
#include <simdjson.h>

namespace tickerd::ws {
namespace {

constexpr unsigned char fin_bit = 0x80;
constexpr unsigned char reserved_bits = 0x70;
constexpr unsigned char opcode_bits = 0x0f;
constexpr unsigned char mask_bit = 0x80;
constexpr unsigned char length_bits = 0x7f;
constexpr std::uint64_t length_16 = 126;
constexpr std::uint64_t length_64 = 127;
constexpr std::size_t mask_bytes = 4;
constexpr std::size_t key_chars = 24;  // base64 of 16 bytes
constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_control(unsigned op) noexcept {
  return (op & 0x08) != 0;
}

bool known_opcode(unsigned op) noexcept {
  return op <= 2 || (op >= 8 && op <= 10);
}

void unmask(char* p, std::size_t n, const unsigned char* key) noexcept {
  // Eight bytes at a time: client messages are short, but a 64 KiB one should not crawl.
  std::array<unsigned char, 8> key8{};  // byte order independent: the key as it lies in memory
  for (std::size_t i = 0; i < key8.size(); ++i) key8[i] = key[i % 4];
  std::uint64_t wide = 0;
  std::memcpy(&wide, key8.data(), sizeof wide);
  std::size_t i = 0;
  for (; i + sizeof wide <= n; i += sizeof wide) {
    std::uint64_t v = 0;
    std::memcpy(&v, p + i, sizeof v);
    v ^= wide;
    std::memcpy(p + i, &v, sizeof v);
  }
  for (; i < n; ++i) p[i] = static_cast<char>(p[i] ^ key[i % 4]);
}

// The longest prefix of `text` no longer than `limit` that does not cut a UTF-8 character.
std::string_view cut_utf8(std::string_view text, std::size_t limit) noexcept {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace

std::size_t server_frame_header(opcode op, std::uint64_t payload_size, char* out) noexcept {
  out[0] = static_cast<char>(fin_bit | static_cast<unsigned char>(op));
  if (payload_size < length_16) {
    out[1] = static_cast<char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xffff) {
    out[1] = static_cast<char>(length_16);
    out[2] = static_cast<char>(payload_size >> 8);
    out[3] = static_cast<char>(payload_size & 0xff);
    return 4;
  }
  out[1] = static_cast<char>(length_64);
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 + i] = static_cast<char>((payload_size >> (56 - 8 * i)) & 0xff);
  }
  return max_frame_header_bytes;
}

std::string server_control_frame(opcode op, std::string_view payload) {
  payload = cut_utf8(payload, max_control_payload);
  std::string out(max_frame_header_bytes, '\0');
  out.resize(server_frame_header(op, payload.size(), out.data()));
  out.append(payload);
  return out;
}

std::string server_close_frame(std::uint16_t code, std::string_view reason) {
  reason = cut_utf8(reason, max_control_payload - 2);
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(reason);
  return server_control_frame(opcode::close, payload);
}

bool valid_client_key(std::string_view key) noexcept {
  if (key.size() != key_chars || key.substr(key_chars - 2) != "==") return false;
  for (const char c : key.substr(0, key_chars - 2)) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::string accept_key(std::string_view key) {
  std::string input(key);
  input.append(guid);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &digest_size, EVP_sha1(), nullptr) !=
      1) {
    return {};
  }
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> encoded{};
  const int n = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest_size));
  return {reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n)};
}

bool valid_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

std::string& frame_reader::partial() {
  if (!held_) held_ = std::make_unique<held>();
  return held_->partial;
}

std::string& frame_reader::message() {
  if (!held_) held_ = std::make_unique<held>();
  return held_->message;
}

void frame_reader::feed(char* data, std::size_t size) {
  in_used_ = 0;
  if (failed_) {
    in_ = nullptr;
    in_size_ = 0;
    return;
  }
  if (!held_ || held_->partial.empty()) {
    in_ = data;
    in_size_ = size;
    in_partial_ = false;
    return;
  }
  auto& partial = held_->partial;
  partial.append(data, size);
  in_ = partial.data();
  in_size_ = partial.size();
  in_partial_ = true;
}

void frame_reader::keep_rest() {
  if (failed_) {
    if (held_) held_->partial.clear();
  } else if (in_partial_) {
    auto& partial = held_->partial;
    partial.erase(0, in_used_);
    // What is left is one incomplete frame; the whole input was appended to it, and a quiet
    // connection must not keep that input's capacity (buffered() would not show it).
    if (partial.capacity() > 2 * partial.size() + max_frame_header_bytes + mask_bytes) {
      partial.shrink_to_fit();
    }
  } else if (in_used_ < in_size_) {
    partial().assign(in_ + in_used_, in_size_ - in_used_);
  }
  if (clear_message_) {
    held_->message.clear();
    clear_message_ = false;
  }
  // Idle connections hold no buffers: give back what a big message needed.
  if (held_ && held_->partial.empty() && held_->message.empty()) held_.reset();
  in_ = nullptr;
  in_size_ = in_used_ = 0;
  in_partial_ = false;
}

const frame_event* frame_reader::fail(std::uint16_t code, std::string_view why) {
  failed_ = true;
  if (held_) held_->message.clear();  // nothing more is read: hold nothing
  message_op_ = opcode::continuation;
  event_ = {frame_event::kind::error, why, code};
  return &event_;
}

const frame_event* frame_reader::next() {
  if (failed_) return nullptr;
  if (clear_message_) {
    held_->message.clear();
    clear_message_ = false;
  }
  for (;;) {
    const std::size_t avail = in_size_ - in_used_;
    if (avail < 2) return nullptr;
    const auto* p = reinterpret_cast<const unsigned char*>(in_ + in_used_);
    const bool fin = (p[0] & fin_bit) != 0;
    const unsigned op = p[0] & opcode_bits;
    if ((p[0] & reserved_bits) != 0) {
      return fail(close_code::protocol_error, "reserved bits set (no extension was negotiated)");
    }
    if (!known_opcode(op)) return fail(close_code::protocol_error, "unknown opcode");
    if ((p[1] & mask_bit) == 0) return fail(close_code::protocol_error, "client frame not masked");
    std::uint64_t length = p[1] & length_bits;
    std::size_t header = 2;
    if (length == length_16) {
      if (avail < 4) return nullptr;
      length = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
      if (length < length_16) return fail(close_code::protocol_error, "length not minimal");
    } else if (length == length_64) {
      if (avail < 10) return nullptr;
      length = 0;
      for (std::size_t i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
      header = 10;
      if ((length >> 63) != 0)
        return fail(close_code::protocol_error, "length has its top bit set");
      if (length <= 0xffff) return fail(close_code::protocol_error, "length not minimal");
    }
    if (is_control(op)) {
      if (!fin) return fail(close_code::protocol_error, "fragmented control frame");
      if (length > max_control_payload) {
        return fail(close_code::protocol_error, "control frame over 125 bytes");
      }
    } else {
      const bool continuation = op == static_cast<unsigned>(opcode::continuation);
      const bool open = message_op_ != opcode::continuation;
      if (continuation && !open) {
        return fail(close_code::protocol_error, "continuation frame without a message");
      }
      if (!continuation && open) {
        return fail(close_code::protocol_error, "new message before the last one ended");
      }
      // Before the payload arrives: a too big message is never buffered.
      const std::size_t so_far = held_ ? held_->message.size() : 0;
      if (length > max_message_ || so_far + length > max_message_) {
        return fail(close_code::too_big, "message too big");
      }
    }
    if (avail - header < mask_bytes || avail - header - mask_bytes < length) return nullptr;
    const unsigned char* key = p + header;
    char* payload = in_ + in_used_ + header + mask_bytes;
    const auto size = static_cast<std::size_t>(length);
    unmask(payload, size, key);
    in_used_ += header + mask_bytes + size;
    const std::string_view data(payload, size);
    if (is_control(op)) return control(static_cast<opcode>(op), data);
    if (const auto* e = finish_data(static_cast<opcode>(op), data, fin)) return e;
  }
}

const frame_event* frame_reader::finish_data(opcode op, std::string_view payload, bool fin) {
  opcode kind = op;
  if (op != opcode::continuation) {
    if (!fin) {
      message_op_ = op;
      message().assign(payload);
      return nullptr;
    }
  } else {
    message().append(payload);
    if (!fin) return nullptr;
    payload = held_->message;
    kind = message_op_;
    message_op_ = opcode::continuation;
    clear_message_ = true;
  }
  if (kind == opcode::text && !simdjson::validate_utf8(payload.data(), payload.size())) {
    return fail(close_code::invalid_payload, "text message is not valid UTF-8");
  }
  event_ = {kind == opcode::text ? frame_event::kind::text : frame_event::kind::binary, payload, 0};
  return &event_;
}

const frame_event* frame_reader::control(opcode op, std::string_view payload) {
  if (op == opcode::ping) {
    event_ = {frame_event::kind::ping, payload, 0};
    return &event_;
  }
  if (op == opcode::pong) {
    event_ = {frame_event::kind::pong, payload, 0};
    return &event_;
  }
  if (payload.empty()) {
    event_ = {frame_event::kind::close, {}, close_code::no_status};
    return &event_;
  }
  if (payload.size() == 1) return fail(close_code::protocol_error, "close frame of one byte");
  const auto code = static_cast<std::uint16_t>(
      (static_cast<unsigned>(static_cast<unsigned char>(payload[0])) << 8) |
      static_cast<unsigned char>(payload[1]));
  if (!valid_close_code(code)) return fail(close_code::protocol_error, "invalid close code");
  const auto reason = payload.substr(2);
  if (!simdjson::validate_utf8(reason.data(), reason.size())) {
    return fail(close_code::invalid_payload, "close reason is not valid UTF-8");
  }
  event_ = {frame_event::kind::close, reason, code};
  return &event_;
}

}  // namespace tickerd::ws
