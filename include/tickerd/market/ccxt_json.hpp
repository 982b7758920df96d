// `format=ccxt`: the ticker, trades and best bid/ask in CCXT's unified structures, so code
// written against CCXT Pro reads tickerd with little change (docs/PROTOCOL.md "CCXT format").
// Differences from CCXT, on purpose: prices and amounts are exact decimal strings (CCXT has
// floats), and `info` holds tickerd's own object for the same data (CCXT puts the venue's raw
// message there). Keys CCXT defines that tickerd does not know are null. Pure functions.
//
// How they are called: from an update's native data, read back into the structures
// (ccxt_from_native.hpp), where a gateway first has a client for the CCXT form of that update;
// the text is then shared by every client reading it, like the native one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tickerd/core/top_of_book.hpp"
#include "tickerd/core/trade.hpp"
#include "tickerd/market/composite.hpp"
#include "tickerd/market/consolidated_bbo.hpp"

namespace tickerd {

// "BTC-USDT" -> "BTC/USDT" (CCXT's unified symbol).
std::string ccxt_symbol(std::string_view canonical);

// "2025-11-25T09:00:34.123Z", the form CCXT's iso8601() writes, from ms since the epoch.
void append_iso8601_ms(std::string& out, std::int64_t ms);

// CCXT ticker structure: symbol, timestamp, datetime, high, low, bid, bidVolume, ask,
// askVolume, vwap, open, close, last, previousClose, change, percentage, average, baseVolume,
// quoteVolume, info (the native ticker data: the composite's, or with `venue` that venue's
// ticker data, as ticker.<symbol>@<venue> sends it).
void encode_ccxt_ticker(std::string& out, const std::string& symbol, const composite_ticker& c,
                        std::optional<venue_id> venue = std::nullopt);
// The same, with `info` given: `native_data` is the native ticker data already encoded for this
// state (encode_ticker / encode_venue_ticker), copied rather than encoded a second time.
void encode_ccxt_ticker(std::string& out, const std::string& symbol, const composite_ticker& c,
                        std::string_view native_data);

// A JSON array of CCXT trade structures: id, timestamp, datetime, symbol, order, type, side,
// takerOrMaker ("taker": `side` is the aggressor's), price, amount, cost (price x amount,
// exact), fee, fees, info (the native trade object, with its venue).
void encode_ccxt_trades(std::string& out, const std::string& symbol, std::span<const trade> trades);

// The ticker structure CCXT's watchBidsAsks gives: symbol, timestamp, datetime, bid,
// bidVolume, ask, askVolume, info (the native bbo data: venues of each side, crossed, locked).
void encode_ccxt_bbo(std::string& out, const std::string& symbol, const consolidated_top& top);
void encode_ccxt_venue_bbo(std::string& out, const std::string& symbol, const top_of_book& quote,
                           bool stale);
// The same two with `info` given: the native bbo data already encoded for this state.
void encode_ccxt_bbo(std::string& out, const std::string& symbol, const consolidated_top& top,
                     std::string_view native_data);
void encode_ccxt_venue_bbo(std::string& out, const std::string& symbol, const top_of_book& quote,
                           std::string_view native_data);

}  // namespace tickerd
