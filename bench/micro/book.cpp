// Order books (issue 18): level changes applied per second on one core, the issue's goal being
// at least 1M/s, for a 50-level book with a realistic change pattern: most changes at the top
// of the book (depth drawn from a geometric law, mean ~6 levels deep), 70 % size updates,
// 30 % deletes, new levels inserted in the gaps (the book holds 40-50 levels a side and evicts
// its worst level when full), prices on a tick with 8-decimal sizes as Binance writes them.
//
//   book/apply_levels          order_book::apply alone: one level change per item.
//   book/sync_binance_frames   book_sync::on_message with Binance diff-depth messages of 10
//                              changes (the id rule, the crossed check, the change mark).
//   book/parse_apply_binance   the ingest thread's whole cost per frame: parse a 100 ms
//                              depth frame (20 changes) with the depth parser, then apply it.
// items_per_second is level changes per second in all three. `book/memory` reports the bytes a
// 50-level book holds (and its book50 update's JSON); `book/memory_binance_1000` the bytes one
// Binance book holds as tickerd keeps it (book_sync at the 1,000 levels a side of its REST
// snapshot), after that snapshot and a steady stream of 100,000 diff-depth frames of 10 changes
// each, and (json_bytes) that book written whole, the fresh snapshot a delta channel would owe each
// client at each of its gaps.
//
// The delta form's cost (issue 18's `book.<SYM>@<venue>` decision, bench/RESULTS.md):
//   book/encode_delta_frame/N  one venue frame's N level changes written once as a delta
//                              update's data (the depth channels' writer, sizes "0" for removals);
//                              20 is a Binance 100 ms frame here, 135 the sim's Binance frame in
//                              the load bench. Set beside book/publish_venue_frame (what tickerd
//                              spends per frame on the full-state channels).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "feeds/venues/book_streams.hpp"
#include "tickerd/market/book/book_parsers.hpp"
#include "tickerd/market/book/book_sync.hpp"
#include "tickerd/market/book/order_book.hpp"
#include "tickerd/market/depth_json.hpp"

