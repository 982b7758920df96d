// Exact fixed-point decimal: an int64 mantissa and a base-10 scale, parsed from an exchange's
// own text and printed back with the same precision ("85205.70" stays "85205.70").
// Prices never pass through double.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace tickerd {

enum class decimal_errc : std::uint8_t {
  ok = 0,
  empty,       // no digits at all
  bad_syntax,  // a character that is not part of a decimal or JSON number
  overflow,    // more significant digits than an int64 mantissa holds, or scale above max_scale
};

std::string_view to_string(decimal_errc e) noexcept;

class decimal {
 public:
  static constexpr int max_scale = 18;
  // Longest text to_chars writes: sign, 19 digits, point, leading "0.", and slack.
  static constexpr std::size_t max_chars = 48;

  constexpr decimal() noexcept = default;
  constexpr decimal(std::int64_t mantissa, int scale) noexcept
      : mantissa_(mantissa), scale_(static_cast<std::uint8_t>(scale)) {}

  // Parses "123", "-0.0025", "85205.70", and JSON numbers with exponents ("1.5e-3", "2E2").
  // Trailing zeros are kept: they are the exchange's precision.
  static decimal_errc parse(std::string_view text, decimal& out) noexcept;

  constexpr std::int64_t mantissa() const noexcept { return mantissa_; }
  constexpr int scale() const noexcept { return scale_; }
  constexpr bool is_zero() const noexcept { return mantissa_ == 0; }
  constexpr bool is_negative() const noexcept { return mantissa_ < 0; }

  // Writes the decimal with exactly scale() fraction digits; returns one past the last char.
  // [first, last) must hold max_chars.
  char* to_chars(char* first) const noexcept;
  void append_to(std::string& out) const;
  std::string to_string() const;

  // Same value at another scale. Scaling down rounds half away from zero. False on overflow.
  bool rescale(int new_scale, decimal& out) const noexcept;

  // Exact checked arithmetic; false on overflow. The result takes the larger scale.
  static bool add(decimal a, decimal b, decimal& out) noexcept;
  static bool sub(decimal a, decimal b, decimal& out) noexcept;

  // (last - open) / open * 100 at `scale` fraction digits, rounded half away from zero.
  // False when open is zero or the result does not fit.
  static bool change_pct(decimal last, decimal open, int scale, decimal& out) noexcept;

  // Midpoint (a + b) / 2, exact: one more fraction digit when needed.
  static bool midpoint(decimal a, decimal b, decimal& out) noexcept;

  // Numeric comparison across scales: 1.50 == 1.5.
  friend std::strong_ordering operator<=>(decimal a, decimal b) noexcept;
  friend bool operator==(decimal a, decimal b) noexcept {
    return (a <=> b) == std::strong_ordering::equal;
  }
  // Same value and same precision: what a client will see on the wire.
  constexpr bool identical(decimal o) const noexcept {
    return mantissa_ == o.mantissa_ && scale_ == o.scale_;
  }

 private:
  std::int64_t mantissa_ = 0;
  std::uint8_t scale_ = 0;
};

}  // namespace tickerd
