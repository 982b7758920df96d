// libFuzzer entry point: the OKX "tickers" frame parser.
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::okx_target(data, size)) {
    std::fprintf(stderr, "okx invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
