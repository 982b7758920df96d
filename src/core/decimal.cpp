// Fixed-point decimal arithmetic. Integer math only (no double anywhere); intermediate
// products that can exceed int64 go through __int128 and are range-checked before narrowing.
#include "tickerd/core/decimal.hpp"

#include <array>
#include <cstddef>
#include <limits>

namespace tickerd {

namespace {

// __extension__ keeps -Wpedantic quiet about the GCC/Clang 128-bit integer extension.
__extension__ using i128 = __int128;
__extension__ using u128 = unsigned __int128;

constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

// 10^0 .. 10^38: enough to lift any int64 mantissa across the full scale range in 128 bits.
constexpr std::array<u128, 39> make_pow10() {
  std::array<u128, 39> p{};
  p[0] = 1;
  for (std::size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}
constexpr std::array<u128, 39> pow10 = make_pow10();

// Fraction-digit counts and exponents beyond this are reported as overflow (no real price
// needs them); the cap keeps the scale arithmetic in int.
constexpr int exponent_cap = 10'000;

constexpr bool fits_i64(i128 v) noexcept {
  return v >= i64_min && v <= i64_max;
}

constexpr bool valid_scale(int s) noexcept {
  return s >= 0 && s <= decimal::max_scale;
}

constexpr u128 magnitude(i128 v) noexcept {
  return v < 0 ? static_cast<u128>(-(v + 1)) + 1 : static_cast<u128>(v);
}

// Mantissa lifted to `to_scale` (>= its own scale); exact because 10^18 * 2^63 < 2^127.
constexpr i128 lift(decimal d, int to_scale) noexcept {
  return static_cast<i128>(d.mantissa()) * static_cast<i128>(pow10[to_scale - d.scale()]);
}

// q = n / d rounded half away from zero (d > 0).
constexpr u128 div_round(u128 n, u128 d) noexcept {
  const u128 q = n / d;
  const u128 r = n % d;
  return (r >= d - r) ? q + 1 : q;  // 2r >= d without overflowing 2r
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

}  // namespace

std::string_view to_string(decimal_errc e) noexcept {
  switch (e) {
    case decimal_errc::ok:
      return "ok";
    case decimal_errc::empty:
      return "empty";
    case decimal_errc::bad_syntax:
      return "bad_syntax";
    case decimal_errc::overflow:
      return "overflow";
  }
  return "unknown";
}

// Grammar (JSON number, with leading zeros tolerated): -? digit+ ( . digit+ )? ( [eE] [+-]? digit+
// )?
decimal_errc decimal::parse(std::string_view text, decimal& out) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();

  bool negative = false;
  if (p != end && *p == '-') {
    negative = true;
    ++p;
  }
  if (p == end) return decimal_errc::empty;

  // Magnitude limit: |INT64_MIN| for negatives, INT64_MAX otherwise.
  const std::uint64_t limit =
      negative ? static_cast<std::uint64_t>(i64_max) + 1 : static_cast<std::uint64_t>(i64_max);
  std::uint64_t mag = 0;
  bool overflow = false;
  auto push_digit = [&](char c) noexcept {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (mag > (limit - d) / 10) {
      overflow = true;
    } else {
      mag = mag * 10 + d;
    }
  };

  if (!is_digit(*p)) return decimal_errc::bad_syntax;
  while (p != end && is_digit(*p)) push_digit(*p++);

  int frac_digits = 0;
  if (p != end && *p == '.') {
    ++p;
    if (p == end || !is_digit(*p)) return decimal_errc::bad_syntax;
    while (p != end && is_digit(*p)) {
      push_digit(*p++);
      if (frac_digits < exponent_cap) {
        ++frac_digits;
      } else {
        overflow = true;
      }
    }
  }

  int exponent = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '+' || *p == '-')) {
      exp_negative = *p == '-';
      ++p;
    }
    if (p == end || !is_digit(*p)) return decimal_errc::bad_syntax;
    while (p != end && is_digit(*p)) {
      exponent = exponent * 10 + (*p++ - '0');
      if (exponent > exponent_cap) {
        exponent = exponent_cap;
        overflow = true;
      }
    }
    if (exp_negative) exponent = -exponent;
  }
  if (p != end) return decimal_errc::bad_syntax;
  if (overflow) return decimal_errc::overflow;

  int scale = frac_digits - exponent;
  if (scale > max_scale) return decimal_errc::overflow;
  if (scale < 0) {
    // A positive net exponent ("2E2") folds into the mantissa at scale 0.
    if (mag != 0) {
      if (-scale > max_scale) return decimal_errc::overflow;
      const u128 lifted = static_cast<u128>(mag) * pow10[-scale];
      if (lifted > limit) return decimal_errc::overflow;
      mag = static_cast<std::uint64_t>(lifted);
    }
    scale = 0;
  }

  // Negation via unsigned arithmetic so that |INT64_MIN| converts without overflow.
  const std::int64_t m =
      negative ? static_cast<std::int64_t>(~mag + 1) : static_cast<std::int64_t>(mag);
  out = decimal(m, scale);
  return decimal_errc::ok;
}

