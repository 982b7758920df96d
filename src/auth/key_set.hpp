// The keys tokens are verified with, from [auth] key_file (one PEM public key, or an HMAC
// secret) or jwks_file (a JSON Web Key Set, RFC 7517). Loaded at start-up and on SIGHUP;
// immutable once loaded, shared by every shard.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

namespace tickerd {

// The algorithm family a key serves: HS256 needs a secret, RS256 an RSA key, ES256 a P-256
// key, EdDSA an Ed25519 key. A token's alg must match its key's (no RSA key used as an
// HMAC secret).
enum class key_kind : std::uint8_t { hmac, rsa, ec_p256, ed25519 };

std::string_view algorithm_of(key_kind k) noexcept;  // "HS256", "RS256", "ES256", "EdDSA"

struct verification_key {
  std::string kid;  // "" for a key_file key
  key_kind kind = key_kind::hmac;
  std::string material;            // the secret (hmac), else the public key as PEM (for libjwt)
  std::shared_ptr<EVP_PKEY> pkey;  // the public key (not for hmac)
};

struct key_set {
  std::vector<verification_key> keys;
};

// At least this many bytes of HMAC secret: the hash's size (RFC 7518 section 3.2).
inline constexpr std::size_t min_hmac_secret_bytes = 32;

// The key in `path`: a PEM public key ("-----BEGIN PUBLIC KEY-----"; RSA, P-256 or Ed25519),
// else the file's bytes, without one trailing newline, as an HMAC secret. Returns "" and
// fills `out`, or the reason it cannot.
std::string load_key_file(const std::string& path, key_set& out);

// The signing keys of the JWKS in `path` (kty RSA, EC with crv P-256, OKP with crv Ed25519,
// oct); keys with "use" other than "sig" are skipped. "" or the reason.
std::string load_jwks_file(const std::string& path, key_set& out);
// The same from text (tests, fuzzing).
std::string parse_jwks(std::string_view json, key_set& out);

}  // namespace tickerd
