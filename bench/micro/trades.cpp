// Trade and top-of-book parsers (issue 17): each venue adapter, opened for one stream only
// (`trades` or `bbo`) as feed_session uses it, on a ring of 16 frames in the venue's wire format:
// 4 instruments, rising trade ids and moving prices, shaped as each venue documents the stream
// (and as tickerd-sim prints it):
//   trades: Binance `<sym>@trade` (one trade per frame), OKX `trades` (one per push), Coinbase
//           `matches` (one per message), Bybit `publicTrade` and Kraken v2 `trade` (a frame holds
//           every trade of one taker: 1 to 8 here, 4.5 on average);
//   bbo:    Binance `bookTicker`, OKX `bbo-tbt`, Coinbase `ticker`, Bybit `orderbook.1`, Kraken v2
//           `ticker` (`event_trigger: "bbo"`).
// Before timing, every frame is parsed once and must give its trades (or one two-sided quote)
// for the right instrument; anything else fails the run. Items are frames; the `trades_per_s`
// counter is trades. The ring wraps with reset() (a new connection), as the ticker ring does,
// so repeated trade ids are not dropped as duplicates.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tickerd/core/decimal.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd::bench {
namespace {

constexpr std::size_t ring_size = 16;
constexpr std::int64_t recv_ts_us = 1764061234001234;
constexpr std::int64_t first_ms = 1764061234000;  // 2025-11-25 09:00:34 UTC
constexpr std::int64_t step_ms = 37;

struct market {
  const char* base;
  std::int64_t price;  // at scale 2 (Kraken's XRP at 4: every venue here prints 2 for these)
  std::int64_t tick;
  std::int64_t lot;  // size at scale 8
};

constexpr std::array<market, 4> markets{{
    {"BTC", 8520570, 1, 120000},
    {"ETH", 301245, 1, 4500000},
    {"SOL", 14231, 1, 125000000},
    {"XRP", 218, 1, 50000000000},
}};

enum class stream_kind : std::uint8_t { trades, bbo };

// Trades in frame k: the batching venues carry a taker's whole burst.
std::size_t trades_in_frame(venue_id venue, std::size_t k) {
  return venue == venue_id::bybit || venue == venue_id::kraken ? 1 + k % 8 : 1;
}

std::string text_of(std::int64_t mantissa, int scale) {
  return decimal(mantissa, scale).to_string();
}
// A scale-8 size with its trailing zeros cut (OKX, Bybit and Kraken print sizes that way).
std::string trimmed_size(std::int64_t mantissa8) {
  int scale = 8;
  while (scale > 0 && mantissa8 % 10 == 0) {
    mantissa8 /= 10;
    --scale;
  }
  return text_of(mantissa8, scale);
}
std::string iso_time(std::int64_t ms) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "2025-11-25T09:%02lld:%02lld.%03lld769Z",
                static_cast<long long>((ms / 60'000) % 60),
                static_cast<long long>((ms / 1000) % 60), static_cast<long long>(ms % 1000));
  return buf;
}
std::string lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  return s;
}
std::string native(venue_id venue, const market& m) {
  const std::string base = m.base;
  switch (venue) {
    case venue_id::binance:
    case venue_id::bybit:
      return base + "USDT";
    case venue_id::okx:
      return base + "-USDT";
    case venue_id::coinbase:
      return base + "-USD";
    case venue_id::kraken:
      return base + "/USD";
  }
  return base;
}

// One trade of frame k (the j-th of it): prices walk by ticks, sides alternate per frame.
struct print {
  std::int64_t id;
  std::int64_t price;  // scale 2
  std::int64_t size;   // scale 8
  bool buy;
  std::int64_t ms;
};

print trade_of(const market& m, std::size_t k, std::size_t j, std::int64_t& next_id) {
  const auto step = static_cast<std::int64_t>(k / markets.size());
  const bool buy = k % 2 == 0;
  print p;
  p.id = next_id++;
  p.price = m.price + (buy ? 1 : -1) * (step + static_cast<std::int64_t>(j)) * m.tick;
  p.size = m.lot * (1 + static_cast<std::int64_t>((k * 7 + j * 3) % 11));
  p.buy = buy;
  p.ms = first_ms + static_cast<std::int64_t>(k) * step_ms;
  return p;
}

