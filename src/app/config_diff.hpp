// What SIGHUP compares: the keys whose values differ between the configuration text tickerd
// runs with and the file as it reads now, so the keys that need a restart can be named.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tickerd {

struct config_change {
  std::string table;  // "server", "server.tls"; "" for a top-level key or an array of tables
  std::string key;    // "listen"; "[[feeds]]" for an array of tables (compared whole)
  std::string name() const { return table.empty() ? key : "[" + table + "] " + key; }
};

// Per table, `before`'s keys by name (toml++ keeps tables sorted), then those only `after`
// has. Both texts must parse (they loaded).
std::vector<config_change> changed_keys(std::string_view before, std::string_view after);

// SIGHUP applies these in place: every [limits] key and [log] level.
bool reloadable(const config_change& change) noexcept;

}  // namespace tickerd
