// Coinbase Exchange `ticker` / `heartbeat` frames -> ticks, with per-product sequence checks.
//
// One pass over the fields with simdjson On-Demand, remembering where each wanted value is;
// the message type may come anywhere in the object, so values are interpreted only at the end,
// once the type is known (a message type we do not read is ignored whatever it carries).
// Errors are values; nothing here throws per message. The frame is copied into an
// adapter-owned padded buffer because the caller's buffer carries no SIMDJSON_PADDING.
#include "feeds/venues/coinbase_adapter.hpp"

#include <array>
#include <cstring>
#include <new>
#include <utility>

#include "feeds/venues/venue_factories.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "feeds/venues/venue_time.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd {

namespace ondemand = simdjson::ondemand;

namespace {

using venue_json::classify;
using venue_json::open_root;

constexpr std::string_view default_path = "/";
constexpr std::string_view type_ticker = "ticker";
constexpr std::string_view type_heartbeat = "heartbeat";
constexpr std::string_view type_error = "error";
constexpr std::string_view type_match = "match";
constexpr std::string_view type_last_match = "last_match";

constexpr std::size_t time_second_at = 17;  // "2022-10-19T23:28:22Z": the seconds' digits

char to_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

// The keys this adapter reads; everything else (volume_30d, side, trade_id, last_size,
// last_trade_id, message, reason, channels, and keys added later) is skipped unparsed.
enum class key : std::uint8_t {
  other,
  type,
  sequence,
  product_id,
  time,
  trade_id,
  side,
  size,
  // Decimals, in tick order; the index into message_fields::decimals is the value - price.
  price,
  open_24h,
  high_24h,
  low_24h,
  volume_24h,
  best_bid,
  best_bid_size,
  best_ask,
  best_ask_size,
};
constexpr std::size_t decimal_keys = 9;

key classify_key(const ondemand::raw_json_string& raw) noexcept {
  const char* k = raw.raw();
  // Stage 1 guarantees the key is closed, so this scan ends inside the document. Our keys
  // have no escapes: a backslash means some other key.
  std::size_t n = 0;
  while (k[n] != '"' && k[n] != '\\') ++n;
  if (k[n] == '\\') return key::other;
  const std::string_view s(k, n);
  switch (n) {
    case 4:
      if (s == "type") return key::type;
      if (s == "time") return key::time;
      if (s == "side") return key::side;
      return s == "size" ? key::size : key::other;
    case 5:
      return s == "price" ? key::price : key::other;
    case 7:
      return s == "low_24h" ? key::low_24h : key::other;
    case 8:
      if (s == "sequence") return key::sequence;
      if (s == "best_bid") return key::best_bid;
      if (s == "best_ask") return key::best_ask;
      if (s == "open_24h") return key::open_24h;
      if (s == "high_24h") return key::high_24h;
      if (s == "trade_id") return key::trade_id;
      return key::other;
    case 10:
      return s == "product_id" ? key::product_id : s == "volume_24h" ? key::volume_24h : key::other;
    case 13:
      return s == "best_bid_size"   ? key::best_bid_size
             : s == "best_ask_size" ? key::best_ask_size
                                    : key::other;
    default:
      return key::other;
  }
}

}  // namespace

namespace coinbase_detail {

// What a value was, before we know whether the message is one we read.
enum class value_kind : std::uint8_t {
  absent,
  null,
  text,     // a JSON string without escapes: `text` is its contents
  escaped,  // a JSON string with escapes: never a decimal, symbol or timestamp of ours
  number,   // (sequence only) `number` holds it
  other,    // any other JSON type, or a number that is not a uint64
};

struct raw_value {
  std::string_view text;
  value_kind kind = value_kind::absent;
};

struct message_fields {
  raw_value type;
  raw_value product;
  raw_value time;
  raw_value side;
  raw_value size;
  trade_id id;
  value_kind trade_id_kind = value_kind::absent;
  value_kind sequence_kind = value_kind::absent;
  std::uint64_t sequence = 0;
  std::array<raw_value, decimal_keys> decimals{};
};

}  // namespace coinbase_detail

