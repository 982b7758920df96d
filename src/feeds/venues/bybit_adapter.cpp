// Bybit v5 public spot frames -> ticks.
//
// Wire format (bybit-exchange.github.io/docs/v5, "Connect", "Ticker", "Orderbook"):
//   {"topic":"tickers.BTCUSDT","ts":1673853746003,"type":"snapshot","cs":2588407389,
//    "data":{"symbol":"BTCUSDT","lastPrice":"21109.77","highPrice24h":"21426.99",
//            "lowPrice24h":"20575","prevPrice24h":"20704.93","volume24h":"6780.866843",
//            "turnover24h":"141946527.22907118","price24hPcnt":"0.0196",
//            "usdIndexPrice":"21120.2400136"}}
//   {"topic":"orderbook.1.BTCUSDT","ts":1672304484978,"type":"snapshot",
//    "data":{"s":"BTCUSDT","b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]],
//            "u":18521288,"seq":7961638724},"cts":1672304484976}
//   {"success":true,"ret_msg":"subscribe","conn_id":"…","req_id":"10001","op":"subscribe"}
//   {"success":true,"ret_msg":"pong","conn_id":"…","op":"ping"}
//
//   {"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,
//    "data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50",
//             "L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false}]}
//
// publicTrade: "S" is the taker's side, "i" a trade id that is not numbered (no gap check).
// orderbook.1 also feeds the top of book (stream "bbo") with the documented snapshot/delta
// rules: a snapshot replaces both sides; a delta's level with size "0" deletes that level, any
// other level replaces the one best level; a side a delta does not mention is unchanged.
//
// A ticker carries last/open/high/low/volumes and the 24 h change; an orderbook.1 message
// carries only the best bid and ask with their sizes. Each becomes a partial tick with only
// the fields it carried. Spot level 1 is "snapshot message only": every message replaces the
// top of book, so its first bid and first ask are the best ones. Fields Bybit sends as ""
// (its spelling of "no value") and nulls leave the field unset.
//
// One pass over the fields with simdjson On-Demand: the topic may come after "data" (linear
// tickers put it first, but nothing promises an order), so the data object is read into a
// union of the ticker and orderbook fields and the topic decides afterwards which apply.
#include "feeds/venues/bybit_adapter.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <new>
#include <utility>

#include "feeds/venues/venue_factories.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd {

namespace ondemand = simdjson::ondemand;

namespace {

using venue_json::classify;
using venue_json::open_root;

constexpr std::string_view default_path = "/v5/public/spot";
constexpr std::string_view ticker_prefix = "tickers.";
constexpr std::string_view book_prefix = "orderbook.1.";
constexpr std::string_view trade_prefix = "publicTrade.";
constexpr std::string_view depth_prefix = "orderbook.50.";  // the depth stream (book_feed)
constexpr std::string_view snapshot_type = "snapshot";
constexpr std::string_view delta_type = "delta";
// price24hPcnt is a fraction ("0.0196" = 1.96 %); ticks carry percent.
constexpr int fraction_to_percent_digits = 2;

char to_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

// A key as written. Keys with escapes never match ours, so the scan stops at a backslash too
// (stage 1 guarantees the string is closed, so the scan ends inside the document).
std::string_view key_text(const ondemand::raw_json_string& key) noexcept {
  const char* begin = key.raw();
  const char* p = begin;
  while (*p != '"' && *p != '\\') ++p;
  if (*p == '\\') return {};
  return {begin, static_cast<std::size_t>(p - begin)};
}

// A JSON string's raw contents; `escaped` when it holds an escape (never in our values).
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

// Peeks the type; a null is validated here so callers may treat it as "absent".
feed_errc peek_type(ondemand::value& v, ondemand::json_type& type) noexcept {
  if (auto e = v.type().get(type)) return classify(e);
  if (type == ondemand::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return feed_errc::invalid_json;
  }
  return feed_errc::ok;
}

// A decimal field. Present: sets `bit` in `bits`. Null or "": clears it (no value).
feed_errc read_decimal(ondemand::value& v, decimal& dst, std::uint16_t& bits,
                       std::uint16_t bit) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::null) {
    bits = static_cast<std::uint16_t>(bits & ~bit);
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  std::string_view text;
  bool escaped = false;
  if (auto e = read_plain_string(v, text, escaped); e != feed_errc::ok) return e;
  if (escaped) return feed_errc::bad_number;
  if (text.empty()) {
    bits = static_cast<std::uint16_t>(bits & ~bit);
    return feed_errc::ok;
  }
  if (decimal::parse(text, dst) != decimal_errc::ok) return feed_errc::bad_number;
  bits = static_cast<std::uint16_t>(bits | bit);
  return feed_errc::ok;
}

