// OKX's public `books` channel (400 levels), as the venue prints it (pure). From OKX's v5 API
// document ("Order book channel"): {"arg":{"channel":"books","instId":"BTC-USDT"},
// "action":"snapshot","data":[{"asks":[["8476.98","415","0","13"]],"bids":[...],
// "ts":"1597026383085","checksum":0,"prevSeqId":-1,"seqId":123456}]}: each level is price,
// size, a deprecated "0" and the number of orders; a snapshot on subscribe (prevSeqId -1),
// then "update" pushes whose prevSeqId is the previous push's seqId ("0" size removes a
// level). The checksum field is now always 0 and is not to be verified.
// The sim's book shows at OKX's prices (okx::offset_price, strictly increasing), so its top is
// exactly what bbo-tbt shows; seqId comes from the symbol's seqId counter, shared with the
// trades and bbo-tbt pushes, so consecutive books pushes skip numbers, as on the venue.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sim/book_model.hpp"

namespace tickerd::sim::okx {

inline constexpr std::string_view books_channel = "books";
inline constexpr std::size_t books_levels = 400;

// Orders at a level: a small count that follows its size.
std::int64_t orders_at(std::int64_t qty) noexcept;

// A snapshot (every level as a change) or an update. `extra_bid`, when set, is added to the
// bids as is (the crossed-book fault).
std::string encode_books(const symbol_spec& spec, bool snapshot,
                         std::span<const level_change> levels, std::int64_t ts_ms,
                         std::int64_t prev_seq_id, std::int64_t seq_id,
                         std::optional<level_change> extra_bid = std::nullopt);

}  // namespace tickerd::sim::okx
