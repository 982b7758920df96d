#include "sim/okx_streams.hpp"

#include "sim/okx_encode.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::okx {
namespace {

constexpr std::size_t push_reserve = 256;

void open_push(std::string& out, std::string_view channel, const symbol_spec& spec) {
  out.reserve(push_reserve);
  out.append(R"({"arg":{"channel":)");
  json::append_string(out, channel);
  out.append(R"(,"instId":)");
  json::append_string(out, inst_id(spec));
  out.append(R"(},"data":[{)");
}

void append_quoted_trimmed(std::string& out, decimal d) {
  out.push_back('"');
  append_trimmed(out, d);
  out.push_back('"');
}

void append_level(std::string& out, decimal px, decimal sz, std::int64_t orders) {
  out.append("[[");
  append_quoted_trimmed(out, px);
  out.push_back(',');
  append_quoted_trimmed(out, sz);
  out.append(R"(,"0",")");
  json::append_int(out, orders);
  out.append("\"]]");
}

}  // namespace

std::string encode_trade(const symbol_spec& spec, const trade_print& t, std::int64_t event_time_us,
                         std::int64_t seq_id) {
  std::string out;
  open_push(out, trades_channel, spec);
  out.append(R"("instId":)");
  json::append_string(out, inst_id(spec));
  out.append(R"(,"tradeId":")");
  json::append_int(out, t.id);
  out.append(R"(","px":)");
  append_quoted_trimmed(out, spec.price(offset_price(t.price)));
  out.append(R"(,"sz":)");
  append_quoted_trimmed(out, spec.qty(t.qty));
  out.append(t.taker_buy ? R"(,"side":"buy","ts":")" : R"(,"side":"sell","ts":")");
  json::append_int(out, event_time_us / 1000);
  out.append(R"(","count":"1","source":"0","seqId":)");
  json::append_int(out, seq_id);
  out.append("}]}");
  return out;
}

std::string encode_bbo(const symbol_spec& spec, const symbol_state& model,
                       std::int64_t event_time_us, std::int64_t seq_id) {
  // Orders at the level: a plausible small count that moves with the event.
  const std::int64_t ask_orders = 1 + static_cast<std::int64_t>(model.seq % 7);
  const std::int64_t bid_orders = 1 + static_cast<std::int64_t>((model.seq / 7) % 5);
  std::string out;
  open_push(out, bbo_channel, spec);
  out.append(R"("asks":)");
  append_level(out, spec.price(offset_price(model.ask)), spec.qty(model.ask_qty), ask_orders);
  out.append(R"(,"bids":)");
  append_level(out, spec.price(offset_price(model.bid)), spec.qty(model.bid_qty), bid_orders);
  out.append(R"(,"ts":")");
  json::append_int(out, event_time_us / 1000);
  out.append(R"(","seqId":)");
  json::append_int(out, seq_id);
  out.append("}]}");
  return out;
}

}  // namespace tickerd::sim::okx
