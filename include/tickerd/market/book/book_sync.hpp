// The per-venue rule that turns a venue's book messages, in arrival order, into a book that
// rule accepts, or into `resyncing` with the reason. Pure: no I/O, no clock. It owns the book,
// and tells the caller what the venue's way of rebuilding needs (resubscribe, fetch the REST
// snapshot); the caller does it and feeds the result back.
//
//   Binance  diff depth + REST snapshot, as documented since 2024-12 ("How to manage a local
//            order book correctly", developers.binance.com, spot WebSocket Streams): buffer the
//            events; fetch a snapshot; a snapshot whose lastUpdateId < the first buffered U is
//            stale (fetch again); drop buffered events with u <= lastUpdateId; then for each
//            event: u < the book's id -> ignore; U > id + 1 -> gap (restart); else apply and
//            set id = u. A `pu` (futures streams) must equal id.
//   OKX      `books`: a snapshot starts the book; each update's prevSeqId must equal the
//            previous seqId (else gap: resubscribe). The checksum is not verified (fixed at 0
//            since 2026-06-23). When updates arrive with no snapshot (OKX's announced delisting
//            of the initial snapshot), a REST snapshot is asked for and joined by OKX's rule:
//            drop updates with seqId <= snapshot seqId; the first must have prevSeqId <=
//            snapshot seqId < seqId; a snapshot older than the first prevSeqId is stale.
//   Bybit    `orderbook.50`: a snapshot (or any message with u = 1, sent after a service
//            restart) replaces the book; a delta's u must be the previous u + 1 (u <= previous:
//            a stale duplicate, ignored; more: gap, resubscribe).
//   Kraken   v2 `book`: snapshot then updates, the book cut to the subscribed depth after each
//            message, then the CRC32 of the top 10 compared with the message's (mismatch:
//            resubscribe). Precisions come from the `instrument` channel.
//   Coinbase Exchange `level2_batch`: snapshot then l2updates; no sequence number exists on
//            this channel, so a lost l2update shows only as a book the venue's own `ticker`
//            contradicts once an l2update stamped after that ticker is applied
//            (coinbase_touch.hpp): a gap (resubscribe). A delta before any snapshot is out of
//            order.
//   Every venue: a book that ends a message crossed (best bid >= best ask) is resynced.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tickerd/core/venue.hpp"
#include "tickerd/market/book/book_message.hpp"
#include "tickerd/market/book/coinbase_touch.hpp"
#include "tickerd/market/book/order_book.hpp"

namespace tickerd::book {

enum class book_status : std::uint8_t {
  connecting,  // no book yet on this connection: waiting for the first snapshot
  ready,       // the book is what the venue's rule accepts
  resyncing,   // the book was lost (gap, checksum, crossed, stale snapshot) and is being rebuilt
};
std::string_view to_string(book_status s) noexcept;

enum class resync_reason : std::uint8_t {
  gap,             // a sequence/update id skipped
  checksum,        // the venue's checksum disagrees with the book (Kraken)
  crossed,         // best bid >= best ask after a message
  stale_snapshot,  // a REST snapshot older than the first buffered event
  out_of_order,    // a delta before any snapshot where the venue always sends one first
};
inline constexpr std::size_t resync_reason_count = 5;
std::string_view to_string(resync_reason r) noexcept;

enum class rebuild_action : std::uint8_t {
  none,
  resubscribe,     // unsubscribe and subscribe the book again (a fresh snapshot follows)
  fetch_snapshot,  // GET the venue's REST depth snapshot and pass it to on_rest_snapshot
};
std::string_view to_string(rebuild_action a) noexcept;

enum class sync_outcome : std::uint8_t {
  applied,   // the book changed (or a snapshot replaced it) and is ready
  buffered,  // kept until the snapshot it needs arrives
  ignored,   // stale or duplicate, or nothing to do while rebuilding
  resync,    // the book is resyncing: see reason and action
};

struct sync_result {
  sync_outcome outcome = sync_outcome::ignored;
  resync_reason reason = resync_reason::gap;  // meaningful when outcome == resync
  rebuild_action action = rebuild_action::none;
};

struct sync_counters {
  std::array<std::uint64_t, resync_reason_count> resyncs{};  // by resync_reason
  std::uint64_t messages_applied = 0;
  std::uint64_t messages_ignored = 0;
  std::uint64_t messages_buffered = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t level_changes = 0;  // levels applied from deltas
  std::uint64_t of(resync_reason r) const noexcept { return resyncs[static_cast<std::size_t>(r)]; }
};

struct sync_options {
  std::size_t depth = order_book::default_capacity;  // levels kept a side (Kraken: subscribed)
  std::size_t max_buffered = 512;                    // messages held while awaiting a snapshot
  int price_precision = -1;  // Kraken checksum precisions; -1: as each value was written
  int qty_precision = -1;
};

class book_sync {
 public:
  book_sync(venue_id venue, sync_options options = {});

  // A message from the venue's depth stream, in arrival order (Coinbase: and its `ticker`s,
  // kind touch, which never change the book).
  sync_result on_message(const book_message& m);
  // A REST depth snapshot (Binance; OKX without a WebSocket snapshot) the caller fetched.
  sync_result on_rest_snapshot(const book_message& snapshot);
  // Kraken's precisions for this pair, from the `instrument` channel.
  void set_precision(int price_precision, int qty_precision) noexcept {
    options_.price_precision = price_precision;
    options_.qty_precision = qty_precision;
  }
  // A new connection: the book is gone until its snapshot; counters are kept.
  void reset();

  venue_id venue() const noexcept { return venue_; }
  book_status status() const noexcept { return status_; }
  bool ready() const noexcept { return status_ == book_status::ready; }
  const order_book& book() const noexcept { return book_; }
  order_book& book() noexcept { return book_; }  // for mark_published()
  std::int64_t update_id() const noexcept { return id_; }
  const sync_counters& counters() const noexcept { return counters_; }
  std::size_t buffered() const noexcept { return buffer_.size(); }

 private:
  sync_result on_snapshot(const book_message& m);
  sync_result on_delta(const book_message& m);
  sync_result buffer(const book_message& m);
  sync_result lose(resync_reason reason, rebuild_action action);
  sync_result waiting_for_snapshot();
  sync_result join_rest_snapshot(const book_message& snapshot);
  // Applies a delta's levels (and, for Kraken, cuts and checks); the verdict on the result.
  sync_result apply_delta(const book_message& m);
  sync_result after_change(const book_message& m);
  sync_result on_touch(const book_message& m);
  rebuild_action default_action() const noexcept {
    return venue_ == venue_id::binance ? rebuild_action::fetch_snapshot
                                       : rebuild_action::resubscribe;
  }

  venue_id venue_;
  sync_options options_;
  order_book book_;
  book_status status_ = book_status::connecting;
  std::int64_t id_ = 0;
  std::vector<book_message> buffer_;
  bool action_pending_ = false;  // the rebuild was asked for; do not ask again per message
  bool first_delta_ = true;      // no delta applied since the snapshot (Binance `pu` rule)
  sync_counters counters_;
  coinbase_touch touch_;  // Coinbase: the ticker waiting to be checked
};

}  // namespace tickerd::book
