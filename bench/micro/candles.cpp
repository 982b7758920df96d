// The candle builder on the ingest thread: trades per second through one stream's six
// intervals (1m … 1d), one trade at a time and in frames of 50 (Binance bursts), with
// Binance's 8-decimal prices and sizes; the venue clock advances 3.3 ms per trade (300
// trades/s), so minutes close (and an empty-free history fills) along the run.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "tickerd/market/candle_builder.hpp"

namespace tickerd::bench {
namespace {

constexpr std::int64_t trade_spacing_us = 3'333;
constexpr std::int64_t start_us = 1764061200'000'000;  // 2025-11-25 09:00 UTC
constexpr std::size_t frame_trades = 50;

decimal dec(std::string_view text) {
  decimal d;
  if (decimal::parse(text, d) != decimal_errc::ok) throw std::runtime_error("bad decimal");
  return d;
}

std::vector<trade> sample_trades() {
  constexpr std::array<std::string_view, 8> prices{
      "85205.70000000", "85205.69000000", "85206.01000000", "85204.99000000",
      "85205.70000000", "85207.12000000", "85203.50000000", "85205.71000000"};
  constexpr std::array<std::string_view, 8> sizes{"0.00120000", "0.50000000", "0.00001000",
                                                  "1.25000000", "0.03400000", "0.00250000",
                                                  "2.00000000", "0.00012000"};
  std::vector<trade> out;
  for (std::size_t i = 0; i < prices.size(); ++i) {
    trade t;
    t.venue = venue_id::binance;
    t.instrument = 0;
    t.price = dec(prices[i]);
    t.size = dec(sizes[i]);
    t.side = i % 2 == 0 ? taker_side::buy : taker_side::sell;
    out.push_back(t);
  }
  return out;
}

void bm_candles(benchmark::State& state, std::size_t per_frame) {
  const auto samples = sample_trades();
  std::vector<trade> frame(per_frame);
  candle_set set;
  candle_set::changes changes{};
  std::int64_t ts = start_us;
  std::size_t k = 0;
  for (auto _ : state) {
    for (auto& t : frame) {
      t = samples[k++ % samples.size()];
      ts += trade_spacing_us;
      t.exchange_ts_us = ts;
      t.recv_ts_us = ts + 1'000;
    }
    set.add(frame, changes);
    benchmark::DoNotOptimize(changes);
    changes = {};
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_frame));
  if (set.builder(candle_interval::m1).rejected() != 0) state.SkipWithError("trades rejected");
}

void bm_candles_one(benchmark::State& state) {
  bm_candles(state, 1);
}
BENCHMARK(bm_candles_one)->Name("candles/6_intervals/1_trade_per_frame");

void bm_candles_frame(benchmark::State& state) {
  bm_candles(state, frame_trades);
}
BENCHMARK(bm_candles_frame)->Name("candles/6_intervals/50_trades_per_frame");

}  // namespace
}  // namespace tickerd::bench
