#include "sim/bybit_encode.hpp"

#include <algorithm>
#include <cstdio>

#include "sim/sim_hash.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::bybit {
namespace {

constexpr std::size_t ticker_reserve = 384;
constexpr std::size_t book_reserve = 192;
constexpr std::int64_t bps_per_unit = 10'000;
constexpr std::int64_t max_offset_bps = 5;
// The matching engine made the book a moment before the push: the documented example
// has "cts" 2 ms before "ts".
constexpr std::int64_t engine_lead_ms = 2;

// "20575.00" -> "20575", "0.0190" -> "0.019": the spot ticker's spelling of a decimal.
void append_trimmed(std::string& out, decimal d) {
  char buf[decimal::max_chars];
  char* end = d.to_chars(buf);
  if (d.scale() > 0) {
    while (end[-1] == '0') --end;
    if (end[-1] == '.') --end;
  }
  out.push_back('"');
  out.append(buf, end);
  out.push_back('"');
}

void append_trimmed_field(std::string& out, std::string_view key, decimal d) {
  json::append_key(out, key);
  append_trimmed(out, d);
}

void append_int_field(std::string& out, std::string_view key, std::int64_t v) {
  json::append_key(out, key);
  json::append_int(out, v);
}

void append_level(std::string& out, decimal price, decimal size) {
  out.append("[[");
  json::append_decimal(out, price);
  out.push_back(',');
  json::append_decimal(out, size);
  out.append("]]");
}

std::int64_t shifted(std::int64_t ticks, std::int64_t offset) noexcept {
  return std::max<std::int64_t>(1, ticks + offset);
}

}  // namespace

std::string ticker_topic(const symbol_spec& spec) {
  return std::string(ticker_prefix) + spec.native();
}

std::string book_topic(const symbol_spec& spec) {
  return std::string(book_prefix) + spec.native();
}

std::int64_t venue_offset_ticks(const symbol_spec& spec, std::uint64_t seed) noexcept {
  std::uint64_t state = seed ^ fnv1a(spec.native(), fnv1a("bybit:"));
  const std::uint64_t r = splitmix64(state);
  const auto bps = static_cast<std::int64_t>(1 + r % max_offset_bps);
  std::int64_t offset = spec.start_price * bps / bps_per_unit;
  if (offset == 0) offset = 1;
  return (r >> 63) != 0 ? -offset : offset;
}

symbol_state venue_view(const symbol_state& s, std::int64_t offset_ticks) noexcept {
  symbol_state v = s;
  v.last = shifted(s.last, offset_ticks);
  v.open_24h = shifted(s.open_24h, offset_ticks);
  v.high_24h = shifted(s.high_24h, offset_ticks);
  v.low_24h = shifted(s.low_24h, offset_ticks);
  v.bid = shifted(s.bid, offset_ticks);
  v.ask = std::max(shifted(s.ask, offset_ticks), v.bid + 1);
  return v;
}

std::string connection_id(std::uint64_t seed, std::uint64_t n) {
  std::uint64_t state = seed ^ fnv1a("bybit-conn") ^ (n * 0x9e3779b97f4a7c15ull);
  const std::uint64_t a = splitmix64(state);
  const std::uint64_t b = splitmix64(state);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

std::string encode_ticker(const symbol_spec& spec, const symbol_state& v, std::int64_t ts_ms,
                          std::int64_t cs) {
  std::string out;
  out.reserve(ticker_reserve);
  out.append("{\"topic\":");
  json::append_string(out, ticker_topic(spec));
  append_int_field(out, "ts", ts_ms);
  out.append(R"(,"type":"snapshot")");
  append_int_field(out, "cs", cs);
  out.append(",\"data\":{");
  json::append_key(out, "symbol");
  json::append_string(out, spec.native());
  append_trimmed_field(out, "lastPrice", spec.price(v.last));
  append_trimmed_field(out, "highPrice24h", spec.price(v.high_24h));
  append_trimmed_field(out, "lowPrice24h", spec.price(v.low_24h));
  append_trimmed_field(out, "prevPrice24h", spec.price(v.open_24h));
  append_trimmed_field(out, "volume24h", spec.qty(v.volume_base));
  append_trimmed_field(out, "turnover24h", decimal(v.volume_quote, spec.quote_volume_scale()));
  // The percent at 2 decimals is the fraction at 4: the same mantissa.
  const decimal pct = change_pct(v.last, v.open_24h, change_fraction_scale - 2);
  append_trimmed_field(out, "price24hPcnt", decimal(pct.mantissa(), change_fraction_scale));
  json::append_key(out, "usdIndexPrice");
  decimal mid;
  if ((spec.quote == "USDT" || spec.quote == "USDC") &&
      decimal::midpoint(spec.price(v.bid), spec.price(v.ask), mid)) {
    append_trimmed(out, mid);
  } else {
    out.append("\"\"");
  }
  out.append("}}");
  return out;
}

std::string encode_book(const symbol_spec& spec, const symbol_state& v, std::int64_t ts_ms,
                        std::int64_t update_id, std::int64_t seq) {
  std::string out;
  out.reserve(book_reserve);
  out.append("{\"topic\":");
  json::append_string(out, book_topic(spec));
  append_int_field(out, "ts", ts_ms);
  out.append(R"(,"type":"snapshot","data":{)");
  json::append_key(out, "s");
  json::append_string(out, spec.native());
  json::append_key(out, "b");
  append_level(out, spec.price(v.bid), spec.qty(v.bid_qty));
  json::append_key(out, "a");
  append_level(out, spec.price(v.ask), spec.qty(v.ask_qty));
  append_int_field(out, "u", update_id);
  append_int_field(out, "seq", seq);
  out.push_back('}');
  append_int_field(out, "cts", ts_ms - engine_lead_ms);
  out.push_back('}');
  return out;
}

std::string encode_reply(bool success, std::string_view ret_msg, std::string_view conn_id,
                         const std::optional<std::string>& req_id, std::string_view op) {
  std::string out;
  out.reserve(96 + ret_msg.size() + (req_id ? req_id->size() : 0));
  out.append(success ? "{\"success\":true" : "{\"success\":false");
  json::append_key(out, "ret_msg");
  json::append_string(out, ret_msg);
  json::append_key(out, "conn_id");
  json::append_string(out, conn_id);
  if (req_id) {
    json::append_key(out, "req_id");
    json::append_string(out, *req_id);
  }
  json::append_key(out, "op");
  json::append_string(out, op);
  out.push_back('}');
  return out;
}

std::string encode_pong(std::string_view conn_id, const std::optional<std::string>& req_id) {
  return encode_reply(true, "pong", conn_id, req_id, "ping");
}

}  // namespace tickerd::sim::bybit
