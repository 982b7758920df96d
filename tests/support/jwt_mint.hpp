// Test-only: makes keys and signs tokens, so the verifier and the server are tested against
// real signatures. HS256, RS256 and ES256 are signed by libjwt, EdDSA by OpenSSL's
// EVP_DigestSign; keys come from OpenSSL's generator. Header-only, for unit and integration
// tests.
#pragma once

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tickerd::test_jwt {

inline std::string b64url(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(alphabet[(v >> s) & 63]);
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
  } else if (i + 2 == bytes.size()) {
    const unsigned v =
        static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
  }
  return out;
}

// A generated key pair as PEM. type: "RSA", "EC" (P-256) or "ED25519".
struct test_key {
  std::string private_pem;
  std::string public_pem;
  std::shared_ptr<EVP_PKEY> pkey;
};

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

inline test_key make_key(std::string_view type) {
  EVP_PKEY* k = nullptr;
  if (type == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  } else if (type == "EC") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  if (k == nullptr) throw std::runtime_error("key generation failed");
  test_key out;
  out.pkey = std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(priv.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub.get(), k);
  out.private_pem = bio_text(priv.get());
  out.public_pem = bio_text(pub.get());
  return out;
}

// header and payload are JSON texts; alg is what the header says, and the signature is made
// with it whatever the header says (HS256 with `key` as the secret, EdDSA with `key` as a
// private PEM, none: no signature).
inline std::string sign_token(std::string_view alg, const std::string& header,
                              const std::string& payload, std::string_view key) {
  const std::string input = b64url(header) + "." + b64url(payload);
  if (alg == "none") return input + ".";
  if (alg == "EdDSA") {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(key.data(), static_cast<int>(key.size())), BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> k(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned char sig[64];
    std::size_t len = sizeof sig;
    if (!k || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) != 1) {
      throw std::runtime_error("EdDSA signing failed");
    }
    return input + "." + b64url(std::string_view(reinterpret_cast<char*>(sig), len));
  }
  if (alg == "HS256") {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    return input + "." + b64url(std::string_view(reinterpret_cast<char*>(mac), len));
  }
  throw std::runtime_error("sign_token: HS256, EdDSA or none (make_token for RS256, ES256)");
}

// RS256 and ES256 by libjwt, which writes its own header ({"alg","typ"}, and our kid).
inline std::string libjwt_token(std::string_view alg, const std::string& payload,
                                std::string_view key, std::string_view kid) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> owner(jwt, jwt_free);
  if (jwt_add_grants_json(jwt, payload.c_str()) != 0 ||
      (!kid.empty() && jwt_add_header(jwt, "kid", std::string(kid).c_str()) != 0) ||
      jwt_set_alg(jwt, jwt_str_alg(std::string(alg).c_str()),
                  reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())) != 0) {
    throw std::runtime_error("libjwt rejected the token's parts");
  }
  char* text = jwt_encode_str(jwt);
  if (text == nullptr) throw std::runtime_error("libjwt could not sign");
  std::string out(text);
  free(text);  // NOLINT(cppcoreguidelines-no-malloc): libjwt's allocation
  return out;
}

// A token with the usual header: {"alg":alg,"typ":"JWT"} plus kid when given.
inline std::string make_token(std::string_view alg, const std::string& payload,
                              std::string_view key, std::string_view kid = {}) {
  std::string header = R"({"alg":")" + std::string(alg) + R"(","typ":"JWT")";
  if (!kid.empty()) header += R"(,"kid":")" + std::string(kid) + "\"";
  header += "}";
  if (alg == "RS256" || alg == "ES256") return libjwt_token(alg, payload, key, kid);
  return sign_token(alg, header, payload, key);
}

}  // namespace tickerd::test_jwt
