#include "store/resp_encode.hpp"

#include <array>
#include <charconv>

namespace tickerd {
namespace {

void append_header(std::string& out, char kind, std::size_t n) {
  std::array<char, 24> digits{};
  const auto r = std::to_chars(digits.data(), digits.data() + digits.size(), n);
  out += kind;
  out.append(digits.data(), r.ptr);
  out += "\r\n";
}

}  // namespace

void append_resp_command(std::string& out, std::span<const std::string_view> args) {
  append_header(out, '*', args.size());
  for (const auto a : args) {
    append_header(out, '$', a.size());
    out.append(a);
    out += "\r\n";
  }
}

}  // namespace tickerd
