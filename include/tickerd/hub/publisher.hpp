// Assigns each channel's sequence numbers, encodes every update once, remembers the latest
// state per channel, and hands the shared update to a sink (the fan-out to gateway shards).
// Lives on the ingest thread; not thread-safe by design.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/update.hpp"

namespace tickerd {

class publisher {
 public:
  using sink = std::function<void(update_ptr)>;

  publisher(const channel_registry& channels, sink out);

  // Publishes `data_json` as the channel's next state; returns the shared update.
  // `conflatable` false: see published_update::conflatable.
  update_ptr publish(channel_id channel, std::string_view data_json, bool conflatable = true);

  // Continues a channel's sequence from `seq` (warm start from a store).
  void restore(channel_id channel, std::uint64_t seq);
  // The same, with the stored state as the channel's latest (not handed to the sink).
  void restore(update_ptr latest);

  const update_ptr& latest(channel_id channel) const { return latest_.at(channel); }
  std::uint64_t seq(channel_id channel) const { return seq_.at(channel); }
  const std::string& epoch(channel_id channel) const { return epoch_.at(channel); }

 private:
  const channel_registry& channels_;
  sink out_;
  std::vector<std::uint64_t> seq_;
  std::vector<std::string> epoch_;  // random per channel at start; restored from a store
  std::vector<update_ptr> latest_;
};

}  // namespace tickerd
