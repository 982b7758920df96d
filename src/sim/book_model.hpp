// The L2 order book behind each simulated symbol's price walk. Pure and deterministic (its
// own PRNG, seeded from --seed and the symbol's name): at every market event the book is moved
// to the walk's top of book (best bid and ask, with their sizes, are exactly the state's bid,
// ask, bid_qty and ask_qty), the levels it crossed are removed, and a few levels behind the
// touch change size, appear or vanish. Prices are ticks and sizes lot steps, as in the model.
//
// Every level change takes one update id (Binance's U..u range counts them), so a venue's
// stream can number its messages from update_id() without keeping a book of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "sim/market_model.hpp"

namespace tickerd::sim {

// One level's new size; 0 removes the level.
struct level_change {
  bool bid = true;
  std::int64_t price = 0;  // ticks
  std::int64_t qty = 0;    // lot steps
  bool operator==(const level_change&) const = default;
};

// Levels kept per side (the venues' streams send at most their own depth of these).
inline constexpr std::size_t book_min_levels = 100;
inline constexpr std::size_t book_max_levels = 160;

class symbol_book {
 public:
  using bid_levels = std::map<std::int64_t, std::int64_t, std::greater<>>;  // best first
  using ask_levels = std::map<std::int64_t, std::int64_t>;                  // best first

  // A book around `initial` (the walk's state before its first step).
  symbol_book(const symbol_spec& spec, const symbol_state& initial, std::uint64_t seed);

  // Moves the book to `s` (the walk's state after a step) and returns what changed, bids then
  // asks, each best first. Empty only when nothing changed.
  std::span<const level_change> step(const symbol_state& s);

  const bid_levels& bids() const noexcept { return bids_; }
  const ask_levels& asks() const noexcept { return asks_; }
  // The id of the latest level change: grows by changes().size() at every step.
  std::int64_t update_id() const noexcept { return update_id_; }
  // Steps applied (0 before the first).
  std::uint64_t events() const noexcept { return events_; }
  std::span<const level_change> changes() const noexcept { return changes_; }

 private:
  std::uint64_t next() noexcept;
  std::int64_t draw_size() noexcept;
  void set(bool bid, std::int64_t price, std::int64_t qty);  // qty 0 erases
  void churn(bool bid, std::int64_t touch);

  std::uint64_t rng_;
  std::int64_t window_ = 1;        // ticks behind the touch where levels change
  std::int64_t spacing_ = 1;       // at most this many ticks between two levels when filling
  std::int64_t typical_size_ = 1;  // lot steps
  bid_levels bids_;
  ask_levels asks_;
  std::int64_t update_id_ = 0;
  std::uint64_t events_ = 0;
  // Levels touched during the current step, with their size before it.
  std::vector<level_change> before_;
  std::vector<level_change> changes_;
};

// The best `depth` levels of each side as a venue shows them, best first; `venue_price` maps
// the model's ticks to the venue's (strictly increasing, so the order stays).
struct top_levels {
  std::vector<std::pair<std::int64_t, std::int64_t>> bids, asks;
  bool operator==(const top_levels&) const = default;
};
top_levels top_of(const symbol_book& book, std::size_t depth,
                  const std::function<std::int64_t(std::int64_t)>& venue_price);
// What turns `before` into `after`: bids then asks, each best first (qty 0: removed). A level
// pushed out of the top is removed, one that moves up into it is added.
std::vector<level_change> diff(const top_levels& before, const top_levels& after);

// One book per symbol of the model, same index; stepped by the driver before the venues
// publish, so every venue prints the book of the event it prints. Books cost a few µs an
// event, so the sim keeps them only once something asked for depth (activate()): until then
// the driver does not step them, and activation builds them around the walks' current states.
class book_set {
 public:
  book_set(const market_model& model, std::uint64_t seed);
  std::size_t size() const noexcept { return books_.size(); }
  const symbol_book& book(std::size_t i) const { return books_.at(i); }
  // Symbol `i` of the model just stepped.
  void step(std::size_t i, const symbol_state& s) { books_.at(i).step(s); }
  // The first call rebuilds every book around the model's current state; later calls do nothing.
  void activate();
  bool active() const noexcept { return active_; }

 private:
  const market_model& model_;
  std::uint64_t seed_;
  std::vector<symbol_book> books_;
  bool active_ = false;
};

}  // namespace tickerd::sim
