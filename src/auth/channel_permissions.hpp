// Which channels a connection may subscribe to: a list of patterns from the token's claim
// (default "channels") and from [auth] anonymous_channels. Pure; unit-tested.
//
// A pattern is either an exact channel name ("gas.ETH", "fng") or a prefix followed by one
// '*' at the very end ("ticker.*" is every ticker channel, "*" is everything). A '*'
// anywhere else is not a pattern. The subscribe name "ticker.*" (every ticker) is allowed by
// a pattern that covers every name starting with "ticker.": "ticker.*", "tick*", "*", or
// the exact pattern "ticker.*".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd {

class channel_permissions {
 public:
  static constexpr std::size_t max_patterns = 256;
  static constexpr std::size_t max_pattern_chars = 128;

  channel_permissions() = default;
  // Patterns assumed valid (see valid_pattern).
  explicit channel_permissions(std::vector<std::string> patterns)
      : patterns_(std::move(patterns)) {}

  // True when `pattern` is a non-empty name of at most max_pattern_chars printable ASCII
  // characters with at most one '*', as its last character.
  static bool valid_pattern(std::string_view pattern) noexcept;

  bool allows(std::string_view channel) const noexcept;
  bool empty() const noexcept { return patterns_.empty(); }
  const std::vector<std::string>& patterns() const noexcept { return patterns_; }

  // Both lists: what a token allows plus what everyone may read.
  channel_permissions merged(const channel_permissions& other) const;

 private:
  std::vector<std::string> patterns_;
};

}  // namespace tickerd
