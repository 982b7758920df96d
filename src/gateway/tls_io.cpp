#include "gateway/tls_io.hpp"

#include <cerrno>
#include <climits>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tickerd/store/redis_tls.hpp"

namespace tickerd {
namespace {

tls_result outcome(ssl_st* ssl, int rc) {
  tls_result r;
  const int saved_errno = errno;
  switch (::SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ:
      r.status = tls_status::want_read;
      return r;
    case SSL_ERROR_WANT_WRITE:
      r.status = tls_status::want_write;
      return r;
    case SSL_ERROR_ZERO_RETURN:
      r.status = tls_status::closed;
      return r;
    case SSL_ERROR_SYSCALL:
      ::ERR_clear_error();
      if (saved_errno == 0) {  // end of stream without close_notify
        r.status = tls_status::closed;
        return r;
      }
      r.status = tls_status::error;
      r.ec = boost::system::error_code(saved_errno, boost::system::system_category());
      return r;
    default: {
      r.status = tls_status::error;
      r.ec = boost::system::error_code(EPROTO, boost::system::system_category());
      r.reason = openssl_reason();
      return r;
    }
  }
}

int clamp_size(std::size_t size) {
  return size > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(size);
}

}  // namespace

bool tls_attach(ssl_st* ssl, int fd) {
  return ::SSL_set_fd(ssl, fd) == 1;
}

tls_result tls_accept(ssl_st* ssl) {
  ::ERR_clear_error();
  errno = 0;
  const int rc = ::SSL_do_handshake(ssl);
  if (rc == 1) return {};
  return outcome(ssl, rc);
}

tls_result tls_read(ssl_st* ssl, char* data, std::size_t size) {
  ::ERR_clear_error();
  errno = 0;
  const int rc = ::SSL_read(ssl, data, clamp_size(size));
  if (rc > 0) return {tls_status::ok, static_cast<std::size_t>(rc), {}, {}};
  return outcome(ssl, rc);
}

tls_result tls_write(ssl_st* ssl, const char* data, std::size_t size) {
  ::ERR_clear_error();
  errno = 0;
  const int rc = ::SSL_write(ssl, data, clamp_size(size));
  if (rc > 0) return {tls_status::ok, static_cast<std::size_t>(rc), {}, {}};
  return outcome(ssl, rc);
}

void tls_close_notify(ssl_st* ssl) {
  ::ERR_clear_error();
  if (::SSL_is_init_finished(ssl) == 1) ::SSL_shutdown(ssl);
  ::ERR_clear_error();
}

std::string tls_describe(ssl_st* ssl) {
  std::string out = ::SSL_get_version(ssl);
  if (const char* cipher = ::SSL_get_cipher_name(ssl)) {
    out += ' ';
    out += cipher;
  }
  return out;
}

}  // namespace tickerd