char* decimal::to_chars(char* first) const noexcept {
  std::uint64_t mag = mantissa_ < 0 ? ~static_cast<std::uint64_t>(mantissa_) + 1
                                    : static_cast<std::uint64_t>(mantissa_);
  int scale = scale_;
  if (scale > max_scale) {
    // Only the raw constructor can get here; round to max_scale so the output stays within
    // max_chars instead of writing up to 255 fraction digits.
    const int drop = scale - max_scale;
    mag = drop < static_cast<int>(pow10.size())
              ? static_cast<std::uint64_t>(div_round(mag, pow10[drop]))
              : 0;
    scale = max_scale;
  }
  // Digits are produced least significant first into a scratch buffer, with at least
  // scale + 1 of them so that values below one get their leading "0.".
  constexpr std::size_t scratch_size = 40;
  char scratch[scratch_size];
  std::size_t n = 0;
  const bool negative = mantissa_ < 0 && mag != 0;  // never print "-0"
  const auto frac = static_cast<std::size_t>(scale);
  const std::size_t min_digits = frac + 1;
  while (mag != 0 || n < min_digits) {
    scratch[n++] = static_cast<char>('0' + mag % 10);
    mag /= 10;
  }

  char* p = first;
  if (negative) *p++ = '-';
  const std::size_t int_digits = n - frac;
  // The loop above wrote scratch[0, n) with n >= frac + 1; the analyzer loses track of that.
  // NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign)
  for (std::size_t i = 0; i < int_digits; ++i) *p++ = scratch[n - 1 - i];
  if (frac != 0) {
    *p++ = '.';
    for (std::size_t i = frac; i > 0; --i) *p++ = scratch[i - 1];
  }
  return p;
}

void decimal::append_to(std::string& out) const {
  char buf[max_chars];
  const char* last = to_chars(buf);
  out.append(buf, static_cast<std::size_t>(last - buf));
}

std::string decimal::to_string() const {
  std::string s;
  append_to(s);
  return s;
}

bool decimal::rescale(int new_scale, decimal& out) const noexcept {
  if (!valid_scale(new_scale) || !valid_scale(scale_)) return false;
  if (new_scale >= scale_) {
    const i128 v = lift(*this, new_scale);
    if (!fits_i64(v)) return false;
    out = decimal(static_cast<std::int64_t>(v), new_scale);
    return true;
  }
  const u128 q = div_round(magnitude(mantissa_), pow10[scale_ - new_scale]);
  // q <= |mantissa| <= 2^63; only +2^63 itself is out of range, and only for positives.
  const i128 v = mantissa_ < 0 ? -static_cast<i128>(q) : static_cast<i128>(q);
  if (!fits_i64(v)) return false;
  out = decimal(static_cast<std::int64_t>(v), new_scale);
  return true;
}

