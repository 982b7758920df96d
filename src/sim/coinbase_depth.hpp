// Coinbase Exchange's public level 2 channels, as the venue prints them (pure). From Coinbase's
// "Exchange WebSocket Channels" page (docs.cdp.coinbase.com, "Level2 Batch Channel"): after the
// subscriptions reply, a snapshot of the whole book,
//   {"type":"snapshot","product_id":"BTC-USD","bids":[["10101.10","0.45054140"]],
//    "asks":[["10102.55","0.57753524"]]}
// then l2update messages with the changed levels ("0" removes a level; a size is the level's
// new size, not a delta),
//   {"type":"l2update","product_id":"BTC-USD","changes":[["buy","22356.27","0.00000000"]],
//    "time":"2022-08-04T15:25:05.010758Z"}
// `level2_batch` is public and batches the updates every 50 ms; `level2` carries the same
// messages unbatched and needs an authenticated subscribe (CCXT's coinbaseexchange
// watchOrderBook subscribes `level2`, signed). Neither has a sequence number: a lost l2update
// cannot be seen on the channel itself (see coinbase_protocol.hpp for the sim's book_drop).
//
// The sim's book shows at Coinbase's prices: each side moved by the offset its touch gets in
// the ticker (coinbase::offset_price, which can merge two neighbouring ticks, so it is not
// applied level by level), so best_bid / best_ask of the `ticker` channel are exactly the top
// of this book. When the touch crosses a rounding step the side's shift changes by a tick and
// the update rewrites that side; sizes print with 8 decimals, as in the venue's examples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/book_model.hpp"

namespace tickerd::sim::coinbase {

inline constexpr std::string_view channel_level2 = "level2";
inline constexpr std::string_view channel_level2_batch = "level2_batch";
inline constexpr int size_scale = 8;  // "0.45054140"

// The whole book (every level the model has) at Coinbase's prices; bids and asks best first.
top_levels venue_book(const symbol_spec& spec, const symbol_book& book);

std::string encode_l2_snapshot(const symbol_spec& spec, const top_levels& book);
// `changes`: bids then asks (diff()'s order); `extra_bid`, when set, is sent first as is (the
// crossed-book fault).
std::string encode_l2_update(const symbol_spec& spec, const std::vector<level_change>& changes,
                             std::int64_t time_us,
                             std::optional<level_change> extra_bid = std::nullopt);

}  // namespace tickerd::sim::coinbase
