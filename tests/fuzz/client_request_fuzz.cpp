// libFuzzer entry point: the client request parser (one WebSocket text message).
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (const char* failure = tickerd::fuzz::client_request_target(data, size)) {
    std::fprintf(stderr, "client request invariant broken: %s\n", failure);
    std::abort();
  }
  return 0;
}
