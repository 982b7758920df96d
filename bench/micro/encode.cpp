// Encoding one composite ticker update, the work tickerd does once per update whatever the
// number of subscribers: compose() over three venues, encode_ticker() into the aggregator's
// reused buffer, make_update() (the "update" text, one allocation of the shared
// update). Measured apart and together; and what a node serving format=ccxt pays per update.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tickerd/hub/update.hpp"
#include "tickerd/market/ccxt_from_native.hpp"
#include "tickerd/market/composite.hpp"

namespace tickerd::bench {
namespace {

const std::string btc_symbol = "BTC-USDT";
constexpr std::string_view btc_channel = "ticker.BTC-USDT";
constexpr channel_id btc_channel_id = 0;
constexpr std::uint32_t outlier_band_bp = 500;  // tickerd's default (market.outlier_band_bp)

decimal dec(std::string_view text) {
  decimal d;
  if (decimal::parse(text, d) != decimal_errc::ok) throw std::runtime_error("bad decimal");
  return d;
}

struct venue_quote {
  venue_id venue;
  std::string_view last, open, high, low, volume_base, volume_quote, bid, bid_qty, ask, ask_qty;
};

// The same instrument at three venues, with each venue's own precision.
constexpr std::array<venue_quote, 3> quotes{{
    {venue_id::binance, "85205.70000000", "86056.10000000", "86800.00000000", "84500.10000000",
     "12345.67890000", "1051234567.12345600", "85205.60000000", "0.51200000", "85205.70000000",
     "1.20000000"},
    {venue_id::okx, "85205.8", "86051.2", "86790", "84500", "6543.2101", "557654321.7654",
     "85205.7", "0.81", "85205.8", "0.2"},
    {venue_id::coinbase, "85204.91", "86060.00", "86805.55", "84499.99", "4321.12345678", "",
     "85204.90", "0.05000000", "85204.91", "0.12030000"},
}};

std::array<tick, 3> venue_ticks() {
  std::array<tick, 3> out{};
  for (std::size_t i = 0; i < quotes.size(); ++i) {
    const auto& q = quotes[i];
    tick& t = out[i];
    t.venue = q.venue;
    t.instrument = 0;
    const auto set = [&t](tick_field f, decimal tick::*member, std::string_view text) {
      if (text.empty()) return;
      t.*member = dec(text);
      t.fields = static_cast<std::uint16_t>(t.fields | f);
    };
    set(tf_last, &tick::last, q.last);
    set(tf_open, &tick::open_24h, q.open);
    set(tf_high, &tick::high_24h, q.high);
    set(tf_low, &tick::low_24h, q.low);
    set(tf_volume_base, &tick::volume_base, q.volume_base);
    set(tf_volume_quote, &tick::volume_quote, q.volume_quote);
    set(tf_bid, &tick::bid, q.bid);
    set(tf_bid_qty, &tick::bid_qty, q.bid_qty);
    set(tf_ask, &tick::ask, q.ask);
    set(tf_ask_qty, &tick::ask_qty, q.ask_qty);
    t.exchange_ts_us = 1764061234000000 + static_cast<std::int64_t>(i) * 1000;
    t.recv_ts_us = 1764061234001234 + static_cast<std::int64_t>(i) * 17;
  }
  return out;
}

void bm_compose(benchmark::State& state) {
  const auto ticks = venue_ticks();
  const compose_options options{outlier_band_bp};
  for (auto _ : state) {
    auto c = compose(std::span<const tick>(ticks), options);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_compose)->Name("encode/compose_3_venues");

void bm_encode_ticker(benchmark::State& state) {
  const auto ticks = venue_ticks();
  const auto c = compose(std::span<const tick>(ticks), compose_options{outlier_band_bp});
  if (c.venues != 0b111) {
    state.SkipWithError("compose left a venue out");
    return;
  }
  std::string buffer;
  std::size_t bytes = 0;
  for (auto _ : state) {
    buffer.clear();  // the aggregator's buffer is reused the same way
    encode_ticker(buffer, btc_symbol, c);
    benchmark::DoNotOptimize(buffer.data());
    bytes += buffer.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["data_bytes"] = static_cast<double>(buffer.size());
}
BENCHMARK(bm_encode_ticker)->Name("encode/encode_ticker");

void bm_make_update(benchmark::State& state) {
  const auto ticks = venue_ticks();
  std::string data;
  encode_ticker(data, btc_symbol,
                compose(std::span<const tick>(ticks), compose_options{outlier_band_bp}));
  std::uint64_t seq = 0;
  std::size_t update_bytes = 0;
  for (auto _ : state) {
    auto u = make_update(btc_channel_id, btc_channel, ++seq, data);
    update_bytes = u->update_text.size();
    benchmark::DoNotOptimize(u.get());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["update_bytes"] = static_cast<double>(update_bytes);
}
BENCHMARK(bm_make_update)->Name("encode/make_update");

// Everything once per update: what a published ticker costs before fan-out.
void bm_compose_encode_update(benchmark::State& state) {
  const auto ticks = venue_ticks();
  const compose_options options{outlier_band_bp};
  std::string buffer;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    buffer.clear();
    encode_ticker(buffer, btc_symbol, compose(std::span<const tick>(ticks), options));
    auto u = make_update(btc_channel_id, btc_channel, ++seq, buffer);
    benchmark::DoNotOptimize(u.get());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(bm_compose_encode_update)->Name("encode/compose_encode_update");

// format=ccxt: what a node with a CCXT client pays once per ticker update (never at ingest,
// never per delivery): the native data read back and the CCXT texts kept on the update
// (gateway/ccxt_form). A fresh update each time, as each published one is met once.
void bm_ccxt_form_of_update(benchmark::State& state) {
  const auto ticks = venue_ticks();
  std::string data;
  encode_ticker(data, btc_symbol,
                compose(std::span<const tick>(ticks), compose_options{outlier_band_bp}));
  simdjson::dom::parser parser;
  std::string buffer;
  std::uint64_t seq = 0;
  std::size_t ccxt_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto u = make_update(btc_channel_id, btc_channel, ++seq, data);
    state.ResumeTiming();
    buffer.clear();
    if (!encode_ccxt_from_native(buffer, channel_kind::ticker, u->data(), parser)) {
      state.SkipWithError("the native ticker did not read back");
      return;
    }
    const auto& kept = u->keep_ccxt(buffer);
    ccxt_bytes = kept.text.size();
    benchmark::DoNotOptimize(&kept);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["ccxt_texts_bytes"] = static_cast<double>(ccxt_bytes);
}
BENCHMARK(bm_ccxt_form_of_update)->Name("encode/ccxt_form_of_update");

}  // namespace
}  // namespace tickerd::bench
