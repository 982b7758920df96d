#include "tickerd/core/decimal.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace tickerd {
namespace {

using i128 = decimal::mantissa_type;

constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

// 10^n as a mantissa.
constexpr i128 pow10(int n) {
  i128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}
// The largest mantissa: 38 nines.
constexpr i128 m_max = pow10(decimal::max_digits) - 1;
const std::string nines38(38, '9');

decimal parsed(std::string_view text) {
  decimal d;
  const decimal_errc e = decimal::parse(text, d);
  EXPECT_EQ(e, decimal_errc::ok) << "parsing '" << text << "': " << to_string(e);
  return d;
}

decimal_errc parse_error(std::string_view text) {
  decimal d(777, 3);
  const decimal_errc e = decimal::parse(text, d);
  if (e != decimal_errc::ok) {
    // A failed parse leaves the output alone.
    EXPECT_TRUE(d.identical(decimal(777, 3))) << "'" << text << "' clobbered the output";
  }
  return e;
}

std::string printed(decimal d) {
  char buf[decimal::max_chars];
  char* end = d.to_chars(buf);
  EXPECT_LE(static_cast<std::size_t>(end - buf), decimal::max_chars);
  return std::string(buf, end);
}

// ---- parse ---------------------------------------------------------------------------------

TEST(DecimalParse, PlainNumbersKeepTheirPrecision) {
  struct row {
    std::string_view text;
    std::int64_t mantissa;
    int scale;
  };
  const row rows[] = {
      {"85205.70", 8520570, 2},
      {"0.00000123", 123, 8},
      {"123", 123, 0},
      {"0", 0, 0},
      {"0.0025", 25, 4},
      {"-0.0025", -25, 4},
      {"1.500", 1500, 3},
      {"10000", 10000, 0},
      {"12345.67890000", 1234567890000, 8},
      {"0.123456789012345678", 123456789012345678, 18},
      {"-3.14", -314, 2},
      {"007.50", 750, 2},  // leading zeros are tolerated
      {"0.000000000000000000", 0, 18},
  };
  for (const row& r : rows) {
    const decimal d = parsed(r.text);
    EXPECT_EQ(d.mantissa(), r.mantissa) << r.text;
    EXPECT_EQ(d.scale(), r.scale) << r.text;
  }
}

TEST(DecimalParse, NegativeZeroIsZero) {
  const decimal d = parsed("-0.00");
  EXPECT_EQ(d.mantissa(), 0);
  EXPECT_EQ(d.scale(), 2);
  EXPECT_TRUE(d.is_zero());
  EXPECT_FALSE(d.is_negative());
  EXPECT_EQ(d.to_string(), "0.00");
  EXPECT_EQ(parsed("-0").to_string(), "0");
}

TEST(DecimalParse, ExponentsFoldIntoTheScale) {
  struct row {
    std::string_view text;
    std::int64_t mantissa;
    int scale;
    std::string_view shown;
  };
  const row rows[] = {
      {"1.5e-3", 15, 4, "0.0015"},
      {"2E2", 200, 0, "200"},
      {"1.50e1", 150, 1, "15.0"},
      {"1e0", 1, 0, "1"},
      {"1E+2", 100, 0, "100"},
      {"1.5E-0", 15, 1, "1.5"},
      {"-2.5e-1", -25, 2, "-0.25"},
      {"1e18", 1000000000000000000, 0, "1000000000000000000"},
      {"1e-18", 1, 18, "0.000000000000000001"},
      {"123456789e10", 1234567890000000000, 0, "1234567890000000000"},
      {"12.345e2", 12345, 1, "1234.5"},
      {"0e5", 0, 0, "0"},
      {"0e-18", 0, 18, "0.000000000000000000"},
      {"-1.5e+3", -1500, 0, "-1500"},
      {"5e-1", 5, 1, "0.5"},
  };
  for (const row& r : rows) {
    const decimal d = parsed(r.text);
    EXPECT_EQ(d.to_string(), r.shown) << r.text;
    EXPECT_EQ(d.mantissa(), r.mantissa) << r.text;
    EXPECT_EQ(d.scale(), r.scale) << r.text;
  }
}

TEST(DecimalParse, BeyondInt64) {
  // The int64 edges are ordinary values now: the mantissa is 128-bit.
  EXPECT_TRUE(parsed("9223372036854775807").identical(decimal(i64_max, 0)));
  EXPECT_TRUE(parsed("-9223372036854775808").identical(decimal(i64_min, 0)));
  EXPECT_TRUE(parsed("9223372036854775808").identical(decimal(static_cast<i128>(i64_max) + 1, 0)));
  EXPECT_TRUE(parsed("-9223372036854775809").identical(decimal(static_cast<i128>(i64_min) - 1, 0)));
  EXPECT_TRUE(parsed("92233720368547758.08").identical(decimal(static_cast<i128>(i64_max) + 1, 2)));
  EXPECT_TRUE(parsed("99999999999999999999").identical(decimal(pow10(20) - 1, 0)));
  EXPECT_TRUE(parsed("1.0000000000000000000000").identical(decimal(pow10(22), 22)));
  EXPECT_EQ(parsed("922337203685477581e1").to_string(), "9223372036854775810");
  // Real 24 h volumes with their 8 decimals (issue 11): Binance PEPEUSDT, SHIB, BONK sizes.
  EXPECT_EQ(parsed("345678901234.00000000").to_string(), "345678901234.00000000");
  EXPECT_EQ(parsed("98765432109876.12345678").to_string(), "98765432109876.12345678");
  EXPECT_TRUE(parsed("98765432109876.12345678")
                  .identical(decimal(static_cast<i128>(987654321098761234) * 10'000 + 5678, 8)));
}

TEST(DecimalParse, ThirtyEightDigits) {
  EXPECT_TRUE(parsed(nines38).identical(decimal(m_max, 0)));
  EXPECT_TRUE(parsed("-" + nines38).identical(decimal(-m_max, 0)));
  EXPECT_TRUE(parsed("0." + nines38.substr(0, 30)).identical(decimal(pow10(30) - 1, 30)));
  EXPECT_TRUE(
      parsed(nines38.substr(0, 8) + "." + nines38.substr(0, 30)).identical(decimal(m_max, 30)));
  EXPECT_TRUE(parsed("1e37").identical(decimal(pow10(37), 0)));
  EXPECT_TRUE(parsed("9.9e36").identical(decimal(99 * pow10(35), 0)));
  // Leading zeros are not significant digits.
  EXPECT_TRUE(parsed("000000" + nines38).identical(decimal(m_max, 0)));
  EXPECT_EQ(parsed(nines38).to_string(), nines38);
  EXPECT_EQ(parsed("-" + nines38).to_string(), "-" + nines38);

  // One digit more is refused cleanly, never wrapped.
  EXPECT_EQ(parse_error("1" + std::string(38, '0')), decimal_errc::overflow);
  EXPECT_EQ(parse_error("-1" + std::string(38, '0')), decimal_errc::overflow);
  EXPECT_EQ(parse_error(nines38 + "9"), decimal_errc::overflow);
  EXPECT_EQ(parse_error(nines38 + ".0"), decimal_errc::overflow);  // a kept zero is a digit
  EXPECT_EQ(parse_error("340282366920938463463374607431768211456"), decimal_errc::overflow);
  EXPECT_EQ(parse_error("1e38"), decimal_errc::overflow);
  EXPECT_EQ(parse_error("10e37"), decimal_errc::overflow);
  EXPECT_EQ(parse_error(nines38 + "e1"), decimal_errc::overflow);
  EXPECT_EQ(parse_error(std::string(100, '9')), decimal_errc::overflow);
}

TEST(DecimalParse, TinyPrices) {
  // Prices of 10^-8 and below, as strings and as Kraken's JSON numbers.
  EXPECT_TRUE(parsed("0.00000001").identical(decimal(1, 8)));
  EXPECT_TRUE(parsed("0.000000001234").identical(decimal(1234, 12)));
  EXPECT_TRUE(parsed("1.234e-9").identical(decimal(1234, 12)));
  EXPECT_TRUE(parsed("1e-12").identical(decimal(1, 12)));
  EXPECT_TRUE(parsed("1e-30").identical(decimal(1, 30)));
  EXPECT_EQ(parsed("1e-30").to_string(), "0." + std::string(29, '0') + "1");
  EXPECT_TRUE(parsed("0." + std::string(30, '0')).identical(decimal(0, 30)));
}

TEST(DecimalParse, ScaleLimits) {
  EXPECT_EQ(parse_error("1e-31"), decimal_errc::overflow);
  EXPECT_EQ(parse_error("0.0000000000000000000000000000001"), decimal_errc::overflow);
  EXPECT_EQ(parse_error("0." + std::string(31, '0')), decimal_errc::overflow);  // 31 zeros
  EXPECT_EQ(parse_error("100e-32"), decimal_errc::overflow);  // the scale is not normalized
  EXPECT_EQ(parse_error("123456789e30"), decimal_errc::overflow);
  EXPECT_EQ(parse_error("1e99999999999999999999"), decimal_errc::overflow);
  EXPECT_EQ(parse_error("1e-99999999999999999999"), decimal_errc::overflow);
  EXPECT_EQ(parse_error("0e-99999"), decimal_errc::overflow);
  EXPECT_EQ(parse_error("0." + std::string(20000, '0')), decimal_errc::overflow);
  // A long run of zeros followed by an exponent that would bring it back is still rejected,
  // never silently misread.
  EXPECT_EQ(parse_error("0." + std::string(10001, '0') + "1e10002"), decimal_errc::overflow);
}

TEST(DecimalParse, RejectsJunk) {
  EXPECT_EQ(parse_error(""), decimal_errc::empty);
  EXPECT_EQ(parse_error("-"), decimal_errc::empty);
  const std::string_view bad[] = {
      ".",        "1.",   ".5",   "-.5",   "+1",    " 1",   "1 ",    "1e",    "1e+",
      "1e-",      "e5",   "1.e5", "NaN",   "nan",   "inf",  "-inf",  "0x1A",  "1.2.3",
      "--1",      "1-",   "1,5",  "1_000", "1e5.5", "1ee5", "12a",   "\"1\"", "\xef\xbc\x91",
      "Infinity", "1e 5", "\t1",  "1\n",   "0b1",   "-e1",  "1E+-2",
  };
  for (std::string_view text : bad) {
    EXPECT_EQ(parse_error(text), decimal_errc::bad_syntax) << "'" << text << "'";
  }
  EXPECT_EQ(parse_error(std::string_view("1\0", 2)), decimal_errc::bad_syntax);
  EXPECT_EQ(parse_error(std::string_view("1.5", 2)), decimal_errc::bad_syntax);  // "1." only
}

TEST(DecimalParse, ErrorNames) {
  EXPECT_EQ(to_string(decimal_errc::ok), "ok");
  EXPECT_EQ(to_string(decimal_errc::empty), "empty");
  EXPECT_EQ(to_string(decimal_errc::bad_syntax), "bad_syntax");
  EXPECT_EQ(to_string(decimal_errc::overflow), "overflow");
}

// ---- printing ------------------------------------------------------------------------------

TEST(DecimalFormat, ToChars) {
  EXPECT_EQ(printed(decimal(-5, 3)), "-0.005");
  EXPECT_EQ(printed(decimal(123, 0)), "123");
  EXPECT_EQ(printed(decimal(0, 0)), "0");
  EXPECT_EQ(printed(decimal(0, 3)), "0.000");
  EXPECT_EQ(printed(decimal(1, 18)), "0.000000000000000001");
  EXPECT_EQ(printed(decimal(-1, 1)), "-0.1");
  EXPECT_EQ(printed(decimal(8520570, 2)), "85205.70");
  EXPECT_EQ(printed(decimal(i64_max, 0)), "9223372036854775807");
  EXPECT_EQ(printed(decimal(i64_min, 0)), "-9223372036854775808");
  EXPECT_EQ(printed(decimal(i64_max, 18)), "9.223372036854775807");
  EXPECT_EQ(printed(decimal(i64_min, 18)), "-9.223372036854775808");
}

TEST(DecimalFormat, AppendAndToString) {
  std::string s = "last=";
  decimal(8520570, 2).append_to(s);
  s += ' ';
  decimal(-25, 4).append_to(s);
  EXPECT_EQ(s, "last=85205.70 -0.0025");
  EXPECT_EQ(decimal(42, 1).to_string(), "4.2");
}

TEST(DecimalFormat, WideValues) {
  EXPECT_EQ(printed(decimal(m_max, 0)), nines38);
  EXPECT_EQ(printed(decimal(-m_max, 0)), "-" + nines38);
  EXPECT_EQ(printed(decimal(m_max, 30)), "99999999." + std::string(30, '9'));
  EXPECT_EQ(printed(decimal(-m_max, 30)), "-99999999." + std::string(30, '9'));
  EXPECT_EQ(printed(decimal(pow10(19), 0)), "10000000000000000000");
  EXPECT_EQ(printed(decimal(pow10(19), 19)), "1.0000000000000000000");
  EXPECT_EQ(printed(decimal(pow10(20) + 7, 2)), "1000000000000000000.07");
  EXPECT_EQ(printed(decimal(-1, 30)), "-0." + std::string(29, '0') + "1");
  // The raw constructor can reach the whole 128-bit range: it still fits max_chars.
  const i128 i128_max = std::numeric_limits<i128>::max();
  const i128 i128_min = std::numeric_limits<i128>::min();
  EXPECT_EQ(printed(decimal(i128_max, 0)), "170141183460469231731687303715884105727");
  EXPECT_EQ(printed(decimal(i128_min, 0)), "-170141183460469231731687303715884105728");
  EXPECT_EQ(printed(decimal(i128_min, 1)), "-17014118346046923173168730371588410572.8");
}

TEST(DecimalFormat, OutOfRangeScaleStaysInBuffer) {
  // Only the raw constructor can make these; printing must still fit max_chars.
  EXPECT_EQ(printed(decimal(123456789012345, 40)), "0.000000000000000000000000012346");
  EXPECT_EQ(printed(decimal(-4, 200)), "0." + std::string(30, '0'));
  EXPECT_EQ(printed(decimal(i64_min, 255)), "0." + std::string(30, '0'));
  EXPECT_EQ(printed(decimal(std::numeric_limits<i128>::min(), 255)), "0." + std::string(30, '0'));
}

TEST(DecimalFormat, RoundTrips) {
  const std::string_view texts[] = {
      "85205.70",
      "0.00000123",
      "123456789012345678",
      "0.123456789012345678",
      "-0.005",
      "1.000000000000000000",
      "9223372036854775807",
      "-9223372036854775808",
      "0.10",
      "86056.10000000",
      "1057654321.12345678",
      "-86056.1",
      "0",
      "0.0",
      "5",
      "345678901234.00000000",
      "98765432109876.12345678",
      "0.000000001234",
      "0.000000000000000000000000000001",
      "99999999999999999999999999999999999999",
      "-99999999.999999999999999999999999999999",
  };
  for (std::string_view text : texts) {
    const decimal d = parsed(text);
    EXPECT_EQ(d.to_string(), text);
    const decimal again = parsed(d.to_string());
    EXPECT_TRUE(again.identical(d)) << text;
  }
}

// ---- comparison ----------------------------------------------------------------------------

TEST(DecimalCompare, AcrossScales) {
  EXPECT_EQ(parsed("1.50"), parsed("1.5"));
  EXPECT_FALSE(parsed("1.50").identical(parsed("1.5")));
  EXPECT_TRUE(parsed("1.50").identical(parsed("1.50")));
  EXPECT_LT(parsed("1.5"), parsed("1.51"));
  EXPECT_GT(parsed("1.51"), parsed("1.5"));
  EXPECT_LT(parsed("-1.5"), parsed("-1.49"));
  EXPECT_LT(parsed("-0.000000000000000001"), parsed("0"));
  EXPECT_EQ(parsed("0"), parsed("0.000"));
  EXPECT_EQ(parsed("-0.00"), parsed("0"));
  EXPECT_NE(parsed("85205.70"), parsed("85205.69"));
  EXPECT_GT(decimal(i64_max, 0), decimal(i64_max, 1));
  EXPECT_LT(decimal(i64_min, 0), decimal(i64_min, 18));
  EXPECT_LT(decimal(1, 0), decimal(i64_max, 18));  // 1 < 9.223...
  EXPECT_EQ(decimal(1000, 3), decimal(1, 0));
  EXPECT_EQ((decimal(25, 1) <=> decimal(250, 2)), std::strong_ordering::equal);
}

TEST(DecimalCompare, WideValues) {
  EXPECT_GT(parsed("98765432109876.12345679"), parsed("98765432109876.12345678"));
  EXPECT_LT(parsed("98765432109876.12345678"), parsed("98765432109876.1234568"));
  EXPECT_EQ(parsed("98765432109876.1234567800"), parsed("98765432109876.12345678"));
  EXPECT_GT(decimal(m_max, 0), decimal(m_max, 30));
  EXPECT_LT(decimal(-m_max, 0), decimal(-m_max, 30));
  EXPECT_GT(decimal(m_max, 0), decimal(m_max - 1, 0));
  EXPECT_LT(decimal(-m_max, 0), decimal(1, 30));
  // Lifting 38 nines by 30 digits leaves 128 bits: decided by magnitude, exactly.
  EXPECT_GT(decimal(m_max, 0), decimal(pow10(37), 30));
  EXPECT_LT(decimal(1, 0), decimal(m_max, 30));
  EXPECT_GT(decimal(10'000'000'000, 0), decimal(m_max, 30));  // 1e10 > 99999999.99...
  EXPECT_LT(decimal(-10'000'000'000, 0), decimal(-m_max, 30));
  EXPECT_EQ(decimal(pow10(37), 0), decimal(pow10(37), 0));
  EXPECT_EQ(decimal(pow10(37), 1), decimal(pow10(36), 0));
}

TEST(DecimalCompare, HugeScaleGapsFromTheRawConstructor) {
  // Beyond 19 digits the finer value is below one unit of the coarser one.
  EXPECT_GT(decimal(1, 0), decimal(i64_max, 30));
  EXPECT_LT(decimal(-1, 0), decimal(i64_min, 30));
  EXPECT_LT(decimal(0, 0), decimal(1, 30));
  EXPECT_GT(decimal(0, 0), decimal(-1, 30));
  EXPECT_LT(decimal(i64_max, 30), decimal(1, 0));
  EXPECT_EQ(decimal(0, 0), decimal(0, 200));
}

// ---- arithmetic ----------------------------------------------------------------------------

TEST(DecimalRescale, UpAndDown) {
  decimal out;
  ASSERT_TRUE(parsed("1.5").rescale(3, out));
  EXPECT_TRUE(out.identical(decimal(1500, 3)));

  struct row {
    std::string_view in;
    int scale;
    std::string_view out;
  };
  const row rows[] = {
      {"1.005", 2, "1.01"},
      {"-1.005", 2, "-1.01"},
      {"1.004", 2, "1.00"},
      {"-1.004", 2, "-1.00"},
      {"0.5", 0, "1"},
      {"-0.5", 0, "-1"},
      {"0.4", 0, "0"},
      {"-0.4", 0, "0"},
      {"85205.70", 0, "85206"},
      {"85205.49", 1, "85205.5"},
      {"2.5", 0, "3"},
      {"1.45", 1, "1.5"},
      {"0.000000000000000001", 0, "0"},
      {"0.5", 18, "0.500000000000000000"},
  };
  for (const row& r : rows) {
    ASSERT_TRUE(parsed(r.in).rescale(r.scale, out)) << r.in;
    EXPECT_EQ(out.to_string(), r.out) << r.in << " -> scale " << r.scale;
  }
  ASSERT_TRUE(decimal(i64_min, 1).rescale(0, out));
  EXPECT_EQ(out.to_string(), "-922337203685477581");
  ASSERT_TRUE(decimal(i64_max, 1).rescale(0, out));
  EXPECT_EQ(out.to_string(), "922337203685477581");
}

TEST(DecimalRescale, Failures) {
  decimal out(9, 9);
  EXPECT_TRUE(decimal(i64_max, 0).rescale(1, out));  // beyond int64 is fine now
  EXPECT_TRUE(out.identical(decimal(static_cast<i128>(i64_max) * 10, 1)));
  EXPECT_FALSE(decimal(1, 0).rescale(31, out));
  EXPECT_FALSE(decimal(1, 0).rescale(-1, out));
  EXPECT_FALSE(decimal(m_max, 0).rescale(1, out));
  EXPECT_FALSE(decimal(pow10(8), 0).rescale(30, out));  // 10^38: one digit too many
  EXPECT_TRUE(decimal(99'999'999, 0).rescale(30, out));
  EXPECT_TRUE(out.identical(decimal(99'999'999 * pow10(30), 30)));
  EXPECT_TRUE(decimal(m_max, 30).rescale(0, out));
  EXPECT_TRUE(out.identical(decimal(100'000'000, 0)));
  // A raw mantissa beyond the bound is refused rather than carried on.
  EXPECT_FALSE(decimal(std::numeric_limits<i128>::max(), 0).rescale(0, out));
  EXPECT_TRUE(out.identical(decimal(100'000'000, 0)));
}

TEST(DecimalArith, AddSub) {
  decimal out;
  ASSERT_TRUE(decimal::add(parsed("1.5"), parsed("0.25"), out));
  EXPECT_TRUE(out.identical(decimal(175, 2)));
  ASSERT_TRUE(decimal::add(parsed("0.1"), parsed("0.2"), out));
  EXPECT_EQ(out.to_string(), "0.3");  // exact, unlike binary floating point
  ASSERT_TRUE(decimal::sub(parsed("1.00"), parsed("1"), out));
  EXPECT_EQ(out.to_string(), "0.00");
  ASSERT_TRUE(decimal::sub(parsed("85205.70"), parsed("86056.10"), out));
  EXPECT_EQ(out.to_string(), "-850.40");
  ASSERT_TRUE(decimal::add(parsed("-0.005"), parsed("0.005"), out));
  EXPECT_TRUE(out.is_zero());

  ASSERT_TRUE(decimal::add(decimal(i64_max, 0), decimal(1, 0), out));
  EXPECT_EQ(out.to_string(), "9223372036854775808");
  ASSERT_TRUE(decimal::sub(decimal(i64_min, 0), decimal(1, 0), out));
  EXPECT_EQ(out.to_string(), "-9223372036854775809");

  // At the 38-digit bound: refused, never wrapped.
  EXPECT_FALSE(decimal::add(decimal(m_max, 0), decimal(1, 0), out));
  EXPECT_FALSE(decimal::sub(decimal(-m_max, 0), decimal(1, 0), out));
  EXPECT_FALSE(decimal::add(decimal(m_max, 0), decimal(m_max, 0), out));  // 2e38 > 2^127
  EXPECT_FALSE(decimal::sub(decimal(m_max, 0), decimal(-m_max, 0), out));
  EXPECT_FALSE(decimal::add(decimal(m_max, 0), decimal(1, 1), out));   // lift overflows
  EXPECT_FALSE(decimal::add(decimal(m_max, 0), decimal(1, 30), out));  // lift leaves 128 bits
  EXPECT_TRUE(decimal::add(decimal(m_max, 0), decimal(-m_max, 0), out));
  EXPECT_TRUE(out.identical(decimal(0, 0)));
  EXPECT_TRUE(decimal::add(decimal(m_max - 1, 0), decimal(1, 0), out));
  EXPECT_TRUE(out.identical(decimal(m_max, 0)));
  EXPECT_FALSE(decimal::add(decimal(1, 31), decimal(1, 0), out));  // invalid scale
}

TEST(DecimalArith, SumsOfHugeVolumes) {
  // Five venues' SHIB-sized 24 h volumes with 8 decimals: far beyond int64, exact.
  decimal total = parsed("0.00000000");
  for (std::string_view v : {"98765432109876.12345678", "87654321098765.87654321",
                             "76543210987654.5", "65432109876543.00000001", "54321098765432"}) {
    ASSERT_TRUE(decimal::add(total, parsed(v), total)) << v;
  }
  EXPECT_EQ(total.to_string(), "382716172838271.50000000");  // Python's decimal module agrees
}

TEST(DecimalArith, ChangePct) {
  struct row {
    std::string_view last;
    std::string_view open;
    int scale;
    std::string_view pct;
  };
  // Expected values computed independently with exact rational arithmetic.
  const row rows[] = {
      {"85205.70", "86056.10", 2, "-0.99"},
      {"100.5", "100", 0, "1"},  // exactly half: away from zero
      {"99.5", "100", 0, "-1"},
      {"1.00005", "1", 2, "0.01"},  // 0.005 %
      {"0.99995", "1", 2, "-0.01"},
      {"1.000049999", "1", 2, "0.00"},
      {"-1", "-2", 2, "-50.00"},
      {"1000", "1", 2, "99900.00"},
      {"4.2", "4.2", 2, "0.00"},
      {"0.0025", "0.0010", 2, "150.00"},
      {"3", "7", 4, "-57.1429"},
      {"104", "100", 18, "4.000000000000000000"},
      {"86056.11", "86056.10", 4, "0.0000"},
      // These take the digit-by-digit path (the scaled difference exceeds 128 bits).
      {"9.000000000000000000", "100", 17, "-91.00000000000000000"},
      {"9.000000000000000000", "99", 17, "-90.90909090909090909"},
      {"9.000000000000000000", "98", 17, "-90.81632653061224490"},
      {"9.000000000000000000", "104", 17, "-91.34615384615384615"},
      {"9.000000000000000000", "96", 17, "-90.62500000000000000"},
  };
  for (const row& r : rows) {
    decimal out;
    ASSERT_TRUE(decimal::change_pct(parsed(r.last), parsed(r.open), r.scale, out))
        << r.last << " / " << r.open;
    EXPECT_EQ(out.to_string(), r.pct) << r.last << " / " << r.open;
    EXPECT_EQ(out.scale(), r.scale);
  }
}

TEST(DecimalArith, ChangePctFailures) {
  decimal out;
  EXPECT_FALSE(decimal::change_pct(parsed("1"), parsed("0"), 2, out));
  EXPECT_FALSE(decimal::change_pct(parsed("1"), parsed("0.000"), 2, out));
  ASSERT_TRUE(decimal::change_pct(parsed("2"), parsed("3"), 30, out));  // 32 digits fit
  EXPECT_EQ(out.to_string(), "-33." + std::string(30, '3'));
  EXPECT_FALSE(decimal::change_pct(parsed("1e20"), parsed("1"), 30, out));  // 53 digits
  ASSERT_TRUE(decimal::change_pct(parsed("2"), parsed("3"), 18, out));      // fits 128 bits now
  EXPECT_EQ(out.to_string(), "-33.333333333333333333");
  EXPECT_FALSE(decimal::change_pct(parsed(nines38), parsed("1"), 0, out));
  EXPECT_FALSE(decimal::change_pct(decimal(m_max, 0), decimal(1, 30), 2, out));  // lift
  EXPECT_FALSE(decimal::change_pct(decimal(i64_max, 0), decimal(1, 18), 2, out));
  EXPECT_FALSE(decimal::change_pct(parsed("1"), parsed("2"), 31, out));
  EXPECT_FALSE(decimal::change_pct(parsed("1"), parsed("2"), -1, out));
  EXPECT_TRUE(decimal::change_pct(decimal(i64_min, 0), decimal(i64_min, 0), 18, out));
  EXPECT_TRUE(out.is_zero());
}

TEST(DecimalArith, Midpoint) {
  struct row {
    std::string_view a;
    std::string_view b;
    std::string_view mid;
  };
  const row rows[] = {
      {"1.01", "1.02", "1.015"}, {"1.00", "1.02", "1.01"},
      {"1", "2", "1.5"},         {"-1", "-2", "-1.5"},
      {"1.5", "1.50", "1.50"},   {"85205.69", "85205.70", "85205.695"},
      {"-0.5", "0.5", "0.0"},    {"0", "0.000000000000000001", "0.0000000000000000005"},
  };
  decimal out;
  for (const row& r : rows) {
    ASSERT_TRUE(decimal::midpoint(parsed(r.a), parsed(r.b), out)) << r.a << " " << r.b;
    EXPECT_EQ(out.to_string(), r.mid) << r.a << " " << r.b;
  }
  ASSERT_TRUE(decimal::midpoint(decimal(i64_max, 0), decimal(i64_max, 0), out));
  EXPECT_TRUE(out.identical(decimal(i64_max, 0)));
  ASSERT_TRUE(decimal::midpoint(decimal(i64_min, 0), decimal(i64_min, 0), out));
  EXPECT_TRUE(out.identical(decimal(i64_min, 0)));
  ASSERT_TRUE(decimal::midpoint(decimal(i64_max, 0), decimal(i64_max - 1, 0), out));
  EXPECT_EQ(out.to_string(), "9223372036854775806.5");
  // Odd at max_scale would need a 31st digit: refused rather than rounded.
  EXPECT_FALSE(decimal::midpoint(parsed("0"), decimal(1, 30), out));
  // Near the bound the sum leaves 128 bits; an even one still halves exactly.
  ASSERT_TRUE(decimal::midpoint(decimal(m_max, 0), decimal(m_max - 2, 0), out));
  EXPECT_TRUE(out.identical(decimal(m_max - 1, 0)));
  ASSERT_TRUE(decimal::midpoint(decimal(-m_max, 0), decimal(-m_max + 2, 0), out));
  EXPECT_TRUE(out.identical(decimal(-m_max + 1, 0)));
  ASSERT_TRUE(decimal::midpoint(decimal(m_max, 0), decimal(m_max, 0), out));
  EXPECT_TRUE(out.identical(decimal(m_max, 0)));
  EXPECT_FALSE(decimal::midpoint(decimal(m_max, 0), decimal(m_max - 1, 0), out));  // 39 digits
  ASSERT_TRUE(decimal::midpoint(decimal(m_max, 0), decimal(-m_max, 0), out));
  EXPECT_TRUE(out.is_zero());
}

// to_chars writes digits two at a time with a 128-bit split at 19 digits: it must print what
// the plain digit-by-digit rule prints, for mantissas on both sides of 2^64 and every scale.
TEST(DecimalFormat, AgreesWithDigitByDigitPrinting) {
  __extension__ using u128 = unsigned __int128;
  const auto reference = [](u128 mag, bool negative, int scale) {
    std::string digits;
    do {
      digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(mag % 10)));
      mag /= 10;
    } while (mag != 0);
    if (digits.size() < static_cast<std::size_t>(scale) + 1) {
      digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
    }
    if (scale != 0) digits.insert(digits.size() - static_cast<std::size_t>(scale), ".");
    return (negative && digits.find_first_not_of("0.") != std::string::npos ? "-" : "") + digits;
  };
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;  // a fixed xorshift sequence: reproducible
  const auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  u128 bound = 1;
  for (int i = 0; i < decimal::max_digits; ++i) bound *= 10;
  for (int i = 0; i < 20'000; ++i) {
    const int digits = static_cast<int>(next() % 39);  // 0 .. 38 digits of magnitude
    u128 cap = 1;
    for (int k = 0; k < digits; ++k) cap *= 10;
    const u128 mag = ((static_cast<u128>(next()) << 64) | next()) % cap;
    const bool negative = next() % 2 == 0;
    const int scale = static_cast<int>(next() % (decimal::max_scale + 1));
    ASSERT_LT(mag, bound);
    const auto m = static_cast<decimal::mantissa_type>(mag);
    const decimal d(negative ? -m : m, scale);
    ASSERT_EQ(d.to_string(), reference(mag, negative, scale))
        << digits << " digits, scale " << scale;
  }
}

}  // namespace
}  // namespace tickerd
