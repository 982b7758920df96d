// format=ccxt from what was published: an update's native `data` (a ticker, trades or bbo, as
// composite.hpp, trade_json.hpp and consolidated_bbo.hpp encode it) read back into the
// structures and written in CCXT's (ccxt_json.hpp). The native text holds every value the CCXT
// form shows, as exact decimal strings, so a gateway can make the CCXT form where a client asks
// for it: an edge from the bus's data, any node from a state restored from Redis, and a node no
// CCXT client uses never at all. `info` is the native data itself (the trades': each trade with
// its venue). A pure function; the caller owns the parser (one per thread).
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

#include "tickerd/hub/channel_registry.hpp"

namespace tickerd {

// Appends the CCXT form of `native_data` (the data of a channel of `kind`) to `out`. False,
// with `out` as it was, when the kind has no CCXT form or the text is not such data.
bool encode_ccxt_from_native(std::string& out, channel_kind kind, std::string_view native_data,
                             simdjson::dom::parser& parser);

}  // namespace tickerd
