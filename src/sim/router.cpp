#include "sim/router.hpp"

#include <algorithm>

namespace tickerd::sim {
namespace {

// True when `path` is `route` or lies below it ("/ws" matches "/ws" and "/ws/a@b").
bool path_matches(std::string_view path, std::string_view route) {
  // The root route ("/", Coinbase's) is exact: as a prefix it would take every unknown path.
  if (route == "/") return path == "/";
  if (!path.starts_with(route)) return false;
  return path.size() == route.size() || route.ends_with('/') || path[route.size()] == '/';
}

}  // namespace

void router::add(venue_endpoint& endpoint) {
  for (auto& path : endpoint.routes()) entries_.push_back({std::move(path), &endpoint});
}

std::vector<std::string_view> router::venues() const {
  std::vector<std::string_view> out;
  for (const auto& e : entries_) {
    const auto name = e.endpoint->venue();
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

std::optional<router::match> router::route(std::string_view target) const {
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view rest = target;

  // Optional venue prefix: "/binance/stream?x" -> venue binance, target "/stream?x".
  venue_endpoint* only = nullptr;
  if (path.size() > 1) {
    const auto slash = path.find('/', 1);
    const std::string_view first =
        path.substr(1, slash == std::string_view::npos ? std::string_view::npos : slash - 1);
    for (const auto& e : entries_) {
      if (e.endpoint->venue() == first) {
        only = e.endpoint;
        break;
      }
    }
    if (only) {
      const std::size_t cut = 1 + first.size();
      path.remove_prefix(cut);
      rest.remove_prefix(cut);
      if (path.empty()) path = "/";
    }
  }

  const entry* best = nullptr;
  for (const auto& e : entries_) {
    if (only && e.endpoint != only) continue;
    if (!path_matches(path, e.path)) continue;
    if (!best || e.path.size() > best->path.size()) best = &e;
  }
  if (!best) return std::nullopt;
  std::string out(rest);
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  return match{best->endpoint, std::move(out)};
}

}  // namespace tickerd::sim
