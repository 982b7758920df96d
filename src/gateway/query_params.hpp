// The parameters of a request target's query (`/v1/sse?channels=fng&throttle_ms=500`), walked
// in order as key and %-decoded value, and client text made fit to quote back in an error.
// Pure: the HTTP routes' query parsers (history_query, sse_query) read their parameters here.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "tickerd/core/url.hpp"

namespace tickerd {

inline constexpr std::size_t max_shown_chars = 64;  // of client text quoted back in an error

// Printable ASCII only, cut short: error messages quote what the client sent.
inline std::string shown(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, std::min(s.size(), max_shown_chars))) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

// Calls `on_param(key, value)` for each non-empty `key[=value]` pair of the query of `target`,
// in order; the value is %-decoded with '+' a space, as an HTML form sends it. A repeated key
// comes again, so where a caller assigns, the last one counts. True when every pair was walked;
// false when `on_param` returned false, or (with `broken` saying which parameter) when a value
// has a broken %-escape.
template <typename OnParam>
bool for_each_query_param(std::string_view target, std::string& broken, OnParam&& on_param) {
  const auto q = target.find('?');
  const std::string_view query = q == target.npos ? std::string_view{} : target.substr(q + 1);
  std::string value;
  for (std::size_t start = 0; start < query.size();) {
    auto amp = query.find('&', start);
    if (amp == query.npos) amp = query.size();
    const auto pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto key = pair.substr(0, eq);
    const auto raw = eq == pair.npos ? std::string_view{} : pair.substr(eq + 1);
    if (!percent_decode(raw, value, /*plus_is_space=*/true)) {
      broken = "parameter '" + shown(key) + "' has a broken %-escape";
      return false;
    }
    if (!on_param(key, std::string_view(value))) return false;
  }
  return true;
}

}  // namespace tickerd
