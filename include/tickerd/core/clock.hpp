// Wall-clock and monotonic time in the units the protocol uses.
#pragma once

#include <chrono>
#include <cstdint>

namespace tickerd {

inline std::int64_t wall_us() noexcept {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}
inline std::int64_t wall_ms() noexcept {
  return wall_us() / 1000;
}
inline std::int64_t mono_ns() noexcept {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}
inline std::int64_t mono_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace tickerd
