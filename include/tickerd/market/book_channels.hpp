// Publishes the depth channels from the feeds' book changes (market_events::books): each
// venue's `book<N>.<BASE>-<QUOTE>@<venue>` and the venues' books composed,
// `book<N>.<BASE>-<QUOTE>`, for N in book_depths (1, 10, 20, 50). Lives on the ingest thread
// beside market_streams; not thread-safe by design.
//
// A venue channel of depth N is published from a book_change only when that book's top N
// changed since the last publish (order_book::top_changed), encoded once (market/depth_json),
// then the book is marked published. A book that turns `resyncing` is published once as a
// stated empty book with that status, never as the levels it had; when it is ready again every
// depth is published whole.
//
// The top 50 of each venue book is copied here on each change (at most 4.8 KB): the composed
// book merges venues whose feeds had their frames at other times, and a feed's book is only
// promised valid until that feed's next frame. The composed channels are published once per
// ingest turn, by flush(), for the depths whose top changed at any member: five venues' frames
// in one turn are one merge, not five. A composed depth whose levels (and venues) came out as
// last published is not published again: a change at a venue's 5th level is often beyond the
// composed top 10.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/market_events.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/book/order_book.hpp"
#include "tickerd/market/composed_book.hpp"

namespace tickerd {

class book_channels {
 public:
  // Channels exist when `channels` has books turned on; none otherwise.
  book_channels(const std::vector<instrument>& instruments, const channel_registry& channels,
                publisher& out);

  // One upstream frame's changed books (its other events go to market_streams).
  void on_events(const market_events& events);
  void on_book(const book_change& change);

  // Composed books are due: the caller runs flush() when the turn ends.
  bool has_pending() const noexcept { return !due_.empty(); }
  void flush();

  // The venue's feed went down/stale (false) or came back up (true): its ready books are
  // published again with `stale`, and it leaves (or rejoins) every composed book.
  void on_venue_fresh(venue_id venue, bool fresh);

  bool enabled() const noexcept { return on_; }

 private:
  enum class published : std::uint8_t { nothing, ready, resyncing };
  struct venue_state {
    std::vector<book::book_level> bids;  // the top book_depths.back() levels, best first
    std::vector<book::book_level> asks;
    std::uint64_t update_id = 0;
    std::int64_t exchange_ts_us = 0;
    std::int64_t recv_ts_us = 0;
    published last = published::nothing;
    bool fresh = true;
  };
  using depth_mask = std::uint8_t;  // bit k: book_depths[k]
  static constexpr depth_mask all_depths = (1u << book_depths.size()) - 1;
  struct instrument_state {
    std::array<venue_state, venue_count> venues;
    depth_mask composed_due = 0;  // composed depths to publish at flush()
    composed_book composed;       // as last published (merged at the deepest depth due)
    bool composed_published = false;
  };

  void publish_venue(instrument_id id, venue_id venue, depth_mask depths);
  void compose_due(instrument_id id, depth_mask depths);

  const channel_registry& channels_;
  publisher& out_;
  bool on_ = false;
  std::vector<std::string> symbols_;
  std::vector<instrument_state> state_;
  std::vector<instrument_id> due_;  // instruments with composed_due set
  std::vector<venue_book_view> views_;
  composed_book composed_;
  std::string buffer_;
};

}  // namespace tickerd
