// A venue book that changed during one upstream frame: what the feed layer, which keeps each
// venue's L2 book by that venue's own rule (book::book_sync), tells the market layer, which
// publishes the book channels and composes the venues' books. At most one per venue and
// instrument per frame, after the whole frame was applied.
//
// The book itself stays where it is kept: `book` points at the feed's own order_book, valid on
// the ingest thread until that feed's next frame. The market layer reads the top N it needs and
// calls mark_published() once it published, so the book's change marks mean "changed since the
// last publish" (order_book.hpp).
#pragma once

#include <cstdint>
#include <string_view>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/venue.hpp"

namespace tickerd {

namespace book {
class order_book;
}

enum class book_state : std::uint8_t {
  ready,      // the book is what the venue's rule accepts: publish it
  resyncing,  // lost (gap, checksum, crossed, stale snapshot) or not built yet on this
              // connection: being rebuilt; it shows no levels and leaves every composed view
};
constexpr std::string_view to_string(book_state s) noexcept {
  return s == book_state::ready ? "ready" : "resyncing";
}

struct book_change {
  venue_id venue = venue_id::binance;
  instrument_id instrument = no_instrument;
  book_state state = book_state::resyncing;
  book::order_book* book = nullptr;  // the feed's book; read it only while state == ready
  std::uint64_t update_id = 0;       // the venue's book update id after this frame; 0 = none
  std::int64_t exchange_ts_us = 0;   // the venue's event time of the last message; 0 = not sent
  std::int64_t recv_ts_us = 0;       // when tickerd read the frame
};

}  // namespace tickerd
