#include "gateway/trades_page.hpp"

#include <algorithm>
#include <charconv>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace {

// A number right after `"key":` in the top-level object of a trades data text (its keys come
// before "trades", whose objects hold no key of that name at the top level).
std::optional<std::uint64_t> number_after(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = text.data() + at + key.size();
  std::uint64_t v = 0;
  const auto r = std::from_chars(begin, text.data() + text.size(), v);
  if (r.ec != std::errc()) return std::nullopt;
  return v;
}

// The elements of the `trades` array, in order; false when the text is not that shape.
bool split_trades(std::string_view data, std::vector<std::string_view>& out) {
  constexpr std::string_view head = R"("trades":[)";
  const auto at = data.find(head);
  if (at == std::string_view::npos) return false;
  std::size_t i = at + head.size();
  int depth = 0;
  bool in_string = false;
  std::size_t start = i;
  for (; i < data.size(); ++i) {
    const char c = data[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || (c == ']' && depth > 0)) {
      --depth;
    } else if ((c == ',' || c == ']') && depth == 0) {
      if (i > start) out.push_back(data.substr(start, i - start));
      if (c == ']') return depth == 0;
      start = i + 1;
    }
  }
  return false;
}

}  // namespace

trades_page collect_trades(const std::deque<update_ptr>& updates, std::size_t limit) {
  trades_page page;
  if (updates.empty() || limit == 0) return page;
  page.epoch = updates.back()->epoch;
  // Newest update first; each one's trades go in front of the newer ones as a block.
  std::vector<std::vector<std::string_view>> blocks;
  std::size_t taken = 0;
  std::optional<std::uint64_t> newer_first;  // the newer block's first
  for (auto it = updates.rbegin(); it != updates.rend() && taken < limit; ++it) {
    const auto data = (*it)->data();
    const auto first = number_after(data, R"("first":)");
    std::vector<std::string_view> trades;
    if (!first || !split_trades(data, trades)) break;
    if (newer_first && *first + trades.size() != *newer_first) break;  // a hole
    newer_first = *first;
    const std::size_t take = std::min(trades.size(), limit - taken);
    page.first = *first + (trades.size() - take);
    trades.erase(trades.begin(), trades.end() - static_cast<std::ptrdiff_t>(take));
    taken += take;
    blocks.push_back(std::move(trades));
  }
  page.trades.reserve(taken);
  for (auto b = blocks.rbegin(); b != blocks.rend(); ++b) {
    page.trades.insert(page.trades.end(), b->begin(), b->end());
  }
  if (page.trades.empty()) page.first = 0;
  return page;
}

void encode_trades_page(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                        const trades_page& page) {
  out.append(R"({"symbol":)");
  json::append_string(out, symbol);
  if (venue) {
    json::append_key(out, "venue");
    json::append_string(out, to_string(*venue));
  }
  if (!page.trades.empty()) {
    json::append_key(out, "epoch");
    json::append_string(out, page.epoch);
    json::append_key(out, "first");
    json::append_int(out, static_cast<std::int64_t>(page.first));
  }
  json::append_key(out, "count");
  json::append_int(out, static_cast<std::int64_t>(page.trades.size()));
  out.append(R"(,"trades":[)");
  for (std::size_t i = 0; i < page.trades.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.append(page.trades[i]);
  }
  out.append("]}");
}

}  // namespace tickerd
