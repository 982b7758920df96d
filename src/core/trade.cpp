#include "tickerd/core/trade.hpp"

#include <algorithm>

namespace tickerd {

std::string_view to_string(taker_side s) noexcept {
  switch (s) {
    case taker_side::buy:
      return "buy";
    case taker_side::sell:
      return "sell";
    case taker_side::unknown:
      break;
  }
  return "unknown";
}

bool trade_id::make(std::string_view text, trade_id& out) noexcept {
  if (text.empty() || text.size() > max_size) {
    return false;
  }
  std::copy(text.begin(), text.end(), out.chars_.begin());
  out.size_ = static_cast<std::uint8_t>(text.size());
  return true;
}

std::optional<std::uint64_t> trade_id::number() const noexcept {
  // 19 digits always fit in 64 bits; longer numeric ids are not compared.
  if (size_ == 0 || size_ > 19) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : view()) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace tickerd
