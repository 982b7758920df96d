#include "tickerd/market/book_channels.hpp"

#include <algorithm>
#include <utility>

#include "tickerd/market/depth_json.hpp"

namespace tickerd {
namespace {

constexpr std::size_t kept_depth = book_depths.back();

void copy_top(const book::order_book& book, book::book_side side,
              std::vector<book::book_level>& out) {
  const auto top = book.top(side, kept_depth);
  out.assign(top.begin(), top.end());
}

}  // namespace

book_channels::book_channels(const std::vector<instrument>& instruments,
                             const channel_registry& channels, publisher& out)
    : channels_(channels), out_(out), on_(channels.families().books) {
  if (!on_) return;
  symbols_.reserve(instruments.size());
  for (const auto& i : instruments) symbols_.push_back(i.symbol());
  state_.resize(instruments.size());
}

void book_channels::on_events(const market_events& events) {
  if (!on_) return;
  for (const auto& change : events.books) on_book(change);
}

void book_channels::on_book(const book_change& change) {
  if (!on_ || change.instrument >= state_.size()) return;
  const auto v = static_cast<std::size_t>(change.venue);
  if (v >= venue_count || !channels_.venue_book(change.instrument, change.venue, 0)) return;
  auto& s = state_[change.instrument];
  auto& venue = s.venues[v];
  const auto mark_composed = [&](depth_mask depths) {
    if (!venue.fresh || depths == 0) return;
    if (s.composed_due == 0) due_.push_back(change.instrument);
    s.composed_due = static_cast<depth_mask>(s.composed_due | depths);
  };
  venue.recv_ts_us = change.recv_ts_us;
  if (change.state != book_state::ready || change.book == nullptr) {
    if (venue.last == published::resyncing) return;  // stated once
    venue.last = published::resyncing;
    venue.bids.clear();
    venue.asks.clear();
    venue.update_id = 0;
    venue.exchange_ts_us = change.exchange_ts_us;
    publish_venue(change.instrument, change.venue, all_depths);
    // It leaves the composed books; a venue seen for the first time gets them stated (with
    // no venue ready yet, a composed book is `resyncing`).
    mark_composed(all_depths);
    return;
  }
  auto& book = *change.book;
  // Back from resyncing (or first seen): every depth whole, whatever the marks say.
  depth_mask depths = 0;
  for (std::size_t k = 0; k < book_depths.size(); ++k) {
    if (venue.last != published::ready || book.top_changed(book_depths[k])) {
      depths = static_cast<depth_mask>(depths | (1u << k));
    }
  }
  if (depths != 0) {
    copy_top(book, book::book_side::bid, venue.bids);
    copy_top(book, book::book_side::ask, venue.asks);
    venue.update_id = change.update_id;
    venue.exchange_ts_us = change.exchange_ts_us;
    venue.last = published::ready;
    publish_venue(change.instrument, change.venue, depths);
    mark_composed(depths);
  }
  book.mark_published();
}

void book_channels::publish_venue(instrument_id id, venue_id venue, depth_mask depths) {
  const auto& v = state_[id].venues[static_cast<std::size_t>(venue)];
  venue_book_data data;
  data.venue = venue;
  data.state = v.last == published::ready ? book_state::ready : book_state::resyncing;
  data.bids = v.bids;
  data.asks = v.asks;
  data.update_id = v.update_id;
  data.exchange_ts_us = v.exchange_ts_us;
  data.recv_ts_us = v.recv_ts_us;
  data.stale = !v.fresh;
  for (std::size_t k = 0; k < book_depths.size(); ++k) {
    if ((depths & (1u << k)) == 0) continue;
    const auto ch = channels_.venue_book(id, venue, static_cast<book_depth_index>(k));
    if (!ch) continue;
    buffer_.clear();
    encode_venue_book(buffer_, symbols_[id], book_depths[k], data);
    out_.publish(*ch, buffer_);
  }
}

void book_channels::flush() {
  for (const auto id : due_) {
    auto& s = state_[id];
    compose_due(id, s.composed_due);
    s.composed_due = 0;
  }
  due_.clear();
}

void book_channels::compose_due(instrument_id id, depth_mask depths) {
  auto& s = state_[id];
  views_.clear();
  for (std::size_t v = 0; v < venue_count; ++v) {
    const auto& venue = s.venues[v];
    // Resyncing and stale venues are out: a composed book is only ever made of books their
    // venue's rule accepts now.
    if (venue.last != published::ready || !venue.fresh) continue;
    views_.push_back(
        {static_cast<venue_id>(v), venue.bids, venue.asks, venue.exchange_ts_us, venue.recv_ts_us});
  }
  // One merge at the deepest depth due: the shallower ones are its prefixes.
  std::size_t deepest = 0;
  for (std::size_t k = 0; k < book_depths.size(); ++k) {
    if ((depths & (1u << k)) != 0) deepest = book_depths[k];
  }
  compose_book(views_, deepest, composed_);
  for (std::size_t k = 0; k < book_depths.size(); ++k) {
    if ((depths & (1u << k)) == 0) continue;
    const auto ch = channels_.book(id, static_cast<book_depth_index>(k));
    if (!ch) continue;
    // Only when what a client of this depth sees changed (a new time alone is no change).
    if (s.composed_published && same_top(composed_, s.composed, book_depths[k])) continue;
    buffer_.clear();
    encode_composed_book(buffer_, symbols_[id], book_depths[k], composed_);
    out_.publish(*ch, buffer_);
  }
  // A member's top N changing means its top M >= N changed: the deepest depth due is always
  // book50 after a change, so the merge kept holds every depth's levels.
  // (Were it not, the next merge would be compared with nothing.)
  s.composed_published = deepest == kept_depth;
  if (s.composed_published) std::swap(s.composed, composed_);
}

void book_channels::on_venue_fresh(venue_id venue, bool fresh) {
  if (!on_) return;
  const auto v = static_cast<std::size_t>(venue);
  if (v >= venue_count) return;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    auto& s = state_[i];
    auto& vs = s.venues[v];
    if (vs.fresh == fresh) continue;
    vs.fresh = fresh;
    if (vs.last != published::ready) continue;  // a resyncing book is stated already
    const auto id = static_cast<instrument_id>(i);
    publish_venue(id, venue, all_depths);
    if (s.composed_due == 0) due_.push_back(id);
    s.composed_due = all_depths;
  }
}

}  // namespace tickerd
