#include "tickerd/hub/channel_registry.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace tickerd {

namespace {
constexpr channel_id no_channel = ~channel_id{0};

std::optional<channel_id> at(const std::vector<channel_id>& ids, std::size_t index) noexcept {
  if (index >= ids.size() || ids[index] == no_channel) return std::nullopt;
  return ids[index];
}

std::size_t venue_slot(instrument_id id, venue_id venue) noexcept {
  return std::size_t{id} * venue_count + static_cast<std::size_t>(venue);
}

}  // namespace

channel_registry::channel_registry(const std::vector<instrument>& instruments,
                                   std::span<const venue_id> venues, channel_families families)
    : venue_ticker_ids_(instruments.size() * venue_count, no_channel), families_(families) {
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
  // The families come after every channel that exists without them: turning one on changes
  // no other channel's id.
  if (families.trades) {
    add_family(channel_kind::trades, channel_kind::venue_trades, "trades", instruments, venues, 1,
               trades_ids_, venue_trades_ids_);
  }
  if (families.bbo) {
    add_family(channel_kind::bbo, channel_kind::venue_bbo, "bbo", instruments, venues, 1, bbo_ids_,
               venue_bbo_ids_);
  }
  if (families.candles) {
    add_family(channel_kind::candles, channel_kind::venue_candles, "candles", instruments, venues,
               candle_interval_names.size(), candle_ids_, venue_candle_ids_);
  }
  if (families.books) {
    for (std::size_t k = 0; k < book_depths.size(); ++k) {
      const auto first = channels_.size();
      add_family(channel_kind::book, channel_kind::venue_book,
                 "book" + std::to_string(book_depths[k]), instruments, venues, 1, book_ids_[k],
                 venue_book_ids_[k]);
      for (auto c = first; c < channels_.size(); ++c) {
        channels_[c].depth = static_cast<book_depth_index>(k);
      }
    }
  }
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    by_name_.emplace(channels_[i].name, static_cast<channel_id>(i));
  }
  wildcard_of_.assign(channels_.size(), no_wildcard);
  add_wildcard(std::string(ticker_wildcard), ticker_ids_);
  if (families.venue_ticker_wildcards) {
    add_family_wildcards("ticker", {}, venue_ticker_ids_, venues, false);
  }
  if (families.trades) add_family_wildcards("trades", trades_ids_, venue_trades_ids_, venues, true);
  if (families.bbo) add_family_wildcards("bbo", bbo_ids_, venue_bbo_ids_, venues, true);
  // Candles have none: see docs/PROTOCOL.md (a candle channel is one chart's series). Nor do
  // books: a wildcard over every book would be the biggest subscription a client could ask for.
}

void channel_registry::add_family(channel_kind consolidated, channel_kind per_venue,
                                  std::string_view prefix,
                                  const std::vector<instrument>& instruments,
                                  std::span<const venue_id> venues, std::size_t intervals,
                                  std::vector<channel_id>& ids,
                                  std::vector<channel_id>& venue_ids) {
  const bool by_interval = consolidated == channel_kind::candles;
  const auto suffix = [&](std::size_t k) {
    return by_interval ? "." + std::string(candle_interval_names[k]) : std::string();
  };
  ids.assign(instruments.size() * intervals, no_channel);
  venue_ids.assign(instruments.size() * venue_count * intervals, no_channel);
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto inst = static_cast<instrument_id>(i);
    const std::string base = std::string(prefix) + "." + instruments[i].symbol();
    for (std::size_t k = 0; k < intervals; ++k) {
      ids[i * intervals + k] = static_cast<channel_id>(channels_.size());
      channels_.push_back({base + suffix(k), consolidated, inst, venue_id::binance,
                           static_cast<candle_interval_index>(k)});
    }
    for (const venue_id v : venues) {
      const std::size_t slot = venue_slot(inst, v) * intervals;
      if (venue_ids[slot] != no_channel) continue;  // a venue listed twice
      for (std::size_t k = 0; k < intervals; ++k) {
        venue_ids[slot + k] = static_cast<channel_id>(channels_.size());
        channels_.push_back({base + "@" + std::string(to_string(v)) + suffix(k), per_venue, inst, v,
                             static_cast<candle_interval_index>(k)});
      }
    }
  }
}

void channel_registry::add_family_wildcards(std::string_view prefix,
                                            const std::vector<channel_id>& ids,
                                            const std::vector<channel_id>& venue_ids,
                                            std::span<const venue_id> venues, bool consolidated) {
  if (consolidated) add_wildcard(std::string(prefix) + ".*", ids);
  const std::size_t instruments = venue_ids.size() / venue_count;
  std::array<bool, venue_count> done{};
  for (const venue_id v : venues) {
    if (std::exchange(done[static_cast<std::size_t>(v)], true)) continue;
    std::vector<channel_id> members;
    for (std::size_t i = 0; i < instruments; ++i) {
      const auto id = venue_ids[venue_slot(static_cast<instrument_id>(i), v)];
      if (id != no_channel) members.push_back(id);
    }
    add_wildcard(std::string(prefix) + ".*@" + std::string(to_string(v)), std::move(members));
  }
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
  return at(venue_ticker_ids_, venue_slot(id, venue));
}

std::optional<channel_id> channel_registry::trades(instrument_id id) const noexcept {
  return at(trades_ids_, id);
}

std::optional<channel_id> channel_registry::venue_trades(instrument_id id,
                                                         venue_id venue) const noexcept {
  return at(venue_trades_ids_, venue_slot(id, venue));
}

std::optional<channel_id> channel_registry::bbo(instrument_id id) const noexcept {
  return at(bbo_ids_, id);
}

std::optional<channel_id> channel_registry::venue_bbo(instrument_id id,
                                                      venue_id venue) const noexcept {
  return at(venue_bbo_ids_, venue_slot(id, venue));
}

std::optional<channel_id> channel_registry::candles(instrument_id id,
                                                    candle_interval_index interval) const noexcept {
  if (interval >= candle_interval_names.size()) return std::nullopt;
  return at(candle_ids_, std::size_t{id} * candle_interval_names.size() + interval);
}

std::optional<channel_id> channel_registry::venue_candles(
    instrument_id id, venue_id venue, candle_interval_index interval) const noexcept {
  if (interval >= candle_interval_names.size()) return std::nullopt;
  return at(venue_candle_ids_, venue_slot(id, venue) * candle_interval_names.size() + interval);
}

std::optional<channel_id> channel_registry::book(instrument_id id,
                                                 book_depth_index depth) const noexcept {
  if (depth >= book_depths.size()) return std::nullopt;
  return at(book_ids_[depth], id);
}

std::optional<channel_id> channel_registry::venue_book(instrument_id id, venue_id venue,
                                                       book_depth_index depth) const noexcept {
  if (depth >= book_depths.size()) return std::nullopt;
  return at(venue_book_ids_[depth], venue_slot(id, venue));
}

std::optional<channel_id> channel_registry::find(std::string_view name) const noexcept {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tickerd
