#include "tickerd/market/candle.hpp"

#include <algorithm>
#include <limits>

namespace tickerd {
namespace {

using i128 = decimal::mantissa_type;
constexpr i128 two_to_64 = static_cast<i128>(1) << 64;

constexpr std::array<std::string_view, candle_interval_count> interval_names{"1m", "5m", "15m",
                                                                             "1h", "4h", "1d"};

bool fits_i64(i128 m) noexcept {
  return m >= std::numeric_limits<std::int64_t>::min() &&
         m <= std::numeric_limits<std::int64_t>::max();
}

decimal from_halves(std::uint64_t lo, std::int64_t hi, std::uint8_t scale) noexcept {
  return {static_cast<i128>(static_cast<i128>(hi) * two_to_64 + lo), scale};
}

void to_halves(decimal d, std::uint64_t& lo, std::int64_t& hi) noexcept {
  const i128 m = d.mantissa();
  lo = static_cast<std::uint64_t>(m);
  hi = static_cast<std::int64_t>(m >> 64);
}

}  // namespace

std::string_view to_string(candle_interval i) noexcept {
  const auto n = static_cast<std::size_t>(i);
  return n < interval_names.size() ? interval_names[n] : "unknown";
}

std::optional<candle_interval> parse_candle_interval(std::string_view text) noexcept {
  for (std::size_t n = 0; n < interval_names.size(); ++n) {
    if (interval_names[n] == text) return static_cast<candle_interval>(n);
  }
  return std::nullopt;
}

candle candle::empty(std::int64_t open_time_us, const std::optional<decimal>& previous_close) {
  candle c;
  c.open_time_us_ = open_time_us;
  if (previous_close) {
    // The previous close always came from a compact candle: it fits.
    const auto m = static_cast<std::int64_t>(previous_close->mantissa());
    const auto s = static_cast<std::uint8_t>(previous_close->scale());
    c.open_m_ = c.high_m_ = c.low_m_ = c.close_m_ = m;
    c.scales_[open_i] = c.scales_[high_i] = c.scales_[low_i] = c.scales_[close_i] = s;
    c.has_prices_ = true;
  }
  return c;
}

std::optional<candle> candle::restored(std::int64_t open_time_us, const std::optional<prices>& ohlc,
                                       decimal volume_base, decimal volume_quote,
                                       std::uint32_t trades, std::uint32_t late, bool closed) {
  candle c;
  c.open_time_us_ = open_time_us;
  if (ohlc) {
    const std::array<decimal, 4> p{ohlc->open, ohlc->high, ohlc->low, ohlc->close};
    std::array<std::int64_t*, 4> m{&c.open_m_, &c.high_m_, &c.low_m_, &c.close_m_};
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (!fits_i64(p[i].mantissa())) return std::nullopt;
      *m[i] = static_cast<std::int64_t>(p[i].mantissa());
      c.scales_[i] = static_cast<std::uint8_t>(p[i].scale());  // open_i … close_i are 0 … 3
    }
    c.has_prices_ = true;
  }
  to_halves(volume_base, c.base_lo_, c.base_hi_);
  c.scales_[base_i] = static_cast<std::uint8_t>(volume_base.scale());
  to_halves(volume_quote, c.quote_lo_, c.quote_hi_);
  c.scales_[quote_i] = static_cast<std::uint8_t>(volume_quote.scale());
  c.trades_ = trades;
  c.late_ = late;
  c.closed_ = closed;
  return c;
}

decimal candle::volume_base() const noexcept {
  return from_halves(base_lo_, base_hi_, scales_[base_i]);
}

decimal candle::volume_quote() const noexcept {
  return from_halves(quote_lo_, quote_hi_, scales_[quote_i]);
}

