#include "load/core/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tickerd::bench {

std::size_t histogram::index_of(std::uint64_t value) noexcept {
  value = std::min(value, max_trackable);
  if (value < sub_count) return static_cast<std::size_t>(value);
  // Keep the top sub_bits - 1 significant bits: v >> shift lies in [half_count, sub_count).
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value));
  const unsigned shift = msb - (sub_bits - 1);
  return static_cast<std::size_t>(sub_count + (shift - 1) * half_count +
                                  ((value >> shift) - half_count));
}

std::uint64_t histogram::lowest_in(std::size_t index) noexcept {
  if (index < sub_count) return index;
  const std::uint64_t j = index - sub_count;
  const unsigned shift = static_cast<unsigned>(j / half_count) + 1;
  return (half_count + j % half_count) << shift;
}

std::uint64_t histogram::highest_in(std::size_t index) noexcept {
  if (index < sub_count) return index;
  const std::uint64_t j = index - sub_count;
  const unsigned shift = static_cast<unsigned>(j / half_count) + 1;
  return lowest_in(index) + (std::uint64_t{1} << shift) - 1;
}

void histogram::record_n(std::uint64_t value, std::uint64_t n) noexcept {
  if (n == 0) return;
  value = std::min(value, max_trackable);
  counts_[index_of(value)] += n;
  if (count_ == 0 || value < min_) min_ = value;
  max_ = std::max(max_, value);
  count_ += n;
  sum_ += static_cast<long double>(value) * static_cast<long double>(n);
}

void histogram::merge(const histogram& other) noexcept {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void histogram::reset() noexcept {
  counts_.fill(0);
  count_ = 0;
  min_ = 0;
  max_ = 0;
  sum_ = 0;
}

double histogram::mean() const noexcept {
  return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t histogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(highest_in(i), min_, max_);
  }
  return max_;
}

std::vector<histogram::bucket> histogram::nonempty_buckets() const {
  std::vector<bucket> out;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    if (counts_[i] != 0) out.push_back({lowest_in(i), highest_in(i), counts_[i]});
  }
  return out;
}

}  // namespace tickerd::bench
