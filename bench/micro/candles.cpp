// The candle builder on the ingest thread: trades per second through one stream's six
// intervals (1m … 1d), one trade at a time and in frames of 50 (Binance bursts), with
// Binance's 8-decimal prices and sizes; the venue clock advances 3.3 ms per trade (300
// trades/s), so minutes close (and an empty-free history fills) along the run.
//
// Issue 17's cost check: candles are work per trade frame on the ingest thread, never per
// client. `ingest/*` measures, per upstream trade frame, what the ingest thread does for it:
// the trade updates (the venue channel and the tape, each encoded once and shared), and the
// candles (both streams' candle_set::add, then every changed interval encoded once as its
// update: six forming candles per stream; market_streams publishes the forming ones once per
// ingest loop turn, so this is the worst case of one frame per turn). A client's delivery is
// the same shared update
// whatever it is (bench/micro/fanout.cpp, the load tests): candles add nothing to it.
// `candles/memory/…` fills 24 h of 1m candles for 11 symbols x 6 streams through the real
// builder and reads what the histories hold and what the process's RSS grew by.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/hub/update.hpp"
#include "tickerd/market/candle_builder.hpp"
#include "tickerd/market/candle_json.hpp"
#include "tickerd/market/market_streams.hpp"
#include "tickerd/market/trade_json.hpp"

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

// ---- per upstream trade frame, on the ingest thread (issue 17) -------------------------------

const std::string btc_symbol = "BTC-USDT";

// Channel names of one venue's and the tape's streams, as market_streams names them.
struct stream_names {
  std::string venue_trades = "trades.BTC-USDT@binance";
  std::string tape_trades = "trades.BTC-USDT";
  std::array<std::string, candle_interval_count> venue_candles;
  std::array<std::string, candle_interval_count> tape_candles;
  stream_names() {
    for (std::size_t i = 0; i < candle_interval_count; ++i) {
      const auto iv = std::string(to_string(all_candle_intervals[i]));
      venue_candles[i] = "candles.BTC-USDT@binance." + iv;
      tape_candles[i] = "candles.BTC-USDT." + iv;
    }
  }
};

// The sample trades with Binance-style ids (the encoders print them).
std::vector<trade> samples_with_ids() {
  auto out = sample_trades();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!trade_id::make(std::to_string(4'821'035 + i), out[i].id)) throw std::runtime_error("id");
  }
  return out;
}

// The next frame: trades copied from the samples, the venue clock moving on (inside the timed
// loop, as bm_candles does: a few stores per trade).
void fill_frame(std::vector<trade>& frame, const std::vector<trade>& samples, std::size_t& k,
                std::int64_t& ts) {
  for (auto& t : frame) {
    t = samples[k++ % samples.size()];
    ts += trade_spacing_us;
    t.exchange_ts_us = ts;
    t.recv_ts_us = ts + 1'000;
  }
}

