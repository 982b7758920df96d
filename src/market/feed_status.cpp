#include "tickerd/market/feed_status.hpp"

#include "tickerd/core/json_writer.hpp"

namespace tickerd {

void encode_feed_status(std::string& out, std::span<const feed_status_entry> feeds,
                        std::int64_t now_wall_ms) {
  constexpr auto relaxed = std::memory_order_relaxed;
  out.append(R"({"feeds":[)");
  bool first = true;
  for (const auto& f : feeds) {
    if (!first) out.push_back(',');
    first = false;
    const feed_stats& s = *f.stats;
    out.push_back('{');
    json::append_key(out, "venue");
    json::append_string(out, f.name);
    json::append_key(out, "state");
    json::append_string(out, to_string(s.state.load(relaxed)));
    const auto last = s.last_message_wall_ms.load(relaxed);
    json::append_key(out, "last_message_age_ms");
    if (last == 0) {
      out.append("null");
    } else {
      json::append_int(out, now_wall_ms - last);
    }
    const auto counter = [&](std::string_view key, const std::atomic<std::uint64_t>& v) {
      json::append_key(out, key);
      json::append_int(out, static_cast<std::int64_t>(v.load(relaxed)));
    };
    counter("connects", s.connects);
    counter("reconnects", s.reconnects);
    counter("rollovers", s.rollovers);
    counter("messages", s.messages);
    counter("ticks", s.ticks);
    counter("parse_errors", s.parse_errors);
    counter("unknown_symbols", s.unknown_symbols);
    counter("gaps", s.gaps);
    counter("trades", s.trades);
    counter("quotes", s.quotes);
    counter("trade_gaps", s.trade_gaps);
    // Books (streams "book"): the same names as the metrics' (docs/PROTOCOL.md).
    json::append_key(out, "books");
    out.push_back('{');
    counter("ready", s.books_ready);
    counter("snapshots", s.book_snapshots);
    counter("level_changes", s.book_level_changes);
    counter("snapshot_errors", s.book_snapshot_errors);
    json::append_key(out, "resyncs");
    out.push_back('{');
    counter("gap", s.book_resyncs_gap);
    counter("checksum", s.book_resyncs_checksum);
    counter("crossed", s.book_resyncs_crossed);
    counter("stale_snapshot", s.book_resyncs_stale_snapshot);
    counter("out_of_order", s.book_resyncs_out_of_order);
    out.append("}}");
    out.push_back('}');
  }
  out.append("]}");
}

}  // namespace tickerd
