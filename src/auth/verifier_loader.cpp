#include "auth/verifier_loader.hpp"

#include <algorithm>

namespace tickerd {

verifier_load_result load_token_verifier(const auth_config& cfg) {
  verifier_load_result r;
  key_set keys;
  if (!cfg.jwks_file.empty()) {
    r.key = "auth.jwks_file";
    r.error = load_jwks_file(cfg.jwks_file, keys);
  } else {
    r.key = "auth.key_file";
    r.error = load_key_file(cfg.key_file, keys);
  }
  if (!r.error.empty()) return r;
  const bool usable = std::any_of(keys.keys.begin(), keys.keys.end(), [&](const auto& k) {
    return std::find(cfg.algorithms.begin(), cfg.algorithms.end(), algorithm_of(k.kind)) !=
           cfg.algorithms.end();
  });
  if (!usable) {
    r.key = "auth.algorithms";
    r.error = "no key in " + (cfg.jwks_file.empty() ? cfg.key_file : cfg.jwks_file) +
              " is for an allowed algorithm (the file has " +
              std::string(algorithm_of(keys.keys.front().kind)) + " keys)";
    return r;
  }
  token_rules rules;
  rules.algorithms = cfg.algorithms;
  rules.issuer = cfg.issuer;
  rules.audience = cfg.audience;
  rules.leeway_ms = cfg.leeway.count();
  rules.channels_claim = cfg.channels_claim;
  r.verifier = std::make_shared<const token_verifier>(std::move(rules), std::move(keys));
  r.key.clear();
  return r;
}

}  // namespace tickerd
