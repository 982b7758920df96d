// Publishes the channels bots trade on from what the venue parsers yield (market_events):
// trades (per venue and the consolidated tape), top of book (per venue and consolidated) and
// candles (per venue and from the tape, six intervals). Lives on the ingest thread, beside the
// aggregator (which does the 24 h tickers); not thread-safe by design.
//
// Each upstream frame's trades of one instrument become one update per channel, encoded once
// (market/trade_json); the same trades feed that stream's candles (market/candle_builder). A
// closed candle is published at once (and never conflated away: published_update::
// conflatable); the forming candle once per ingest loop turn, by flush(), whatever the number
// of frames in the turn: twelve candle series follow each instrument's trades, and a burst of
// trade frames must not become twelve updates per frame. on_timer() closes intervals that had
// no trade and drops venues whose bbo stream went silent while their feed stayed up.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/market_events.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/candle_builder.hpp"
#include "tickerd/market/consolidated_bbo.hpp"
#include "tickerd/market/trade_json.hpp"

namespace tickerd {

struct market_streams_options {
  bbo_options bbo;  // quote_stale_after_us: [market] quote_stale_ms
  std::array<std::size_t, candle_interval_count> candle_history = default_candle_history;
};

class market_streams {
 public:
  // Streams exist for the families `channels` has turned on; none when all are off.
  market_streams(const std::vector<instrument>& instruments, const channel_registry& channels,
                 publisher& out, market_streams_options options = {});

  // One upstream frame's trades and quotes (its ticks go to the aggregator).
  void on_events(const market_events& events);
  // Forming candles changed since the last flush(): the caller runs flush() before the loop
  // turn ends (a posted handler).
  bool has_pending() const noexcept { return !dirty_.empty(); }
  void flush();

  // The venue's feed went down/stale (false) or came back up (true): its top of book leaves
  // (or rejoins) the consolidated one, and its venue bbo channels say `stale`.
  void on_venue_fresh(venue_id venue, bool fresh);

  // Once a second (and once before the feeds start, to open the candle streams at `now_us`
  // rather than at a replayed trade's time): closes due candles, expires silent bbo streams.
  void on_timer(std::int64_t now_us);

  // A stream's candles (the tape's when `venue` is empty) for GET /v1/candles; null when that
  // stream does not exist.
  const candle_set* candles(instrument_id instrument, std::optional<venue_id> venue) const;
  // A warm start: closed candles kept in Redis go back into that stream's builder of
  // `interval` (candle_builder::restore); nothing is published. False when there is no such
  // stream.
  bool restore_candles(instrument_id instrument, std::optional<venue_id> venue,
                       candle_interval interval, std::span<const candle> closed);

  bool enabled() const noexcept { return trades_on_ || bbo_on_; }

 private:
  // One candle stream: its builders and the channel of each interval.
  struct candle_stream {
    candle_set set;
    std::array<channel_id, candle_interval_count> channel{};
    std::optional<venue_id> venue;  // empty: the tape
    instrument_id instrument = no_instrument;
    std::array<bool, candle_interval_count> forming_due{};  // publish at the next flush()
    bool dirty = false;                                     // in dirty_
  };
  struct instrument_state {
    trade_counter tape_counter;
    std::array<trade_counter, venue_count> venue_counter{};
    consolidated_bbo bbo;
    bool quoted = false;  // a venue has sent a top of book: bbo channels have data
    std::unique_ptr<candle_stream> tape_candles;
    std::array<std::unique_ptr<candle_stream>, venue_count> venue_candles;
  };

  bool grouped_by_instrument(std::span<const trade> trades);
  void on_trades(instrument_id id, venue_id venue, std::span<const trade> trades);
  void on_quote(const top_of_book& quote);
  // Closed candles now; the forming ones now, or at the next flush() when `defer_forming`.
  void publish_candles(candle_stream& s, const candle_set::changes& changes, bool defer_forming);
  void publish_forming(candle_stream& s, std::size_t interval);
  void publish_bbo(instrument_id id);
  void publish_venue_bbo(instrument_id id, venue_id venue);

  const channel_registry& channels_;
  publisher& out_;
  std::vector<std::string> symbols_;
  std::vector<instrument_state> state_;
  bool trades_on_ = false;
  bool bbo_on_ = false;
  std::vector<candle_stream*> dirty_;  // streams with forming_due set
  std::vector<bool> seen_;             // scratch for grouped_by_instrument, all false between uses
  std::vector<trade> grouped_;  // a frame's trades sorted by instrument, when they interleave
  std::string buffer_;
};

}  // namespace tickerd
