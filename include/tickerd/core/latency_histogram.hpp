// A latency histogram with fixed, log-spaced buckets (50 µs .. 5 s), written by one thread and
// read by any (a Prometheus scrape sums several). Counts are kept per bucket, not cumulative,
// so an observation is two relaxed stores and a search over 16 bounds.
#pragma once

#include <array>
#include <cstdint>

#include "tickerd/core/stat_counter.hpp"

namespace tickerd {

struct latency_histogram {
  // Upper bounds, inclusive (Prometheus' `le`), in nanoseconds: 1-2.5-5 per decade.
  static constexpr std::array<std::int64_t, 16> bounds_ns{
      50'000,      100'000,       250'000,       500'000,      1'000'000,   2'500'000,
      5'000'000,   10'000'000,    25'000'000,    50'000'000,   100'000'000, 250'000'000,
      500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000};

  std::array<stat_counter, bounds_ns.size() + 1> counts{};  // the last: above every bound
  stat_counter sum_ns{0};

  // Only the owning thread may call this. A negative value (a clock step) counts as zero.
  void observe(std::int64_t ns) noexcept {
    if (ns < 0) ns = 0;
    std::size_t i = 0;
    while (i < bounds_ns.size() && ns > bounds_ns[i]) ++i;
    bump(counts[i]);
    bump(sum_ns, static_cast<std::uint64_t>(ns));
  }
};

}  // namespace tickerd
