// The JWT verifier and channel permissions against real signatures (tests/support/jwt_mint.hpp).
#include <gtest/gtest.h>

#include "auth/base64url.hpp"
#include "auth/channel_permissions.hpp"
#include "auth/key_set.hpp"
#include "auth/token_verifier.hpp"
#include "support/jwt_mint.hpp"

namespace tickerd {
namespace {

using test_jwt::make_key;
using test_jwt::make_token;
using test_jwt::sign_token;

constexpr std::int64_t now_s = 1'800'000'000;
constexpr std::int64_t now_ms = now_s * 1000;
const std::string secret = "0123456789abcdef0123456789abcdef-secret";

std::string claims(std::int64_t exp_s = now_s + 600, const std::string& extra = {}) {
  return R"({"sub":"alice","exp":)" + std::to_string(exp_s) +
         R"(,"channels":["ticker.*","gas.ETH"])" + extra + "}";
}

key_set hmac_keys(const std::string& s = secret) {
  key_set k;
  k.keys.push_back({{}, key_kind::hmac, s, nullptr});
  return k;
}

key_set pem_keys(const std::string& pem) {
  key_set k;
  key_set parsed;
  // Through the same loader a key_file goes through.
  const auto path = ::testing::TempDir() + "verifier_key.pem";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(pem.c_str(), f);
  std::fclose(f);
  EXPECT_EQ(load_key_file(path, parsed), "");
  return parsed;
}

auth_failure failure_of(const token_verifier& v, std::string_view token) {
  verified_token t;
  const auto r = v.verify(token, now_ms, t);
  EXPECT_FALSE(r.ok) << token;
  EXPECT_FALSE(r.detail.empty());
  return r.failure;
}

TEST(TokenVerifier, AcceptsEachAlgorithmWithItsKey) {
  for (const char* type : {"RSA", "EC", "ED25519"}) {
    const auto key = make_key(type);
    const std::string alg = std::string(type) == "RSA"  ? "RS256"
                            : std::string(type) == "EC" ? "ES256"
                                                        : "EdDSA";
    const token_verifier v({}, pem_keys(key.public_pem));
    verified_token t;
    const auto r = v.verify(make_token(alg, claims(), key.private_pem), now_ms, t);
    ASSERT_TRUE(r.ok) << alg << ": " << r.detail;
    EXPECT_EQ(t.subject, "alice");
    EXPECT_EQ(t.expires_ms, (now_s + 600) * 1000);
    EXPECT_TRUE(t.channels.allows("ticker.BTC-USDT"));
    EXPECT_TRUE(t.channels.allows("gas.ETH"));
    EXPECT_FALSE(t.channels.allows("fng"));
  }
  const token_verifier v({}, hmac_keys());
  verified_token t;
  EXPECT_TRUE(v.verify(make_token("HS256", claims(), secret), now_ms, t).ok);
}

TEST(TokenVerifier, RejectsWrongKeyAndTamperedTokens) {
  const auto key = make_key("EC");
  const auto other = make_key("EC");
  const token_verifier v({}, pem_keys(key.public_pem));
  EXPECT_EQ(failure_of(v, make_token("ES256", claims(), other.private_pem)),
            auth_failure::bad_signature);
  // The payload swapped for another's: the signature no longer matches.
  auto token = make_token("ES256", claims(), key.private_pem);
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  token.replace(dot1 + 1, dot2 - dot1 - 1,
                test_jwt::b64url(R"({"sub":"mallory","exp":1900000000,"channels":["*"]})"));
  EXPECT_EQ(failure_of(v, token), auth_failure::bad_signature);

  const token_verifier h({}, hmac_keys());
  EXPECT_EQ(failure_of(h, make_token("HS256", claims(), secret + "x")),
            auth_failure::bad_signature);
  const auto ed = make_key("ED25519");
  const token_verifier e({}, pem_keys(ed.public_pem));
  EXPECT_EQ(failure_of(e, make_token("EdDSA", claims(), make_key("ED25519").private_pem)),
            auth_failure::bad_signature);
}

TEST(TokenVerifier, RejectsAlgNoneAndAlgorithmConfusion) {
  const auto rsa = make_key("RSA");
  const token_verifier v({}, pem_keys(rsa.public_pem));
  EXPECT_EQ(failure_of(v, make_token("none", claims(), "")), auth_failure::wrong_alg);
  // The classic attack: HS256 "signed" with the RSA public key as the HMAC secret.
  EXPECT_EQ(failure_of(v, make_token("HS256", claims(), rsa.public_pem)), auth_failure::wrong_alg);
  // An algorithm outside the allowlist, even with the right key.
  token_rules only_es;
  only_es.algorithms = {"ES256"};
  const token_verifier w(only_es, pem_keys(rsa.public_pem));
  EXPECT_EQ(failure_of(w, make_token("RS256", claims(), rsa.private_pem)), auth_failure::wrong_alg);
  const token_verifier h({}, hmac_keys());
  EXPECT_EQ(failure_of(h, sign_token("HS256", R"({"alg":"HS512"})", claims(), secret)),
            auth_failure::wrong_alg);
  EXPECT_EQ(failure_of(h, sign_token("none", R"({"alg":"none"})", claims(), "")),
            auth_failure::wrong_alg);
}

TEST(TokenVerifier, EveryChangedByteIsRefused) {
  const auto ed = make_key("ED25519");
  const token_verifier v({}, pem_keys(ed.public_pem));
  const auto good = make_token("EdDSA", claims(), ed.private_pem);
  verified_token t;
  ASSERT_TRUE(v.verify(good, now_ms, t).ok);
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const char c : {'A', '.', '\xff', '\0'}) {
      if (good[i] == c) continue;
      auto bad = good;
      bad[i] = c;
      // base64url is decoded canonically (no ignored trailing bits): every change matters.
      EXPECT_FALSE(v.verify(bad, now_ms, t).ok) << "byte " << i << " changed to " << int(c);
    }
  }
}

