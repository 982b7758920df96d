#include "sim/rest_common.hpp"

namespace tickerd::sim::rest {

std::string step_text(int scale, int min_digits) {
  const int digits = scale > min_digits ? scale : min_digits;
  if (digits <= 0)
    return scale < 0 ? "1" + std::string(static_cast<std::size_t>(-scale), '0') : "1";
  std::string out = "0.";
  for (int i = 1; i <= digits; ++i) out.push_back(i == scale ? '1' : '0');
  if (scale <= 0) out[0] = '1';  // 10^0 padded: "1.00000000"
  return out;
}

}  // namespace tickerd::sim::rest
