#include "tickerd/market/depth_json.hpp"

#include <algorithm>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace {

void append_levels(std::string& out, std::span<const book::book_level> levels, std::size_t depth) {
  out.push_back('[');
  const std::size_t n = std::min(levels.size(), depth);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out.push_back(',');
    out.push_back('[');
    json::append_decimal(out, levels[i].price);
    out.push_back(',');
    json::append_decimal(out, levels[i].size);
    out.push_back(']');
  }
  out.push_back(']');
}

void append_composed_levels(std::string& out, const std::vector<composed_level>& levels,
                            std::size_t depth) {
  out.push_back('[');
  const std::size_t n = std::min(levels.size(), depth);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& l = levels[i];
    if (i != 0) out.push_back(',');
    out.push_back('[');
    json::append_decimal(out, l.price);
    out.push_back(',');
    json::append_decimal(out, l.size);
    out.append(",{");
    for (std::size_t v = 0; v < venue_count; ++v) {
      if ((l.venues & (1u << v)) == 0) continue;
      json::append_key(out, to_string(static_cast<venue_id>(v)));
      json::append_decimal(out, l.venue_size[v]);
    }
    out.append("}]");
  }
  out.push_back(']');
}

void append_head(std::string& out, const std::string& symbol, std::size_t depth) {
  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  json::append_key(out, "depth");
  json::append_int(out, static_cast<std::int64_t>(depth));
}

void append_times(std::string& out, std::int64_t exchange_ts_us, std::int64_t recv_ts_us) {
  if (exchange_ts_us != 0) {
    json::append_key(out, "ts");
    json::append_int(out, exchange_ts_us);
  }
  json::append_key(out, "recv_ts");
  json::append_int(out, recv_ts_us);
}

}  // namespace

void encode_venue_book(std::string& out, const std::string& symbol, std::size_t depth,
                       const venue_book_data& book) {
  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  json::append_key(out, "venue");
  json::append_string(out, to_string(book.venue));
  json::append_key(out, "depth");
  json::append_int(out, static_cast<std::int64_t>(depth));
  json::append_key(out, "status");
  json::append_string(out, to_string(book.state));
  // A resyncing book is stated empty: its levels are no book the venue's rule accepts.
  const bool ready = book.state == book_state::ready;
  json::append_key(out, "bids");
  append_levels(out, ready ? book.bids : std::span<const book::book_level>{}, depth);
  json::append_key(out, "asks");
  append_levels(out, ready ? book.asks : std::span<const book::book_level>{}, depth);
  if (book.update_id != 0) {
    json::append_key(out, "update_id");
    // Venue ids fit an int64 (Binance's and Bybit's are below 2^63); written as a JSON number.
    json::append_int(out, static_cast<std::int64_t>(book.update_id));
  }
  append_times(out, book.exchange_ts_us, book.recv_ts_us);
  json::append_key(out, "stale");
  out.append(book.stale ? "true" : "false");
  out.push_back('}');
}

void encode_composed_book(std::string& out, const std::string& symbol, std::size_t depth,
                          const composed_book& book) {
  append_head(out, symbol, depth);
  json::append_key(out, "status");
  json::append_string(out, book.venues != 0 ? "ready" : "resyncing");
  json::append_key(out, "bids");
  append_composed_levels(out, book.bids, depth);
  json::append_key(out, "asks");
  append_composed_levels(out, book.asks, depth);
  if (!book.bids.empty() && !book.asks.empty()) {
    decimal spread;
    if (decimal::sub(book.asks.front().price, book.bids.front().price, spread)) {
      json::append_key(out, "spread");
      json::append_decimal(out, spread);
    }
  }
  json::append_key(out, "crossed");
  out.append(book.crossed() ? "true" : "false");
  json::append_key(out, "locked");
  out.append(book.locked() ? "true" : "false");
  append_times(out, book.exchange_ts_us, book.recv_ts_us);
  json::append_key(out, "venues");
  out.push_back('[');
  bool first = true;
  for (std::size_t v = 0; v < venue_count; ++v) {
    if ((book.venues & (1u << v)) == 0) continue;
    if (!first) out.push_back(',');
    first = false;
    json::append_string(out, to_string(static_cast<venue_id>(v)));
  }
  out.append("]}");
}

}  // namespace tickerd
