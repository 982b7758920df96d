// The `status` channel's data and GET /v1/feeds: every upstream feed's state and counters.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tickerd/feeds/feed_stats.hpp"

namespace tickerd {

struct feed_status_entry {
  std::string name;  // "binance", …, or "eth" for the gas feed: the entry's "venue"
  const feed_stats* stats;
};

// Appends {"feeds":[…]} with ages computed against `now_wall_ms`.
void encode_feed_status(std::string& out, std::span<const feed_status_entry> feeds,
                        std::int64_t now_wall_ms);

}  // namespace tickerd
