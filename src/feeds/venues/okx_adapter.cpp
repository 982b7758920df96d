// OKX v5 public "tickers" channel frames -> ticks.
//
// Wire format (OKX API v5 docs, "WebSocket" overview and "WS / Tickers channel"):
//   push   {"arg":{"channel":"tickers","instId":"BTC-USDT"},
//           "data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","lastSz":"0.1",
//                    "askPx":..,"askSz":..,"bidPx":..,"bidSz":..,"open24h":..,"high24h":..,
//                    "low24h":..,"volCcy24h":..,"vol24h":..,"sodUtc0":..,"sodUtc8":..,
//                    "ts":"1597026383085"}]}
//   acks   {"id":"1512","event":"subscribe","arg":{...},"connId":"a4d3ae55"} (and "unsubscribe")
//   errors {"id":"1512","event":"error","code":"60012","msg":"Invalid request: ...","connId":..}
//   notice {"event":"notice","code":"64008","msg":"The connection will soon be closed ..."}
//   pong   the bare text "pong", the answer to the client's text "ping"
// Every value in a push is a JSON string, "ts" included. For SPOT/MARGIN volCcy24h is the quote
// volume and vol24h the base volume; for derivatives volCcy24h is in base currency and vol24h
// counts contracts.
//
// One pass with simdjson On-Demand, errors as values; the frame is copied into an
// adapter-owned padded buffer because the caller's buffer carries no SIMDJSON_PADDING.
#include "feeds/venues/okx_adapter.hpp"

#include <charconv>
#include <cstring>
#include <new>
#include <utility>

#include "feeds/venues/venue_factories.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd {

namespace ondemand = simdjson::ondemand;

namespace {

using venue_json::classify;
using venue_json::open_root;

constexpr std::string_view default_path = "/ws/v5/public";
constexpr std::string_view tickers_channel = "tickers";
constexpr std::string_view pong_frame = "pong";
constexpr std::string_view error_event = "error";
// Sent when a private channel's connection limit is hit; an error like "error" itself.
constexpr std::string_view conn_count_error_event = "channel-conn-count-error";

char to_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

// A key as written, when it has no escapes; empty otherwise, which matches no key we know.
// Valid because stage 1 guarantees the key is closed inside the padded document.
std::string_view key_of(const ondemand::raw_json_string& key) noexcept {
  const char* begin = key.raw();
  const char* p = begin;
  while (*p != '"' && *p != '\\') ++p;
  return *p == '"' ? std::string_view(begin, static_cast<std::size_t>(p - begin))
                   : std::string_view{};
}

// A JSON string's raw contents. Decimals, timestamps and instrument ids never need escapes,
// so a backslash means the value is not one of ours (reported by the caller as bad data).
feed_errc read_plain_string(ondemand::value& v, std::string_view& out, bool& escaped) noexcept {
  ondemand::raw_json_string raw;
  if (auto e = v.get_raw_json_string().get(raw)) return classify(e);
  const char* begin = raw.raw();
  const char* p = begin;
  while (*p != '"' && *p != '\\') ++p;
  escaped = *p == '\\';
  out = std::string_view(begin, static_cast<std::size_t>(p - begin));
  return feed_errc::ok;
}

// Peeks the type; a null is accepted (and validated) as "absent".
feed_errc peek_type(ondemand::value& v, ondemand::json_type& type) noexcept {
  if (auto e = v.type().get(type)) return classify(e);
  if (type == ondemand::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return feed_errc::invalid_json;
  }
  return feed_errc::ok;
}

// A value that is not the object or array expected: valid JSON of another type, or a token
// that is not JSON at all ("[1,]", "x"), which On-Demand reports only when asked.
feed_errc wrong_type(ondemand::value& v) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::boolean) {
    bool b = false;
    if (v.get_bool().get(b)) return feed_errc::invalid_json;
  }
  return feed_errc::unexpected_shape;
}

// A string value that must be a plain name (instrument id, event, channel); null is absent.
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
  present = !escaped;
  return escaped ? feed_errc::unexpected_shape : feed_errc::ok;
}

// A price, size or timestamp: a JSON string. OKX writes "" for a value it does not have (no
// ask during the pre-open, say): absent, like null. `text` is empty when absent.
feed_errc read_number_text(ondemand::value& v, std::string_view& text) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  text = {};
  if (type == ondemand::json_type::null) return feed_errc::ok;
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  bool escaped = false;
  if (auto e = read_plain_string(v, text, escaped); e != feed_errc::ok) return e;
  return escaped ? feed_errc::bad_number : feed_errc::ok;
}

// What one tickers object carried; filled field by field in whatever order they arrive.
struct ticker_fields {
  tick t;
  std::string_view inst_id;
  std::string_view inst_type;
  decimal vol_ccy;  // volCcy24h
  decimal vol;      // vol24h
  bool have_inst_id = false;
  bool have_inst_type = false;
  bool have_vol_ccy = false;
  bool have_vol = false;
  bool have_ts = false;
};