bool candle::add(decimal price, decimal size) noexcept {
  if (!fits_i64(price.mantissa())) return false;
  decimal cost;
  decimal base;
  decimal quote;
  if (!decimal::mul(price, size, cost) || !decimal::add(volume_base(), size, base) ||
      !decimal::add(volume_quote(), cost, quote)) {
    return false;
  }
  if (trades_ == std::numeric_limits<std::uint32_t>::max()) return false;
  const auto m = static_cast<std::int64_t>(price.mantissa());
  const auto s = static_cast<std::uint8_t>(price.scale());
  // The first trade opens the candle: an empty candle's carried-over prices are replaced.
  if (trades_ == 0) {
    open_m_ = high_m_ = low_m_ = m;
    scales_[open_i] = scales_[high_i] = scales_[low_i] = s;
  } else {
    if (price > high()) {
      high_m_ = m;
      scales_[high_i] = s;
    }
    if (price < low()) {
      low_m_ = m;
      scales_[low_i] = s;
    }
  }
  close_m_ = m;
  scales_[close_i] = s;
  has_prices_ = true;
  to_halves(base, base_lo_, base_hi_);
  scales_[base_i] = static_cast<std::uint8_t>(base.scale());
  to_halves(quote, quote_lo_, quote_hi_);
  scales_[quote_i] = static_cast<std::uint8_t>(quote.scale());
  ++trades_;
  return true;
}

void candle_history::push(const candle& c) {
  if (capacity_ == 0) return;
  if (ring_.size() < capacity_) {
    // Grow by doubling but never past the capacity: a full ring holds exactly capacity_.
    if (ring_.size() == ring_.capacity()) {
      constexpr std::size_t first_block = 16;
      const std::size_t want = ring_.size() < first_block / 2 ? first_block : ring_.size() * 2;
      ring_.reserve(want < capacity_ ? want : capacity_);
    }
    ring_.push_back(c);
    return;
  }
  ring_[head_] = c;
  head_ = (head_ + 1) % capacity_;
}

void candle_history::restore(std::span<const candle> stored, std::int64_t before_us) {
  std::vector<candle> merged;
  merged.reserve(stored.size() + size());
  for (const auto& c : stored) {
    if (c.open_time_us() < before_us) merged.push_back(c);
  }
  const auto by_time = [](const candle& a, const candle& b) {
    return a.open_time_us() < b.open_time_us();
  };
  const auto same_time = [](const candle& a, const candle& b) {
    return a.open_time_us() == b.open_time_us();
  };
  // What the ring holds wins over a stored candle of the same open time: it is this run's.
  std::stable_sort(merged.begin(), merged.end(), by_time);
  merged.erase(std::unique(merged.begin(), merged.end(), same_time), merged.end());
  std::vector<candle> held;
  held.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) held.push_back(at(i));
  std::vector<candle> all;
  all.reserve(merged.size() + held.size());
  std::set_union(held.begin(), held.end(), merged.begin(), merged.end(), std::back_inserter(all),
                 by_time);
  ring_.clear();
  head_ = 0;
  const std::size_t skip = all.size() > capacity_ ? all.size() - capacity_ : 0;
  for (std::size_t i = skip; i < all.size(); ++i) push(all[i]);
}

const candle& candle_history::at(std::size_t i) const noexcept {
  return ring_.size() < capacity_ ? ring_[i] : ring_[(head_ + i) % capacity_];
}

candle_history::slice candle_history::range(std::optional<std::int64_t> start_us,
                                            std::optional<std::int64_t> end_us,
                                            std::size_t limit) const noexcept {
  // First index whose open time is >= t (open times strictly increase along the ring).
  const auto lower = [this](std::int64_t t) {
    std::size_t lo = 0;
    std::size_t hi = size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (at(mid).open_time_us() < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  };
  const std::size_t first = start_us ? lower(*start_us) : 0;
  const std::size_t last = end_us ? lower(*end_us) : size();
  if (last <= first) return {first, 0};
  const std::size_t n = last - first < limit ? last - first : limit;
  return start_us ? slice{first, n} : slice{last - n, n};
}

}  // namespace tickerd
