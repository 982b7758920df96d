// Exact fixed-point decimal: a 128-bit mantissa and a base-10 scale, parsed from an exchange's
// own text and printed back with the same precision ("85205.70" stays "85205.70").
// Prices never pass through double. Range: up to 38 significant digits (|mantissa| < 10^38)
// and up to 30 fraction digits, enough for a trillions-sized 24 h volume at 8-10 decimals and
// for prices of 10^-12 and below.
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
  overflow,    // more than 38 significant digits, or scale above max_scale
};

std::string_view to_string(decimal_errc e) noexcept;

class decimal {
 public:
  // GCC/Clang's 128-bit integer; __extension__ keeps -Wpedantic quiet about it.
  __extension__ using mantissa_type = __int128;

  static constexpr int max_digits = 38;  // |mantissa| <= 10^38 - 1
  static constexpr int max_scale = 30;
  // Longest text to_chars writes: sign, 39 digits (the raw constructor can reach 2^127), point,
  // and slack; "-0." plus max_scale digits is shorter.
  static constexpr std::size_t max_chars = 48;

  constexpr decimal() noexcept = default;
  // Raw: callers keep |mantissa| < 10^38 and scale <= max_scale; anything else still prints
  // within max_chars and compares correctly, and arithmetic refuses results out of range.
  constexpr decimal(mantissa_type mantissa, int scale) noexcept
      : lo_(static_cast<std::uint64_t>(mantissa)),
        hi_(static_cast<std::int64_t>(mantissa >> 64)),
        scale_(static_cast<std::uint8_t>(scale)) {}

  // Parses "123", "-0.0025", "85205.70", and JSON numbers with exponents ("1.5e-3", "2E2").
  // Trailing zeros are kept: they are the exchange's precision.
  static decimal_errc parse(std::string_view text, decimal& out) noexcept;

  constexpr mantissa_type mantissa() const noexcept {
    return static_cast<mantissa_type>(static_cast<mantissa_type>(hi_) * two_to_64 + lo_);
  }
  constexpr int scale() const noexcept { return scale_; }
  constexpr bool is_zero() const noexcept { return hi_ == 0 && lo_ == 0; }
  constexpr bool is_negative() const noexcept { return hi_ < 0; }

  // Writes the decimal with exactly scale() fraction digits; returns one past the last char.
  // [first, last) must hold max_chars.
  char* to_chars(char* first) const noexcept;
  void append_to(std::string& out) const;
  std::string to_string() const;

  // Same value at another scale. Scaling down rounds half away from zero. False on overflow.
  bool rescale(int new_scale, decimal& out) const noexcept;

  // Exact checked arithmetic; false on overflow (never wraps). The result takes the larger scale.
  static bool add(decimal a, decimal b, decimal& out) noexcept;
  static bool sub(decimal a, decimal b, decimal& out) noexcept;
  // Exact product at scale a.scale() + b.scale() (price x size = quote amount, digit for
  // digit); false when that scale exceeds max_scale or the product exceeds 38 digits.
  static bool mul(decimal a, decimal b, decimal& out) noexcept;

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
    return lo_ == o.lo_ && hi_ == o.hi_ && scale_ == o.scale_;
  }

 private:
  static constexpr mantissa_type two_to_64 = static_cast<mantissa_type>(1) << 64;
  // The mantissa as two 64-bit halves rather than one __int128: 8-byte alignment keeps a
  // decimal at 24 bytes instead of 32 (a tick holds eleven).
  std::uint64_t lo_ = 0;
  std::int64_t hi_ = 0;
  std::uint8_t scale_ = 0;
};

}  // namespace tickerd
