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

constexpr std::int64_t seconds_per_day = 86'400;
constexpr std::size_t time_min_chars = 20;  // "2022-10-19T23:28:22Z"

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
      return s == "type" ? key::type : s == "time" ? key::time : key::other;
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
  value_kind sequence_kind = value_kind::absent;
  std::uint64_t sequence = 0;
  std::array<raw_value, decimal_keys> decimals{};
};

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

bool two_digits(std::string_view s, std::size_t at, int& out) noexcept {
  const char a = s[at];
  const char b = s[at + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return false;
  out = (a - '0') * 10 + (b - '0');
  return true;
}

bool is_leap(int y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) noexcept {
  static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[static_cast<std::size_t>(m - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146'097 + doe - 719'468;
}

}  // namespace

bool coinbase_adapter::parse_time_us(std::string_view s, std::int64_t& us) noexcept {
  if (s.size() < time_min_chars) return false;
  int century = 0;
  int year2 = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!two_digits(s, 0, century) || !two_digits(s, 2, year2) || s[4] != '-' ||
      !two_digits(s, 5, month) || s[7] != '-' || !two_digits(s, 8, day) ||
      (s[10] != 'T' && s[10] != 't') || !two_digits(s, 11, hour) || s[13] != ':' ||
      !two_digits(s, 14, minute) || s[16] != ':' || !two_digits(s, 17, second)) {
    return false;
  }
  const int year = century * 100 + year2;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  std::size_t pos = 19;
  int micros = 0;
  if (s[pos] == '.') {
    const std::size_t first = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - first < 6) micros = micros * 10 + (s[pos] - '0');
      ++pos;
    }
    const std::size_t n = pos - first;
    if (n == 0) return false;
    for (std::size_t i = n; i < 6; ++i) micros *= 10;  // ".5" is 500000 µs
  }
  if (pos >= s.size()) return false;
  int offset_s = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    if (pos + 1 != s.size()) return false;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0;
    int om = 0;
    if (pos + 6 != s.size() || !two_digits(s, pos + 1, oh) || s[pos + 3] != ':' ||
        !two_digits(s, pos + 4, om) || oh > 23 || om > 59) {
      return false;
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
  } else {
    return false;
  }
  const std::int64_t secs = days_from_civil(year, month, day) * seconds_per_day + hour * 3600 +
                            minute * 60 + second - offset_s;
  us = secs * 1'000'000 + micros;  // micros >= 0, so this truncates towards the past
  return true;
}

coinbase_adapter::coinbase_adapter(const symbol_map& symbols) {
  std::size_t slots = 0;
  for (const auto& [native, id] : symbols.entries()) {
    std::string upper(native);
    for (char& c : upper) c = to_upper(c);
    if (upper_.find(upper) == no_instrument) products_.push_back(upper);
    upper_.add(std::move(upper), id);
    if (static_cast<std::size_t>(id) + 1 > slots) slots = static_cast<std::size_t>(id) + 1;
  }
  sequences_.resize(slots);
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
  std::string msg = R"({"type":"subscribe","channels":[{"name":"ticker","product_ids":)";
  msg += ids;
  msg += R"(},{"name":"heartbeat","product_ids":)";
  msg += ids;
  msg += "}]}";
  return {std::move(msg)};
}

void coinbase_adapter::reset() noexcept {
  for (auto& s : sequences_) s = sequence_state{};
}

parse_result coinbase_adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
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
  out.push_back(t);  // vector growth is the caller's; it reserves once and reuses
  return result;
}

std::unique_ptr<venue_adapter> make_coinbase_adapter(const symbol_map& symbols) {
  return std::make_unique<coinbase_adapter>(symbols);
}

}  // namespace tickerd
