// libFuzzer entry point: tickerd-sim's replay capture file parser.
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::replay_target(data, size)) {
    std::fprintf(stderr, "replay invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
