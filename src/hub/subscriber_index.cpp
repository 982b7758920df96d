#include "tickerd/hub/subscriber_index.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace tickerd {

subscriber_index::subscriber_index(std::span<const wildcard_id> wildcard_of, std::size_t wildcards)
    : wildcard_of_(wildcard_of.begin(), wildcard_of.end()),
      channel_lists_(wildcard_of.size()),
      exact_counts_(wildcard_of.size(), 0),
      wildcard_lists_(wildcards) {
  if (wildcards > channel_registry::max_wildcards) {
    throw std::invalid_argument("subscriber_index: more wildcards than bits");
  }
  for (const auto w : wildcard_of_) {
    if (w != no_wildcard && w >= wildcards) {
      throw std::invalid_argument("subscriber_index: a channel names an unknown wildcard");
    }
  }
}

subscriber_id subscriber_index::add() {
  if (!free_.empty()) {
    const subscriber_id s = free_.back();
    free_.pop_back();
    return s;
  }
  const auto s = static_cast<subscriber_id>(slots_.size());
  slots_.emplace_back();
  dirty_flags_.push_back(0);
  return s;
}

void subscriber_index::remove(subscriber_id s) {
  auto& sl = slots_[s];
  for (const auto c : sl.channels) {
    --exact_counts_[c];
    if (!covered(sl, c)) erase(channel_lists_[c], s);
  }
  for (auto bits = sl.wildcards; bits != 0; bits &= bits - 1) {
    erase(wildcard_lists_[static_cast<std::size_t>(std::countr_zero(bits))], s);
  }
  if (dirty_flags_[s] != 0) erase(dirty_, s);
  dirty_flags_[s] = 0;
  std::vector<channel_id>().swap(sl.channels);  // an idle slot holds no memory
  sl.wildcards = 0;
  (walking_ != 0 ? freed_in_walk_ : free_).push_back(s);
}

bool subscriber_index::subscribe(subscriber_id s, channel_id c) {
  auto& sl = slots_[s];
  const auto it = std::lower_bound(sl.channels.begin(), sl.channels.end(), c);
  if (it != sl.channels.end() && *it == c) return false;
  sl.channels.insert(it, c);
  ++exact_counts_[c];
  if (!covered(sl, c)) channel_lists_[c].push_back(s);
  return true;
}

bool subscriber_index::unsubscribe(subscriber_id s, channel_id c) {
  auto& sl = slots_[s];
  const auto it = std::lower_bound(sl.channels.begin(), sl.channels.end(), c);
  if (it == sl.channels.end() || *it != c) return false;
  sl.channels.erase(it);
  --exact_counts_[c];
  if (!covered(sl, c)) erase(channel_lists_[c], s);
  return true;
}

bool subscriber_index::subscribe(subscriber_id s, wildcard_id w) {
  auto& sl = slots_[s];
  const std::uint64_t bit = std::uint64_t{1} << w;
  if ((sl.wildcards & bit) != 0) return false;
  // Its exact subscriptions under w are reached through the wildcard from now on.
  for (const auto c : sl.channels) {
    if (wildcard_of_[c] == w) erase(channel_lists_[c], s);
  }
  sl.wildcards |= bit;
  wildcard_lists_[w].push_back(s);
  return true;
}

bool subscriber_index::unsubscribe(subscriber_id s, wildcard_id w) {
  auto& sl = slots_[s];
  const std::uint64_t bit = std::uint64_t{1} << w;
  if ((sl.wildcards & bit) == 0) return false;
  sl.wildcards &= ~bit;
  erase(wildcard_lists_[w], s);
  for (const auto c : sl.channels) {
    if (wildcard_of_[c] == w) channel_lists_[c].push_back(s);
  }
  return true;
}

bool subscriber_index::subscribed(subscriber_id s, channel_id c) const {
  const auto& channels = slots_[s].channels;
  return std::binary_search(channels.begin(), channels.end(), c);
}

std::size_t subscriber_index::subscription_count(subscriber_id s) const {
  return slots_[s].channels.size() + static_cast<std::size_t>(std::popcount(slots_[s].wildcards));
}

// Order in a list does not matter: outside a walk the last entry takes the place of the one
// that leaves; during one the entry is vacated, so nothing unvisited moves.
void subscriber_index::erase(list& l, subscriber_id s) {
  const auto it = std::find(l.begin(), l.end(), s);
  if (it == l.end()) return;
  if (walking_ != 0) {
    *it = vacant;
    to_compact_.push_back(&l);
    return;
  }
  *it = l.back();
  l.pop_back();
}

void subscriber_index::end_walk() {
  for (auto* l : to_compact_) std::erase(*l, vacant);
  to_compact_.clear();
  free_.insert(free_.end(), freed_in_walk_.begin(), freed_in_walk_.end());
  freed_in_walk_.clear();
}

}  // namespace tickerd
