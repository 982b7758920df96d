#include "tickerd/metrics/collector.hpp"

#include <array>
#include <string_view>
#include <vector>

#include "metrics/process_stats.hpp"
#include "metrics/prometheus_text.hpp"

namespace tickerd::metrics {
namespace {

constexpr double nanos_per_second = 1e9;
constexpr double millis_per_second = 1e3;

// ---- the shards' stats: one table entry per family ---------------------------------------

using shard_reader = std::uint64_t (*)(const shard_stats&, std::size_t);

template <auto Member>
std::uint64_t field(const shard_stats& s, std::size_t /*value*/) {
  return read(s.*Member);
}
template <auto Member>
std::uint64_t element(const shard_stats& s, std::size_t value) {
  return read((s.*Member)[value]);
}

struct shard_family {
  std::string_view name;
  metric_type type;
  std::string_view help;
  shard_reader get;
  // An extra label with one sample per value (`get` receives the value's index); "" = none.
  std::string_view label = {};
  std::span<const std::string_view> values = {};
  double scale = 0;  // non-zero: the value times this, as a float (microseconds to seconds)
};

// Indexed like shard_stats::subscriptions: channel_kind, then ticker.*, then other wildcards.
constexpr std::array<std::string_view, subscription_families> subscription_family_names{
    "ticker", "venue_ticker", "status",          "almanac",
    "gas",    "fng",          "trades",          "venue_trades",
    "bbo",    "venue_bbo",    "candles",         "venue_candles",
    "book",   "venue_book",   "ticker_wildcard", "wildcard"};

// Indexed like shard_stats::refused and auth_failures: the reasons' own names.
template <typename Reason, std::size_t N>
constexpr std::array<std::string_view, N> reason_names() {
  std::array<std::string_view, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = to_string(static_cast<Reason>(i));
  return out;
}
constexpr auto refusal_names = reason_names<refusal, refusal_count>();
constexpr auto auth_failure_names = reason_names<auth_failure, auth_failure_count>();
constexpr double micros_per_second = 1e6;

// Every family is exported per shard (label `shard`); sum() over it for the node.
// Adding a family: a counter or gauge in shard_stats (written by its shard), and one entry here.
constexpr shard_family shard_families[] = {
    {"tickerd_connections", metric_type::gauge, "WebSocket connections, open or closing.",
     &field<&shard_stats::connections>},
    {"tickerd_http_connections", metric_type::gauge,
     "Plain HTTP connections, and connections not yet upgraded to WebSocket.",
     &field<&shard_stats::http_connections>},
    {"tickerd_subscriptions", metric_type::gauge,
     "Channel subscriptions of WebSocket clients by channel family (sampled each keepalive "
     "tick).",
     &element<&shard_stats::subscriptions>, "family", subscription_family_names},
    {"tickerd_queued_messages", metric_type::gauge,
     "Messages waiting in client queues (sampled each keepalive tick).",
     &field<&shard_stats::queued_messages>},
    {"tickerd_queued_bytes", metric_type::gauge,
     "Bytes waiting in client queues, partly written frames included (sampled).",
     &field<&shard_stats::queued_bytes>},
    {"tickerd_pending_timers", metric_type::gauge,
     "Armed timers: client throttles and the shard's own (sampled).",
     &field<&shard_stats::pending_timers>},
    {"tickerd_queued_batches", metric_type::gauge,
     "Update batches posted to the shard and not yet delivered (sampled).",
     &field<&shard_stats::queued_batches>},
    {"tickerd_connections_accepted_total", metric_type::counter, "WebSocket sessions opened.",
     &field<&shard_stats::accepted>},
    {"tickerd_messages_sent_total", metric_type::counter,
     "Messages (updates, snapshots, replies, notices) handed to the kernel.",
     &field<&shard_stats::messages_sent>},
    {"tickerd_sent_bytes_total", metric_type::counter,
     "Bytes of WebSocket and SSE traffic sent (before TLS encryption), framing included.",
     &field<&shard_stats::bytes_sent>},
    {"tickerd_conflations_total", metric_type::counter,
     "Times a slow client's queue was conflated to the newest update per channel.",
     &field<&shard_stats::conflations>},
    {"tickerd_conflated_updates_total", metric_type::counter,
     "Updates dropped from client queues by conflation.", &field<&shard_stats::conflated_dropped>},
    {"tickerd_slow_consumer_closes_total", metric_type::counter,
     "Clients closed with 1013 because their queue stayed above limits.max_queued_bytes.",
     &field<&shard_stats::slow_closes>},
    {"tickerd_idle_closes_total", metric_type::counter,
     "Clients dropped after limits.idle_timeout_ms without a byte.",
     &field<&shard_stats::idle_closes>},
    {"tickerd_refusals_total", metric_type::counter,
     "Connections refused before the upgrade or stream, by reason (origin, per-IP or total "
     "limit, auth).",
     &element<&shard_stats::refused>, "reason", refusal_names},
    {"tickerd_auth_failures_total", metric_type::counter,
     "Tokens that did not verify and requests a token does not allow, by reason.",
     &element<&shard_stats::auth_failures>, "reason", auth_failure_names},
    {"tickerd_tls_handshakes_in_progress", metric_type::gauge,
     "TLS handshakes under way (at most server.tls.max_handshakes per shard).",
     &field<&shard_stats::tls_handshakes_in_progress>},
    {"tickerd_tls_handshakes_total", metric_type::counter, "TLS handshakes completed.",
     &field<&shard_stats::tls_handshakes>},
    {"tickerd_tls_handshake_failures_total", metric_type::counter,
     "TLS handshakes refused (protocol version, cipher, not TLS) or reset.",
     &field<&shard_stats::tls_handshake_failures>},
    {"tickerd_tls_handshake_timeouts_total", metric_type::counter,
     "TLS handshakes not done within limits.handshake_timeout_ms.",
     &field<&shard_stats::tls_handshake_timeouts>},
    {"tickerd_tls_accept_pauses_total", metric_type::counter,
     "Times a shard stopped accepting at server.tls.max_handshakes.",
     &field<&shard_stats::tls_accept_pauses>},
    {"tickerd_tls_handshake_seconds_total",
     metric_type::counter,
     "Time spent in OpenSSL's handshake steps (their CPU: the socket never blocks).",
     &field<&shard_stats::tls_handshake_us>,
     {},
     {},
     1 / micros_per_second},
};

void write_shard_families(prometheus_text& out, std::span<const shard_stats* const> shards) {
  std::vector<std::string> shard_names;
  shard_names.reserve(shards.size());
  for (std::size_t s = 0; s < shards.size(); ++s) shard_names.push_back(std::to_string(s));
  for (const auto& f : shard_families) {
    out.family(f.name, f.type, f.help);
    for (std::size_t s = 0; s < shards.size(); ++s) {
      if (f.scale != 0) {
        out.sample(f.name, {{"shard", shard_names[s]}},
                   static_cast<double>(f.get(*shards[s], 0)) * f.scale);
        continue;
      }
      if (f.label.empty()) {
        out.sample(f.name, {{"shard", shard_names[s]}}, f.get(*shards[s], 0));
        continue;
      }
      for (std::size_t v = 0; v < f.values.size(); ++v) {
        out.sample(f.name, {{"shard", shard_names[s]}, {f.label, f.values[v]}},
                   f.get(*shards[s], v));
      }
    }
  }
}

// Summed over the shards: one histogram per node.
void write_delivery_latency(prometheus_text& out, std::span<const shard_stats* const> shards) {
  constexpr auto& bounds_ns = latency_histogram::bounds_ns;
  std::array<double, bounds_ns.size()> bounds{};
  std::array<std::uint64_t, bounds_ns.size()> cumulative{};
  std::uint64_t count = 0;
  std::uint64_t sum_ns = 0;
  // Each bucket read once; the cumulative counts and the total come from the same reads.
  std::array<std::uint64_t, bounds_ns.size() + 1> per_bucket{};
  for (const auto* s : shards) {
    for (std::size_t i = 0; i < per_bucket.size(); ++i) {
      per_bucket[i] += read(s->delivery_latency.counts[i]);
    }
    sum_ns += read(s->delivery_latency.sum_ns);
  }
  for (std::size_t i = 0; i < bounds_ns.size(); ++i) {
    bounds[i] = static_cast<double>(bounds_ns[i]) / nanos_per_second;
    count += per_bucket[i];
    cumulative[i] = count;
  }
  count += per_bucket.back();
  constexpr std::string_view name = "tickerd_delivery_latency_seconds";
  out.family(name, metric_type::histogram,
             "From an update's making on the ingest thread to the end of the shard's write loop "
             "that sent it (per update and shard with a subscriber, not per client).");
  out.histogram(name, {}, bounds, cumulative, count,
                static_cast<double>(sum_ns) / nanos_per_second);
}

// ---- the feeds -------------------------------------------------------------------------

struct feed_counter {
  std::string_view name;
  std::string_view help;
  std::atomic<std::uint64_t> feed_stats::*member;
};

constexpr std::array<feed_counter, 14> feed_counters{{
    {"tickerd_feed_messages_total", "Upstream text frames read.", &feed_stats::messages},
    {"tickerd_feed_ticks_total", "Ticks (or gas readings) the feed's parser produced.",
     &feed_stats::ticks},
    {"tickerd_feed_parse_errors_total", "Upstream frames the parser rejected.",
     &feed_stats::parse_errors},
    {"tickerd_feed_unknown_symbols_total", "Upstream entries for instruments not configured.",
     &feed_stats::unknown_symbols},
    {"tickerd_feed_connects_total", "Successful upstream handshakes.", &feed_stats::connects},
    {"tickerd_feed_reconnects_total", "Upstream connection attempts after the first.",
     &feed_stats::reconnects},
    {"tickerd_feed_rollovers_total", "Planned make-before-break reconnects.",
     &feed_stats::rollovers},
    {"tickerd_feed_gaps_total", "Venue sequence gaps detected.", &feed_stats::gaps},
    {"tickerd_feed_trades_total", "Trades the feed's parser produced.", &feed_stats::trades},
    {"tickerd_feed_quotes_total", "Top-of-book updates the feed's parser produced.",
     &feed_stats::quotes},
    {"tickerd_feed_trade_gaps_total",
     "Trade-id jumps detected, plus duplicate or older trade ids dropped.",
     &feed_stats::trade_gaps},
    {"tickerd_feed_book_snapshots_total",
     "Venue book snapshots applied (WebSocket or REST): each starts a book.",
     &feed_stats::book_snapshots},
    {"tickerd_feed_book_level_changes_total", "Book level changes applied from venue deltas.",
     &feed_stats::book_level_changes},
    {"tickerd_feed_book_snapshot_errors_total",
     "REST depth snapshot requests that failed (asked again).", &feed_stats::book_snapshot_errors},
}};

// Book resyncs by reason (book::resync_reason), one family with a `reason` label.
struct book_resync_counter {
  std::string_view reason;
  std::atomic<std::uint64_t> feed_stats::*member;
};

constexpr std::array<book_resync_counter, 5> book_resync_counters{{
    {"gap", &feed_stats::book_resyncs_gap},
    {"checksum", &feed_stats::book_resyncs_checksum},
    {"crossed", &feed_stats::book_resyncs_crossed},
    {"stale_snapshot", &feed_stats::book_resyncs_stale_snapshot},
    {"out_of_order", &feed_stats::book_resyncs_out_of_order},
}};

constexpr std::array<feed_state, 4> all_feed_states{feed_state::connecting, feed_state::up,
                                                    feed_state::stale, feed_state::down};

void write_feeds(prometheus_text& out, std::span<const feed_status_entry> feeds,
                 std::int64_t now_wall_ms) {
  if (feeds.empty()) return;
  constexpr auto relaxed = std::memory_order_relaxed;
  out.family("tickerd_feed_up", metric_type::gauge,
             "1 when the upstream feed is connected and receiving within its staleness bound.");
  for (const auto& f : feeds) {
    const bool up = f.stats->state.load(relaxed) == feed_state::up;
    out.sample("tickerd_feed_up", {{"feed", f.name}}, std::uint64_t{up ? 1u : 0u});
  }
  out.family("tickerd_feed_state", metric_type::gauge,
             "1 for the feed's current state (connecting, up, stale, down), 0 for the others.");
  for (const auto& f : feeds) {
    const auto state = f.stats->state.load(relaxed);
    for (const auto s : all_feed_states) {
      out.sample("tickerd_feed_state", {{"feed", f.name}, {"state", to_string(s)}},
                 std::uint64_t{s == state ? 1u : 0u});
    }
  }
  out.family("tickerd_feed_last_message_age_seconds", metric_type::gauge,
             "Seconds since the feed's last upstream message (absent before the first).");
  for (const auto& f : feeds) {
    const auto last = f.stats->last_message_wall_ms.load(relaxed);
    if (last == 0) continue;
    const auto age_ms = now_wall_ms > last ? now_wall_ms - last : 0;
    out.sample("tickerd_feed_last_message_age_seconds", {{"feed", f.name}},
               static_cast<double>(age_ms) / millis_per_second);
  }
  for (const auto& c : feed_counters) {
    out.family(c.name, metric_type::counter, c.help);
    for (const auto& f : feeds) {
      out.sample(c.name, {{"feed", f.name}}, (f.stats->*c.member).load(relaxed));
    }
  }
  out.family("tickerd_feed_book_resyncs_total", metric_type::counter,
             "Venue books lost and rebuilt, by reason (gap, checksum, crossed, stale_snapshot, "
             "out_of_order).");
  for (const auto& f : feeds) {
    for (const auto& c : book_resync_counters) {
      out.sample("tickerd_feed_book_resyncs_total", {{"feed", f.name}, {"reason", c.reason}},
                 (f.stats->*c.member).load(relaxed));
    }
  }
  out.family("tickerd_feed_books_ready", metric_type::gauge,
             "The feed's books that are ready (built and accepted by the venue's rule) now.");
  for (const auto& f : feeds) {
    out.sample("tickerd_feed_books_ready", {{"feed", f.name}}, f.stats->books_ready.load(relaxed));
  }
}

// Per symbol: how many venues its composite stands on (0: every venue is down for it).
void write_symbols(prometheus_text& out, const aggregator* market) {
  if (market == nullptr || market->instrument_count() == 0) return;
  constexpr std::string_view name = "tickerd_symbol_venues";
  out.family(name, metric_type::gauge,
             "Venues in the symbol's composite ticker (fresh, not left out as outliers); 0 when "
             "none is fresh.");
  for (std::size_t n = 0; n < market->instrument_count(); ++n) {
    const auto i = static_cast<instrument_id>(n);
    out.sample(name, {{"symbol", market->symbol(i)}}, std::uint64_t{market->composite_venues(i)});
  }
}

// ---- Redis -------------------------------------------------------------------------------

void write_redis(prometheus_text& out, const redis_stats* redis, const redis_store_stats* writer) {
  if (redis == nullptr || !redis->enabled.load(std::memory_order_relaxed)) return;
  const auto one = [&](std::string_view name, metric_type type, std::string_view help,
                       std::uint64_t v) {
    out.family(name, type, help);
    out.sample(name, {}, v);
  };
  one("tickerd_redis_connected", metric_type::gauge, "1 while the Redis data connection is up.",
      redis->connected.load(std::memory_order_relaxed) ? 1 : 0);
  one("tickerd_redis_connects_total", metric_type::counter,
      "Successful connects to Redis, the first included.", read(redis->connects));
  one("tickerd_redis_disconnects_total", metric_type::counter,
      "Losses of an open Redis connection.", read(redis->disconnects));
  if (redis->ingest.load(std::memory_order_relaxed)) {
    one("tickerd_ingest_lease_held", metric_type::gauge,
        "1 while this ingest node holds the ingest lease (the one writing to Redis).",
        redis->lease_held.load(std::memory_order_relaxed) ? 1 : 0);
  }
  if (writer == nullptr) return;
  one("tickerd_redis_buffered_updates", metric_type::gauge,
      "Updates waiting to be written to Redis (buffered or in flight).", read(writer->buffered));
  one("tickerd_redis_written_updates_total", metric_type::counter, "Updates Redis accepted.",
      read(writer->written));
  one("tickerd_redis_write_failures_total", metric_type::counter,
      "Redis write batches that failed (rewritten after the reconnect).", read(writer->failures));
  one("tickerd_redis_dropped_history_total", metric_type::counter,
      "History entries given up because the write buffer was full (the state was kept).",
      read(writer->dropped));
}

}  // namespace

void write_build_info(prometheus_text& out) {
  out.family("tickerd_build_info", metric_type::gauge,
             "Always 1; the labels say which tickerd is running.");
  out.sample("tickerd_build_info", {{"version", TICKERD_VERSION}}, std::uint64_t{1});
}

void write_server_metrics(prometheus_text& out, const sources& from, std::int64_t now_wall_ms) {
  write_shard_families(out, from.shards);
  write_delivery_latency(out, from.shards);
  write_feeds(out, from.feeds, now_wall_ms);
  write_symbols(out, from.market);
  write_redis(out, from.redis, from.redis_writer);
}

void write_process_metrics(prometheus_text& out, const process_sample& p) {
  out.family("process_cpu_seconds_total", metric_type::counter,
             "Total user and system CPU time spent in seconds.");
  out.sample("process_cpu_seconds_total", {}, p.cpu_seconds);
  out.family("process_resident_memory_bytes", metric_type::gauge, "Resident memory size in bytes.");
  out.sample("process_resident_memory_bytes", {}, p.resident_bytes);
  out.family("process_virtual_memory_bytes", metric_type::gauge, "Virtual memory size in bytes.");
  out.sample("process_virtual_memory_bytes", {}, p.virtual_bytes);
  out.family("process_start_time_seconds", metric_type::gauge,
             "Start time of the process since unix epoch in seconds.");
  out.sample("process_start_time_seconds", {}, p.start_time_seconds);
  out.family("process_open_fds", metric_type::gauge, "Number of open file descriptors.");
  out.sample("process_open_fds", {}, p.open_fds);
  out.family("process_max_fds", metric_type::gauge, "Maximum number of open file descriptors.");
  out.sample("process_max_fds", {}, p.max_fds);
}

void collect(std::string& out, const sources& from, std::int64_t now_wall_ms) {
  prometheus_text text(out);
  write_build_info(text);
  write_server_metrics(text, from, now_wall_ms);
  if (const auto p = read_process_sample()) write_process_metrics(text, *p);
}

}  // namespace tickerd::metrics
