// Each venue's depth stream, as tickerd subscribes to it when a feed reads books (`fs_book`):
// the names and the (un)subscribe frames for one symbol's book, written once for the adapters'
// first subscription and for book_feed's resubscribe. Pure.
//
//   Binance   <sym>@depth@100ms on the combined stream (in the URL); SUBSCRIBE/UNSUBSCRIBE
//             methods on the open connection.
//   OKX       `books` per instId (400 levels, snapshot then updates).
//   Bybit     `orderbook.50.<SYM>` (snapshot then deltas).
//   Kraken    v2 `book` at depth 100 (>= 50 so book50 is exact after Kraken's truncation),
//             plus the `instrument` channel whose precisions the checksum needs.
//   Coinbase  Exchange `level2_batch` (snapshot then l2update, batched every 50 ms).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tickerd/core/venue.hpp"

namespace tickerd::book_streams {

inline constexpr int kraken_book_depth = 100;
// The Binance REST snapshot's `limit` and the levels kept a side: the diff stream touches every
// depth, so Binance (and Coinbase's full book) keep far more than the 50 tickerd publishes.
inline constexpr int binance_snapshot_limit = 1000;

// Levels a book of this venue keeps a side (book_sync's depth).
std::size_t book_depth(venue_id venue) noexcept;

// Binance's stream name for a symbol ("btcusdt@depth@100ms"), from any case.
std::string binance_depth_stream(std::string_view symbol);

// The frame that subscribes (or unsubscribes) one symbol's book; empty for Binance's first
// subscription, which is the URL. `symbol` is the venue's own spelling.
std::string book_frame(venue_id venue, std::string_view symbol, bool subscribe);

// Kraken's `instrument` channel subscription (the pairs' price and qty precisions).
std::string kraken_instrument_subscribe();

// The REST path and query of Binance's depth snapshot for `symbol` ("BTCUSDT").
std::string binance_snapshot_target(std::string_view symbol);

}  // namespace tickerd::book_streams
