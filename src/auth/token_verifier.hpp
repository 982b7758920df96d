// Verifies a JWT (JWS compact form) against the configured keys and claims. Pure apart from
// the clock value it is given; called on the handshake path (upgrade, `auth`, `refresh`),
// never per delivered message. Unit-tested and fuzzed.
//
// The structure (three base64url parts, header and payload JSON) is read here with simdjson;
// signatures are checked by libjwt (HS256, RS256, ES256) and, for EdDSA, which libjwt 1.10
// lacks, by OpenSSL's EVP_DigestVerify with the Ed25519 key. No cryptography of our own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/channel_permissions.hpp"
#include "auth/key_set.hpp"
#include "tickerd/gateway/refusal.hpp"

namespace tickerd {

struct token_rules {
  std::vector<std::string> algorithms{"HS256", "RS256", "ES256", "EdDSA"};  // allowed
  std::string issuer;                                                       // "" = iss not checked
  std::string audience;                                                     // "" = aud not checked
  std::int64_t leeway_ms = 0;
  std::string channels_claim = "channels";
};

struct verified_token {
  std::string subject;           // sub; "" when absent
  std::int64_t expires_ms = 0;   // exp in Unix ms (always present: exp is required)
  channel_permissions channels;  // the claim's patterns; empty when absent
};

class token_verifier {
 public:
  static constexpr std::size_t max_token_bytes = 8 * 1024;
  static constexpr std::size_t max_kid_chars = 256;

  token_verifier(token_rules rules, key_set keys);

  // The token's claims, or the reason it does not verify at `now_ms` (Unix ms).
  struct result {
    bool ok = false;
    auth_failure failure = auth_failure::malformed;
    std::string detail;  // a sentence for the client and the log (no secrets, plain ASCII)
  };
  result verify(std::string_view token, std::int64_t now_ms, verified_token& out) const;

  const token_rules& rules() const noexcept { return rules_; }

 private:
  bool signature_ok(const verification_key& key, std::string_view token,
                    std::string_view signing_input, std::string_view signature) const;

  token_rules rules_;
  key_set keys_;
};

}  // namespace tickerd
