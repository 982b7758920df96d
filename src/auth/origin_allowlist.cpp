#include "auth/origin_allowlist.hpp"

#include <algorithm>
#include <cctype>

namespace tickerd {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The host of "scheme://host[:port]" ("" if it is not that shape); IPv6 keeps its brackets.
std::string_view host_of(std::string_view origin, std::string_view& scheme) {
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos) return {};
  scheme = origin.substr(0, sep);
  auto host = origin.substr(sep + 3);
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

}  // namespace

origin_allowlist::origin_allowlist(std::vector<std::string> entries) {
  for (auto& e : entries) entries_.push_back(lower(e));
}

std::string origin_allowlist::check_entry(std::string_view entry) {
  if (entry.empty()) return "an origin must not be empty";
  if (std::any_of(entry.begin(), entry.end(),
                  [](unsigned char c) { return c <= ' ' || c >= 0x7f; })) {
    return "'" + std::string(entry) + "' has spaces or non-ASCII characters";
  }
  const auto star = entry.find('*');
  if (star != std::string_view::npos) {
    const auto rest = entry.substr(star);
    if (!rest.starts_with("*.") || rest.size() < 3 || rest.find_first_of("*:/", 1) != rest.npos ||
        (star != 0 && !(entry.substr(0, star).ends_with("://")))) {
      return "'" + std::string(entry) +
             "' is not a wildcard like *.example.com or https://*.example.com";
    }
    return {};
  }
  std::string_view scheme;
  const auto host = host_of(entry, scheme);
  if (host.empty() || (scheme != "http" && scheme != "https") ||
      entry.find('/', scheme.size() + 3) != std::string_view::npos) {
    return "'" + std::string(entry) + "' is not an origin like https://app.example.com";
  }
  return {};
}

bool origin_allowlist::allows(std::string_view origin) const {
  if (entries_.empty()) return true;
  const auto o = lower(origin);
  std::string_view scheme;
  const auto host = host_of(o, scheme);
  for (const auto& e : entries_) {
    if (e == o) return true;
    const auto star = e.find("*.");
    if (star == std::string::npos || host.empty()) continue;
    if (star != 0 && std::string_view(e).substr(0, star - 3) != scheme) continue;
    const std::string_view suffix = std::string_view(e).substr(star + 1);  // ".example.com"
    if (host.size() > suffix.size() && host.ends_with(suffix)) return true;
  }
  return false;
}

}  // namespace tickerd
