// Building candles from trades: one candle_builder per (stream, interval), a candle_set for
// the six intervals of one stream (a venue's trades of one instrument, or the instrument's
// consolidated tape). Pure: time comes only from the trades and from advance(now_us).
//
// How the ingest thread uses it: one candle_set per stream. For each frame, call add() with
// every trade of that stream, then publish per interval what the candle_change says: first
// the `closed` candles (history().newest(closed - 1) … newest(0), each with closed:true),
// then forming() when `forming` is set, so each frame yields at most one forming update per
// interval. From a timer (once a second is plenty), call advance(now_us) and publish the same
// way: an interval without trades still closes, on time. GET /v1/candles reads history()
// (and forming(), the candle still open). Call advance(now_us) once when the stream is
// created, before its first trades: a venue's replay of past trades on subscribe (Kraken sends
// its last 50) then counts as late instead of opening the stream in the past.
//
// Rules (docs/PROTOCOL.md "Candle data"):
// - A trade belongs to the interval holding its venue time (its receive time when the venue
//   sent none).
// - Late trade: its time falls before the forming candle's open (its own candle already
//   closed). It is dropped, never rewriting a closed candle nor skewing the next one's open,
//   high or low, and counted in the forming candle's `late`.
// - A trade time at or past the forming candle's end closes it, as advance() would.
// - A venue time more than max_clock_ahead_us past the trade's receive time, or a value
//   outside the compact range, is refused and counted in rejected(): one bad clock must not
//   close days of candles.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "tickerd/core/trade.hpp"
#include "tickerd/market/candle.hpp"

namespace tickerd {

// What a call changed in one interval's stream; accumulates over calls until the caller
// publishes and resets it.
struct candle_change {
  std::uint32_t closed = 0;  // candles closed, the newest `closed` of history() (capped at
                             // its capacity after a long silence)
  bool forming = false;      // forming() changed: a new candle, a trade, or a late count

  bool any() const noexcept { return closed != 0 || forming; }
};

inline constexpr std::int64_t max_clock_ahead_us = 60'000'000;

class candle_builder {
 public:
  candle_builder(candle_interval interval, std::size_t history_capacity);

  void add(const trade& t, candle_change& change);
  // Closes every candle whose end is at or before now_us; the first call also starts the
  // stream (an empty forming candle) when no trade has.
  void advance(std::int64_t now_us, candle_change& change);
  // Closed candles kept elsewhere (Redis, read back at a warm start) go back into history(),
  // older than anything this run built: those at or after the forming candle's open are left
  // out, and so is one of an open time the history already holds. Publishes nothing.
  void restore(std::span<const candle> closed);

  candle_interval interval() const noexcept { return interval_; }
  bool started() const noexcept { return started_; }
  const candle& forming() const noexcept { return forming_; }  // valid once started()
  const candle_history& history() const noexcept { return history_; }
  std::uint64_t rejected() const noexcept { return rejected_; }

 private:
  void start(std::int64_t t_us, candle_change& change);
  void close_until(std::int64_t t_us, candle_change& change);

  candle_interval interval_;
  bool started_ = false;
  candle forming_;
  candle_history history_;
  std::uint64_t rejected_ = 0;
};

// History kept per interval by default: 24 h of 1m, 2 days of 5m, a week of 15m, 30 days of
// 1h, 90 days of 4h, a year of 1d.
inline constexpr std::array<std::size_t, candle_interval_count> default_candle_history{
    1440, 576, 672, 720, 540, 365};

class candle_set {
 public:
  explicit candle_set(const std::array<std::size_t, candle_interval_count>& history_capacity =
                          default_candle_history);

  using changes = std::array<candle_change, candle_interval_count>;
  void add(std::span<const trade> trades, changes& change);
  void advance(std::int64_t now_us, changes& change);
  void restore(candle_interval i, std::span<const candle> closed) {
    builders_[static_cast<std::size_t>(i)].restore(closed);
  }

  const candle_builder& builder(candle_interval i) const noexcept {
    return builders_[static_cast<std::size_t>(i)];
  }

 private:
  std::array<candle_builder, candle_interval_count> builders_;
};

}  // namespace tickerd
