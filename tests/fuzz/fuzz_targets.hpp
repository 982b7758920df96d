// Bodies of the libFuzzer targets, shared by the fuzz binaries (fuzz_main.cpp via fuzz_entry.cpp)
// and by the deterministic regression test (tests/unit/fuzz_regression_test.cpp). Each returns
// nullptr when every invariant held, or a short description of the one that broke.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "almanac/time_zone.hpp"
#include "auth/key_set.hpp"
#include "auth/request_token.hpp"
#include "auth/token_verifier.hpp"
#include "feeds/sources/fng.hpp"
#include "feeds/sources/gas_adapter.hpp"
#include "gateway/client_request.hpp"
#include "gateway/sse_query.hpp"
#include "gateway/ws_frame.hpp"
#include "sim/fault.hpp"
#include "sim/replay_file.hpp"
#include "tickerd/app/config.hpp"
#include "tickerd/core/decimal.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/core/market_events.hpp"
#include "tickerd/core/url.hpp"
#include "tickerd/feeds/venue_adapter.hpp"
#include "tickerd/market/book/book_parsers.hpp"
#include "tickerd/market/book/book_sync.hpp"

namespace tickerd::fuzz {

namespace detail {

__extension__ typedef __int128 i128;

inline bool canonical_text(std::string_view s) {
  // The shape to_chars produces: no exponent, no superfluous leading zero, no "-0".
  if (s.find_first_of("eE") != std::string_view::npos) return false;
  std::string_view digits = s;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (digits.size() > 1 && digits[0] == '0' && digits[1] != '.') return false;
  if (s.front() == '-' && digits.find_first_not_of("0.") == std::string_view::npos) return false;
  return true;
}

// The mantissa at `scale` (>= its own), or nullopt where that leaves 128 bits.
inline std::optional<i128> lifted(decimal d, int scale) {
  i128 v = d.mantissa();
  for (int i = d.scale(); i < scale; ++i) {
    if (__builtin_mul_overflow(v, 10, &v)) return std::nullopt;
  }
  return v;
}

// What a decimal can hold: 38 significant digits.
inline bool representable(i128 v) {
  i128 max = 1;
  for (int i = 0; i < decimal::max_digits; ++i) max *= 10;
  return v > -max && v < max;
}

// a + b (or a - b) when both exist and the result fits a decimal.
inline std::optional<i128> exact_sum(std::optional<i128> a, std::optional<i128> b, bool minus) {
  i128 v;
  if (!a || !b) return std::nullopt;
  if (minus ? __builtin_sub_overflow(*a, *b, &v) : __builtin_add_overflow(*a, *b, &v)) {
    return std::nullopt;
  }
  if (!representable(v)) return std::nullopt;
  return v;
}

inline const char* check_decimal_text(std::string_view text, decimal& value, bool& ok) {
  decimal d(424242, 7);
  const decimal_errc e = decimal::parse(text, d);
  ok = e == decimal_errc::ok;
  if (!ok) {
    if (!d.identical(decimal(424242, 7))) return "failed parse wrote its output";
    if (to_string(e) == "unknown") return "bad error code";
    return nullptr;
  }
  if (d.scale() < 0 || d.scale() > decimal::max_scale) return "parsed scale out of range";
  char buf[decimal::max_chars];
  const char* end = d.to_chars(buf);
  if (end <= buf || static_cast<std::size_t>(end - buf) > decimal::max_chars) {
    return "to_chars length out of range";
  }
  const std::string_view shown(buf, static_cast<std::size_t>(end - buf));
  decimal again;
  if (decimal::parse(shown, again) != decimal_errc::ok) return "printed text does not re-parse";
  if (!again.identical(d)) return "printed text re-parses to a different value";
  if (canonical_text(text) && shown != text) return "canonical text did not print back verbatim";
  if (d.to_string() != shown) return "to_string differs from to_chars";
  value = d;
  return nullptr;
}

inline const char* check_decimal_pair(decimal a, decimal b) {
  const auto ab = a <=> b;
  const auto ba = b <=> a;
  if ((ab == std::strong_ordering::less) != (ba == std::strong_ordering::greater)) {
    return "comparison is not antisymmetric";
  }
  if ((a == b) != (ab == std::strong_ordering::equal)) return "== disagrees with <=>";
  const int s = a.scale() > b.scale() ? a.scale() : b.scale();
  const std::optional<i128> la = lifted(a, s);
  const std::optional<i128> lb = lifted(b, s);
  if (la && lb && (*la < *lb) != (ab == std::strong_ordering::less)) {
    return "<=> disagrees with exact lift";
  }

  decimal sum;
  const std::optional<i128> want_sum = exact_sum(la, lb, false);
  if (decimal::add(a, b, sum)) {
    if (sum.scale() != s) return "add scale";
    if (!want_sum || sum.mantissa() != *want_sum) return "add value";
    decimal back;
    const bool a_fits_at_s = la && representable(*la);  // else sub must refuse
    if (decimal::sub(sum, b, back) != a_fits_at_s) return "(a + b) - b refused or accepted wrongly";
    if (a_fits_at_s && back != a) return "(a + b) - b != a";
  } else if (want_sum) {
    return "add refused a representable sum";
  }
  decimal diff;
  const std::optional<i128> want_diff = exact_sum(la, lb, true);
  if (decimal::sub(a, b, diff)) {
    if (!want_diff || diff.mantissa() != *want_diff) return "sub value";
  } else if (want_diff) {
    return "sub refused a representable difference";
  }

  decimal mid;
  if (decimal::midpoint(a, b, mid)) {
    const decimal& lo = a < b ? a : b;
    const decimal& hi = a < b ? b : a;
    if (mid < lo || mid > hi) return "midpoint outside [min, max]";
    const std::optional<i128> ma = lifted(a, mid.scale());
    const std::optional<i128> mb = lifted(b, mid.scale());
    i128 twice;
    i128 both;
    if (ma && mb && !__builtin_mul_overflow(mid.mantissa(), 2, &twice) &&
        !__builtin_add_overflow(*ma, *mb, &both) && twice != both) {
      return "midpoint not exact";
    }
  }

  for (int scale = 0; scale <= decimal::max_scale; ++scale) {
    decimal r;
    if (!a.rescale(scale, r)) continue;
    if (r.scale() != scale) return "rescale scale";
    if (scale >= a.scale()) {
      if (!(r == a)) return "rescale up changed the value";
    } else {
      // |r - a| <= half a unit of the new scale, with ties away from zero.
      const std::optional<i128> back = lifted(r, a.scale());
      if (!back) return "rescale down left 128 bits";
      const i128 err = *back - a.mantissa();
      i128 half = 5;
      for (int i = scale + 1; i < a.scale(); ++i) half *= 10;
      if (err > half || err < -half) return "rescale down rounded too far";
      if ((err == -half && a.mantissa() > 0) || (err == half && a.mantissa() < 0)) {
        return "rescale tie not rounded away from zero";
      }
    }
  }

  decimal pct;
  for (int scale : {0, 2, 8, 18}) {
    if (!decimal::change_pct(a, b, scale, pct)) continue;
    if (b.is_zero()) return "change_pct accepted a zero open";
    if (pct.scale() != scale) return "change_pct scale";
    // Exact check where the products fit: |pct * open - (last - open) * 100| <= |open| / 2,
    // all at the common scale, pct in units of 10^-scale.
    const i128 bound = static_cast<i128>(1) << 60;
    if (la && lb && *la > -bound && *la<bound&& * lb> - bound && *lb < bound && scale <= 8 &&
        pct.mantissa() > -bound && pct.mantissa() < bound) {
      i128 lhs = pct.mantissa() * *lb;
      i128 rhs = (*la - *lb) * 100;
      for (int i = 0; i < scale; ++i) rhs *= 10;
      const i128 err2 = (lhs - rhs) * 2;
      const i128 den = *lb < 0 ? -*lb : *lb;
      if (err2 > den || err2 < -den) return "change_pct not correctly rounded";
    }
  }
  return nullptr;
}

}  // namespace detail

// Parses the input as one decimal, and (split at a point the input chooses) as two, checking
// printing round trips and the arithmetic identities between them.
inline const char* decimal_target(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  decimal whole;
  bool ok = false;
  if (const char* f = detail::check_decimal_text(text, whole, ok)) return f;
  if (size < 2) return nullptr;
  const std::size_t split = 1 + data[0] % (size - 1);
  decimal a;
  decimal b;
  bool ok_a = false;
  bool ok_b = false;
  if (const char* f = detail::check_decimal_text(text.substr(1, split - 1), a, ok_a)) return f;
  if (const char* f = detail::check_decimal_text(text.substr(split), b, ok_b)) return f;
  if (ok_a && ok_b) return detail::check_decimal_pair(a, b);
  if (ok && ok_a) return detail::check_decimal_pair(whole, a);
  return nullptr;
}

// Trades and quotes one venue frame appended after the sentinels at [0]: what every venue
// target checks besides its ticks. Nothing from a failed or control frame; each event names a
// configured instrument (0 or 1), the venue, the receive time, and exact decimals.
inline constexpr feed_streams all_feed_streams = fs_ticker | fs_trades | fs_bbo;
inline constexpr std::int64_t event_sentinel_ts = -77;

inline void arm_event_sentinels(market_events& events) {
  events.trades.assign(1, trade{});
  events.trades[0].exchange_ts_us = event_sentinel_ts;
  events.quotes.assign(1, top_of_book{});
  events.quotes[0].exchange_ts_us = event_sentinel_ts;
}

inline bool round_trips(const decimal& d) {
  if (d.scale() < 0 || d.scale() > decimal::max_scale) return false;
  decimal again;
  return decimal::parse(d.to_string(), again) == decimal_errc::ok && again.identical(d);
}

inline const char* check_trades_and_quotes(const market_events& events, venue_id venue,
                                           std::int64_t recv, const parse_result& r) {
  if (events.trades.empty() || events.trades[0].exchange_ts_us != event_sentinel_ts ||
      events.quotes.empty() || events.quotes[0].exchange_ts_us != event_sentinel_ts) {
    return "parse modified existing trades or quotes";
  }
  const std::size_t added = events.trades.size() + events.quotes.size() - 2;
  if (r.error != feed_errc::ok && (added != 0 || r.trade_gaps != 0)) {
    return "failed parse appended trades or quotes";
  }
  if (r.error == feed_errc::ok && r.kind == frame_kind::control && added != 0) {
    return "control frame produced trades or quotes";
  }
  for (std::size_t i = 1; i < events.trades.size(); ++i) {
    const trade& t = events.trades[i];
    if (t.venue != venue) return "trade venue";
    if (t.instrument != 0 && t.instrument != 1) return "trade instrument not configured";
    if (t.recv_ts_us != recv) return "trade recv_ts";
    if (t.id.empty()) return "trade without id";
    if (t.side == taker_side::unknown) return "trade without a taker side";
    if (!round_trips(t.price) || !round_trips(t.size)) return "trade decimal does not round-trip";
  }
  for (std::size_t i = 1; i < events.quotes.size(); ++i) {
    const top_of_book& q = events.quotes[i];
    if (q.venue != venue) return "quote venue";
    if (q.instrument != 0 && q.instrument != 1) return "quote instrument not configured";
    if (q.recv_ts_us != recv) return "quote recv_ts";
    if (q.has_bid && (!round_trips(q.bid) || !round_trips(q.bid_size))) return "quote bid";
    if (q.has_ask && (!round_trips(q.ask) || !round_trips(q.ask_size))) return "quote ask";
  }
  return nullptr;
}

// A reference frame that must always parse to exactly one tick.
inline constexpr std::string_view binance_reference_frame =
    R"({"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":1764061234000,"s":"BTCUSDT",)"
    R"("p":"-850.40","P":"-0.988","c":"85205.70","b":"85205.69","B":"1.2","a":"85205.70",)"
    R"("A":"0.5","o":"86056.10","h":"86500.00","l":"84500.10","v":"12345.6789","q":"1.5e9"}})";

inline const char* binance_target(const std::uint8_t* data, std::size_t size) {
  // One adapter for the whole run, as in production: its parser and buffer are reused, so
  // state left behind by a bad frame is exercised by the next one.
  static const symbol_map symbols = [] {
    symbol_map m;
    m.add("BTCUSDT", 0);
    m.add("ETHUSDT", 1);
    return m;
  }();
  static const std::unique_ptr<venue_adapter> adapter =
      make_venue_adapter(venue_id::binance, symbols, all_feed_streams);
  static market_events events;
  std::vector<tick>& out = events.ticks;

  constexpr std::int64_t recv = 1234567;
  out.assign(1, tick{});
  out[0].exchange_ts_us = -77;  // a sentinel the parser must not touch
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  arm_event_sentinels(events);
  const parse_result r = adapter->parse(frame, recv, events);
  if (const char* e = check_trades_and_quotes(events, venue_id::binance, recv, r)) return e;
  // Events besides ticks; a dropped repeated trade id counts as its one result.
  const std::size_t other_events = events.trades.size() + events.quotes.size() - 2;

  if (out.empty() || out[0].exchange_ts_us != -77) return "parse modified existing ticks";
  const std::size_t added = out.size() - 1;
  if (r.error != feed_errc::ok) {
    if (added != 0) return "failed parse appended ticks";
    if (r.unknown_symbols != 0) return "failed parse counted symbols";
    if (to_string(r.error) == "unknown") return "bad error code";
  } else if (r.kind == frame_kind::control) {
    if (added != 0 || r.unknown_symbols != 0) return "control frame produced data";
  } else {
    const std::size_t yielded = added + r.unknown_symbols + other_events;
    if (yielded != 1 && !(yielded == 0 && r.trade_gaps == 1)) {
      return "a stream frame must yield one tick, trade or quote, or one unknown";
    }
  }
  for (std::size_t i = 1; i < out.size(); ++i) {
    const tick& t = out[i];
    if (t.venue != venue_id::binance) return "tick venue";
    if (t.instrument != 0 && t.instrument != 1) return "tick instrument not configured";
    if (t.recv_ts_us != recv) return "tick recv_ts";
    if (!t.has(tf_last)) return "tick without last";
    const decimal* all[] = {
        &t.last, &t.open_24h, &t.high_24h, &t.low_24h, &t.volume_base,     &t.volume_quote,
        &t.bid,  &t.ask,      &t.bid_qty,  &t.ask_qty, &t.venue_change_pct};
    for (const decimal* d : all) {
      if (d->scale() < 0 || d->scale() > decimal::max_scale) return "tick decimal scale";
      decimal again;
      if (decimal::parse(d->to_string(), again) != decimal_errc::ok || !again.identical(*d)) {
        return "tick decimal does not round-trip";
      }
    }
  }

  // Whatever came before, the parser must still read a good frame correctly.
  out.clear();
  const parse_result good = adapter->parse(binance_reference_frame, recv, out);
  if (good.error != feed_errc::ok || out.size() != 1) return "parser broken by previous frame";
  if (out[0].last.to_string() != "85205.70" || out[0].volume_quote.to_string() != "1500000000") {
    return "reference frame misread after previous frame";
  }
  return nullptr;
}

// Kraken v2: a reference ticker frame that must always parse to exactly one tick.
inline constexpr std::string_view kraken_reference_frame =
    R"({"channel":"ticker","type":"update","data":[{"symbol":"BTC/USDT","bid":85205.6,)"
    R"("bid_qty":0.51200000,"ask":85205.7,"ask_qty":1.2,"last":85205.70,"volume":1234.5,)"
    R"("vwap":85678.1,"low":84500.1,"high":86800.0,"change":-850.4,"change_pct":-0.99,)"
    R"("timestamp":"2025-11-25T09:00:34.000123Z"}]})";

inline const char* kraken_target(const std::uint8_t* data, std::size_t size) {
  // One adapter for the whole run, as in production: parser and buffer are reused.
  static const symbol_map symbols = [] {
    symbol_map m;
    m.add("BTC/USDT", 0);
    m.add("ETH/USDT", 1);
    return m;
  }();
  static const std::unique_ptr<venue_adapter> adapter =
      make_venue_adapter(venue_id::kraken, symbols, all_feed_streams);
  static market_events events;
  std::vector<tick>& out = events.ticks;
  static simdjson::dom::parser reference;

  constexpr std::int64_t recv = 1234567;
  out.assign(1, tick{});
  out[0].exchange_ts_us = -77;  // a sentinel the parser must not touch
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  arm_event_sentinels(events);
  const parse_result r = adapter->parse(frame, recv, events);
  if (const char* e = check_trades_and_quotes(events, venue_id::kraken, recv, r)) return e;

  if (out.empty() || out[0].exchange_ts_us != -77) return "parse modified existing ticks";
  const std::size_t added = out.size() - 1;
  if (r.error != feed_errc::ok) {
    if (added != 0) return "failed parse appended ticks";
    if (r.unknown_symbols != 0) return "failed parse counted symbols";
    if (to_string(r.error) == "unknown") return "bad error code";
    if (r.error == feed_errc::venue_error && r.kind != frame_kind::control) {
      return "venue error not a control frame";
    }
  } else if (r.kind == frame_kind::control) {
    if (added != 0 || r.unknown_symbols != 0) return "control frame produced data";
  }
  for (std::size_t i = 1; i < out.size(); ++i) {
    const tick& t = out[i];
    if (t.venue != venue_id::kraken) return "tick venue";
    if (t.instrument != 0 && t.instrument != 1) return "tick instrument not configured";
    if (t.recv_ts_us != recv) return "tick recv_ts";
    if (t.fields == 0) return "tick without fields";
    if (t.has(tf_volume_quote)) return "tick with a quote volume Kraken never sends";
    if (t.has(tf_open) && !t.has(tf_last)) return "open without last";
    const decimal* all[] = {
        &t.last, &t.open_24h, &t.high_24h, &t.low_24h, &t.volume_base,     &t.volume_quote,
        &t.bid,  &t.ask,      &t.bid_qty,  &t.ask_qty, &t.venue_change_pct};
    for (const decimal* d : all) {
      if (d->scale() < 0 || d->scale() > decimal::max_scale) return "tick decimal scale";
      decimal again;
      if (decimal::parse(d->to_string(), again) != decimal_errc::ok || !again.identical(*d)) {
        return "tick decimal does not round-trip";
      }
    }
  }

  // A ticker frame the validating parser accepts, with one "data" array: one tick or one
  // unknown symbol per item.
  if (r.error == feed_errc::ok && r.kind == frame_kind::data) {
    const simdjson::padded_string copy(frame);
    simdjson::dom::element root;
    simdjson::dom::object obj;
    if (reference.parse(copy).get(root) == simdjson::SUCCESS &&
        root.get_object().get(obj) == simdjson::SUCCESS) {
      std::size_t data_keys = 0;
      std::size_t items = 0;
      for (const auto field : obj) {
        if (field.key != "data") continue;
        ++data_keys;
        simdjson::dom::array arr;
        if (field.value.get_array().get(arr) != simdjson::SUCCESS) return "data is not an array";
        items = arr.size();
      }
      // One tick (with its quote), trade or unknown symbol per item; a repeated trade id is
      // dropped and counted in trade_gaps, which also counts published jumps.
      const std::size_t per_item = added + events.trades.size() - 1;
      if (data_keys == 1 && (items < per_item + r.unknown_symbols ||
                             items > per_item + r.unknown_symbols + r.trade_gaps)) {
        return "ticks + trades + unknown symbols != data items";
      }
    }
  }

  // The same frame parsed again gives the same answer.
  {
    std::vector<tick> again;
    const parse_result r2 = adapter->parse(frame, recv, again);
    if (r2.error != r.error || r2.kind != r.kind || r2.unknown_symbols != r.unknown_symbols ||
        again.size() != added) {
      return "parse is not deterministic";
    }
    for (std::size_t i = 0; i < again.size(); ++i) {
      const tick& a = again[i];
      const tick& b = out[i + 1];
      if (a.fields != b.fields || a.instrument != b.instrument ||
          a.exchange_ts_us != b.exchange_ts_us || !a.last.identical(b.last) ||
          !a.open_24h.identical(b.open_24h) || !a.bid.identical(b.bid)) {
        return "parse is not deterministic";
      }
    }
  }

  // Whatever came before, the parser must still read a good frame correctly.
  out.clear();
  const parse_result good = adapter->parse(kraken_reference_frame, recv, out);
  if (good.error != feed_errc::ok || out.size() != 1) return "parser broken by previous frame";
  if (out[0].last.to_string() != "85205.70" || out[0].open_24h.to_string() != "86056.10" ||
      out[0].bid_qty.to_string() != "0.51200000" || out[0].exchange_ts_us != 1764061234000123) {
    return "reference frame misread after previous frame";
  }
  return nullptr;
}

// Coinbase Exchange: a reference ticker frame that must parse to exactly one tick on a fresh
// connection (sequence state reset).
inline constexpr std::string_view coinbase_reference_frame =
    R"({"type":"ticker","sequence":37475248783,"product_id":"BTC-USDT","price":"85205.70",)"
    R"("open_24h":"86056.10","volume_24h":"12345.67890","low_24h":"84500.1","high_24h":"86800",)"
    R"("volume_30d":"370370.3670","best_bid":"85205.69","best_bid_size":"0.51200",)"
    R"("best_ask":"85205.7","best_ask_size":"1.2","side":"buy",)"
    R"("time":"2025-11-25T09:00:34.000123Z","trade_id":5400000000,"last_size":"0.001"})";

inline const char* coinbase_target(const std::uint8_t* data, std::size_t size) {
  // One adapter for the whole run, as in production: parser, buffer and sequence state are
  // reused, so state left behind by a bad frame is exercised by the next one.
  static const symbol_map symbols = [] {
    symbol_map m;
    m.add("BTC-USDT", 0);
    m.add("ETH-USDT", 1);
    return m;
  }();
  static const std::unique_ptr<venue_adapter> adapter =
      make_venue_adapter(venue_id::coinbase, symbols, all_feed_streams);
  static market_events events;
  std::vector<tick>& out = events.ticks;
  static simdjson::dom::parser reference;

  constexpr std::int64_t recv = 1234567;
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto check = [&](const parse_result& r, std::size_t added) -> const char* {
    if (r.error != feed_errc::ok) {
      if (added != 0) return "failed parse appended ticks";
      if (r.unknown_symbols != 0) return "failed parse counted symbols";
      if (r.gaps != 0) return "failed parse counted gaps";
      if (to_string(r.error) == "unknown") return "bad error code";
      if (r.error == feed_errc::venue_error && r.kind != frame_kind::control) {
        return "venue error not a control frame";
      }
    } else if (r.kind == frame_kind::control) {
      if (added != 0 || r.unknown_symbols != 0) return "control frame produced data";
    } else if (added + r.unknown_symbols > 1) {
      return "a ticker frame yields at most one tick or one unknown symbol";
    }
    if (r.gaps > 1) return "one frame, more than one gap";
    return nullptr;
  };

  // 1. With whatever sequence state the previous inputs left.
  out.assign(1, tick{});
  out[0].exchange_ts_us = -77;  // a sentinel the parser must not touch
  arm_event_sentinels(events);
  const parse_result r = adapter->parse(frame, recv, events);
  if (const char* e = check_trades_and_quotes(events, venue_id::coinbase, recv, r)) return e;
  if (out.empty() || out[0].exchange_ts_us != -77) return "parse modified existing ticks";
  if (const char* f = check(r, out.size() - 1)) return f;
  for (std::size_t i = 1; i < out.size(); ++i) {
    const tick& t = out[i];
    if (t.venue != venue_id::coinbase) return "tick venue";
    if (t.instrument != 0 && t.instrument != 1) return "tick instrument not configured";
    if (t.recv_ts_us != recv) return "tick recv_ts";
    if (!t.has(tf_last)) return "tick without last";
    if (t.has(tf_volume_quote) || t.has(tf_change_pct)) return "a field Coinbase never sends";
    const decimal* all[] = {&t.last, &t.open_24h, &t.high_24h, &t.low_24h, &t.volume_base,
                            &t.bid,  &t.ask,      &t.bid_qty,  &t.ask_qty};
    for (const decimal* d : all) {
      if (d->scale() < 0 || d->scale() > decimal::max_scale) return "tick decimal scale";
      decimal again;
      if (decimal::parse(d->to_string(), again) != decimal_errc::ok || !again.identical(*d)) {
        return "tick decimal does not round-trip";
      }
    }
  }

  // 2. On a fresh connection the answer depends on the frame alone.
  std::vector<tick> first;
  std::vector<tick> second;
  adapter->reset();
  const parse_result a = adapter->parse(frame, recv, first);
  if (const char* f = check(a, first.size())) return f;
  if (a.gaps != 0) return "a gap on the first message of a connection";
  adapter->reset();
  const parse_result b = adapter->parse(frame, recv, second);
  if (a.error != b.error || a.kind != b.kind || a.unknown_symbols != b.unknown_symbols ||
      first.size() != second.size()) {
    return "parse is not deterministic";
  }
  if (!first.empty() &&
      (first[0].fields != second[0].fields || !first[0].last.identical(second[0].last) ||
       first[0].exchange_ts_us != second[0].exchange_ts_us)) {
    return "parse is not deterministic";
  }

  // 3. Against the validating parser: a published tick is a ticker whose price and product
  // are the ones in the frame; one with a sequence number is not published twice.
  if (!first.empty()) {
    const simdjson::padded_string copy(frame);
    simdjson::dom::element root;
    simdjson::dom::object obj;
    if (reference.parse(copy).get(root) == simdjson::SUCCESS &&
        root.get_object().get(obj) == simdjson::SUCCESS) {
      std::set<std::string_view> keys;
      bool unique = true;
      for (const auto field : obj) unique = unique && keys.insert(field.key).second;
      std::string_view type;
      std::string_view price;
      std::string_view product;
      std::uint64_t sequence = 0;
      if (unique) {
        if (obj["type"].get(type) || type != "ticker") return "published a non-ticker";
        decimal p;
        if (obj["price"].get(price) || decimal::parse(price, p) != decimal_errc::ok ||
            !p.identical(first[0].last)) {
          return "last is not the frame's price";
        }
        if (obj["product_id"].get(product) || symbols.find(product) != first[0].instrument) {
          return "instrument is not the frame's product";
        }
        if (obj["sequence"].get(sequence) == simdjson::SUCCESS && b.gaps == 0) {
          std::vector<tick> dup;
          const parse_result d = adapter->parse(frame, recv, dup);
          if (d.error != feed_errc::ok || !dup.empty() || d.gaps != 0) {
            return "a repeated sequence number was published again";
          }
        }
      }
    }
  }

  // 4. Whatever came before, a fresh connection still reads a good frame correctly.
  adapter->reset();
  out.clear();
  const parse_result good = adapter->parse(coinbase_reference_frame, recv, out);
  if (good.error != feed_errc::ok || out.size() != 1) return "parser broken by previous frame";
  if (out[0].last.to_string() != "85205.70" || out[0].high_24h.to_string() != "86800" ||
      out[0].bid_qty.to_string() != "0.51200" || out[0].exchange_ts_us != 1764061234000123) {
    return "reference frame misread after previous frame";
  }
  return nullptr;
}

// Bybit v5 spot: a ticker and a level-1 book that must always parse to one tick each.
inline constexpr std::string_view bybit_reference_ticker =
    R"({"topic":"tickers.BTCUSDT","ts":1764061234000,"type":"snapshot","cs":2588407389,)"
    R"("data":{"symbol":"BTCUSDT","lastPrice":"85205.7","highPrice24h":"86500",)"
    R"("lowPrice24h":"84500.1","prevPrice24h":"86056.10","volume24h":"12345.678901",)"
    R"("turnover24h":"1.5e9","price24hPcnt":"-0.0099","usdIndexPrice":""}})";
inline constexpr std::string_view bybit_reference_book =
    R"({"topic":"orderbook.1.BTCUSDT","ts":1764061234001,"type":"snapshot","data":)"
    R"({"s":"BTCUSDT","b":[["85205.69","1.2"]],"a":[["85205.70","0.5"]],"u":18521288,)"
    R"("seq":7961638724},"cts":1764061233999})";

inline const char* bybit_target(const std::uint8_t* data, std::size_t size) {
  // One adapter for the whole run, as in production: its parser and buffer are reused.
  static const symbol_map symbols = [] {
    symbol_map m;
    m.add("BTCUSDT", 0);
    m.add("ETHUSDT", 1);
    return m;
  }();
  static const std::unique_ptr<venue_adapter> adapter =
      make_venue_adapter(venue_id::bybit, symbols, all_feed_streams);
  static market_events events;
  std::vector<tick>& out = events.ticks;

  constexpr std::int64_t recv = 1234567;
  out.assign(1, tick{});
  out[0].exchange_ts_us = -77;  // a sentinel the parser must not touch
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  arm_event_sentinels(events);
  const parse_result r = adapter->parse(frame, recv, events);
  if (const char* e = check_trades_and_quotes(events, venue_id::bybit, recv, r)) return e;

  if (out.empty() || out[0].exchange_ts_us != -77) return "parse modified existing ticks";
  const std::size_t added = out.size() - 1;
  if (r.error != feed_errc::ok) {
    if (added != 0) return "failed parse appended ticks";
    if (r.unknown_symbols != 0) return "failed parse counted symbols";
    if (to_string(r.error) == "unknown") return "bad error code";
    if (r.error == feed_errc::venue_error && r.kind != frame_kind::control) {
      return "venue error not a control frame";
    }
  } else if (r.kind == frame_kind::control) {
    if (added != 0 || r.unknown_symbols != 0) return "control frame produced data";
  } else if (added > 1 || (added == 1 && r.unknown_symbols != 0)) {
    // (A publicTrade frame may name several unknown symbols, one per trade.)
    return "one frame, one topic: at most one tick or one unknown symbol";
  }
  if (r.gaps != 0) return "gaps counted on level-1 snapshots";
  for (std::size_t i = 1; i < out.size(); ++i) {
    const tick& t = out[i];
    if (t.venue != venue_id::bybit) return "tick venue";
    if (t.instrument != 0 && t.instrument != 1) return "tick instrument not configured";
    if (t.recv_ts_us != recv) return "tick recv_ts";
    if (t.fields == 0) return "tick without fields";
    const decimal* all[] = {
        &t.last, &t.open_24h, &t.high_24h, &t.low_24h, &t.volume_base,     &t.volume_quote,
        &t.bid,  &t.ask,      &t.bid_qty,  &t.ask_qty, &t.venue_change_pct};
    for (const decimal* d : all) {
      if (d->scale() < 0 || d->scale() > decimal::max_scale) return "tick decimal scale";
      decimal again;
      if (decimal::parse(d->to_string(), again) != decimal_errc::ok || !again.identical(*d)) {
        return "tick decimal does not round-trip";
      }
    }
  }

  // The same frame parsed again gives the same answer.
  {
    std::vector<tick> again;
    const parse_result r2 = adapter->parse(frame, recv, again);
    if (r2.error != r.error || r2.kind != r.kind || r2.unknown_symbols != r.unknown_symbols ||
        again.size() != added) {
      return "parse is not deterministic";
    }
    for (std::size_t i = 0; i < again.size(); ++i) {
      const tick& a = again[i];
      const tick& b = out[i + 1];
      if (a.fields != b.fields || a.instrument != b.instrument ||
          a.exchange_ts_us != b.exchange_ts_us || !a.last.identical(b.last) ||
          !a.venue_change_pct.identical(b.venue_change_pct) || !a.bid.identical(b.bid)) {
        return "parse is not deterministic";
      }
    }
  }

  // Whatever came before, the parser must still read good frames correctly.
  out.clear();
  if (adapter->parse(bybit_reference_ticker, recv, out).error != feed_errc::ok ||
      adapter->parse(bybit_reference_book, recv, out).error != feed_errc::ok || out.size() != 2) {
    return "parser broken by previous frame";
  }
  if (out[0].last.to_string() != "85205.7" || out[0].volume_quote.to_string() != "1500000000" ||
      out[0].venue_change_pct.to_string() != "-0.99" || out[0].exchange_ts_us != 1764061234000000 ||
      out[1].fields != (tf_bid | tf_bid_qty | tf_ask | tf_ask_qty) ||
      out[1].ask.to_string() != "85205.70" || out[1].exchange_ts_us != 1764061234001000) {
    return "reference frames misread after previous frame";
  }
  return nullptr;
}

namespace detail {

// What client_request_parser must make of a message, worked out independently with
// simdjson's DOM parser (which validates the whole document). Filled only for a JSON object
// without duplicate keys: for those the protocol leaves the outcome open.
struct expected_request {
  bool known = false;  // false: no opinion beyond "must not succeed" / "bad_json"
  bool ok = false;
  std::string_view code;  // when !ok
  client_request req;     // when ok (id_json is checked in both cases)
};

inline expected_request expect_request(const simdjson::dom::object& obj) {
  namespace dom = simdjson::dom;
  expected_request e;
  std::set<std::string_view> keys;
  for (const auto field : obj) {
    if (!keys.insert(field.key).second) return e;  // duplicate key
  }
  e.known = true;
  bool field_error = false;
  bool has_op = false;
  std::string_view op;
  bool has_channels = false;
  dom::element v;
  if (obj["op"].get(v) == simdjson::SUCCESS) {
    if (v.get_string().get(op) == simdjson::SUCCESS) {
      has_op = true;
    } else {
      field_error = true;
    }
  }
  if (obj["id"].get(v) == simdjson::SUCCESS) {
    std::int64_t n = 0;
    std::string_view s;
    if (v.get_int64().get(n) == simdjson::SUCCESS) {
      json::append_int(e.req.id_json, n);
    } else if (v.get_string().get(s) == simdjson::SUCCESS &&
               s.size() <= client_request_parser::max_id_chars) {
      json::append_string(e.req.id_json, s);
    } else {
      field_error = true;
    }
  }
  if (obj["channels"].get(v) == simdjson::SUCCESS) {
    dom::array channels;
    if (v.get_array().get(channels) != simdjson::SUCCESS) {
      field_error = true;
    } else {
      has_channels = true;
      for (const auto element : channels) {
        std::string_view name;
        if (element.get_string().get(name) != simdjson::SUCCESS ||
            e.req.channels.size() == client_request_parser::max_channels) {
          field_error = true;
          break;
        }
        e.req.channels.emplace_back(name);
      }
    }
  }
  if (obj["since"].get(v) == simdjson::SUCCESS) {
    dom::object points;
    if (v.get_object().get(points) != simdjson::SUCCESS) {
      field_error = true;
    } else {
      for (const auto point : points) {
        dom::object at;
        if (point.value.get_object().get(at) != simdjson::SUCCESS) {
          field_error = true;
          break;
        }
        std::set<std::string_view> entry_keys;
        for (const auto field : at) {
          if (!entry_keys.insert(field.key).second) {
            e.known = false;  // a repeated "seq" or "epoch": left open too
            return e;
          }
        }
        resume_point p;
        p.channel = std::string(point.key);
        std::string_view epoch;
        if (at["seq"].get_uint64().get(p.seq) != simdjson::SUCCESS ||
            at["epoch"].get_string().get(epoch) != simdjson::SUCCESS ||
            epoch.size() > client_request_parser::max_epoch_chars) {
          field_error = true;
          break;
        }
        p.epoch = std::string(epoch);
        // A channel named twice: its last entry counts, in the place of its first (PROTOCOL.md,
        // duplicate keys).
        const auto same =
            std::find_if(e.req.since.begin(), e.req.since.end(),
                         [&](const resume_point& q) { return q.channel == p.channel; });
        if (same != e.req.since.end()) {
          *same = std::move(p);
          continue;
        }
        if (e.req.since.size() == client_request_parser::max_channels) {
          field_error = true;
          break;
        }
        e.req.since.push_back(std::move(p));
      }
    }
  }
  bool has_token = false;
  if (obj["token"].get(v) == simdjson::SUCCESS) {
    std::string_view token;
    if (v.get_string().get(token) != simdjson::SUCCESS) {
      field_error = true;
    } else {
      has_token = true;
      e.req.token = std::string(token.substr(0, client_request_parser::max_token_chars));
    }
  }
  if (obj["throttle_ms"].get(v) == simdjson::SUCCESS) {
    std::int64_t ms = -1;
    if (v.get_int64().get(ms) != simdjson::SUCCESS || ms < 0 ||
        ms > client_request_parser::max_throttle_ms) {
      field_error = true;
    } else {
      e.req.throttle_ms = static_cast<std::int32_t>(ms);
    }
  }
  bool has_format = false;  // "native" or "ccxt", for subscribe only (PROTOCOL.md)
  if (obj["format"].get(v) == simdjson::SUCCESS) {
    std::string_view format;
    if (v.get_string().get(format) != simdjson::SUCCESS ||
        (format != "native" && format != "ccxt")) {
      field_error = true;
    } else {
      has_format = true;
    }
  }
  const auto fail = [&](std::string_view code) {
    e.ok = false;
    e.code = code;
    return e;
  };
  if (field_error || !has_op) return fail("bad_request");
  if (op == "ping") {
    e.ok = true;  // a ping ignores channels and since (but they must be well formed)
    e.req.op = client_op::ping;
    return e;
  }
  if (op == "auth" || op == "refresh") {
    if (!has_token) return fail("bad_request");
    e.ok = true;  // like ping, other fields are ignored once well formed
    e.req.op = op == "auth" ? client_op::auth : client_op::refresh;
    return e;
  }
  if (op != "subscribe" && op != "unsubscribe") return fail("unknown_op");
  if (!has_channels || e.req.channels.empty()) return fail("bad_request");
  e.req.op = op == "subscribe" ? client_op::subscribe : client_op::unsubscribe;
  if (!e.req.since.empty() && e.req.op != client_op::subscribe) return fail("bad_request");
  if (e.req.throttle_ms >= 0 && e.req.op != client_op::subscribe) return fail("bad_request");
  if (has_format && e.req.op != client_op::subscribe) return fail("bad_request");
  for (const resume_point& p : e.req.since) {
    if (std::find(e.req.channels.begin(), e.req.channels.end(), p.channel) ==
        e.req.channels.end()) {
      return fail("bad_request");  // resumes a channel it does not subscribe to
    }
  }
  e.ok = true;
  return e;
}

inline bool same_since(const std::vector<resume_point>& a, const std::vector<resume_point>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const resume_point& x, const resume_point& y) {
                      return x.channel == y.channel && x.seq == y.seq && x.epoch == y.epoch;
                    });
}

