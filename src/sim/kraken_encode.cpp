#include "sim/kraken_encode.hpp"

#include <algorithm>

#include "sim/sim_hash.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::kraken {
namespace {

constexpr std::size_t ticker_reserve = 384;
constexpr std::size_t reply_reserve = 256;
constexpr std::int64_t us_per_day = 86'400'000'000;
constexpr std::int64_t max_offset_bps = 5;
constexpr std::int64_t bps_per_unit = 10'000;

// A JSON number at the decimal's own precision: 85205.70, 740.0.
void append_number(std::string& out, decimal d) {
  d.append_to(out);
}

// A size with Kraken's 8 decimals, padded as text so large volumes cannot overflow a rescale.
void append_qty(std::string& out, decimal d) {
  d.append_to(out);
  if (d.scale() < qty_scale) {
    if (d.scale() == 0) out.push_back('.');
    out.append(static_cast<std::size_t>(qty_scale - d.scale()), '0');
  }
}

void append_number_field(std::string& out, std::string_view key, decimal d) {
  json::append_key(out, key);
  append_number(out, d);
}

void append_qty_field(std::string& out, std::string_view key, decimal d) {
  json::append_key(out, key);
  append_qty(out, d);
}

void append_two_digits(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

void append_req_id(std::string& out, std::string_view req_id_json) {
  if (req_id_json.empty()) return;
  json::append_key(out, "req_id");
  out.append(req_id_json);
}

void append_times(std::string& out, reply_times t) {
  json::append_key(out, "time_in");
  out.push_back('"');
  append_rfc3339(out, t.time_in_us);
  out.push_back('"');
  json::append_key(out, "time_out");
  out.push_back('"');
  append_rfc3339(out, t.time_out_us);
  out.push_back('"');
}

}  // namespace

std::string native_symbol(const symbol_spec& spec) {
  return spec.base + "/" + spec.quote;
}

std::int64_t price_offset_ticks(const symbol_spec& spec, std::uint64_t seed) noexcept {
  const std::uint64_t h = mix64(seed ^ fnv1a("kraken:" + spec.native()));
  const auto bps = static_cast<std::int64_t>(1 + h % max_offset_bps);
  const std::int64_t ticks = std::max<std::int64_t>(1, spec.start_price * bps / bps_per_unit);
  return ((h >> 32) & 1) != 0 ? ticks : -ticks;
}

void append_rfc3339(std::string& out, std::int64_t wall_us) {
  // Floor division, so times before 1970 still print correctly.
  std::int64_t days = wall_us / us_per_day;
  std::int64_t in_day = wall_us % us_per_day;
  if (in_day < 0) {
    in_day += us_per_day;
    --days;
  }
  // H. Hinnant's civil_from_days.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  char buf[8];
  auto y = static_cast<int>(year);
  for (int i = 3; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + y % 10);
    y /= 10;
  }
  out.append(buf, 4);
  out.push_back('-');
  append_two_digits(out, month);
  out.push_back('-');
  append_two_digits(out, day);
  out.push_back('T');
  const std::int64_t secs = in_day / 1'000'000;
  append_two_digits(out, static_cast<int>(secs / 3600));
  out.push_back(':');
  append_two_digits(out, static_cast<int>(secs / 60 % 60));
  out.push_back(':');
  append_two_digits(out, static_cast<int>(secs % 60));
  out.push_back('.');
  auto micros = static_cast<int>(in_day % 1'000'000);
  for (int i = 5; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  out.append(buf, 6);
  out.push_back('Z');
}

std::string encode_ticker(const symbol_spec& spec, const symbol_state& s, std::int64_t offset_ticks,
                          std::int64_t event_time_us, bool snapshot) {
  const auto price = [&](std::int64_t ticks) {
    return spec.price(std::max<std::int64_t>(1, ticks + offset_ticks));
  };
  const decimal last = price(s.last);
  const decimal open = price(s.open_24h);
  const decimal model_vwap = weighted_avg_price(spec, s);
  const decimal vwap =
      model_vwap.is_zero() ? last : price(static_cast<std::int64_t>(model_vwap.mantissa()));

  std::string out;
  out.reserve(ticker_reserve);
  out.append(R"({"channel":"ticker","type":)");
  out.append(snapshot ? R"("snapshot")" : R"("update")");
  out.append(R"(,"data":[{"symbol":)");
  json::append_string(out, native_symbol(spec));
  append_number_field(out, "bid", price(s.bid));
  append_qty_field(out, "bid_qty", spec.qty(s.bid_qty));
  append_number_field(out, "ask", price(s.ask));
  append_qty_field(out, "ask_qty", spec.qty(s.ask_qty));
  append_number_field(out, "last", last);
  append_qty_field(out, "volume", spec.qty(s.volume_base));
  append_number_field(out, "vwap", vwap);
  append_number_field(out, "low", price(s.low_24h));
  append_number_field(out, "high", price(s.high_24h));
  append_number_field(out, "change", decimal(last.mantissa() - open.mantissa(), spec.price_scale));
  append_number_field(out, "change_pct",
                      change_pct(static_cast<std::int64_t>(last.mantissa()),
                                 static_cast<std::int64_t>(open.mantissa()), change_pct_scale));
  json::append_key(out, "timestamp");
  out.push_back('"');
  append_rfc3339(out, event_time_us);
  out.append("\"}]}");
  return out;
}

std::string encode_status(std::uint64_t connection_id) {
  std::string out;
  out.reserve(reply_reserve);
  out.append(R"({"channel":"status","data":[{"api_version":")");
  out.append(api_version);
  out.append(R"(","connection_id":)");
  out.append(std::to_string(connection_id));
  out.append(R"(,"system":"online","version":")");
  out.append(service_version);
  out.append(R"("}],"type":"update"})");
  return out;
}

