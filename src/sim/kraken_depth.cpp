#include "sim/kraken_depth.hpp"

#include <string>

#include "sim/kraken_encode.hpp"
#include "tickerd/core/json_writer.hpp"

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

std::uint32_t book_checksum(const top_levels& top) {
  return book_checksum(top.asks, top.bids);
}

std::string encode_book(const symbol_spec& spec, bool snapshot,
                        std::span<const level_change> levels, std::uint32_t checksum,
                        std::int64_t wall_us, std::optional<level_change> extra_bid) {
  std::string out;
  out.reserve(192 + 48 * levels.size());
  out.append(snapshot ? R"({"channel":"book","type":"snapshot","data":[{"symbol":)"
                      : R"({"channel":"book","type":"update","data":[{"symbol":)");
  json::append_string(out, native_symbol(spec));
  const auto level = [&](const level_change& c) {
    out.append(R"({"price":)");
    spec.price(c.price).append_to(out);
    out.append(R"(,"qty":)");
    const decimal q = spec.qty(c.qty);
    q.append_to(out);
    if (q.scale() < qty_scale) {
      if (q.scale() == 0) out.push_back('.');
      out.append(static_cast<std::size_t>(qty_scale - q.scale()), '0');
    }
    out.push_back('}');
  };
  out.append(R"(,"bids":[)");
  bool first = true;
  if (extra_bid) {
    level(*extra_bid);
    first = false;
  }
  for (const auto& c : levels) {
    if (!c.bid) continue;
    if (!first) out.push_back(',');
    first = false;
    level(c);
  }
  out.append(R"(],"asks":[)");
  first = true;
  for (const auto& c : levels) {
    if (c.bid) continue;
    if (!first) out.push_back(',');
    first = false;
    level(c);
  }
  out.append(R"(],"checksum":)");
  json::append_int(out, static_cast<std::int64_t>(checksum));
  out.append(R"(,"timestamp":")");
  append_rfc3339(out, wall_us);
  out.append("\"}]}");
  return out;
}

}  // namespace tickerd::sim::kraken
