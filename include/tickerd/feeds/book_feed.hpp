// book_feed: the venue books of one feed connection. One job: keep a book::book_sync per
// configured symbol, feed it the depth stream's frames (parsed by the venue's book_parser), tell
// the market layer what changed (book_change), and say what the venue's rebuild needs: frames
// to send on the connection (resubscribe) and REST snapshots to fetch. It does no I/O itself:
// feed_session sends the frames and runs the HTTP GETs, so this is tested on bytes alone.
//
// Runs on the ingest thread, like the feed_session that owns it. Counters go to the feed's
// feed_stats (relaxed atomics read by /v1/feeds, the status channel and /metrics).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/book_change.hpp"
#include "tickerd/core/instrument.hpp"
#include "tickerd/core/venue.hpp"
#include "tickerd/feeds/feed_stats.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd {

namespace book {
class book_sync;
}

// A REST depth snapshot the venue's rule asks for (Binance), to GET on the feed's REST base.
struct book_snapshot_request {
  std::string symbol;  // the venue's spelling, to hand back with the answer
  std::string target;  // path and query ("/api/v3/depth?symbol=BTCUSDT&limit=1000")
};

class book_feed {
 public:
  // A failed snapshot request is asked again no sooner than this after its failure.
  static constexpr std::int64_t snapshot_retry_us = 1'000'000;

  book_feed(venue_id venue, const symbol_map& symbols, feed_stats& stats);
  ~book_feed();
  book_feed(const book_feed&) = delete;
  book_feed& operator=(const book_feed&) = delete;

  venue_id venue() const noexcept { return venue_; }

  // Whether the frame belongs to the depth stream (or to Kraken's `instrument` channel): a
  // look at the frame's head for the venue's channel name, so the other frames pay nothing.
  bool claims(std::string_view frame) const noexcept;

  // Whether a frame of another channel also states the books' top (Coinbase's `ticker`, which
  // the book needs to notice a lost l2update): the adapter reads it as usual, then on_frame
  // checks the books against it.
  bool checks(std::string_view frame) const noexcept;

  // Whether a claimed frame carries book messages (not an ack): parses it without applying it,
  // for a rollover's replacement connection, which takes over at its first data.
  bool carries_data(std::string_view frame);

  // One claimed frame: parsed, applied to each symbol's book, one book_change appended to
  // `out` per symbol whose book or state changed. `control` is set for acks and the like.
  feed_errc on_frame(std::string_view frame, std::int64_t recv_ts_us, std::vector<book_change>& out,
                     bool& control);

  // The answer to a book_snapshot_request: its body (HTTP 200), or a failure (nullptr body).
  void on_snapshot(std::string_view symbol, const std::string* body, std::int64_t recv_ts_us,
                   std::vector<book_change>& out);

  // The connection ended (or a new one starts): every book is gone until its snapshot. A book
  // that was ready is reported resyncing.
  void on_connection_lost(std::int64_t recv_ts_us, std::vector<book_change>& out);

  // The rebuild work the last calls asked for; moved out (the lists are left empty).
  void take_frames(std::vector<std::string>& out);
  void take_snapshot_requests(std::vector<book_snapshot_request>& out);
  // The books lost since the last call, each as "<symbol> (<reason>)", for the feed's log.
  void take_resyncs(std::vector<std::string>& out);

  // For tests and tools: a symbol's sync (null when not configured).
  const book::book_sync* sync(std::string_view symbol) const;

 private:
  struct impl;
  venue_id venue_;
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd
