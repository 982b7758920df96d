#include "sim/trade_faults.hpp"

#include <utility>

namespace tickerd::sim {

void trade_faults::skip_ids(std::uint64_t n) noexcept {
  constexpr auto max_shift = std::numeric_limits<std::int64_t>::max() / 4;
  const auto step = static_cast<std::int64_t>(std::min<std::uint64_t>(n, max_shift));
  shift_ = shift_ > max_shift - step ? max_shift : shift_ + step;
}

void trade_faults::clear() noexcept {
  duplicate_left_ = 0;
  reorder_left_ = 0;
  bbo_stall_until_us_ = 0;
  // Every symbol has taken what was requested: nothing pending.
  for (auto* used : {&book_drop_used_, &book_cross_used_, &book_checksum_used_}) used->clear();
  book_drop_ = book_cross_ = book_checksum_ = 0;
  book_stale_left_ = 0;
}

bool trade_faults::take(std::uint64_t total, std::vector<std::uint64_t>& used, std::size_t symbol) {
  if (total == 0) return false;
  if (used.size() <= symbol) used.resize(symbol + 1, 0);
  if (used[symbol] >= total) return false;
  ++used[symbol];
  return true;
}

bool trade_faults::take_book_stale() noexcept {
  if (book_stale_left_ == 0) return false;
  --book_stale_left_;
  return true;
}

std::vector<trade_print> trade_faults::apply(std::span<const trade_print> prints) {
  std::vector<trade_print> out;
  out.reserve(prints.size() +
              static_cast<std::size_t>(std::min<std::uint64_t>(duplicate_left_, prints.size())));
  for (const auto& p : prints) {
    trade_print t = p;
    t.id += shift_;
    out.push_back(t);
    if (duplicate_left_ > 0) {
      --duplicate_left_;
      out.push_back(t);
    }
  }
  // Swap distinct neighbours (a duplicate's copy is left next to its original).
  for (std::size_t i = 0; reorder_left_ > 0 && i + 1 < out.size(); ++i) {
    if (out[i].id == out[i + 1].id) continue;
    std::swap(out[i], out[i + 1]);
    --reorder_left_;
    ++i;
  }
  return out;
}

void apply_trade_fault(trade_faults& t, const fault& f, std::int64_t now_us) noexcept {
  switch (f.kind) {
    case fault_kind::trade_gap:
      t.skip_ids(f.count);
      break;
    case fault_kind::trade_dup:
      t.duplicate(f.count);
      break;
    case fault_kind::trade_reorder:
      t.reorder(f.count);
      break;
    case fault_kind::bbo_stall:
      t.stall_bbo(f.duration ? now_us + f.duration->count() * 1000 : trade_faults::forever_us);
      break;
    case fault_kind::book_drop:
      t.drop_book(f.count);
      break;
    case fault_kind::book_stale:
      t.stale_book(f.count);
      break;
    case fault_kind::book_cross:
      t.cross_book(f.count);
      break;
    case fault_kind::book_checksum:
      t.break_checksum(f.count);
      break;
    case fault_kind::clear:
      t.clear();
      break;
    default:
      break;
  }
}

}  // namespace tickerd::sim
