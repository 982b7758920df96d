#include "sim/binance_depth.hpp"

#include <cctype>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::binance {
namespace {

template <class Levels>
void append_levels(std::string& out, const symbol_spec& spec, const Levels& levels,
                   std::size_t limit, const format_options& fmt) {
  out.push_back('[');
  std::size_t n = 0;
  for (const auto& [price, qty] : levels) {
    if (n == limit) break;
    if (n++) out.push_back(',');
    out.push_back('[');
    append_amount(out, spec.price(price), fmt);
    out.push_back(',');
    append_amount(out, spec.qty(qty), fmt);
    out.push_back(']');
  }
  out.push_back(']');
}

}  // namespace

std::string depth_stream_name(const symbol_spec& spec, bool fast) {
  std::string name = spec.native();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  name += fast ? "@depth@100ms" : "@depth";
  return name;
}

void depth_batch::add(std::span<const level_change> changes, std::int64_t last_id) {
  if (changes.empty()) return;
  if (levels_.empty()) first_ = last_id - static_cast<std::int64_t>(changes.size()) + 1;
  last_ = last_id;
  for (const auto& c : changes) levels_[{c.bid, c.price}] = c.qty;
}

std::span<const level_change> depth_batch::levels() const {
  sorted_.clear();
  // Bids best (highest) first, then asks best (lowest) first.
  for (auto it = levels_.rbegin(); it != levels_.rend() && it->first.first; ++it) {
    sorted_.push_back({true, it->first.second, it->second});
  }
  for (auto it = levels_.begin(); it != levels_.end() && !it->first.first; ++it) {
    sorted_.push_back({false, it->first.second, it->second});
  }
  return sorted_;
}

void depth_batch::clear() noexcept {
  levels_.clear();
  first_ = last_ = 0;
}

std::string encode_depth_update(const symbol_spec& spec, bool fast, const depth_batch& batch,
                                std::int64_t event_time_us, time_unit unit,
                                const format_options& fmt, bool combined,
                                std::optional<level_change> extra_bid) {
  std::string out;
  out.reserve(256 + 48 * batch.levels().size());
  if (combined) {
    out.append("{\"stream\":");
    json::append_string(out, depth_stream_name(spec, fast));
    out.append(",\"data\":");
  }
  out.append(R"({"e":"depthUpdate","E":)");
  json::append_int(out, unit == time_unit::microsecond ? event_time_us : event_time_us / 1000);
  out.append(R"(,"s":)");
  json::append_string(out, spec.native());
  out.append(R"(,"U":)");
  json::append_int(out, batch.first_id());
  out.append(R"(,"u":)");
  json::append_int(out, batch.last_id());
  const auto level = [&](const level_change& c) {
    out.push_back('[');
    append_amount(out, spec.price(c.price), fmt);
    out.push_back(',');
    append_amount(out, spec.qty(c.qty), fmt);
    out.push_back(']');
  };
  out.append(R"(,"b":[)");
  bool first = true;
  if (extra_bid) {
    level(*extra_bid);
    first = false;
  }
  const auto levels = batch.levels();
  std::size_t i = 0;
  for (; i < levels.size() && levels[i].bid; ++i) {
    if (!first) out.push_back(',');
    first = false;
    level(levels[i]);
  }
  out.append(R"(],"a":[)");
  for (std::size_t j = i; j < levels.size(); ++j) {
    if (j != i) out.push_back(',');
    level(levels[j]);
  }
  out.append("]}");
  if (combined) out.push_back('}');
  return out;
}

book_copy copy_of(const symbol_book& book) {
  return book_copy{book.bids(), book.asks(), book.update_id(), book.events()};
}

std::string encode_depth_snapshot(const symbol_spec& spec, const book_copy& book, std::size_t limit,
                                  const format_options& fmt) {
  std::string out = R"({"lastUpdateId":)";
  json::append_int(out, book.update_id);
  out.append(R"(,"bids":)");
  append_levels(out, spec, book.bids, limit, fmt);
  out.append(R"(,"asks":)");
  append_levels(out, spec, book.asks, limit, fmt);
  out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::binance