// "0.0196" -> "1.96": the same digits, the point moved two places. Exact; false on overflow.
bool fraction_to_percent(decimal fraction, decimal& percent) noexcept {
  if (fraction.scale() >= fraction_to_percent_digits) {
    percent = decimal(fraction.mantissa(), fraction.scale() - fraction_to_percent_digits);
    return true;
  }
  // Fewer fraction digits than the point moves: the mantissa gains zeros, at scale 0.
  decimal lifted;
  if (!decimal(fraction.mantissa(), 0)
           .rescale(fraction_to_percent_digits - fraction.scale(), lifted)) {
    return false;
  }
  percent = decimal(lifted.mantissa(), 0);
  return true;
}

// A symbol, topic or type string. Null means absent; an escaped one cannot be ours.
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

// "ts": the venue's table says number (ms); the orderbook page's reminder quotes it as a
// string ("ts": "1772694601512"), so a string of digits is read too.
feed_errc read_ts(ondemand::value& v, std::int64_t& ts, bool& present) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::null) {
    present = false;
    return feed_errc::ok;
  }
  if (type == ondemand::json_type::number) {
    if (auto e = v.get_int64().get(ts)) return classify(e);
    present = true;
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  std::string_view text;
  bool escaped = false;
  if (auto e = read_plain_string(v, text, escaped); e != feed_errc::ok) return e;
  if (escaped || text.empty() || text.front() < '0' || text.front() > '9') {
    return feed_errc::unexpected_shape;
  }
  const auto r = std::from_chars(text.data(), text.data() + text.size(), ts);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return feed_errc::unexpected_shape;
  }
  present = true;
  return feed_errc::ok;
}

}  // namespace

// One side of the book: price, size and which of them were seen.
struct bybit_book_side {
  static constexpr std::size_t max_levels = 4;  // depth 1: a delete and an insert at most
  decimal price;
  decimal size;
  bool present = false;
  bool seen = false;  // the key was in the frame (an empty array included)
  std::array<std::pair<decimal, decimal>, max_levels> levels{};
  std::size_t count = 0;
};

namespace {

using book_side = bybit_book_side;

// The first [price, size] entry of "b" or "a" (the best level: bids descend, asks ascend).
// An empty side says nothing. A level of size 0 is a level that went away, which for the top
// of book leaves the best price unknown, so that side is left unset too.
// One [price, size] entry (RPI books add a third size, not read).
feed_errc read_level(ondemand::value& level, decimal& price, decimal& size) noexcept {
  ondemand::array entry;
  if (auto e = level.get_array().get(entry)) return classify(e);
  std::size_t n = 0;
  for (auto item_result : entry) {
    ondemand::value item;
    // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get() is &&-qualified
    if (auto e = std::move(item_result).get(item)) return classify(e);
    std::string_view text;
    bool escaped = false;
    ondemand::json_type item_type;
    if (auto e = peek_type(item, item_type); e != feed_errc::ok) return e;
    if (item_type != ondemand::json_type::string) return feed_errc::unexpected_shape;
    if (auto e = read_plain_string(item, text, escaped); e != feed_errc::ok) return e;
    if (escaped) return feed_errc::bad_number;
    if (decimal::parse(text, n == 0 ? price : size) != decimal_errc::ok) {
      return feed_errc::bad_number;
    }
    if (++n == 2) break;
  }
  return n < 2 ? feed_errc::unexpected_shape : feed_errc::ok;
}

// The entries of "b" or "a". The first is the best level (bids descend, asks ascend) and must
// be well-formed; the ones after it matter only to a depth-1 delta (a delete and an insert), so
// they are read while they are well-formed and the rest is skipped. An empty side says nothing.
// A first level of size 0 went away, which leaves the best price unknown for the tick.
feed_errc read_best_level(ondemand::value& v, book_side& side) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  side.present = false;
  side.count = 0;
  if (type == ondemand::json_type::null) return feed_errc::ok;
  if (type != ondemand::json_type::array) return feed_errc::unexpected_shape;
  side.seen = true;
  ondemand::array entries;
  if (auto e = v.get_array().get(entries)) return classify(e);
  for (auto level_result : entries) {
    ondemand::value level;
    // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get() is &&-qualified
    if (auto e = std::move(level_result).get(level)) return classify(e);
    auto& [price, size] = side.levels[side.count];
    const feed_errc e = read_level(level, price, size);
    if (e != feed_errc::ok) {
      if (side.count == 0 || e == feed_errc::invalid_json) return e;
      break;  // a malformed deeper level: not one a depth-1 book has
    }
    if (side.count == 0) {
      side.price = price;
      side.size = size;
      side.present = !size.is_zero();
    }
    if (++side.count == book_side::max_levels) break;  // more is not a depth-1 book
  }
  return feed_errc::ok;
}

