// libFuzzer entry point: the Bybit v5 spot frame parser.
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::bybit_target(data, size)) {
    std::fprintf(stderr, "bybit invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
