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
//   trades {"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",
//           "tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy",
//           "ts":"1630048897897","count":"3"}]}           side: the taker's; count: fills merged
//   bbo    {"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["8476.98","415",
//           "0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085",
//           "seqId":123456}]}                            [price, size, deprecated, orders]
// Every value in a push is a JSON string, "ts" included (seqId is a number). For SPOT/MARGIN
// volCcy24h is the quote volume and vol24h the base volume; for derivatives volCcy24h is in base
// currency and vol24h counts contracts.
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
constexpr std::string_view trades_channel = "trades";
constexpr std::string_view bbo_channel = "bbo-tbt";
constexpr std::string_view books_channel = "books";  // the depth stream (book_feed reads it)
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

// One trades item.
struct trade_fields {
  trade t;
  std::string_view inst_id;
  std::string_view side;
  bool have_inst_id = false;
  bool have_side = false;
  bool have_id = false;
  bool have_price = false;
  bool have_size = false;
  bool have_ts = false;
};

feed_errc on_trade_field(std::string_view key, ondemand::value& v, trade_fields& f) noexcept {
  using namespace venue_json;
  if (key == "instId") return read_text(v, f.inst_id, f.have_inst_id);
  if (key == "tradeId") return read_trade_id(v, f.t.id, f.have_id);
  if (key == "px") return read_decimal_string(v, f.t.price, f.have_price);
  if (key == "sz") return read_decimal_string(v, f.t.size, f.have_size);
  if (key == "side") return read_text(v, f.side, f.have_side);
  if (key == "ts") return read_ms_as_us(v, f.t.exchange_ts_us, f.have_ts);
  return feed_errc::ok;  // count, source and anything new
}

// The first level of a bbo-tbt side: [price, size, "0", orders]. An empty side is absent.
feed_errc read_level(ondemand::value& v, decimal& price, decimal& size, bool& present) noexcept {
  using namespace venue_json;
  present = false;
  ondemand::array levels;
  if (auto e = v.get_array().get(levels)) {
    return e == simdjson::INCORRECT_TYPE ? wrong_type(v) : classify(e);
  }
  for (auto level_result : levels) {
    ondemand::value level;
    // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get() is &&-qualified
    if (auto e = std::move(level_result).get(level)) return classify(e);
    if (present) continue;  // depth 1: nothing past the best level
    ondemand::array entry;
    if (auto e = level.get_array().get(entry)) {
      return e == simdjson::INCORRECT_TYPE ? wrong_type(level) : classify(e);
    }
    std::size_t n = 0;
    for (auto item_result : entry) {
      ondemand::value item;
      // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get() is &&-qualified
      if (auto e = std::move(item_result).get(item)) return classify(e);
      if (n < 2) {
        bool have = false;
        if (auto e = read_decimal_string(item, n == 0 ? price : size, have); e != feed_errc::ok) {
          return e;
        }
        if (!have) return feed_errc::unexpected_shape;
      }
      ++n;
    }
    if (n < 2) return feed_errc::unexpected_shape;
    present = true;
  }
  return feed_errc::ok;
}

struct bbo_fields {
  top_of_book q;
  bool have_ts = false;
  bool have_seq = false;
};

feed_errc on_bbo_field(std::string_view key, ondemand::value& v, bbo_fields& f) noexcept {
  using namespace venue_json;
  if (key == "bids") return read_level(v, f.q.bid, f.q.bid_size, f.q.has_bid);
  if (key == "asks") return read_level(v, f.q.ask, f.q.ask_size, f.q.has_ask);
  if (key == "ts") return read_ms_as_us(v, f.q.exchange_ts_us, f.have_ts);
  if (key == "seqId") return read_u64(v, f.q.venue_seq, f.have_seq);
  return feed_errc::ok;  // checksum, prevSeqId and anything new
}

}  // namespace

