// One venue book message, as the venue's depth parser reads it: a snapshot or a set of level
// changes for one instrument, with the sequence fields that venue's rule checks. Everything a
// sync rule needs, nothing else; the levels are exact decimals (size 0 = delete the level).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/feeds/venue_adapter.hpp"
#include "tickerd/market/book/order_book.hpp"

namespace tickerd::book {

enum class book_msg_kind : std::uint8_t {
  snapshot,  // replaces the book
  delta,     // level changes to apply
  touch,     // the venue's own statement of its best bid and ask (Coinbase `ticker`): bids[0]
             // and asks[0], size 0 when not stated; checked against the book, never applied
};

struct book_message {
  book_msg_kind kind = book_msg_kind::delta;
  std::string symbol;  // the venue's own symbol ("BTCUSDT", "BTC-USDT", "BTC/USD")
  // Sequence fields, per venue (absent ones stay 0 / false):
  //   Binance  first_id = U, last_id = u, prev_id = pu (futures only); a REST snapshot's
  //            lastUpdateId is last_id.
  //   OKX      last_id = seqId, prev_id = prevSeqId (-1 on a snapshot).
  //   Bybit    last_id = u, cross_seq = seq.
  //   Kraken   none: checksum instead.  Coinbase (Exchange level2): none.
  std::int64_t first_id = 0;
  std::int64_t last_id = 0;
  std::int64_t prev_id = 0;
  bool has_prev = false;
  std::int64_t cross_seq = 0;
  std::uint32_t checksum = 0;  // Kraken's CRC32 (OKX's is always 0 now and is not read)
  bool has_checksum = false;
  std::int64_t exchange_ts_us = 0;
  std::vector<book_level> bids;  // in the order the venue sent them
  std::vector<book_level> asks;

  void reset() noexcept {
    kind = book_msg_kind::delta;
    symbol.clear();
    first_id = last_id = prev_id = cross_seq = exchange_ts_us = 0;
    has_prev = has_checksum = false;
    checksum = 0;
    bids.clear();
    asks.clear();
  }
  std::size_t changes() const noexcept { return bids.size() + asks.size(); }
};

// What one frame carried: zero or more book messages (Kraken and OKX may carry several
// instruments), or a control frame (subscription ack, heartbeat, pong). The messages' storage
// is reused from frame to frame; [0, count) are this frame's.
struct book_frame {
  std::vector<book_message> messages;
  std::size_t count = 0;
  bool control = false;

  void clear() noexcept {
    count = 0;
    control = false;
  }
  book_message& next() {
    if (count == messages.size()) messages.emplace_back();
    book_message& m = messages[count++];
    m.reset();
    return m;
  }
  const book_message& operator[](std::size_t i) const noexcept { return messages[i]; }
};

}  // namespace tickerd::book
