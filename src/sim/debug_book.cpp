#include "sim/debug_book.hpp"

#include <charconv>

#include "sim/rest_api.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::debug {
namespace {

void append_side(std::string& out, const symbol_spec& spec,
                 const std::vector<std::pair<std::int64_t, std::int64_t>>& levels,
                 std::size_t depth) {
  out.push_back('[');
  for (std::size_t k = 0; k < levels.size() && k < depth; ++k) {
    if (k) out.push_back(',');
    out.push_back('[');
    json::append_decimal(out, spec.price(levels[k].first));
    out.push_back(',');
    json::append_decimal(out, spec.qty(levels[k].second));
    out.push_back(']');
  }
  out.push_back(']');
}

}  // namespace

std::optional<book_query> parse_book_query(std::string_view target, std::string& error) {
  book_query q;
  q.venue = std::string(rest::query_value(target, "venue"));
  q.symbol = std::string(rest::query_value(target, "symbol"));
  if (q.venue.empty() || q.symbol.empty()) {
    error = "expected /debug/book?venue=<venue>&symbol=<SYMBOL>[&depth=N]";
    return std::nullopt;
  }
  if (const auto text = rest::query_value(target, "depth"); !text.empty()) {
    std::size_t depth = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), depth);
    if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || depth == 0) {
      error = "depth must be a whole number > 0";
      return std::nullopt;
    }
    q.depth = depth;
  }
  return q;
}

std::string encode_book(const book_query& q, const symbol_spec& spec, const top_levels& book,
                        std::uint64_t events, std::int64_t update_id) {
  std::string out;
  out.reserve(128 + 40 * (book.bids.size() + book.asks.size()));
  out.append(R"({"sim_debug_book":{"venue":)");
  json::append_string(out, q.venue);
  out.append(R"(,"symbol":)");
  json::append_string(out, spec.native());
  out.append(R"(,"events":)");
  json::append_int(out, static_cast<std::int64_t>(events));
  out.append(R"(,"update_id":)");
  json::append_int(out, update_id);
  out.append(R"(},"bids":)");
  append_side(out, spec, book.bids, q.depth);
  out.append(R"(,"asks":)");
  append_side(out, spec, book.asks, q.depth);
  out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::debug