namespace {

using coinbase_detail::message_fields;
using coinbase_detail::raw_value;
using coinbase_detail::value_kind;

// Records one value as text, null or "other". Strings are not unescaped: we only ever want
// plain ASCII ones.
feed_errc read_raw(ondemand::value& v, raw_value& out) noexcept {
  ondemand::json_type type;
  if (auto e = v.type().get(type)) return classify(e);
  if (type == ondemand::json_type::string) {
    ondemand::raw_json_string raw;
    if (auto e = v.get_raw_json_string().get(raw)) return classify(e);
    const char* begin = raw.raw();
    const char* p = begin;
    while (*p != '"' && *p != '\\') ++p;  // the string is closed (stage 1)
    out.text = std::string_view(begin, static_cast<std::size_t>(p - begin));
    out.kind = *p == '\\' ? value_kind::escaped : value_kind::text;
    return feed_errc::ok;
  }
  if (type == ondemand::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return feed_errc::invalid_json;
    out.kind = value_kind::null;
    return feed_errc::ok;
  }
  out.kind = value_kind::other;  // skipped, not interpreted
  return feed_errc::ok;
}

feed_errc read_sequence(ondemand::value& v, message_fields& f) noexcept {
  ondemand::json_type type;
  if (auto e = v.type().get(type)) return classify(e);
  if (type == ondemand::json_type::number) {
    const auto e = v.get_uint64().get(f.sequence);
    if (e == simdjson::SUCCESS) {
      f.sequence_kind = value_kind::number;
      return feed_errc::ok;
    }
    // Negative, fractional or too big: well-formed, but not a sequence number.
    if (e != simdjson::INCORRECT_TYPE && e != simdjson::NUMBER_OUT_OF_RANGE) return classify(e);
    f.sequence_kind = value_kind::other;
    return feed_errc::ok;
  }
  raw_value raw;
  if (auto e = read_raw(v, raw); e != feed_errc::ok) return e;
  f.sequence_kind = raw.kind == value_kind::null ? value_kind::null : value_kind::other;
  return feed_errc::ok;
}

// trade_id: a JSON integer, kept as its digits.
feed_errc read_trade_id_raw(ondemand::value& v, message_fields& f) noexcept {
  bool present = false;
  const feed_errc e = venue_json::read_trade_id(v, f.id, present);
  if (e == feed_errc::invalid_json) return e;
  if (e != feed_errc::ok) {
    f.trade_id_kind = value_kind::other;
    return feed_errc::ok;
  }
  f.trade_id_kind = present ? value_kind::number : value_kind::null;
  return feed_errc::ok;
}

feed_errc on_field(key k, ondemand::value& v, message_fields& f) noexcept {
  switch (k) {
    case key::type:
      return read_raw(v, f.type);
    case key::product_id:
      return read_raw(v, f.product);
    case key::time:
      return read_raw(v, f.time);
    case key::sequence:
      return read_sequence(v, f);
    case key::side:
      return read_raw(v, f.side);
    case key::size:
      return read_raw(v, f.size);
    case key::trade_id:
      return read_trade_id_raw(v, f);
    case key::other:
      return feed_errc::ok;
    default:
      return read_raw(
          v, f.decimals[static_cast<std::size_t>(k) - static_cast<std::size_t>(key::price)]);
  }
}

constexpr std::array<std::pair<decimal tick::*, tick_field>, decimal_keys> decimal_targets{{
    {&tick::last, tf_last},
    {&tick::open_24h, tf_open},
    {&tick::high_24h, tf_high},
    {&tick::low_24h, tf_low},
    {&tick::volume_base, tf_volume_base},
    {&tick::bid, tf_bid},
    {&tick::bid_qty, tf_bid_qty},
    {&tick::ask, tf_ask},
    {&tick::ask_qty, tf_ask_qty},
}};

// Fills the tick's decimals from a ticker's recorded values. Absent or null leaves a field unset.
feed_errc fill_decimals(const message_fields& f, tick& t) noexcept {
  for (std::size_t i = 0; i < decimal_keys; ++i) {
    const raw_value& v = f.decimals[i];
    switch (v.kind) {
      case value_kind::absent:
      case value_kind::null:
        continue;
      case value_kind::text:
        break;
      case value_kind::escaped:
        return feed_errc::bad_number;
      default:
        return feed_errc::unexpected_shape;  // a number, object, ... where a string belongs
    }
    const auto& [member, bit] = decimal_targets[i];
    if (decimal::parse(v.text, t.*member) != decimal_errc::ok) return feed_errc::bad_number;
    t.fields = static_cast<std::uint16_t>(t.fields | bit);
  }
  return feed_errc::ok;
}

}  // namespace

bool coinbase_adapter::parse_time_us(std::string_view s, std::int64_t& us) noexcept {
  // Coinbase never sends a leap second; ":60" is a malformed time here.
  if (s.size() > time_second_at + 1 && s[time_second_at] == '6' && s[time_second_at + 1] == '0') {
    return false;
  }
  return venue_time::parse_rfc3339_us(s, us);
}

