#include "tickerd/hub/publisher.hpp"

#include <utility>

namespace tickerd {

publisher::publisher(const channel_registry& channels, sink out)
    : channels_(channels),
      out_(std::move(out)),
      seq_(channels.size(), 0),
      latest_(channels.size()) {
  epoch_.reserve(channels.size());
  for (std::size_t i = 0; i < channels.size(); ++i) epoch_.push_back(new_epoch());
}

update_ptr publisher::publish(channel_id channel, std::string_view data_json, bool conflatable) {
  const std::uint64_t seq = ++seq_.at(channel);
  auto u = make_update(channel, channels_.info(channel).name, seq, data_json, epoch_[channel],
                       conflatable);
  latest_[channel] = u;
  if (out_) out_(u);
  return u;
}

void publisher::restore(channel_id channel, std::uint64_t seq) {
  seq_.at(channel) = seq;
}

void publisher::restore(update_ptr latest) {
  seq_.at(latest->channel) = latest->seq;
  if (!latest->epoch.empty()) epoch_.at(latest->channel) = latest->epoch;
  latest_.at(latest->channel) = std::move(latest);
}

}  // namespace tickerd
