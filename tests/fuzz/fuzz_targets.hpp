// Bodies of the libFuzzer targets, shared by the fuzz binaries (tests/fuzz/*_fuzz.cpp) and by
// the deterministic regression test (tests/unit/fuzz_regression_test.cpp). Each returns nullptr
// when every invariant held, or a short description of the one that broke.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "gateway/client_request.hpp"
#include "tickerd/core/decimal.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

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

inline i128 lifted(decimal d, int scale) {
  i128 v = d.mantissa();
  for (int i = d.scale(); i < scale; ++i) v *= 10;
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
  const i128 la = lifted(a, s);
  const i128 lb = lifted(b, s);
  if ((la < lb) != (ab == std::strong_ordering::less)) return "<=> disagrees with exact lift";

  decimal sum;
  if (decimal::add(a, b, sum)) {
    if (sum.scale() != s) return "add scale";
    if (lifted(sum, s) != la + lb) return "add value";
    decimal back;
    const bool a_fits_at_s = la >= INT64_MIN && la <= INT64_MAX;  // else sub must refuse
    if (decimal::sub(sum, b, back) != a_fits_at_s) return "(a + b) - b refused or accepted wrongly";
    if (a_fits_at_s && back != a) return "(a + b) - b != a";
  } else if (la + lb >= INT64_MIN && la + lb <= INT64_MAX) {
    return "add refused a representable sum";
  }
  decimal diff;
  if (decimal::sub(a, b, diff)) {
    if (lifted(diff, s) != la - lb) return "sub value";
  } else if (la - lb >= INT64_MIN && la - lb <= INT64_MAX) {
    return "sub refused a representable difference";
  }

  decimal mid;
  if (decimal::midpoint(a, b, mid)) {
    const decimal& lo = a < b ? a : b;
    const decimal& hi = a < b ? b : a;
    if (mid < lo || mid > hi) return "midpoint outside [min, max]";
    if (lifted(mid, mid.scale()) * 2 != lifted(a, mid.scale()) + lifted(b, mid.scale())) {
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
      const i128 err = lifted(r, a.scale()) - a.mantissa();
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
    if (la > -bound && la < bound && lb > -bound && lb < bound && scale <= 8) {
      i128 lhs = static_cast<i128>(pct.mantissa()) * lb;
      i128 rhs = (la - lb) * 100;
      for (int i = 0; i < scale; ++i) rhs *= 10;
      const i128 err2 = (lhs - rhs) * 2;
      const i128 den = lb < 0 ? -lb : lb;
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
      make_venue_adapter(venue_id::binance, symbols);
  static std::vector<tick> out;

  constexpr std::int64_t recv = 1234567;
  out.assign(1, tick{});
  out[0].exchange_ts_ms = -77;  // a sentinel the parser must not touch
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  const parse_result r = adapter->parse(frame, recv, out);

  if (out.empty() || out[0].exchange_ts_ms != -77) return "parse modified existing ticks";
  const std::size_t added = out.size() - 1;
  if (r.error != feed_errc::ok) {
    if (added != 0) return "failed parse appended ticks";
    if (r.unknown_symbols != 0) return "failed parse counted symbols";
    if (to_string(r.error) == "unknown") return "bad error code";
  } else if (r.kind == frame_kind::control) {
    if (added != 0 || r.unknown_symbols != 0) return "control frame produced data";
  } else {
    if (added + r.unknown_symbols != 1) return "a ticker frame must yield one tick or one unknown";
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
      make_venue_adapter(venue_id::kraken, symbols);
  static std::vector<tick> out;
  static simdjson::dom::parser reference;

  constexpr std::int64_t recv = 1234567;
  out.assign(1, tick{});
  out[0].exchange_ts_ms = -77;  // a sentinel the parser must not touch
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  const parse_result r = adapter->parse(frame, recv, out);

  if (out.empty() || out[0].exchange_ts_ms != -77) return "parse modified existing ticks";
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
      if (data_keys == 1 && items != added + r.unknown_symbols) {
        return "ticks + unknown symbols != data items";
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
          a.exchange_ts_ms != b.exchange_ts_ms || !a.last.identical(b.last) ||
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
      out[0].bid_qty.to_string() != "0.51200000" || out[0].exchange_ts_ms != 1764061234000) {
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
      make_venue_adapter(venue_id::coinbase, symbols);
  static std::vector<tick> out;
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
  out[0].exchange_ts_ms = -77;  // a sentinel the parser must not touch
  const parse_result r = adapter->parse(frame, recv, out);
  if (out.empty() || out[0].exchange_ts_ms != -77) return "parse modified existing ticks";
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
       first[0].exchange_ts_ms != second[0].exchange_ts_ms)) {
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
      out[0].bid_qty.to_string() != "0.51200" || out[0].exchange_ts_ms != 1764061234000) {
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
      make_venue_adapter(venue_id::bybit, symbols);
  static std::vector<tick> out;

  constexpr std::int64_t recv = 1234567;
  out.assign(1, tick{});
  out[0].exchange_ts_ms = -77;  // a sentinel the parser must not touch
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  const parse_result r = adapter->parse(frame, recv, out);

  if (out.empty() || out[0].exchange_ts_ms != -77) return "parse modified existing ticks";
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
  } else if (added + r.unknown_symbols > 1) {
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
          a.exchange_ts_ms != b.exchange_ts_ms || !a.last.identical(b.last) ||
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
      out[0].venue_change_pct.to_string() != "-0.99" || out[0].exchange_ts_ms != 1764061234000 ||
      out[1].fields != (tf_bid | tf_bid_qty | tf_ask | tf_ask_qty) ||
      out[1].ask.to_string() != "85205.70" || out[1].exchange_ts_ms != 1764061234001) {
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
  const auto fail = [&](std::string_view code) {
    e.ok = false;
    e.code = code;
    return e;
  };
  if (field_error || !has_op) return fail("bad_request");
  if (op == "ping") {
    e.ok = true;
    e.req.op = client_op::ping;
    return e;
  }
  if (op != "subscribe" && op != "unsubscribe") return fail("unknown_op");
  if (!has_channels || e.req.channels.empty()) return fail("bad_request");
  e.ok = true;
  e.req.op = op == "subscribe" ? client_op::subscribe : client_op::unsubscribe;
  return e;
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
    } else if (req.op != client_op::ping) {
      return "accepted an unknown op";
    }
  }
  if (req.channels.size() > client_request_parser::max_channels) return "too many channels";
  for (const auto& c : req.channels) {
    if (!simdjson::validate_utf8(c)) return "channel name is not UTF-8";
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
    if (ok_again != ok || again.id_json != req.id_json || again.channels != req.channels) {
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
  static const std::unique_ptr<venue_adapter> adapter = make_venue_adapter(venue_id::okx, symbols);
  static std::vector<tick> out;
  static simdjson::dom::parser reference;

  constexpr std::int64_t recv = 1234567;
  out.assign(1, tick{});
  out[0].exchange_ts_ms = -77;  // a sentinel the parser must not touch
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  const parse_result r = adapter->parse(frame, recv, out);

  if (out.empty() || out[0].exchange_ts_ms != -77) return "parse modified existing ticks";
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
  } else if (added + r.unknown_symbols == 0) {
    return "a push must yield at least one tick or unknown symbol";
  }
  for (std::size_t i = 1; i < out.size(); ++i) {
    const tick& t = out[i];
    if (t.venue != venue_id::okx) return "tick venue";
    if (t.instrument != 0 && t.instrument != 1) return "tick instrument not configured";
    if (t.recv_ts_us != recv) return "tick recv_ts";
    if (!t.has(tf_last)) return "tick without last";
    if (t.exchange_ts_ms < 0) return "negative exchange time";
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
      if (data_keys == 1 && items != added + r.unknown_symbols) {
        return "ticks + unknown symbols != data items";
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
          a.exchange_ts_ms != b.exchange_ts_ms || !a.last.identical(b.last) ||
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
      out[0].volume_base.to_string() != "5449.95415651" || out[0].exchange_ts_ms != 1764061234000) {
    return "reference frame misread after previous frame";
  }
  return nullptr;
}

}  // namespace tickerd::fuzz
