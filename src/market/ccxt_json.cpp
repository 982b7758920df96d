#include "tickerd/market/ccxt_json.hpp"

#include <algorithm>
#include <optional>

#include "tickerd/core/json_writer.hpp"
#include "tickerd/market/trade_json.hpp"

namespace tickerd {
namespace {

constexpr std::int64_t ms_per_day = 86'400'000;
constexpr std::int64_t us_per_ms = 1'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a % b < 0) != (b < 0)) ? q - 1 : q;
}

void append_padded(std::string& out, std::int64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < static_cast<int>(sizeof buf));
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(buf[--n]);
}

void key_null(std::string& out, std::string_view key) {
  json::append_key(out, key);
  out.append("null");
}

void key_decimal(std::string& out, std::string_view key, std::optional<decimal> d) {
  json::append_key(out, key);
  if (d) {
    json::append_decimal(out, *d);
  } else {
    out.append("null");
  }
}

// "timestamp" and "datetime" from ms since the epoch; both null when unknown (0).
void append_time(std::string& out, std::int64_t ms) {
  json::append_key(out, "timestamp");
  if (ms == 0) {
    out.append("null");
    key_null(out, "datetime");
    return;
  }
  json::append_int(out, ms);
  json::append_key(out, "datetime");
  out.push_back('"');
  append_iso8601_ms(out, ms);
  out.push_back('"');
}

void append_bid_ask(std::string& out, std::optional<decimal> bid, std::optional<decimal> bid_qty,
                    std::optional<decimal> ask, std::optional<decimal> ask_qty) {
  key_decimal(out, "bid", bid);
  key_decimal(out, "bidVolume", bid_qty);
  key_decimal(out, "ask", ask);
  key_decimal(out, "askVolume", ask_qty);
}

// quote / base at `scale` fraction digits, rounded half away from zero: the 24 h volume-weighted
// average price at the precision of the venue's prices. nullopt when it is undefined or does not
// fit.
std::optional<decimal> vwap(decimal quote, decimal base, int scale) {
  __extension__ using u128 = unsigned __int128;
  if (quote.is_negative() || base.is_negative() || base.is_zero()) return std::nullopt;
  u128 num = static_cast<u128>(quote.mantissa());
  u128 den = static_cast<u128>(base.mantissa());
  const auto times_ten_to = [](u128& v, int n) {
    for (int i = 0; i < n; ++i) {
      if (__builtin_mul_overflow(v, static_cast<u128>(10), &v)) return false;
    }
    return true;
  };
  const int e = scale + base.scale() - quote.scale();
  if (!(e >= 0 ? times_ten_to(num, e) : times_ten_to(den, -e))) return std::nullopt;
  u128 q = num / den;
  const u128 r = num % den;
  if (r >= den - r) ++q;  // 2r >= den without overflowing 2r
  u128 bound = 1;
  if (!times_ten_to(bound, decimal::max_digits)) return std::nullopt;
  if (q >= bound) return std::nullopt;
  return decimal(static_cast<decimal::mantissa_type>(q), scale);
}

}  // namespace

std::string ccxt_symbol(std::string_view canonical) {
  std::string s(canonical);
  std::replace(s.begin(), s.end(), '-', '/');
  return s;
}

void append_iso8601_ms(std::string& out, std::int64_t ms) {
  // Days to civil date: H. Hinnant's days_from_civil inverse, exact for every int64 day.
  const std::int64_t days = floor_div(ms, ms_per_day);
  const std::int64_t of_day = ms - days * ms_per_day;
  const std::int64_t z = days + 719'468;
  const std::int64_t era = floor_div(z, 146'097);
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  constexpr std::int64_t ms_per_hour = 3'600'000;
  constexpr std::int64_t ms_per_minute = 60'000;
  constexpr std::int64_t ms_per_second = 1'000;
  append_padded(out, year, 4);
  out.push_back('-');
  append_padded(out, month, 2);
  out.push_back('-');
  append_padded(out, day, 2);
  out.push_back('T');
  append_padded(out, of_day / ms_per_hour, 2);
  out.push_back(':');
  append_padded(out, of_day % ms_per_hour / ms_per_minute, 2);
  out.push_back(':');
  append_padded(out, of_day % ms_per_minute / ms_per_second, 2);
  out.push_back('.');
  append_padded(out, of_day % ms_per_second, 3);
  out.push_back('Z');
}

namespace {

// Every key of the CCXT ticker but `info`, which the caller appends, then the closing brace.
void encode_ccxt_ticker_fields(std::string& out, const std::string& symbol,
                               const composite_ticker& c) {
  const tick& v = c.value;
  const auto get = [&v](tick_field f, decimal d) {
    return v.has(f) ? std::optional<decimal>(d) : std::nullopt;
  };
  const auto last = get(tf_last, v.last);
  const auto open = get(tf_open, v.open_24h);
  std::optional<decimal> change;
  std::optional<decimal> average;
  decimal d;
  if (last && open && decimal::sub(*last, *open, d)) change = d;
  if (last && open && decimal::midpoint(*open, *last, d)) average = d;

  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, ccxt_symbol(symbol));
  append_time(out, v.exchange_ts_us == 0 ? 0 : floor_div(v.exchange_ts_us, us_per_ms));
  key_decimal(out, "high", get(tf_high, v.high_24h));
  key_decimal(out, "low", get(tf_low, v.low_24h));
  append_bid_ask(out, get(tf_bid, v.bid), get(tf_bid_qty, v.bid_qty), get(tf_ask, v.ask),
                 get(tf_ask_qty, v.ask_qty));
  std::optional<decimal> average_price;
  if (last && v.has(tf_volume_base) && v.has(tf_volume_quote)) {
    average_price = vwap(v.volume_quote, v.volume_base, last->scale());
  }
  key_decimal(out, "vwap", average_price);
  key_decimal(out, "open", open);
  key_decimal(out, "close", last);
  key_decimal(out, "last", last);
  key_null(out, "previousClose");
  key_decimal(out, "change", change);
  key_decimal(out, "percentage",
              c.has_change ? std::optional<decimal>(c.change_pct) : std::nullopt);
  key_decimal(out, "average", average);
  key_decimal(out, "baseVolume", get(tf_volume_base, v.volume_base));
  key_decimal(out, "quoteVolume", get(tf_volume_quote, v.volume_quote));
  json::append_key(out, "info");
}

}  // namespace