// The subscribe message a client would send to resume exactly `req`: channels and since
// written back out, for the seq/epoch round trip.
inline std::string resubscribe_message(const client_request& req) {
  std::string out = R"({"op":"subscribe","channels":[)";
  for (std::size_t i = 0; i < req.channels.size(); ++i) {
    if (i != 0) out.push_back(',');
    json::append_string(out, req.channels[i]);
  }
  out += R"(],"since":{)";
  for (std::size_t i = 0; i < req.since.size(); ++i) {
    if (i != 0) out.push_back(',');
    json::append_string(out, req.since[i].channel);
    out += R"(:{"seq":)";
    out += std::to_string(req.since[i].seq);
    out += R"(,"epoch":)";
    json::append_string(out, req.since[i].epoch);
    out.push_back('}');
  }
  out += "}}";
  return out;
}

}  // namespace detail

// A reference request that must always parse, whatever came before it.
inline constexpr std::string_view client_reference_request =
    R"({"op":"subscribe","id":"r\u00e9f","channels":["ticker.BTC-USDT","status"]})";

// One client text message through the shard's request parser: it must never crash, must
// agree with a validating JSON parser on what the message says, and must reply with a
// documented error code and a UTF-8 message (it is sent back in a JSON text frame).
inline const char* client_request_target(const std::uint8_t* data, std::size_t size) {
  // Reused across inputs, as a shard reuses its parser across messages.
  static client_request_parser parser;
  static simdjson::dom::parser reference;

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  client_request req;
  req.id_json = "stale";  // the parser must reset what a previous message left
  req.channels.assign(3, "stale");
  request_error err;
  const bool ok = parser.parse(text, req, err);

  if (!ok) {
    if (err.code != "bad_json" && err.code != "bad_request" && err.code != "unknown_op") {
      return "undocumented error code";
    }
    if (err.message.empty()) return "error without a message";
    if (!simdjson::validate_utf8(err.message)) return "error message is not UTF-8";
    if (err.message.size() > 200) return "error message unbounded";
  } else {
    if (req.op == client_op::subscribe || req.op == client_op::unsubscribe) {
      if (req.channels.empty()) return "(un)subscribe accepted without channels";
    } else if (req.op == client_op::auth || req.op == client_op::refresh) {
      if (req.token.size() > client_request_parser::max_token_chars) return "token unbounded";
    } else if (req.op != client_op::ping) {
      return "accepted an unknown op";
    }
  }
  if (req.channels.size() > client_request_parser::max_channels) return "too many channels";
  for (const auto& c : req.channels) {
    if (!simdjson::validate_utf8(c)) return "channel name is not UTF-8";
  }
  if (ok) {
    if (req.since.size() > client_request_parser::max_channels) return "too many since entries";
    if (!req.since.empty() && req.op == client_op::unsubscribe) return "since on an unsubscribe";
    for (const resume_point& p : req.since) {
      if (!simdjson::validate_utf8(p.channel) || !simdjson::validate_utf8(p.epoch)) {
        return "since channel or epoch is not UTF-8";
      }
      if (p.epoch.size() > client_request_parser::max_epoch_chars) return "since epoch too long";
      if (req.op == client_op::subscribe &&
          std::find(req.channels.begin(), req.channels.end(), p.channel) == req.channels.end()) {
        return "since names a channel the subscribe does not";
      }
    }
  }
  if (!req.id_json.empty()) {
    // The id is echoed verbatim into replies: it must be one JSON integer or string.
    const simdjson::padded_string id(req.id_json);
    simdjson::dom::element v;
    if (reference.parse(id).get(v) != simdjson::SUCCESS) return "id_json is not JSON";
    std::string_view s;
    if (!v.is_int64() && v.get_string().get(s) != simdjson::SUCCESS) {
      return "id_json is neither an integer nor a string";
    }
    if (v.is_string() && s.size() > client_request_parser::max_id_chars) return "id too long";
  }

  // The same message parsed again gives the same answer.
  {
    client_request again;
    request_error err_again;
    const bool ok_again = parser.parse(text, again, err_again);
    if (ok_again != ok || again.id_json != req.id_json || again.channels != req.channels ||
        (ok && !detail::same_since(again.since, req.since))) {
      return "parse is not deterministic";
    }
    if (ok ? again.op != req.op
           : (err_again.code != err.code || err_again.message != err.message)) {
      return "parse is not deterministic";
    }
  }

  // Against the validating parser.
  const simdjson::padded_string copy(text);
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (reference.parse(copy).get(root) != simdjson::SUCCESS) {
    if (ok) return "accepted a message that is not JSON";
  } else if (root.get_object().get(obj) != simdjson::SUCCESS) {
    if (ok || err.code != "bad_json") return "a JSON value that is not an object: not bad_json";
  } else {
    const detail::expected_request e = detail::expect_request(obj);
    if (e.known) {
      if (ok != e.ok) return ok ? "accepted a bad request" : "refused a good request";
      if (!ok && err.code != e.code) return "wrong error code";
      if (req.id_json != e.req.id_json) return "id_json differs from the message's id";
      if (ok && (req.op != e.req.op || req.channels != e.req.channels)) {
        return "op or channels differ from the message";
      }
      if (ok && req.token != e.req.token) return "token differs from the message";
      if (ok && !detail::same_since(req.since, e.req.since))
        return "since differs from the message";
      if (ok && req.op == client_op::subscribe && req.throttle_ms != e.req.throttle_ms)
        return "throttle_ms differs from the message";
    }
  }

  // seq and epoch round-trip: the resume a client would send back parses to the same points.
  if (ok && req.op == client_op::subscribe && !req.since.empty()) {
    const std::string again_text = detail::resubscribe_message(req);
    client_request again;
    request_error again_err;
    if (!parser.parse(again_text, again, again_err)) return "re-encoded since refused";
    if (again.channels != req.channels || !detail::same_since(again.since, req.since)) {
      return "re-encoded since parses to different resume points";
    }
  }

  // Whatever came before, a good request still parses.
  client_request good;
  request_error good_err;
  if (!parser.parse(client_reference_request, good, good_err)) return "parser broken";
  if (good.op != client_op::subscribe ||
      good.id_json !=
          "\"r\xc3\xa9"
          "f\"" ||
      good.channels.size() != 2 || good.channels[1] != "status") {
    return "reference request misread after previous message";
  }
  return nullptr;
}

