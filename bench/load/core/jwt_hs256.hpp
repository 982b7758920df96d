// The bench's JWT for `[auth] mode = "jwt"` runs: HS256 (HMAC-SHA-256 over base64url header and
// claims, RFC 7515/7519), minted once per run with OpenSSL's HMAC, so every client connects
// with the same `?token=` and the server's verification is the only auth cost measured.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd::bench {

// base64url without padding (RFC 4648 section 5).
std::string base64url_encode(std::string_view bytes);

// header.claims.signature for these exact header and claims texts (JSON, not re-encoded).
std::string jwt_hs256(std::string_view header_json, std::string_view claims_json,
                      std::string_view secret);

// A token for `channels` that expires `exp_unix` (seconds since the epoch), subject "bench".
std::string bench_token(const std::vector<std::string>& channels, std::int64_t exp_unix,
                        std::string_view secret);

}  // namespace tickerd::bench