std::string binance_trade(const market& m, const print& p) {
  const std::string sym = native(venue_id::binance, m);
  return R"({"stream":")" + lower(sym) + R"(@trade","data":{"e":"trade","E":)" +
         std::to_string(p.ms + 1) + R"(,"s":")" + sym + R"(","t":)" + std::to_string(p.id) +
         R"(,"p":")" + text_of(p.price * 1'000'000, 8) + R"(","q":")" + text_of(p.size, 8) +
         R"(","T":)" + std::to_string(p.ms) +
         (p.buy ? R"(,"m":false,"M":true}})" : R"(,"m":true,"M":true}})");
}

std::string okx_trade(const market& m, const print& p) {
  const std::string inst = native(venue_id::okx, m);
  return R"({"arg":{"channel":"trades","instId":")" + inst + R"("},"data":[{"instId":")" + inst +
         R"(","tradeId":")" + std::to_string(p.id) + R"(","px":")" + text_of(p.price, 2) +
         R"(","sz":")" + trimmed_size(p.size) + R"(","side":")" + (p.buy ? "buy" : "sell") +
         R"(","ts":")" + std::to_string(p.ms) + R"(","count":"1","source":"0","seqId":)" +
         std::to_string(p.id * 3) + "}]}";
}

std::string coinbase_match(const market& m, const print& p, std::uint64_t sequence) {
  // `side` is the maker's: a taker buy took a resting sell.
  return R"({"type":"match","trade_id":)" + std::to_string(p.id) + R"(,"sequence":)" +
         std::to_string(sequence) +
         R"(,"maker_order_id":"ac928c66-ca53-498f-9c13-a110027a60e8","taker_order_id":")"
         R"(132fb6ae-456b-4654-b4e0-d681ac05cea1","time":")" +
         iso_time(p.ms) + R"(","product_id":")" + native(venue_id::coinbase, m) + R"(","size":")" +
         text_of(p.size, 8) + R"(","price":")" + text_of(p.price, 2) + R"(","side":")" +
         (p.buy ? "sell" : "buy") + R"("})";
}

std::string bybit_trades(const market& m, const std::vector<print>& ps) {
  const std::string sym = native(venue_id::bybit, m);
  std::string out = R"({"topic":"publicTrade.)" + sym + R"(","type":"snapshot","ts":)" +
                    std::to_string(ps.front().ms) + R"(,"data":[)";
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const auto& p = ps[i];
    char uuid[48];
    std::snprintf(uuid, sizeof uuid, "6f1c2a9e-%04llx-4e5b-9c3d-%012llx",
                  static_cast<unsigned long long>(p.id & 0xffff),
                  static_cast<unsigned long long>(p.id));
    if (i != 0) out += ',';
    out += R"({"T":)" + std::to_string(p.ms) + R"(,"s":")" + sym + R"(","S":")" +
           (p.buy ? "Buy" : "Sell") + R"(","v":")" + trimmed_size(p.size) + R"(","p":")" +
           text_of(p.price, 2) + R"(","i":")" + uuid + R"(","BT":false,"RPI":false,"seq":)" +
           std::to_string(p.id * 5) + "}";
  }
  return out + "]}";
}

std::string kraken_trades(const market& m, const std::vector<print>& ps) {
  std::string out = R"({"channel":"trade","type":"update","data":[)";
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const auto& p = ps[i];
    if (i != 0) out += ',';
    out += R"({"symbol":")" + native(venue_id::kraken, m) + R"(","side":")" +
           (p.buy ? "buy" : "sell") + R"(","price":)" + text_of(p.price, 2) + R"(,"qty":)" +
           trimmed_size(p.size) + R"(,"ord_type":")" + (p.id % 3 == 0 ? "limit" : "market") +
           R"(","trade_id":)" + std::to_string(p.id) + R"(,"timestamp":")" + iso_time(p.ms) +
           R"("})";
  }
  return out + "]}";
}

