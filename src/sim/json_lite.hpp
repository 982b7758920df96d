// A small strict JSON reader for the few short requests clients send the sim
// ({"method":"SUBSCRIBE","params":[...],"id":1}). Not for market data: it builds a tiny DOM.
// (tickerd_sim_lib does not link simdjson; these messages are rare and small.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tickerd::sim::json_lite {

enum class kind : std::uint8_t { null, boolean, number, string, array, object };

struct value {
  kind type = kind::null;
  bool boolean = false;
  std::string text;          // a string's decoded text, or a number's literal text
  std::vector<value> items;  // array elements
  std::vector<std::pair<std::string, value>> members;  // object members, in order

  const value* find(std::string_view key) const noexcept;  // first member named key
  bool is_integer() const noexcept;                        // a number without fraction or exponent
};

struct parse_error {
  std::size_t line = 1;    // 1-based, as Binance reports it
  std::size_t column = 1;  // 1-based
  std::string what;
};

inline constexpr std::size_t max_depth = 32;

// Parses exactly one JSON value (surrounding whitespace allowed). False on error.
bool parse(std::string_view text, value& out, parse_error& err);

}  // namespace tickerd::sim::json_lite
