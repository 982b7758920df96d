// book_feed: a symbol's book is an `entry` (its book_sync plus what the feed must remember
// around it: the state last reported, a REST snapshot in flight). A frame's messages go to their
// entries; the entries they touched are reported once, after the whole frame.
#include "tickerd/feeds/book_feed.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <iterator>
#include <unordered_map>
#include <utility>

#include "feeds/venues/book_streams.hpp"
#include "tickerd/market/book/book_parsers.hpp"
#include "tickerd/market/book/book_sync.hpp"

namespace tickerd {

namespace {

// How far into a frame its channel name is looked for: every venue names it in its first keys.
constexpr std::size_t claim_window = 160;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Lets by_symbol be searched with a string_view: no string built per message.
struct symbol_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

bool head_has(std::string_view frame, std::string_view needle) noexcept {
  return frame.substr(0, claim_window).find(needle) != std::string_view::npos;
}

void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) noexcept {
  if (n != 0) counter.fetch_add(n, std::memory_order_relaxed);
}

std::atomic<std::uint64_t>& resync_counter(feed_stats& s, book::resync_reason r) noexcept {
  switch (r) {
    case book::resync_reason::gap:
      return s.book_resyncs_gap;
    case book::resync_reason::checksum:
      return s.book_resyncs_checksum;
    case book::resync_reason::crossed:
      return s.book_resyncs_crossed;
    case book::resync_reason::stale_snapshot:
      return s.book_resyncs_stale_snapshot;
    case book::resync_reason::out_of_order:
      return s.book_resyncs_out_of_order;
  }
  return s.book_resyncs_gap;
}

}  // namespace

namespace {

struct book_entry {
  book_entry(venue_id venue, std::string native_symbol, instrument_id id)
      : native(std::move(native_symbol)),
        instrument(id),
        sync(venue, book::sync_options{.depth = book_streams::book_depth(venue)}) {}

  std::string native;  // as configured: what the venue's frames and requests spell
  instrument_id instrument;
  book::book_sync sync;
  book_state reported = book_state::resyncing;  // what the market layer was last told
  bool changed = false;                         // this frame applied a change
  bool touched = false;                         // this frame had a message for it
  std::int64_t exchange_ts_us = 0;
  bool snapshot_in_flight = false;
  bool snapshot_wanted = false;  // a request failed: ask again at the next message
  std::int64_t snapshot_retry_at_us = 0;
};

}  // namespace

struct book_feed::impl {
  impl(venue_id v, feed_stats& s) : venue(v), stats(s), parser(v) {}

  book_entry* find(std::string_view symbol) {
    // Upper-cased on the stack; a symbol longer than any venue's is no entry.
    std::array<char, 64> buffer{};
    if (symbol.size() > buffer.size()) return nullptr;
    std::transform(symbol.begin(), symbol.end(), buffer.begin(), [](char c) {
      return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    });
    const auto it = by_symbol.find(std::string_view(buffer.data(), symbol.size()));
    return it == by_symbol.end() ? nullptr : &entries[it->second];
  }

  // Carries out what a sync result asks for.
  void act(book_entry& e, const book::sync_result& r, std::int64_t now_us) {
    if (r.outcome == book::sync_outcome::resync) {
      resyncs.push_back(e.native + " (" + std::string(book::to_string(r.reason)) + ")");
    }
    auto fetch = [&] {
      if (e.snapshot_in_flight) return;
      e.snapshot_in_flight = true;
      e.snapshot_wanted = false;
      requests.push_back({e.native, book_streams::binance_snapshot_target(e.native)});
    };
    auto resubscribe = [&] {
      frames.push_back(book_streams::book_frame(venue, e.native, false));
      frames.push_back(book_streams::book_frame(venue, e.native, true));
    };
    switch (r.action) {
      case book::rebuild_action::none:
        // A failed snapshot request is asked again (the sync asks only once per rebuild).
        if (e.snapshot_wanted && !e.sync.ready() && now_us >= e.snapshot_retry_at_us) fetch();
        return;
      case book::rebuild_action::fetch_snapshot:
        // tickerd reads only Binance's REST snapshot; OKX's (asked for when updates come with
        // no snapshot) is replaced by a resubscribe, which brings the WebSocket snapshot.
        if (venue == venue_id::binance) {
          fetch();
        } else {
          resubscribe();
        }
        return;
      case book::rebuild_action::resubscribe:
        resubscribe();
        return;
    }
  }

