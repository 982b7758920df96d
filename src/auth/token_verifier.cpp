#include "auth/token_verifier.hpp"

#include <jwt.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "auth/base64url.hpp"

namespace tickerd {
namespace {

namespace dom = simdjson::dom;
using result = token_verifier::result;

constexpr std::int64_t ms_per_s = 1000;
// exp and nbf beyond this (year 5138) are not NumericDates anyone means.
constexpr double max_numeric_date = 1e11;

result fail(auth_failure f, std::string detail) {
  return {false, f, std::move(detail)};
}

bool base64url_chars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// A NumericDate (RFC 7519 2): seconds since the epoch, integer or not, in ms.
bool numeric_date(dom::element e, std::int64_t& ms) {
  double s = 0;
  if (std::int64_t i = 0; e.get_int64().get(i) == simdjson::SUCCESS) {
    s = static_cast<double>(i);
  } else if (e.get_double().get(s) != simdjson::SUCCESS) {
    return false;
  }
  if (!std::isfinite(s) || s < 0 || s > max_numeric_date) return false;
  ms = static_cast<std::int64_t>(s * ms_per_s);
  return true;
}

jwt_alg_t libjwt_alg(key_kind k) {
  switch (k) {
    case key_kind::hmac:
      return JWT_ALG_HS256;
    case key_kind::rsa:
      return JWT_ALG_RS256;
    case key_kind::ec_p256:
      return JWT_ALG_ES256;
    case key_kind::ed25519:
      break;
  }
  return JWT_ALG_INVAL;
}

}  // namespace

token_verifier::token_verifier(token_rules rules, key_set keys)
    : rules_(std::move(rules)), keys_(std::move(keys)) {}

bool token_verifier::signature_ok(const verification_key& key, std::string_view token,
                                  std::string_view signing_input,
                                  std::string_view signature) const {
  if (key.kind == key_kind::ed25519) {
    const auto sig = base64url_decode(signature);
    if (!sig) return false;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.pkey.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()),
                            sig->size(),
                            reinterpret_cast<const unsigned char*>(signing_input.data()),
                            signing_input.size()) == 1;
  }
  // libjwt takes a NUL-terminated token and checks the header's alg against the key by
  // itself; the family was matched to the key's kind before this call.
  const std::string text(token);
  jwt_t* decoded = nullptr;
  const int rc = jwt_decode(&decoded, text.c_str(),
                            reinterpret_cast<const unsigned char*>(key.material.data()),
                            static_cast<int>(key.material.size()));
  const bool ok = rc == 0 && decoded != nullptr && jwt_get_alg(decoded) == libjwt_alg(key.kind);
  jwt_free(decoded);
  return ok;
}

