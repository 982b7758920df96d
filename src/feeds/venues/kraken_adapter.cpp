// Kraken spot WebSocket API v2 frames -> ticks.
//
// What Kraken sends on wss://ws.kraken.com/v2 (docs.kraken.com, "WebSocket v2": ticker, status,
// heartbeat, ping):
//   {"channel":"ticker","type":"snapshot"|"update","data":[{"symbol":"ALGO/USD","bid":0.10025,
//    "bid_qty":740.0,"ask":0.10036,"ask_qty":1361.44813783,"last":0.10035,"volume":997038.98,
//    "vwap":0.10148,"low":0.09979,"high":0.10285,"change":-0.00017,"change_pct":-0.17,
//    "timestamp":"2023-09-25T09:04:31.742648Z"}]}
//   {"channel":"status","data":[{"api_version":"v2","connection_id":...,"system":"online",...}],
//    "type":"update"}                                   on connect and on engine status changes
//   {"channel":"heartbeat"}                             about once a second while subscribed
//   {"method":"subscribe","result":{...},"success":true,"time_in":...,"time_out":...}
//   {"method":"pong","req_id":101,"time_in":...,"time_out":...}
//   {"error":"Currency pair not supported X/Y","method":"subscribe","success":false,...}
//
// Mapping: prices and sizes are JSON numbers whose text carries the engine's precision
// ("bid_qty":0.10000000), so each is read from the number's own token and never through
// double. Kraken sends no open price: open_24h = last - change, exactly (decimal::sub), since
// "change" is the 24 h change in quote currency. "volume" is base volume; there is no quote
// volume ("vwap" * "volume" is not what Kraken would report, so it is left out). "timestamp"
// (RFC 3339, added to v2 after its first release) becomes exchange_ts_us; without it the tick
// carries 0, which the aggregator treats as "unknown" and the encoder leaves out of the JSON.
//
// Trades ("trade" channel) and top of book: Kraken documents the ticker channel with
// event_trigger "bbo" as the one that updates "on a change in the best-bid-offer price levels",
// so with the bbo stream the ticker subscription asks for that trigger and every ticker message
// also yields a top_of_book (the book channel is kept for order books, a later issue):
//   {"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"buy",
//    "price":0.5147,"qty":6423.46326,"ord_type":"limit","trade_id":4665846,
//    "timestamp":"2023-09-25T07:48:36.925533Z"}]}
// "side" is the taker's; trade_id is a "sequence number unique per trading book".
//
// One pass over the fields with simdjson On-Demand; errors are values (nothing here throws).
// The frame is copied into an adapter-owned padded buffer because the caller's buffer carries
// no SIMDJSON_PADDING guarantee.
#include "feeds/venues/kraken_adapter.hpp"

#include <cstring>
#include <new>
#include <utility>

#include "feeds/venues/book_streams.hpp"
#include "feeds/venues/venue_factories.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "feeds/venues/venue_time.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd {

namespace ondemand = simdjson::ondemand;

