#include "load/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace tickerd::bench {

tls_client::tls_client(const std::string& ca_file, bool verify) : verify_(verify) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                             SSL_MODE_RELEASE_BUFFERS);
  static constexpr unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  const bool ok = SSL_CTX_set1_groups_list(ctx_, "P-256") == 1 &&
                  SSL_CTX_set_alpn_protos(ctx_, alpn, sizeof alpn) == 0 &&
                  (!verify || SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr) == 1);
  if (!ok) {
    SSL_CTX_free(ctx_);
    throw std::runtime_error("TLS client set-up failed (CA file " + ca_file +
                             "): " + tls_error_text(nullptr, 0));
  }
  SSL_CTX_set_verify(ctx_, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
}

tls_client::~tls_client() {
  SSL_CTX_free(ctx_);
}

ssl_st* tls_client::new_session(int fd, const std::string& host) const {
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) return nullptr;
  if (SSL_set_fd(ssl, fd) != 1 ||
      (verify_ && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1)) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_connect_state(ssl);
  return ssl;
}

std::string tls_error_text(ssl_st* ssl, int rc) {
  std::string out;
  if (ssl != nullptr) {
    switch (SSL_get_error(ssl, rc)) {
      case SSL_ERROR_ZERO_RETURN:
        out = "closed by the peer";
        break;
      case SSL_ERROR_SYSCALL:
        out = "connection reset or closed";
        break;
      case SSL_ERROR_SSL:
        out = "TLS error";
        break;
      default:
        out = "TLS error " + std::to_string(SSL_get_error(ssl, rc));
    }
    if (const long v = SSL_get_verify_result(ssl); v != X509_V_OK) {
      out += std::string(" (certificate: ") + X509_verify_cert_error_string(v) + ")";
    }
  }
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown TLS error" : out;
}

}  // namespace tickerd::bench
