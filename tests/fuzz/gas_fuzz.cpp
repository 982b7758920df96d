// libFuzzer entry point: the gas.ETH JSON-RPC adapter, one conversation (frames split at
// newlines) per input.
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::gas_target(data, size)) {
    std::fprintf(stderr, "gas invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
