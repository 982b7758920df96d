#include "sim/book_model.hpp"

#include <algorithm>
#include <cmath>

#include "sim/sim_hash.hpp"

namespace tickerd::sim {
namespace {

// Levels behind the touch that may change at an event: at least this many ticks, and at least
// two typical price moves (BTC moves ~1,300 ticks an event), so the book stays dense where
// the price goes.
constexpr std::int64_t min_churn_window = 150;
constexpr std::uint64_t max_churn_ops = 6;
// Levels wanted within the window after a move; a jump leaves a hole that is filled this far.
constexpr std::size_t near_levels = 25;

}  // namespace

symbol_book::symbol_book(const symbol_spec& spec, const symbol_state& initial, std::uint64_t seed) {
  std::uint64_t mix = seed ^ fnv1a(spec.native()) ^ fnv1a("book");
  rng_ = splitmix64(mix);
  // A resting order of about a trade's notional (sizes are whole lot steps: no price math).
  const double price = std::max(1.0, static_cast<double>(initial.last)) /
                       std::pow(10.0, static_cast<double>(spec.price_scale));
  // Levels change within two typical moves of the touch (or min_churn_window ticks).
  window_ = std::max<std::int64_t>(
      min_churn_window,
      std::llround(2.0 * static_cast<double>(initial.last) * spec.step_bps / 1.0e4));
  spacing_ = std::max<std::int64_t>(1, 2 * window_ / static_cast<std::int64_t>(near_levels));
  typical_size_ =
      std::max<std::int64_t>(1, std::llround(spec.trade_notional / price *
                                             std::pow(10.0, static_cast<double>(spec.qty_scale))));
  // Update ids start high and differ per symbol, as a venue's long-running book would.
  update_id_ = 1'000'000'000 + static_cast<std::int64_t>(next() % 1'000'000'000);

  // About one level every spacing_ / 2 ticks, as far as the levels go.
  const auto spacing = static_cast<std::uint64_t>(spacing_);
  bids_[initial.bid] = initial.bid_qty;
  asks_[initial.ask] = initial.ask_qty;
  for (std::int64_t p = initial.bid;
       bids_.size() < (book_min_levels + book_max_levels) / 2 && p > 1;) {
    p -= 1 + static_cast<std::int64_t>(next() % spacing);
    if (p > 0) bids_[p] = draw_size();
  }
  for (std::int64_t p = initial.ask; asks_.size() < (book_min_levels + book_max_levels) / 2;) {
    p += 1 + static_cast<std::int64_t>(next() % spacing);
    asks_[p] = draw_size();
  }
}

std::uint64_t symbol_book::next() noexcept {
  return splitmix64(rng_);
}

std::int64_t symbol_book::draw_size() noexcept {
  return 1 + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(2 * typical_size_));
}

void symbol_book::set(bool bid, std::int64_t price, std::int64_t qty) {
  const bool seen = std::any_of(before_.begin(), before_.end(), [&](const level_change& c) {
    return c.bid == bid && c.price == price;
  });
  if (!seen) {
    std::int64_t old = 0;
    if (bid) {
      if (auto it = bids_.find(price); it != bids_.end()) old = it->second;
    } else {
      if (auto it = asks_.find(price); it != asks_.end()) old = it->second;
    }
    before_.push_back({bid, price, old});
  }
  if (bid) {
    if (qty == 0) {
      bids_.erase(price);
    } else {
      bids_[price] = qty;
    }
  } else {
    if (qty == 0) {
      asks_.erase(price);
    } else {
      asks_[price] = qty;
    }
  }
}

// A few levels behind the touch change size, appear or vanish; the far end is trimmed to
// book_max_levels and refilled to book_min_levels.
void symbol_book::churn(bool bid, std::int64_t touch) {
  const auto window = static_cast<std::uint64_t>(window_);
  const auto ops = 1 + next() % max_churn_ops;
  for (std::uint64_t k = 0; k < ops; ++k) {
    const auto d = 1 + static_cast<std::int64_t>(next() % window);
    const std::int64_t price = bid ? touch - d : touch + d;
    if (price <= 0) continue;
    const bool exists = bid ? bids_.contains(price) : asks_.contains(price);
    set(bid, price, exists && next() % 3 == 0 ? 0 : draw_size());
  }
  // After a jump the touch has few levels behind it: new orders arrive there.
  std::size_t near = 0;
  if (bid) {
    for (auto it = bids_.begin(); it != bids_.end() && it->first >= touch - window_; ++it) ++near;
  } else {
    for (auto it = asks_.begin(); it != asks_.end() && it->first <= touch + window_; ++it) ++near;
  }
  for (; near < near_levels; ++near) {
    const auto d = 1 + static_cast<std::int64_t>(next() % window);
    const std::int64_t price = bid ? touch - d : touch + d;
    if (price > 0) set(bid, price, draw_size());
  }
  const auto count = [&] { return bid ? bids_.size() : asks_.size(); };
  const auto farthest = [&] { return bid ? bids_.rbegin()->first : asks_.rbegin()->first; };
  while (count() > book_max_levels) set(bid, farthest(), 0);
  while (count() < book_min_levels) {
    const std::int64_t step =
        1 + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(spacing_));
    const std::int64_t price = bid ? farthest() - step : farthest() + step;
    if (price <= 0) break;
    set(bid, price, draw_size());
  }
}