// OKX v5 "tickers": a reference push that must always parse to exactly one tick.
inline constexpr std::string_view okx_reference_frame =
    R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT",)"
    R"("instId":"BTC-USDT","last":"85205.7","lastSz":"0.0000102","askPx":"85205.8",)"
    R"("askSz":"0.25697131","bidPx":"85205.7","bidSz":"0.65302934","open24h":"86056.1",)"
    R"("high24h":"86800","low24h":"84500.1","volCcy24h":"458903124.056360828",)"
    R"("vol24h":"5449.95415651","sodUtc0":"84409.9","sodUtc8":"83800","ts":"1764061234000"}]})";

inline const char* okx_target(const std::uint8_t* data, std::size_t size) {
  // One adapter for the whole run, as in production: parser and buffer are reused, so state
  // left behind by a bad frame is exercised by the next one.
  static const symbol_map symbols = [] {
    symbol_map m;
    m.add("BTC-USDT", 0);
    m.add("ETH-USDT", 1);
    return m;
  }();
  static const std::unique_ptr<venue_adapter> adapter =
      make_venue_adapter(venue_id::okx, symbols, all_feed_streams);
  static market_events events;
  std::vector<tick>& out = events.ticks;
  static simdjson::dom::parser reference;

  constexpr std::int64_t recv = 1234567;
  out.assign(1, tick{});
  out[0].exchange_ts_us = -77;  // a sentinel the parser must not touch
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  arm_event_sentinels(events);
  const parse_result r = adapter->parse(frame, recv, events);
  if (const char* e = check_trades_and_quotes(events, venue_id::okx, recv, r)) return e;
  // Events besides ticks; a dropped repeated trade id counts as its one result.
  const std::size_t other_events = events.trades.size() + events.quotes.size() - 2;

  if (out.empty() || out[0].exchange_ts_us != -77) return "parse modified existing ticks";
  const std::size_t added = out.size() - 1;
  if (r.error != feed_errc::ok) {
    if (added != 0) return "failed parse appended ticks";
    if (r.unknown_symbols != 0) return "failed parse counted symbols";
    if (to_string(r.error) == "unknown") return "bad error code";
    if (r.error == feed_errc::venue_error && r.kind != frame_kind::control) {
      return "venue error not a control frame";
    }
  } else if (r.kind == frame_kind::control) {
    if (added != 0 || r.unknown_symbols != 0) return "control frame produced data";
  } else if (added + r.unknown_symbols + other_events + r.trade_gaps == 0) {
    return "a push must yield at least one event or unknown symbol";
  }
  for (std::size_t i = 1; i < out.size(); ++i) {
    const tick& t = out[i];
    if (t.venue != venue_id::okx) return "tick venue";
    if (t.instrument != 0 && t.instrument != 1) return "tick instrument not configured";
    if (t.recv_ts_us != recv) return "tick recv_ts";
    if (!t.has(tf_last)) return "tick without last";
    if (t.exchange_ts_us < 0) return "negative exchange time";
    if (t.has(tf_change_pct)) return "tick with a change percent OKX never sends";
    const decimal* all[] = {
        &t.last, &t.open_24h, &t.high_24h, &t.low_24h, &t.volume_base,     &t.volume_quote,
        &t.bid,  &t.ask,      &t.bid_qty,  &t.ask_qty, &t.venue_change_pct};
    for (const decimal* d : all) {
      if (d->scale() < 0 || d->scale() > decimal::max_scale) return "tick decimal scale";
      decimal again;
      if (decimal::parse(d->to_string(), again) != decimal_errc::ok || !again.identical(*d)) {
        return "tick decimal does not round-trip";
      }
    }
  }

  // A push the validating parser accepts, with one "data" array and no "event": one tick or
  // one unknown symbol per item.
  if (r.error == feed_errc::ok && r.kind == frame_kind::data) {
    const simdjson::padded_string copy(frame);
    simdjson::dom::element root;
    simdjson::dom::object obj;
    if (reference.parse(copy).get(root) == simdjson::SUCCESS &&
        root.get_object().get(obj) == simdjson::SUCCESS) {
      std::size_t data_keys = 0;
      std::size_t items = 0;
      for (const auto field : obj) {
        if (field.key == "event" && field.value.is_string()) {
          return "an event frame was taken for data";
        }
        if (field.key != "data") continue;
        ++data_keys;
        simdjson::dom::array arr;
        if (field.value.get_array().get(arr) != simdjson::SUCCESS) return "data is not an array";
        items = arr.size();
      }
      // One tick, trade, quote or unknown symbol per item; a repeated trade id is dropped and
      // counted in trade_gaps.
      const std::size_t per_item = added + events.trades.size() - 1 + events.quotes.size() - 1;
      if (data_keys == 1 && (items < per_item + r.unknown_symbols ||
                             items > per_item + r.unknown_symbols + r.trade_gaps)) {
        return "ticks + trades + quotes + unknown symbols != data items";
      }
    }
  }

  // The same frame parsed again gives the same answer.
  {
    std::vector<tick> again;
    const parse_result r2 = adapter->parse(frame, recv, again);
    if (r2.error != r.error || r2.kind != r.kind || r2.unknown_symbols != r.unknown_symbols ||
        again.size() != added) {
      return "parse is not deterministic";
    }
    for (std::size_t i = 0; i < again.size(); ++i) {
      const tick& a = again[i];
      const tick& b = out[i + 1];
      if (a.fields != b.fields || a.instrument != b.instrument ||
          a.exchange_ts_us != b.exchange_ts_us || !a.last.identical(b.last) ||
          !a.volume_quote.identical(b.volume_quote) || !a.bid.identical(b.bid)) {
        return "parse is not deterministic";
      }
    }
  }

  // Whatever came before, the parser must still read a good frame correctly.
  out.clear();
  const parse_result good = adapter->parse(okx_reference_frame, recv, out);
  if (good.error != feed_errc::ok || out.size() != 1) return "parser broken by previous frame";
  if (out[0].last.to_string() != "85205.7" ||
      out[0].volume_quote.to_string() != "458903124.056360828" ||
      out[0].volume_base.to_string() != "5449.95415651" ||
      out[0].exchange_ts_us != 1764061234000000) {
    return "reference frame misread after previous frame";
  }
  return nullptr;
}

