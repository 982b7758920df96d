// Candles: the six intervals tickerd builds (UTC-aligned), one candle in compact fixed-point
// form (no strings, no pointers: 88 bytes), and the ring of closed candles one stream keeps
// for GET /v1/candles. Pure data; candle_builder.hpp fills them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "tickerd/core/decimal.hpp"

namespace tickerd {

enum class candle_interval : std::uint8_t { m1, m5, m15, h1, h4, d1 };
inline constexpr std::size_t candle_interval_count = 6;
inline constexpr std::array<candle_interval, candle_interval_count> all_candle_intervals{
    candle_interval::m1, candle_interval::m5, candle_interval::m15,
    candle_interval::h1, candle_interval::h4, candle_interval::d1};

std::string_view to_string(candle_interval i) noexcept;  // "1m", "5m", "15m", "1h", "4h", "1d"
std::optional<candle_interval> parse_candle_interval(std::string_view text) noexcept;

inline constexpr std::int64_t us_per_minute = 60'000'000;
constexpr std::int64_t duration_us(candle_interval i) noexcept {
  constexpr std::array<std::int64_t, candle_interval_count> minutes{1, 5, 15, 60, 240, 1440};
  return minutes[static_cast<std::size_t>(i)] * us_per_minute;
}

// The open time of the interval holding `t_us`: a multiple of the duration since the Unix
// epoch, so every boundary is a UTC one (1d at 00:00 UTC, 4h at 00, 04, … 20 UTC).
constexpr std::int64_t interval_start(candle_interval i, std::int64_t t_us) noexcept {
  const std::int64_t d = duration_us(i);
  const std::int64_t q = t_us / d;
  return (t_us % d < 0 ? q - 1 : q) * d;
}

// One candle. Prices are kept as 64-bit mantissas with their own scale (each keeps the
// precision of the trade it came from), volumes as 128-bit mantissas: price x size at
// Binance's 8 + 8 decimals needs them.
class candle {
 public:
  candle() = default;
  // An empty candle opening at `open_time_us`; with `previous_close`, its prices all equal it
  // (an interval without trades: see docs/PROTOCOL.md "Candle data").
  static candle empty(std::int64_t open_time_us, const std::optional<decimal>& previous_close);
  // A candle as it was stored (Redis, decode_candle) and read back at a warm start; nullopt
  // when a value leaves the compact range. Without `ohlc` the prices are null (no trade yet).
  struct prices {
    decimal open, high, low, close;
  };
  static std::optional<candle> restored(std::int64_t open_time_us,
                                        const std::optional<prices>& ohlc, decimal volume_base,
                                        decimal volume_quote, std::uint32_t trades,
                                        std::uint32_t late, bool closed);

  std::int64_t open_time_us() const noexcept { return open_time_us_; }
  bool has_prices() const noexcept { return has_prices_; }  // false: no trade yet, ever
  decimal open() const noexcept { return {open_m_, scales_[open_i]}; }
  decimal high() const noexcept { return {high_m_, scales_[high_i]}; }
  decimal low() const noexcept { return {low_m_, scales_[low_i]}; }
  decimal close() const noexcept { return {close_m_, scales_[close_i]}; }
  decimal volume_base() const noexcept;
  decimal volume_quote() const noexcept;
  std::uint32_t trades() const noexcept { return trades_; }
  std::uint32_t late() const noexcept { return late_; }  // trades dropped as late (see builder)
  bool closed() const noexcept { return closed_; }

  // Adds one trade: false (and the candle unchanged) when a value leaves the compact range
  // (a price beyond 18 digits) or a volume the decimal range.
  bool add(decimal price, decimal size) noexcept;
  void count_late() noexcept { ++late_; }
  void mark_closed() noexcept { closed_ = true; }

 private:
  enum : std::uint8_t { open_i, high_i, low_i, close_i, base_i, quote_i, scale_count };

  std::int64_t open_time_us_ = 0;
  std::int64_t open_m_ = 0;
  std::int64_t high_m_ = 0;
  std::int64_t low_m_ = 0;
  std::int64_t close_m_ = 0;
  std::uint64_t base_lo_ = 0;
  std::int64_t base_hi_ = 0;
  std::uint64_t quote_lo_ = 0;
  std::int64_t quote_hi_ = 0;
  std::uint32_t trades_ = 0;
  std::uint32_t late_ = 0;
  std::array<std::uint8_t, scale_count> scales_{};
  bool has_prices_ = false;
  bool closed_ = false;
};

// Closed candles of one stream, oldest first, in a ring of fixed capacity (allocated as it
// fills, so memory follows uptime). open_time strictly increases along it.
class candle_history {
 public:
  explicit candle_history(std::size_t capacity) : capacity_(capacity) {}

  void push(const candle& c);
  // Puts stored candles (any order) back in front of what the ring holds: those at or after
  // `before_us` (by open time) or at an open time already held are left out, and the ring
  // keeps its newest capacity() candles. Open times stay strictly increasing.
  void restore(std::span<const candle> stored, std::int64_t before_us);
  std::size_t size() const noexcept { return ring_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }
  // Memory held by the ring: capacity() * sizeof(candle) once full, never more.
  std::size_t allocated_bytes() const noexcept { return ring_.capacity() * sizeof(candle); }
  const candle& at(std::size_t i) const noexcept;  // 0 = oldest
  const candle& newest(std::size_t k = 0) const noexcept { return at(size() - 1 - k); }

  // Which candles a request for [start_us, end_us) (by open time) gets, at most `limit`: the
  // oldest ones from `start_us` when it is given (paging forward, as venues' kline endpoints
  // do), else the newest ones before `end_us`. Read them with at(first + i).
  struct slice {
    std::size_t first = 0;
    std::size_t count = 0;
  };
  slice range(std::optional<std::int64_t> start_us, std::optional<std::int64_t> end_us,
              std::size_t limit) const noexcept;

 private:
  std::size_t capacity_;
  std::size_t head_ = 0;  // index of the oldest once the ring is full
  std::vector<candle> ring_;
};

}  // namespace tickerd
