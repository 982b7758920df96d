// Builds the token verifier [auth] describes, reading its key file: at start-up (through
// resolve_config, so --check-config refuses the same files) and on SIGHUP.
#pragma once

#include <memory>
#include <string>

#include "auth/token_verifier.hpp"
#include "tickerd/app/config.hpp"

namespace tickerd {

struct verifier_load_result {
  std::shared_ptr<const token_verifier> verifier;  // null on error
  std::string key;                                 // the config key at fault ("auth.key_file")
  std::string error;
};

// Only for mode "jwt".
verifier_load_result load_token_verifier(const auth_config& cfg);

}  // namespace tickerd
