#include "tickerd/market/book/kraken_checksum.hpp"

#include <array>
#include <initializer_list>

namespace tickerd::book {

namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() noexcept {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> crc_table = make_crc_table();

}  // namespace

std::uint32_t crc32(std::string_view bytes) noexcept {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    c = crc_table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  }
  return c ^ 0xFFFFFFFFu;
}

bool append_kraken_checksum_field(decimal value, int precision, std::string& out) {
  decimal scaled = value;
  if (precision >= 0) {
    // Only an exact rescale: rounding would describe a different level than the venue's.
    if (!value.rescale(precision, scaled) || scaled != value) return false;
  }
  char text[decimal::max_chars];
  const char* end = scaled.to_chars(text);
  bool leading = true;
  for (const char* p = text; p != end; ++p) {
    if (*p == '.' || *p == '-') continue;
    if (leading && *p == '0') continue;
    leading = false;
    out.push_back(*p);
  }
  return true;
}

bool kraken_checksum(const order_book& book, int price_precision, int qty_precision,
                     std::uint32_t& out) {
  std::string text;
  text.reserve(2 * kraken_checksum_depth * 2 * 24);
  for (const book_side side : {book_side::ask, book_side::bid}) {
    for (const book_level& l : book.top(side, kraken_checksum_depth)) {
      if (!append_kraken_checksum_field(l.price, price_precision, text) ||
          !append_kraken_checksum_field(l.size, qty_precision, text)) {
        return false;
      }
    }
  }
  out = crc32(text);
  return true;
}

}  // namespace tickerd::book
