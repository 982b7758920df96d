// Picks the venue protocol for a request target, so several venues share one port.
// A target may carry the venue's name as a first segment ("/binance/stream?...") to be
// unambiguous; otherwise the longest matching route wins ("/ws/v5/public" over "/ws").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/connection.hpp"

namespace tickerd::sim {

class router {
 public:
  // Registers every route of `endpoint`; the endpoint must outlive the router.
  void add(venue_endpoint& endpoint);

  struct match {
    venue_endpoint* endpoint = nullptr;
    std::string target;  // the target with any venue prefix removed
  };
  std::optional<match> route(std::string_view target) const;

  // The venues registered, each once, in the order they were added.
  std::vector<std::string_view> venues() const;

 private:
  struct entry {
    std::string path;
    venue_endpoint* endpoint;
  };
  std::vector<entry> entries_;
};

}  // namespace tickerd::sim
