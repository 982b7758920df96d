// Faults on one venue's trade and top-of-book streams: trade-id gaps, duplicated trades,
// out-of-order trades, and a top-of-book stream that stalls while trades go on. Pure: each
// venue endpoint keeps one and passes every event's trades through it before encoding, and
// asks it before pushing a top of book. sim_app applies the faults (fault.hpp's trade_gap,
// trade_dup, trade_reorder, bbo_stall and clear).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "sim/fault.hpp"
#include "sim/market_model.hpp"

namespace tickerd::sim {

class trade_faults {
 public:
  // `first_shift`: added to every model trade id, so venues number their trades apart.
  explicit trade_faults(std::int64_t first_shift = 0) : shift_(first_shift) {}

  // From the next trade on, every symbol's ids jump by `n` (the ids in between never appear).
  void skip_ids(std::uint64_t n) noexcept;
  // The next `n` trades go out twice, the copy right after the original.
  void duplicate(std::uint64_t n) noexcept { duplicate_left_ += n; }
  // The next `n` pairs of neighbouring trades go out swapped (an event with a single trade
  // keeps the fault pending).
  void reorder(std::uint64_t n) noexcept { reorder_left_ += n; }
  // No top of book until `until_us` (wall µs); forever_us: until clear.
  void stall_bbo(std::int64_t until_us) noexcept { bbo_stall_until_us_ = until_us; }
  // Depth streams: the next `n` messages of each symbol are dropped (their ids are consumed,
  // so a client sees a gap), or carry a crossed bid; the next `n` REST snapshots are stale.
  void drop_book(std::uint64_t n) noexcept { book_drop_ += n; }
  void cross_book(std::uint64_t n) noexcept { book_cross_ += n; }
  void stale_book(std::uint64_t n) noexcept { book_stale_left_ += n; }
  void break_checksum(std::uint64_t n) noexcept { book_checksum_ += n; }
  // Per symbol: a venue asks once per depth message it would send; true takes one.
  bool take_book_drop(std::size_t symbol) { return take(book_drop_, book_drop_used_, symbol); }
  bool take_book_cross(std::size_t symbol) { return take(book_cross_, book_cross_used_, symbol); }
  bool take_book_stale() noexcept;
  bool take_book_checksum(std::size_t symbol) {
    return take(book_checksum_, book_checksum_used_, symbol);
  }
  // Ends the bbo stall and drops pending duplicates, swaps and book faults; id jumps already
  // made stay.
  void clear() noexcept;

  static constexpr std::int64_t forever_us = std::numeric_limits<std::int64_t>::max();

  // One event's trades as the venue sends them: ids shifted, pending faults applied.
  std::vector<trade_print> apply(std::span<const trade_print> prints);
  bool bbo_stalled(std::int64_t now_us) const noexcept { return now_us < bbo_stall_until_us_; }

  std::int64_t id_shift() const noexcept { return shift_; }
  std::uint64_t duplicates_left() const noexcept { return duplicate_left_; }
  std::uint64_t swaps_left() const noexcept { return reorder_left_; }

 private:
  std::int64_t shift_;
  std::uint64_t duplicate_left_ = 0;
  std::uint64_t reorder_left_ = 0;
  std::int64_t bbo_stall_until_us_ = 0;
  // Book faults count per symbol: how many were requested, and how many each symbol took.
  static bool take(std::uint64_t total, std::vector<std::uint64_t>& used, std::size_t symbol);
  std::uint64_t book_drop_ = 0;
  std::uint64_t book_cross_ = 0;
  std::vector<std::uint64_t> book_drop_used_;
  std::vector<std::uint64_t> book_cross_used_;
  std::uint64_t book_checksum_ = 0;
  std::vector<std::uint64_t> book_checksum_used_;
  std::uint64_t book_stale_left_ = 0;
};

// What `f` does to a venue's trade streams at wall time `now_us` (trade_gap, trade_dup,
// trade_reorder, bbo_stall, book_drop, book_stale, book_cross, book_checksum, clear); other kinds
// leave them alone.
void apply_trade_fault(trade_faults& t, const fault& f, std::int64_t now_us) noexcept;

}  // namespace tickerd::sim
