#include "tickerd/market/market_streams.hpp"

#include <algorithm>

#include "tickerd/market/candle_json.hpp"

namespace tickerd {

market_streams::market_streams(const std::vector<instrument>& instruments,
                               const channel_registry& channels, publisher& out,
                               market_streams_options options)
    : channels_(channels),
      out_(out),
      trades_on_(channels.families().trades),
      bbo_on_(channels.families().bbo) {
  seen_.assign(instruments.size(), false);
  symbols_.reserve(instruments.size());
  for (const auto& i : instruments) symbols_.push_back(i.symbol());
  state_.reserve(instruments.size());
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    auto& s =
        state_.emplace_back(instrument_state{{}, {}, consolidated_bbo(options.bbo), false, {}, {}});
    if (!channels.families().candles) continue;
    const auto id = static_cast<instrument_id>(i);
    const auto make = [&](std::optional<venue_id> venue) -> std::unique_ptr<candle_stream> {
      auto stream = std::make_unique<candle_stream>(
          candle_stream{candle_set(options.candle_history), {}, venue, id, {}, false});
      for (std::size_t k = 0; k < candle_interval_count; ++k) {
        const auto interval = static_cast<candle_interval_index>(k);
        const auto ch =
            venue ? channels.venue_candles(id, *venue, interval) : channels.candles(id, interval);
        if (!ch) return nullptr;
        stream->channel[k] = *ch;
      }
      return stream;
    };
    s.tape_candles = make(std::nullopt);
    for (std::size_t v = 0; v < venue_count; ++v) {
      s.venue_candles[v] = make(static_cast<venue_id>(v));
    }
  }
}

void market_streams::on_events(const market_events& events) {
  if (trades_on_ && !events.trades.empty()) {
    std::span<const trade> trades = events.trades;
    // Parsers emit a frame's trades grouped by instrument; a frame that interleaves them is
    // regrouped (stably, keeping each instrument's trades in frame order): one update per
    // instrument and frame.
    if (!grouped_by_instrument(trades)) {
      grouped_.assign(trades.begin(), trades.end());
      std::stable_sort(grouped_.begin(), grouped_.end(),
                       [](const trade& a, const trade& b) { return a.instrument < b.instrument; });
      trades = grouped_;
    }
    std::size_t begin = 0;
    while (begin < trades.size()) {
      std::size_t end = begin + 1;
      while (end < trades.size() && trades[end].instrument == trades[begin].instrument &&
             trades[end].venue == trades[begin].venue) {
        ++end;
      }
      on_trades(trades[begin].instrument, trades[begin].venue, trades.subspan(begin, end - begin));
      begin = end;
    }
  }
  if (bbo_on_) {
    for (const auto& q : events.quotes) on_quote(q);
  }
}

bool market_streams::grouped_by_instrument(std::span<const trade> trades) {
  bool grouped = true;
  for (std::size_t i = 0; i < trades.size() && grouped; ++i) {
    if (i != 0 && trades[i].instrument == trades[i - 1].instrument) continue;
    const auto id = trades[i].instrument;
    if (id < seen_.size()) {
      grouped = !seen_[id];
      seen_[id] = true;
    }
  }
  for (const auto& t : trades) {
    if (t.instrument < seen_.size()) seen_[t.instrument] = false;
  }
  return grouped;
}

void market_streams::on_trades(instrument_id id, venue_id venue, std::span<const trade> trades) {
  if (id >= state_.size()) return;
  auto& s = state_[id];
  const auto v = static_cast<std::size_t>(venue);
  if (const auto ch = channels_.venue_trades(id, venue)) {
    buffer_.clear();
    encode_venue_trades(buffer_, symbols_[id], venue, trades,
                        s.venue_counter[v].take(trades.size()));
    out_.publish(*ch, buffer_);
  }
  if (const auto ch = channels_.trades(id)) {
    buffer_.clear();
    encode_tape_trades(buffer_, symbols_[id], trades, s.tape_counter.take(trades.size()));
    out_.publish(*ch, buffer_);
  }
  candle_set::changes changes{};
  if (auto& stream = s.venue_candles[v]) {
    stream->set.add(trades, changes);
    publish_candles(*stream, changes, true);
  }
  if (auto& stream = s.tape_candles) {
    changes = {};
    stream->set.add(trades, changes);
    publish_candles(*stream, changes, true);
  }
}

void market_streams::flush() {
  for (auto* stream : dirty_) {
    for (std::size_t k = 0; k < candle_interval_count; ++k) {
      if (stream->forming_due[k]) publish_forming(*stream, k);
    }
    stream->dirty = false;
  }
  dirty_.clear();
}

void market_streams::publish_forming(candle_stream& stream, std::size_t interval) {
  stream.forming_due[interval] = false;
  const auto& builder = stream.set.builder(static_cast<candle_interval>(interval));
  buffer_.clear();
  encode_candle(buffer_, symbols_[stream.instrument], stream.venue, builder.interval(),
                builder.forming());
  out_.publish(stream.channel[interval], buffer_);
}