// Everything one frame carried, whatever its key order.
struct frame_fields {
  std::string_view topic;
  std::string_view type;
  std::string_view symbol;       // data.symbol (tickers)
  std::string_view book_symbol;  // data.s (orderbook)
  std::int64_t ts = 0;
  bool have_topic = false;
  bool have_type = false;
  bool have_symbol = false;
  bool have_book_symbol = false;
  bool have_ts = false;
  bool have_data = false;  // an object
  bool have_success = false;
  bool success = false;
  bool have_op = false;
  bool data_array = false;      // "data" was an array (publicTrade), read by the caller
  bool data_pending = false;    // ... and came before the topic: read in a second pass
  std::uint64_t update_id = 0;  // data.u (orderbook)
  bool have_update_id = false;

  tick t;  // ticker values; their bits in ticker_bits
  std::uint16_t ticker_bits = 0;
  decimal change_fraction;  // price24hPcnt as sent
  book_side bid;
  book_side ask;
};

// One field of the data object: spot tickers ("Ticker", Spot tab; bid1/ask1 are the
// linear/inverse spelling of the same thing and are read when present) and orderbook ("s",
// "b", "a"). "usdIndexPrice", "u", "seq" and unknown keys are skipped unparsed.
feed_errc on_data_field(std::string_view key, ondemand::value& v, frame_fields& f) noexcept {
  tick& t = f.t;
  std::uint16_t& bits = f.ticker_bits;
  switch (key.empty() ? '\0' : key.front()) {
    case 's':
      if (key == "symbol") return read_name(v, f.symbol, f.have_symbol);
      if (key == "s") return read_name(v, f.book_symbol, f.have_book_symbol);
      break;
    case 'l':
      if (key == "lastPrice") return read_decimal(v, t.last, bits, tf_last);
      if (key == "lowPrice24h") return read_decimal(v, t.low_24h, bits, tf_low);
      break;
    case 'h':
      if (key == "highPrice24h") return read_decimal(v, t.high_24h, bits, tf_high);
      break;
    case 'p':
      if (key == "prevPrice24h") return read_decimal(v, t.open_24h, bits, tf_open);
      if (key == "price24hPcnt") return read_decimal(v, f.change_fraction, bits, tf_change_pct);
      break;
    case 'v':
      if (key == "volume24h") return read_decimal(v, t.volume_base, bits, tf_volume_base);
      break;
    case 't':
      if (key == "turnover24h") return read_decimal(v, t.volume_quote, bits, tf_volume_quote);
      break;
    case 'b':
      if (key == "b") return read_best_level(v, f.bid);
      if (key == "bid1Price") return read_decimal(v, t.bid, bits, tf_bid);
      if (key == "bid1Size") return read_decimal(v, t.bid_qty, bits, tf_bid_qty);
      break;
    case 'u':
      if (key == "u") {
        // The book's update id; tickers do not send one (a "u" there is not ours to judge).
        const feed_errc e = venue_json::read_u64(v, f.update_id, f.have_update_id);
        if (e == feed_errc::unexpected_shape) f.have_update_id = false;
        return e == feed_errc::unexpected_shape ? feed_errc::ok : e;
      }
      break;
    case 'a':
      if (key == "a") return read_best_level(v, f.ask);
      if (key == "ask1Price") return read_decimal(v, t.ask, bits, tf_ask);
      if (key == "ask1Size") return read_decimal(v, t.ask_qty, bits, tf_ask_qty);
      break;
    default:
      break;
  }
  return feed_errc::ok;
}

