#include "tickerd/market/book/book_sync.hpp"

#include <utility>

#include "tickerd/market/book/kraken_checksum.hpp"

namespace tickerd::book {

std::string_view to_string(book_status s) noexcept {
  switch (s) {
    case book_status::connecting:
      return "connecting";
    case book_status::ready:
      return "ready";
    case book_status::resyncing:
      return "resyncing";
  }
  return "unknown";
}

std::string_view to_string(resync_reason r) noexcept {
  switch (r) {
    case resync_reason::gap:
      return "gap";
    case resync_reason::checksum:
      return "checksum";
    case resync_reason::crossed:
      return "crossed";
    case resync_reason::stale_snapshot:
      return "stale_snapshot";
    case resync_reason::out_of_order:
      return "out_of_order";
  }
  return "unknown";
}

std::string_view to_string(rebuild_action a) noexcept {
  switch (a) {
    case rebuild_action::none:
      return "none";
    case rebuild_action::resubscribe:
      return "resubscribe";
    case rebuild_action::fetch_snapshot:
      return "fetch_snapshot";
  }
  return "unknown";
}

book_sync::book_sync(venue_id venue, sync_options options)
    : venue_(venue), options_(options), book_(options.depth) {}

void book_sync::reset() {
  book_.clear();
  buffer_.clear();
  id_ = 0;
  status_ = book_status::connecting;
  action_pending_ = false;
  first_delta_ = true;
  touch_.reset();
}

sync_result book_sync::on_message(const book_message& m) {
  if (m.kind == book_msg_kind::touch) return on_touch(m);
  // Bybit: "u = 1" is a snapshot sent after a service restart, whatever its type says.
  if (m.kind == book_msg_kind::snapshot || (venue_ == venue_id::bybit && m.last_id == 1)) {
    return on_snapshot(m);
  }
  return on_delta(m);
}

sync_result book_sync::lose(resync_reason reason, rebuild_action action) {
  book_.clear();
  buffer_.clear();
  id_ = 0;
  status_ = book_status::resyncing;
  action_pending_ = action != rebuild_action::none;
  touch_.reset();
  ++counters_.resyncs[static_cast<std::size_t>(reason)];
  return {sync_outcome::resync, reason, action};
}

sync_result book_sync::buffer(const book_message& m) {
  if (buffer_.size() >= options_.max_buffered && !buffer_.empty()) buffer_.erase(buffer_.begin());
  buffer_.push_back(m);
  ++counters_.messages_buffered;
  sync_result r{sync_outcome::buffered, resync_reason::gap, rebuild_action::none};
  if (!action_pending_) {
    action_pending_ = true;
    r.action = rebuild_action::fetch_snapshot;
  }
  return r;
}

sync_result book_sync::waiting_for_snapshot() {
  // Binance and OKX join a REST snapshot to buffered deltas; the others always send a snapshot
  // first, so a delta with no book is out of order once, then ignored until the rebuild.
  if (venue_ == venue_id::binance || venue_ == venue_id::okx) return {};
  if (action_pending_) {
    ++counters_.messages_ignored;
    return {};
  }
  return lose(resync_reason::out_of_order, rebuild_action::resubscribe);
}

sync_result book_sync::after_change(const book_message& m) {
  if (venue_ == venue_id::kraken && m.has_checksum) {
    std::uint32_t mine = 0;
    if (!kraken_checksum(book_, options_.price_precision, options_.qty_precision, mine) ||
        mine != m.checksum) {
      return lose(resync_reason::checksum, rebuild_action::resubscribe);
    }
  }
  if (book_.crossed()) return lose(resync_reason::crossed, default_action());
  status_ = book_status::ready;
  ++counters_.messages_applied;
  return {sync_outcome::applied, resync_reason::gap, rebuild_action::none};
}

sync_result book_sync::on_snapshot(const book_message& m) {
  if (venue_ == venue_id::binance) return join_rest_snapshot(m);
  book_.apply_snapshot(m.bids, m.asks);
  id_ = m.last_id;
  buffer_.clear();
  action_pending_ = false;
  first_delta_ = true;
  touch_.reset();
  ++counters_.snapshots;
  return after_change(m);
}

sync_result book_sync::apply_delta(const book_message& m) {
  book_.begin_message(m.bids.size(), m.asks.size());
  for (const book_level& l : m.bids) book_.apply(book_side::bid, l.price, l.size);
  for (const book_level& l : m.asks) book_.apply(book_side::ask, l.price, l.size);
  book_.end_message();
  counters_.level_changes += m.changes();
  id_ = m.last_id;
  first_delta_ = false;
  return after_change(m);
}

sync_result book_sync::on_delta(const book_message& m) {
  if (status_ != book_status::ready) {
    if (venue_ == venue_id::binance || venue_ == venue_id::okx) return buffer(m);
    return waiting_for_snapshot();
  }
  switch (venue_) {
    case venue_id::binance: {
      if (m.last_id < id_) {
        ++counters_.messages_ignored;
        return {};
      }
      const bool gap = m.first_id > id_ + 1 || (m.has_prev && !first_delta_ && m.prev_id != id_);
      if (gap) {
        sync_result r = lose(resync_reason::gap, rebuild_action::fetch_snapshot);
        buffer_.push_back(m);  // the first event of the new process
        ++counters_.messages_buffered;
        return r;
      }
      return apply_delta(m);
    }
    case venue_id::okx:
      if (m.has_prev && m.prev_id == id_) return apply_delta(m);
      if (m.has_prev && m.prev_id < id_ && m.last_id <= id_) {
        ++counters_.messages_ignored;  // a duplicate of what the book already holds
        return {};
      }
      return lose(resync_reason::gap, rebuild_action::resubscribe);
    case venue_id::bybit:
      if (m.last_id <= id_) {
        ++counters_.messages_ignored;
        return {};
      }
      if (m.last_id != id_ + 1) return lose(resync_reason::gap, rebuild_action::resubscribe);
      return apply_delta(m);
    case venue_id::kraken:
      return apply_delta(m);
    case venue_id::coinbase: {
      const sync_result r = apply_delta(m);
      if (r.outcome != sync_outcome::applied || touch_.on_update(m, book_)) return r;
      --counters_.messages_applied;  // counted by apply_delta, then found missing one before
      return lose(resync_reason::gap, rebuild_action::resubscribe);
    }
  }
  return {};
}

sync_result book_sync::on_touch(const book_message& m) {
  if (venue_ == venue_id::coinbase && status_ == book_status::ready) touch_.on_ticker(m);
  return {};
}

sync_result book_sync::on_rest_snapshot(const book_message& snapshot) {
  if (venue_ != venue_id::binance && venue_ != venue_id::okx) return {};
  return join_rest_snapshot(snapshot);
}

sync_result book_sync::join_rest_snapshot(const book_message& s) {
  if (status_ == book_status::ready) {
    ++counters_.messages_ignored;  // not asked for: the book is already synchronised
    return {};
  }
  if (!buffer_.empty()) {
    const book_message& first = buffer_.front();
    const bool stale = venue_ == venue_id::binance ? s.last_id < first.first_id
                                                   : first.has_prev && s.last_id < first.prev_id;
    if (stale) {
      status_ = book_status::resyncing;
      action_pending_ = true;
      ++counters_.resyncs[static_cast<std::size_t>(resync_reason::stale_snapshot)];
      return {sync_outcome::resync, resync_reason::stale_snapshot, rebuild_action::fetch_snapshot};
    }
  }
  book_.apply_snapshot(s.bids, s.asks);
  id_ = s.last_id;
  action_pending_ = false;
  first_delta_ = true;
  touch_.reset();
  ++counters_.snapshots;
  sync_result result = after_change(s);
  std::vector<book_message> pending;
  pending.swap(buffer_);
  bool joined = false;
  for (const book_message& m : pending) {
    if (m.last_id <= s.last_id) continue;  // already in the snapshot
    if (status_ != book_status::ready) {
      // Lost on the way (crossed, or a gap among the buffered events): keep the rest for the
      // next snapshot, in order.
      buffer_.push_back(m);
      continue;
    }
    if (venue_ == venue_id::okx && !joined) {
      // OKX's joining rule: prevSeqId <= snapshot seqId < seqId.
      joined = true;
      if (!(m.has_prev && m.prev_id <= id_)) {
        result = lose(resync_reason::gap, rebuild_action::fetch_snapshot);
        buffer_.push_back(m);
        continue;
      }
      result = apply_delta(m);
      continue;
    }
    result = on_delta(m);
  }
  return result;
}

}  // namespace tickerd::book
