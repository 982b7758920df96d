// libFuzzer entry point: decimal parsing, printing and arithmetic.
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::decimal_target(data, size)) {
    std::fprintf(stderr, "decimal invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