// ---- gas.ETH: the Ethereum JSON-RPC conversation ------------------------------------------

namespace detail {

// A QUANTITY read independently of gas::parse_quantity: "0x", then hex digits, at most 64 bits
// once leading zeros are dropped.
inline bool hex_quantity_value(std::string_view s, std::uint64_t& out) {
  if (s.size() < 3 || s.substr(0, 2) != "0x") return false;
  s.remove_prefix(2);
  if (s.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) return false;
  const std::size_t first = s.find_first_not_of('0');
  s = first == std::string_view::npos ? std::string_view() : s.substr(first);
  if (s.size() > 16) return false;
  std::uint64_t v = 0;
  for (const char c : s) {
    const int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  out = v;
  return true;
}

// A newHeads notification as the validating DOM parser reads it.
struct gas_head {
  std::uint64_t block = 0;
  std::uint64_t base_fee = 0;
  std::optional<std::uint64_t> seconds;
};

inline std::optional<gas_head> reference_head(simdjson::dom::parser& p, std::string_view frame) {
  const simdjson::padded_string copy(frame);
  simdjson::dom::element root;
  simdjson::dom::object head;
  std::string_view method;
  std::int64_t id = 0;
  if (p.parse(copy).get(root) != simdjson::SUCCESS) return std::nullopt;
  const bool notification = !root["method"].get(method) && method == "eth_subscription" &&
                            !root["params"]["result"].get(head);
  // The answer to the eth_getBlockByNumber("latest") sent at connect is a head too.
  const bool latest = !notification && !root["id"].get(id) && id == gas::adapter::latest_block_id &&
                      !root["result"].get(head);
  if (!notification && !latest) return std::nullopt;
  gas_head h;
  std::string_view text;
  if (head["number"].get(text) || !hex_quantity_value(text, h.block)) return std::nullopt;
  if (head["baseFeePerGas"].get(text) || !hex_quantity_value(text, h.base_fee)) {
    return std::nullopt;
  }
  std::uint64_t seconds = 0;
  if (head["timestamp"].get(text) == simdjson::SUCCESS && hex_quantity_value(text, seconds)) {
    h.seconds = seconds;
  }
  return h;
}

// Wei as Gwei text: canonical, trailing fraction zeros trimmed, exactly the wei.
inline const char* check_gwei(std::int64_t wei, std::string_view text) {
  decimal back;
  if (decimal::parse(text, back) != decimal_errc::ok) return "gwei text does not parse";
  if (!canonical_text(text)) return "gwei text not canonical";
  if (text.find('.') != std::string_view::npos && text.back() == '0') return "gwei not trimmed";
  if (back.scale() > 9 || lifted(back, 9) != wei) return "gwei text is not exactly the wei";
  return nullptr;
}

inline const char* check_gas_reading(const gas::reading& r, const std::vector<gas_head>& heads,
                                     std::int64_t recv_us) {
  if (r.base_fee_wei < 0 || r.base_fee_wei > static_cast<std::int64_t>(gas::max_fee_wei)) {
    return "base fee out of range";
  }
  const bool announced = std::any_of(heads.begin(), heads.end(), [&](const gas_head& h) {
    constexpr std::uint64_t max_seconds = INT64_MAX / 1'000'000;  // the adapter refuses later ones
    if (h.seconds && *h.seconds > max_seconds) return false;
    const std::int64_t ts = h.seconds ? static_cast<std::int64_t>(*h.seconds) * 1'000'000 : recv_us;
    return h.block == r.block && static_cast<std::int64_t>(h.base_fee) == r.base_fee_wei &&
           ts == r.ts_us;
  });
  if (!announced) return "reading's block, base fee or time not from an announced head";
  for (const std::int64_t p : r.priority_wei) {
    if (p < 0 || p > static_cast<std::int64_t>(gas::max_fee_wei)) return "priority out of range";
    if (r.priority == gas::priority_source::none && p != 0) return "unknown priority not zero";
  }

  // The channel's data: JSON, the same block, every fee the exact Gwei of its wei.
  static simdjson::dom::parser reference;
  std::string encoded;
  gas::encode_reading(encoded, r, false);
  const simdjson::padded_string copy(encoded);
  simdjson::dom::element root;
  if (reference.parse(copy).get(root) != simdjson::SUCCESS) return "encoded reading not JSON";
  std::uint64_t block = 0;
  std::string_view text;
  if (root["block"].get(block) || block != r.block) return "encoded block differs";
  if (root["base_fee_gwei"].get(text)) return "encoded base fee not a string";
  if (const char* f = check_gwei(r.base_fee_wei, text)) return f;
  for (const bool with_base : {false, true}) {
    simdjson::dom::element tiers;
    if (root[with_base ? "total_gwei" : "priority_fee_gwei"].get(tiers)) return "tiers missing";
    if (r.priority == gas::priority_source::none) {
      if (!tiers.is_null()) return "unknown priority fee not null";
      continue;
    }
    for (std::size_t k = 0; k < gas::tier_count; ++k) {
      if (tiers[gas::tier_names[k]].get(text)) return "encoded tier missing";
      const std::int64_t wei = r.priority_wei[k] + (with_base ? r.base_fee_wei : 0);
      if (const char* f = check_gwei(wei, text)) return f;
    }
  }
  return nullptr;
}

// Requests the adapter sends: JSON-RPC calls it knows, for blocks it was told about.
inline const char* check_gas_requests(const std::vector<std::string>& requests,
                                      const std::vector<gas_head>& heads) {
  static simdjson::dom::parser reference;
  for (const std::string& text : requests) {
    const simdjson::padded_string copy(text);
    simdjson::dom::element root;
    std::int64_t id = 0;
    std::string_view method;
    if (reference.parse(copy).get(root) != simdjson::SUCCESS || root["id"].get(id) ||
        root["method"].get(method)) {
      return "request is not a JSON-RPC call";
    }
    if (id < gas::adapter::first_request_id) return "request reuses a connect-time id";
    if (method == "eth_maxPriorityFeePerGas") continue;
    if (method != "eth_feeHistory") return "request for an unknown method";
    std::string_view block_text;
    std::uint64_t block = 0;
    if (root["params"].at(1).get(block_text) || !hex_quantity_value(block_text, block)) {
      return "eth_feeHistory without a block";
    }
    if (std::none_of(heads.begin(), heads.end(),
                     [block](const gas_head& h) { return h.block == block; })) {
      return "eth_feeHistory for a block no head announced";
    }
  }
  return nullptr;
}

}  // namespace detail

// geth's documented newHeads notification (compacted) and its subscription, from the unit tests.
inline constexpr std::string_view gas_reference_ack =
    R"({"jsonrpc":"2.0","id":1,"result":"0x9ce59a13059e417087c02d3236a0b1cc"})";
inline constexpr std::string_view gas_reference_head =
    R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"result":{"difficulty":)"
    R"("0x15d9223a23aa","gasLimit":"0x47e7c4","gasUsed":"0x38658","number":"0x1348c9",)"
    R"("timestamp":"0x56ffeff8","baseFeePerGas":"0x14fce970"},)"
    R"("subscription":"0x9ce59a13059e417087c02d3236a0b1cc"}})";
// Five blocks' reward percentiles; the medians are 0.01, 0.05 and 0.2 Gwei.
inline constexpr std::string_view gas_reference_rewards =
    R"([["0x989680","0x2faf080","0xbebc200"],["0x4c4b40","0x1c9c380","0x5f5e100"],)"
    R"(["0x1312d00","0x3b9aca0","0x11e1a300"],["0x0","0x2faf080","0xbebc200"],)"
    R"(["0x989680","0x5f5e100","0x17d78400"]])";

// The input is a conversation: frames separated by '\n', fed in order to one adapter. Each
// parse must not crash or touch the ticks; every reading must come from an announced head with
// its base fee and time, and encode to exact, canonical Gwei; every request must be a call
// for an announced block. Then, after a reconnect, the documented conversation still reads
// right.
inline const char* gas_target(const std::uint8_t* data, std::size_t size) {
  static simdjson::dom::parser reference;
  std::vector<gas::reading> readings;
  gas::adapter adapter([&readings](const gas::reading& r) { readings.push_back(r); });
  adapter.reset();
  std::vector<detail::gas_head> heads;
  std::vector<tick> out;
  std::vector<std::string> requests;
  constexpr std::int64_t recv = 1'700'000'000'123'456;
  std::size_t counted = 0;

  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (true) {
    const std::size_t nl = text.find('\n');
    const std::string_view frame = text.substr(0, nl);
    if (auto h = detail::reference_head(reference, frame)) heads.push_back(*h);
    const std::size_t before = readings.size();
    const parse_result r = adapter.parse(frame, recv, out);
    if (!out.empty()) return "gas adapter appended ticks";
    if (to_string(r.error) == "unknown") return "bad error code";
    if (r.readings != readings.size() - before) return "readings counted != readings published";
    if (r.error == feed_errc::ok && r.kind == frame_kind::control && r.readings != 0) {
      return "control frame published a reading";
    }
    counted += r.readings;
    for (std::size_t i = before; i < readings.size(); ++i) {
      if (const char* f = detail::check_gas_reading(readings[i], heads, recv)) return f;
    }
    requests.clear();
    adapter.take_outgoing(requests);
    if (requests.size() > 1) return "more than one request for one frame";
    if (const char* f = detail::check_gas_requests(requests, heads)) return f;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  if (counted > heads.size()) return "more readings than heads";

  // A reconnect, then the documented conversation: subscribe, head, fee history.
  adapter.reset();
  readings.clear();
  if (adapter.parse(gas_reference_ack, recv, out).error != feed_errc::ok ||
      adapter.subscription() != "0x9ce59a13059e417087c02d3236a0b1cc") {
    return "reference subscription misread";
  }
  if (adapter.parse(gas_reference_head, recv, out).error != feed_errc::ok) {
    return "reference head refused";
  }
  requests.clear();
  adapter.take_outgoing(requests);
  if (requests.size() != 1) return "reference head did not ask for its priority fee";
  static simdjson::dom::parser request_parser;
  const simdjson::padded_string request_copy(requests[0]);
  std::int64_t id = 0;
  std::string_view method;
  simdjson::dom::element request;
  if (request_parser.parse(request_copy).get(request) || request["id"].get(id) ||
      request["method"].get(method) || method != "eth_feeHistory") {
    return "reference head's request is not eth_feeHistory";
  }
  const std::string reply = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                            R"(,"result":{"oldestBlock":"0x1348c5","reward":)" +
                            std::string(gas_reference_rewards) + "}}";
  const parse_result done = adapter.parse(reply, recv, out);
  if (done.error != feed_errc::ok || done.readings != 1 || readings.size() != 1) {
    return "reference fee history did not publish the head";
  }
  const gas::reading& r = readings[0];
  if (r.block != 0x1348c9 || r.base_fee_wei != 0x14fce970 || r.ts_us != 0x56ffeff8LL * 1'000'000 ||
      r.priority != gas::priority_source::fee_history ||
      r.priority_wei !=
          std::array<std::int64_t, gas::tier_count>{10'000'000, 50'000'000, 200'000'000}) {
    return "reference conversation misread";
  }
  std::string encoded;
  gas::encode_reading(encoded, r, false);
  if (encoded.find(R"("base_fee_gwei":"0.352119152","priority_fee_gwei":{"slow":"0.01",)"
                   R"("standard":"0.05","fast":"0.2"})") == std::string::npos) {
    return "reference reading misencoded";
  }
  return nullptr;
}

// ---- fng: the alternative.me response ---------------------------------------------------

inline constexpr std::string_view fng_reference_response =
    R"({"name":"Fear and Greed Index","data":[{"value":"40","value_classification":"Fear",)"
    R"("timestamp":"1551157200","time_until_update":"68499"}],"metadata":{"error":null}})";

inline const char* fng_target(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  fng::api_reading r;
  r.value = -7;  // a sentinel a failed parse must leave alone
  const fng::api_errc e = fng::parse_api_response(body, r);
  if (fng::to_string(e) == "unknown") return "bad error code";
  if (e != fng::api_errc::ok) {
    if (r.value != -7 || !r.classification.empty()) return "failed parse wrote its output";
  } else {
    if (r.value < fng::min_value || r.value > fng::max_value) return "value out of 0..100";
    if (r.classification.empty()) return "empty classification";
    if (r.classification.size() > fng::max_classification_bytes) return "classification too long";
    if (!simdjson::validate_utf8(r.classification)) return "classification not UTF-8";
    if (r.timestamp_s <= 0) return "timestamp not a positive count of seconds";
    if (r.time_until_update_s && *r.time_until_update_s < 0) return "negative time until update";

    // The channel's data built from it is JSON carrying the same value and label.
    static simdjson::dom::parser reference;
    fng::message m;
    m.value = r.value;
    m.classification = r.classification;
    m.from = fng::source::api;
    m.timestamp_us = r.timestamp_s;  // any value: only the encoding is checked
    m.time_until_update_s = r.time_until_update_s;
    std::string encoded;
    fng::encode(encoded, m);
    const simdjson::padded_string copy(encoded);
    simdjson::dom::element root;
    std::int64_t value = 0;
    std::string_view label;
    if (reference.parse(copy).get(root) || root["value"].get(value) ||
        root["value_classification"].get(label)) {
      return "encoded fng is not JSON";
    }
    if (value != r.value || label != r.classification) return "encoded fng differs";
  }
  fng::api_reading again;
  if (fng::parse_api_response(body, again) != e ||
      (e == fng::api_errc::ok &&
       (again.value != r.value || again.classification != r.classification ||
        again.timestamp_s != r.timestamp_s ||
        again.time_until_update_s != r.time_until_update_s))) {
    return "parse is not deterministic";
  }

  fng::api_reading good;
  if (fng::parse_api_response(fng_reference_response, good) != fng::api_errc::ok ||
      good.value != 40 || good.classification != "Fear" || good.timestamp_s != 1551157200 ||
      good.time_until_update_s != 68499) {
    return "reference response misread";
  }
  return nullptr;
}

// ---- tickerd's configuration (TOML) --------------------------------------------------------

// Any text ends in a config or a config_error naming a key (or the line and column of a TOML
// syntax error); never in another exception. A config that loads holds what the loader
// validates, so nothing downstream has to check it again.
inline const char* config_target(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  config c;
  try {
    c = load_config_string(text, "fuzz.toml");
  } catch (const config_error& e) {
    const std::string_view what = e.what();
    if (what.find(": ") == std::string_view::npos || what.size() < 4) {
      return "config_error without a key and a reason";
    }
    return nullptr;
  } catch (...) {
    return "an exception other than config_error";
  }

  if (c.instruments.empty() || c.instruments.size() >= no_instrument) return "instrument count";
  std::set<std::string> symbols;
  for (const instrument& i : c.instruments) {
    const auto again = instrument::parse(i.symbol());
    if (!again || again->symbol() != i.symbol()) return "instrument does not re-parse";
    if (!symbols.insert(i.symbol()).second) return "instrument listed twice";
  }
  if (!is_log_level(c.log.level)) return "log level";
  if (c.node.role != node_role::all && !c.redis.enabled) return "node role without redis";
  if (c.node.id.find(' ') != std::string::npos) return "node id with a space";
  if (c.limits.max_message_bytes < 256 || c.limits.idle_timeout.count() < 100) return "limits";
  if (c.redis.enabled) {
    if (c.redis.prefix.empty()) return "empty redis prefix";
    if (c.redis.endpoint.backoff_max < c.redis.endpoint.backoff_initial) return "redis backoff";
  }
  if (!almanac::load_time_zone(c.almanac.tz)) return "almanac.tz that does not load";
  if (c.gas.enabled && !parse_ws_url(c.gas.session.url)) return "gas url";
  if (!c.fng.url.empty() && !parse_http_url(c.fng.url)) return "fng url";
  std::set<venue_id> venues;
  for (const feed_entry_config& f : c.feeds) {
    const feed_config& s = f.session;
    if (!venues.insert(s.venue).second) return "venue configured twice";
    if (!parse_ws_url(s.url)) return "feed url";
    if (s.backoff_max < s.backoff_initial) return "feed backoff";
    if (s.max_connection_age.count() != 0 && s.rollover_lead >= s.max_connection_age) {
      return "rollover lead not below the connection age";
    }
    for (const auto& [canonical, native] : f.symbol_overrides) {
      if (native.empty() || !symbols.contains(canonical)) return "symbol override";
    }
    for (const instrument& i : c.instruments) {
      if (native_symbol(f, i).empty()) return "empty native symbol";
    }
  }
  if (c.venues().size() != c.feeds.size()) return "venues() count";
  return nullptr;
}

// ---- tickerd-sim: fault specs -----------------------------------------------------------

inline const char* fault_target(const std::uint8_t* data, std::size_t size) {
  const std::string_view spec(reinterpret_cast<const char*>(data), size);
  const sim::fault_parse_result r = sim::parse_fault(spec);
  // The error goes back in a JSON reply and a log line: printable ASCII.
  const auto printable = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= ' ' && c <= '~'; });
  };
  if (!r.value) {
    if (r.error.empty()) return "refused without a reason";
    if (!printable(r.error)) return "error is not printable ASCII";
    if (r.error.size() > 400) return "error unbounded";
  } else {
    const sim::fault& f = *r.value;
    if (!r.error.empty()) return "accepted with an error";
    if (sim::to_string(f.kind) == "unknown") return "kind out of range";
    if (!sim::is_sendable_close_code(f.code)) return "close code cannot be sent";
    const std::uint64_t max_count =
        f.kind == sim::fault_kind::garbage ? sim::fault_limits::max_garbage_count
        : f.kind == sim::fault_kind::gap || f.kind == sim::fault_kind::trade_gap
            ? sim::fault_limits::max_gap_count
            : sim::fault_limits::max_invalid_json_count;
    if (f.count < 1 || f.count > max_count) return "count out of range";
    if (f.drip_bytes < 1 || f.drip_bytes > sim::fault_limits::max_drip_bytes) {
      return "drip bytes out of range";
    }
    if (f.drip_interval.count() < 0 || f.drip_interval > sim::fault_limits::max_drip_interval) {
      return "drip interval out of range";
    }
    if (f.duration && (f.duration->count() < 0 || *f.duration > sim::fault_limits::max_duration)) {
      return "duration out of range";
    }
    if ((f.kind == sim::fault_kind::refuse || f.kind == sim::fault_kind::max_age) && !f.duration) {
      return "refuse or max_age without ms";
    }
    if (f.every && *f.every < sim::fault_limits::min_every) return "every below its minimum";

    // The canonical spelling re-parses to the same fault, and is a fixed point.
    const std::string canonical = sim::to_spec(f);
    const sim::fault_parse_result again = sim::parse_fault(canonical);
    if (!again.value) return "canonical spec refused";
    if (!(*again.value == f)) return "canonical spec parses to a different fault";
    if (sim::to_spec(*again.value) != canonical) return "canonical spec is not a fixed point";
    if (!(f.unscheduled().unscheduled() == f.unscheduled()) || f.unscheduled().scheduled()) {
      return "unscheduled() still scheduled";
    }
    // Blanks around the whole spec are ignored.
    const sim::fault_parse_result padded = sim::parse_fault(" \t" + std::string(spec) + "\r\n");
    if (!padded.value || !(*padded.value == f)) return "blanks around the spec changed it";
  }

  // As --fault VENUE:SPEC, for every venue name the input may start with.
  const sim::venue_fault_parse_result v = sim::parse_venue_fault(spec);
  if (v.value) {
    if (!sim::check_venue(v.value->spec, v.value->venue).empty()) return "venue accepted wrongly";
  } else if (v.error.empty() || !printable(v.error)) {
    return "venue fault refused without a printable reason";
  }

  // What faults put on the wire: a truncated frame is a prefix, at most half, and stays UTF-8.
  const std::string cut = sim::truncated_frame(spec);
  if (cut.size() > spec.size() / 2 || spec.substr(0, cut.size()) != cut) {
    return "truncated frame not a prefix of at most half";
  }
  if (simdjson::validate_utf8(spec.data(), spec.size()) && !simdjson::validate_utf8(cut)) {
    return "truncated frame split a UTF-8 character";
  }
  return nullptr;
}

