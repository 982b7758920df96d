// Placeholder until the okx adapter lands: configuring this venue fails at start-up.
#include <stdexcept>

#include "feeds/venues/venue_factories.hpp"

namespace tickerd {

std::unique_ptr<venue_adapter> make_okx_adapter(const symbol_map& /*symbols*/) {
  throw std::invalid_argument("venue okx is not implemented yet");
}

}  // namespace tickerd
