// Coinbase Exchange's public REST market metadata, as CCXT's coinbaseexchange loadMarkets()
// reads it: GET /products and GET /currencies for the sim's symbols. Shapes from the Exchange
// REST API's "Get all known trading pairs" ([{"id":"BTC-USD","base_currency","quote_currency",
// "quote_increment","base_increment","display_name","status":"online",…}]) and "Get all known
// currencies" ([{"id":"BTC","name","min_size","status":"online","max_precision",…}]).
#pragma once

#include <string>

#include "sim/rest_common.hpp"

namespace tickerd::sim::coinbase {

std::string products(rest::specs symbols);
std::string currencies(rest::specs symbols);

}  // namespace tickerd::sim::coinbase
