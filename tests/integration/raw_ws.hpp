// A raw WebSocket client for wire-level tests: frames built and parsed by hand on a blocking
// TCP socket with deadlines, so tests see exactly what tickerd sends (handshake headers, close
// codes, TCP closes) and can send what no well-behaved client library would. Shared by
// e2e_websocket_test.cpp and e2e_attack_test.cpp; header-only (test code, small).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/sha.h>
#include <poll.h>
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

namespace tickerd::e2e {

// ---- RFC 6455 constants ---------------------------------------------------------------------

inline constexpr std::uint8_t fin_bit = 0x80;
inline constexpr std::uint8_t rsv1_bit = 0x40;
inline constexpr std::uint8_t rsv_bits = 0x70;
inline constexpr std::uint8_t opcode_bits = 0x0f;
inline constexpr std::uint8_t mask_bit = 0x80;

inline constexpr std::uint8_t op_continuation = 0x0;
inline constexpr std::uint8_t op_text = 0x1;
inline constexpr std::uint8_t op_binary = 0x2;
inline constexpr std::uint8_t op_reserved_data = 0x3;
inline constexpr std::uint8_t op_close = 0x8;
inline constexpr std::uint8_t op_ping = 0x9;
inline constexpr std::uint8_t op_pong = 0xa;

inline constexpr std::size_t max_control_payload = 125;

inline constexpr int close_normal = 1000;
inline constexpr int close_going_away = 1001;
inline constexpr int close_protocol_error = 1002;
inline constexpr int close_invalid_payload = 1007;
inline constexpr int close_too_big = 1009;

inline constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Timeouts: generous, since a Debug tickerd on two cores shared with compiles can stall for a
// while. Waits end as soon as their condition holds, so these only bound a failure.
inline constexpr duration reply_timeout{10'000};
inline constexpr duration update_timeout{30'000};
// Extra time allowed beyond a server timer's due time before calling it late.
inline constexpr duration scheduling_slack{1'500};

// ---- base64, SHA-1, keys --------------------------------------------------------------------

inline std::string base64(std::string_view bytes) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = at(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (bytes.size() - i == 2) {
    const unsigned v = (at(i) << 16) | (at(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Sec-WebSocket-Accept for `key`, computed here independently of tickerd's ws_frame.cpp.
inline std::string expected_accept(std::string_view key) {
  const std::string input = std::string(key) + std::string(accept_guid);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  return base64(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

inline std::mt19937& test_random() {
  static std::mt19937 gen(20251218);  // fixed: a failure replays the same bytes
  return gen;
}

// A fresh Sec-WebSocket-Key: base64 of 16 random bytes.
inline std::string client_key() {
  std::string raw(16, '\0');
  for (auto& c : raw) c = static_cast<char>(test_random()() & 0xff);
  return base64(raw);
}

// ---- frames ---------------------------------------------------------------------------------

// A client frame: `first_byte` is FIN/RSV/opcode as sent; masked with a fresh key unless
// `masked` is false. The length is encoded minimally.
inline std::string client_frame(std::uint8_t first_byte, std::string_view payload,
                                bool masked = true) {
  std::string out;
  out.push_back(static_cast<char>(first_byte));
  const std::uint8_t mask = masked ? mask_bit : 0;
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(mask | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(mask | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(mask | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  if (!masked) return out.append(payload);
  std::array<char, 4> key{};
  for (auto& k : key) k = static_cast<char>(test_random()() & 0xff);
  out.append(key.data(), key.size());
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(payload[i] ^ key[i % 4]);
  return out;
}

// The header of a masked final text frame announcing `announced` bytes (64-bit length form)
// and its mask; the payload is not included.
inline std::string big_frame_header(std::uint64_t announced) {
  std::string out;
  out.push_back(static_cast<char>(fin_bit | op_text));
  out.push_back(static_cast<char>(mask_bit | 127));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((announced >> (8 * i)) & 0xff));
  out.append("\x11\x22\x33\x44", 4);  // the mask; the payload never follows
  return out;
}

inline std::string text_frame(std::string_view text) {
  return client_frame(fin_bit | op_text, text);
}

inline std::string close_payload(int code, std::string_view reason) {
  std::string p;
  p.push_back(static_cast<char>((code >> 8) & 0xff));
  p.push_back(static_cast<char>(code & 0xff));
  return p.append(reason);
}

inline std::string close_frame(int code, std::string_view reason) {
  return client_frame(fin_bit | op_close, close_payload(code, reason));
}

// One frame as the server sent it, unmasked.
struct wire_frame {
  bool fin = false;
  std::uint8_t rsv = 0;  // the three reserved bits, in place
  std::uint8_t opcode = 0;
  bool masked = false;
  bool minimal_length = true;
  std::string payload;
  steady_clock::time_point received;

  bool is_control() const { return (opcode & 0x08) != 0; }
  // A close frame's status code; nullopt for other frames and a close without one.
  std::optional<int> close_code() const {
    if (opcode != op_close || payload.size() < 2) return std::nullopt;
    return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
  }
  std::string describe() const {
    std::string out = "opcode " + std::to_string(opcode) + (fin ? " FIN" : " no-FIN");
    if (rsv) out += " RSV " + std::to_string(rsv >> 4);
    if (masked) out += " masked";
    if (!minimal_length) out += " non-minimal-length";
    out += " " + std::to_string(payload.size()) + " bytes";
    if (const auto code = close_code()) out += " code " + std::to_string(*code);
    out += ": " + payload.substr(0, 200);
    return out;
  }
};

// Takes one whole frame off the front of `in`; false when it is not all there yet.
inline bool take_frame(std::string& in, wire_frame& f) {
  if (in.size() < 2) return false;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  f.fin = (byte(0) & fin_bit) != 0;
  f.rsv = static_cast<std::uint8_t>(byte(0) & rsv_bits);
  f.opcode = static_cast<std::uint8_t>(byte(0) & opcode_bits);
  f.masked = (byte(1) & mask_bit) != 0;
  std::uint64_t length = byte(1) & 0x7f;
  std::size_t header = 2;
  if (length == 126) {
    if (in.size() < 4) return false;
    length = (std::uint64_t{byte(2)} << 8) | byte(3);
    header = 4;
    f.minimal_length = length >= 126;
  } else if (length == 127) {
    if (in.size() < 10) return false;
    length = 0;
    for (std::size_t i = 0; i < 8; ++i) length = (length << 8) | byte(2 + i);
    header = 10;
    f.minimal_length = length > 0xffff;
  } else {
    f.minimal_length = true;
  }
  std::array<char, 4> key{};
  if (f.masked) {
    if (in.size() < header + 4) return false;
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(header), 4, key.begin());
    header += 4;
  }
  if (in.size() - header < length) return false;
  f.payload = in.substr(header, static_cast<std::size_t>(length));
  if (f.masked) {
    for (std::size_t i = 0; i < f.payload.size(); ++i) f.payload[i] ^= key[i % 4];
  }
  in.erase(0, header + static_cast<std::size_t>(length));
  f.received = steady_clock::now();
  return true;
}

// What RFC 6455 demands of every frame a server sends, without extensions: unmasked (5.1),
// RSV clear (5.2), a known opcode, the minimal length encoding (5.2), control frames final and
// at most 125 bytes (5.5). tickerd never fragments, so data frames are final too.
inline testing::AssertionResult valid_server_frame(const wire_frame& f) {
  const bool known = f.opcode == op_text || f.opcode == op_binary || f.opcode == op_close ||
                     f.opcode == op_ping || f.opcode == op_pong;
  if (f.masked || f.rsv != 0 || !known || !f.minimal_length || !f.fin ||
      (f.is_control() && f.payload.size() > max_control_payload)) {
    return testing::AssertionFailure() << "server frame breaks RFC 6455: " << f.describe();
  }
  return testing::AssertionSuccess();
}

// The messages of a text frame: PROTOCOL.md puts several in one frame, separated by "\n".
inline std::vector<std::string> split_messages(std::string_view payload) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto nl = payload.find('\n', start);
    out.emplace_back(payload.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) return out;
    start = nl + 1;
  }
}

// ---- HTTP -----------------------------------------------------------------------------------

struct http_head {
  int status = 0;
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string raw;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return std::nullopt;
  }
};

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

inline std::optional<http_head> parse_head(std::string_view text) {
  http_head head;
  head.raw = std::string(text);
  std::size_t pos = text.find("\r\n");
  head.status_line = std::string(text.substr(0, pos));
  // "HTTP/1.1 101 Switching Protocols"
  if (!head.status_line.starts_with("HTTP/1.1 ") || head.status_line.size() < 12) {
    return std::nullopt;
  }
  const auto code = head.status_line.substr(9, 3);
  if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  head.status = std::stoi(code);
  while (pos != std::string_view::npos && pos + 2 < text.size()) {
    const auto start = pos + 2;
    pos = text.find("\r\n", start);
    const auto line = text.substr(start, pos == std::string_view::npos ? pos : pos - start);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    head.headers.emplace_back(lower(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return head;
}

// Whether a comma-separated header value holds `token` (case-insensitive), as Connection does.
inline bool has_token(std::string_view value, std::string_view token) {
  std::size_t start = 0;
  for (;;) {
    const auto comma = value.find(',', start);
    const auto item = value.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (lower(trim(item)) == lower(token)) return true;
    if (comma == std::string_view::npos) return false;
    start = comma + 1;
  }
}

struct upgrade_fields {
  std::string path = "/ws";
  std::optional<std::string> key;  // nullopt: no Sec-WebSocket-Key header
  std::optional<std::string> version = std::string("13");
};

inline std::string upgrade_request(std::uint16_t port, const upgrade_fields& f) {
  std::string out = "GET " + f.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  if (f.key) out += "Sec-WebSocket-Key: " + *f.key + "\r\n";
  if (f.version) out += "Sec-WebSocket-Version: " + *f.version + "\r\n";
  return out + "\r\n";
}

// ---- the raw client -------------------------------------------------------------------------

enum class read_status { ok, timeout, eof, reset, error };

inline const char* to_string(read_status s) {
  switch (s) {
    case read_status::ok:
      return "ok";
    case read_status::timeout:
      return "timeout";
    case read_status::eof:
      return "eof (recv returned 0)";
    case read_status::reset:
      return "connection reset";
    case read_status::error:
      return "socket error";
  }
  return "?";
}

// A blocking TCP client with deadlines (poll before every recv). Every frame it reads is
// checked against valid_server_frame() and kept in frames().
class raw_client {
 public:
  raw_client() = default;
  ~raw_client() { close_socket(); }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  testing::AssertionResult connect(std::uint16_t port) {
    close_socket();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return testing::AssertionFailure() << "socket: " << std::strerror(errno);
    // Each send() leaves as its own segment: the dribble test needs the bytes apart.
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // A server that stops reading must not hang the test in send().
    timeval send_timeout{};
    send_timeout.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(default_timeout).count();
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      return testing::AssertionFailure()
             << "connect to 127.0.0.1:" << port << ": " << std::strerror(errno);
    }
    return testing::AssertionSuccess();
  }

  testing::AssertionResult send_bytes(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return testing::AssertionFailure()
               << "send of " << bytes.size() << " bytes: " << std::strerror(errno);
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return testing::AssertionSuccess();
  }

  // Sends one byte per send(), a little apart, so the server reads them one at a time.
  testing::AssertionResult dribble(std::string_view bytes, std::chrono::milliseconds gap) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (auto r = send_bytes(bytes.substr(i, 1)); !r) return r << " (byte " << i << ")";
      std::this_thread::sleep_for(gap);
    }
    return testing::AssertionSuccess();
  }

  // Reads the response head of the opening handshake (or of a refusal); whatever follows it
  // stays buffered for read_frame().
  std::optional<http_head> read_http_head(duration timeout) {
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
      if (const auto end = in_.find("\r\n\r\n"); end != std::string::npos) {
        auto head = parse_head(std::string_view(in_).substr(0, end + 4));
        in_.erase(0, end + 4);
        return head;
      }
      if (fill(deadline) != read_status::ok) return std::nullopt;
    }
  }

  // The body of a refusal: tickerd sends Content-Length and closes.
  std::string read_http_body(const http_head& head, duration timeout) {
    const auto deadline = steady_clock::now() + timeout;
    const auto length = head.header("content-length");
    const std::size_t want = length ? std::stoul(*length) : std::string::npos;
    while (in_.size() < want && fill(deadline) == read_status::ok) {
    }
    std::string body = in_.substr(0, want);
    in_.erase(0, body.size());
    return body;
  }

  // The next frame; nullopt on timeout or close (see last_status()).
  std::optional<wire_frame> read_frame(duration timeout) {
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
      wire_frame f;
      if (take_frame(in_, f)) {
        EXPECT_TRUE(valid_server_frame(f));
        frames_.push_back(f);
        last_ = read_status::ok;
        return f;
      }
      if (fill(deadline) != read_status::ok) return std::nullopt;
    }
  }

  // Reads frames until a message in a text frame satisfies `pred`. Server pings are
  // answered when `answer_pings` (they are kept in frames() either way).
  std::optional<json_value> wait_message(const std::function<bool(const json_value&)>& pred,
                                         duration timeout, bool answer_pings = false) {
    const auto deadline = steady_clock::now() + timeout;
    while (steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<duration>(deadline - steady_clock::now());
      const auto f = read_frame(left);
      if (!f) return std::nullopt;
      if (f->opcode == op_ping && answer_pings) {
        if (!send_bytes(client_frame(fin_bit | op_pong, f->payload))) return std::nullopt;
      }
      if (f->opcode != op_text) continue;
      for (const auto& text : split_messages(f->payload)) {
        const auto msg = json_value::parse(text);
        EXPECT_TRUE(msg && msg->is_object()) << "not a JSON object: '" << text << "'";
        if (msg && pred(*msg)) return msg;
      }
    }
    return std::nullopt;
  }

  // Waits for the server's TCP close: eof or reset (timeout if the connection stays open).
  // Frames that arrive meanwhile are checked, kept in frames() and counted in
  // `frames_meanwhile`.
  read_status wait_tcp_close(duration timeout, std::size_t* frames_meanwhile = nullptr) {
    const auto deadline = steady_clock::now() + timeout;
    std::size_t count = 0;
    for (;;) {
      wire_frame f;
      while (take_frame(in_, f)) {
        EXPECT_TRUE(valid_server_frame(f));
        frames_.push_back(f);
        ++count;
      }
      const auto s = fill(deadline);
      if (s == read_status::ok) continue;
      if (frames_meanwhile) *frames_meanwhile = count;
      return s;
    }
  }

  // Half-closes: the server reads end of stream.
  void shutdown_send() { ::shutdown(fd_, SHUT_WR); }
  // Bytes received but not yet taken as a frame or an HTTP head.
  std::size_t buffered() const { return in_.size(); }

  read_status last_status() const { return last_; }
  std::string last_error() const { return std::string(to_string(last_)) + " " + error_; }
  const std::vector<wire_frame>& frames() const { return frames_; }
  std::string tail(std::size_t count = 8) const {
    std::string out = std::to_string(frames_.size()) + " frames read, last status " + last_error() +
                      "; last frames:\n";
    for (std::size_t k = frames_.size() > count ? frames_.size() - count : 0; k < frames_.size();
         ++k) {
      out += "  #" + std::to_string(k) + " " + frames_[k].describe() + "\n";
    }
    return out;
  }

 private:
  // Appends what arrives before `deadline` to in_.
  read_status fill(steady_clock::time_point deadline) {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
      if (left.count() <= 0) return last_ = read_status::timeout;
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) {
        error_ = std::strerror(errno);
        return last_ = read_status::error;
      }
      if (ready == 0) continue;  // re-check the deadline
      std::array<char, 64 * 1024> buffer{};
      const auto n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n > 0) {
        in_.append(buffer.data(), static_cast<std::size_t>(n));
        return last_ = read_status::ok;
      }
      if (n == 0) return last_ = read_status::eof;
      if (errno == EINTR) continue;
      if (errno == ECONNRESET) return last_ = read_status::reset;
      error_ = std::strerror(errno);
      return last_ = read_status::error;
    }
  }

  void close_socket() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  std::string in_;
  std::vector<wire_frame> frames_;
  read_status last_ = read_status::ok;
  std::string error_;
};

// Connects and completes the opening handshake, checking the 101 fully. `early` goes out in
// the same send() as the request.
inline testing::AssertionResult open_websocket(raw_client& c, std::uint16_t port,
                                               std::string_view early = {}) {
  if (auto r = c.connect(port); !r) return r;
  const auto key = client_key();
  upgrade_fields fields;
  fields.key = key;
  if (auto r = c.send_bytes(upgrade_request(port, fields) + std::string(early)); !r) return r;
  const auto head = c.read_http_head(reply_timeout);
  if (!head) return testing::AssertionFailure() << "no handshake response: " << c.last_error();
  if (head->status != 101) {
    return testing::AssertionFailure() << "expected 101, got:\n" << head->raw;
  }
  const auto upgrade = head->header("upgrade");
  const auto connection = head->header("connection");
  const auto accept = head->header("sec-websocket-accept");
  if (!upgrade || lower(*upgrade) != "websocket") {
    return testing::AssertionFailure() << "101 without Upgrade: websocket:\n" << head->raw;
  }
  if (!connection || !has_token(*connection, "upgrade")) {
    return testing::AssertionFailure() << "101 without Connection: Upgrade:\n" << head->raw;
  }
  if (!accept || *accept != expected_accept(key)) {
    return testing::AssertionFailure() << "Sec-WebSocket-Accept for key " << key << " should be "
                                       << expected_accept(key) << ":\n"
                                       << head->raw;
  }
  return testing::AssertionSuccess();
}

// The JSON reply of `type` answering request `id`.
inline std::function<bool(const json_value&)> reply(std::string type, std::int64_t id) {
  return [type = std::move(type), id](const json_value& m) {
    return m["type"].str() == type && m["id"].is_integer() && m["id"].integer() == id;
  };
}

inline std::function<bool(const json_value&)> any_update() {
  return [](const json_value& m) { return m["type"].str() == "update"; };
}

// What a refused upgrade returns: status, head and body.
struct refusal {
  std::optional<http_head> head;
  std::string body;
};

inline refusal try_upgrade(std::uint16_t port, const upgrade_fields& fields) {
  raw_client c;
  refusal out;
  if (!c.connect(port) || !c.send_bytes(upgrade_request(port, fields))) return out;
  out.head = c.read_http_head(reply_timeout);
  if (out.head) out.body = c.read_http_body(*out.head, reply_timeout);
  return out;
}

inline std::string millis_text(steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace tickerd::e2e
