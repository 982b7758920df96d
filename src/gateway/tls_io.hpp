// TLS on a connected, non-blocking socket, one step at a time: OpenSSL reads and writes the
// descriptor itself, and a call that cannot go on says which readiness to wait for. The
// handshake, http_session's stream and ws_session's reads and writes all go through these, so
// a TLS connection keeps one SSL object from its first byte to its last. No Asio here.
#pragma once

#include <cstddef>
#include <string>

#include <boost/system/error_code.hpp>

#include "tickerd/gateway/server_tls.hpp"

namespace tickerd {

enum class tls_status : unsigned char {
  ok,          // `bytes` moved (or the handshake is done)
  want_read,   // wait until the socket is readable, then call again
  want_write,  // wait until the socket is writable, then call again (same data, for a write)
  closed,      // the peer closed (close_notify, or end of stream)
  error,       // `ec` (and `reason` for a protocol error)
};

struct tls_result {
  tls_status status = tls_status::ok;
  std::size_t bytes = 0;
  boost::system::error_code ec;
  std::string reason;  // OpenSSL's, for a protocol error; empty otherwise
};

// Binds `ssl` to the socket's descriptor (which must be non-blocking).
bool tls_attach(ssl_st* ssl, int fd);
tls_result tls_accept(ssl_st* ssl);
tls_result tls_read(ssl_st* ssl, char* data, std::size_t size);
// After want_write, call again with the same bytes first (more may follow them).
tls_result tls_write(ssl_st* ssl, const char* data, std::size_t size);
// Sends close_notify if the socket takes it now; never waits.
void tls_close_notify(ssl_st* ssl);
// "TLSv1.3 TLS_AES_128_GCM_SHA256" for the debug log.
std::string tls_describe(ssl_st* ssl);

}  // namespace tickerd