okx_adapter::okx_adapter(const symbol_map& symbols, feed_streams streams) : wanted_(streams) {
  std::size_t slots = 0;
  for (const auto& [native, id] : symbols.entries()) {
    std::string upper(native);
    for (char& c : upper) c = to_upper(c);
    upper_.add(std::move(upper), id);
    if (static_cast<std::size_t>(id) + 1 > slots) slots = static_cast<std::size_t>(id) + 1;
  }
  trade_ids_.resize(slots);
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
  std::vector<std::string_view> channels;
  if (venue_json::wants(wanted_, fs_ticker)) channels.push_back(tickers_channel);
  if (venue_json::wants(wanted_, fs_trades)) channels.push_back(trades_channel);
  if (venue_json::wants(wanted_, fs_bbo)) channels.push_back(bbo_channel);
  if (venue_json::wants(wanted_, fs_book)) channels.push_back(books_channel);
  for (const auto& [inst_id, id] : upper_.entries()) {
    for (const std::string_view channel : channels) {
      arg.assign(R"({"channel":)");
      json::append_string(arg, channel);
      arg.append(R"(,"instId":)");
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
  }
  if (!msg.empty()) {
    msg.append(tail);
    messages.push_back(std::move(msg));
  }
  return messages;
}

parse_result okx_adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
                                market_events& events) noexcept {
  parse_result result;
  std::vector<tick>& out = events.ticks;
  const std::size_t first_new = out.size();
  const std::size_t first_trade = events.trades.size();
  const std::size_t first_quote = events.quotes.size();
  auto fail = [&](feed_errc e) {
    out.resize(first_new);  // all or nothing: nothing from a frame that failed
    events.trades.resize(first_trade);
    events.quotes.resize(first_quote);
    result.trade_gaps = 0;
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
  std::string_view arg_inst_id;
  bool have_event = false;
  bool have_channel = false;
  bool have_arg_inst_id = false;
  bool have_data = false;
  bool data_read_as_tickers = false;  // "data" came before "arg", or the channel is "tickers"
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
      const bool is_trades = have_channel && channel == trades_channel;
      const bool is_bbo = have_channel && channel == bbo_channel;
      data_read_as_tickers = !is_trades && !is_bbo;
      for (auto item_result : items) {
        ondemand::value item;
        // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get() is &&-qualified
        if (auto e = std::move(item_result).get(item)) return fail(classify(e));
        ondemand::object obj;
        if (auto e = item.get_object().get(obj)) {
          return fail(e == simdjson::INCORRECT_TYPE ? wrong_type(item) : classify(e));
        }
        if (is_trades || is_bbo) {
          const auto e = is_trades ? on_trade_item(obj, recv_ts_us, events, result)
                                   : on_bbo_item(obj, have_arg_inst_id, arg_inst_id, recv_ts_us,
                                                 events, result);
          if (e != feed_errc::ok) return fail(e);
          ++elements;
          continue;
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
        const std::string_view arg_key = key_of(inner.key());
        feed_errc err = feed_errc::ok;
        if (arg_key == "channel") {
          err = read_name(inner.value(), channel, have_channel);
        } else if (arg_key == "instId") {
          err = read_name(inner.value(), arg_inst_id, have_arg_inst_id);
        }
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
    events.trades.resize(first_trade);
    events.quotes.resize(first_quote);
    result.trade_gaps = 0;
    result.unknown_symbols = 0;
    result.kind = frame_kind::control;
    if (event == error_event || event == conn_count_error_event) {
      result.error = feed_errc::venue_error;
    }
    // subscribe / unsubscribe acks, notice (64008: reconnect soon), channel-conn-count, and
    // events added later: proof of life, nothing to publish.
    return result;
  }
  if (!have_data || elements == 0) return fail(feed_errc::unexpected_shape);
  if (have_channel && data_read_as_tickers && channel != tickers_channel) {
    return fail(feed_errc::unexpected_shape);
  }
  result.unknown_symbols += unknown;  // tickers' here; trades' and bbo's counted as read
  return result;
}

feed_errc okx_adapter::on_trade_item(ondemand::object& obj, std::int64_t recv_ts_us,
                                     market_events& out, parse_result& result) noexcept {
  trade_fields f;
  for (auto inner_result : obj) {
    ondemand::field inner;
    if (auto e = std::move(inner_result).get(inner)) return classify(e);
    if (auto e = on_trade_field(key_of(inner.key()), inner.value(), f); e != feed_errc::ok) {
      return e;
    }
  }
  if (!f.have_inst_id || !f.have_id || !f.have_price || !f.have_size || !f.have_side ||
      !f.have_ts) {
    return feed_errc::unexpected_shape;
  }
  if (f.side == "buy") {
    f.t.side = taker_side::buy;
  } else if (f.side == "sell") {
    f.t.side = taker_side::sell;
  } else {
    return feed_errc::unexpected_shape;
  }
  const instrument_id id = upper_.find(f.inst_id);
  if (id == no_instrument) {
    ++result.unknown_symbols;
    return feed_errc::ok;
  }
  const auto n = f.t.id.number();
  if (!n) return feed_errc::unexpected_shape;
  if (!venue_json::publish_trade(trade_ids_.check(id, *n, false), result)) return feed_errc::ok;
  f.t.venue = venue_id::okx;
  f.t.instrument = id;
  f.t.recv_ts_us = recv_ts_us;
  out.trades.push_back(f.t);
  return feed_errc::ok;
}

feed_errc okx_adapter::on_bbo_item(ondemand::object& obj, bool have_inst_id,
                                   std::string_view inst_id, std::int64_t recv_ts_us,
                                   market_events& out, parse_result& result) noexcept {
  bbo_fields f;
  for (auto inner_result : obj) {
    ondemand::field inner;
    if (auto e = std::move(inner_result).get(inner)) return classify(e);
    if (auto e = on_bbo_field(key_of(inner.key()), inner.value(), f); e != feed_errc::ok) {
      return e;
    }
  }
  // bbo-tbt items do not repeat the instrument: it is the subscription's (arg.instId).
  if (!have_inst_id || !f.have_ts) return feed_errc::unexpected_shape;
  const instrument_id id = upper_.find(inst_id);
  if (id == no_instrument) {
    ++result.unknown_symbols;
    return feed_errc::ok;
  }
  f.q.venue = venue_id::okx;
  f.q.instrument = id;
  f.q.recv_ts_us = recv_ts_us;
  out.quotes.push_back(f.q);
  return feed_errc::ok;
}

std::unique_ptr<venue_adapter> make_okx_adapter(const symbol_map& symbols, feed_streams streams) {
  return std::make_unique<okx_adapter>(symbols, streams);
}

}  // namespace tickerd
