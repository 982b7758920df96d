// Appending JSON tokens to a std::string: the only JSON writer tickerd needs, since every
// message is built once per update and shared.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "tickerd/core/decimal.hpp"

namespace tickerd::json {

// A JSON string literal with the escapes RFC 8259 requires.
void append_string(std::string& out, std::string_view s);

inline void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// A decimal as a JSON string, keeping its precision: "85205.70".
inline void append_decimal(std::string& out, decimal d) {
  char buf[decimal::max_chars];
  out.push_back('"');
  out.append(buf, d.to_chars(buf));
  out.push_back('"');
}

// ,"key": (a comma unless the object was just opened)
inline void append_key(std::string& out, std::string_view key) {
  if (out.back() != '{') out.push_back(',');
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

}  // namespace tickerd::json
