// libFuzzer entry point, compiled once per target: TICKERD_FUZZ_TARGET names the body
// (targets.txt). An input that breaks an invariant aborts, so libFuzzer saves it.
#include <cstdio>
#include <cstdlib>

#include "fuzz_entry.hpp"

namespace {

const tickerd::fuzz::target_fn target = tickerd::fuzz::find_target(TICKERD_FUZZ_TARGET);

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (target == nullptr) {
    std::fprintf(stderr, "no fuzz target '%s' in tests/fuzz/fuzz_targets.hpp's all_targets\n",
                 TICKERD_FUZZ_TARGET);
    std::exit(2);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = target(data, size)) {
    std::fprintf(stderr, "%s invariant broken: %s\n", TICKERD_FUZZ_TARGET, failure);
    std::abort();
  }
  return 0;
}
