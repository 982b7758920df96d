// The TLS client settings of a Redis connection applied to an OpenSSL context: CA (file or
// the system store), optional client certificate and key (mutual TLS). Used by the connection
// on every connect (so renewed files are picked up) and by config validation, so a bad file
// is reported at start-up and by --check-config alike. No Asio here.
#pragma once

#include <optional>
#include <string>

#include "tickerd/store/redis_connection.hpp"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace tickerd {

struct redis_tls_error {
  std::string key;     // the [redis] key at fault: "tls_ca_file", "tls_cert_file", ...
  std::string reason;  // what is wrong, with OpenSSL's reason where it has one
};

// Loads the trust anchors and the client certificate into `ctx` (TLS 1.2 at least).
std::optional<redis_tls_error> configure_redis_tls(ssl_ctx_st* ctx, const redis_tls_options& tls);

// The same on a scratch context: nullopt when the files load.
std::optional<redis_tls_error> check_redis_tls(const redis_tls_options& tls);

// Shared with the server side's TLS (gateway/server_tls.cpp):
// OpenSSL's queued reason ("...:no certificate or crl found"), then clears the queue.
std::string openssl_reason();
// "cannot read '<path>': <the system's reason>", or nullopt when the file opens.
std::optional<std::string> unreadable_file(const std::string& path);

}  // namespace tickerd