result token_verifier::verify(std::string_view token, std::int64_t now_ms,
                              verified_token& out) const {
  if (token.empty()) return fail(auth_failure::missing, "no token");
  if (token.size() > max_token_bytes) {
    return fail(auth_failure::oversized, "the token is longer than 8192 bytes");
  }
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(auth_failure::malformed, "a token is three base64url parts separated by '.'");
  }
  const auto header_b64 = token.substr(0, dot1);
  const auto payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto signature_b64 = token.substr(dot2 + 1);
  // Also rules out non-ASCII bytes, so nothing below sees invalid UTF-8.
  if (!base64url_chars(header_b64) || !base64url_chars(payload_b64) ||
      !base64url_chars(signature_b64)) {
    return fail(auth_failure::malformed, "a token part is not base64url");
  }
  const auto header_json = base64url_decode(header_b64);
  const auto payload_json = base64url_decode(payload_b64);
  if (!header_json || !payload_json) {
    return fail(auth_failure::malformed, "a token part is not base64url");
  }

  dom::parser parser;
  dom::object header;
  if (parser.parse(*header_json).get_object().get(header) != simdjson::SUCCESS) {
    return fail(auth_failure::malformed, "the token header is not a JSON object");
  }
  std::string_view alg;
  std::string_view kid;
  bool has_kid = false;
  for (const auto field : header) {
    if (field.key == "alg") {
      if (field.value.get_string().get(alg) != simdjson::SUCCESS) alg = {};
    } else if (field.key == "kid") {
      has_kid = field.value.get_string().get(kid) == simdjson::SUCCESS;
      if (!has_kid || kid.size() > max_kid_chars) {
        return fail(auth_failure::malformed, "the token's kid is not a short string");
      }
    } else if (field.key == "crit") {
      return fail(auth_failure::malformed, "the token has critical header parameters");
    }
  }
  const std::string alg_text(alg);  // copied: the parser is reused for the payload
  const std::string kid_text(kid);
  if (alg_text.empty()) return fail(auth_failure::malformed, "the token header has no alg");
  if (std::find(rules_.algorithms.begin(), rules_.algorithms.end(), alg_text) ==
      rules_.algorithms.end()) {
    return fail(auth_failure::wrong_alg, "algorithm not accepted");
  }

  dom::object payload;
  if (parser.parse(*payload_json).get_object().get(payload) != simdjson::SUCCESS) {
    return fail(auth_failure::malformed, "the token payload is not a JSON object");
  }

  // The key: by kid when the token names one, else every key of the token's algorithm.
  bool any_key = false;
  bool verified = false;
  const auto signing_input = token.substr(0, dot2);
  for (const auto& key : keys_.keys) {
    if (algorithm_of(key.kind) != alg_text) continue;
    if (has_kid && !key.kid.empty() && key.kid != kid_text) continue;
    any_key = true;
    if (signature_ok(key, token, signing_input, signature_b64)) {
      verified = true;
      break;
    }
  }
  if (!any_key) {
    return fail(has_kid ? auth_failure::unknown_key : auth_failure::wrong_alg,
                has_kid ? "no key for this kid and algorithm" : "no key for this algorithm");
  }
  if (!verified) return fail(auth_failure::bad_signature, "the signature does not verify");

  // Claims, read only from a verified token. A repeated key: the last one counts.
  verified_token t;
  bool has_exp = false;
  std::int64_t nbf_ms = -1;
  std::string_view iss;
  bool audience_ok = rules_.audience.empty();
  for (const auto field : payload) {
    const auto key = field.key;
    if (key == "exp") {
      has_exp = numeric_date(field.value, t.expires_ms);
      if (!has_exp) return fail(auth_failure::malformed, "exp is not a NumericDate");
    } else if (key == "nbf") {
      if (!numeric_date(field.value, nbf_ms)) {
        return fail(auth_failure::malformed, "nbf is not a NumericDate");
      }
    } else if (key == "iss") {
      if (field.value.get_string().get(iss) != simdjson::SUCCESS) {
        return fail(auth_failure::malformed, "iss is not a string");
      }
    } else if (key == "sub") {
      std::string_view sub;
      if (field.value.get_string().get(sub) != simdjson::SUCCESS) {
        return fail(auth_failure::malformed, "sub is not a string");
      }
      t.subject = std::string(sub);
    } else if (key == "aud") {
      if (rules_.audience.empty()) continue;
      std::string_view one;
      dom::array many;
      audience_ok = false;
      if (field.value.get_string().get(one) == simdjson::SUCCESS) {
        audience_ok = one == rules_.audience;
      } else if (field.value.get_array().get(many) == simdjson::SUCCESS) {
        for (const auto a : many) {
          if (a.get_string().get(one) == simdjson::SUCCESS && one == rules_.audience) {
            audience_ok = true;
          }
        }
      }
    } else if (key == rules_.channels_claim) {
      dom::array patterns;
      if (field.value.get_array().get(patterns) != simdjson::SUCCESS) {
        return fail(auth_failure::malformed, "the channels claim is not an array of patterns");
      }
      std::vector<std::string> list;
      for (const auto p : patterns) {
        std::string_view s;
        if (p.get_string().get(s) != simdjson::SUCCESS || !channel_permissions::valid_pattern(s) ||
            list.size() == channel_permissions::max_patterns) {
          return fail(auth_failure::malformed,
                      "the channels claim must list at most 256 patterns like 'ticker.*'");
        }
        list.emplace_back(s);
      }
      t.channels = channel_permissions(std::move(list));
    }
  }
  if (!has_exp) return fail(auth_failure::malformed, "the token has no exp");
  if (now_ms >= t.expires_ms + rules_.leeway_ms) {
    return fail(auth_failure::expired, "the token has expired");
  }
  if (nbf_ms >= 0 && now_ms + rules_.leeway_ms < nbf_ms) {
    return fail(auth_failure::not_yet_valid, "the token is not valid yet (nbf)");
  }
  if (!rules_.issuer.empty() && iss != rules_.issuer) {
    return fail(auth_failure::wrong_issuer, "the token's issuer is not accepted");
  }
  if (!audience_ok) return fail(auth_failure::wrong_audience, "the token is for another audience");
  out = std::move(t);
  return {true, auth_failure::malformed, {}};
}

}  // namespace tickerd
