// The simulator's deterministic hashing and random steps: a symbol's name seeds its streams
// (FNV-1a), and splitmix64 draws from that seed, so a run is repeatable from --seed alone.
#pragma once

#include <cstdint>
#include <string_view>

namespace tickerd::sim {

constexpr std::uint64_t fnv1a(std::string_view s,
                              std::uint64_t h = 0xcbf29ce484222325ull) noexcept {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// One splitmix64 draw from `state` without keeping the state: a stateless mixer.
constexpr std::uint64_t mix64(std::uint64_t state) noexcept {
  return splitmix64(state);
}

}  // namespace tickerd::sim
