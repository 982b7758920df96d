// The fuzz targets by name, for the libFuzzer entry point (fuzz_main.cpp), without the weight of
// fuzz_targets.hpp: the bodies are compiled once (fuzz_entry.cpp), not once per fuzzer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tickerd::fuzz {

// Returns nullptr when every invariant held, or a short description of the one that broke.
using target_fn = const char* (*)(const std::uint8_t* data, std::size_t size);

// The body of the target named in targets.txt, or nullptr for a name it does not know.
target_fn find_target(std::string_view name) noexcept;

}  // namespace tickerd::fuzz
