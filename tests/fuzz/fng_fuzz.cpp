// libFuzzer entry point: the Fear & Greed (alternative.me) response parser.
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::fng_target(data, size)) {
    std::fprintf(stderr, "fng invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
