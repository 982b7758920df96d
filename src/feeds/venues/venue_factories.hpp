// One factory per venue adapter, each defined in that venue's own file.
#pragma once

#include <memory>

#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

std::unique_ptr<venue_adapter> make_okx_adapter(const symbol_map& symbols, feed_streams streams);
std::unique_ptr<venue_adapter> make_coinbase_adapter(const symbol_map& symbols,
                                                     feed_streams streams);
std::unique_ptr<venue_adapter> make_bybit_adapter(const symbol_map& symbols, feed_streams streams);
std::unique_ptr<venue_adapter> make_kraken_adapter(const symbol_map& symbols, feed_streams streams);

}  // namespace tickerd
