// [server] trusted_proxies: the CIDRs of reverse proxies whose X-Forwarded-For tickerd believes.
// The client's address for the per-IP limit is the peer's, unless the peer is trusted: then
// the right-most X-Forwarded-For entry that is not itself a trusted proxy (entries further
// left can be written by anyone). Pure; unit-tested.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd {

class trusted_proxies {
 public:
  trusted_proxies() = default;

  // "" and the CIDR added ("10.0.0.0/8", "::1/128", a bare address = one host), or why not.
  std::string add(std::string_view cidr);

  bool empty() const noexcept { return nets_.empty(); }
  bool trusts(std::string_view address) const;

  // The address to count a client under: `peer` (an IP literal) or one from `forwarded_for`.
  std::string client_address(const std::string& peer, std::string_view forwarded_for) const;

 private:
  using bytes = std::array<std::uint8_t, 16>;  // IPv4 as ::ffff:a.b.c.d
  struct net {
    bytes address{};
    unsigned prefix = 0;  // of the 128 bits
  };
  static std::optional<bytes> parse(std::string_view address);
  bool trusts(const bytes& a) const;

  std::vector<net> nets_;
};

}  // namespace tickerd
