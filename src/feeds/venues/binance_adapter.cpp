// Binance spot <symbol>@ticker (24hrTicker) frames -> ticks.
//
// One pass over the fields with simdjson On-Demand, branching on the key; errors are values
// (simdjson is used only through .get()/error codes, so nothing here throws per message).
// The frame is copied into an adapter-owned padded buffer because the caller's buffer carries
// no SIMDJSON_PADDING guarantee.
#include "feeds/venues/binance_adapter.hpp"

#include <cstring>
#include <new>
#include <utility>

namespace tickerd {

namespace ondemand = simdjson::ondemand;

namespace {

using venue_json::classify;
using venue_json::open_root;

constexpr std::string_view ticker_event = "24hrTicker";
constexpr std::string_view shutdown_event = "serverShutdown";
constexpr std::string_view stream_suffix = "@ticker";
constexpr std::string_view default_path = "/stream";

char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
char to_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

// What one 24hrTicker object carried; filled field by field in whatever order they arrive.
struct ticker_fields {
  tick t;
  std::string_view symbol;
  std::string_view event;
  bool have_symbol = false;
  bool have_time = false;
  bool have_event = false;
  bool any = false;  // saw at least one ticker key
};

// The key of a field as written, when it is a single plain character ("c", "E"); 0 otherwise.
char short_key(const ondemand::raw_json_string& key) noexcept {
  const char* k = key.raw();
  return (k[0] != '"' && k[0] != '\\' && k[1] == '"') ? k[0] : '\0';
}

bool key_is(const ondemand::raw_json_string& key, std::string_view name) noexcept {
  // Valid because `name` has no quote or backslash and the key is quote-terminated in a padded
  // buffer.
  return key.unsafe_is_equal(name);
}

// A JSON string's raw contents. Decimals and symbols never need escapes, so a backslash means
// the value is not one of ours (reported by the caller as bad data).
feed_errc read_plain_string(ondemand::value& v, std::string_view& out, bool& escaped) noexcept {
  ondemand::raw_json_string raw;
  if (auto e = v.get_raw_json_string().get(raw)) return classify(e);
  const char* begin = raw.raw();
  const char* p = begin;
  // Stage 1 guarantees the string is closed, so this scan ends inside the document.
  while (*p != '"' && *p != '\\') ++p;
  escaped = *p == '\\';
  out = std::string_view(begin, static_cast<std::size_t>(p - begin));
  return feed_errc::ok;
}

// Peeks the type; a null is accepted (and validated) as "absent" for optional fields.
feed_errc peek_type(ondemand::value& v, ondemand::json_type& type) noexcept {
  if (auto e = v.type().get(type)) return classify(e);
  if (type == ondemand::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return feed_errc::invalid_json;
  }
  return feed_errc::ok;
}

feed_errc read_decimal(ondemand::value& v, ticker_fields& f, decimal tick::*member,
                       tick_field bit) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::null) {
    f.t.fields = static_cast<std::uint16_t>(f.t.fields & ~bit);  // a later null clears it
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  std::string_view text;
  bool escaped = false;
  if (auto e = read_plain_string(v, text, escaped); e != feed_errc::ok) return e;
  if (escaped) return feed_errc::bad_number;
  if (decimal::parse(text, f.t.*member) != decimal_errc::ok) return feed_errc::bad_number;
  f.t.fields = static_cast<std::uint16_t>(f.t.fields | bit);
  return feed_errc::ok;
}

feed_errc read_name(ondemand::value& v, std::string_view& out, bool& present) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::null) {
    present = false;
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  bool escaped = false;
  if (auto e = read_plain_string(v, out, escaped); e != feed_errc::ok) return e;
  // Symbols and event names are plain ASCII; an escaped one cannot match anything we know.
  present = !escaped;
  return escaped ? feed_errc::unexpected_shape : feed_errc::ok;
}

feed_errc read_time(ondemand::value& v, ticker_fields& f) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::null) {
    f.have_time = false;
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::number) return feed_errc::unexpected_shape;
  std::int64_t ms = 0;
  if (auto e = v.get_int64().get(ms)) return classify(e);
  if (auto e = venue_json::ms_to_us(ms, f.t.exchange_ts_us); e != feed_errc::ok) return e;
  f.have_time = true;
  return feed_errc::ok;
}