// ---- tickerd-sim: replay capture files ----------------------------------------------------

namespace detail {

// What parse_capture must make of a capture, worked out line by line from docs/REPLAY.md.
struct expected_record {
  std::int64_t at_ms;
  std::size_t line;
  std::string_view frame;
};
struct expected_capture {
  bool ok = false;
  std::size_t error_line = 0;
  std::vector<expected_record> records;
};

inline expected_capture expect_capture(std::string_view text) {
  expected_capture e;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::size_t line_no = 0;
  std::int64_t previous = 0;
  const auto blank = [](std::string_view s) { return s.find_first_not_of(" \t") == s.npos; };
  const auto fail = [&] {
    e.error_line = line_no;
    e.records.clear();
    return e;
  };
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == text.npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > sim::replay::max_line_bytes) return fail();
    if (!simdjson::validate_utf8(line.data(), line.size())) return fail();
    if (blank(line) || line[0] == '#') continue;
    expected_record r{previous, line_no, line};
    if (line[0] == '@') {
      const std::size_t end = line.find_first_not_of("0123456789", 1);
      const std::string_view digits = line.substr(1, end == line.npos ? line.npos : end - 1);
      if (digits.empty()) return fail();
      const std::size_t significant = digits.find_first_not_of('0');
      std::int64_t v = 0;
      if (significant != digits.npos) {
        if (digits.size() - significant > 13) return fail();  // more than 10^12 for sure
        for (const char c : digits.substr(significant)) v = v * 10 + (c - '0');
      }
      if (v > sim::replay::max_time_ms) return fail();
      if (end == line.npos) return fail();  // no frame
      if (line[end] != ' ' && line[end] != '\t') return fail();
      r.frame = line.substr(end + 1);
      if (blank(r.frame)) return fail();
      if (v < previous) return fail();
      r.at_ms = previous = v;
    }
    e.records.push_back(r);
  }
  if (e.records.empty()) {
    line_no = 0;
    return fail();
  }
  e.ok = true;
  return e;
}

}  // namespace detail