feed_errc parse_data(ondemand::value& v, frame_fields& f) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  // An array is publicTrade data, read by the caller once the topic is known. Not an object:
  // not ticker data (a control reply may carry other shapes); the topic check afterwards
  // rejects it if it was meant to be.
  if (type == ondemand::json_type::array) {
    f.data_array = true;
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::object) return feed_errc::ok;
  ondemand::object obj;
  if (auto e = v.get_object().get(obj)) return classify(e);
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    if (auto e = on_data_field(key_text(field.key()), field.value(), f); e != feed_errc::ok) {
      return e;
    }
  }
  f.have_data = true;
  return feed_errc::ok;
}

feed_errc read_success(ondemand::value& v, frame_fields& f) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::null) {
    f.have_success = false;
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::boolean) return feed_errc::unexpected_shape;
  // It starts like true/false; failing to read it as one means a broken literal ("tru").
  if (v.get_bool().get(f.success)) return feed_errc::invalid_json;
  f.have_success = true;
  return feed_errc::ok;
}

// One top-level field. "cs", "cts", "id", "ret_msg", "conn_id", "req_id", "args" and unknown
// keys are skipped unparsed.
feed_errc on_root_field(std::string_view key, ondemand::value& v, frame_fields& f) noexcept {
  switch (key.empty() ? '\0' : key.front()) {
    case 't':
      if (key == "topic") return read_name(v, f.topic, f.have_topic);
      if (key == "ts") return read_ts(v, f.ts, f.have_ts);
      if (key == "type") return read_name(v, f.type, f.have_type);
      break;
    case 'd':
      if (key == "data") return parse_data(v, f);
      break;
    case 's':
      if (key == "success") return read_success(v, f);
      break;
    case 'o':
      if (key == "op") {
        std::string_view op;
        return read_name(v, op, f.have_op);
      }
      break;
    default:
      break;
  }
  return feed_errc::ok;
}

// One publicTrade item.
struct trade_fields {
  trade t;
  std::string_view symbol;
  std::string_view side;
  bool have_symbol = false;
  bool have_side = false;
  bool have_id = false;
  bool have_price = false;
  bool have_size = false;
  bool have_time = false;
};

feed_errc on_trade_field(std::string_view key, ondemand::value& v, trade_fields& f) noexcept {
  using namespace venue_json;
  if (key == "T") return read_ms_as_us(v, f.t.exchange_ts_us, f.have_time);
  if (key == "s") return read_text(v, f.symbol, f.have_symbol);
  if (key == "S") return read_text(v, f.side, f.have_side);
  if (key == "v") return read_decimal_string(v, f.t.size, f.have_size);
  if (key == "p") return read_decimal_string(v, f.t.price, f.have_price);
  if (key == "i") return read_trade_id(v, f.t.id, f.have_id);
  return feed_errc::ok;  // L, BT, RPI, seq and anything new
}

}  // namespace

bybit_adapter::bybit_adapter(const symbol_map& symbols, feed_streams streams) : wanted_(streams) {
  using venue_json::wants;
  std::size_t slots = 0;
  for (const auto& [native, id] : symbols.entries()) {
    std::string upper(native);
    for (char& c : upper) c = to_upper(c);
    // The spot ticker has no bid/ask: the 24 h ticker takes them from orderbook.1 too.
    if (wants(streams, fs_ticker)) topics_.push_back(std::string(ticker_prefix) + upper);
    if (wants(streams, fs_ticker) || wants(streams, fs_bbo)) {
      topics_.push_back(std::string(book_prefix) + upper);
    }
    if (wants(streams, fs_trades)) topics_.push_back(std::string(trade_prefix) + upper);
    if (wants(streams, fs_book)) topics_.push_back(std::string(depth_prefix) + upper);
    upper_.add(std::move(upper), id);
    if (static_cast<std::size_t>(id) + 1 > slots) slots = static_cast<std::size_t>(id) + 1;
  }
  books_.resize(slots);
}

void bybit_adapter::reset() noexcept {
  for (auto& b : books_) b = top_of_book{};
}

