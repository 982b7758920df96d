// Binance spot's diff depth stream and REST depth snapshot, as the venue prints them (pure).
// From Binance's "WebSocket Streams" document (Diff. Depth Stream) and "Market Data endpoints"
// (GET /api/v3/depth), developers.binance.com:
// - <symbol>@depth (1000ms) and <symbol>@depth@100ms: {"e":"depthUpdate","E":1672515782136,
//   "s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}: U the first and
//   u the final update id in the event, each level's absolute size, "0" removing the level.
// - GET /api/v3/depth?symbol=BNBBTC&limit=100 (default 100, at most 5000):
//   {"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[[...]]}, best first.
// - A local book (the rule as documented since 2025): drop buffered events with u <=
//   lastUpdateId; the first applied has U <= lastUpdateId+1 <= u; then each U is the previous
//   u + 1, anything else is a gap (re-snapshot).
// The sim sends an update when a market event falls at least the stream's interval after the
// previous update, with every change since merged (the last size of a level wins); nothing is
// sent while nothing changed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "sim/binance_encode.hpp"
#include "sim/book_model.hpp"

namespace tickerd::sim::binance {

inline constexpr std::int64_t depth_fast_interval_us = 100'000;    // @depth@100ms
inline constexpr std::int64_t depth_slow_interval_us = 1'000'000;  // @depth
inline constexpr std::size_t depth_default_limit = 100;
inline constexpr std::size_t depth_max_limit = 5000;

// "btcusdt@depth@100ms" (fast) or "btcusdt@depth"
std::string depth_stream_name(const symbol_spec& spec, bool fast);

// The changes of the events since the previous update, merged, with their id range.
class depth_batch {
 public:
  // One event's changes, whose ids end at `last_id` (the book's update_id() after it).
  void add(std::span<const level_change> changes, std::int64_t last_id);
  bool empty() const noexcept { return levels_.empty(); }
  std::int64_t first_id() const noexcept { return first_; }
  std::int64_t last_id() const noexcept { return last_; }
  // Bids then asks, each best first.
  std::span<const level_change> levels() const;
  void clear() noexcept;

 private:
  std::int64_t first_ = 0;
  std::int64_t last_ = 0;
  std::map<std::pair<bool, std::int64_t>, std::int64_t> levels_;  // (is bid, price) -> size
  mutable std::vector<level_change> sorted_;
};

// One depthUpdate event, bare or combined. `extra_bid`, when set, is added to the bids as is
// (the crossed-book fault).
std::string encode_depth_update(const symbol_spec& spec, bool fast, const depth_batch& batch,
                                std::int64_t event_time_us, time_unit unit,
                                const format_options& fmt, bool combined,
                                std::optional<level_change> extra_bid = std::nullopt);

// A book as GET /api/v3/depth prints it: the best `limit` levels of each side.
struct book_copy {
  symbol_book::bid_levels bids;
  symbol_book::ask_levels asks;
  std::int64_t update_id = 0;
  std::uint64_t events = 0;
};
book_copy copy_of(const symbol_book& book);
std::string encode_depth_snapshot(const symbol_spec& spec, const book_copy& book, std::size_t limit,
                                  const format_options& fmt);

}  // namespace tickerd::sim::binance
