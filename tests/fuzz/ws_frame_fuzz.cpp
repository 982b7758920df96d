// libFuzzer entry point: the gateway's WebSocket frame reader (RFC 6455, client to server).
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::ws_frame_target(data, size)) {
    std::fprintf(stderr, "ws_frame invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