// The top of book of frame k: bid one tick under the ask, sizes moving.
struct book {
  std::int64_t bid, ask;          // scale 2
  std::int64_t bid_qty, ask_qty;  // scale 8
  std::int64_t ms;
  std::int64_t update_id;
};

book book_of(const market& m, std::size_t k) {
  const auto step = static_cast<std::int64_t>(k / markets.size());
  book b;
  b.ask = m.price + step * m.tick;
  b.bid = b.ask - m.tick;
  b.bid_qty = m.lot * (3 + static_cast<std::int64_t>(k % 5));
  b.ask_qty = m.lot * (2 + static_cast<std::int64_t>(k % 7));
  b.ms = first_ms + static_cast<std::int64_t>(k) * step_ms;
  b.update_id = 400900217 + static_cast<std::int64_t>(k) * 13;
  return b;
}

std::string binance_book(const market& m, const book& b) {
  const std::string sym = native(venue_id::binance, m);
  return R"({"stream":")" + lower(sym) + R"(@bookTicker","data":{"u":)" +
         std::to_string(b.update_id) + R"(,"s":")" + sym + R"(","b":")" +
         text_of(b.bid * 1'000'000, 8) + R"(","B":")" + text_of(b.bid_qty, 8) + R"(","a":")" +
         text_of(b.ask * 1'000'000, 8) + R"(","A":")" + text_of(b.ask_qty, 8) + R"("}})";
}

std::string okx_bbo(const market& m, const book& b) {
  const std::string inst = native(venue_id::okx, m);
  return R"({"arg":{"channel":"bbo-tbt","instId":")" + inst + R"("},"data":[{"asks":[[")" +
         text_of(b.ask, 2) + R"(",")" + trimmed_size(b.ask_qty) + R"(","0","3"]],"bids":[[")" +
         text_of(b.bid, 2) + R"(",")" + trimmed_size(b.bid_qty) + R"(","0","2"]],"ts":")" +
         std::to_string(b.ms) + R"(","seqId":)" + std::to_string(b.update_id) + "}]}";
}

std::string coinbase_ticker(const market& m, const book& b, std::uint64_t sequence) {
  return R"({"type":"ticker","sequence":)" + std::to_string(sequence) + R"(,"product_id":")" +
         native(venue_id::coinbase, m) + R"(","price":")" + text_of(b.ask, 2) +
         R"(","open_24h":")" + text_of(m.price + m.price / 100, 2) +
         R"(","volume_24h":"12345.67890000","low_24h":")" + text_of(m.price - m.price / 50, 2) +
         R"(","high_24h":")" + text_of(m.price + m.price / 40, 2) +
         R"(","volume_30d":"412345.12345678","best_bid":")" + text_of(b.bid, 2) +
         R"(","best_bid_size":")" + text_of(b.bid_qty, 8) + R"(","best_ask":")" +
         text_of(b.ask, 2) + R"(","best_ask_size":")" + text_of(b.ask_qty, 8) +
         R"(","side":"buy","time":")" + iso_time(b.ms) + R"(","trade_id":)" +
         std::to_string(612345678 + b.update_id % 1000) + R"(,"last_size":"0.00120000"})";
}

std::string bybit_book(const market& m, const book& b) {
  const std::string sym = native(venue_id::bybit, m);
  return R"({"topic":"orderbook.1.)" + sym + R"(","ts":)" + std::to_string(b.ms) +
         R"(,"type":"snapshot","data":{"s":")" + sym + R"(","b":[[")" + text_of(b.bid, 2) +
         R"(",")" + trimmed_size(b.bid_qty) + R"("]],"a":[[")" + text_of(b.ask, 2) + R"(",")" +
         trimmed_size(b.ask_qty) + R"("]],"u":)" + std::to_string(b.update_id) + R"(,"seq":)" +
         std::to_string(b.update_id * 7) + R"(},"cts":)" + std::to_string(b.ms - 3) + "}";
}

