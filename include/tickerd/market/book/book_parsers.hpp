// Pure parsers from one upstream text frame of a venue's depth stream to book messages, over
// simdjson On-Demand (one pass, errors as values, nothing thrown per message), in the manner of
// the venue adapters (src/feeds/venues). A parser owns only its reused buffers; it keeps no
// sequence state: the rules live in book_sync.
//
//   Binance   <sym>@depth@100ms diff depth (raw or combined stream) and the REST
//             GET /api/v3/depth snapshot ({"lastUpdateId", "bids", "asks"}).
//   OKX       `books` (action snapshot/update, seqId/prevSeqId; checksum not read: fixed at 0).
//   Bybit     `orderbook.50.<SYM>` (type snapshot/delta, u, seq).
//   Kraken    v2 `book` (type snapshot/update, checksum), and the v2 `instrument` channel's
//             price/qty precisions the checksum needs.
//   Coinbase  Exchange `level2_batch`/`level2` (snapshot, l2update): the API the repo's Coinbase
//             adapter and tickerd-sim speak (ws-feed.exchange.coinbase.com).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/venue.hpp"
#include "tickerd/feeds/venue_adapter.hpp"
#include "tickerd/market/book/book_message.hpp"

namespace tickerd::book {

// A Kraken pair's checksum precisions, from the `instrument` channel.
struct kraken_precision {
  std::string symbol;
  int price_precision = 0;
  int qty_precision = 0;
};

class book_parser {
 public:
  static constexpr std::size_t default_max_frame_bytes = 1 << 20;

  explicit book_parser(venue_id venue, std::size_t max_frame_bytes = default_max_frame_bytes);
  ~book_parser();
  book_parser(const book_parser&) = delete;
  book_parser& operator=(const book_parser&) = delete;

  venue_id venue() const noexcept { return venue_; }

  // One WebSocket frame of the venue's depth stream. On error `out` may hold partial messages:
  // callers drop them.
  feed_errc parse(std::string_view frame, book_frame& out) noexcept;

  // Binance's REST depth snapshot body; `out` becomes a snapshot with last_id = lastUpdateId.
  feed_errc parse_binance_snapshot(std::string_view body, book_message& out) noexcept;

  // Kraken v2 `instrument` channel frame: appends each pair's precisions to `out`.
  feed_errc parse_kraken_instruments(std::string_view frame,
                                     std::vector<kraken_precision>& out) noexcept;

 private:
  struct impl;
  venue_id venue_;
  std::size_t max_frame_bytes_;
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd::book
