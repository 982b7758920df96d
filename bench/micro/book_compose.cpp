// The composed book (issue 18): what merging the venues' books costs the ingest thread, and
// what publishing one venue's book frame costs (its depth channels and, at the turn's end,
// the composed ones). Five venues of 50 levels a side around one mid, each venue on its own
// grid (1, 2, 3, 4, 5 ticks apart) so prices both coincide and interleave.
//
//   book/compose_5x50          compose_book of five 50-level books to depth 50 (one merge).
//   book/compose_5x50_depth20  the same to depth 20 (what a turn costs when only book20 and
//                              shallower changed).
//   book/compose_encode_book50 the merge plus the JSON of the composed book50.
//   book/publish_venue_frame   book_channels: one venue's frame whose change lands at a depth
//                              drawn as in book.cpp, its venue channels encoded and published,
//                              then flush() (the composed depths due): a turn of one frame.
//   book/memory_composed_book20 the bytes one composed book20 holds (its levels and object)
//                              and the size of its JSON text (a resume history entry's).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/book_channels.hpp"
#include "tickerd/market/composed_book.hpp"
#include "tickerd/market/depth_json.hpp"

namespace tickerd::bench {
namespace {

using book::book_level;
using book::book_side;

constexpr std::int64_t mid_ticks = 8520570;  // 85205.70 at a 0.01 tick
constexpr std::size_t depth = 50;

book::order_book venue_book(std::int64_t step) {
  book::order_book b(depth);
  for (std::size_t k = 0; k < depth; ++k) {
    const auto tk = static_cast<std::int64_t>(k);
    b.apply(book_side::bid, decimal(mid_ticks - 1 - step * tk, 2), decimal(100000000 + tk, 8));
    b.apply(book_side::ask, decimal(mid_ticks + 1 + step * tk, 2), decimal(100000000 + tk, 8));
  }
  return b;
}

struct five_books {
  std::array<book::order_book, venue_count> books{venue_book(1), venue_book(2), venue_book(3),
                                                  venue_book(4), venue_book(5)};
  std::vector<venue_book_view> views() const {
    std::vector<venue_book_view> out;
    for (std::size_t v = 0; v < venue_count; ++v) {
      out.push_back({static_cast<venue_id>(v), books[v].bids(), books[v].asks(), 1, 2});
    }
    return out;
  }
};

void bm_compose(benchmark::State& state) {
  const five_books five;
  const auto views = five.views();
  composed_book out;
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    compose_book(views, n, out);
    benchmark::DoNotOptimize(out.bids.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_compose)->Name("book/compose_5x50")->Arg(50);
BENCHMARK(bm_compose)->Name("book/compose_5x50_depth20")->Arg(20);

void bm_compose_encode(benchmark::State& state) {
  const five_books five;
  const auto views = five.views();
  composed_book out;
  std::string json;
  const std::string symbol = "BTC-USDT";
  for (auto _ : state) {
    compose_book(views, depth, out);
    json.clear();
    encode_composed_book(json, symbol, depth, out);
    benchmark::DoNotOptimize(json.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["bytes"] = static_cast<double>(json.size());
}
BENCHMARK(bm_compose_encode)->Name("book/compose_encode_book50");

void bm_memory_composed_book20(benchmark::State& state) {
  constexpr std::size_t depth20 = 20;
  const five_books five;
  const auto views = five.views();
  composed_book out;
  for (int i = 0; i < 1000; ++i) compose_book(views, depth20, out);  // steady: capacities settled
  std::string json;
  encode_composed_book(json, "BTC-USDT", depth20, out);
  for (auto _ : state) benchmark::DoNotOptimize(out.bids.capacity());
  state.counters["book_bytes"] = static_cast<double>(
      sizeof(composed_book) + (out.bids.capacity() + out.asks.capacity()) * sizeof(composed_level));
  state.counters["json_bytes"] = static_cast<double>(json.size());
  state.counters["levels_bid"] = static_cast<double>(out.bids.size());
}
BENCHMARK(bm_memory_composed_book20)->Name("book/memory_composed_book20");

void bm_publish_venue_frame(benchmark::State& state) {
  const std::vector<instrument> instruments{{"BTC", "USDT"}};
  std::vector<venue_id> venues;
  for (std::size_t v = 0; v < venue_count; ++v) venues.push_back(static_cast<venue_id>(v));
  channel_families families;
  families.books = true;
  const channel_registry channels(instruments, venues, families);
  std::size_t published = 0;
  publisher pub(channels, [&](update_ptr) { ++published; });
  book_channels publisher_of_books(instruments, channels, pub);
  five_books five;
  for (std::size_t v = 0; v < venue_count; ++v) {
    publisher_of_books.on_book(
        {static_cast<venue_id>(v), 0, book_state::ready, &five.books[v], 1, 1, 2});
  }
  publisher_of_books.flush();
  std::mt19937_64 rng(3);
  std::geometric_distribution<int> depth_of(0.15);
  std::uint64_t id = 2;
  for (auto _ : state) {
    const auto v = static_cast<std::size_t>(rng() % venue_count);
    auto& b = five.books[v];
    const int k = depth_of(rng) % static_cast<int>(depth);
    const auto side = (rng() & 1) != 0 ? book_side::bid : book_side::ask;
    const auto level = b.levels(side)[static_cast<std::size_t>(k)];
    b.apply(side, level.price, decimal(static_cast<std::int64_t>(rng() % 500000000) + 1, 8));
    publisher_of_books.on_book({static_cast<venue_id>(v), 0, book_state::ready, &b, id,
                                static_cast<std::int64_t>(id), static_cast<std::int64_t>(id)});
    ++id;
    publisher_of_books.flush();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["updates_per_frame"] =
      static_cast<double>(published) / static_cast<double>(state.iterations());
}
BENCHMARK(bm_publish_venue_frame)->Name("book/publish_venue_frame");

}  // namespace
}  // namespace tickerd::bench
