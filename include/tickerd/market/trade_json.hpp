// Encoding trades as the `data` of the trades channels (docs/PROTOCOL.md, "Trades data"):
// `trades.<BASE>-<QUOTE>@<venue>` (one venue) and `trades.<BASE>-<QUOTE>` (the consolidated
// tape, each trade tagged with its venue). Pure functions, no state.
//
// How the ingest thread calls them: once per upstream frame, with the frame's trades for one
// instrument (market_events::trades, already grouped by instrument), for the venue channel
// and again for the tape; each result is published once and shared by every subscriber.
// The caller keeps one running trade counter per channel (trade_counter below) and passes
// its value before the frame: clients find trades lost to conflation from it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tickerd/core/trade.hpp"

namespace tickerd {

// Numbers the trades of one channel: `first` of an update is the index (from 1) of its first
// trade in the channel since tickerd started it. An update after {first: f, count: n} that
// starts beyond f + n tells the client how many trades it missed.
class trade_counter {
 public:
  // The `first` of an update carrying `count` trades; advances the counter past them.
  std::uint64_t take(std::size_t count) noexcept {
    const std::uint64_t first = next_;
    next_ += count;
    return first;
  }
  std::uint64_t next() const noexcept { return next_; }

 private:
  std::uint64_t next_ = 1;
};

// {"symbol":…,"venue":…,"first":…,"count":…,"trades":[{"id","price","qty","side","ts","recv_ts"}…]}
// `trades` must all come from `venue`. `ts` is left out of a trade whose venue sent no time,
// `side` when the venue did not say, `id` when it sent none.
void encode_venue_trades(std::string& out, const std::string& symbol, venue_id venue,
                         std::span<const trade> trades, std::uint64_t first);

// One trade object of the arrays above (also the `info` of a CCXT-format trade).
void encode_trade(std::string& out, const trade& t, bool with_venue);

// The tape: the same, without the top-level `venue`, and with `venue` in every trade (a tape
// update may mix venues).
void encode_tape_trades(std::string& out, const std::string& symbol, std::span<const trade> trades,
                        std::uint64_t first);

}  // namespace tickerd