// One field of a 24hrTicker (https://developers.binance.com, "Individual Symbol Ticker
// Streams"). Keys are case-sensitive: "b" is the bid price, "B" the bid quantity.
feed_errc on_ticker_field(char key, ondemand::value& v, ticker_fields& f) noexcept {
  switch (key) {
    case 'e':
      f.any = true;
      return read_name(v, f.event, f.have_event);
    case 'E':
      f.any = true;
      return read_time(v, f);
    case 's':
      f.any = true;
      return read_name(v, f.symbol, f.have_symbol);
    case 'c':
      f.any = true;
      return read_decimal(v, f, &tick::last, tf_last);
    case 'o':
      return read_decimal(v, f, &tick::open_24h, tf_open);
    case 'h':
      return read_decimal(v, f, &tick::high_24h, tf_high);
    case 'l':
      return read_decimal(v, f, &tick::low_24h, tf_low);
    case 'v':
      return read_decimal(v, f, &tick::volume_base, tf_volume_base);
    case 'q':
      return read_decimal(v, f, &tick::volume_quote, tf_volume_quote);
    case 'b':
      return read_decimal(v, f, &tick::bid, tf_bid);
    case 'B':
      return read_decimal(v, f, &tick::bid_qty, tf_bid_qty);
    case 'a':
      return read_decimal(v, f, &tick::ask, tf_ask);
    case 'A':
      return read_decimal(v, f, &tick::ask_qty, tf_ask_qty);
    case 'P':
      return read_decimal(v, f, &tick::venue_change_pct, tf_change_pct);
    default:
      // p, w, x, Q, O, C, F, L, n and anything new: not needed, skipped unparsed.
      return feed_errc::ok;
  }
}

feed_errc parse_ticker_object(ondemand::object& obj, ticker_fields& f) noexcept {
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const char key = short_key(field.key());
    if (key == '\0') continue;
    if (auto e = on_ticker_field(key, field.value(), f); e != feed_errc::ok) return e;
  }
  return feed_errc::ok;
}

}  // namespace

binance_adapter::binance_adapter(const symbol_map& symbols) {
  for (const auto& [native, id] : symbols.entries()) {
    std::string upper(native);
    std::string stream(native);
    for (char& c : upper) c = to_upper(c);
    for (char& c : stream) c = to_lower(c);
    stream += stream_suffix;
    upper_.add(std::move(upper), id);
    streams_.push_back(std::move(stream));
  }
}

std::string binance_adapter::target(std::string_view url_path) const {
  std::string t(url_path.empty() ? default_path : url_path);
  if (streams_.empty()) return t;
  t += t.find('?') == std::string::npos ? "?streams=" : "&streams=";
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (i != 0) t += '/';
    t += streams_[i];
  }
  return t;
}

parse_result binance_adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
                                    std::vector<tick>& out) noexcept {
  parse_result result;
  auto fail = [&result](feed_errc e) {
    result.error = e;
    return result;
  };
  ondemand::document doc;
  ondemand::object root;
  if (auto e = open_root(frame, max_frame_bytes, frame_, parser_, doc, root); e != feed_errc::ok) {
    return fail(e);
  }

  ticker_fields top;
  ticker_fields data;
  bool have_data = false;
  bool have_result = false;
  bool venue_error = false;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return fail(classify(e));
    const ondemand::raw_json_string key = field.key();
    if (const char k = short_key(key); k != '\0') {
      if (auto e = on_ticker_field(k, field.value(), top); e != feed_errc::ok) return fail(e);
    } else if (key_is(key, "data")) {
      ondemand::object obj;
      if (auto e = field.value().get_object().get(obj)) return fail(classify(e));
      if (auto e = parse_ticker_object(obj, data); e != feed_errc::ok) return fail(e);
      have_data = true;
    } else if (key_is(key, "result")) {
      have_result = true;  // reply to a SUBSCRIBE / LIST_SUBSCRIPTIONS request
    } else if (key_is(key, "code") || key_is(key, "error")) {
      venue_error = true;
    }
    // "stream", "id", "msg" and unknown keys are skipped.
  }
  // Everything after the root object must be whitespace.
  if (!doc.current_location().error()) return fail(feed_errc::invalid_json);

  if (venue_error) {
    result.kind = frame_kind::control;
    return fail(feed_errc::venue_error);
  }
  if (!have_data && !top.any) {
    if (!have_result) return fail(feed_errc::unexpected_shape);
    result.kind = frame_kind::control;
    return result;
  }

  ticker_fields& f = have_data ? data : top;
  if (f.have_event) {
    if (f.event == shutdown_event) {
      result.kind = frame_kind::control;  // a disconnect is coming; nothing to publish
      return result;
    }
    if (f.event != ticker_event) return fail(feed_errc::unexpected_shape);
  }
  if (!f.have_symbol || !f.have_time || !f.t.has(tf_last)) {
    return fail(feed_errc::unexpected_shape);
  }
  const instrument_id id = upper_.find(f.symbol);
  if (id == no_instrument) {
    result.unknown_symbols = 1;
    return result;
  }
  f.t.venue = venue_id::binance;
  f.t.instrument = id;
  f.t.recv_ts_us = recv_ts_us;
  out.push_back(f.t);  // vector growth is the caller's; it reserves once and reuses
  return result;
}

}  // namespace tickerd
