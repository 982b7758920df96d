#include "fuzz_entry.hpp"

#include "fuzz_targets.hpp"

namespace tickerd::fuzz {

target_fn find_target(std::string_view name) noexcept {
  for (const named_target& t : all_targets) {
    if (t.name == name) return t.body;
  }
  return nullptr;
}

}  // namespace tickerd::fuzz