feed_errc read_decimal(ondemand::value& v, decimal& out, bool& present) noexcept {
  std::string_view text;
  if (auto e = read_number_text(v, text); e != feed_errc::ok) return e;
  present = !text.empty();  // a later null or "" clears an earlier value of a repeated key
  if (present && decimal::parse(text, out) != decimal_errc::ok) return feed_errc::bad_number;
  return feed_errc::ok;
}

feed_errc read_price(ondemand::value& v, ticker_fields& f, decimal tick::*member,
                     tick_field bit) noexcept {
  bool present = false;
  if (auto e = read_decimal(v, f.t.*member, present); e != feed_errc::ok) return e;
  f.t.fields = static_cast<std::uint16_t>(present ? (f.t.fields | bit) : (f.t.fields & ~bit));
  return feed_errc::ok;
}

// "ts": milliseconds since the epoch, as a string of digits.
feed_errc read_ts(ondemand::value& v, ticker_fields& f) noexcept {
  std::string_view text;
  if (auto e = read_number_text(v, text); e != feed_errc::ok) return e;
  f.have_ts = !text.empty();
  if (!f.have_ts) return feed_errc::ok;
  if (text.front() < '0' || text.front() > '9') return feed_errc::bad_number;  // no sign
  std::int64_t ms = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return feed_errc::bad_number;
  return venue_json::ms_to_us(ms, f.t.exchange_ts_us);
}

// One field of a tickers object, dispatched on the first letter and then the whole key.
feed_errc on_ticker_field(std::string_view key, ondemand::value& v, ticker_fields& f) noexcept {
  if (key.empty()) return feed_errc::ok;
  switch (key.front()) {
    case 'i':
      if (key == "instId") return read_name(v, f.inst_id, f.have_inst_id);
      if (key == "instType") return read_name(v, f.inst_type, f.have_inst_type);
      break;
    case 'l':
      if (key == "last") return read_price(v, f, &tick::last, tf_last);
      if (key == "low24h") return read_price(v, f, &tick::low_24h, tf_low);
      break;  // lastSz: the last trade's size, not part of a tick
    case 'a':
      if (key == "askPx") return read_price(v, f, &tick::ask, tf_ask);
      if (key == "askSz") return read_price(v, f, &tick::ask_qty, tf_ask_qty);
      break;
    case 'b':
      if (key == "bidPx") return read_price(v, f, &tick::bid, tf_bid);
      if (key == "bidSz") return read_price(v, f, &tick::bid_qty, tf_bid_qty);
      break;
    case 'o':
      if (key == "open24h") return read_price(v, f, &tick::open_24h, tf_open);
      break;
    case 'h':
      if (key == "high24h") return read_price(v, f, &tick::high_24h, tf_high);
      break;
    case 'v':
      if (key == "volCcy24h") return read_decimal(v, f.vol_ccy, f.have_vol_ccy);
      if (key == "vol24h") return read_decimal(v, f.vol, f.have_vol);
      break;
    case 't':
      if (key == "ts") return read_ts(v, f);
      break;
    default:
      break;
  }
  // lastSz, sodUtc0, sodUtc8 and anything new: not needed, skipped unparsed.
  return feed_errc::ok;
}

// Derivatives count vol24h in contracts and volCcy24h in base currency; spot and margin
// count vol24h in base and volCcy24h in quote currency.
bool is_derivative(std::string_view inst_type) noexcept {
  return inst_type == "SWAP" || inst_type == "FUTURES" || inst_type == "OPTION";
}

void set_volumes(ticker_fields& f) noexcept {
  f.t.fields = static_cast<std::uint16_t>(f.t.fields & ~(tf_volume_base | tf_volume_quote));
  if (f.have_inst_type && is_derivative(f.inst_type)) {
    if (f.have_vol_ccy) {
      f.t.volume_base = f.vol_ccy;
      f.t.fields = static_cast<std::uint16_t>(f.t.fields | tf_volume_base);
    }
    return;
  }
  if (f.have_vol) {
    f.t.volume_base = f.vol;
    f.t.fields = static_cast<std::uint16_t>(f.t.fields | tf_volume_base);
  }
  if (f.have_vol_ccy) {
    f.t.volume_quote = f.vol_ccy;
    f.t.fields = static_cast<std::uint16_t>(f.t.fields | tf_volume_quote);
  }
}

}  // namespace

okx_adapter::okx_adapter(const symbol_map& symbols) {
  for (const auto& [native, id] : symbols.entries()) {
    std::string upper(native);
    for (char& c : upper) c = to_upper(c);
    upper_.add(std::move(upper), id);
  }
}

std::string okx_adapter::target(std::string_view url_path) const {
  return std::string(url_path.empty() ? default_path : url_path);
}

