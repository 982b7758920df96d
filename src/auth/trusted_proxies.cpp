#include "auth/trusted_proxies.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace tickerd {
namespace {

constexpr unsigned v4_offset_bits = 96;  // ::ffff:0:0/96

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<trusted_proxies::bytes> trusted_proxies::parse(std::string_view address) {
  constexpr std::size_t max_text = 64;
  if (address.empty() || address.size() >= max_text) return std::nullopt;
  char text[max_text] = {};
  address.copy(text, address.size());
  bytes out{};
  in_addr v4{};
  if (::inet_pton(AF_INET, text, &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    const auto* p = reinterpret_cast<const std::uint8_t*>(&v4.s_addr);
    std::copy(p, p + 4, out.begin() + 12);
    return out;
  }
  if (::inet_pton(AF_INET6, text, out.data()) == 1) return out;
  return std::nullopt;
}

std::string trusted_proxies::add(std::string_view cidr) {
  const auto slash = cidr.find('/');
  const auto a = parse(cidr.substr(0, slash));
  if (!a) return "'" + std::string(cidr) + "' is not an IP address or CIDR";
  const bool v4 = (*a)[10] == 0xff && (*a)[11] == 0xff && cidr.find(':') == std::string_view::npos;
  const unsigned max = v4 ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string_view::npos) {
    const auto digits = cidr.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
        prefix > max) {
      return "'" + std::string(cidr) + "' has a bad prefix length (0 to " + std::to_string(max) +
             ")";
    }
  }
  nets_.push_back({*a, v4 ? prefix + v4_offset_bits : prefix});
  return {};
}

bool trusted_proxies::trusts(const bytes& a) const {
  for (const auto& n : nets_) {
    unsigned bits = n.prefix;
    bool match = true;
    for (std::size_t i = 0; match && bits > 0; ++i) {
      const unsigned take = bits >= 8 ? 8 : bits;
      const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
      match = (a[i] & mask) == (n.address[i] & mask);
      bits -= take;
    }
    if (match) return true;
  }
  return false;
}

bool trusted_proxies::trusts(std::string_view address) const {
  const auto a = parse(address);
  return a && trusts(*a);
}

std::string trusted_proxies::client_address(const std::string& peer,
                                            std::string_view forwarded_for) const {
  if (nets_.empty() || forwarded_for.empty() || !trusts(peer)) return peer;
  // Right to left: each hop appended the address it saw. The first one we do not trust is the
  // client as far as a trusted proxy knows; a malformed entry ends the walk there.
  std::string client = peer;
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const auto entry =
        trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for =
        comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    const auto a = parse(entry);
    if (!a) break;
    client = std::string(entry);
    if (!trusts(*a)) break;
  }
  return client;
}

}  // namespace tickerd