namespace tickerd::bench {
namespace {

using book::book_level;
using book::book_side;

constexpr std::int64_t mid_ticks = 8520570;  // 85205.70 at a 0.01 tick
constexpr std::size_t depth = 50;
constexpr std::size_t pattern_length = 1 << 16;

struct change {
  book_side side;
  decimal price;
  decimal size;
};

// Changes drawn against a fixed mid: depth k below the best possible price, k geometric.
std::vector<change> make_pattern(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<int> depth_of(0.15);
  std::vector<change> out;
  out.reserve(pattern_length);
  for (std::size_t i = 0; i < pattern_length; ++i) {
    const bool bid = (rng() & 1) != 0;
    const int k = depth_of(rng) % 80;
    const std::int64_t ticks = bid ? mid_ticks - 1 - k : mid_ticks + 1 + k;
    const bool remove = rng() % 10 < 3;
    const std::int64_t size = remove ? 0 : static_cast<std::int64_t>(rng() % 500000000) + 1000;
    out.push_back({bid ? book_side::bid : book_side::ask, decimal(ticks, 2), decimal(size, 8)});
  }
  return out;
}

book::order_book full_book() {
  book::order_book b(depth);
  for (std::size_t k = 0; k < depth; ++k) {
    const auto tk = static_cast<std::int64_t>(k);
    b.apply(book_side::bid, decimal(mid_ticks - 1 - 2 * tk, 2), decimal(100000000, 8));
    b.apply(book_side::ask, decimal(mid_ticks + 1 + 2 * tk, 2), decimal(100000000, 8));
  }
  return b;
}

void bm_apply_levels(benchmark::State& state) {
  const std::vector<change> pattern = make_pattern(1);
  book::order_book b = full_book();
  std::size_t i = 0;
  for (auto _ : state) {
    const change& c = pattern[i];
    benchmark::DoNotOptimize(b.apply(c.side, c.price, c.size));
    i = (i + 1) & (pattern_length - 1);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["levels_bid"] = static_cast<double>(b.bids().size());
  state.counters["levels_ask"] = static_cast<double>(b.asks().size());
}
BENCHMARK(bm_apply_levels)->Name("book/apply_levels");

void bm_sync_binance_frames(benchmark::State& state) {
  constexpr std::size_t per_frame = 10;
  const std::vector<change> pattern = make_pattern(2);
  std::vector<book::book_message> frames(pattern_length / per_frame);
  for (std::size_t f = 0; f < frames.size(); ++f) {
    for (std::size_t j = 0; j < per_frame; ++j) {
      const change& c = pattern[f * per_frame + j];
      (c.side == book_side::bid ? frames[f].bids : frames[f].asks).push_back({c.price, c.size});
    }
  }
  book::book_sync sync(venue_id::binance);
  book::book_message snapshot;
  snapshot.kind = book::book_msg_kind::snapshot;
  const book::order_book seed = full_book();
  snapshot.bids.assign(seed.bids().begin(), seed.bids().end());
  snapshot.asks.assign(seed.asks().begin(), seed.asks().end());
  snapshot.last_id = 0;
  sync.on_rest_snapshot(snapshot);
  std::int64_t id = 1;
  std::size_t f = 0;
  std::size_t publishes = 0;
  for (auto _ : state) {
    book::book_message& m = frames[f];
    m.first_id = id;
    m.last_id = id;
    ++id;
    const auto r = sync.on_message(m);
    if (r.outcome != book::sync_outcome::applied) state.SkipWithError("book lost sync");
    if (sync.book().top_changed(20)) ++publishes;  // what a book20 publisher would encode
    sync.book().mark_published();
    f = f + 1 == frames.size() ? 0 : f + 1;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_frame));
  state.counters["book20_publish_share"] =
      static_cast<double>(publishes) / static_cast<double>(state.iterations());
}
BENCHMARK(bm_sync_binance_frames)->Name("book/sync_binance_frames");

void bm_parse_apply_binance(benchmark::State& state) {
  constexpr std::size_t per_frame = 20;
  const std::vector<change> pattern = make_pattern(3);
  std::vector<std::string> frames;
  for (std::size_t f = 0; f + per_frame <= 4096; f += per_frame) {
    std::string bids, asks;
    for (std::size_t j = 0; j < per_frame; ++j) {
      const change& c = pattern[f + j];
      std::string& out = c.side == book_side::bid ? bids : asks;
      out += out.empty() ? "[\"" : ",[\"";
      out += c.price.to_string() + "\",\"" + c.size.to_string() + "\"]";
    }
    frames.push_back(
        R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1764061200000,"s":"BTCUSDT","U":1,"u":1,"b":[)" +
        bids + "],\"a\":[" + asks + "]}}");
  }
  book::book_parser parser(venue_id::binance);
  book::book_frame frame;
  book::order_book b = full_book();
  std::size_t f = 0;
  for (auto _ : state) {
    if (parser.parse(frames[f], frame) != feed_errc::ok) state.SkipWithError("parse failed");
    const book::book_message& m = frame[0];
    for (const book_level& l : m.bids) b.apply(book_side::bid, l.price, l.size);
    for (const book_level& l : m.asks) b.apply(book_side::ask, l.price, l.size);
    benchmark::DoNotOptimize(b.crossed());
    f = f + 1 == frames.size() ? 0 : f + 1;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_frame));
  state.counters["frame_bytes"] = static_cast<double>(frames[0].size());
}
BENCHMARK(bm_parse_apply_binance)->Name("book/parse_apply_binance");

void bm_memory(benchmark::State& state) {
  const book::order_book b = full_book();
  for (auto _ : state) benchmark::DoNotOptimize(b.memory_bytes());
  state.counters["bytes_per_50_level_book"] = static_cast<double>(b.memory_bytes());
  state.counters["bytes_per_level"] = static_cast<double>(sizeof(book_level));
  std::string json;  // the book50 update of this book, for the delta form's comparison
  encode_venue_book(json, "BTC-USDT", depth,
                    {venue_id::binance, book_state::ready, b.bids(), b.asks(), 1, 1, 1});
  state.counters["book50_json_bytes"] = static_cast<double>(json.size());
}
BENCHMARK(bm_memory)->Name("book/memory");

void bm_memory_binance_1000(benchmark::State& state) {
  constexpr std::size_t levels = book_streams::binance_snapshot_limit;
  constexpr std::size_t per_frame = 10;
  constexpr std::size_t frames = 100000;
  book::book_sync sync(venue_id::binance, book::sync_options{.depth = levels});
  book::book_message snapshot;
  snapshot.kind = book::book_msg_kind::snapshot;
  for (std::size_t k = 0; k < levels; ++k) {
    const auto tk = static_cast<std::int64_t>(k);
    snapshot.bids.push_back({decimal(mid_ticks - 1 - tk, 2), decimal(100000000, 8)});
    snapshot.asks.push_back({decimal(mid_ticks + 1 + tk, 2), decimal(100000000, 8)});
  }
  snapshot.last_id = 0;
  sync.on_rest_snapshot(snapshot);
  const std::vector<change> pattern = make_pattern(4);
  book::book_message m;
  for (std::size_t f = 0; f < frames; ++f) {
    m.bids.clear();
    m.asks.clear();
    for (std::size_t j = 0; j < per_frame; ++j) {
      const change& c = pattern[(f * per_frame + j) & (pattern_length - 1)];
      (c.side == book_side::bid ? m.bids : m.asks).push_back({c.price, c.size});
    }
    m.first_id = static_cast<std::int64_t>(f + 1);
    m.last_id = m.first_id;
    if (sync.on_message(m).outcome != book::sync_outcome::applied) {
      state.SkipWithError("book lost sync");
      return;
    }
    sync.book().mark_published();
  }
  for (auto _ : state) benchmark::DoNotOptimize(sync.book().memory_bytes());
  // The book's levels (reserved once at its capacity) and the book_sync object around it.
  state.counters["book_bytes"] = static_cast<double>(sync.book().memory_bytes());
  state.counters["sync_object_bytes"] = static_cast<double>(sizeof(book::book_sync));
  state.counters["levels_bid"] = static_cast<double>(sync.book().bids().size());
  state.counters["levels_ask"] = static_cast<double>(sync.book().asks().size());
  std::string json;
  encode_venue_book(json, "BTC-USDT", levels,
                    {venue_id::binance, book_state::ready, sync.book().bids(), sync.book().asks(),
                     static_cast<std::uint64_t>(frames), 1, 1});
  state.counters["json_bytes"] = static_cast<double>(json.size());
}
BENCHMARK(bm_memory_binance_1000)->Name("book/memory_binance_1000");

void bm_encode_delta_frame(benchmark::State& state) {
  const auto per_frame = static_cast<std::size_t>(state.range(0));
  const std::vector<change> pattern = make_pattern(5);
  std::vector<book_level> bids;
  std::vector<book_level> asks;
  std::string out;
  std::size_t next = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    bids.clear();
    asks.clear();
    for (std::size_t j = 0; j < per_frame; ++j) {
      const change& c = pattern[next++ & (pattern_length - 1)];
      (c.side == book_side::bid ? bids : asks).push_back({c.price, c.size});
    }
    out.clear();
    encode_venue_book(
        out, "BTC-USDT", per_frame,
        {venue_id::binance, book_state::ready, bids, asks, static_cast<std::uint64_t>(next), 1, 1});
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["json_bytes"] = static_cast<double>(bytes) /
                                 static_cast<double>(std::max<std::int64_t>(1, state.iterations()));
}
BENCHMARK(bm_encode_delta_frame)->Name("book/encode_delta_frame")->Arg(20)->Arg(135);

}  // namespace
}  // namespace tickerd::bench