coinbase_adapter::coinbase_adapter(const symbol_map& symbols, feed_streams streams)
    : wanted_(streams) {
  std::size_t slots = 0;
  for (const auto& [native, id] : symbols.entries()) {
    std::string upper(native);
    for (char& c : upper) c = to_upper(c);
    if (upper_.find(upper) == no_instrument) products_.push_back(upper);
    upper_.add(std::move(upper), id);
    if (static_cast<std::size_t>(id) + 1 > slots) slots = static_cast<std::size_t>(id) + 1;
  }
  sequences_.resize(slots);
  trade_ids_.resize(slots);
}

std::string coinbase_adapter::target(std::string_view url_path) const {
  return std::string(url_path.empty() ? default_path : url_path);
}

std::vector<std::string> coinbase_adapter::subscribe_messages() const {
  if (products_.empty()) return {};
  // The per-channel form documented for the heartbeat channel; product ids at the root of the
  // message are the other documented form, but some clients report root ids being refused.
  std::string ids = "[";
  for (std::size_t i = 0; i < products_.size(); ++i) {
    if (i != 0) ids += ',';
    json::append_string(ids, products_[i]);
  }
  ids += ']';
  // The ticker carries both the 24 h ticker and the best bid/ask; matches are the trades.
  std::string msg = R"({"type":"subscribe","channels":[)";
  auto channel = [&](std::string_view name) {
    msg += R"({"name":)";
    json::append_string(msg, name);
    msg += R"(,"product_ids":)";
    msg += ids;
    msg += "},";
  };
  // The book needs the ticker too: level2_batch has no sequence, and a lost l2update shows
  // only as a book the ticker contradicts (book_sync, coinbase_touch.hpp).
  if (venue_json::wants(wanted_, fs_ticker) || venue_json::wants(wanted_, fs_bbo) ||
      venue_json::wants(wanted_, fs_book)) {
    channel("ticker");
  }
  if (venue_json::wants(wanted_, fs_trades)) channel("matches");
  if (venue_json::wants(wanted_, fs_book)) channel("level2_batch");
  channel("heartbeat");
  msg.back() = ']';
  msg += '}';
  return {std::move(msg)};
}

void coinbase_adapter::reset() noexcept {
  for (auto& s : sequences_) s = sequence_state{};
  trade_ids_.reset();
}

parse_result coinbase_adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
                                     market_events& events) noexcept {
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

  message_fields f;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return fail(classify(e));
    const key k = classify_key(field.key());
    if (k == key::other) continue;
    if (auto e = on_field(k, field.value(), f); e != feed_errc::ok) return fail(e);
  }
  // Everything after the root object must be whitespace.
  if (!doc.current_location().error()) return fail(feed_errc::invalid_json);

  // "All messages have a type attribute."
  if (f.type.kind != value_kind::text) return fail(feed_errc::unexpected_shape);
  const std::string_view type = f.type.text;
  const bool is_ticker = type == type_ticker;
  const bool is_heartbeat = type == type_heartbeat;
  if (type == type_match || type == type_last_match) {
    return parse_match(f, type == type_last_match, recv_ts_us, events);
  }
  if (!is_ticker && !is_heartbeat) {
    result.kind = frame_kind::control;
    if (type == type_error) return fail(feed_errc::venue_error);
    // `subscriptions`, and any type added later: "clients are expected to ignore messages
    // they do not support".
    return result;
  }

  // Both carry the product; a sequence that is present must be a number.
  if (f.product.kind != value_kind::text) return fail(feed_errc::unexpected_shape);
  if (f.sequence_kind == value_kind::other) return fail(feed_errc::unexpected_shape);
  const bool has_sequence = f.sequence_kind == value_kind::number;
  std::int64_t time_us = 0;  // 0: the venue gave no time (the aggregator keeps its previous one)
  if (f.time.kind == value_kind::text) {
    if (!parse_time_us(f.time.text, time_us)) return fail(feed_errc::unexpected_shape);
  } else if (f.time.kind != value_kind::absent && f.time.kind != value_kind::null) {
    return fail(feed_errc::unexpected_shape);
  }
  const instrument_id id = upper_.find(f.product.text);

  if (is_heartbeat) {
    result.kind = frame_kind::control;
    if (!has_sequence) return fail(feed_errc::unexpected_shape);
    if (id == no_instrument) return result;  // a product we did not ask for: nothing to check
    // A heartbeat repeats the product's current sequence number instead of taking a new one,
    // so anything above the last one seen means messages were missed.
    sequence_state& s = sequences_[id];
    if (s.known && f.sequence > s.last) result.gaps = 1;
    if (!s.known || f.sequence > s.last) s.last = f.sequence;
    s.known = true;
    return result;
  }

  // A ticker: read everything before touching any state, so a bad frame changes nothing.
  tick t;
  if (auto e = fill_decimals(f, t); e != feed_errc::ok) return fail(e);
  if (!t.has(tf_last)) return fail(feed_errc::unexpected_shape);  // price is required
  if (id == no_instrument) {
    result.unknown_symbols = 1;
    return result;
  }
  if (has_sequence) {
    sequence_state& s = sequences_[id];
    // At or below the last ticker: a duplicate or an older message; nothing new to publish.
    if (s.ticker_known && f.sequence <= s.last_ticker) return result;
    if (s.known && f.sequence > s.last + 1) result.gaps = 1;
    if (!s.known || f.sequence > s.last) s.last = f.sequence;
    s.known = true;
    s.last_ticker = f.sequence;
    s.ticker_known = true;
  }
  t.venue = venue_id::coinbase;
  t.instrument = id;
  t.exchange_ts_us = time_us;
  t.recv_ts_us = recv_ts_us;
  if (venue_json::wants(wanted_, fs_ticker)) {
    events.ticks.push_back(t);  // vector growth is the caller's; it reserves once and reuses
  }
  if (venue_json::wants(wanted_, fs_bbo) && (t.has(tf_bid) || t.has(tf_ask))) {
    top_of_book q;
    q.venue = venue_id::coinbase;
    q.instrument = id;
    q.has_bid = t.has(tf_bid) && t.has(tf_bid_qty);
    q.has_ask = t.has(tf_ask) && t.has(tf_ask_qty);
    q.bid = t.bid;
    q.bid_size = t.bid_qty;
    q.ask = t.ask;
    q.ask_size = t.ask_qty;
    q.venue_seq = has_sequence ? f.sequence : 0;
    if (f.time.kind == value_kind::text) parse_time_us(f.time.text, q.exchange_ts_us);
    q.recv_ts_us = recv_ts_us;
    events.quotes.push_back(q);
  }
  return result;
}

