#include "sim/kraken_streams.hpp"

#include <algorithm>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::kraken {
namespace {

constexpr std::size_t per_trade_reserve = 176;
constexpr std::size_t reply_reserve = 256;

void append_qty(std::string& out, decimal d) {
  d.append_to(out);
  if (d.scale() < qty_scale) {
    if (d.scale() == 0) out.push_back('.');
    out.append(static_cast<std::size_t>(qty_scale - d.scale()), '0');
  }
}

void append_quoted_time(std::string& out, std::int64_t us) {
  out.push_back('"');
  append_rfc3339(out, us);
  out.push_back('"');
}

}  // namespace

std::string encode_trades(const symbol_spec& spec, std::span<const timed_trade> trades,
                          std::int64_t offset_ticks, bool snapshot) {
  std::string out;
  out.reserve(64 + per_trade_reserve * trades.size());
  out.append(snapshot ? R"({"channel":"trade","type":"snapshot","data":[)"
                      : R"({"channel":"trade","type":"update","data":[)");
  const std::string symbol = native_symbol(spec);
  bool first = true;
  for (const timed_trade& tt : trades) {
    const trade_print& t = tt.trade;
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"symbol":)");
    json::append_string(out, symbol);
    out.append(t.taker_buy ? R"(,"side":"buy","price":)" : R"(,"side":"sell","price":)");
    spec.price(std::max<std::int64_t>(1, t.price + offset_ticks)).append_to(out);
    out.append(R"(,"qty":)");
    append_qty(out, spec.qty(t.qty));
    // Most takers are market orders; every third a marketable limit (the sim's mix).
    out.append(t.id % 3 == 0 ? R"(,"ord_type":"limit","trade_id":)"
                             : R"(,"ord_type":"market","trade_id":)");
    json::append_int(out, t.id);
    out.append(R"(,"timestamp":)");
    append_quoted_time(out, tt.time_us);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string encode_channel_ack(std::string_view method, std::string_view channel,
                               std::string_view symbol, bool snapshot, std::string_view req_id_json,
                               reply_times t) {
  const bool subscribe = method == "subscribe";
  std::string out;
  out.reserve(reply_reserve);
  out.append(R"({"method":)");
  json::append_string(out, method);
  if (!req_id_json.empty()) {
    out.append(R"(,"req_id":)");
    out.append(req_id_json);
  }
  out.append(R"(,"result":{"channel":)");
  json::append_string(out, channel);
  if (subscribe) out.append(snapshot ? R"(,"snapshot":true)" : R"(,"snapshot":false)");
  out.append(R"(,"symbol":)");
  json::append_string(out, symbol);
  out.append(R"(},"success":true,"time_in":)");
  append_quoted_time(out, t.time_in_us);
  out.append(R"(,"time_out":)");
  append_quoted_time(out, t.time_out_us);
  out.push_back('}');
  return out;
}

std::string encode_instrument_ack(std::string_view method, std::string_view req_id_json,
                                  reply_times t) {
  std::string out;
  out.reserve(reply_reserve);
  out.append(R"({"method":)");
  json::append_string(out, method);
  if (!req_id_json.empty()) {
    out.append(R"(,"req_id":)");
    out.append(req_id_json);
  }
  out.append(R"(,"result":{"channel":"instrument")");
  if (method == "subscribe") out.append(R"(,"snapshot":true)");
  out.append(R"(},"success":true,"time_in":)");
  append_quoted_time(out, t.time_in_us);
  out.append(R"(,"time_out":)");
  append_quoted_time(out, t.time_out_us);
  out.push_back('}');
  return out;
}

std::string encode_instrument_snapshot(const market_model& model) {
  std::string out = R"({"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[)";
  for (std::size_t i = 0; i < model.size(); ++i) {
    const symbol_spec& spec = model.symbol(i).spec();
    if (i != 0) out.push_back(',');
    out.append(R"({"symbol":)");
    json::append_string(out, native_symbol(spec));
    out.append(R"(,"base":)");
    json::append_string(out, spec.base);
    out.append(R"(,"quote":)");
    json::append_string(out, spec.quote);
    out.append(R"(,"status":"online","price_precision":)");
    json::append_int(out, spec.price_scale);
    out.append(R"(,"qty_precision":)");
    json::append_int(out, spec.qty_scale);
    out.append(R"(,"price_increment":)");
    decimal(1, spec.price_scale).append_to(out);
    out.append(R"(,"qty_increment":)");
    decimal(1, spec.qty_scale).append_to(out);
    out.push_back('}');
  }
  out.append("]}}");
  return out;
}

}  // namespace tickerd::sim::kraken
