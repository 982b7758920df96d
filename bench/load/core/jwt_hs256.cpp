#include "load/core/jwt_hs256.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::bench {

std::string base64url_encode(std::string_view bytes) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto at = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(alphabet[(v >> shift) & 63]);
  }
  if (const auto rest = bytes.size() - i; rest > 0) {
    const std::uint32_t v = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
  }
  return out;
}

std::string jwt_hs256(std::string_view header_json, std::string_view claims_json,
                      std::string_view secret) {
  std::string signing_input = base64url_encode(header_json) + "." + base64url_encode(claims_json);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
           mac.data(), &mac_len) == nullptr) {
    throw std::runtime_error("HMAC-SHA-256 failed");
  }
  return signing_input + "." +
         base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac_len));
}

std::string bench_token(const std::vector<std::string>& channels, std::int64_t exp_unix,
                        std::string_view secret) {
  std::string claims = R"({"sub":"bench","exp":)";
  json::append_int(claims, exp_unix);
  claims.append(R"(,"channels":[)");
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (i != 0) claims.push_back(',');
    json::append_string(claims, channels[i]);
  }
  claims.append("]}");
  return jwt_hs256(R"({"alg":"HS256","typ":"JWT"})", claims, secret);
}

}  // namespace tickerd::bench
