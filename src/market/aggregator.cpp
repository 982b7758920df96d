#include "tickerd/market/aggregator.hpp"

#include <bit>

namespace tickerd {
namespace {

venue_mask bit(venue_id v) {
  return static_cast<venue_mask>(1u << static_cast<unsigned>(v));
}

void merge(tick& into, const tick& t) {
  const auto take = [&](tick_field f, decimal tick::*m) {
    if (t.has(f)) into.*m = t.*m;
  };
  take(tf_last, &tick::last);
  take(tf_open, &tick::open_24h);
  take(tf_high, &tick::high_24h);
  take(tf_low, &tick::low_24h);
  take(tf_volume_base, &tick::volume_base);
  take(tf_volume_quote, &tick::volume_quote);
  take(tf_bid, &tick::bid);
  take(tf_ask, &tick::ask);
  take(tf_bid_qty, &tick::bid_qty);
  take(tf_ask_qty, &tick::ask_qty);
  take(tf_change_pct, &tick::venue_change_pct);
  into.fields |= t.fields;
  into.venue = t.venue;
  into.instrument = t.instrument;
  if (t.exchange_ts_us > into.exchange_ts_us) into.exchange_ts_us = t.exchange_ts_us;
  into.recv_ts_us = t.recv_ts_us;
}

// Equal in everything a client sees except the receive time.
bool same_state(const tick& a, const tick& b) {
  const auto eq = [&](decimal tick::*m) { return (a.*m).identical(b.*m); };
  return a.fields == b.fields && a.exchange_ts_us == b.exchange_ts_us && eq(&tick::last) &&
         eq(&tick::open_24h) && eq(&tick::high_24h) && eq(&tick::low_24h) &&
         eq(&tick::volume_base) && eq(&tick::volume_quote) && eq(&tick::bid) && eq(&tick::ask) &&
         eq(&tick::bid_qty) && eq(&tick::ask_qty) && eq(&tick::venue_change_pct);
}

}  // namespace

aggregator::aggregator(const std::vector<instrument>& instruments, const channel_registry& channels,
                       publisher& out, compose_options options)
    : instruments_(instruments),
      channels_(channels),
      out_(out),
      options_(options),
      state_(instruments.size()),
      composite_venues_(std::make_unique<std::atomic<std::uint32_t>[]>(instruments.size())) {
  symbols_.reserve(instruments.size());
  for (const auto& i : instruments) symbols_.push_back(i.symbol());
}

void aggregator::on_ticks(std::span<const tick> ticks) {
  for (const auto& t : ticks) {
    if (t.instrument >= state_.size()) continue;
    auto& s = state_[t.instrument];
    auto& current = s.by_venue[static_cast<std::size_t>(t.venue)];
    const bool known = (s.present & bit(t.venue)) != 0;
    // An older event, or the same event seen again (e.g. by both connections around a planned
    // reconnect), changes nothing and publishes nothing.
    // Only ticker-type updates (carrying a last price) are ordered this way: a venue's separate
    // book stream (Bybit's orderbook.1) may be stamped a little before its latest ticker.
    if (known && t.has(tf_last) && t.exchange_ts_us != 0 &&
        t.exchange_ts_us < current.exchange_ts_us) {
      continue;
    }
    const tick before = current;
    merge(current, t);
    if (known && same_state(before, current)) continue;
    s.present |= bit(t.venue);
    s.dirty_venues |= bit(t.venue);
    if (!s.dirty) {
      s.dirty = true;
      dirty_.push_back(t.instrument);
    }
  }
  for (const auto id : dirty_) {
    auto& s = state_[id];
    s.dirty = false;
    for (std::size_t v = 0; v < venue_count; ++v) {
      if ((s.dirty_venues & (1u << v)) != 0) publish_venue(id, static_cast<venue_id>(v));
    }
    s.dirty_venues = 0;
    publish(id);
  }
  dirty_.clear();
}

void aggregator::on_venue_fresh(venue_id venue, bool fresh) {
  const auto b = bit(venue);
  const bool was_fresh = (fresh_ & b) != 0;
  if (was_fresh == fresh) return;
  fresh_ = static_cast<venue_mask>(fresh ? (fresh_ | b) : (fresh_ & ~b));
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if ((state_[i].present & b) == 0) continue;
    publish_venue(static_cast<instrument_id>(i), venue);
    publish(static_cast<instrument_id>(i));
  }
}

const tick* aggregator::venue_tick(instrument_id instrument, venue_id venue) const {
  if (instrument >= state_.size()) return nullptr;
  const auto& s = state_[instrument];
  if ((s.present & bit(venue)) == 0) return nullptr;
  return &s.by_venue[static_cast<std::size_t>(venue)];
}

void aggregator::publish(instrument_id id) {
  const auto& s = state_[id];
  std::array<tick, venue_count> inputs;
  std::size_t n = 0;
  // Fresh venues make the composite; when none is fresh, the last known values are shown
  // and marked stale rather than withdrawn.
  auto use = static_cast<venue_mask>(s.present & fresh_);
  const bool stale = use == 0;
  if (stale) use = s.present;
  for (std::size_t v = 0; v < venue_count; ++v) {
    if ((use & (1u << v)) != 0) inputs[n++] = s.by_venue[v];
  }
  if (n == 0) return;
  auto c = compose(std::span<const tick>(inputs.data(), n), options_);
  c.stale = stale;
  composite_venues_[id].store(stale ? 0 : static_cast<std::uint32_t>(std::popcount(c.venues)),
                              std::memory_order_relaxed);
  buffer_.clear();
  encode_ticker(buffer_, symbols_[id], c);
  out_.publish(channels_.ticker(id), buffer_);
  state_[id].last = c;
  state_[id].published = true;
}

const composite_ticker* aggregator::last_composite(instrument_id instrument) const {
  if (instrument >= state_.size() || !state_[instrument].published) return nullptr;
  return &state_[instrument].last;
}

void aggregator::publish_venue(instrument_id id, venue_id venue) {
  const auto channel = channels_.venue_ticker(id, venue);
  if (!channel) return;
  const tick& t = state_[id].by_venue[static_cast<std::size_t>(venue)];
  auto c = compose(std::span<const tick>(&t, 1), compose_options{0});
  c.stale = (fresh_ & bit(venue)) == 0;
  buffer_.clear();
  encode_venue_ticker(buffer_, symbols_[id], venue, c);
  out_.publish(*channel, buffer_);
}

}  // namespace tickerd