  // Tells the market layer about a book the frame touched, when its book or state changed.
  void report(book_entry& x, std::int64_t recv_ts_us, std::vector<book_change>& out) {
    const book_state now = x.sync.ready() ? book_state::ready : book_state::resyncing;
    const bool changed = std::exchange(x.changed, false);
    if (now == x.reported && (now != book_state::ready || !changed)) return;
    if (now != x.reported) {
      if (now == book_state::ready) {
        bump(stats.books_ready);
      } else {
        stats.books_ready.fetch_sub(1, std::memory_order_relaxed);
      }
    }
    x.reported = now;
    book_change& bc = out.emplace_back();
    bc.venue = venue;
    bc.instrument = x.instrument;
    bc.state = now;
    bc.book = &x.sync.book();
    bc.update_id = static_cast<std::uint64_t>(std::max<std::int64_t>(x.sync.update_id(), 0));
    bc.exchange_ts_us = x.exchange_ts_us;
    bc.recv_ts_us = recv_ts_us;
  }

  venue_id venue;
  feed_stats& stats;
  book::book_parser parser;
  book::book_frame frame;
  book::book_message rest_snapshot;
  std::vector<book::kraken_precision> precisions;
  std::vector<book_entry> entries;
  // upper-case symbol -> entries index
  std::unordered_map<std::string, std::size_t, symbol_hash, std::equal_to<>> by_symbol;
  std::vector<book_entry*> touched;
  std::vector<std::string> frames;
  std::vector<book_snapshot_request> requests;
  std::vector<std::string> resyncs;
};

book_feed::book_feed(venue_id venue, const symbol_map& symbols, feed_stats& stats)
    : venue_(venue), impl_(std::make_unique<impl>(venue, stats)) {
  impl_->entries.reserve(symbols.entries().size());
  for (const auto& [native, id] : symbols.entries()) {
    if (!impl_->by_symbol.emplace(upper(native), impl_->entries.size()).second) continue;
    impl_->entries.emplace_back(venue, native, id);
  }
}

book_feed::~book_feed() = default;

// The channel's name as a quoted token, whatever the spacing around the key's colon (the venues
// send compact JSON, their documents print it spaced).
bool book_feed::claims(std::string_view frame) const noexcept {
  switch (venue_) {
    case venue_id::binance:  // combined stream {"stream":"btcusdt@depth@100ms",...}, or raw
      return head_has(frame, "@depth") || head_has(frame, R"("depthUpdate")");
    case venue_id::okx:
      return head_has(frame, R"("books")");
    case venue_id::bybit:
      return head_has(frame, R"("orderbook.50.)");
    case venue_id::kraken:
      return head_has(frame, R"("book")") || head_has(frame, R"("instrument")");
    case venue_id::coinbase:
      return head_has(frame, R"("l2update")") || head_has(frame, R"("snapshot")");
  }
  return false;
}

bool book_feed::checks(std::string_view frame) const noexcept {
  return venue_ == venue_id::coinbase && head_has(frame, R"("ticker")");
}

namespace {

// What book_sync's counters grew by during one call, added to the feed's.
struct counted {
  explicit counted(const book::book_sync& s) : sync(s), before(s.counters()) {}
  void flush(feed_stats& stats) const {
    const auto& after = sync.counters();
    bump(stats.book_snapshots, after.snapshots - before.snapshots);
    bump(stats.book_level_changes, after.level_changes - before.level_changes);
    for (std::size_t i = 0; i < book::resync_reason_count; ++i) {
      bump(resync_counter(stats, static_cast<book::resync_reason>(i)),
           after.resyncs[i] - before.resyncs[i]);
    }
  }
  const book::book_sync& sync;
  book::sync_counters before;
};

}  // namespace

bool book_feed::carries_data(std::string_view frame) {
  auto& m = *impl_;
  return m.parser.parse(frame, m.frame) == feed_errc::ok && m.frame.count > 0;
}

