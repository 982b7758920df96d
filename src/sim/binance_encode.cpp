#include "sim/binance_encode.hpp"

#include <cctype>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::binance {
namespace {

constexpr int fixed_scale = 8;
constexpr std::size_t ticker_reserve = 512;

std::int64_t in_unit(std::int64_t us, time_unit unit) noexcept {
  return unit == time_unit::microsecond ? us : us / 1000;
}

void append_amount_field(std::string& out, std::string_view key, decimal d,
                         const format_options& fmt) {
  json::append_key(out, key);
  append_amount(out, d, fmt);
}

void append_int_field(std::string& out, std::string_view key, std::int64_t v) {
  json::append_key(out, key);
  json::append_int(out, v);
}

}  // namespace

// With fixed8 the fraction is padded to 8 digits as text, which cannot overflow the way
// rescaling the mantissa could for large quote volumes.
void append_amount(std::string& out, decimal d, const format_options& fmt) {
  out.push_back('"');
  d.append_to(out);
  if (fmt.fixed8 && d.scale() < fixed_scale) {
    if (d.scale() == 0) out.push_back('.');
    out.append(static_cast<std::size_t>(fixed_scale - d.scale()), '0');
  }
  out.push_back('"');
}

std::string ticker_stream_name(const symbol_spec& spec) {
  std::string name = spec.native();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  name += "@ticker";
  return name;
}

void append_ticker(std::string& out, const symbol_spec& spec, const symbol_state& s,
                   std::int64_t event_time_us, time_unit unit, const format_options& fmt) {
  const std::int64_t event_time = in_unit(event_time_us, unit);
  // Statistics close a moment before the event is published, and open 24 h before that.
  const std::int64_t close_time = in_unit(event_time_us - 1000, unit);
  const std::int64_t window = unit == time_unit::microsecond ? window_ms * 1000 : window_ms;

  out.push_back('{');
  json::append_key(out, "e");
  out.append("\"24hrTicker\"");
  append_int_field(out, "E", event_time);
  json::append_key(out, "s");
  json::append_string(out, spec.native());
  append_amount_field(out, "p", spec.price(s.last - s.open_24h), fmt);
  json::append_key(out, "P");
  json::append_decimal(out, change_pct(s.last, s.open_24h, change_pct_scale));
  append_amount_field(out, "w", weighted_avg_price(spec, s), fmt);
  append_amount_field(out, "x", spec.price(s.open_24h), fmt);  // last price before the window
  append_amount_field(out, "c", spec.price(s.last), fmt);
  append_amount_field(out, "Q", spec.qty(s.last_qty), fmt);
  append_amount_field(out, "b", spec.price(s.bid), fmt);
  append_amount_field(out, "B", spec.qty(s.bid_qty), fmt);
  append_amount_field(out, "a", spec.price(s.ask), fmt);
  append_amount_field(out, "A", spec.qty(s.ask_qty), fmt);
  append_amount_field(out, "o", spec.price(s.open_24h), fmt);
  append_amount_field(out, "h", spec.price(s.high_24h), fmt);
  append_amount_field(out, "l", spec.price(s.low_24h), fmt);
  append_amount_field(out, "v", spec.qty(s.volume_base), fmt);
  append_amount_field(out, "q", decimal(s.volume_quote, spec.quote_volume_scale()), fmt);
  append_int_field(out, "O", close_time - window);
  append_int_field(out, "C", close_time);
  append_int_field(out, "F", s.first_trade_id);
  append_int_field(out, "L", s.last_trade_id());
  append_int_field(out, "n", s.trade_count);
  out.push_back('}');
}

std::string encode_ticker(const symbol_spec& spec, const symbol_state& state,
                          std::int64_t event_time_us, time_unit unit, const format_options& fmt,
                          bool combined) {
  std::string out;
  out.reserve(ticker_reserve);
  if (combined) {
    out.append("{\"stream\":");
    json::append_string(out, ticker_stream_name(spec));
    out.append(",\"data\":");
  }
  append_ticker(out, spec, state, event_time_us, unit, fmt);
  if (combined) out.push_back('}');
  return out;
}

std::string encode_server_shutdown(std::int64_t event_time_us, time_unit unit, bool combined) {
  std::string out;
  out.reserve(96);
  if (combined) out.append(R"({"stream":"!serverShutdown","data":)");
  out.append(R"({"e":"serverShutdown","E":)");
  json::append_int(out, in_unit(event_time_us, unit));
  out.push_back('}');
  if (combined) out.push_back('}');
  return out;
}

// ---- <symbol>@miniTicker ---------------------------------------------------------------

std::string mini_ticker_stream_name(const symbol_spec& spec) {
  std::string name = spec.native();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  name += "@miniTicker";
  return name;
}

void append_mini_ticker(std::string& out, const symbol_spec& spec, const symbol_state& s,
                        std::int64_t event_time_us, time_unit unit, const format_options& fmt) {
  out.push_back('{');
  json::append_key(out, "e");
  out.append("\"24hrMiniTicker\"");
  append_int_field(out, "E", in_unit(event_time_us, unit));
  json::append_key(out, "s");
  json::append_string(out, spec.native());
  append_amount_field(out, "c", spec.price(s.last), fmt);
  append_amount_field(out, "o", spec.price(s.open_24h), fmt);
  append_amount_field(out, "h", spec.price(s.high_24h), fmt);
  append_amount_field(out, "l", spec.price(s.low_24h), fmt);
  append_amount_field(out, "v", spec.qty(s.volume_base), fmt);
  append_amount_field(out, "q", decimal(s.volume_quote, spec.quote_volume_scale()), fmt);
  out.push_back('}');
}

std::string encode_mini_ticker(const symbol_spec& spec, const symbol_state& state,
                               std::int64_t event_time_us, time_unit unit,
                               const format_options& fmt, bool combined) {
  std::string out;
  out.reserve(ticker_reserve);
  if (combined) {
    out.append("{\"stream\":");
    json::append_string(out, mini_ticker_stream_name(spec));
    out.append(",\"data\":");
  }
  append_mini_ticker(out, spec, state, event_time_us, unit, fmt);
  if (combined) out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::binance
