#include "tickerd/hub/channel_registry.hpp"

#include <stdexcept>

namespace tickerd {

namespace {
constexpr channel_id no_channel = ~channel_id{0};
}

channel_registry::channel_registry(const std::vector<instrument>& instruments,
                                   std::span<const venue_id> venues)
    : venue_ticker_ids_(instruments.size() * venue_count, no_channel) {
  channels_.reserve(instruments.size() * (1 + venues.size()) + 4);
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto id = static_cast<channel_id>(channels_.size());
    channels_.push_back(
        {"ticker." + instruments[i].symbol(), channel_kind::ticker, static_cast<instrument_id>(i)});
    ticker_ids_.push_back(id);
  }
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    for (const venue_id v : venues) {
      auto& slot = venue_ticker_ids_[i * venue_count + static_cast<std::size_t>(v)];
      if (slot != no_channel) continue;
      slot = static_cast<channel_id>(channels_.size());
      channels_.push_back({"ticker." + instruments[i].symbol() + "@" + std::string(to_string(v)),
                           channel_kind::venue_ticker, static_cast<instrument_id>(i), v});
    }
  }
  status_id_ = static_cast<channel_id>(channels_.size());
  channels_.push_back({"status", channel_kind::status, no_instrument});
  // Right after status, in this order: the accessors count on it.
  channels_.push_back({"almanac", channel_kind::almanac, no_instrument});
  channels_.push_back({"gas.ETH", channel_kind::gas, no_instrument});
  channels_.push_back({"fng", channel_kind::fng, no_instrument});
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    by_name_.emplace(channels_[i].name, static_cast<channel_id>(i));
  }
  wildcard_of_.assign(channels_.size(), no_wildcard);
  add_wildcard(std::string(ticker_wildcard), ticker_ids_);
}

void channel_registry::add_wildcard(std::string name, std::vector<channel_id> members) {
  if (wildcards_.size() == max_wildcards) throw std::logic_error("too many wildcards");
  const auto id = static_cast<wildcard_id>(wildcards_.size());
  for (const auto c : members) {
    if (wildcard_of_.at(c) != no_wildcard) throw std::logic_error("a channel in two wildcards");
    wildcard_of_[c] = id;
  }
  wildcards_.push_back({std::move(name), std::move(members)});
}

std::optional<wildcard_id> channel_registry::find_wildcard(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < wildcards_.size(); ++i) {
    if (wildcards_[i].name == name) return static_cast<wildcard_id>(i);
  }
  return std::nullopt;
}

std::optional<channel_id> channel_registry::venue_ticker(instrument_id id,
                                                         venue_id venue) const noexcept {
  const std::size_t index = std::size_t{id} * venue_count + static_cast<std::size_t>(venue);
  if (index >= venue_ticker_ids_.size() || venue_ticker_ids_[index] == no_channel) {
    return std::nullopt;
  }
  return venue_ticker_ids_[index];
}

std::optional<channel_id> channel_registry::find(std::string_view name) const noexcept {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tickerd