std::string kraken_ticker(const market& m, const book& b) {
  return R"({"channel":"ticker","type":"update","data":[{"symbol":")" +
         native(venue_id::kraken, m) + R"(","bid":)" + text_of(b.bid, 2) + R"(,"bid_qty":)" +
         trimmed_size(b.bid_qty) + R"(,"ask":)" + text_of(b.ask, 2) + R"(,"ask_qty":)" +
         trimmed_size(b.ask_qty) + R"(,"last":)" + text_of(b.ask, 2) +
         R"(,"volume":1234.56789,"vwap":)" + text_of(m.price, 2) + R"(,"low":)" +
         text_of(m.price - m.price / 50, 2) + R"(,"high":)" + text_of(m.price + m.price / 40, 2) +
         R"(,"change":-85.2,"change_pct":-0.99,"timestamp":")" + iso_time(b.ms) + R"("}]})";
}

struct ring {
  symbol_map symbols;
  std::vector<std::string> frames;
  std::vector<std::size_t> trades;  // per frame (bbo: 0)
  std::size_t bytes = 0;
  std::size_t total_trades = 0;
};

ring make_ring(venue_id venue, stream_kind kind) {
  ring r;
  for (std::size_t i = 0; i < markets.size(); ++i) {
    r.symbols.add(native(venue, markets[i]), static_cast<instrument_id>(i));
  }
  std::array<std::int64_t, markets.size()> next_id{4821035, 1303948112, 612345678, 98765};
  std::array<std::uint64_t, markets.size()> sequence{37475248783, 9024125, 88112, 512};
  for (std::size_t k = 0; k < ring_size; ++k) {
    const std::size_t mi = k % markets.size();
    const market& m = markets[mi];
    std::string frame;
    std::size_t n = 0;
    if (kind == stream_kind::trades) {
      n = trades_in_frame(venue, k);
      std::vector<print> ps;
      for (std::size_t j = 0; j < n; ++j) ps.push_back(trade_of(m, k, j, next_id[mi]));
      switch (venue) {
        case venue_id::binance:
          frame = binance_trade(m, ps.front());
          break;
        case venue_id::okx:
          frame = okx_trade(m, ps.front());
          break;
        case venue_id::coinbase:
          frame = coinbase_match(m, ps.front(), ++sequence[mi]);
          break;
        case venue_id::bybit:
          frame = bybit_trades(m, ps);
          break;
        case venue_id::kraken:
          frame = kraken_trades(m, ps);
          break;
      }
    } else {
      const book b = book_of(m, k);
      switch (venue) {
        case venue_id::binance:
          frame = binance_book(m, b);
          break;
        case venue_id::okx:
          frame = okx_bbo(m, b);
          break;
        case venue_id::coinbase:
          frame = coinbase_ticker(m, b, ++sequence[mi]);
          break;
        case venue_id::bybit:
          frame = bybit_book(m, b);
          break;
        case venue_id::kraken:
          frame = kraken_ticker(m, b);
          break;
      }
    }
    r.bytes += frame.size();
    r.total_trades += n;
    r.frames.push_back(std::move(frame));
    r.trades.push_back(n);
  }
  return r;
}

feed_streams streams_of(stream_kind kind) {
  return kind == stream_kind::trades ? feed_streams{fs_trades} : feed_streams{fs_bbo};
}

// Empty when every frame of the ring gives what it carries; otherwise what went wrong.
std::string check_ring(venue_id venue, stream_kind kind, const ring& r) {
  auto adapter = make_venue_adapter(venue, r.symbols, streams_of(kind));
  market_events events;
  for (std::size_t k = 0; k < r.frames.size(); ++k) {
    events.clear();
    const auto res = adapter->parse(r.frames[k], recv_ts_us, events);
    const std::string where = "frame " + std::to_string(k) + ": ";
    if (res.error != feed_errc::ok) return where + std::string(to_string(res.error));
    const auto instrument = static_cast<instrument_id>(k % markets.size());
    if (kind == stream_kind::trades) {
      if (events.trades.size() != r.trades[k]) {
        return where + std::to_string(events.trades.size()) + " trades, expected " +
               std::to_string(r.trades[k]) + " (" + r.frames[k] + ")";
      }
      for (const auto& t : events.trades) {
        if (t.instrument != instrument || t.side == taker_side::unknown || t.id.empty())
          return where + "a trade lacks its instrument, side or id";
      }
    } else {
      if (events.quotes.size() != 1 || !events.quotes[0].has_bid || !events.quotes[0].has_ask ||
          events.quotes[0].instrument != instrument) {
        return where + "expected one two-sided quote (" + r.frames[k] + ")";
      }
    }
    if (!events.ticks.empty()) return where + "ticks from a " + "non-ticker stream";
  }
  return {};
}

