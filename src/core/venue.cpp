#include "tickerd/core/venue.hpp"

#include <array>

namespace tickerd {

namespace {

// Indexed by venue_id; these are the names used in config files, channels and the protocol.
constexpr std::array<std::string_view, venue_count> venue_names = {"binance", "okx", "coinbase",
                                                                   "bybit", "kraken"};

}  // namespace

std::string_view to_string(venue_id v) noexcept {
  const auto i = static_cast<std::size_t>(v);
  return i < venue_names.size() ? venue_names[i] : std::string_view("unknown");
}

std::optional<venue_id> parse_venue(std::string_view name) noexcept {
  for (std::size_t i = 0; i < venue_names.size(); ++i) {
    if (venue_names[i] == name) return static_cast<venue_id>(i);
  }
  return std::nullopt;
}

}  // namespace tickerd