std::span<const level_change> symbol_book::step(const symbol_state& s) {
  ++events_;
  before_.clear();
  changes_.clear();
  // The new touch: levels the move crossed are gone (taken by the trades or pulled).
  while (!bids_.empty() && bids_.begin()->first > s.bid) set(true, bids_.begin()->first, 0);
  while (!asks_.empty() && asks_.begin()->first < s.ask) set(false, asks_.begin()->first, 0);
  set(true, s.bid, s.bid_qty);
  set(false, s.ask, s.ask_qty);
  churn(true, s.bid);
  churn(false, s.ask);

  for (const auto& b : before_) {
    std::int64_t now = 0;
    if (b.bid) {
      if (auto it = bids_.find(b.price); it != bids_.end()) now = it->second;
    } else {
      if (auto it = asks_.find(b.price); it != asks_.end()) now = it->second;
    }
    if (now != b.qty) changes_.push_back({b.bid, b.price, now});
  }
  std::sort(changes_.begin(), changes_.end(), [](const level_change& a, const level_change& b) {
    if (a.bid != b.bid) return a.bid;
    return a.bid ? a.price > b.price : a.price < b.price;
  });
  update_id_ += static_cast<std::int64_t>(changes_.size());
  return changes_;
}

namespace {

template <class Levels>
void take_side(const Levels& levels, std::size_t depth,
               const std::function<std::int64_t(std::int64_t)>& venue_price,
               std::vector<std::pair<std::int64_t, std::int64_t>>& dst) {
  for (const auto& [price, qty] : levels) {
    if (dst.size() == depth) break;
    const std::int64_t p = venue_price(price);
    if (p < 1) break;  // only a price near zero: nothing to show below it
    dst.emplace_back(p, qty);
  }
}

// Both sides sorted best first; `better(a, b)` says a comes before b.
template <class Better>
void diff_side(const std::vector<std::pair<std::int64_t, std::int64_t>>& a,
               const std::vector<std::pair<std::int64_t, std::int64_t>>& b, bool bid, Better better,
               std::vector<level_change>& out) {
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && better(a[i].first, b[j].first))) {
      out.push_back({bid, a[i++].first, 0});
    } else if (i == a.size() || better(b[j].first, a[i].first)) {
      out.push_back({bid, b[j].first, b[j].second});
      ++j;
    } else {
      if (a[i].second != b[j].second) out.push_back({bid, b[j].first, b[j].second});
      ++i;
      ++j;
    }
  }
}

}  // namespace

top_levels top_of(const symbol_book& book, std::size_t depth,
                  const std::function<std::int64_t(std::int64_t)>& venue_price) {
  top_levels t;
  t.bids.reserve(depth);
  t.asks.reserve(depth);
  take_side(book.bids(), depth, venue_price, t.bids);
  take_side(book.asks(), depth, venue_price, t.asks);
  return t;
}

std::vector<level_change> diff(const top_levels& before, const top_levels& after) {
  std::vector<level_change> out;
  diff_side(
      before.bids, after.bids, true, [](auto x, auto y) { return x > y; }, out);
  diff_side(
      before.asks, after.asks, false, [](auto x, auto y) { return x < y; }, out);
  return out;
}

void book_set::activate() {
  if (active_) return;
  active_ = true;
  for (std::size_t i = 0; i < books_.size(); ++i) {
    const auto& walk = model_.symbol(i);
    books_[i] = symbol_book(walk.spec(), walk.state(), seed_);
  }
}

book_set::book_set(const market_model& model, std::uint64_t seed) : model_(model), seed_(seed) {
  books_.reserve(model.size());
  for (std::size_t i = 0; i < model.size(); ++i) {
    const auto& walk = model.symbol(i);
    books_.emplace_back(walk.spec(), walk.state(), seed);
  }
}

}  // namespace tickerd::sim
