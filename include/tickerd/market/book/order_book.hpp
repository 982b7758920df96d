// One venue's L2 book for one instrument: each side a flat array of exact (price, size) levels
// kept sorted best first (bids high to low, asks low to high), so the top N is a prefix and a
// level change is a binary search plus one short memmove. Prices and sizes are decimals as the
// venue wrote them; nothing passes through double.
//
// A book holds at most `capacity` levels a side. A level that would fall beyond it is dropped
// (an insert evicts the worst level), after the whole message when it is applied between
// begin_message() and end_message(): that is Kraken's documented "truncate to the subscribed
// depth", and for the other venues it bounds memory at the depth tickerd publishes and checks.
//
// Change mark: each side remembers the shallowest index a change touched since the last
// mark_published(), so a publisher of the top N knows without comparing whether the top N
// changed (first_changed(side) < N) and encodes nothing when it did not.
//
// Memory: sizeof(order_book) + 2 x capacity x sizeof(book_level) (48 bytes a level), reserved
// once: 4,872 bytes for a 50-level book (4,800 of levels, 72 of object); plus, per side, room
// for the largest message's changes applied to it (begin_message).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "tickerd/core/decimal.hpp"

namespace tickerd::book {

struct book_level {
  decimal price;
  decimal size;
};

enum class book_side : std::uint8_t { bid = 0, ask = 1 };

class order_book {
 public:
  static constexpr std::size_t no_change = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t default_capacity = 50;

  explicit order_book(std::size_t capacity = default_capacity);

  // Replaces both sides. Levels may come in any order; a zero size is skipped; of two levels at
  // one price the later wins; each side is cut to capacity. Marks both sides changed from 0.
  void apply_snapshot(std::span<const book_level> bids, std::span<const book_level> asks);

  // Sets the absolute size at `price` (size 0 deletes; deleting an absent level is a no-op, as
  // venues document). Returns the index the change touched, or no_change when nothing changed
  // (a delete of an absent level, the same size again, or a level beyond capacity).
  std::size_t apply(book_side side, decimal price, decimal size);

  // One venue message's changes, applied between these two calls: nothing is evicted or dropped
  // until end_message() cuts each side to capacity. A level that enters the kept depth when a
  // change later in the same message frees a place then stays, as Kraken's rule ("truncate to
  // the subscribed depth after applying the update") and its checksum require; evicting level
  // by level would lose it.
  // The counts bound how far a side may grow meanwhile: room is reserved for them, so only a
  // message larger than any before allocates.
  void begin_message(std::size_t bid_changes, std::size_t ask_changes);
  void end_message();

  void clear() noexcept;

  std::span<const book_level> levels(book_side side) const noexcept {
    return side == book_side::bid ? std::span<const book_level>(bids_)
                                  : std::span<const book_level>(asks_);
  }
  std::span<const book_level> bids() const noexcept { return bids_; }
  std::span<const book_level> asks() const noexcept { return asks_; }
  // The best n levels of a side (fewer when the side is shorter).
  std::span<const book_level> top(book_side side, std::size_t n) const noexcept {
    auto all = levels(side);
    return all.first(n < all.size() ? n : all.size());
  }
  bool empty() const noexcept { return bids_.empty() && asks_.empty(); }

  // Best bid at or above best ask: a book no venue's rule accepts (locked counts as crossed).
  bool crossed() const noexcept;

  std::size_t first_changed(book_side side) const noexcept {
    return first_changed_[static_cast<std::size_t>(side)];
  }
  // Whether the top n of either side changed since the last mark_published().
  bool top_changed(std::size_t n) const noexcept {
    return first_changed_[0] < n || first_changed_[1] < n;
  }
  void mark_published() noexcept { first_changed_[0] = first_changed_[1] = no_change; }

  std::size_t capacity() const noexcept { return capacity_; }
  // Bytes this book holds: the object and both sides' reserved levels.
  std::size_t memory_bytes() const noexcept {
    return sizeof(*this) + (bids_.capacity() + asks_.capacity()) * sizeof(book_level);
  }

 private:
  std::vector<book_level>& side_levels(book_side side) noexcept {
    return side == book_side::bid ? bids_ : asks_;
  }
  void touch(book_side side, std::size_t index) noexcept {
    auto& f = first_changed_[static_cast<std::size_t>(side)];
    if (index < f) f = index;
  }
  void load_side(book_side side, std::span<const book_level> levels);

  std::size_t capacity_;
  std::vector<book_level> bids_;
  std::vector<book_level> asks_;
  std::size_t first_changed_[2] = {no_change, no_change};
  bool in_message_ = false;
};

}  // namespace tickerd::book
