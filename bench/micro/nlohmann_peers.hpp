// The peers the venue parsers are measured against: the same frames to the same ticks, written
// the conventional way with nlohmann::json (parse the frame to a DOM, look the fields up, convert
// the strings with tickerd's own decimal parser). Only the data path is mirrored field for field;
// control frames and errors are reported as values without the adapters' fine distinctions.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/tick.hpp"
#include "tickerd/core/venue.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd::bench {

class peer_parser {
 public:
  virtual ~peer_parser() = default;
  // Appends the frame's ticks to `out`, like venue_adapter::parse.
  virtual parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                             std::vector<tick>& out) = 0;
  // A new connection: forget per-connection state (Coinbase sequence numbers).
  virtual void reset() {}
};

std::unique_ptr<peer_parser> make_nlohmann_peer(venue_id venue, const symbol_map& symbols);

}  // namespace tickerd::bench
