#include "tickerd/store/redis_tls.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace tickerd {
namespace {

std::optional<redis_tls_error> unreadable(const std::string& key, const std::string& path) {
  if (auto reason = unreadable_file(path)) return redis_tls_error{key, std::move(*reason)};
  return std::nullopt;
}

}  // namespace

std::string openssl_reason() {
  std::string out;
  while (const auto e = ::ERR_get_error()) {
    char text[256] = {};
    ::ERR_error_string_n(e, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// A file that cannot be opened gets the system's reason, clearer than OpenSSL's.
std::optional<std::string> unreadable_file(const std::string& path) {
  std::ifstream in(path);
  if (in) return std::nullopt;
  return "cannot read '" + path + "': " + std::strerror(errno);
}

std::optional<redis_tls_error> configure_redis_tls(ssl_ctx_st* ctx, const redis_tls_options& tls) {
  ::ERR_clear_error();
  ::SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (tls.ca_file.empty()) {
    if (::SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return redis_tls_error{"tls_ca_file", "the system trust store: " + openssl_reason()};
    }
  } else {
    if (auto e = unreadable("tls_ca_file", tls.ca_file)) return e;
    if (::SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1) {
      return redis_tls_error{"tls_ca_file",
                             "'" + tls.ca_file + "' holds no PEM certificate: " + openssl_reason()};
    }
  }
  if (!tls.cert_file.empty()) {
    if (auto e = unreadable("tls_cert_file", tls.cert_file)) return e;
    if (::SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
      return redis_tls_error{
          "tls_cert_file", "'" + tls.cert_file + "' holds no PEM certificate: " + openssl_reason()};
    }
  }
  if (!tls.key_file.empty()) {
    if (auto e = unreadable("tls_key_file", tls.key_file)) return e;
    if (::SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return redis_tls_error{
          "tls_key_file",
          "'" + tls.key_file + "' holds no unencrypted PEM private key: " + openssl_reason()};
    }
    if (::SSL_CTX_check_private_key(ctx) != 1) {
      return redis_tls_error{
          "tls_key_file",
          "'" + tls.key_file + "' does not match tls_cert_file: " + openssl_reason()};
    }
  }
  return std::nullopt;
}

std::optional<redis_tls_error> check_redis_tls(const redis_tls_options& tls) {
  const std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> ctx(
      ::SSL_CTX_new(::TLS_client_method()), &::SSL_CTX_free);
  if (!ctx) return redis_tls_error{"tls", "cannot create a TLS context: " + openssl_reason()};
  return configure_redis_tls(ctx.get(), tls);
}

}  // namespace tickerd
