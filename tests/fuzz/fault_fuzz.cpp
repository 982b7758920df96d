// libFuzzer entry point: tickerd-sim's fault spec parser (KIND[,key=value...]).
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::fault_target(data, size)) {
    std::fprintf(stderr, "fault invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
