// Venue parsers: each adapter (steady state, one adapter reused as feed_session does) against
// an nlohmann::json peer that turns the same frames into the same ticks (nlohmann_peers.cpp).
// Both read the same ring of 16 realistic ticker frames (4 instruments, moving prices, as the
// venues send them on the wire: compact JSON). Before timing, every frame's ticks from both are
// compared field by field; a mismatch fails the benchmark instead of measuring it.
// bench/run.sh reports items/s (frames per second) and the ratio adapter / nlohmann.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "nlohmann_peers.hpp"
#include "tickerd/core/decimal.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd::bench {
namespace {

constexpr std::size_t ring_size = 16;
constexpr std::int64_t recv_ts_us = 1764061234001234;
constexpr std::int64_t first_event_ms = 1764061234000;
constexpr std::int64_t event_step_ms = 137;

// One instrument as a venue quotes it: prices at the venue's tick size, sizes at its lot size.
struct market {
  const char* base;
  std::int64_t last;  // mantissa at price_scale
  int price_scale;
  std::int64_t tick;  // price step between frames, at price_scale
  int qty_scale;
  std::int64_t volume_base;  // at qty_scale
};

constexpr std::array<market, 4> markets{{
    {"BTC", 8520570, 2, 10, 5, 1234567890},
    {"ETH", 301245, 2, 3, 4, 456789012},
    {"SOL", 14231, 2, 1, 3, 98765432},
    {"XRP", 21834, 4, 2, 1, 987654321},
}};

// The values one frame carries.
struct quote {
  const market* m = nullptr;
  decimal last, open, high, low, bid, bid_qty, ask, ask_qty, volume_base, volume_quote;
  decimal change, change_pct, change_fraction;
  std::int64_t event_ms = 0;
  std::uint64_t sequence = 0;
  std::string iso_time;  // event time, RFC 3339 with microseconds
};

decimal at_scale(decimal d, int scale) {
  decimal out;
  if (!d.rescale(scale, out)) throw std::runtime_error("bench frame value does not fit");
  return out;
}

quote make_quote(std::size_t k) {
  const market& m = markets[k % markets.size()];
  const auto step = static_cast<std::int64_t>(k / markets.size());
  quote q;
  q.m = &m;
  const std::int64_t last = m.last + step * m.tick;
  const std::int64_t open = m.last + m.last / 100;  // 1 % above: a red day
  q.last = decimal(last, m.price_scale);
  q.open = decimal(open, m.price_scale);
  q.high = decimal(open + m.last / 200, m.price_scale);
  q.low = decimal(last - m.last / 150, m.price_scale);
  q.bid = decimal(last - m.tick, m.price_scale);
  q.ask = q.last;
  q.bid_qty = decimal(51200 + 7 * static_cast<std::int64_t>(k), m.qty_scale);
  q.ask_qty = decimal(120000 - 11 * static_cast<std::int64_t>(k), m.qty_scale);
  q.volume_base = decimal(m.volume_base + 1234 * step, m.qty_scale);
  // Quote volume: base volume times the whole part of the price, plus odd digits.
  std::int64_t whole_price = last;
  for (int i = 0; i < m.price_scale; ++i) whole_price /= 10;
  q.volume_quote = decimal(m.volume_base * whole_price + 12345, m.qty_scale);
  if (!decimal::sub(q.last, q.open, q.change) ||
      !decimal::change_pct(q.last, q.open, 2, q.change_pct) ||
      !decimal::change_pct(q.last, q.open, 4, q.change_fraction)) {
    throw std::runtime_error("bench frame change does not fit");
  }
  q.change_fraction = decimal(q.change_fraction.mantissa(), 6);  // percent -> fraction
  q.event_ms = first_event_ms + static_cast<std::int64_t>(k) * event_step_ms;
  q.sequence = 37475248783ull + k;
  const std::int64_t s = (q.event_ms / 1000) % 60;
  const std::int64_t us = (q.event_ms % 1000) * 1000 + 769;
  char buf[40];
  std::snprintf(buf, sizeof buf, "2025-11-25T09:00:%02lld.%06lldZ", static_cast<long long>(s),
                static_cast<long long>(us));
  q.iso_time = buf;
  return q;
}

// Appends "key":"value" (a decimal as a JSON string), with a leading comma unless first.
void str_field(std::string& out, const char* key, decimal d) {
  if (out.back() != '{') out.push_back(',');
  out.append("\"").append(key).append("\":\"").append(d.to_string()).push_back('"');
}
void raw_field(std::string& out, const char* key, std::string_view raw) {
  if (out.back() != '{') out.push_back(',');
  out.append("\"").append(key).append("\":").append(raw);
}
std::string num(std::int64_t v) {
  return std::to_string(v);
}
std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// Binance combined stream, <symbol>@ticker: every amount with 8 fraction digits.
std::string binance_frame(const quote& q) {
  const std::string symbol = std::string(q.m->base) + "USDT";
  std::string lower = symbol;
  for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  std::string d = "{";
  raw_field(d, "e", quoted("24hrTicker"));
  raw_field(d, "E", num(q.event_ms));
  raw_field(d, "s", quoted(symbol));
  str_field(d, "p", at_scale(q.change, 8));
  str_field(d, "P", at_scale(q.change_pct, 3));
  str_field(d, "w", at_scale(q.low, 8));
  str_field(d, "x", at_scale(q.open, 8));
  str_field(d, "c", at_scale(q.last, 8));
  str_field(d, "Q", at_scale(q.bid_qty, 8));
  str_field(d, "b", at_scale(q.bid, 8));
  str_field(d, "B", at_scale(q.bid_qty, 8));
  str_field(d, "a", at_scale(q.ask, 8));
  str_field(d, "A", at_scale(q.ask_qty, 8));
  str_field(d, "o", at_scale(q.open, 8));
  str_field(d, "h", at_scale(q.high, 8));
  str_field(d, "l", at_scale(q.low, 8));
  str_field(d, "v", at_scale(q.volume_base, 8));
  str_field(d, "q", at_scale(q.volume_quote, 8));
  raw_field(d, "O", num(q.event_ms - 86'400'000));
  raw_field(d, "C", num(q.event_ms - 1));
  raw_field(d, "F", "4700000001");
  raw_field(d, "L", "4701234567");
  raw_field(d, "n", "1234567");
  d.push_back('}');
  return R"({"stream":")" + lower + R"(@ticker","data":)" + d + "}";
}

// OKX v5 "tickers" push: every value a string, no padding.
std::string okx_frame(const quote& q) {
  const std::string inst = std::string(q.m->base) + "-USDT";
  std::string d = "{";
  raw_field(d, "instType", quoted("SPOT"));
  raw_field(d, "instId", quoted(inst));
  str_field(d, "last", q.last);
  str_field(d, "lastSz", q.bid_qty);
  str_field(d, "askPx", q.ask);
  str_field(d, "askSz", q.ask_qty);
  str_field(d, "bidPx", q.bid);
  str_field(d, "bidSz", q.bid_qty);
  str_field(d, "open24h", q.open);
  str_field(d, "high24h", q.high);
  str_field(d, "low24h", q.low);
  str_field(d, "volCcy24h", q.volume_quote);
  str_field(d, "vol24h", q.volume_base);
  raw_field(d, "ts", quoted(num(q.event_ms)));
  str_field(d, "sodUtc0", q.open);
  str_field(d, "sodUtc8", q.high);
  d.push_back('}');
  return R"({"arg":{"channel":"tickers","instId":")" + inst + R"("},"data":[)" + d + "]}";
}

// Coinbase Exchange "ticker": USD products, sequence numbers rising per product.
std::string coinbase_frame(const quote& q) {
  std::string d = "{";
  raw_field(d, "type", quoted("ticker"));
  raw_field(d, "sequence", std::to_string(q.sequence));
  raw_field(d, "product_id", quoted(std::string(q.m->base) + "-USD"));
  str_field(d, "price", q.last);
  str_field(d, "open_24h", q.open);
  str_field(d, "volume_24h", at_scale(q.volume_base, 8));
  str_field(d, "low_24h", q.low);
  str_field(d, "high_24h", q.high);
  str_field(d, "volume_30d", at_scale(q.volume_quote, 8));
  str_field(d, "best_bid", q.bid);
  str_field(d, "best_bid_size", at_scale(q.bid_qty, 8));
  str_field(d, "best_ask", q.ask);
  str_field(d, "best_ask_size", at_scale(q.ask_qty, 8));
  raw_field(d, "side", quoted("buy"));
  raw_field(d, "time", quoted(q.iso_time));
  raw_field(d, "trade_id", std::to_string(612345678 + q.sequence % 1000));
  str_field(d, "last_size", at_scale(q.bid_qty, 8));
  d.push_back('}');
  return d;
}

// Bybit v5 spot "tickers.<symbol>" snapshot.
std::string bybit_frame(const quote& q) {
  const std::string symbol = std::string(q.m->base) + "USDT";
  std::string d = "{";
  raw_field(d, "symbol", quoted(symbol));
  str_field(d, "lastPrice", q.last);
  str_field(d, "highPrice24h", q.high);
  str_field(d, "lowPrice24h", q.low);
  str_field(d, "prevPrice24h", q.open);
  str_field(d, "volume24h", q.volume_base);
  str_field(d, "turnover24h", q.volume_quote);
  str_field(d, "price24hPcnt", q.change_fraction);
  str_field(d, "usdIndexPrice", at_scale(q.last, 7));
  d.push_back('}');
  return R"({"topic":"tickers.)" + symbol + R"(","ts":)" + num(q.event_ms) +
         R"(,"type":"snapshot","cs":)" + std::to_string(q.sequence) + R"(,"data":)" + d + "}";
}

// Kraken v2 "ticker" update: prices and sizes are JSON numbers carrying the engine's precision.
std::string kraken_frame(const quote& q) {
  std::string d = "{";
  raw_field(d, "symbol", quoted(std::string(q.m->base) + "/USD"));
  raw_field(d, "bid", q.bid.to_string());
  raw_field(d, "bid_qty", at_scale(q.bid_qty, 8).to_string());
  raw_field(d, "ask", q.ask.to_string());
  raw_field(d, "ask_qty", at_scale(q.ask_qty, 8).to_string());
  raw_field(d, "last", q.last.to_string());
  raw_field(d, "volume", at_scale(q.volume_base, 8).to_string());
  raw_field(d, "vwap", q.low.to_string());
  raw_field(d, "low", q.low.to_string());
  raw_field(d, "high", q.high.to_string());
  raw_field(d, "change", q.change.to_string());
  raw_field(d, "change_pct", q.change_pct.to_string());
  raw_field(d, "timestamp", quoted(q.iso_time));
  d.push_back('}');
  return R"({"channel":"ticker","type":"update","data":[)" + d + "]}";
}

struct venue_setup {
  symbol_map symbols;
  std::vector<std::string> frames;
  std::size_t bytes = 0;
};

venue_setup make_setup(venue_id venue) {
  venue_setup s;
  for (std::size_t i = 0; i < markets.size(); ++i) {
    const std::string base = markets[i].base;
    std::string native;
    switch (venue) {
      case venue_id::binance:
      case venue_id::bybit:
        native = base + "USDT";
        break;
      case venue_id::okx:
        native = base + "-USDT";
        break;
      case venue_id::coinbase:
        native = base + "-USD";
        break;
      case venue_id::kraken:
        native = base + "/USD";
        break;
    }
    s.symbols.add(native, static_cast<instrument_id>(i));
  }
  for (std::size_t k = 0; k < ring_size; ++k) {
    const quote q = make_quote(k);
    switch (venue) {
      case venue_id::binance:
        s.frames.push_back(binance_frame(q));
        break;
      case venue_id::okx:
        s.frames.push_back(okx_frame(q));
        break;
      case venue_id::coinbase:
        s.frames.push_back(coinbase_frame(q));
        break;
      case venue_id::bybit:
        s.frames.push_back(bybit_frame(q));
        break;
      case venue_id::kraken:
        s.frames.push_back(kraken_frame(q));
        break;
    }
    s.bytes += s.frames.back().size();
  }
  return s;
}

bool same_decimal(const tick& a, const tick& b, decimal tick::*member, tick_field bit) {
  return !a.has(bit) || (a.*member).identical(b.*member);
}

// Field-by-field equality of what a tick says (unset fields are not compared).
bool same_tick(const tick& a, const tick& b) {
  return a.venue == b.venue && a.instrument == b.instrument && a.fields == b.fields &&
         a.exchange_ts_us == b.exchange_ts_us && a.recv_ts_us == b.recv_ts_us &&
         same_decimal(a, b, &tick::last, tf_last) && same_decimal(a, b, &tick::open_24h, tf_open) &&
         same_decimal(a, b, &tick::high_24h, tf_high) &&
         same_decimal(a, b, &tick::low_24h, tf_low) &&
         same_decimal(a, b, &tick::volume_base, tf_volume_base) &&
         same_decimal(a, b, &tick::volume_quote, tf_volume_quote) &&
         same_decimal(a, b, &tick::bid, tf_bid) && same_decimal(a, b, &tick::ask, tf_ask) &&
         same_decimal(a, b, &tick::bid_qty, tf_bid_qty) &&
         same_decimal(a, b, &tick::ask_qty, tf_ask_qty) &&
         same_decimal(a, b, &tick::venue_change_pct, tf_change_pct);
}

// Empty when the adapter and the peer agree on every frame of the ring (one full tick each,
// every field of a ticker present); otherwise what differs.
std::string check_agreement(venue_id venue, const venue_setup& s) {
  auto adapter = make_venue_adapter(venue, s.symbols);
  auto peer = make_nlohmann_peer(venue, s.symbols);
  std::vector<tick> a;
  std::vector<tick> b;
  for (std::size_t k = 0; k < s.frames.size(); ++k) {
    a.clear();
    b.clear();
    const auto ra = adapter->parse(s.frames[k], recv_ts_us, a);
    const auto rb = peer->parse(s.frames[k], recv_ts_us, b);
    const std::string where = "frame " + std::to_string(k) + ": ";
    if (ra.error != feed_errc::ok) return where + "adapter: " + std::string(to_string(ra.error));
    if (rb.error != feed_errc::ok) return where + "nlohmann: " + std::string(to_string(rb.error));
    if (a.size() != 1 || b.size() != 1) return where + "expected one tick from each";
    // Fields every venue's ticker carries (Bybit spot tickers have no bid or ask).
    if (!a[0].has(tf_last) || !a[0].has(tf_high) || !a[0].has(tf_low) ||
        !a[0].has(tf_volume_base)) {
      return where + "the tick lacks ticker fields";
    }
    if (!same_tick(a[0], b[0])) return where + "adapter and nlohmann ticks differ";
  }
  return {};
}

template <typename Parser>
void run_ring(benchmark::State& state, venue_id venue, Parser& parser, const venue_setup& s) {
  if (const auto problem = check_agreement(venue, s); !problem.empty()) {
    state.SkipWithError(problem.c_str());  // bench/run.sh fails on any benchmark error
    return;
  }
  // The adapter fills a market_events as feed_session's does; a peer fills ticks.
  constexpr bool is_adapter = std::is_base_of_v<upstream_adapter, Parser>;
  std::conditional_t<is_adapter, market_events, std::vector<tick>> events;
  std::vector<tick>& out = [&]() -> std::vector<tick>& {
    if constexpr (is_adapter) {
      return events.ticks;
    } else {
      return events;
    }
  }();
  out.reserve(8);  // as feed_session does: reserved once, reused
  std::size_t k = 0;
  std::size_t errors = 0;
  for (auto _ : state) {
    events.clear();
    const auto r = parser.parse(s.frames[k], recv_ts_us, events);
    errors += r.error != feed_errc::ok || out.size() != 1;
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    if (++k == s.frames.size()) {
      k = 0;
      parser.reset();  // the ring repeats Coinbase sequence numbers: a new connection
    }
  }
  if (errors != 0) state.SkipWithError("a frame failed to parse while timed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(s.bytes / s.frames.size()));
  state.counters["frame_bytes"] =
      static_cast<double>(s.bytes) / static_cast<double>(s.frames.size());
}

void bm_adapter(benchmark::State& state, venue_id venue) {
  const venue_setup s = make_setup(venue);
  auto adapter = make_venue_adapter(venue, s.symbols);
  run_ring(state, venue, *adapter, s);
}

void bm_nlohmann(benchmark::State& state, venue_id venue) {
  const venue_setup s = make_setup(venue);
  auto peer = make_nlohmann_peer(venue, s.symbols);
  run_ring(state, venue, *peer, s);
}

// Names are parse/<venue>/<implementation>; run.sh pairs them by venue.
BENCHMARK_CAPTURE(bm_adapter, binance, venue_id::binance)->Name("parse/binance/tickerd");
BENCHMARK_CAPTURE(bm_nlohmann, binance, venue_id::binance)->Name("parse/binance/nlohmann");
BENCHMARK_CAPTURE(bm_adapter, okx, venue_id::okx)->Name("parse/okx/tickerd");
BENCHMARK_CAPTURE(bm_nlohmann, okx, venue_id::okx)->Name("parse/okx/nlohmann");
BENCHMARK_CAPTURE(bm_adapter, coinbase, venue_id::coinbase)->Name("parse/coinbase/tickerd");
BENCHMARK_CAPTURE(bm_nlohmann, coinbase, venue_id::coinbase)->Name("parse/coinbase/nlohmann");
BENCHMARK_CAPTURE(bm_adapter, bybit, venue_id::bybit)->Name("parse/bybit/tickerd");
BENCHMARK_CAPTURE(bm_nlohmann, bybit, venue_id::bybit)->Name("parse/bybit/nlohmann");
BENCHMARK_CAPTURE(bm_adapter, kraken, venue_id::kraken)->Name("parse/kraken/tickerd");
BENCHMARK_CAPTURE(bm_nlohmann, kraken, venue_id::kraken)->Name("parse/kraken/nlohmann");

}  // namespace
}  // namespace tickerd::bench
