#include "tickerd/gateway/server_tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tickerd/store/redis_tls.hpp"

namespace tickerd {
namespace {

// Mozilla's "intermediate" configuration (TLS 1.2 part; TLS 1.3 keeps OpenSSL's suites, all
// AEAD): forward secrecy and AEAD only. No DHE: every client of this decade speaks ECDHE.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::optional<server_tls_error> unreadable(const std::string& key, const std::string& path) {
  if (auto reason = unreadable_file(path)) return server_tls_error{key, std::move(*reason)};
  return std::nullopt;
}

// ALPN (RFC 7301): HTTP/1.1 is all this port speaks, WebSocket included (RFC 6455 upgrades
// an HTTP/1.1 request). A client that offers ALPN without it gets no_application_protocol.
int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_len,
                const unsigned char* in, unsigned in_len, void* /*arg*/) {
  static constexpr unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* chosen = nullptr;
  unsigned char chosen_len = 0;
  if (::SSL_select_next_proto(&chosen, &chosen_len, ours, sizeof ours, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = chosen;
  *out_len = chosen_len;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

void ssl_free_deleter::operator()(ssl_st* ssl) const noexcept {
  ::SSL_free(ssl);
}

ssl_ctx_ptr make_server_tls_context(const server_tls_config& tls, server_tls_error& error) {
  ::ERR_clear_error();
  ssl_ctx_ptr ctx(::SSL_CTX_new(::TLS_server_method()), &::SSL_CTX_free);
  if (!ctx) {
    error = {"server.tls", "cannot create a TLS context: " + openssl_reason()};
    return nullptr;
  }
  auto* c = ctx.get();
  ::SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  ::SSL_CTX_set_options(
      c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Writes retry from a buffer that may have moved (a session's out_ grows); idle
  // connections give their 34 KiB of record buffers back.
  ::SSL_CTX_set_mode(c, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (::SSL_CTX_set_cipher_list(c, tls12_ciphers) != 1) {
    error = {"server.tls", "cipher list: " + openssl_reason()};
    return nullptr;
  }
  ::SSL_CTX_set_alpn_select_cb(c, &select_alpn, nullptr);
  if (auto e = unreadable("server.tls.cert", tls.cert)) {
    error = *e;
    return nullptr;
  }
  if (::SSL_CTX_use_certificate_chain_file(c, tls.cert.c_str()) != 1) {
    error = {"server.tls.cert", "'" + tls.cert + "' holds no PEM certificate: " + openssl_reason()};
    return nullptr;
  }
  if (auto e = unreadable("server.tls.key", tls.key)) {
    error = *e;
    return nullptr;
  }
  const auto mismatch = [&] {
    return server_tls_error{"server.tls.key", "'" + tls.key +
                                                  "' does not match the certificate in '" +
                                                  tls.cert + "': " + openssl_reason()};
  };
  if (::SSL_CTX_use_PrivateKey_file(c, tls.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate as it loads it.
    if (ERR_GET_REASON(::ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      error = mismatch();
    } else {
      error = {"server.tls.key",
               "'" + tls.key + "' holds no unencrypted PEM private key: " + openssl_reason()};
    }
    return nullptr;
  }
  if (::SSL_CTX_check_private_key(c) != 1) {
    error = mismatch();
    return nullptr;
  }
  return ctx;
}

std::optional<server_tls_error> check_server_tls(const server_tls_config& tls) {
  server_tls_error error;
  if (make_server_tls_context(tls, error)) return std::nullopt;
  return error;
}

std::string describe_certificate(ssl_ctx_st* ctx) {
  X509* cert = ::SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr) return "no certificate";
  std::string out = "subject ";
  char name[512] = {};
  ::X509_NAME_oneline(::X509_get_subject_name(cert), name, sizeof name);
  out += name;
  if (BIGNUM* serial = ::ASN1_INTEGER_to_BN(::X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = ::BN_bn2hex(serial)) {
      out += ", serial ";
      out += hex;
      ::OPENSSL_free(hex);
    }
    ::BN_free(serial);
  }
  if (BIO* bio = ::BIO_new(::BIO_s_mem())) {
    if (::ASN1_TIME_print(bio, ::X509_get0_notAfter(cert)) == 1) {
      char* data = nullptr;
      const long size = ::BIO_get_mem_data(bio, &data);
      out += ", expires ";
      out.append(data, static_cast<std::size_t>(size));
    }
    ::BIO_free(bio);
  }
  return out;
}

ssl_handle new_server_ssl(ssl_ctx_st* ctx) {
  ssl_handle ssl(::SSL_new(ctx));
  if (ssl) ::SSL_set_accept_state(ssl.get());
  return ssl;
}

}  // namespace tickerd
