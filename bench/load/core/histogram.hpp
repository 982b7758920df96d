// A log-linear histogram in the manner of HdrHistogram: exact below 256, then 128 linear
// buckets per power of two, so any recorded value is known to within 1/128 (0.8 %) from
// 1 µs to days, in a fixed 35 KiB array. Recording is an index computation and an increment:
// cheap enough for every message of a load test. Values are unsigned integers (µs here).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace tickerd::bench {

class histogram {
 public:
  // Values above this are recorded as this (2^40 µs is 12.7 days).
  static constexpr std::uint64_t max_trackable = (std::uint64_t{1} << 40) - 1;
  static constexpr unsigned sub_bits = 8;  // 2^8 exact values, then 2^7 buckets per octave
  static constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bits;
  static constexpr std::uint64_t half_count = sub_count / 2;
  static constexpr std::size_t bucket_count =
      static_cast<std::size_t>(sub_count + (40 - sub_bits + 1) * half_count);

  void record(std::uint64_t value) noexcept { record_n(value, 1); }
  void record_n(std::uint64_t value, std::uint64_t n) noexcept;
  void merge(const histogram& other) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept;
  // The value at quantile q (0..1): the highest value equivalent to the bucket holding the
  // ceil(q * count)-th smallest recording, capped at the recorded max. 0 when empty.
  std::uint64_t quantile(double q) const noexcept;

  // Bucket arithmetic, exposed for tests and for plotting.
  static std::size_t index_of(std::uint64_t value) noexcept;
  static std::uint64_t lowest_in(std::size_t index) noexcept;
  static std::uint64_t highest_in(std::size_t index) noexcept;

  struct bucket {
    std::uint64_t low = 0;
    std::uint64_t high = 0;  // inclusive
    std::uint64_t count = 0;
  };
  std::vector<bucket> nonempty_buckets() const;

 private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace tickerd::bench