// A `match` (or the `last_match` sent once on subscribing). `side` is the MAKER's side ("the
// side field indicates the maker order side"): a sell maker means the taker bought.
parse_result coinbase_adapter::parse_match(const coinbase_detail::message_fields& f,
                                           bool last_match, std::int64_t recv_ts_us,
                                           market_events& out) noexcept {
  parse_result result;
  auto fail = [&result](feed_errc e) {
    result.error = e;
    return result;
  };
  if (f.product.kind != value_kind::text || f.trade_id_kind != value_kind::number ||
      f.side.kind != value_kind::text || f.time.kind != value_kind::text) {
    return fail(feed_errc::unexpected_shape);
  }
  trade t;
  const raw_value& price = f.decimals[0];  // "price"
  for (const raw_value* v : {&price, &f.size}) {
    if (v->kind == value_kind::escaped) return fail(feed_errc::bad_number);
    if (v->kind != value_kind::text) return fail(feed_errc::unexpected_shape);
  }
  if (decimal::parse(price.text, t.price) != decimal_errc::ok ||
      decimal::parse(f.size.text, t.size) != decimal_errc::ok) {
    return fail(feed_errc::bad_number);
  }
  if (f.side.text == "sell") {
    t.side = taker_side::buy;
  } else if (f.side.text == "buy") {
    t.side = taker_side::sell;
  } else {
    return fail(feed_errc::unexpected_shape);
  }
  if (!parse_time_us(f.time.text, t.exchange_ts_us)) return fail(feed_errc::unexpected_shape);
  const auto n = f.id.number();
  if (!n) return fail(feed_errc::unexpected_shape);
  const instrument_id id = upper_.find(f.product.text);
  if (id == no_instrument) {
    result.unknown_symbols = 1;
    return result;
  }
  const auto verdict = trade_ids_.check(id, *n, true);
  // last_match is the trade before the subscription: it only seeds the id check (after a
  // reconnect it is usually one already delivered).
  if (last_match) {
    result.kind = frame_kind::control;
    return result;
  }
  if (!venue_json::publish_trade(verdict, result)) return result;
  t.id = f.id;
  t.venue = venue_id::coinbase;
  t.instrument = id;
  t.recv_ts_us = recv_ts_us;
  out.trades.push_back(t);
  return result;
}

std::unique_ptr<venue_adapter> make_coinbase_adapter(const symbol_map& symbols,
                                                     feed_streams streams) {
  return std::make_unique<coinbase_adapter>(symbols, streams);
}

}  // namespace tickerd
