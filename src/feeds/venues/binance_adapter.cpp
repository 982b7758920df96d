// Binance spot <symbol>@ticker (24hrTicker) frames -> ticks; <symbol>@trade -> trades;
// <symbol>@bookTicker -> top of book (developers.binance.com, "WebSocket Streams": "Trade
// Streams" and "Individual Symbol Book Ticker Streams"):
//   {"stream":"bnbbtc@trade","data":{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,
//    "p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}}
//   {"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000",
//    "B":"31.21000000","a":"25.36520000","A":"40.66000000"}}
// "m" is "is the buyer the market maker?": true means the seller took liquidity. The trade's
// time is "T" (ms); a bookTicker carries no time, only the book update id "u". A combined
// stream names its stream before its data, so the stream name decides how "data" is read.
//
// One pass over the fields with simdjson On-Demand, branching on the key; errors are values
// (simdjson is used only through .get()/error codes, so nothing here throws per message).
// The frame is copied into an adapter-owned padded buffer because the caller's buffer carries
// no SIMDJSON_PADDING guarantee.
#include "feeds/venues/binance_adapter.hpp"

#include "feeds/venues/book_streams.hpp"

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
constexpr std::string_view trade_suffix = "@trade";
constexpr std::string_view book_suffix = "@bookTicker";
constexpr std::string_view trade_event = "trade";
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

// One <symbol>@trade object. Ids and times are numbers; price and quantity strings.
struct binance_trade_fields {
  trade t;
  std::string_view symbol;
  std::string_view event;
  bool have_symbol = false;
  bool have_event = false;
  bool have_id = false;
  bool have_price = false;
  bool have_size = false;
  bool have_time = false;
  bool have_maker = false;
  bool buyer_is_maker = false;
};

namespace {

feed_errc parse_trade_object(ondemand::object& obj, binance_trade_fields& f) noexcept {
  using namespace venue_json;
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const char key = short_key(field.key());
    feed_errc e = feed_errc::ok;
    switch (key) {
      case 'e':
        e = read_text(field.value(), f.event, f.have_event);
        break;
      case 's':
        e = read_text(field.value(), f.symbol, f.have_symbol);
        break;
      case 't':
        e = read_trade_id(field.value(), f.t.id, f.have_id);
        break;
      case 'p':
        e = read_decimal_string(field.value(), f.t.price, f.have_price);
        break;
      case 'q':
        e = read_decimal_string(field.value(), f.t.size, f.have_size);
        break;
      case 'T':
        e = read_ms_as_us(field.value(), f.t.exchange_ts_us, f.have_time);
        break;
      case 'm':
        e = read_bool(field.value(), f.buyer_is_maker);
        f.have_maker = e == feed_errc::ok;
        break;
      default:
        break;  // E, b, a, M and anything new: not needed
    }
    if (e != feed_errc::ok) return e;
  }
  return feed_errc::ok;
}

}  // namespace

// One <symbol>@bookTicker object.
struct binance_book_fields {
  top_of_book q;
  std::string_view symbol;
  bool have_symbol = false;
  bool have_bid_size = false;
  bool have_ask_size = false;
};

namespace {

feed_errc parse_book_object(ondemand::object& obj, binance_book_fields& f) noexcept {
  using namespace venue_json;
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const char key = short_key(field.key());
    feed_errc e = feed_errc::ok;
    bool seq = false;
    switch (key) {
      case 's':
        e = read_text(field.value(), f.symbol, f.have_symbol);
        break;
      case 'u':
        e = read_u64(field.value(), f.q.venue_seq, seq);
        break;
      case 'b':
        e = read_decimal_string(field.value(), f.q.bid, f.q.has_bid);
        break;
      case 'B':
        e = read_decimal_string(field.value(), f.q.bid_size, f.have_bid_size);
        break;
      case 'a':
        e = read_decimal_string(field.value(), f.q.ask, f.q.has_ask);
        break;
      case 'A':
        e = read_decimal_string(field.value(), f.q.ask_size, f.have_ask_size);
        break;
      default:
        break;
    }
    if (e != feed_errc::ok) return e;
  }
  return feed_errc::ok;
}

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

