#include "app/config_diff.hpp"

#include <toml++/toml.h>
#include <sstream>

namespace tickerd {
namespace {

std::string text_of(const toml::node& n) {
  std::ostringstream os;
  os << toml::node_view<const toml::node>{&n};
  return os.str();
}

bool table_or_absent(const toml::node* n) {
  return n == nullptr || n->is_table();
}

// A table missing on one side compares as an empty one, so its keys are named one by one.
void diff(const toml::table* a, const toml::table* b, const std::string& table,
          std::vector<config_change>& out) {
  std::vector<std::string> keys;
  if (a != nullptr) {
    for (const auto& [k, v] : *a) keys.emplace_back(k.str());
  }
  if (b != nullptr) {
    for (const auto& [k, v] : *b) {
      if (a == nullptr || !a->contains(k.str())) keys.emplace_back(k.str());
    }
  }
  for (const auto& k : keys) {
    const toml::node* x = a != nullptr ? a->get(k) : nullptr;
    const toml::node* y = b != nullptr ? b->get(k) : nullptr;
    const std::string path = table.empty() ? k : table + "." + k;
    if (table_or_absent(x) && table_or_absent(y)) {
      diff(x != nullptr ? x->as_table() : nullptr, y != nullptr ? y->as_table() : nullptr, path,
           out);
      continue;
    }
    if (x != nullptr && y != nullptr && text_of(*x) == text_of(*y)) continue;
    if ((x != nullptr && x->is_array_of_tables()) || (y != nullptr && y->is_array_of_tables())) {
      out.push_back({"", "[[" + path + "]]"});
    } else {
      out.push_back({table, k});
    }
  }
}

}  // namespace

std::vector<config_change> changed_keys(std::string_view before, std::string_view after) {
  const toml::table a = toml::parse(before);
  const toml::table b = toml::parse(after);
  std::vector<config_change> out;
  diff(&a, &b, "", out);
  return out;
}

bool reloadable(const config_change& change) noexcept {
  return change.table == "limits" || (change.table == "log" && change.key == "level");
}

}  // namespace tickerd
