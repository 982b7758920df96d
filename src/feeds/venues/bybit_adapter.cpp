// Placeholder until the bybit adapter lands: configuring this venue fails at start-up.
#include <stdexcept>

#include "feeds/venues/venue_factories.hpp"

namespace tickerd {

std::unique_ptr<venue_adapter> make_bybit_adapter(const symbol_map& /*symbols*/) {
  throw std::invalid_argument("venue bybit is not implemented yet");
}

}  // namespace tickerd
