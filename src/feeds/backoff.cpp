#include "tickerd/feeds/backoff.hpp"

#include <algorithm>

namespace tickerd {

backoff::backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::chrono::milliseconds healthy_after, std::uint64_t seed) noexcept
    : initial_(std::max(initial, std::chrono::milliseconds{0})),
      max_(std::max(max, std::chrono::milliseconds{0})),
      healthy_after_(healthy_after),
      ceiling_(std::min(initial_, max_)),
      state_(seed) {}

std::uint64_t backoff::random() noexcept {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::chrono::milliseconds backoff::next() noexcept {
  const auto bound = static_cast<std::uint64_t>(ceiling_.count());
  // Modulo bias is at most bound / 2^64: irrelevant for delays.
  const auto delay = std::chrono::milliseconds{static_cast<std::int64_t>(random() % (bound + 1))};
  // Doubling the ceiling (not computing initial * 2^n) cannot overflow however many attempts.
  ceiling_ = ceiling_ >= max_ / 2 ? max_ : ceiling_ * 2;
  ++attempts_;
  return delay;
}

void backoff::connection_ended(std::chrono::milliseconds up_for) noexcept {
  if (up_for >= healthy_after_) reset();
}

void backoff::reset() noexcept {
  ceiling_ = std::min(initial_, max_);
  attempts_ = 0;
}

}  // namespace tickerd
