#include "tickerd/market/candle_builder.hpp"

#include <limits>
#include <utility>

namespace tickerd {
namespace {

std::int64_t trade_time(const trade& t) noexcept {
  return t.exchange_ts_us != 0 ? t.exchange_ts_us : t.recv_ts_us;
}

template <std::size_t... I>
std::array<candle_builder, candle_interval_count> make_builders(
    const std::array<std::size_t, candle_interval_count>& capacity, std::index_sequence<I...>) {
  return {candle_builder(all_candle_intervals[I], capacity[I])...};
}

}  // namespace

candle_builder::candle_builder(candle_interval interval, std::size_t history_capacity)
    // At least one: closed candles reach the caller through the history.
    : interval_(interval), history_(history_capacity == 0 ? 1 : history_capacity) {}

void candle_builder::start(std::int64_t t_us, candle_change& change) {
  forming_ = candle::empty(interval_start(interval_, t_us), std::nullopt);
  started_ = true;
  change.forming = true;
}

void candle_builder::close_until(std::int64_t t_us, candle_change& change) {
  const std::int64_t d = duration_us(interval_);
  const std::int64_t target = interval_start(interval_, t_us);
  if (forming_.open_time_us() >= target) return;
  // Intervals to close: the forming one and the empty ones up to `target`. Only the newest
  // `capacity` of them can be kept (and published), so a long silence skips ahead.
  const auto intervals = static_cast<std::uint64_t>((target - forming_.open_time_us()) / d);
  const std::optional<decimal> last_price =
      forming_.has_prices() ? std::optional<decimal>(forming_.close()) : std::nullopt;
  std::uint64_t emitted = 0;
  const auto keep = static_cast<std::uint64_t>(history_.capacity());
  forming_.mark_closed();
  if (intervals <= keep) {
    history_.push(forming_);
    ++emitted;
  }
  const std::uint64_t empties = intervals - 1;
  const std::uint64_t skipped = empties > keep ? empties - keep : 0;
  for (std::uint64_t k = skipped; k < empties; ++k) {
    candle c =
        candle::empty(forming_.open_time_us() + static_cast<std::int64_t>(k + 1) * d, last_price);
    c.mark_closed();
    history_.push(c);
    ++emitted;
  }
  forming_ = candle::empty(target, last_price);
  const std::uint64_t total = change.closed + emitted;
  change.closed = static_cast<std::uint32_t>(total < keep ? total : keep);
  change.forming = true;
}

void candle_builder::add(const trade& t, candle_change& change) {
  const std::int64_t time = trade_time(t);
  if (t.recv_ts_us != 0 && time - t.recv_ts_us > max_clock_ahead_us) {
    ++rejected_;
    return;
  }
  if (!started_) start(time, change);
  if (time >= forming_.open_time_us() + duration_us(interval_)) close_until(time, change);
  if (time < forming_.open_time_us()) {
    forming_.count_late();
    change.forming = true;
    return;
  }
  if (!forming_.add(t.price, t.size)) {
    ++rejected_;
    return;
  }
  change.forming = true;
}

void candle_builder::advance(std::int64_t now_us, candle_change& change) {
  if (!started_) start(now_us, change);
  if (now_us >= forming_.open_time_us() + duration_us(interval_)) close_until(now_us, change);
}

void candle_builder::restore(std::span<const candle> closed) {
  const std::int64_t before =
      started_ ? forming_.open_time_us() : std::numeric_limits<std::int64_t>::max();
  history_.restore(closed, before);
}

candle_set::candle_set(const std::array<std::size_t, candle_interval_count>& history_capacity)
    : builders_(
          make_builders(history_capacity, std::make_index_sequence<candle_interval_count>{})) {}

void candle_set::add(std::span<const trade> trades, changes& change) {
  for (std::size_t i = 0; i < candle_interval_count; ++i) {
    for (const auto& t : trades) builders_[i].add(t, change[i]);
  }
}

void candle_set::advance(std::int64_t now_us, changes& change) {
  for (std::size_t i = 0; i < candle_interval_count; ++i) builders_[i].advance(now_us, change[i]);
}

}  // namespace tickerd
