// Fixed-point decimal arithmetic. Integer math only (no double anywhere). Mantissas are 128-bit
// and bounded by 10^38 - 1; every operation checks its result against that bound (with the
// __builtin_*_overflow checks for intermediates) and refuses rather than wraps.
#include "tickerd/core/decimal.hpp"

#include <array>
#include <cstddef>
#include <cstring>
#include <limits>

namespace tickerd {

namespace {

using i128 = decimal::mantissa_type;
__extension__ using u128 = unsigned __int128;

// 10^0 .. 10^38: every power a valid scale difference or the mantissa bound needs.
constexpr std::array<u128, 39> make_pow10() {
  std::array<u128, 39> p{};
  p[0] = 1;
  for (std::size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}
constexpr std::array<u128, 39> pow10 = make_pow10();

constexpr u128 max_magnitude = pow10[decimal::max_digits] - 1;  // 38 nines
static_assert(decimal::max_scale + 2 < static_cast<int>(pow10.size()));

// Digits a uint64 always holds (10^19 - 1 < 2^64): the parser's and printer's fast path.
constexpr int u64_digits = 19;

// Fraction-digit counts and exponents beyond this are reported as overflow (no real price
// needs them); the cap keeps the scale arithmetic in int.
constexpr int exponent_cap = 10'000;

constexpr bool valid_scale(int s) noexcept {
  return s >= 0 && s <= decimal::max_scale;
}

constexpr u128 magnitude(i128 v) noexcept {
  return v < 0 ? static_cast<u128>(-(v + 1)) + 1 : static_cast<u128>(v);
}

constexpr bool in_range(i128 v) noexcept {
  return magnitude(v) <= max_magnitude;
}

constexpr i128 with_sign(u128 mag, bool negative) noexcept {
  // mag <= max_magnitude < 2^127 wherever this is called.
  return negative ? -static_cast<i128>(mag) : static_cast<i128>(mag);
}

// Mantissa lifted to `to_scale` (>= its own scale); false when the product leaves 128 bits.
bool lift(decimal d, int to_scale, i128& out) noexcept {
  const int diff = to_scale - d.scale();
  if (diff >= static_cast<int>(pow10.size())) {
    out = 0;
    return d.is_zero();
  }
  return !__builtin_mul_overflow(d.mantissa(), static_cast<i128>(pow10[diff]), &out);
}

// q = n / d rounded half away from zero (d > 0).
constexpr u128 div_round(u128 n, u128 d) noexcept {
  const u128 q = n / d;
  const u128 r = n % d;
  return (r >= d - r) ? q + 1 : q;  // 2r >= d without overflowing 2r
}

// One step of long division: 10 * rem = digit * den + new rem, for rem < den, without
// forming 10 * rem (den may be close to 2^127). The running sum stays below 2 * den < 2^128.
constexpr unsigned next_digit(u128& rem, u128 den) noexcept {
  u128 acc = 0;
  unsigned digit = 0;
  for (int i = 0; i < 10; ++i) {
    acc += rem;
    if (acc >= den) {
      acc -= den;
      ++digit;
    }
  }
  rem = acc;
  return digit;
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Writes exactly `count` digits of v, least significant first.
// Writes v's decimal digits ending just before `end`, at least `min_count` of them (zeros in
// front), two at a time; returns where they start. v = 0 with min_count 0 writes "0".
char* put_digits_back(char* end, std::uint64_t v, int min_count) noexcept {
  static constexpr char pairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char* p = end;
  while (v >= 100) {
    const auto r = static_cast<std::size_t>(v % 100);
    v /= 100;
    p -= 2;
    std::memcpy(p, pairs + 2 * r, 2);
  }
  if (v >= 10) {
    p -= 2;
    std::memcpy(p, pairs + 2 * v, 2);
  } else {
    *--p = static_cast<char>('0' + v);
  }
  while (end - p < min_count) *--p = '0';
  return p;
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

  // Digits accumulate in 64 bits while they surely fit (prices: always), then in 128 bits.
  // Leading zeros count towards the switch but not towards the 38-digit bound.
  std::uint64_t small = 0;
  u128 wide = 0;
  int pushed = 0;
  bool overflow = false;
  auto push_digit = [&](char c) noexcept {
    const auto d = static_cast<unsigned>(c - '0');
    if (pushed < u64_digits) {
      small = small * 10 + d;
      ++pushed;
      return;
    }
    if (pushed == u64_digits) {
      wide = small;
      ++pushed;
    }
    // wide <= 10^37 - 1 keeps wide * 10 + d within 38 nines.
    if (wide >= pow10[max_digits - 1]) {
      overflow = true;
    } else {
      wide = wide * 10 + d;
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

  u128 mag = pushed > u64_digits ? wide : static_cast<u128>(small);
  int scale = frac_digits - exponent;
  if (scale > max_scale) return decimal_errc::overflow;
  if (scale < 0) {
    // A positive net exponent ("2E2") folds into the mantissa at scale 0.
    if (mag != 0) {
      if (-scale > max_digits - 1) return decimal_errc::overflow;
      if (mag > max_magnitude / pow10[-scale]) return decimal_errc::overflow;
      mag *= pow10[-scale];
    }
    scale = 0;
  }
  out = decimal(with_sign(mag, negative), scale);
  return decimal_errc::ok;
}

char* decimal::to_chars(char* first) const noexcept {
  u128 mag = magnitude(mantissa());
  int scale = scale_;
  if (scale > max_scale) {
    // Only the raw constructor can get here; round to max_scale so the output stays within
    // max_chars instead of writing up to 255 fraction digits.
    const int drop = scale - max_scale;
    mag = drop < static_cast<int>(pow10.size()) ? div_round(mag, pow10[drop]) : 0;
    scale = max_scale;
  }
  // The digits go right-aligned into a scratch buffer, two at a time (every encoded update
  // prints several decimals: a candle six), with at least scale + 1 of them so that values
  // below one get their leading "0.". Above 64 bits the low 19 digits come off in one 128-bit
  // division; the rest (< 2^128 / 10^19) fits 64 bits.
  constexpr std::size_t scratch_size = 48;
  char scratch[scratch_size];
  char* const end = scratch + scratch_size;
  char* s = end;
  const bool negative = is_negative() && mag != 0;  // never print "-0"
  if (mag > std::numeric_limits<std::uint64_t>::max()) {
    s = put_digits_back(s, static_cast<std::uint64_t>(mag % pow10[u64_digits]), u64_digits);
    s = put_digits_back(s, static_cast<std::uint64_t>(mag / pow10[u64_digits]), 0);
  } else {
    s = put_digits_back(s, static_cast<std::uint64_t>(mag), 0);
  }
  const auto frac = static_cast<std::size_t>(scale);
  while (static_cast<std::size_t>(end - s) < frac + 1) *--s = '0';
  const auto n = static_cast<std::size_t>(end - s);

  char* p = first;
  if (negative) *p++ = '-';
  const std::size_t int_digits = n - frac;
  std::memcpy(p, s, int_digits);
  p += int_digits;
  if (frac != 0) {
    *p++ = '.';
    std::memcpy(p, s + int_digits, frac);
    p += frac;
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
    i128 v;
    if (!lift(*this, new_scale, v) || !in_range(v)) return false;
    out = decimal(v, new_scale);
    return true;
  }
  const u128 q = div_round(magnitude(mantissa()), pow10[scale_ - new_scale]);
  if (q > max_magnitude) return false;  // only from a raw mantissa beyond the bound
  out = decimal(with_sign(q, is_negative()), new_scale);
  return true;
}

bool decimal::add(decimal a, decimal b, decimal& out) noexcept {
  const int s = a.scale() > b.scale() ? a.scale() : b.scale();
  if (!valid_scale(s)) return false;
  i128 la;
  i128 lb;
  i128 v;
  if (!lift(a, s, la) || !lift(b, s, lb) || __builtin_add_overflow(la, lb, &v)) return false;
  if (!in_range(v)) return false;
  out = decimal(v, s);
  return true;
}

bool decimal::sub(decimal a, decimal b, decimal& out) noexcept {
  const int s = a.scale() > b.scale() ? a.scale() : b.scale();
  if (!valid_scale(s)) return false;
  i128 la;
  i128 lb;
  i128 v;
  if (!lift(a, s, la) || !lift(b, s, lb) || __builtin_sub_overflow(la, lb, &v)) return false;
  if (!in_range(v)) return false;
  out = decimal(v, s);
  return true;
}

bool decimal::mul(decimal a, decimal b, decimal& out) noexcept {
  const int s = a.scale() + b.scale();
  if (!valid_scale(a.scale()) || !valid_scale(b.scale()) || !valid_scale(s)) return false;
  i128 v;
  if (__builtin_mul_overflow(a.mantissa(), b.mantissa(), &v) || !in_range(v)) return false;
  out = decimal(v, s);
  return true;
}

bool decimal::change_pct(decimal last, decimal open, int scale, decimal& out) noexcept {
  if (open.is_zero() || !valid_scale(scale)) return false;
  if (!valid_scale(last.scale()) || !valid_scale(open.scale())) return false;
  const int s = last.scale() > open.scale() ? last.scale() : open.scale();
  i128 l;
  i128 o;
  if (!lift(last, s, l) || !lift(open, s, o)) return false;
  // |l - o| as a magnitude: up to 2^128 - 2, so u128 and never a signed subtraction.
  const u128 ml = magnitude(l);
  const u128 mo = magnitude(o);
  u128 num;
  bool diff_negative;
  if ((l < 0) == (o < 0)) {
    num = ml >= mo ? ml - mo : mo - ml;
    diff_negative = (l < o);
  } else {
    if (__builtin_add_overflow(ml, mo, &num)) return false;
    diff_negative = l < 0;
  }
  const bool negative = diff_negative != (o < 0);
  const u128 den = mo;
  const int k = scale + 2;

  // result mantissa = num * 10^k / den, rounded half away from zero.
  u128 q;
  u128 scaled;
  if (!__builtin_mul_overflow(num, pow10[k], &scaled)) {
    q = div_round(scaled, den);  // the common case: one division
  } else {
    // Long division, one decimal digit at a time, stopping as soon as q leaves the range.
    q = num / den;
    u128 rem = num % den;
    if (q > max_magnitude) return false;
    for (int i = 0; i < k; ++i) {
      q = q * 10 + next_digit(rem, den);
      if (q > max_magnitude) return false;
    }
    if (rem >= den - rem) ++q;
  }
  if (q > max_magnitude) return false;
  out = decimal(with_sign(q, negative), scale);
  return true;
}

bool decimal::midpoint(decimal a, decimal b, decimal& out) noexcept {
  int s = a.scale() > b.scale() ? a.scale() : b.scale();
  if (!valid_scale(s)) return false;
  i128 la;
  i128 lb;
  if (!lift(a, s, la) || !lift(b, s, lb)) return false;
  i128 mid;
  i128 sum;
  if (!__builtin_add_overflow(la, lb, &sum)) {
    if (sum % 2 == 0) {
      mid = sum / 2;
    } else {
      // sum / 2 == sum * 5 / 10: exact at one more fraction digit.
      if (s == max_scale || __builtin_mul_overflow(sum, 5, &mid)) return false;
      ++s;
    }
  } else {
    // Same sign and near 2^127 each: halve first. An odd sum would need a digit beyond the
    // bound at this magnitude, so only the even case can succeed.
    const i128 odd = la % 2 + lb % 2;  // -2..2, the sign of both
    if (odd % 2 != 0) return false;
    mid = la / 2 + lb / 2 + odd / 2;
  }
  if (!in_range(mid)) return false;
  out = decimal(mid, s);
  return true;
}

std::strong_ordering operator<=>(decimal a, decimal b) noexcept {
  const int sa = a.scale();
  const int sb = b.scale();
  if (sa == sb) return a.mantissa() <=> b.mantissa();
  // Lift the coarser operand. When that leaves 128 bits, its magnitude exceeds anything the
  // finer one can hold, so its sign alone decides (it is non-zero: zero always lifts).
  if (sa < sb) {
    i128 la;
    if (!lift(a, sb, la)) return a.mantissa() <=> 0;
    return la <=> b.mantissa();
  }
  i128 lb;
  if (!lift(b, sa, lb)) return 0 <=> b.mantissa();
  return a.mantissa() <=> lb;
}

}  // namespace tickerd