std::string encode_subscribe_ack(std::string_view symbol, std::string_view event_trigger,
                                 bool snapshot, std::string_view req_id_json, reply_times t) {
  std::string out;
  out.reserve(reply_reserve);
  out.append(R"({"method":"subscribe")");
  append_req_id(out, req_id_json);
  out.append(R"(,"result":{"channel":"ticker","event_trigger":)");
  json::append_string(out, event_trigger);
  out.append(snapshot ? R"(,"snapshot":true)" : R"(,"snapshot":false)");
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  out.append(R"(},"success":true)");
  append_times(out, t);
  out.push_back('}');
  return out;
}

std::string encode_unsubscribe_ack(std::string_view symbol, std::string_view event_trigger,
                                   std::string_view req_id_json, reply_times t) {
  std::string out;
  out.reserve(reply_reserve);
  out.append(R"({"method":"unsubscribe")");
  append_req_id(out, req_id_json);
  out.append(R"(,"result":{"channel":"ticker","event_trigger":)");
  json::append_string(out, event_trigger);
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  out.append(R"(},"success":true)");
  append_times(out, t);
  out.push_back('}');
  return out;
}

std::string encode_pong(std::string_view req_id_json, reply_times t) {
  std::string out;
  out.reserve(reply_reserve);
  out.append(R"({"method":"pong")");
  append_req_id(out, req_id_json);
  append_times(out, t);
  out.push_back('}');
  return out;
}

std::string encode_error(std::string_view error, std::string_view method,
                         std::string_view req_id_json, std::string_view symbol, reply_times t) {
  std::string out;
  out.reserve(reply_reserve);
  out.append(R"({"error":)");
  json::append_string(out, error);
  if (!method.empty()) {
    json::append_key(out, "method");
    json::append_string(out, method);
  }
  append_req_id(out, req_id_json);
  out.append(R"(,"success":false)");
  if (!symbol.empty()) {
    json::append_key(out, "symbol");
    json::append_string(out, symbol);
  }
  append_times(out, t);
  out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::kraken
