#include "sim/coinbase_depth.hpp"

#include <algorithm>

#include "sim/coinbase_encode.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::coinbase {
namespace {

// A size in lot steps at 8 decimals ("0.45054140"); the lot precision is at most that.
void append_size(std::string& out, const symbol_spec& spec, std::int64_t steps) {
  std::int64_t m = steps;
  for (int s = spec.qty_scale; s < size_scale; ++s) m *= 10;
  json::append_decimal(out, spec.qty_scale < size_scale ? decimal(m, size_scale) : spec.qty(steps));
}

void append_level(std::string& out, const symbol_spec& spec, std::int64_t price, std::int64_t qty) {
  out.push_back('[');
  json::append_decimal(out, spec.price(price));
  out.push_back(',');
  append_size(out, spec, qty);
  out.push_back(']');
}

void append_side(std::string& out, const symbol_spec& spec,
                 const std::vector<std::pair<std::int64_t, std::int64_t>>& levels) {
  out.push_back('[');
  for (std::size_t k = 0; k < levels.size(); ++k) {
    if (k) out.push_back(',');
    append_level(out, spec, levels[k].first, levels[k].second);
  }
  out.push_back(']');
}

void append_change(std::string& out, const symbol_spec& spec, const level_change& c) {
  out.append(c.bid ? R"(["buy",)" : R"(["sell",)");
  json::append_decimal(out, spec.price(c.price));
  out.push_back(',');
  append_size(out, spec, c.qty);
  out.push_back(']');
}

}  // namespace

top_levels venue_book(const symbol_spec& spec, const symbol_book& book) {
  top_levels out;
  if (book.bids().empty() || book.asks().empty()) return out;
  // The ticker's touch (encode_ticker): bid moved by the offset, ask above it.
  const int bps = price_offset_bps(spec);
  const std::int64_t best_bid = book.bids().begin()->first;
  const std::int64_t best_ask = book.asks().begin()->first;
  const std::int64_t bid = offset_price(best_bid, bps);
  const std::int64_t ask = std::max(offset_price(best_ask, bps), bid + 1);
  out.bids =
      top_of(book, book_max_levels, [d = bid - best_bid](std::int64_t p) { return p + d; }).bids;
  out.asks =
      top_of(book, book_max_levels, [d = ask - best_ask](std::int64_t p) { return p + d; }).asks;
  return out;
}

std::string encode_l2_snapshot(const symbol_spec& spec, const top_levels& book) {
  std::string out;
  out.reserve(96 + 40 * (book.bids.size() + book.asks.size()));
  out.append(R"({"type":"snapshot","product_id":)");
  json::append_string(out, product_id(spec));
  out.append(R"(,"bids":)");
  append_side(out, spec, book.bids);
  out.append(R"(,"asks":)");
  append_side(out, spec, book.asks);
  out.push_back('}');
  return out;
}

std::string encode_l2_update(const symbol_spec& spec, const std::vector<level_change>& changes,
                             std::int64_t time_us, std::optional<level_change> extra_bid) {
  std::string out;
  out.reserve(128 + 48 * changes.size());
  out.append(R"({"type":"l2update","product_id":)");
  json::append_string(out, product_id(spec));
  out.append(R"(,"changes":[)");
  bool first = true;
  if (extra_bid) {
    append_change(out, spec, *extra_bid);
    first = false;
  }
  for (const auto& c : changes) {
    if (!first) out.push_back(',');
    first = false;
    append_change(out, spec, c);
  }
  out.append(R"(],"time":)");
  append_time(out, time_us);
  out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::coinbase