binance_adapter::binance_adapter(const symbol_map& symbols, feed_streams streams) {
  std::size_t slots = 0;
  for (const auto& [native, id] : symbols.entries()) {
    std::string upper(native);
    std::string lower(native);
    for (char& c : upper) c = to_upper(c);
    for (char& c : lower) c = to_lower(c);
    upper_.add(std::move(upper), id);
    if (venue_json::wants(streams, fs_ticker))
      streams_.push_back(lower + std::string(stream_suffix));
    if (venue_json::wants(streams, fs_trades))
      streams_.push_back(lower + std::string(trade_suffix));
    if (venue_json::wants(streams, fs_bbo)) streams_.push_back(lower + std::string(book_suffix));
    if (venue_json::wants(streams, fs_book)) {
      streams_.push_back(book_streams::binance_depth_stream(lower));
    }
    if (static_cast<std::size_t>(id) + 1 > slots) slots = static_cast<std::size_t>(id) + 1;
  }
  trade_ids_.resize(slots);
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
                                    market_events& out) noexcept {
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
  std::string_view stream;
  bool have_stream = false;
  bool have_data = false;
  binance_trade_fields trade_data;
  binance_book_fields book_data;
  enum : std::uint8_t { kind_ticker, kind_trade, kind_book } data_kind = kind_ticker;
  bool have_result = false;
  bool venue_error = false;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return fail(classify(e));
    const ondemand::raw_json_string key = field.key();
    if (const char k = short_key(key); k != '\0') {
      if (auto e = on_ticker_field(k, field.value(), top); e != feed_errc::ok) return fail(e);
    } else if (key_is(key, "stream")) {
      if (auto e = venue_json::read_text(field.value(), stream, have_stream); e != feed_errc::ok) {
        return fail(e);
      }
    } else if (key_is(key, "data")) {
      ondemand::object obj;
      if (auto e = field.value().get_object().get(obj)) return fail(classify(e));
      if (have_stream && ends_with(stream, trade_suffix)) {
        if (auto e = parse_trade_object(obj, trade_data); e != feed_errc::ok) return fail(e);
        data_kind = kind_trade;
      } else if (have_stream && ends_with(stream, book_suffix)) {
        if (auto e = parse_book_object(obj, book_data); e != feed_errc::ok) return fail(e);
        data_kind = kind_book;
      } else if (auto e = parse_ticker_object(obj, data); e != feed_errc::ok) {
        return fail(e);
      }
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
  if (have_data && data_kind == kind_trade) return finish_trade(trade_data, recv_ts_us, out);
  if (have_data && data_kind == kind_book) return finish_book(book_data, recv_ts_us, out);
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
  out.ticks.push_back(f.t);  // vector growth is the caller's; it reserves once and reuses
  return result;
}

parse_result binance_adapter::finish_trade(binance_trade_fields& f, std::int64_t recv_ts_us,
                                           market_events& out) noexcept {
  parse_result result;
  if ((f.have_event && f.event != trade_event) || !f.have_symbol || !f.have_id || !f.have_price ||
      !f.have_size || !f.have_maker) {
    result.error = feed_errc::unexpected_shape;
    return result;
  }
  const instrument_id id = upper_.find(f.symbol);
  if (id == no_instrument) {
    result.unknown_symbols = 1;
    return result;
  }
  const auto n = f.t.id.number();
  if (!n) {
    result.error = feed_errc::unexpected_shape;
    return result;
  }
  if (!venue_json::publish_trade(trade_ids_.check(id, *n, true), result)) return result;
  f.t.venue = venue_id::binance;
  f.t.instrument = id;
  f.t.side = f.buyer_is_maker ? taker_side::sell : taker_side::buy;
  f.t.recv_ts_us = recv_ts_us;
  out.trades.push_back(f.t);
  return result;
}

parse_result binance_adapter::finish_book(binance_book_fields& f, std::int64_t recv_ts_us,
                                          market_events& out) noexcept {
  parse_result result;
  if (!f.have_symbol || f.q.has_bid != f.have_bid_size || f.q.has_ask != f.have_ask_size ||
      (!f.q.has_bid && !f.q.has_ask)) {
    result.error = feed_errc::unexpected_shape;
    return result;
  }
  const instrument_id id = upper_.find(f.symbol);
  if (id == no_instrument) {
    result.unknown_symbols = 1;
    return result;
  }
  f.q.venue = venue_id::binance;
  f.q.instrument = id;
  f.q.recv_ts_us = recv_ts_us;
  out.quotes.push_back(f.q);
  return result;
}

}  // namespace tickerd
