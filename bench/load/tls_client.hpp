// The bench's TLS client side (scenarios with `tls = true`): one SSL_CTX for every connection,
// TLS 1.2+, key exchange on P-256 (the curve of the bench's certificate, so a handshake's work
// is what `openssl speed ecdhp256 ecdsap256` measures), no session cache: every connection is a
// full handshake. Sessions run on the caller's non-blocking socket (SSL_set_fd).
#pragma once

#include <string>

struct ssl_ctx_st;
struct ssl_st;

namespace tickerd::bench {

class tls_client {
 public:
  // `verify`: the server's chain is checked against `ca_file` and its address against the
  // certificate's IP SANs (the bench connects to 127.0.0.1).
  tls_client(const std::string& ca_file, bool verify);
  ~tls_client();
  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  // A client session on `fd` for `host` (an IP address); nullptr when OpenSSL refuses.
  ssl_st* new_session(int fd, const std::string& host) const;
  bool verifying() const noexcept { return verify_; }

 private:
  ssl_ctx_st* ctx_ = nullptr;
  bool verify_ = true;
};

// What went wrong after an SSL call returned `rc` (SSL_get_error and OpenSSL's error queue,
// which it empties).
std::string tls_error_text(ssl_st* ssl, int rc);

}  // namespace tickerd::bench
