// A counter or gauge with one writing thread and any number of readers (a scrape, /v1/stats).
// Single writer, so an update is a relaxed load and store (a plain move on x86, no locked
// instruction); readers sum or copy what they see.
#pragma once

#include <atomic>
#include <cstdint>

namespace tickerd {

using stat_counter = std::atomic<std::uint64_t>;

// Only the owning thread may call this: it is not an atomic increment.
inline void bump(stat_counter& c, std::uint64_t n = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
inline void set(stat_counter& c, std::uint64_t v) noexcept {
  c.store(v, std::memory_order_relaxed);
}
inline std::uint64_t read(const stat_counter& c) noexcept {
  return c.load(std::memory_order_relaxed);
}

}  // namespace tickerd
