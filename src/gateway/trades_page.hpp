// GET /v1/trades/<SYM>: the recent trades of a trades channel, read from the updates the shard
// keeps for resumes (shard::history: [node] resume_history updates per channel), so every node
// role answers it on the shard's own thread. Pure: unit-tested without sockets.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/venue.hpp"
#include "tickerd/hub/update.hpp"

namespace tickerd {

struct trades_page {
  std::uint64_t first = 0;               // the channel's number of trades.front() (0: none)
  std::vector<std::string_view> trades;  // trade objects as the channel sent them, oldest first
  std::string_view epoch;                // the channel's stream epoch
};

// The newest `limit` trades of `updates` (a trades channel's, oldest first, one epoch), oldest
// first. Stops at a hole in the numbering (first + count of one update is not the next one's
// first), so `first` and the count always describe exactly the trades returned. The views
// point into `updates`' texts.
trades_page collect_trades(const std::deque<update_ptr>& updates, std::size_t limit);

// {"symbol":…[,"venue":…],"epoch":…,"first":…,"count":…,"trades":[…]}: the data shape of the
// channel (docs/PROTOCOL.md "Trades data"), holding many frames' trades; no `first` or `epoch`
// when there is no trade.
void encode_trades_page(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                        const trades_page& page);

}  // namespace tickerd
