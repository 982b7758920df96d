// RFC 3339 timestamps as Coinbase and Kraken send them ("2023-09-25T09:04:31.742648Z"): the one
// parser every venue adapter uses, exact to the microsecond.
#pragma once

#include <cstdint>
#include <string_view>

namespace tickerd::venue_time {

// Any number of fraction digits (kept to the microsecond, truncated below it), "Z" or a numeric
// offset; a leap second (:60) reads as the next second. False when the text is not such a time.
bool parse_rfc3339_us(std::string_view text, std::int64_t& us) noexcept;

// Microseconds to milliseconds, rounding towards the past (also before 1970).
constexpr std::int64_t floor_ms(std::int64_t us) noexcept {
  return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

}  // namespace tickerd::venue_time
