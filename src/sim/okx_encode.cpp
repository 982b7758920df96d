#include "sim/okx_encode.hpp"

#include <algorithm>
#include <limits>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::okx {
namespace {

constexpr std::size_t ticker_reserve = 512;
constexpr std::int64_t bps_per_unit = 10'000;

// __extension__ keeps -Wpedantic quiet about the GCC/Clang 128-bit integer.
__extension__ using int128 = __int128;

std::int64_t scale_volume(std::int64_t v) noexcept {
  return static_cast<std::int64_t>(static_cast<int128>(v) * volume_share_num / volume_share_den);
}

void append_amount_field(std::string& out, std::string_view key, decimal d) {
  json::append_key(out, key);
  out.push_back('"');
  append_trimmed(out, d);
  out.push_back('"');
}

void append_tail(std::string& out, std::string_view conn_id) {
  json::append_key(out, "connId");
  json::append_string(out, conn_id);
  out.push_back('}');
}

void append_head(std::string& out, std::string_view id, std::string_view event) {
  out.push_back('{');
  if (!id.empty()) {
    json::append_key(out, "id");
    json::append_string(out, id);
  }
  json::append_key(out, "event");
  json::append_string(out, event);
}

}  // namespace

std::string inst_id(const symbol_spec& spec) {
  std::string id;
  id.reserve(spec.base.size() + 1 + spec.quote.size());
  id.append(spec.base);
  id.push_back('-');
  id.append(spec.quote);
  return id;
}

std::int64_t offset_price(std::int64_t ticks) noexcept {
  const auto offset =
      static_cast<std::int64_t>(static_cast<int128>(ticks) * price_offset_bps / bps_per_unit);
  const std::int64_t step = std::max<std::int64_t>(1, offset);
  return ticks > std::numeric_limits<std::int64_t>::max() - step ? ticks : ticks + step;
}

symbol_state venue_view(const symbol_state& m) {
  symbol_state v = m;
  // The offset grows with the price, so bid < ask and low <= last <= high still hold.
  v.last = offset_price(m.last);
  v.open_24h = offset_price(m.open_24h);
  v.high_24h = offset_price(m.high_24h);
  v.low_24h = offset_price(m.low_24h);
  v.bid = offset_price(m.bid);
  v.ask = offset_price(m.ask);
  v.volume_base = scale_volume(m.volume_base);
  v.volume_quote = scale_volume(m.volume_quote);
  return v;
}

void append_trimmed(std::string& out, decimal d) {
  char buf[decimal::max_chars];
  const char* end = d.to_chars(buf);
  if (d.scale() > 0) {
    while (end[-1] == '0') --end;
    if (end[-1] == '.') --end;
  }
  out.append(buf, static_cast<std::size_t>(end - buf));
}

std::string encode_ticker(const symbol_spec& spec, const symbol_state& s,
                          std::int64_t event_time_us) {
  const std::string inst = inst_id(spec);
  std::string out;
  out.reserve(ticker_reserve);
  out.append(R"({"arg":{"channel":"tickers","instId":)");
  json::append_string(out, inst);
  out.append(R"(},"data":[{"instType":"SPOT")");
  json::append_key(out, "instId");
  json::append_string(out, inst);
  append_amount_field(out, "last", spec.price(s.last));
  append_amount_field(out, "lastSz", spec.qty(s.last_qty));
  append_amount_field(out, "askPx", spec.price(s.ask));
  append_amount_field(out, "askSz", spec.qty(s.ask_qty));
  append_amount_field(out, "bidPx", spec.price(s.bid));
  append_amount_field(out, "bidSz", spec.qty(s.bid_qty));
  append_amount_field(out, "open24h", spec.price(s.open_24h));
  append_amount_field(out, "high24h", spec.price(s.high_24h));
  append_amount_field(out, "low24h", spec.price(s.low_24h));
  // SPOT: volCcy24h is the quote volume, vol24h the base volume.
  append_amount_field(out, "volCcy24h", decimal(s.volume_quote, spec.quote_volume_scale()));
  append_amount_field(out, "vol24h", spec.qty(s.volume_base));
  // The model keeps no intraday history: both day opens show the 24 h open.
  append_amount_field(out, "sodUtc0", spec.price(s.open_24h));
  append_amount_field(out, "sodUtc8", spec.price(s.open_24h));
  json::append_key(out, "ts");
  out.push_back('"');
  json::append_int(out, event_time_us / 1000);
  out.append("\"}]}");
  return out;
}

std::string encode_ack(std::string_view event, std::string_view channel, std::string_view inst,
                       std::string_view id, std::string_view conn_id) {
  std::string out;
  out.reserve(128);
  append_head(out, id, event);
  json::append_key(out, "arg");
  out.push_back('{');
  json::append_key(out, "channel");
  json::append_string(out, channel);
  if (!inst.empty()) {
    json::append_key(out, "instId");
    json::append_string(out, inst);
  }
  out.push_back('}');
  append_tail(out, conn_id);
  return out;
}

std::string encode_error(std::string_view code, std::string_view msg, std::string_view id,
                         std::string_view conn_id) {
  std::string out;
  out.reserve(96 + msg.size());
  append_head(out, id, "error");
  json::append_key(out, "code");
  json::append_string(out, code);
  json::append_key(out, "msg");
  json::append_string(out, msg);
  append_tail(out, conn_id);
  return out;
}

std::string encode_upgrade_notice(std::string_view conn_id) {
  std::string out;
  out.reserve(160);
  append_head(out, {}, "notice");
  json::append_key(out, "code");
  json::append_string(out, "64008");
  json::append_key(out, "msg");
  json::append_string(
      out, "The connection will soon be closed for a service upgrade. Please reconnect.");
  append_tail(out, conn_id);
  return out;
}

}  // namespace tickerd::sim::okx
