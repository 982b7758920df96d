// [server] allowed_origins: which browser pages may open a WebSocket. Pure; unit-tested.
//
// An entry is an exact origin ("https://app.example.com", "http://localhost:8080"), compared
// without regard to case, or a wildcard host "*.example.com" / "https://*.example.com": one or
// more labels before ".example.com" (not example.com itself), any port, and with a scheme
// only that scheme. An empty list allows every origin. A request without an Origin header (a
// bot, not a browser) is not affected: browsers always send one on a WebSocket upgrade.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tickerd {

class origin_allowlist {
 public:
  origin_allowlist() = default;
  explicit origin_allowlist(std::vector<std::string> entries);

  // "" or why `entry` is not an origin or a wildcard (for the config's message).
  static std::string check_entry(std::string_view entry);

  bool allows(std::string_view origin) const;
  bool empty() const noexcept { return entries_.empty(); }

 private:
  std::vector<std::string> entries_;  // lower case
};

}  // namespace tickerd