feed_errc book_feed::on_frame(std::string_view text, std::int64_t recv_ts_us,
                              std::vector<book_change>& out, bool& control) {
  auto& m = *impl_;
  control = false;
  // The instrument channel's data (its ack, a method reply, is the book parser's control).
  if (venue_ == venue_id::kraken && head_has(text, R"("instrument")") &&
      !head_has(text, R"("method")")) {
    m.precisions.clear();
    const feed_errc e = m.parser.parse_kraken_instruments(text, m.precisions);
    if (e != feed_errc::ok) return e;
    for (const auto& p : m.precisions) {
      if (book_entry* x = m.find(p.symbol))
        x->sync.set_precision(p.price_precision, p.qty_precision);
    }
    control = true;
    return feed_errc::ok;
  }
  const feed_errc e = m.parser.parse(text, m.frame);
  if (e != feed_errc::ok) return e;
  if (m.frame.control && m.frame.count == 0) {
    control = true;
    return feed_errc::ok;
  }
  for (std::size_t i = 0; i < m.frame.count; ++i) {
    const book::book_message& msg = m.frame[i];
    book_entry* x = m.find(msg.symbol);
    if (x == nullptr) {
      bump(m.stats.unknown_symbols);
      continue;
    }
    const counted c(x->sync);
    const book::sync_result r = x->sync.on_message(msg);
    c.flush(m.stats);
    if (r.outcome == book::sync_outcome::applied) x->changed = true;
    if (msg.exchange_ts_us != 0 && msg.kind != book::book_msg_kind::touch) {
      x->exchange_ts_us = msg.exchange_ts_us;
    }
    m.act(*x, r, recv_ts_us);
    if (!x->touched) {
      x->touched = true;
      m.touched.push_back(x);
    }
  }
  for (book_entry* x : m.touched) {
    x->touched = false;
    m.report(*x, recv_ts_us, out);
  }
  m.touched.clear();
  return feed_errc::ok;
}

void book_feed::on_snapshot(std::string_view symbol, const std::string* body,
                            std::int64_t recv_ts_us, std::vector<book_change>& out) {
  auto& m = *impl_;
  book_entry* x = m.find(symbol);
  if (x == nullptr) return;
  x->snapshot_in_flight = false;
  const auto failed = [&] {
    bump(m.stats.book_snapshot_errors);
    x->snapshot_wanted = true;
    x->snapshot_retry_at_us = recv_ts_us + snapshot_retry_us;
  };
  if (body == nullptr || m.parser.parse_binance_snapshot(*body, m.rest_snapshot) != feed_errc::ok) {
    failed();
    return;
  }
  m.rest_snapshot.symbol = x->native;
  const counted c(x->sync);
  const book::sync_result r = x->sync.on_rest_snapshot(m.rest_snapshot);
  c.flush(m.stats);
  if (r.outcome == book::sync_outcome::applied) x->changed = true;
  m.act(*x, r, recv_ts_us);
  m.report(*x, recv_ts_us, out);
}

void book_feed::on_connection_lost(std::int64_t recv_ts_us, std::vector<book_change>& out) {
  auto& m = *impl_;
  m.frames.clear();    // they were for the old connection
  m.requests.clear();  // answers still in flight are ignored by the reset syncs (not ready)
  for (book_entry& x : m.entries) {
    x.sync.reset();
    x.snapshot_in_flight = false;
    x.snapshot_wanted = false;
    x.changed = false;
    if (x.reported != book_state::ready) continue;
    x.reported = book_state::resyncing;
    m.stats.books_ready.fetch_sub(1, std::memory_order_relaxed);
    book_change& bc = out.emplace_back();
    bc.venue = venue_;
    bc.instrument = x.instrument;
    bc.state = book_state::resyncing;
    bc.book = &x.sync.book();
    bc.recv_ts_us = recv_ts_us;
  }
}

void book_feed::take_resyncs(std::vector<std::string>& out) {
  out.insert(out.end(), std::make_move_iterator(impl_->resyncs.begin()),
             std::make_move_iterator(impl_->resyncs.end()));
  impl_->resyncs.clear();
}

void book_feed::take_frames(std::vector<std::string>& out) {
  for (auto& f : impl_->frames) out.push_back(std::move(f));
  impl_->frames.clear();
}

void book_feed::take_snapshot_requests(std::vector<book_snapshot_request>& out) {
  for (auto& r : impl_->requests) out.push_back(std::move(r));
  impl_->requests.clear();
}

const book::book_sync* book_feed::sync(std::string_view symbol) const {
  const book_entry* x = impl_->find(symbol);
  return x == nullptr ? nullptr : &x->sync;
}

}  // namespace tickerd