namespace {

using venue_json::classify;
using venue_json::open_root;

constexpr std::string_view ticker_channel = "ticker";
constexpr std::string_view trade_channel = "trade";
constexpr std::string_view heartbeat_channel = "heartbeat";
constexpr std::string_view status_channel = "status";
constexpr std::string_view snapshot_type = "snapshot";
constexpr std::string_view update_type = "update";
constexpr std::string_view subscribe_tail = R"(]},"req_id":1})";  // acks echo req_id 1
constexpr std::string_view trade_subscribe_tail = R"(]},"req_id":2})";

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A key as written, without its quotes; empty when it contains an escape (no key of ours does).
std::string_view key_text(const ondemand::raw_json_string& key) noexcept {
  const char* begin = key.raw();
  const char* p = begin;
  // Stage 1 guarantees the string is closed, so this scan ends inside the document.
  while (*p != '"' && *p != '\\') ++p;
  if (*p == '\\') return {};
  return {begin, static_cast<std::size_t>(p - begin)};
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

// A string value's raw contents; `present` is false for null. Names, symbols and timestamps
// never need escapes, so an escaped one is not one of ours.
feed_errc read_name(ondemand::value& v, std::string_view& out, bool& present) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  present = false;
  if (type == ondemand::json_type::null) return feed_errc::ok;
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  ondemand::raw_json_string raw;
  if (auto e = v.get_raw_json_string().get(raw)) return classify(e);
  const char* begin = raw.raw();
  const char* p = begin;
  while (*p != '"' && *p != '\\') ++p;
  if (*p == '\\') return feed_errc::unexpected_shape;
  out = std::string_view(begin, static_cast<std::size_t>(p - begin));
  present = true;
  return feed_errc::ok;
}

// A JSON number's own text as an exact decimal. On-Demand checks only a number token's first
// character, so the grammar is checked here: decimal::parse tolerates leading zeros, JSON does
// not. A well-formed number that does not fit the decimal is bad_number.
feed_errc read_number_text(ondemand::value& v, decimal& out) noexcept {
  std::string_view token = v.raw_json_token();
  while (!token.empty() && is_space(token.back())) token.remove_suffix(1);
  const std::size_t digits_at = (!token.empty() && token.front() == '-') ? 1 : 0;
  if (token.size() > digits_at + 1 && token[digits_at] == '0' && token[digits_at + 1] >= '0' &&
      token[digits_at + 1] <= '9') {
    return feed_errc::invalid_json;
  }
  switch (decimal::parse(token, out)) {
    case decimal_errc::ok:
      return feed_errc::ok;
    case decimal_errc::overflow:
      return feed_errc::bad_number;
    default:
      return feed_errc::invalid_json;  // "-", "1.", "1e", "1x2": not a JSON number at all
  }
}

// What one ticker object carried; filled field by field in whatever order they arrive.
struct ticker_fields {
  tick t;
  std::string_view symbol;
  decimal change;
  std::int64_t time_us = 0;  // the same time, exact, for a top_of_book
  bool have_symbol = false;
  bool have_change = false;
};

feed_errc read_decimal(ondemand::value& v, decimal& into, std::uint16_t& fields,
                       std::uint16_t bit) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::null) {
    fields = static_cast<std::uint16_t>(fields & ~bit);  // a later null clears it
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::number) return feed_errc::unexpected_shape;
  if (auto e = read_number_text(v, into); e != feed_errc::ok) return e;
  fields = static_cast<std::uint16_t>(fields | bit);
  return feed_errc::ok;
}

feed_errc read_field(ondemand::value& v, ticker_fields& f, decimal tick::*member,
                     tick_field bit) noexcept {
  return read_decimal(v, f.t.*member, f.t.fields, bit);
}

feed_errc read_timestamp(ondemand::value& v, ticker_fields& f) noexcept {
  std::string_view text;
  bool present = false;
  if (auto e = read_name(v, text, present); e != feed_errc::ok) return e;
  if (!present) {
    f.t.exchange_ts_us = 0;
    f.time_us = 0;
    return feed_errc::ok;
  }
  if (!venue_time::parse_rfc3339_us(text, f.time_us)) {
    f.t.exchange_ts_us = 0;
    f.time_us = 0;
    return feed_errc::unexpected_shape;
  }
  f.t.exchange_ts_us = f.time_us;
  return feed_errc::ok;
}

// One field of a ticker object. vwap and anything new are skipped unparsed.
feed_errc on_ticker_field(std::string_view key, ondemand::value& v, ticker_fields& f) noexcept {
  switch (key.size()) {
    case 3:
      if (key == "bid") return read_field(v, f, &tick::bid, tf_bid);
      if (key == "ask") return read_field(v, f, &tick::ask, tf_ask);
      if (key == "low") return read_field(v, f, &tick::low_24h, tf_low);
      break;
    case 4:
      if (key == "last") return read_field(v, f, &tick::last, tf_last);
      if (key == "high") return read_field(v, f, &tick::high_24h, tf_high);
      break;
    case 6:
      if (key == "symbol") return read_name(v, f.symbol, f.have_symbol);
      if (key == "volume") return read_field(v, f, &tick::volume_base, tf_volume_base);
      if (key == "change") {
        std::uint16_t bit = f.have_change ? 1 : 0;
        const feed_errc e = read_decimal(v, f.change, bit, 1);
        f.have_change = bit != 0;
        return e;
      }
      break;
    case 7:
      if (key == "bid_qty") return read_field(v, f, &tick::bid_qty, tf_bid_qty);
      if (key == "ask_qty") return read_field(v, f, &tick::ask_qty, tf_ask_qty);
      break;
    case 9:
      if (key == "timestamp") return read_timestamp(v, f);
      break;
    case 10:
      if (key == "change_pct") return read_field(v, f, &tick::venue_change_pct, tf_change_pct);
      break;
    default:
      break;
  }
  return feed_errc::ok;
}

