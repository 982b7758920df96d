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

}  // namespace tickerd::fuzz