feed_errc bybit_adapter::parse_trades(ondemand::value data, std::int64_t recv_ts_us,
                                      market_events& out, parse_result& result) noexcept {
  ondemand::array items;
  if (auto e = data.get_array().get(items)) return classify(e);
  for (auto item_result : items) {
    ondemand::value item;
    // NOLINTNEXTLINE(performance-move-const-arg): simdjson_result::get() is &&-qualified
    if (auto e = std::move(item_result).get(item)) return classify(e);
    ondemand::object obj;
    if (auto e = item.get_object().get(obj)) return classify(e);
    trade_fields f;
    for (auto field_result : obj) {
      ondemand::field field;
      if (auto e = std::move(field_result).get(field)) return classify(e);
      if (auto e = on_trade_field(key_text(field.key()), field.value(), f); e != feed_errc::ok) {
        return e;
      }
    }
    if (!f.have_symbol || !f.have_side || !f.have_id || !f.have_price || !f.have_size ||
        !f.have_time) {
      return feed_errc::unexpected_shape;
    }
    if (f.side == "Buy") {
      f.t.side = taker_side::buy;
    } else if (f.side == "Sell") {
      f.t.side = taker_side::sell;
    } else {
      return feed_errc::unexpected_shape;
    }
    const instrument_id id = upper_.find(f.symbol);
    if (id == no_instrument) {
      ++result.unknown_symbols;
      continue;
    }
    f.t.venue = venue_id::bybit;
    f.t.instrument = id;
    f.t.recv_ts_us = recv_ts_us;
    out.trades.push_back(f.t);
  }
  return feed_errc::ok;
}

std::string bybit_adapter::target(std::string_view url_path) const {
  return std::string(url_path.empty() ? default_path : url_path);
}

std::vector<std::string> bybit_adapter::subscribe_messages() const {
  // Spot refuses a whole request with more than 10 args ("args size >10"), so the topics go
  // out in requests of at most 10.
  std::vector<std::string> out;
  for (std::size_t first = 0; first < topics_.size(); first += max_args_per_request) {
    std::string m = R"({"op":"subscribe","args":[)";
    const std::size_t last = std::min(topics_.size(), first + max_args_per_request);
    for (std::size_t i = first; i < last; ++i) {
      if (i != first) m.push_back(',');
      json::append_string(m, topics_[i]);
    }
    m += "]}";
    out.push_back(std::move(m));
  }
  return out;
}

