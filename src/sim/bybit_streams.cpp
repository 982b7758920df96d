#include "sim/bybit_streams.hpp"

#include <algorithm>

#include "sim/bybit_encode.hpp"
#include "sim/sim_hash.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::bybit {
namespace {

constexpr std::size_t per_trade_reserve = 160;

}  // namespace

std::string trade_topic(const symbol_spec& spec) {
  return std::string(trade_prefix) + spec.native();
}

std::string trade_uuid(const symbol_spec& spec, std::int64_t id) {
  // connection_id() already draws UUID-form text from (seed, n).
  return connection_id(fnv1a("bybit-trade:" + spec.native()), static_cast<std::uint64_t>(id));
}

std::string encode_trades(const symbol_spec& spec, std::span<const trade_print> trades,
                          std::int64_t offset_ticks, std::int64_t ts_ms, std::int64_t seq) {
  std::string out;
  out.reserve(64 + per_trade_reserve * trades.size());
  out.append(R"({"topic":)");
  json::append_string(out, trade_topic(spec));
  out.append(R"(,"type":"snapshot","ts":)");
  json::append_int(out, ts_ms);
  out.append(R"(,"data":[)");
  bool first = true;
  for (const trade_print& t : trades) {
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"T":)");
    json::append_int(out, ts_ms);
    out.append(R"(,"s":)");
    json::append_string(out, spec.native());
    out.append(t.taker_buy ? R"(,"S":"Buy","v":")" : R"(,"S":"Sell","v":")");
    spec.qty(t.qty).append_to(out);
    out.append(R"(","p":")");
    spec.price(std::max<std::int64_t>(1, t.price + offset_ticks)).append_to(out);
    out.append(R"(","i":)");
    json::append_string(out, trade_uuid(spec, t.id));
    out.append(R"(,"BT":false,"RPI":false,"seq":)");
    json::append_int(out, seq);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

}  // namespace tickerd::sim::bybit