void bm_parse(benchmark::State& state, venue_id venue, stream_kind kind) {
  const ring r = make_ring(venue, kind);
  if (const auto problem = check_ring(venue, kind, r); !problem.empty()) {
    state.SkipWithError(problem.c_str());  // bench/run.sh fails on any benchmark error
    return;
  }
  auto adapter = make_venue_adapter(venue, r.symbols, streams_of(kind));
  market_events events;
  events.trades.reserve(64);  // as feed_session's: reused frame after frame
  events.quotes.reserve(8);
  std::size_t k = 0;
  std::size_t errors = 0;
  std::uint64_t trades = 0;
  for (auto _ : state) {
    events.clear();
    const auto res = adapter->parse(r.frames[k], recv_ts_us, events);
    errors += res.error != feed_errc::ok;
    trades += events.trades.size();
    benchmark::DoNotOptimize(events.trades.data());
    benchmark::DoNotOptimize(events.quotes.data());
    benchmark::ClobberMemory();
    if (++k == r.frames.size()) {
      k = 0;
      adapter->reset();  // the ring repeats ids and sequences: a new connection
    }
  }
  if (errors != 0) state.SkipWithError("a frame failed to parse while timed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(r.bytes / r.frames.size()));
  state.counters["frame_bytes"] =
      static_cast<double>(r.bytes) / static_cast<double>(r.frames.size());
  if (kind == stream_kind::trades) {
    state.counters["trades_per_frame"] =
        static_cast<double>(r.total_trades) / static_cast<double>(r.frames.size());
    state.counters["trades_per_s"] =
        benchmark::Counter(static_cast<double>(trades), benchmark::Counter::kIsRate);
  }
}

// Names are parse_trades/<venue> and parse_bbo/<venue>; bench/report.mjs tables them by venue.
BENCHMARK_CAPTURE(bm_parse, binance_trades, venue_id::binance, stream_kind::trades)
    ->Name("parse_trades/binance");
BENCHMARK_CAPTURE(bm_parse, okx_trades, venue_id::okx, stream_kind::trades)
    ->Name("parse_trades/okx");
BENCHMARK_CAPTURE(bm_parse, coinbase_trades, venue_id::coinbase, stream_kind::trades)
    ->Name("parse_trades/coinbase");
BENCHMARK_CAPTURE(bm_parse, bybit_trades, venue_id::bybit, stream_kind::trades)
    ->Name("parse_trades/bybit");
BENCHMARK_CAPTURE(bm_parse, kraken_trades, venue_id::kraken, stream_kind::trades)
    ->Name("parse_trades/kraken");
BENCHMARK_CAPTURE(bm_parse, binance_bbo, venue_id::binance, stream_kind::bbo)
    ->Name("parse_bbo/binance");
BENCHMARK_CAPTURE(bm_parse, okx_bbo, venue_id::okx, stream_kind::bbo)->Name("parse_bbo/okx");
BENCHMARK_CAPTURE(bm_parse, coinbase_bbo, venue_id::coinbase, stream_kind::bbo)
    ->Name("parse_bbo/coinbase");
BENCHMARK_CAPTURE(bm_parse, bybit_bbo, venue_id::bybit, stream_kind::bbo)->Name("parse_bbo/bybit");
BENCHMARK_CAPTURE(bm_parse, kraken_bbo, venue_id::kraken, stream_kind::bbo)
    ->Name("parse_bbo/kraken");

}  // namespace
}  // namespace tickerd::bench