parse_result bybit_adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
                                  market_events& events) noexcept {
  parse_result result;
  const std::size_t first_trade = events.trades.size();
  auto fail = [&](feed_errc e) {
    events.trades.resize(first_trade);  // a rejected frame delivers nothing
    result.unknown_symbols = 0;
    result.error = e;
    return result;
  };
  ondemand::document doc;
  ondemand::object root;
  if (auto e = open_root(frame, max_frame_bytes, frame_, parser_, doc, root); e != feed_errc::ok) {
    return fail(e);
  }

  frame_fields f;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return fail(classify(e));
    const std::string_view key = key_text(field.key());
    if (auto e = on_root_field(key, field.value(), f); e != feed_errc::ok) return fail(e);
    if (key == "data" && f.data_array) {
      if (f.have_topic && f.topic.starts_with(trade_prefix)) {
        if (auto e = parse_trades(field.value(), recv_ts_us, events, result); e != feed_errc::ok) {
          return fail(e);
        }
      } else if (!f.have_topic) {
        f.data_pending = true;
      }
    }
  }
  // Everything after the root object must be whitespace.
  if (!doc.current_location().error()) return fail(feed_errc::invalid_json);

  // Replies to subscribe / unsubscribe / ping: {"success":…,"ret_msg":…,"op":…}. A refusal
  // ("Invalid symbol", "args size >10") is the venue's error.
  if (f.have_success || !f.have_topic) {  // a control frame delivers no data
    events.trades.resize(first_trade);
    result.unknown_symbols = 0;
  }
  if (f.have_success) {
    result.kind = frame_kind::control;
    if (!f.success) result.error = feed_errc::venue_error;
    return result;
  }
  if (!f.have_topic) {
    // {"op":"pong","args":[…]}: the pong shape of Bybit's other public and private channels.
    if (!f.have_op) return fail(feed_errc::unexpected_shape);
    result.kind = frame_kind::control;
    return result;
  }

  if (f.topic.starts_with(trade_prefix)) {
    if (!f.data_array) return fail(feed_errc::unexpected_shape);
    if (f.data_pending) {
      // "data" came before "topic": read it now.
      doc.rewind();
      if (auto e = doc.get_object().get(root)) return fail(classify(e));
      for (auto field_result : root) {
        ondemand::field field;
        if (auto e = std::move(field_result).get(field)) return fail(classify(e));
        if (key_text(field.key()) != "data") continue;
        if (auto e = parse_trades(field.value(), recv_ts_us, events, result); e != feed_errc::ok) {
          return fail(e);
        }
      }
    }
    return result;
  }
  const bool is_ticker = f.topic.starts_with(ticker_prefix);
  const bool is_book = !is_ticker && f.topic.starts_with(book_prefix);
  if (!is_ticker && !is_book) return fail(feed_errc::unexpected_shape);
  if (f.have_type && f.type != snapshot_type && f.type != delta_type) {
    return fail(feed_errc::unexpected_shape);
  }
  if (!f.have_data || !f.have_ts) return fail(feed_errc::unexpected_shape);
  std::int64_t ts_us = 0;
  if (auto e = venue_json::ms_to_us(f.ts, ts_us); e != feed_errc::ok) return fail(e);
  const std::string_view topic_symbol =
      f.topic.substr(is_ticker ? ticker_prefix.size() : book_prefix.size());
  std::string_view symbol = topic_symbol;
  if (is_ticker ? f.have_symbol : f.have_book_symbol) {
    symbol = is_ticker ? f.symbol : f.book_symbol;
    if (symbol != topic_symbol) return fail(feed_errc::unexpected_shape);
  }
  if (symbol.empty()) return fail(feed_errc::unexpected_shape);

  tick& t = f.t;
  if (is_ticker) {
    t.fields = f.ticker_bits;
    if (t.has(tf_change_pct) && !fraction_to_percent(f.change_fraction, t.venue_change_pct)) {
      return fail(feed_errc::bad_number);
    }
  } else {
    t.fields = 0;
    if (f.bid.present) {
      t.bid = f.bid.price;
      t.bid_qty = f.bid.size;
      t.fields = static_cast<std::uint16_t>(t.fields | tf_bid | tf_bid_qty);
    }
    if (f.ask.present) {
      t.ask = f.ask.price;
      t.ask_qty = f.ask.size;
      t.fields = static_cast<std::uint16_t>(t.fields | tf_ask | tf_ask_qty);
    }
  }

  const instrument_id id = upper_.find(symbol);
  if (id == no_instrument) {
    result.unknown_symbols = 1;
    return result;
  }
  if (is_book && venue_json::wants(wanted_, fs_bbo)) {
    apply_book(id, f.have_type && f.type == snapshot_type, f.bid, f.ask);
    top_of_book q = books_[id];
    q.venue = venue_id::bybit;
    q.instrument = id;
    q.venue_seq = f.have_update_id ? f.update_id : 0;
    // A "ts" no clock can reach (beyond year 292,000 in µs) is a time not sent.
    constexpr std::int64_t max_ms = INT64_MAX / 1000;
    q.exchange_ts_us = f.ts >= 0 && f.ts <= max_ms ? f.ts * 1000 : 0;
    q.recv_ts_us = recv_ts_us;
    events.quotes.push_back(q);
  }
  if (is_book && !venue_json::wants(wanted_, fs_ticker)) return result;
  if (t.fields == 0) return result;  // nothing we publish changed (e.g. an empty delta)
  t.venue = venue_id::bybit;
  t.instrument = id;
  t.exchange_ts_us = ts_us;
  t.recv_ts_us = recv_ts_us;
  events.ticks.push_back(t);
  return result;
}

namespace {

// One side of a level-1 book after a snapshot or delta (see the file comment).
void apply_side(const book_side& side, bool snapshot, decimal& price, decimal& size,
                bool& has) noexcept {
  if (snapshot) {
    // Bids descend and asks ascend: the first level is the best one.
    has = side.count != 0 && !side.levels[0].second.is_zero();
    if (has) {
      price = side.levels[0].first;
      size = side.levels[0].second;
    }
    return;
  }
  for (std::size_t i = 0; i < side.count; ++i) {
    const auto& [p, s] = side.levels[i];
    if (s.is_zero()) {
      if (has && p == price) has = false;  // the best level went away
    } else {
      price = p;
      size = s;
      has = true;
    }
  }
}

}  // namespace

void bybit_adapter::apply_book(instrument_id id, bool snapshot, const bybit_book_side& bid,
                               const bybit_book_side& ask) noexcept {
  top_of_book& b = books_[id];
  apply_side(bid, snapshot, b.bid, b.bid_size, b.has_bid);
  apply_side(ask, snapshot, b.ask, b.ask_size, b.has_ask);
}

std::unique_ptr<venue_adapter> make_bybit_adapter(const symbol_map& symbols, feed_streams streams) {
  return std::make_unique<bybit_adapter>(symbols, streams);
}

}  // namespace tickerd
