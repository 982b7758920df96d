#include "tickerd/hub/channel_registry.hpp"

namespace tickerd {

channel_registry::channel_registry(const std::vector<instrument>& instruments) {
  channels_.reserve(instruments.size() + 1);
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto id = static_cast<channel_id>(channels_.size());
    channels_.push_back({"ticker." + instruments[i].symbol(), channel_kind::ticker,
                         static_cast<instrument_id>(i)});
    ticker_ids_.push_back(id);
  }
  status_id_ = static_cast<channel_id>(channels_.size());
  channels_.push_back({"status", channel_kind::status, no_instrument});
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    by_name_.emplace(channels_[i].name, static_cast<channel_id>(i));
  }
}

std::optional<channel_id> channel_registry::find(std::string_view name) const noexcept {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tickerd
