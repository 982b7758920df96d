#include "sim/binance_streams.hpp"

#include <cctype>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::binance {
namespace {

constexpr std::size_t event_reserve = 256;

std::string stream_name(const symbol_spec& spec, std::string_view suffix) {
  std::string name = spec.native();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  name += suffix;
  return name;
}

void open_event(std::string& out, const std::string& stream, bool combined) {
  out.reserve(event_reserve);
  if (!combined) return;
  out.append("{\"stream\":");
  json::append_string(out, stream);
  out.append(",\"data\":");
}

}  // namespace

std::string trade_stream_name(const symbol_spec& spec) {
  return stream_name(spec, "@trade");
}

std::string book_ticker_stream_name(const symbol_spec& spec) {
  return stream_name(spec, "@bookTicker");
}

std::int64_t book_update_id(const symbol_state& s) noexcept {
  // Both terms grow with every event, so "u" does too.
  return s.last_trade_id() + static_cast<std::int64_t>(s.seq);
}

std::string encode_trade(const symbol_spec& spec, const trade_print& t, std::int64_t event_time_us,
                         time_unit unit, const format_options& fmt, bool combined) {
  const std::int64_t time = unit == time_unit::microsecond ? event_time_us : event_time_us / 1000;
  std::string out;
  open_event(out, trade_stream_name(spec), combined);
  out.append(R"({"e":"trade","E":)");
  json::append_int(out, time);
  out.append(R"(,"s":)");
  json::append_string(out, spec.native());
  out.append(R"(,"t":)");
  json::append_int(out, t.id);
  out.append(R"(,"p":)");
  append_amount(out, spec.price(t.price), fmt);
  out.append(R"(,"q":)");
  append_amount(out, spec.qty(t.qty), fmt);
  out.append(R"(,"T":)");
  json::append_int(out, time);
  out.append(t.taker_buy ? R"(,"m":false,"M":true})" : R"(,"m":true,"M":true})");
  if (combined) out.push_back('}');
  return out;
}

std::string encode_book_ticker(const symbol_spec& spec, const symbol_state& s,
                               const format_options& fmt, bool combined) {
  std::string out;
  open_event(out, book_ticker_stream_name(spec), combined);
  out.append(R"({"u":)");
  json::append_int(out, book_update_id(s));
  out.append(R"(,"s":)");
  json::append_string(out, spec.native());
  out.append(R"(,"b":)");
  append_amount(out, spec.price(s.bid), fmt);
  out.append(R"(,"B":)");
  append_amount(out, spec.qty(s.bid_qty), fmt);
  out.append(R"(,"a":)");
  append_amount(out, spec.price(s.ask), fmt);
  out.append(R"(,"A":)");
  append_amount(out, spec.qty(s.ask_qty), fmt);
  out.push_back('}');
  if (combined) out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::binance
