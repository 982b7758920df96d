#include "sim/bybit_depth.hpp"

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::bybit {
namespace {

constexpr std::int64_t engine_lead_ms = 2;  // "cts" a moment before "ts", as orderbook.1

void append_pair(std::string& out, const symbol_spec& spec, std::int64_t price, std::int64_t qty) {
  out.append("[");
  json::append_decimal(out, spec.price(price));
  out.push_back(',');
  json::append_decimal(out, spec.qty(qty));
  out.append("]");
}

void open_message(std::string& out, const symbol_spec& spec, std::int64_t ts_ms, bool snapshot) {
  out.reserve(256);
  out.append("{\"topic\":");
  json::append_string(out, depth50_topic(spec));
  out.append(",\"ts\":");
  json::append_int(out, ts_ms);
  out.append(snapshot ? R"(,"type":"snapshot","data":{"s":)" : R"(,"type":"delta","data":{"s":)");
  json::append_string(out, spec.native());
}

void close_message(std::string& out, std::int64_t ts_ms, std::int64_t u, std::int64_t seq) {
  out.append(",\"u\":");
  json::append_int(out, u);
  out.append(",\"seq\":");
  json::append_int(out, seq);
  out.append("},\"cts\":");
  json::append_int(out, ts_ms - engine_lead_ms);
  out.push_back('}');
}

}  // namespace

std::string depth50_topic(const symbol_spec& spec) {
  return std::string(depth50_prefix) + spec.native();
}

std::string encode_depth_snapshot(const symbol_spec& spec, const top_levels& top,
                                  std::int64_t ts_ms, std::int64_t u, std::int64_t seq) {
  std::string out;
  open_message(out, spec, ts_ms, true);
  out.append(",\"b\":[");
  for (std::size_t k = 0; k < top.bids.size(); ++k) {
    if (k) out.push_back(',');
    append_pair(out, spec, top.bids[k].first, top.bids[k].second);
  }
  out.append("],\"a\":[");
  for (std::size_t k = 0; k < top.asks.size(); ++k) {
    if (k) out.push_back(',');
    append_pair(out, spec, top.asks[k].first, top.asks[k].second);
  }
  out.push_back(']');
  close_message(out, ts_ms, u, seq);
  return out;
}

std::string encode_depth_delta(const symbol_spec& spec, const std::vector<level_change>& changes,
                               std::int64_t ts_ms, std::int64_t u, std::int64_t seq,
                               std::optional<level_change> extra_bid) {
  std::string out;
  open_message(out, spec, ts_ms, false);
  out.append(",\"b\":[");
  bool first = true;
  if (extra_bid) {
    append_pair(out, spec, extra_bid->price, extra_bid->qty);
    first = false;
  }
  std::size_t k = 0;
  for (; k < changes.size() && changes[k].bid; ++k) {
    if (!first) out.push_back(',');
    first = false;
    append_pair(out, spec, changes[k].price, changes[k].qty);
  }
  out.append("],\"a\":[");
  for (std::size_t m = k; m < changes.size(); ++m) {
    if (m != k) out.push_back(',');
    append_pair(out, spec, changes[m].price, changes[m].qty);
  }
  out.push_back(']');
  close_message(out, ts_ms, u, seq);
  return out;
}

}  // namespace tickerd::sim::bybit