// Per-frame context for the data array.
struct data_sink {
  const symbol_map& symbols;
  std::int64_t recv_ts_us;
  market_events& out;
  parse_result& result;
  feed_streams wanted;
  venue_json::trade_sequence& trade_ids;
  bool trades = false;  // the channel is "trade"
};

feed_errc parse_ticker_object(ondemand::object& obj, data_sink& sink) noexcept {
  ticker_fields f;
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = key_text(field.key());
    if (key.empty()) continue;
    if (auto e = on_ticker_field(key, field.value(), f); e != feed_errc::ok) return e;
  }
  if (!f.have_symbol || f.t.fields == 0) return feed_errc::unexpected_shape;
  // Kraken's "change" is last minus the price 24 h ago: the open, exactly. (Unrepresentable only
  // for absurd values; then the open is simply not reported.)
  if (f.have_change && f.t.has(tf_last) && decimal::sub(f.t.last, f.change, f.t.open_24h)) {
    f.t.fields = static_cast<std::uint16_t>(f.t.fields | tf_open);
  }
  const instrument_id id = sink.symbols.find(f.symbol);
  if (id == no_instrument) {
    ++sink.result.unknown_symbols;
    return feed_errc::ok;
  }
  f.t.venue = venue_id::kraken;
  f.t.instrument = id;
  f.t.recv_ts_us = sink.recv_ts_us;
  if (venue_json::wants(sink.wanted, fs_ticker)) {
    sink.out.ticks.push_back(f.t);  // vector growth is the caller's; it reserves once and reuses
  }
  if (venue_json::wants(sink.wanted, fs_bbo) && (f.t.has(tf_bid) || f.t.has(tf_ask))) {
    top_of_book q;
    q.venue = venue_id::kraken;
    q.instrument = id;
    q.has_bid = f.t.has(tf_bid) && f.t.has(tf_bid_qty);
    q.has_ask = f.t.has(tf_ask) && f.t.has(tf_ask_qty);
    q.bid = f.t.bid;
    q.bid_size = f.t.bid_qty;
    q.ask = f.t.ask;
    q.ask_size = f.t.ask_qty;
    q.exchange_ts_us = f.time_us;
    q.recv_ts_us = sink.recv_ts_us;
    sink.out.quotes.push_back(q);
  }
  return feed_errc::ok;
}

// One trade object.
feed_errc parse_trade_object(ondemand::object& obj, data_sink& sink) noexcept {
  using namespace venue_json;
  trade t;
  std::string_view symbol;
  std::string_view side;
  std::string_view time;
  bool have_symbol = false, have_side = false, have_price = false, have_qty = false;
  bool have_id = false, have_time = false;
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "symbol") {
      e = read_text(field.value(), symbol, have_symbol);
    } else if (key == "side") {
      e = read_text(field.value(), side, have_side);
    } else if (key == "price") {
      e = read_decimal_number(field.value(), t.price, have_price);
    } else if (key == "qty") {
      e = read_decimal_number(field.value(), t.size, have_qty);
    } else if (key == "trade_id") {
      e = read_trade_id(field.value(), t.id, have_id);
    } else if (key == "timestamp") {
      e = read_text(field.value(), time, have_time);
    }
    // ord_type and anything new: skipped.
    if (e != feed_errc::ok) return e;
  }
  if (!have_symbol || !have_side || !have_price || !have_qty || !have_id || !have_time) {
    return feed_errc::unexpected_shape;
  }
  if (side == "buy") {
    t.side = taker_side::buy;
  } else if (side == "sell") {
    t.side = taker_side::sell;
  } else {
    return feed_errc::unexpected_shape;
  }
  if (!venue_time::parse_rfc3339_us(time, t.exchange_ts_us)) return feed_errc::unexpected_shape;
  const auto n = t.id.number();
  if (!n) return feed_errc::unexpected_shape;
  const instrument_id id = sink.symbols.find(symbol);
  if (id == no_instrument) {
    ++sink.result.unknown_symbols;
    return feed_errc::ok;
  }
  if (!publish_trade(sink.trade_ids.check(id, *n, true), sink.result)) return feed_errc::ok;
  t.venue = venue_id::kraken;
  t.instrument = id;
  t.recv_ts_us = sink.recv_ts_us;
  sink.out.trades.push_back(t);
  return feed_errc::ok;
}

