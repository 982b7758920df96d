#include "auth/channel_permissions.hpp"

#include <algorithm>

namespace tickerd {

bool channel_permissions::valid_pattern(std::string_view pattern) noexcept {
  if (pattern.empty() || pattern.size() > max_pattern_chars) return false;
  const auto star = pattern.find('*');
  if (star != std::string_view::npos && star + 1 != pattern.size()) return false;
  return std::all_of(pattern.begin(), pattern.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

bool channel_permissions::allows(std::string_view channel) const noexcept {
  for (const auto& p : patterns_) {
    if (p == channel) return true;
    if (!p.empty() && p.back() == '*') {
      const std::string_view prefix(p.data(), p.size() - 1);
      // "ticker.*" as a subscribe name stands for every "ticker." channel: a prefix pattern
      // allows it when it allows them all, which starts_with on the name without its '*' says.
      const std::string_view name =
          channel.ends_with('*') ? channel.substr(0, channel.size() - 1) : channel;
      if (name.starts_with(prefix)) return true;
    }
  }
  return false;
}

channel_permissions channel_permissions::merged(const channel_permissions& other) const {
  std::vector<std::string> all = patterns_;
  all.insert(all.end(), other.patterns_.begin(), other.patterns_.end());
  return channel_permissions(std::move(all));
}

}  // namespace tickerd
