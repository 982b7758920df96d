// Reconnect delays: capped exponential backoff with full jitter (a uniform random delay in
// [0, min(max, initial * 2^n)]), so many clients that lost the same upstream at once do not
// reconnect in lockstep. Pure: no clock, no I/O; the caller reports how long a connection
// stayed up, and the random source is seeded by the caller (tests pass a fixed seed).
#pragma once

#include <chrono>
#include <cstdint>

namespace tickerd {

class backoff {
 public:
  backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          std::chrono::milliseconds healthy_after, std::uint64_t seed) noexcept;

  // The delay before the next attempt; then doubles the ceiling (up to max).
  std::chrono::milliseconds next() noexcept;

  // A connection that was up for `up_for` has ended: a healthy one resets the backoff.
  void connection_ended(std::chrono::milliseconds up_for) noexcept;
  void reset() noexcept;

  // Upper bound of the delay the next call to next() may return.
  std::chrono::milliseconds ceiling() const noexcept { return ceiling_; }
  // Delays handed out since the last reset.
  std::uint32_t attempts() const noexcept { return attempts_; }

 private:
  std::uint64_t random() noexcept;  // splitmix64: tiny, deterministic on every platform

  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds healthy_after_;
  std::chrono::milliseconds ceiling_;
  std::uint64_t state_;
  std::uint32_t attempts_ = 0;
};

}  // namespace tickerd
