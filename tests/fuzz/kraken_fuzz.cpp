// libFuzzer entry point: the Kraken v2 frame parser.
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::kraken_target(data, size)) {
    std::fprintf(stderr, "kraken invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
