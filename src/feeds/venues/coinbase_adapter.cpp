// Placeholder until the coinbase adapter lands: configuring this venue fails at start-up.
#include <stdexcept>

#include "feeds/venues/venue_factories.hpp"

namespace tickerd {

std::unique_ptr<venue_adapter> make_coinbase_adapter(const symbol_map& /*symbols*/) {
  throw std::invalid_argument("venue coinbase is not implemented yet");
}

}  // namespace tickerd