// The trade updates of one frame: the venue channel's and the tape's, each encoded once.
void bm_trade_updates(benchmark::State& state) {
  const auto samples = samples_with_ids();
  const stream_names names;
  std::vector<trade> frame(static_cast<std::size_t>(state.range(0)));
  trade_counter venue_count;
  trade_counter tape_count;
  std::string buffer;
  std::uint64_t seq = 0;
  std::int64_t ts = start_us;
  std::size_t k = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    fill_frame(frame, samples, k, ts);
    ++seq;
    buffer.clear();
    encode_venue_trades(buffer, btc_symbol, venue_id::binance, frame,
                        venue_count.take(frame.size()));
    auto a = make_update(0, names.venue_trades, seq, buffer);
    buffer.clear();
    encode_tape_trades(buffer, btc_symbol, frame, tape_count.take(frame.size()));
    auto b = make_update(1, names.tape_trades, seq, buffer);
    bytes = b->update_text.size();
    benchmark::DoNotOptimize(a.get());
    benchmark::DoNotOptimize(b.get());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["trades_per_frame"] = static_cast<double>(frame.size());
  state.counters["update_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(bm_trade_updates)->Name("ingest/trade_updates/venue+tape")->Arg(1)->Arg(5);

// The candles of one frame: both streams' six intervals, and one update per changed interval
// (closed ones first, then the forming one), each encoded once, as market_streams publishes.
void bm_candle_updates(benchmark::State& state) {
  const auto samples = samples_with_ids();
  const stream_names names;
  std::vector<trade> frame(static_cast<std::size_t>(state.range(0)));
  candle_set venue_set;
  candle_set tape_set;
  std::string buffer;
  std::uint64_t seq = 0;
  std::int64_t ts = start_us;
  std::size_t k = 0;
  std::uint64_t updates = 0;
  const auto publish = [&](const candle_set& set, const candle_set::changes& changes,
                           std::optional<venue_id> venue,
                           const std::array<std::string, candle_interval_count>& channel) {
    for (std::size_t i = 0; i < candle_interval_count; ++i) {
      const auto& b = set.builder(all_candle_intervals[i]);
      const auto& c = changes[i];
      for (std::uint32_t n = c.closed; n > 0; --n) {
        buffer.clear();
        encode_candle(buffer, btc_symbol, venue, all_candle_intervals[i],
                      b.history().newest(n - 1));
        auto u = make_update(static_cast<channel_id>(i), channel[i], ++seq, buffer);
        benchmark::DoNotOptimize(u.get());
        ++updates;
      }
      if (c.forming) {
        buffer.clear();
        encode_candle(buffer, btc_symbol, venue, all_candle_intervals[i], b.forming());
        auto u = make_update(static_cast<channel_id>(i), channel[i], ++seq, buffer);
        benchmark::DoNotOptimize(u.get());
        ++updates;
      }
    }
  };
  for (auto _ : state) {
    fill_frame(frame, samples, k, ts);
    candle_set::changes venue_changes{};
    candle_set::changes tape_changes{};
    venue_set.add(frame, venue_changes);
    tape_set.add(frame, tape_changes);
    publish(venue_set, venue_changes, venue_id::binance, names.venue_candles);
    publish(tape_set, tape_changes, std::nullopt, names.tape_candles);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["trades_per_frame"] = static_cast<double>(frame.size());
  state.counters["updates_per_frame"] =
      static_cast<double>(updates) / static_cast<double>(state.iterations());
}
BENCHMARK(bm_candle_updates)->Name("ingest/candle_updates/venue+tape")->Arg(1)->Arg(5);

// The wired thing: market_streams (what server.cpp feeds every parsed frame) on a frame of
// Binance trades for BTC-USDT, 11 instruments x 5 venues, every family on (trades, bbo,
// candles) and, for the difference, candles off. The publisher's sink only counts: no client
// is subscribed, and none would change this work (encoded once, shared).
void bm_market_streams(benchmark::State& state, bool candles) {
  const auto samples = samples_with_ids();
  std::vector<instrument> instruments;
  for (const char* base :
       {"BTC", "ETH", "BNB", "SOL", "XRP", "DOGE", "TRX", "TON", "SUI", "TRUMP", "ONDO"}) {
    instruments.push_back({base, "USDT"});
  }
  const std::vector<venue_id> venues{venue_id::binance, venue_id::okx, venue_id::coinbase,
                                     venue_id::bybit, venue_id::kraken};
  const channel_registry channels{instruments, venues, channel_families{true, true, candles, true}};
  std::uint64_t published = 0;
  publisher pub{channels, [&published](update_ptr) { ++published; }};
  market_streams streams{instruments, channels, pub};
  streams.on_timer(start_us);
  market_events events;
  events.trades.resize(static_cast<std::size_t>(state.range(0)));
  std::int64_t ts = start_us;
  std::size_t k = 0;
  for (auto _ : state) {
    fill_frame(events.trades, samples, k, ts);
    streams.on_events(events);
    // One frame per ingest loop turn, the worst case: every forming candle is published.
    if (streams.has_pending()) streams.flush();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["trades_per_frame"] = static_cast<double>(events.trades.size());
  state.counters["updates_per_frame"] =
      static_cast<double>(published) / static_cast<double>(state.iterations());
}
void bm_market_streams_candles(benchmark::State& state) {
  bm_market_streams(state, true);
}
void bm_market_streams_no_candles(benchmark::State& state) {
  bm_market_streams(state, false);
}
BENCHMARK(bm_market_streams_candles)->Name("ingest/market_streams/candles_on")->Arg(1)->Arg(5);
BENCHMARK(bm_market_streams_no_candles)->Name("ingest/market_streams/candles_off")->Arg(1)->Arg(5);

// ---- memory: 24 h of 1m candles x 11 symbols x 6 streams (five venues and the tape) -----------

constexpr std::size_t memory_streams = 11 * 6;
constexpr std::int64_t day_us = 86'400'000'000;
constexpr std::int64_t memory_trade_spacing_us = 5'000'000;  // one trade per stream per 5 s

std::int64_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

std::int64_t heap_in_use() {
  const auto m = mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}

// One pass (Iterations(1), Repetitions(1)): 66 candle_sets with the default history, fed one
// trade every 5 s of venue time for 24 h and advanced to the end, so every stream holds 1,440
// closed 1m candles (and 288 5m, 96 15m, 24 1h, 6 4h, 1 1d).
void bm_candle_memory(benchmark::State& state) {
  const auto samples = sample_trades();
  for (auto _ : state) {
    malloc_trim(0);
    const auto rss_before = rss_bytes();
    const auto heap_before = heap_in_use();
    auto sets = std::make_unique<std::array<candle_set, memory_streams>>();
    candle_set::changes changes{};
    std::array<trade, 1> one{};
    std::size_t k = 0;
    std::int64_t added = 0;
    for (std::int64_t t = start_us; t < start_us + day_us; t += memory_trade_spacing_us) {
      for (auto& set : *sets) {
        one[0] = samples[k++ % samples.size()];
        one[0].exchange_ts_us = t;
        one[0].recv_ts_us = t + 1'000;
        set.add(one, changes);
        ++added;
      }
    }
    for (auto& set : *sets) set.advance(start_us + day_us + 1, changes);
    benchmark::DoNotOptimize(changes);
    const auto rss_after = rss_bytes();
    const auto heap_after = heap_in_use();
    double m1_bytes = 0;
    double all_bytes = 0;
    std::size_t m1_candles = 0;
    for (const auto& set : *sets) {
      for (const auto iv : all_candle_intervals) {
        const auto& h = set.builder(iv).history();
        all_bytes += static_cast<double>(h.allocated_bytes());
        if (iv == candle_interval::m1) {
          m1_bytes += static_cast<double>(h.allocated_bytes());
          m1_candles += h.size();
        }
      }
    }
    state.counters["streams"] = static_cast<double>(memory_streams);
    state.counters["m1_candles"] = static_cast<double>(m1_candles);
    state.counters["candle_bytes"] = static_cast<double>(sizeof(candle));
    state.counters["m1_history_bytes"] = m1_bytes;
    state.counters["all_history_bytes"] = all_bytes;
    state.counters["sets_bytes"] = static_cast<double>(sizeof(*sets));
    state.counters["heap_delta_bytes"] = static_cast<double>(heap_after - heap_before);
    state.counters["rss_delta_bytes"] = static_cast<double>(rss_after - rss_before);
    state.counters["trades_added"] = static_cast<double>(added);
    state.SetItemsProcessed(added);
    if (m1_candles != memory_streams * 1440) state.SkipWithError("1m histories are not full");
    sets.reset();
  }
}
BENCHMARK(bm_candle_memory)
    ->Name("candles/memory/24h_1m_x11_symbols_x6_streams")
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tickerd::bench
