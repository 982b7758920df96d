// The client port's TLS ([server.tls]): an OpenSSL server context made from the certificate
// and key files, at start-up (errors name the key, for --check-config and a start alike) and
// again on SIGHUP. No Asio here, and no OpenSSL header: a context is shared (new connections
// take the current one; a connection keeps the one it was accepted with).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "tickerd/app/config.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace tickerd {

struct server_tls_error {
  std::string key;     // the key at fault: "server.tls.cert" or "server.tls.key"
  std::string reason;  // what is wrong, naming the file, with OpenSSL's reason where it has one
};

using ssl_ctx_ptr = std::shared_ptr<ssl_ctx_st>;

struct ssl_free_deleter {
  void operator()(ssl_st* ssl) const noexcept;
};
using ssl_handle = std::unique_ptr<ssl_st, ssl_free_deleter>;

// A server context with the files loaded: TLS 1.2 and 1.3 only, Mozilla's "intermediate"
// ciphers in the server's order, ALPN http/1.1, no compression, no renegotiation. Null and
// `error` set when a file is missing, unreadable, not PEM, or the key does not match.
ssl_ctx_ptr make_server_tls_context(const server_tls_config& tls, server_tls_error& error);

// The same, for validation: nullopt when the files load.
std::optional<server_tls_error> check_server_tls(const server_tls_config& tls);

// The context's certificate for the log: subject, serial and expiry.
std::string describe_certificate(ssl_ctx_st* ctx);

// A new connection's TLS state (server side) on a context.
ssl_handle new_server_ssl(ssl_ctx_st* ctx);

}  // namespace tickerd
