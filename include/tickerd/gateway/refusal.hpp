// Why a client was turned away or an auth step failed: the indices of shard_stats' refusal
// counters, the `code` of the error a client gets, and the names /v1/stats and /metrics show.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tickerd {

// A connection refused at the upgrade (HTTP 4xx/5xx instead of 101).
enum class refusal : std::uint8_t {
  origin,        // Origin not in [server] allowed_origins: 403
  per_ip_limit,  // limits.max_connections_per_ip: 429
  total_limit,   // limits.max_connections: 503
  auth,          // a token was required or given and did not verify: 401
  count_
};

// A token (at the upgrade, in `auth` or `refresh`) that did not verify, or a request the
// token does not allow.
enum class auth_failure : std::uint8_t {
  missing,           // no token where one is needed
  malformed,         // not three base64url parts of JSON, or bad claim types
  oversized,         // longer than token_verifier::max_token_bytes
  wrong_alg,         // "none", or an algorithm outside [auth] algorithms or the key's
  unknown_key,       // no key for the token's kid and algorithm
  bad_signature,     // the signature does not verify
  expired,           // exp (plus leeway) has passed
  not_yet_valid,     // nbf (minus leeway) is in the future
  wrong_issuer,      // iss is not [auth] issuer
  wrong_audience,    // aud does not name [auth] audience
  forbidden,         // a subscribe outside the token's (and the anonymous) channels
  subject_mismatch,  // a refresh for another sub
  timeout,           // no `auth` within limits.handshake_timeout_ms
  duplicate,         // a second `auth` on one connection
  count_
};

inline constexpr std::size_t refusal_count = static_cast<std::size_t>(refusal::count_);
inline constexpr std::size_t auth_failure_count = static_cast<std::size_t>(auth_failure::count_);

constexpr std::string_view to_string(refusal r) noexcept {
  switch (r) {
    case refusal::origin:
      return "origin";
    case refusal::per_ip_limit:
      return "per_ip_limit";
    case refusal::total_limit:
      return "total_limit";
    case refusal::auth:
      return "auth";
    case refusal::count_:
      break;
  }
  return "?";
}

constexpr std::string_view to_string(auth_failure f) noexcept {
  switch (f) {
    case auth_failure::missing:
      return "missing";
    case auth_failure::malformed:
      return "malformed";
    case auth_failure::oversized:
      return "oversized";
    case auth_failure::wrong_alg:
      return "wrong_alg";
    case auth_failure::unknown_key:
      return "unknown_key";
    case auth_failure::bad_signature:
      return "bad_signature";
    case auth_failure::expired:
      return "expired";
    case auth_failure::not_yet_valid:
      return "not_yet_valid";
    case auth_failure::wrong_issuer:
      return "wrong_issuer";
    case auth_failure::wrong_audience:
      return "wrong_audience";
    case auth_failure::forbidden:
      return "forbidden";
    case auth_failure::subject_mismatch:
      return "subject_mismatch";
    case auth_failure::timeout:
      return "timeout";
    case auth_failure::duplicate:
      return "duplicate";
    case auth_failure::count_:
      break;
  }
  return "?";
}

}  // namespace tickerd
