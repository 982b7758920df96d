// decimal::mul: the exact product a trade's quote amount (price x size) needs.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tickerd/core/decimal.hpp"

namespace tickerd {
namespace {

decimal parsed(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

std::string product(std::string_view a, std::string_view b) {
  decimal out;
  if (!decimal::mul(parsed(a), parsed(b), out)) return "refused";
  return out.to_string();
}

TEST(DecimalMul, KeepsEveryDigitOfBothOperands) {
  EXPECT_EQ(product("85205.70", "0.00120"), "102.2468400");
  // Binance pads both to 8 decimals: the product carries 16, exactly.
  EXPECT_EQ(product("85205.70000000", "0.00120000"), "102.2468400000000000");
  EXPECT_EQ(product("2", "3"), "6");
  EXPECT_EQ(product("0.1", "0.1"), "0.01");
}

TEST(DecimalMul, Signs) {
  EXPECT_EQ(product("-1.5", "2"), "-3.0");
  EXPECT_EQ(product("-1.5", "-2"), "3.0");
  EXPECT_EQ(product("0", "-2.5"), "0.0");
}

TEST(DecimalMul, ThirtyEightDigitsFitOneMoreDoesNot) {
  const std::string nines19(19, '9');
  // (10^19 - 1)^2 has 38 digits: the largest square that fits.
  EXPECT_EQ(product(nines19, nines19), "99999999999999999980000000000000000001");
  const std::string ten19 = "1" + std::string(19, '0');
  EXPECT_EQ(product(ten19, ten19), "refused");  // 10^38: 39 digits
  // Beyond 128 bits in the intermediate product: refused, never wrapped.
  const std::string big(38, '9');
  EXPECT_EQ(product(big, big), "refused");
  EXPECT_EQ(product(big, "-" + big), "refused");
}

TEST(DecimalMul, ScaleBeyondMaxScaleIsRefused) {
  const std::string fine16 = "0." + std::string(15, '0') + "1";  // 10^-16, scale 16
  const std::string fine15 = "0." + std::string(14, '0') + "1";  // scale 15
  EXPECT_EQ(product(fine16, fine15), "refused");                 // scale 31
  EXPECT_EQ(product(fine15, fine15), "0." + std::string(29, '0') + "1");
}

TEST(DecimalMul, ResultComparesAsTheExactValue) {
  decimal out;
  ASSERT_TRUE(decimal::mul(parsed("3012.45"), parsed("2.1834"), out));
  EXPECT_EQ(out, parsed("6577.383330"));
  EXPECT_EQ(out.scale(), 6);
}

}  // namespace
}  // namespace tickerd