TEST(TokenVerifier, ChecksTimesWithLeeway) {
  token_rules rules;
  rules.leeway_ms = 5'000;
  const token_verifier v(rules, hmac_keys());
  verified_token t;
  EXPECT_EQ(failure_of(v, make_token("HS256", claims(now_s - 6), secret)), auth_failure::expired);
  EXPECT_TRUE(v.verify(make_token("HS256", claims(now_s - 4), secret), now_ms, t).ok);
  EXPECT_EQ(failure_of(v, make_token("HS256", claims(now_s + 600, R"(,"nbf":1800000010)"), secret)),
            auth_failure::not_yet_valid);
  EXPECT_TRUE(v.verify(make_token("HS256", claims(now_s + 600, R"(,"nbf":1800000004.5)"), secret),
                       now_ms, t)
                  .ok);
  EXPECT_EQ(failure_of(v, make_token("HS256", R"({"sub":"a"})", secret)), auth_failure::malformed);
  EXPECT_EQ(failure_of(v, make_token("HS256", R"({"exp":"soon"})", secret)),
            auth_failure::malformed);
}

TEST(TokenVerifier, ChecksIssuerAndAudience) {
  token_rules rules;
  rules.issuer = "https://auth.example.com";
  rules.audience = "tickerd";
  const token_verifier v(rules, hmac_keys());
  const auto with = [&](const std::string& extra) {
    return make_token("HS256", claims(now_s + 600, extra), secret);
  };
  verified_token t;
  EXPECT_TRUE(v.verify(with(R"(,"iss":"https://auth.example.com","aud":"tickerd")"), now_ms, t).ok);
  EXPECT_TRUE(
      v.verify(with(R"(,"iss":"https://auth.example.com","aud":["x","tickerd"])"), now_ms, t).ok);
  EXPECT_EQ(failure_of(v, with(R"(,"iss":"https://evil.example.com","aud":"tickerd")")),
            auth_failure::wrong_issuer);
  EXPECT_EQ(failure_of(v, with(R"(,"aud":"tickerd")")), auth_failure::wrong_issuer);
  EXPECT_EQ(failure_of(v, with(R"(,"iss":"https://auth.example.com","aud":"other")")),
            auth_failure::wrong_audience);
  EXPECT_EQ(failure_of(v, with(R"(,"iss":"https://auth.example.com")")),
            auth_failure::wrong_audience);
}

TEST(TokenVerifier, RejectsMalformedOversizedAndNonUtf8Tokens) {
  const token_verifier v({}, hmac_keys());
  EXPECT_EQ(failure_of(v, ""), auth_failure::missing);
  EXPECT_EQ(failure_of(v, "abc"), auth_failure::malformed);
  EXPECT_EQ(failure_of(v, "a.b"), auth_failure::malformed);
  EXPECT_EQ(failure_of(v, "a.b.c.d"), auth_failure::malformed);
  EXPECT_EQ(failure_of(v, "e30.e30.e30"), auth_failure::malformed);  // {} has no alg
  EXPECT_EQ(failure_of(v, "!!!.e30.sig"), auth_failure::malformed);
  EXPECT_EQ(failure_of(v, "\xff\xfe.\xc3\x28.\x80"), auth_failure::malformed);
  EXPECT_EQ(failure_of(v, test_jwt::b64url("[1]") + ".e30.x"), auth_failure::malformed);
  EXPECT_EQ(failure_of(v, test_jwt::b64url("{\"alg\":") + ".e30.x"), auth_failure::malformed);
  EXPECT_EQ(failure_of(v, std::string(token_verifier::max_token_bytes + 1, 'a')),
            auth_failure::oversized);
  EXPECT_EQ(failure_of(v, sign_token("HS256", R"({"alg":"HS256","crit":["x"]})", claims(), secret)),
            auth_failure::malformed);
  // Patterns that are not patterns.
  EXPECT_EQ(failure_of(v, make_token("HS256", R"({"exp":1900000000,"channels":["a*b"]})", secret)),
            auth_failure::malformed);
  EXPECT_EQ(failure_of(v, make_token("HS256", R"({"exp":1900000000,"channels":"x"})", secret)),
            auth_failure::malformed);
}

TEST(TokenVerifier, SelectsJwksKeysByKid) {
  const auto ec = make_key("EC");
  const auto ed = make_key("ED25519");
  // The JWK's public numbers, from the key OpenSSL made.
  unsigned char point[65];
  std::size_t len = 0;
  EVP_PKEY_get_octet_string_param(ec.pkey.get(), "encoded-pub-key", point, sizeof point, &len);
  ASSERT_EQ(len, 65u);
  unsigned char raw[32];
  std::size_t raw_len = sizeof raw;
  EVP_PKEY_get_raw_public_key(ed.pkey.get(), raw, &raw_len);
  const auto b = [](const unsigned char* p, std::size_t n) {
    return test_jwt::b64url(std::string_view(reinterpret_cast<const char*>(p), n));
  };
  const std::string jwks =
      R"({"keys":[{"kty":"EC","crv":"P-256","kid":"ec1","x":")" + b(point + 1, 32) + R"(","y":")" +
      b(point + 33, 32) + R"("},{"kty":"OKP","crv":"Ed25519","kid":"ed1","x":")" + b(raw, raw_len) +
      R"("},{"kty":"oct","kid":"h1","k":")" + test_jwt::b64url(secret) +
      R"("},{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]})";
  key_set keys;
  ASSERT_EQ(parse_jwks(jwks, keys), "");
  ASSERT_EQ(keys.keys.size(), 3u);
  const token_verifier v({}, std::move(keys));
  verified_token t;
  EXPECT_TRUE(v.verify(make_token("ES256", claims(), ec.private_pem, "ec1"), now_ms, t).ok);
  EXPECT_TRUE(v.verify(make_token("EdDSA", claims(), ed.private_pem, "ed1"), now_ms, t).ok);
  EXPECT_TRUE(v.verify(make_token("HS256", claims(), secret, "h1"), now_ms, t).ok);
  EXPECT_TRUE(v.verify(make_token("EdDSA", claims(), ed.private_pem), now_ms, t).ok);
  EXPECT_EQ(failure_of(v, make_token("ES256", claims(), ec.private_pem, "nope")),
            auth_failure::unknown_key);
  EXPECT_EQ(failure_of(v, make_token("EdDSA", claims(), ed.private_pem, "ec1")),
            auth_failure::unknown_key);
}

TEST(KeySet, ExplainsUnusableKeys) {
  key_set k;
  EXPECT_NE(parse_jwks("{", k), "");
  EXPECT_NE(parse_jwks(R"({"keys":[]})", k), "");
  EXPECT_NE(parse_jwks(R"({"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]})", k), "");
  EXPECT_NE(parse_jwks(R"({"keys":[{"kty":"oct","k":"c2hvcnQ"}]})", k), "");
  EXPECT_NE(parse_jwks(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]})", k), "");
  EXPECT_NE(load_key_file("/nonexistent/key.pem", k), "");
  const auto path = ::testing::TempDir() + "short_secret";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("too short\n", f);
  std::fclose(f);
  EXPECT_NE(load_key_file(path, k), "");
}

TEST(Base64url, DecodesCanonicalTextOnly) {
  EXPECT_EQ(base64url_decode("aGk"), std::optional<std::string>("hi"));
  EXPECT_EQ(base64url_decode(""), std::optional<std::string>(""));
  EXPECT_FALSE(base64url_decode("aGk="));
  EXPECT_FALSE(base64url_decode("aGl"));  // non-zero trailing bits
  EXPECT_FALSE(base64url_decode("a"));
  EXPECT_FALSE(base64url_decode("a+b/"));
}

TEST(ChannelPermissions, ExactAndTrailingStarPatterns) {
  const channel_permissions p({"ticker.*", "gas.ETH"});
  EXPECT_TRUE(p.allows("ticker.BTC-USDT"));
  EXPECT_TRUE(p.allows("ticker.*"));
  EXPECT_TRUE(p.allows("gas.ETH"));
  EXPECT_FALSE(p.allows("gas.ETH2"));
  EXPECT_FALSE(p.allows("gas"));
  EXPECT_FALSE(p.allows("fng"));
  EXPECT_FALSE(p.allows("ticker"));
  const channel_permissions one({"ticker.BTC-*"});
  EXPECT_TRUE(one.allows("ticker.BTC-USDT"));
  EXPECT_FALSE(one.allows("ticker.ETH-USDT"));
  EXPECT_FALSE(one.allows("ticker.*"));  // not every ticker
  EXPECT_TRUE(channel_permissions({"*"}).allows("anything"));
  EXPECT_FALSE(channel_permissions().allows("fng"));
  EXPECT_TRUE(channel_permissions::valid_pattern("ticker.*"));
  EXPECT_FALSE(channel_permissions::valid_pattern("*.ETH"));
  EXPECT_FALSE(channel_permissions::valid_pattern(""));
  EXPECT_FALSE(channel_permissions::valid_pattern("a b"));
  EXPECT_TRUE(p.merged(channel_permissions({"fng"})).allows("fng"));
}

}  // namespace
}  // namespace tickerd
