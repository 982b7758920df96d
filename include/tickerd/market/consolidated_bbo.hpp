// The consolidated best bid and best ask of one instrument across venues (channel
// `bbo.<BASE>-<QUOTE>`), and the JSON of it and of one venue's top of book
// (`bbo.<BASE>-<QUOTE>@<venue>`), per docs/PROTOCOL.md "Bbo data". Pure: no clock, no I/O.
//
// How the ingest thread uses it: one consolidated_bbo per instrument. For each top_of_book a
// frame yields (market_events::quotes), call on_quote() and publish the venue channel; when
// on_quote() returns true, encode top() and publish the consolidated channel. When a feed's
// state changes, call on_venue_fresh() on every instrument's model (as for
// aggregator::on_venue_fresh) and publish those that return true. From the once-a-second
// timer, call expire(now_us) to drop venues whose bbo stream stalled while their feed stays
// up (the feed's other streams keep it `up`).
//
// Staleness is the composites' notion: a venue whose feed is not up leaves the consolidated
// book at once; when no venue is fresh, the last known sides are kept and marked stale rather
// than withdrawn. Quote mapping ([feeds.<venue>] quote_map) happens before this model: a
// venue's BTC-USD book arrives here already as the instrument BTC-USDT, as for tickers.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "tickerd/core/top_of_book.hpp"
#include "tickerd/market/composite.hpp"

namespace tickerd {

// One side of the consolidated book: the venue holding the best price there, and its size.
struct bbo_side {
  decimal price;
  decimal qty;
  venue_id venue = venue_id::binance;
  bool present = false;
  std::int64_t exchange_ts_us = 0;
  std::int64_t recv_ts_us = 0;
};

struct consolidated_top {
  bbo_side bid;
  bbo_side ask;
  venue_mask venues = 0;  // the venues it was computed from
  bool stale = false;     // no venue fresh: the sides are the last known

  // Across venues the best bid may reach or pass the best ask (venues disagree for a moment,
  // or arbitrage is open): flagged, never hidden or corrected.
  bool locked() const noexcept { return bid.present && ask.present && bid.price == ask.price; }
  bool crossed() const noexcept { return bid.present && ask.present && bid.price > ask.price; }
};

struct bbo_options {
  // A venue whose latest quote was received longer ago than this (by the time given to
  // expire()) leaves the consolidated book until its next quote. 0 disables the check.
  std::int64_t quote_stale_after_us = 0;
};

class consolidated_bbo {
 public:
  explicit consolidated_bbo(bbo_options options = {}) : options_(options) {}

  // A venue's new top of book for this instrument. An event older than the venue's current
  // one (by its venue time) is ignored. True when the consolidated top changed.
  bool on_quote(const top_of_book& quote);
  // The venue's feed went down/stale (false) or came back up (true). True when changed.
  bool on_venue_fresh(venue_id venue, bool fresh);
  // Drops venues whose quote is older than options.quote_stale_after_us. True when changed.
  bool expire(std::int64_t now_us);

  const consolidated_top& top() const noexcept { return top_; }
  // The venue's latest quote; null before its first.
  const top_of_book* venue_quote(venue_id venue) const noexcept;
  // True while the venue's quote is not used (feed not up, or its quote expired).
  bool venue_stale(venue_id venue) const noexcept;

 private:
  bool recompute();

  bbo_options options_;
  std::array<top_of_book, venue_count> quotes_{};
  venue_mask present_ = 0;
  venue_mask feed_fresh_ = static_cast<venue_mask>(~0u);  // fresh until told otherwise
  venue_mask quote_fresh_ = static_cast<venue_mask>(~0u);
  consolidated_top top_;
};

// {"symbol","bid","bid_qty","bid_venue","ask","ask_qty","ask_venue","spread","crossed",
//  "locked","ts","recv_ts","venues","stale"}; an empty side's three keys and `spread` absent.
void encode_bbo(std::string& out, const std::string& symbol, const consolidated_top& top);

// One venue: {"symbol","venue","bid","bid_qty","ask","ask_qty","spread","ts","recv_ts","stale"}.
void encode_venue_bbo(std::string& out, const std::string& symbol, const top_of_book& quote,
                      bool stale);

}  // namespace tickerd