void encode_ccxt_ticker(std::string& out, const std::string& symbol, const composite_ticker& c,
                        std::optional<venue_id> venue) {
  encode_ccxt_ticker_fields(out, symbol, c);
  if (venue) {
    encode_venue_ticker(out, symbol, *venue, c);
  } else {
    encode_ticker(out, symbol, c);
  }
  out.push_back('}');
}

void encode_ccxt_ticker(std::string& out, const std::string& symbol, const composite_ticker& c,
                        std::string_view native_data) {
  encode_ccxt_ticker_fields(out, symbol, c);
  out.append(native_data);
  out.push_back('}');
}

void encode_ccxt_trades(std::string& out, const std::string& symbol,
                        std::span<const trade> trades) {
  const std::string unified = ccxt_symbol(symbol);
  out.push_back('[');
  bool first = true;
  for (const auto& t : trades) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    json::append_key(out, "id");
    if (t.id.empty()) {
      out.append("null");
    } else {
      json::append_string(out, t.id.view());
    }
    append_time(out, t.exchange_ts_us == 0 ? 0 : floor_div(t.exchange_ts_us, us_per_ms));
    json::append_key(out, "symbol");
    json::append_string(out, unified);
    key_null(out, "order");
    key_null(out, "type");
    json::append_key(out, "side");
    if (t.side == taker_side::unknown) {
      out.append("null");
    } else {
      json::append_string(out, to_string(t.side));
    }
    json::append_key(out, "takerOrMaker");
    json::append_string(out, "taker");
    key_decimal(out, "price", t.price);
    key_decimal(out, "amount", t.size);
    decimal cost;
    key_decimal(out, "cost",
                decimal::mul(t.price, t.size, cost) ? std::optional<decimal>(cost) : std::nullopt);
    key_null(out, "fee");
    json::append_key(out, "fees");
    out.append("[]");
    json::append_key(out, "info");
    encode_trade(out, t, true);
    out.push_back('}');
  }
  out.push_back(']');
}

namespace {

// Every key of CCXT's watchBidsAsks ticker but `info`, which the caller appends, then '}'.
void encode_ccxt_top_fields(std::string& out, const std::string& symbol, std::int64_t ts_us,
                            std::optional<decimal> bid, std::optional<decimal> bid_qty,
                            std::optional<decimal> ask, std::optional<decimal> ask_qty) {
  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, ccxt_symbol(symbol));
  append_time(out, ts_us == 0 ? 0 : floor_div(ts_us, us_per_ms));
  append_bid_ask(out, bid, bid_qty, ask, ask_qty);
  json::append_key(out, "info");
}

void encode_ccxt_bbo_fields(std::string& out, const std::string& symbol,
                            const consolidated_top& top) {
  const auto side = [](const bbo_side& s, bool qty) {
    return s.present ? std::optional<decimal>(qty ? s.qty : s.price) : std::nullopt;
  };
  encode_ccxt_top_fields(out, symbol, std::max(top.bid.exchange_ts_us, top.ask.exchange_ts_us),
                         side(top.bid, false), side(top.bid, true), side(top.ask, false),
                         side(top.ask, true));
}

void encode_ccxt_venue_bbo_fields(std::string& out, const std::string& symbol,
                                  const top_of_book& quote) {
  const auto opt = [](bool has, decimal d) {
    return has ? std::optional<decimal>(d) : std::nullopt;
  };
  encode_ccxt_top_fields(out, symbol, quote.exchange_ts_us, opt(quote.has_bid, quote.bid),
                         opt(quote.has_bid, quote.bid_size), opt(quote.has_ask, quote.ask),
                         opt(quote.has_ask, quote.ask_size));
}

}  // namespace

void encode_ccxt_bbo(std::string& out, const std::string& symbol, const consolidated_top& top) {
  encode_ccxt_bbo_fields(out, symbol, top);
  encode_bbo(out, symbol, top);
  out.push_back('}');
}

void encode_ccxt_bbo(std::string& out, const std::string& symbol, const consolidated_top& top,
                     std::string_view native_data) {
  encode_ccxt_bbo_fields(out, symbol, top);
  out.append(native_data);
  out.push_back('}');
}

void encode_ccxt_venue_bbo(std::string& out, const std::string& symbol, const top_of_book& quote,
                           bool stale) {
  encode_ccxt_venue_bbo_fields(out, symbol, quote);
  encode_venue_bbo(out, symbol, quote, stale);
  out.push_back('}');
}

void encode_ccxt_venue_bbo(std::string& out, const std::string& symbol, const top_of_book& quote,
                           std::string_view native_data) {
  encode_ccxt_venue_bbo_fields(out, symbol, quote);
  out.append(native_data);
  out.push_back('}');
}

}  // namespace tickerd
