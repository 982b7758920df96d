#include "auth/key_set.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "auth/base64url.hpp"

namespace tickerd {
namespace {

constexpr std::size_t max_key_file_bytes = 1 << 20;
constexpr std::size_t p256_coordinate_bytes = 32;
constexpr std::size_t ed25519_key_bytes = 32;

using pkey_ptr = std::shared_ptr<EVP_PKEY>;
pkey_ptr own(EVP_PKEY* k) {
  return pkey_ptr(k, EVP_PKEY_free);
}

bool read_file(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read '" + path + "'";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  out = std::move(text).str();
  if (out.size() > max_key_file_bytes) {
    error = "'" + path + "' is larger than 1 MiB";
    return false;
  }
  return true;
}

// The key's kind, or the reason tickerd cannot use it.
bool kind_of(EVP_PKEY* k, key_kind& kind, std::string& error) {
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(k) < 2048) {
        error = "RSA keys must have at least 2048 bits";
        return false;
      }
      kind = key_kind::rsa;
      return true;
    case EVP_PKEY_EC: {
      char group[64] = {};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                         &len) != 1 ||
          std::string_view(group, len) != "prime256v1") {
        error = "EC keys must be on P-256 (ES256)";
        return false;
      }
      kind = key_kind::ec_p256;
      return true;
    }
    case EVP_PKEY_ED25519:
      kind = key_kind::ed25519;
      return true;
    default:
      error = "not an RSA, P-256 or Ed25519 public key";
      return false;
  }
}

std::string to_pem(EVP_PKEY* k) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), k) != 1) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

bool add_public(pkey_ptr k, std::string kid, key_set& out, std::string& error) {
  verification_key v;
  if (!kind_of(k.get(), v.kind, error)) return false;
  v.kid = std::move(kid);
  v.material = to_pem(k.get());
  if (v.material.empty()) {
    error = "cannot encode the key";
    return false;
  }
  v.pkey = std::move(k);
  out.keys.push_back(std::move(v));
  return true;
}

pkey_ptr from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld),
                                                                 OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* k = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &k, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return own(k);
}

using bn_ptr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)>;

pkey_ptr rsa_key(const std::string& n, const std::string& e) {
  bn_ptr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                        static_cast<int>(n.size()), nullptr),
              BN_free);
  bn_ptr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                        static_cast<int>(e.size()), nullptr),
              BN_free);
  bld_ptr bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bn_n || !bn_e || !bld ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return nullptr;
  }
  return from_params("RSA", bld.get());
}

pkey_ptr p256_key(const std::string& x, const std::string& y) {
  if (x.size() != p256_coordinate_bytes || y.size() != p256_coordinate_bytes) return nullptr;
  std::string point = "\x04" + x + y;  // uncompressed (SEC 1 2.3.3)
  bld_ptr bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return nullptr;
  }
  return from_params("EC", bld.get());
}

// One JWK; false and `error` for a key that claims to be a signing key but is unusable.
bool read_jwk(simdjson::dom::object jwk, std::size_t index, key_set& out, std::string& error) {
  const auto field = [&](const char* name) -> std::string_view {
    std::string_view v;
    if (jwk[name].get_string().get(v) != simdjson::SUCCESS) return {};
    return v;
  };
  const auto bytes = [&](const char* name) -> std::string {
    auto decoded = base64url_decode(field(name));
    return decoded ? std::move(*decoded) : std::string();
  };
  const std::string where = "keys[" + std::to_string(index) + "]";
  const auto use = field("use");
  if (!use.empty() && use != "sig") return true;  // an encryption key: not ours
  const auto kty = field("kty");
  const std::string kid(field("kid"));
  pkey_ptr k;
  if (kty == "oct") {
    verification_key v;
    v.kid = kid;
    v.kind = key_kind::hmac;
    v.material = bytes("k");
    if (v.material.size() < min_hmac_secret_bytes) {
      error = where + ": an oct key needs 'k' of at least 32 bytes";
      return false;
    }
    out.keys.push_back(std::move(v));
    return true;
  }
  if (kty == "RSA") {
    k = rsa_key(bytes("n"), bytes("e"));
  } else if (kty == "EC") {
    if (field("crv") != "P-256") {
      error = where + ": only crv P-256 is supported for EC keys";
      return false;
    }
    k = p256_key(bytes("x"), bytes("y"));
  } else if (kty == "OKP") {
    const auto x = bytes("x");
    if (field("crv") != "Ed25519" || x.size() != ed25519_key_bytes) {
      error = where + ": an OKP key needs crv Ed25519 and a 32-byte 'x'";
      return false;
    }
    k = own(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size()));
  } else {
    error = where + ": kty must be RSA, EC, OKP or oct";
    return false;
  }
  if (!k) {
    error = where + ": not a valid " + std::string(kty) + " public key";
    return false;
  }
  if (!add_public(std::move(k), kid, out, error)) {
    error = where + ": " + error;
    return false;
  }
  return true;
}

}  // namespace

std::string_view algorithm_of(key_kind k) noexcept {
  switch (k) {
    case key_kind::hmac:
      return "HS256";
    case key_kind::rsa:
      return "RS256";
    case key_kind::ec_p256:
      return "ES256";
    case key_kind::ed25519:
      return "EdDSA";
  }
  return "?";
}

std::string load_key_file(const std::string& path, key_set& out) {
  std::string text;
  std::string error;
  if (!read_file(path, text, error)) return error;
  if (text.find("-----BEGIN") != std::string::npos) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
    auto k = own(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!k) return "'" + path + "' holds no PEM public key (-----BEGIN PUBLIC KEY-----)";
    if (!add_public(std::move(k), {}, out, error)) return "'" + path + "': " + error;
    return {};
  }
  if (text.ends_with('\n')) text.pop_back();
  if (text.ends_with('\r')) text.pop_back();
  if (text.size() < min_hmac_secret_bytes) {
    return "'" + path + "': an HMAC secret needs at least 32 bytes (or give a PEM public key)";
  }
  out.keys.push_back({{}, key_kind::hmac, std::move(text), nullptr});
  return {};
}

std::string parse_jwks(std::string_view json, key_set& out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return "not valid JSON";
  }
  simdjson::dom::array keys;
  if (root["keys"].get_array().get(keys) != simdjson::SUCCESS) {
    return "no 'keys' array";
  }
  std::size_t index = 0;
  for (const auto jwk : keys) {
    simdjson::dom::object obj;
    if (jwk.get_object().get(obj) != simdjson::SUCCESS) {
      return "keys[" + std::to_string(index) + "] is not an object";
    }
    std::string error;
    if (!read_jwk(obj, index++, out, error)) return error;
  }
  if (out.keys.empty()) return "no signing key";
  return {};
}

std::string load_jwks_file(const std::string& path, key_set& out) {
  std::string text;
  std::string error;
  if (!read_file(path, text, error)) return error;
  error = parse_jwks(text, out);
  return error.empty() ? error : "'" + path + "': " + error;
}

}  // namespace tickerd