inline const char* replay_target(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cap = std::make_shared<sim::replay::capture>();
  sim::replay::capture_error error;
  const bool ok = sim::replay::parse_capture(text, *cap, error);

  // Lines in the input, as the parser numbers them (a final line break ends the last line).
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) +
                            (!text.empty() && text.back() != '\n' ? 1 : 0);
  const detail::expected_capture e = detail::expect_capture(text);
  if (!ok) {
    if (error.reason.empty()) return "refused without a reason";
    if (error.line > lines) return "error line beyond the input";
    if (e.ok) return "refused a good capture";
    if (error.line != e.error_line) return "error on the wrong line";
    return nullptr;
  }
  if (!e.ok) return "accepted a bad capture";
  const auto& records = cap->records;
  if (records.empty()) return "accepted without records";
  if (records.size() != e.records.size()) return "record count differs from the lines";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const sim::replay::record& r = records[i];
    if (r.at_ms < 0 || r.at_ms > sim::replay::max_time_ms) return "record time out of range";
    if (i > 0 && r.at_ms < records[i - 1].at_ms) return "record times decrease";
    if (i > 0 && r.line <= records[i - 1].line) return "record lines do not increase";
    if (r.line < 1 || r.line > lines) return "record line beyond the input";
    if (!r.frame || r.frame->empty()) return "record without a frame";
    if (r.frame->find('\n') != std::string::npos) return "frame spans lines";
    if (!simdjson::validate_utf8(*r.frame)) return "frame is not UTF-8";
    if (r.at_ms != e.records[i].at_ms || r.line != e.records[i].line ||
        *r.frame != e.records[i].frame) {
      return "record differs from its line";
    }
  }
  if (cap->duration_ms() != records.back().at_ms) return "duration is not the last time";

  // A connection replaying it twice (loop) at a speed the input picks: due times never go back.
  const double speeds[] = {1.0, 0.001, 1000.0, 3.7};
  const double speed = speeds[size % 4];
  sim::replay::cursor c(cap, speed, true);
  c.start(1'000);
  std::int64_t last_due = 0;
  for (std::size_t n = 0; n < 2 * records.size() && n < 64; ++n) {
    const std::int64_t due = c.next_due_us();
    if (due < last_due) return "replay due times go back";
    last_due = due;
    const sim::replay::record& r = c.take();
    if (r.line != records[n % records.size()].line) return "replay out of order";
  }
  return nullptr;
}

