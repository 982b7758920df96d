// A small blocking TLS client for the server-side TLS tests (e2e_tls_test.cpp): OpenSSL on a
// TCP socket with a short receive timeout, so every read and the handshake are bounded by a
// deadline. It verifies the server against a given CA and host name, offers ALPN http/1.1,
// and can be told to offer only old protocol versions. On top: HTTPS GET and a WebSocket
// (wss://) that records the server's messages.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace tickerd::e2e {

struct tls_client_options {
  std::filesystem::path ca;        // the trust anchor; verification is always on
  std::string host = "localhost";  // checked against the certificate, sent as SNI
  int min_version = 0;             // TLS1_2_VERSION etc.; 0 = OpenSSL's default
  int max_version = 0;
  bool legacy = false;     // security level 0: lets OpenSSL 3 offer TLS 1.0/1.1 at all
  int receive_buffer = 0;  // SO_RCVBUF before connecting (0: the kernel's autotuning)
};

class tls_connection {
 public:
  tls_connection() = default;
  ~tls_connection();
  tls_connection(const tls_connection&) = delete;
  tls_connection& operator=(const tls_connection&) = delete;

  // TCP connect and TLS handshake, verified; the failure names OpenSSL's reason.
  testing::AssertionResult connect(std::uint16_t port, const tls_client_options& options,
                                   duration timeout = default_timeout);
  testing::AssertionResult write(std::string_view bytes, duration timeout = default_timeout);
  // Appends what arrives to `out`: false on timeout, close or error (then `closed()` tells).
  bool read_some(std::string& out, duration timeout);
  bool closed() const { return closed_; }

  std::string peer_serial() const;  // the server certificate's serial, hex ("02")
  std::string alpn() const;         // the negotiated protocol ("http/1.1") or ""
  std::string version() const;      // "TLSv1.3"

 private:
  int fd_ = -1;
  ssl_ctx_st* ctx_ = nullptr;
  ssl_st* ssl_ = nullptr;
  bool closed_ = false;
};

// One HTTPS request (Connection: close) on a fresh verified connection; status 0 and `error`
// when it fails.
http_response https_get(std::uint16_t port, std::string_view target,
                        const tls_client_options& options, duration timeout = default_timeout);

// Polls GET /healthz over HTTPS until it answers 200; fails early if `watched` exits.
testing::AssertionResult wait_for_https_200(std::uint16_t port, const tls_client_options& options,
                                            duration timeout, child_process& watched);

// A WebSocket over TLS, read on the caller's thread: wait_for() reads until a message matches.
class wss_client {
 public:
  testing::AssertionResult connect(std::uint16_t port, const tls_client_options& options,
                                   duration timeout = default_timeout);
  testing::AssertionResult send_text(std::string_view text);
  // The first message at index >= `from` satisfying `pred`, reading as needed; nullopt on
  // timeout or close.
  std::optional<ws_message> wait_for(const ws_client::predicate& pred, duration timeout,
                                     std::size_t from = 0);
  const std::vector<ws_message>& messages() const { return messages_; }
  // The code of the server's close frame, once one arrived.
  std::optional<int> close_code() const { return close_code_; }
  tls_connection& connection() { return conn_; }

 private:
  bool parse_frames();  // moves complete frames from buffer_ to messages_; false on a close

  tls_connection conn_;
  std::string buffer_;
  std::vector<ws_message> messages_;
  std::size_t frames_ = 0;
  std::optional<int> close_code_;
};

}  // namespace tickerd::e2e
