#include "gateway/tls_io.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <climits>

#include <openssl/bio.h>
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

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE on a connection the client
// has closed; this one sends with MSG_NOSIGNAL, as every other write in the gateway does, and
// is OpenSSL's socket BIO otherwise. Made once, never changed.
int send_nosignal(BIO* bio, const char* data, int size) {
  const auto fd = static_cast<int>(BIO_get_fd(bio, nullptr));
  errno = 0;
  const auto n = ::send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  BIO_clear_retry_flags(bio);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    BIO_set_retry_write(bio);
  }
  return static_cast<int>(n);
}

const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = ::BIO_meth_new(BIO_TYPE_SOCKET, "tickerd socket");
    const BIO_METHOD* base = ::BIO_s_socket();
    if (m == nullptr) return m;
    ::BIO_meth_set_write(m, &send_nosignal);
    ::BIO_meth_set_read(m, ::BIO_meth_get_read(base));
    ::BIO_meth_set_puts(m, ::BIO_meth_get_puts(base));
    ::BIO_meth_set_ctrl(m, ::BIO_meth_get_ctrl(base));
    ::BIO_meth_set_create(m, ::BIO_meth_get_create(base));
    ::BIO_meth_set_destroy(m, ::BIO_meth_get_destroy(base));
    return m;
  }();
  return method;
}

int clamp_size(std::size_t size) {
  return size > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(size);
}

}  // namespace

bool tls_attach(ssl_st* ssl, int fd) {
  const auto* method = socket_method();
  if (method == nullptr) return false;
  BIO* bio = ::BIO_new(method);
  if (bio == nullptr) return false;
  BIO_set_fd(bio, fd, BIO_NOCLOSE);  // the socket stays Asio's to close
  ::SSL_set_bio(ssl, bio, bio);      // the SSL object owns the BIO now
  return true;
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