// ---- the gateway: WebSocket frames from clients (RFC 6455) ---------------------------------

namespace detail {

// RFC 3629, written out rather than taken from simdjson (which the reader uses).
inline bool ws_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 2, cp = c & 0x1fu, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 3, cp = c & 0x0fu, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 4, cp = c & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i < n) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

struct ws_event {
  ws::frame_event::kind what = ws::frame_event::kind::text;
  std::string payload;  // empty for errors: their text is for logs
  std::uint16_t code = 0;
  bool operator==(const ws_event&) const = default;
};

// What a server must make of a client's byte stream, worked out frame by frame from RFC 6455
// 5.2-5.6 and 7.4 over the whole input: the events in order, ending at the first error or at
// an incomplete frame. A frame is refused as soon as its header shows it is bad.
inline std::vector<ws_event> expect_ws_events(std::string_view in, std::size_t max_message) {
  using kind = ws::frame_event::kind;
  std::vector<ws_event> out;
  std::string message;
  int open = -1;  // opcode of the fragmented message in progress
  std::size_t pos = 0;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(in[pos + i]); };
  const auto fail = [&](std::uint16_t code) {
    out.push_back({kind::error, {}, code});
    return out;
  };
  for (;;) {
    const std::size_t avail = in.size() - pos;
    if (avail < 2) return out;
    const bool fin = (byte(0) & 0x80) != 0;
    const unsigned op = byte(0) & 0x0f;
    if ((byte(0) & 0x70) != 0) return fail(1002);
    if (!(op <= 2 || (op >= 8 && op <= 10))) return fail(1002);
    if ((byte(1) & 0x80) == 0) return fail(1002);
    std::uint64_t length = byte(1) & 0x7f;
    std::size_t header = 2;
    if (length == 126) {
      if (avail < 4) return out;
      length = std::uint64_t{byte(2)} << 8 | byte(3);
      if (length < 126) return fail(1002);
      header = 4;
    } else if (length == 127) {
      if (avail < 10) return out;
      length = 0;
      for (std::size_t i = 2; i < 10; ++i) length = length << 8 | byte(i);
      if (length >= std::uint64_t{1} << 63 || length < 65536) return fail(1002);
      header = 10;
    }
    const bool control = op >= 8;
    if (control) {
      if (!fin || length > 125) return fail(1002);
    } else {
      if ((op == 0) != (open >= 0)) return fail(1002);
      if (length > max_message - message.size()) return fail(1009);
    }
    if (avail < header + 4 || avail - header - 4 < length) return out;
    std::string payload(in.substr(pos + header + 4, static_cast<std::size_t>(length)));
    for (std::size_t i = 0; i < payload.size(); ++i) {
      payload[i] = static_cast<char>(static_cast<unsigned char>(payload[i]) ^ byte(header + i % 4));
    }
    pos += header + 4 + payload.size();
    if (op == 9) {
      out.push_back({kind::ping, payload, 0});
    } else if (op == 10) {
      out.push_back({kind::pong, payload, 0});
    } else if (op == 8) {
      if (payload.empty()) {
        out.push_back({kind::close, {}, 1005});
        continue;
      }
      if (payload.size() == 1) return fail(1002);
      const auto code = static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8 |
                                                   static_cast<unsigned char>(payload[1]));
      const bool code_ok = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                           (code >= 3000 && code <= 4999);
      if (!code_ok) return fail(1002);
      if (!ws_utf8(std::string_view(payload).substr(2))) return fail(1007);
      out.push_back({kind::close, payload.substr(2), code});
    } else {
      if (op != 0) open = static_cast<int>(op);
      message += payload;
      if (!fin) continue;
      const bool is_text = open == 1;
      open = -1;
      if (is_text && !ws_utf8(message)) return fail(1007);
      out.push_back({is_text ? kind::text : kind::binary, std::move(message), 0});
      message.clear();
    }
  }
}

// Drains a reader, checking what holds for every event on the way.
inline const char* drain_ws(ws::frame_reader& r, std::size_t max_message,
                            std::vector<ws_event>& out) {
  using kind = ws::frame_event::kind;
  while (const ws::frame_event* e = r.next()) {
    if (!out.empty() && out.back().what == kind::error) return "an event after an error";
    switch (e->what) {
      case kind::text:
        if (!ws_utf8(e->payload)) return "text message not UTF-8";
        [[fallthrough]];
      case kind::binary:
        if (e->payload.size() > max_message) return "message over the limit";
        if (e->code != 0) return "data message with a code";
        break;
      case kind::ping:
      case kind::pong:
        if (e->payload.size() > ws::max_control_payload) return "control payload over 125";
        if (e->code != 0) return "ping or pong with a code";
        break;
      case kind::close:
        if (e->payload.size() > ws::max_control_payload - 2) return "close reason over 123";
        if (!ws_utf8(e->payload)) return "close reason not UTF-8";
        if (e->code == ws::close_code::no_status ? !e->payload.empty()
                                                 : !ws::valid_close_code(e->code)) {
          return "close code cannot be received";
        }
        break;
      case kind::error:
        if (e->code != ws::close_code::protocol_error &&
            e->code != ws::close_code::invalid_payload && e->code != ws::close_code::too_big) {
          return "error with an unexpected close code";
        }
        if (e->payload.empty()) return "error without a reason";
        if (!r.failed()) return "error event but not failed()";
        break;
      default:
        return "event of no known kind";
    }
    out.push_back(
        {e->what, e->what == kind::error ? std::string() : std::string(e->payload), e->code});
  }
  if (!out.empty() && out.back().what == kind::error && r.next() != nullptr) {
    return "next() after an error returned an event";
  }
  return nullptr;
}

}  // namespace detail

// The first byte picks the message limit and how the rest is cut into inputs; the rest is
// what a client sent. The reader fed in pieces (one reused buffer, scribbled over between
// inputs) must give the same events as fed in one piece, and both what the RFC says.
inline const char* ws_frame_target(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return nullptr;
  // Held between inputs beyond a message: an incomplete frame's header and mask, or an
  // incomplete control frame (up to 2 + 4 + 125 bytes, less one) after a message's start.
  constexpr std::size_t held_beyond_message = 2 + 4 + ws::max_control_payload - 1;
  static constexpr std::size_t limits[] = {0, 1, 7, 125, 126, 300, 4096, 1 << 20};
  static constexpr std::size_t chunks[] = {1, 2, 3, 5, 7, 13, 64, 0};  // 0: cuts from the input
  const std::size_t max = limits[data[0] & 7];
  const std::size_t chunk = chunks[(data[0] >> 3) & 7];
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  // In one piece.
  std::vector<detail::ws_event> whole;
  ws::frame_reader one(max);
  {
    std::string copy(stream);
    one.feed(copy.data(), copy.size());
    if (const char* f = detail::drain_ws(one, max, whole)) return f;
    one.keep_rest();
  }
  if (one.buffered() > max + held_beyond_message) return "holds more than a message and a frame";
  const bool failed = !whole.empty() && whole.back().what == ws::frame_event::kind::error;
  if (one.failed() != failed) return "failed() disagrees with the events";

  // In pieces: fixed-size chunks, or pieces whose sizes are the stream's own bytes.
  std::vector<detail::ws_event> pieces;
  ws::frame_reader many(max);
  std::string buffer(stream.size() + 1, '\0');
  std::size_t from = 0;
  std::size_t seed = 0;
  do {
    std::size_t n = chunk;
    if (n == 0 && !stream.empty()) {
      n = 1 + static_cast<unsigned char>(stream[seed++ % stream.size()]) % 97;
    }
    n = std::min(n, stream.size() - from);
    std::copy(stream.begin() + static_cast<std::ptrdiff_t>(from),
              stream.begin() + static_cast<std::ptrdiff_t>(from + n), buffer.begin());
    many.feed(buffer.data(), n);
    if (const char* f = detail::drain_ws(many, max, pieces)) return f;
    many.keep_rest();
    if (many.buffered() > max + held_beyond_message) {
      return "holds more than a message and a frame (pieces)";
    }
    // What the reader kept, it copied: scribble over the piece before the buffer is reused.
    std::fill(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n), '\xa5');
    from += n;
  } while (from < stream.size());
  if (pieces != whole) return "events differ between one input and several";
  if (many.failed() != one.failed()) return "failed() differs between one input and several";
  if (many.buffered() != one.buffered()) return "buffered() differs between one input and several";
  // What the RFC says, worked out independently.
  if (whole != detail::expect_ws_events(stream, max)) return "events differ from RFC 6455";

  // A failed reader stays silent whatever comes next.
  if (failed) {
    std::string more(stream);
    one.feed(more.data(), more.size());
    if (one.next() != nullptr) return "event after an error, on new input";
    one.keep_rest();
  }
  return nullptr;
}

}  // namespace tickerd::fuzz