feed_errc parse_data(ondemand::value v, data_sink& sink) noexcept {
  ondemand::array items;
  if (auto e = v.get_array().get(items)) return classify(e);
  for (auto item_result : items) {
    ondemand::value item;
    // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get() is &&-qualified
    if (auto e = std::move(item_result).get(item)) return classify(e);
    ondemand::object obj;
    if (auto e = item.get_object().get(obj)) return classify(e);
    const feed_errc e =
        sink.trades ? parse_trade_object(obj, sink) : parse_ticker_object(obj, sink);
    if (e != feed_errc::ok) return e;
  }
  return feed_errc::ok;
}

// The top-level fields that decide what a frame is.
struct envelope {
  std::string_view channel;
  std::string_view type;
  std::string_view method;
  bool have_channel = false;
  bool have_type = false;
  bool have_method = false;
  bool have_data = false;     // a "data" member was parsed as ticker data
  bool data_pending = false;  // a "data" member came before "channel": parse it afterwards
  bool failed = false;        // "success":false
  bool error = false;         // a non-null "error"
};

bool is_data_channel(const envelope& m) noexcept {
  return m.have_channel && (m.channel == ticker_channel || m.channel == trade_channel);
}

}  // namespace

kraken_adapter::kraken_adapter(symbol_map symbols, feed_streams streams)
    : symbols_(std::move(symbols)), wanted_(streams) {
  if (symbols_.empty()) return;
  std::string list;
  std::size_t slots = 0;
  for (const auto& [native, id] : symbols_.entries()) {
    if (!list.empty()) list.push_back(',');
    json::append_string(list, native);
    if (static_cast<std::size_t>(id) + 1 > slots) slots = static_cast<std::size_t>(id) + 1;
  }
  trade_ids_.resize(slots);
  if (venue_json::wants(streams, fs_ticker) || venue_json::wants(streams, fs_bbo)) {
    // One ticker subscription per symbol: with bbo it is published "on a change in the
    // best-bid-offer price levels" rather than on every trade; the 24 h ticker reads it too.
    std::string m = R"({"method":"subscribe","params":{"channel":"ticker",)";
    if (venue_json::wants(streams, fs_bbo)) m += R"("event_trigger":"bbo",)";
    m += R"("symbol":[)";
    m += list;
    m += subscribe_tail;
    subscribe_.push_back(std::move(m));
  }
  if (venue_json::wants(streams, fs_trades)) {
    std::string m = R"({"method":"subscribe","params":{"channel":"trade","symbol":[)";
    m += list;
    m += trade_subscribe_tail;
    subscribe_.push_back(std::move(m));
  }
  if (venue_json::wants(streams, fs_book)) {
    // The precisions first: the checksum of the book's snapshot needs them.
    subscribe_.push_back(book_streams::kraken_instrument_subscribe());
    std::string m = R"({"method":"subscribe","params":{"channel":"book","depth":)";
    m += std::to_string(book_streams::kraken_book_depth);
    m += R"(,"symbol":[)";
    m += list;
    m += R"(]},"req_id":3})";
    subscribe_.push_back(std::move(m));
  }
}

std::string kraken_adapter::target(std::string_view url_path) const {
  // "wss://ws.kraken.com" with no path is the v1 API; this adapter speaks v2.
  if (url_path.empty() || url_path == "/") return std::string(default_path);
  return std::string(url_path);
}