bool decimal::add(decimal a, decimal b, decimal& out) noexcept {
  const int s = a.scale() > b.scale() ? a.scale() : b.scale();
  if (!valid_scale(s)) return false;
  const i128 v = lift(a, s) + lift(b, s);
  if (!fits_i64(v)) return false;
  out = decimal(static_cast<std::int64_t>(v), s);
  return true;
}

bool decimal::sub(decimal a, decimal b, decimal& out) noexcept {
  const int s = a.scale() > b.scale() ? a.scale() : b.scale();
  if (!valid_scale(s)) return false;
  const i128 v = lift(a, s) - lift(b, s);
  if (!fits_i64(v)) return false;
  out = decimal(static_cast<std::int64_t>(v), s);
  return true;
}

bool decimal::change_pct(decimal last, decimal open, int scale, decimal& out) noexcept {
  if (open.is_zero() || !valid_scale(scale)) return false;
  if (!valid_scale(last.scale()) || !valid_scale(open.scale())) return false;
  const int s = last.scale() > open.scale() ? last.scale() : open.scale();
  const i128 l = lift(last, s);
  const i128 o = lift(open, s);
  // result mantissa = (l - o) * 10^(scale + 2) / o, rounded half away from zero.
  const i128 diff = l - o;  // |diff| < 2^64 * 10^18 < 2^124: no overflow
  const bool negative = (diff < 0) != (o < 0);
  const u128 num = magnitude(diff);
  const u128 den = magnitude(o);
  const int k = scale + 2;

  u128 q;
  if (num <= std::numeric_limits<u128>::max() / pow10[k]) {
    q = div_round(num * pow10[k], den);  // the common case: one division
  } else {
    // Long division, one decimal digit at a time; the remainder stays below den < 2^124,
    // so rem * 10 cannot overflow.
    q = num / den;
    u128 rem = num % den;
    const u128 limit = static_cast<u128>(i64_max) + 1;
    if (q > limit) return false;
    for (int i = 0; i < k; ++i) {
      rem *= 10;
      q = q * 10 + rem / den;
      rem %= den;
      if (q > limit) return false;
    }
    if (rem >= den - rem) ++q;
  }
  if (q > static_cast<u128>(i64_max) + (negative ? 1 : 0)) return false;
  const i128 v = negative ? -static_cast<i128>(q) : static_cast<i128>(q);
  out = decimal(static_cast<std::int64_t>(v), scale);
  return true;
}

bool decimal::midpoint(decimal a, decimal b, decimal& out) noexcept {
  int s = a.scale() > b.scale() ? a.scale() : b.scale();
  if (!valid_scale(s)) return false;
  i128 sum = lift(a, s) + lift(b, s);
  if (sum % 2 == 0) {
    sum /= 2;
  } else {
    // sum / 2 == sum * 5 / 10: exact at one more fraction digit.
    if (s == max_scale) return false;
    sum *= 5;
    ++s;
  }
  if (!fits_i64(sum)) return false;
  out = decimal(static_cast<std::int64_t>(sum), s);
  return true;
}

std::strong_ordering operator<=>(decimal a, decimal b) noexcept {
  const int sa = a.scale();
  const int sb = b.scale();
  if (sa == sb) return a.mantissa() <=> b.mantissa();
  // Lift the coarser operand. Beyond 19 digits of difference (only reachable through the raw
  // constructor) the finer operand is smaller than one unit of the coarser one, so a non-zero
  // coarser mantissa decides by its sign alone.
  constexpr int max_lift = 19;
  if (sa < sb) {
    const int d = sb - sa;
    if (d > max_lift) {
      return a.mantissa() != 0 ? a.mantissa() <=> 0 : 0 <=> b.mantissa();
    }
    return static_cast<i128>(a.mantissa()) * static_cast<i128>(pow10[d]) <=>
           static_cast<i128>(b.mantissa());
  }
  const int d = sa - sb;
  if (d > max_lift) {
    return b.mantissa() != 0 ? 0 <=> b.mantissa() : a.mantissa() <=> 0;
  }
  return static_cast<i128>(a.mantissa()) <=>
         static_cast<i128>(b.mantissa()) * static_cast<i128>(pow10[d]);
}

}  // namespace tickerd