namespace tickerd::fuzz {

// ---- sse_query -------------------------------------------------------------------------------

// The input: a request target, then after the first '\n' (if any) a Last-Event-ID value.
inline const char* sse_query_target(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  const std::string_view target = input.substr(0, nl);
  const std::string_view last_event_id =
      nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  sse_query q;
  q.channels.assign(2, "stale");  // the parser must reset what a previous query left
  q.token = "stale";
  sse_query_error err;
  const bool ok = parse_sse_query(target, last_event_id, q, err);
  if (!ok) {
    if (err.code != "bad_request") return "refusal without the bad_request code";
    if (err.message.empty()) return "refusal without a reason";
    for (const char c : err.message) {
      if (c < 0x20 || c > 0x7e) return "reason is not printable ASCII";
    }
    return nullptr;
  }
  if (q.channels.empty()) return "accepted without channels";
  if (q.channels.size() > sse_max_channels) return "too many channels";
  for (std::size_t i = 0; i < q.channels.size(); ++i) {
    if (q.channels[i].empty()) return "empty channel name";
    if (q.channels[i].find(',') != std::string::npos) return "channel name holds a comma";
    for (std::size_t j = 0; j < i; ++j) {
      if (q.channels[i] == q.channels[j]) return "channel named twice";
    }
  }
  if (q.throttle_ms < -1 || q.throttle_ms > client_request_parser::max_throttle_ms) {
    return "throttle out of range";
  }
  if (q.since.size() > q.channels.size()) return "more positions than channels";
  // The positions, in the channels' order, as an event id: it parses back to the same.
  std::vector<sse_position> positions(q.channels.size());
  std::size_t last_index = 0;
  for (std::size_t k = 0; k < q.since.size(); ++k) {
    const auto& p = q.since[k];
    const auto it = std::find(q.channels.begin(), q.channels.end(), p.channel);
    if (it == q.channels.end()) return "position for a channel not asked for";
    const auto index = static_cast<std::size_t>(it - q.channels.begin());
    if (k != 0 && index <= last_index) return "positions out of the channels' order";
    last_index = index;
    if (p.epoch.empty() || p.epoch.size() > sse_max_epoch_chars) return "bad epoch length";
    if (p.epoch.find_first_of(",:\r\n") != std::string::npos) return "epoch holds a separator";
    positions[index] = {p.epoch, p.seq};
  }
  std::string id;
  append_sse_event_id(id, positions);
  if (id.find_first_of("\r\n") != std::string::npos) return "event id holds a line break";
  std::vector<sse_position> back;
  std::string error;
  if (!parse_sse_event_id(id, q.channels.size(), back, error)) return "own event id refused";
  for (std::size_t i = 0; i < back.size(); ++i) {
    if (back[i].epoch != positions[i].epoch || back[i].seq != positions[i].seq) {
      return "event id does not round-trip";
    }
  }
  // The same query parsed again gives the same answer.
  sse_query again;
  sse_query_error err_again;
  if (!parse_sse_query(target, last_event_id, again, err_again)) return "second parse refused";
  if (again.channels != q.channels || again.since.size() != q.since.size() ||
      again.throttle_ms != q.throttle_ms || again.token != q.token) {
    return "second parse differs";
  }
  return nullptr;
}

using target_body = const char* (*)(const std::uint8_t* data, std::size_t size);

// A token as it arrives on the upgrade URL or in an `auth` message: the verifier must refuse
// it with a reason and a plain-ASCII sentence, and never crash, whatever the bytes. The keys:
// an HMAC secret (the seeds are signed with it, so mutations reach the signature check) and
// an Ed25519 key, both from a JWKS text, as a jwks_file would give them.
inline const char* token_target(const std::uint8_t* data, std::size_t size) {
  static const token_verifier verifier = [] {
    key_set keys;
    // k = "tickerd-fuzz-secret-0123456789abcdef"; x = an Ed25519 public key (RFC 8037 A.2).
    parse_jwks(
        R"({"keys":[{"kty":"oct","kid":"h","k":"dGlja2VyZC1mdXp6LXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm"},)"
        R"({"kty":"OKP","crv":"Ed25519","kid":"e","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})",
        keys);
    token_rules rules;
    rules.issuer = "fuzz";
    return token_verifier(rules, std::move(keys));
  }();
  constexpr std::int64_t now_ms = 1'800'000'000'000;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  verified_token t;
  const auto r = verifier.verify(text, now_ms, t);
  if (r.ok) {
    // Only the seeds' own signatures verify; their claims must have been read.
    if (t.expires_ms <= now_ms) return "accepted an expired token";
  } else {
    if (static_cast<std::size_t>(r.failure) >= auth_failure_count) return "bad failure reason";
    if (r.detail.empty()) return "refused without a reason";
    for (const char c : r.detail) {
      // Plain ASCII with nothing to escape: it goes into the 401's JSON body as it is.
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f ||
          c == '"' || c == '\\') {
        return "reason text is not plain ASCII";
      }
    }
  }
  // The same bytes on an upgrade URL: taken whole (up to '&'), percent-decoded.
  const std::string target = "/ws?token=" + std::string(text);
  const auto from_url = token_from_request(target, {});
  if (from_url.size() > text.size()) return "the URL's token grew";
  if (token_from_request("/ws", "Bearer " + std::string(text)).size() > text.size()) {
    return "the header's token grew";
  }
  return nullptr;
}

// Order books (issue 18): the first byte picks the reader (the five venues' depth parsers,
// Binance's REST snapshot, Kraken's instrument channel), the rest is the frame. Whatever it
// parses is fed to that venue's book_sync, kept across inputs as in production. Invariants: a
// known error; messages only from a clean parse; each side of every book sorted best first,
// within its depth, without zero or negative sizes; a ready book never crossed, a book not
// ready empty; the same frame parsed twice alike.
inline constexpr std::string_view book_reference_frame =
    R"({"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,)"
    R"("b":[["0.0024","10"]],"a":[["0.0026","100"]]})";

inline const char* check_book_sides(const book::order_book& b) {
  for (const book::book_side side : {book::book_side::bid, book::book_side::ask}) {
    const auto levels = b.levels(side);
    if (levels.size() > b.capacity()) return "book deeper than its capacity";
    for (std::size_t i = 0; i < levels.size(); ++i) {
      if (levels[i].size.is_zero() || levels[i].size.is_negative()) return "book holds a zero size";
      if (i == 0) continue;
      const bool ordered = side == book::book_side::bid ? levels[i].price < levels[i - 1].price
                                                        : levels[i - 1].price < levels[i].price;
      if (!ordered) return "book side not strictly sorted best first";
    }
  }
  return nullptr;
}

inline const char* book_target(const std::uint8_t* data, std::size_t size) {
  static constexpr venue_id venues[] = {venue_id::binance, venue_id::okx, venue_id::bybit,
                                        venue_id::kraken, venue_id::coinbase};
  static std::unique_ptr<book::book_parser> parsers[std::size(venues)];
  static std::unique_ptr<book::book_sync> syncs[std::size(venues)];
  if (!parsers[0]) {
    for (std::size_t i = 0; i < std::size(venues); ++i) {
      parsers[i] = std::make_unique<book::book_parser>(venues[i], 4096);
      book::sync_options o;
      o.depth = 10;
      o.max_buffered = 8;
      syncs[i] = std::make_unique<book::book_sync>(venues[i], o);
    }
  }
  if (size == 0) return nullptr;
  const std::size_t pick = data[0] % 7;
  const std::string_view frame(reinterpret_cast<const char*>(data + 1), size - 1);
  static book::book_frame out;
  static book::book_frame again;
  if (pick == 5) {  // Binance REST snapshot
    book::book_message snapshot;
    const feed_errc e = parsers[0]->parse_binance_snapshot(frame, snapshot);
    if (to_string(e) == "unknown") return "bad error code";
    if (e == feed_errc::ok) {
      if (snapshot.kind != book::book_msg_kind::snapshot) return "REST snapshot not a snapshot";
      syncs[0]->on_rest_snapshot(snapshot);
    }
  } else if (pick == 6) {  // Kraken instruments
    std::vector<book::kraken_precision> precisions;
    const feed_errc e = parsers[3]->parse_kraken_instruments(frame, precisions);
    if (to_string(e) == "unknown") return "bad error code";
    for (const auto& p : precisions) {
      if (p.price_precision < 0 || p.price_precision > decimal::max_scale || p.qty_precision < 0 ||
          p.qty_precision > decimal::max_scale) {
        return "precision out of range";
      }
    }
    if (e == feed_errc::ok && !precisions.empty()) {
      syncs[3]->set_precision(precisions[0].price_precision, precisions[0].qty_precision);
    }
  } else {
    const feed_errc e = parsers[pick]->parse(frame, out);
    if (to_string(e) == "unknown") return "bad error code";
    if (e == feed_errc::ok) {
      if (out.control && out.count != 0) return "control frame carried messages";
      const feed_errc e2 = parsers[pick]->parse(frame, again);
      if (e2 != e || again.count != out.count || again.control != out.control) {
        return "parse is not deterministic";
      }
      for (std::size_t i = 0; i < out.count; ++i) {
        const book::book_message& m = out[i];
        if (m.kind != again[i].kind || m.last_id != again[i].last_id ||
            m.bids.size() != again[i].bids.size() || m.asks.size() != again[i].asks.size()) {
          return "parse is not deterministic";
        }
        for (const auto* side : {&m.bids, &m.asks}) {
          for (const book::book_level& l : *side) {
            if (l.price.is_zero() || l.price.is_negative() || l.size.is_negative()) {
              return "a level no venue sends was accepted";
            }
          }
        }
        const book::sync_result r = syncs[pick]->on_message(m);
        if (r.outcome == book::sync_outcome::resync && syncs[pick]->ready()) {
          return "resync left the book ready";
        }
      }
    }
  }
  for (const auto& s : syncs) {
    if (const char* e = check_book_sides(s->book())) return e;
    if (s->ready() && s->book().crossed()) return "a ready book is crossed";
    if (!s->ready() && !s->book().empty()) return "a book not ready still holds levels";
  }
  // Whatever came before, the Binance parser still reads a good frame correctly.
  if (parsers[0]->parse(book_reference_frame, out) != feed_errc::ok || out.count != 1 ||
      out[0].first_id != 157 || out[0].last_id != 160 || out[0].bids.size() != 1 ||
      out[0].bids[0].price.to_string() != "0.0024") {
    return "reference depth frame misread after previous input";
  }
  return nullptr;
}

struct named_target {
  std::string_view name;  // as in tests/fuzz/targets.txt and corpus/<name>/
  target_body body;
};

// Every target, by the name targets.txt gives it.
inline constexpr named_target all_targets[] = {
    {"decimal", decimal_target},
    {"binance", binance_target},
    {"okx", okx_target},
    {"coinbase", coinbase_target},
    {"bybit", bybit_target},
    {"kraken", kraken_target},
    {"client_request", client_request_target},
    {"gas", gas_target},
    {"fng", fng_target},
    {"fault", fault_target},
    {"replay", replay_target},
    {"ws_frame", ws_frame_target},
    {"config", config_target},
    {"token", token_target},
    {"sse_query", sse_query_target},
    {"book", book_target},
};

}  // namespace tickerd::fuzz