std::vector<std::string> kraken_adapter::subscribe_messages() const {
  return subscribe_;
}

parse_result kraken_adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
                                   market_events& out) noexcept {
  parse_result result;
  const std::size_t first_tick = out.ticks.size();
  const std::size_t first_trade = out.trades.size();
  const std::size_t first_quote = out.quotes.size();
  auto fail = [&](feed_errc e) {
    out.ticks.resize(first_tick);  // a rejected frame delivers nothing
    out.trades.resize(first_trade);
    out.quotes.resize(first_quote);
    result.trade_gaps = 0;
    result.unknown_symbols = 0;
    result.error = e;
    return result;
  };
  ondemand::document doc;
  ondemand::object root;
  if (auto e = open_root(frame, max_frame_bytes, frame_, parser_, doc, root); e != feed_errc::ok) {
    return fail(e);
  }

  data_sink sink{symbols_, recv_ts_us, out, result, wanted_, trade_ids_};
  envelope m;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return fail(classify(e));
    const std::string_view key = key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "channel") {
      e = read_name(field.value(), m.channel, m.have_channel);
    } else if (key == "type") {
      e = read_name(field.value(), m.type, m.have_type);
    } else if (key == "data") {
      if (!m.have_channel || m.data_pending) {
        m.data_pending = true;  // unvisited for now; read in a second pass if it is ticker data
      } else if (is_data_channel(m)) {
        sink.trades = m.channel == trade_channel;
        e = parse_data(field.value(), sink);
        m.have_data = true;
      }
    } else if (key == "method") {
      e = read_name(field.value(), m.method, m.have_method);
    } else if (key == "success") {
      ondemand::json_type type;
      e = peek_type(field.value(), type);
      if (e == feed_errc::ok && type != ondemand::json_type::null) {
        bool success = false;
        if (auto se = field.value().get_bool().get(success)) {
          e = classify(se);
        } else {
          m.failed = !success;
        }
      }
    } else if (key == "error") {
      ondemand::json_type type;
      e = peek_type(field.value(), type);
      m.error = m.error || type != ondemand::json_type::null;
    }
    // "result", "req_id", "time_in", "time_out", "warnings", "symbol" and unknown keys: skipped.
    if (e != feed_errc::ok) return fail(e);
  }
  // Everything after the root object must be whitespace.
  if (!doc.current_location().error()) return fail(feed_errc::invalid_json);

  // Proof of life with nothing to publish (ticks read from a "data" member, if the frame also
  // carried one, are dropped).
  auto control = [&](feed_errc e) {
    result = fail(e);
    result.kind = frame_kind::control;
    return result;
  };
  if (m.error || m.failed) return control(feed_errc::venue_error);
  if (m.have_method) return control(feed_errc::ok);  // subscribe / unsubscribe ack, pong
  if (!m.have_channel) return fail(feed_errc::unexpected_shape);
  if (m.channel == heartbeat_channel || m.channel == status_channel) {
    return control(feed_errc::ok);
  }
  if (!is_data_channel(m) || !m.have_type || (m.type != snapshot_type && m.type != update_type)) {
    return fail(feed_errc::unexpected_shape);
  }
  if (m.data_pending) {
    // "data" came before "channel" (Kraken's documented order puts it last): read it now.
    sink.trades = m.channel == trade_channel;
    doc.rewind();
    if (auto e = doc.get_object().get(root)) return fail(classify(e));
    for (auto field_result : root) {
      ondemand::field field;
      if (auto e = std::move(field_result).get(field)) return fail(classify(e));
      if (key_text(field.key()) != "data") continue;
      if (auto e = parse_data(field.value(), sink); e != feed_errc::ok) return fail(e);
      m.have_data = true;
    }
  }
  if (!m.have_data) return fail(feed_errc::unexpected_shape);
  return result;
}

std::unique_ptr<venue_adapter> make_kraken_adapter(const symbol_map& symbols,
                                                   feed_streams streams) {
  return std::make_unique<kraken_adapter>(symbols, streams);
}

}  // namespace tickerd
