// Kraken's public REST market metadata, as CCXT's loadMarkets() reads it: GET /0/public/Assets
// and GET /0/public/AssetPairs for the sim's symbols. Shapes from Kraken's REST "Get Asset Info"
// and "Get Tradable Asset Pairs": {"error":[],"result":{"XBTUSDT":{"altname":"XBTUSDT",
// "wsname":"XBT/USDT","base":"XXBT","quote":"USDT","pair_decimals":2,"lot_decimals":5,
// "tick_size":"0.01","status":"online",…}}}. Kraken's own names: BTC is XBT (asset XXBT),
// DOGE is XDG (XXDG), and the oldest assets carry an X (crypto) or Z (fiat) prefix.
#pragma once

#include <string>

#include "sim/rest_common.hpp"

namespace tickerd::sim::kraken {

std::string asset_altname(const std::string& code);  // "BTC" -> "XBT", "USDT" -> "USDT"
std::string asset_id(const std::string& code);       // "BTC" -> "XXBT", "USD" -> "ZUSD"
std::string pair_id(const symbol_spec& spec);        // "XBTUSDT", "XXBTZUSD"

std::string assets(rest::specs symbols);
std::string asset_pairs(rest::specs symbols);

}  // namespace tickerd::sim::kraken
