#include "sim/kraken_depth.hpp"

#include <string>

namespace tickerd::sim::kraken {
namespace {

constexpr std::size_t checksum_levels = 10;

void append_side(std::string& out, std::span<const mantissa_level> levels) {
  for (std::size_t i = 0; i < levels.size() && i < checksum_levels; ++i) {
    out += std::to_string(levels[i].first);
    out += std::to_string(levels[i].second);
  }
}

}  // namespace

std::uint32_t crc32(std::string_view bytes) noexcept {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::uint32_t book_checksum(std::span<const mantissa_level> asks,
                            std::span<const mantissa_level> bids) {
  std::string text;
  text.reserve(2 * checksum_levels * 24);
  append_side(text, asks);
  append_side(text, bids);
  return crc32(text);
}

}  // namespace tickerd::sim::kraken