std::vector<std::string> okx_adapter::subscribe_messages() const {
  constexpr std::string_view head = R"({"op":"subscribe","args":[)";
  constexpr std::string_view tail = "]}";
  std::vector<std::string> messages;
  std::string msg;
  std::string arg;
  for (const auto& [inst_id, id] : upper_.entries()) {
    arg.assign(R"({"channel":"tickers","instId":)");
    json::append_string(arg, inst_id);
    arg.push_back('}');
    const bool first = msg.empty();
    if (!first && msg.size() + 1 + arg.size() + tail.size() > max_subscribe_bytes) {
      msg.append(tail);
      messages.push_back(std::move(msg));
      msg.clear();
    }
    if (msg.empty()) {
      msg.append(head);
    } else {
      msg.push_back(',');
    }
    msg.append(arg);
  }
  if (!msg.empty()) {
    msg.append(tail);
    messages.push_back(std::move(msg));
  }
  return messages;
}

parse_result okx_adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
                                std::vector<tick>& out) noexcept {
  parse_result result;
  const std::size_t first_new = out.size();
  auto fail = [&](feed_errc e) {
    out.resize(first_new);  // all or nothing: no ticks from a frame that failed
    result.error = e;
    result.unknown_symbols = 0;
    return result;
  };
  if (frame.size() > max_frame_bytes) return fail(feed_errc::too_large);
  if (frame == pong_frame) {
    result.kind = frame_kind::control;
    return result;
  }

  ondemand::document doc;
  ondemand::object root;
  if (auto e = open_root(frame, max_frame_bytes, frame_, parser_, doc, root); e != feed_errc::ok) {
    return fail(e);
  }

  std::string_view event;
  std::string_view channel;
  bool have_event = false;
  bool have_channel = false;
  bool have_data = false;
  std::size_t elements = 0;
  std::size_t unknown = 0;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return fail(classify(e));
    const std::string_view key = key_of(field.key());
    if (key == "data") {
      ondemand::array items;
      if (auto e = field.value().get_array().get(items)) {
        return fail(e == simdjson::INCORRECT_TYPE ? wrong_type(field.value()) : classify(e));
      }
      have_data = true;
      for (auto item_result : items) {
        ondemand::value item;
        // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get() is &&-qualified
        if (auto e = std::move(item_result).get(item)) return fail(classify(e));
        ondemand::object obj;
        if (auto e = item.get_object().get(obj)) {
          return fail(e == simdjson::INCORRECT_TYPE ? wrong_type(item) : classify(e));
        }
        ticker_fields f;
        for (auto inner_result : obj) {
          ondemand::field inner;
          if (auto e = std::move(inner_result).get(inner)) return fail(classify(e));
          const auto err = on_ticker_field(key_of(inner.key()), inner.value(), f);
          if (err != feed_errc::ok) return fail(err);
        }
        ++elements;
        if (!f.have_inst_id || !f.have_ts || !f.t.has(tf_last)) {
          return fail(feed_errc::unexpected_shape);
        }
        const instrument_id id = upper_.find(f.inst_id);
        if (id == no_instrument) {
          ++unknown;
          continue;
        }
        set_volumes(f);
        f.t.venue = venue_id::okx;
        f.t.instrument = id;
        f.t.recv_ts_us = recv_ts_us;
        out.push_back(f.t);  // vector growth is the caller's; it reserves once and reuses
      }
    } else if (key == "arg") {
      ondemand::object arg;
      if (auto e = field.value().get_object().get(arg)) {
        return fail(e == simdjson::INCORRECT_TYPE ? wrong_type(field.value()) : classify(e));
      }
      for (auto inner_result : arg) {
        ondemand::field inner;
        if (auto e = std::move(inner_result).get(inner)) return fail(classify(e));
        if (key_of(inner.key()) != "channel") continue;
        const auto err = read_name(inner.value(), channel, have_channel);
        if (err != feed_errc::ok) return fail(err);
      }
    } else if (key == "event") {
      std::string_view name;
      bool present = false;
      const auto err = read_name(field.value(), name, present);
      if (err != feed_errc::ok) return fail(err);
      if (present) {  // a repeated "event":null does not turn an event back into data
        event = name;
        have_event = true;
      }
    }
    // "id", "code", "msg", "connId" and unknown keys are skipped.
  }
  // Everything after the root object must be whitespace.
  if (!doc.current_location().error()) return fail(feed_errc::invalid_json);

  if (have_event) {
    out.resize(first_new);
    result.kind = frame_kind::control;
    if (event == error_event || event == conn_count_error_event) {
      result.error = feed_errc::venue_error;
    }
    // subscribe / unsubscribe acks, notice (64008: reconnect soon), channel-conn-count, and
    // events added later: proof of life, nothing to publish.
    return result;
  }
  if (!have_data || elements == 0) return fail(feed_errc::unexpected_shape);
  if (have_channel && channel != tickers_channel) return fail(feed_errc::unexpected_shape);
  result.unknown_symbols = unknown;
  return result;
}

std::unique_ptr<venue_adapter> make_okx_adapter(const symbol_map& symbols) {
  return std::make_unique<okx_adapter>(symbols);
}

}  // namespace tickerd