void market_streams::publish_candles(candle_stream& stream, const candle_set::changes& changes,
                                     bool defer_forming) {
  for (std::size_t k = 0; k < candle_interval_count; ++k) {
    const auto& change = changes[k];
    if (!change.any()) continue;
    const auto& builder = stream.set.builder(static_cast<candle_interval>(k));
    const auto& history = builder.history();
    if (change.closed != 0) stream.forming_due[k] = false;  // it closed: superseded
    for (std::uint32_t c = change.closed; c > 0; --c) {
      buffer_.clear();
      encode_candle(buffer_, symbols_[stream.instrument], stream.venue, builder.interval(),
                    history.newest(c - 1));
      // A closed candle is final: a slow client's conflation must not drop it for the next
      // forming one.
      out_.publish(stream.channel[k], buffer_, false);
    }
    if (!change.forming) continue;
    if (!defer_forming) {
      publish_forming(stream, k);
      continue;
    }
    stream.forming_due[k] = true;
    if (!stream.dirty) {
      stream.dirty = true;
      dirty_.push_back(&stream);
    }
  }
}

void market_streams::on_quote(const top_of_book& quote) {
  if (quote.instrument >= state_.size()) return;
  auto& s = state_[quote.instrument];
  s.quoted = true;
  const bool changed = s.bbo.on_quote(quote);
  publish_venue_bbo(quote.instrument, quote.venue);
  if (changed) publish_bbo(quote.instrument);
}

void market_streams::publish_venue_bbo(instrument_id id, venue_id venue) {
  const auto ch = channels_.venue_bbo(id, venue);
  const auto& bbo = state_[id].bbo;
  const auto* quote = bbo.venue_quote(venue);
  if (!ch || quote == nullptr) return;
  buffer_.clear();
  encode_venue_bbo(buffer_, symbols_[id], *quote, bbo.venue_stale(venue));
  out_.publish(*ch, buffer_);
}

void market_streams::publish_bbo(instrument_id id) {
  const auto ch = channels_.bbo(id);
  if (!ch) return;
  buffer_.clear();
  encode_bbo(buffer_, symbols_[id], state_[id].bbo.top());
  out_.publish(*ch, buffer_);
}

void market_streams::on_venue_fresh(venue_id venue, bool fresh) {
  if (!bbo_on_) return;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    const auto id = static_cast<instrument_id>(i);
    if (!state_[i].quoted) continue;  // no book to change yet
    auto& bbo = state_[i].bbo;
    const bool was_stale = bbo.venue_stale(venue);
    const bool changed = bbo.on_venue_fresh(venue, fresh);
    if (bbo.venue_stale(venue) != was_stale) publish_venue_bbo(id, venue);
    if (changed) publish_bbo(id);
  }
}

void market_streams::on_timer(std::int64_t now_us) {
  flush();  // the forming candles of this turn go out before any candle they close
  for (std::size_t i = 0; i < state_.size(); ++i) {
    const auto id = static_cast<instrument_id>(i);
    auto& s = state_[i];
    const auto advance = [&](candle_stream& stream) {
      candle_set::changes changes{};
      stream.set.advance(now_us, changes);
      publish_candles(stream, changes, false);
    };
    for (auto& stream : s.venue_candles) {
      if (stream) advance(*stream);
    }
    if (s.tape_candles) advance(*s.tape_candles);
    if (!bbo_on_ || !s.quoted) continue;
    venue_mask was_stale = 0;
    for (std::size_t v = 0; v < venue_count; ++v) {
      if (s.bbo.venue_stale(static_cast<venue_id>(v)))
        was_stale |= static_cast<venue_mask>(1u << v);
    }
    const bool changed = s.bbo.expire(now_us);
    for (std::size_t v = 0; v < venue_count; ++v) {
      const auto venue = static_cast<venue_id>(v);
      const bool was = ((was_stale >> v) & 1u) != 0;
      if (s.bbo.venue_stale(venue) != was) publish_venue_bbo(id, venue);
    }
    if (changed) publish_bbo(id);
  }
}

const candle_set* market_streams::candles(instrument_id instrument,
                                          std::optional<venue_id> venue) const {
  if (instrument >= state_.size()) return nullptr;
  const auto& s = state_[instrument];
  const auto& stream =
      venue ? s.venue_candles.at(static_cast<std::size_t>(*venue)) : s.tape_candles;
  return stream ? &stream->set : nullptr;
}

bool market_streams::restore_candles(instrument_id instrument, std::optional<venue_id> venue,
                                     candle_interval interval, std::span<const candle> closed) {
  if (instrument >= state_.size()) return false;
  auto& s = state_[instrument];
  auto& stream = venue ? s.venue_candles.at(static_cast<std::size_t>(*venue)) : s.tape_candles;
  if (!stream) return false;
  stream->set.restore(interval, closed);
  return true;
}

}  // namespace tickerd
