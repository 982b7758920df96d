// The WebSocket protocol layer (RFC 6455) seen from the wire: a raw TCP client written here,
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

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// ---- RFC 6455 constants ---------------------------------------------------------------------

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t rsv1_bit = 0x40;
constexpr std::uint8_t rsv_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0f;
constexpr std::uint8_t mask_bit = 0x80;

constexpr std::uint8_t op_continuation = 0x0;
constexpr std::uint8_t op_text = 0x1;
constexpr std::uint8_t op_binary = 0x2;
constexpr std::uint8_t op_reserved_data = 0x3;
constexpr std::uint8_t op_close = 0x8;
constexpr std::uint8_t op_ping = 0x9;
constexpr std::uint8_t op_pong = 0xa;

constexpr std::size_t max_control_payload = 125;

constexpr int close_normal = 1000;
constexpr int close_going_away = 1001;
constexpr int close_protocol_error = 1002;
constexpr int close_invalid_payload = 1007;
constexpr int close_too_big = 1009;

constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Timeouts: generous, since a Debug tickerd on two cores shared with compiles can stall for a
// while. Waits end as soon as their condition holds, so these only bound a failure.
constexpr duration reply_timeout{10'000};
constexpr duration update_timeout{30'000};
// Extra time allowed beyond a server timer's due time before calling it late.
constexpr duration scheduling_slack{1'500};

// ---- base64, SHA-1, keys --------------------------------------------------------------------

std::string base64(std::string_view bytes) {
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
std::string expected_accept(std::string_view key) {
  const std::string input = std::string(key) + std::string(accept_guid);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  return base64(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::mt19937& test_random() {
  static std::mt19937 gen(20251218);  // fixed: a failure replays the same bytes
  return gen;
}

// A fresh Sec-WebSocket-Key: base64 of 16 random bytes.
std::string client_key() {
  std::string raw(16, '\0');
  for (auto& c : raw) c = static_cast<char>(test_random()() & 0xff);
  return base64(raw);
}

// ---- frames ---------------------------------------------------------------------------------

// A client frame: `first_byte` is FIN/RSV/opcode as sent; masked with a fresh key unless
// `masked` is false. The length is encoded minimally.
std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true) {
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

std::string text_frame(std::string_view text) {
  return client_frame(fin_bit | op_text, text);
}

std::string close_payload(int code, std::string_view reason) {
  std::string p;
  p.push_back(static_cast<char>((code >> 8) & 0xff));
  p.push_back(static_cast<char>(code & 0xff));
  return p.append(reason);
}

std::string close_frame(int code, std::string_view reason) {
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
bool take_frame(std::string& in, wire_frame& f) {
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
testing::AssertionResult valid_server_frame(const wire_frame& f) {
  const bool known = f.opcode == op_text || f.opcode == op_binary || f.opcode == op_close ||
                     f.opcode == op_ping || f.opcode == op_pong;
  if (f.masked || f.rsv != 0 || !known || !f.minimal_length || !f.fin ||
      (f.is_control() && f.payload.size() > max_control_payload)) {
    return testing::AssertionFailure() << "server frame breaks RFC 6455: " << f.describe();
  }
  return testing::AssertionSuccess();
}

// The messages of a text frame: PROTOCOL.md puts several in one frame, separated by "\n".
std::vector<std::string> split_messages(std::string_view payload) {
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

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::optional<http_head> parse_head(std::string_view text) {
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
bool has_token(std::string_view value, std::string_view token) {
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

std::string upgrade_request(std::uint16_t port, const upgrade_fields& f) {
  std::string out = "GET " + f.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  if (f.key) out += "Sec-WebSocket-Key: " + *f.key + "\r\n";
  if (f.version) out += "Sec-WebSocket-Version: " + *f.version + "\r\n";
  return out + "\r\n";
}

// ---- the raw client -------------------------------------------------------------------------

enum class read_status { ok, timeout, eof, reset, error };

const char* to_string(read_status s) {
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
    send_timeout.tv_sec = std::chrono::duration_cast<seconds>(default_timeout).count();
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
  testing::AssertionResult dribble(std::string_view bytes, milliseconds gap) {
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
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
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
testing::AssertionResult open_websocket(raw_client& c, std::uint16_t port,
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
std::function<bool(const json_value&)> reply(std::string type, std::int64_t id) {
  return [type = std::move(type), id](const json_value& m) {
    return m["type"].str() == type && m["id"].is_integer() && m["id"].integer() == id;
  };
}

std::function<bool(const json_value&)> any_update() {
  return [](const json_value& m) { return m["type"].str() == "update"; };
}

// What a refused upgrade returns: status, head and body.
struct refusal {
  std::optional<http_head> head;
  std::string body;
};

refusal try_upgrade(std::uint16_t port, const upgrade_fields& fields) {
  raw_client c;
  refusal out;
  if (!c.connect(port) || !c.send_bytes(upgrade_request(port, fields))) return out;
  out.head = c.read_http_head(reply_timeout);
  if (out.head) out.body = c.read_http_body(*out.head, reply_timeout);
  return out;
}

std::string millis_text(steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<milliseconds>(d).count()) + " ms";
}

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

std::string big_frame_header(std::uint64_t announced) {
  std::string out;
  out.push_back(static_cast<char>(fin_bit | op_text));
  out.push_back(static_cast<char>(mask_bit | 127));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((announced >> (8 * i)) & 0xff));
  out.append("\x11\x22\x33\x44", 4);  // the mask; the payload never follows
  return out;
}

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
