#include "tickerd/market/trade_json.hpp"

#include "tickerd/core/json_writer.hpp"

namespace tickerd {

void encode_trade(std::string& out, const trade& t, bool with_venue) {
  out.push_back('{');
  if (!t.id.empty()) {
    json::append_key(out, "id");
    json::append_string(out, t.id.view());
  }
  json::append_key(out, "price");
  json::append_decimal(out, t.price);
  json::append_key(out, "qty");
  json::append_decimal(out, t.size);
  if (t.side != taker_side::unknown) {
    json::append_key(out, "side");
    json::append_string(out, to_string(t.side));
  }
  if (t.exchange_ts_us != 0) {
    json::append_key(out, "ts");
    json::append_int(out, t.exchange_ts_us);
  }
  json::append_key(out, "recv_ts");
  json::append_int(out, t.recv_ts_us);
  if (with_venue) {
    json::append_key(out, "venue");
    json::append_string(out, to_string(t.venue));
  }
  out.push_back('}');
}

namespace {

void encode(std::string& out, const std::string& symbol, const venue_id* venue,
            std::span<const trade> trades, std::uint64_t first) {
  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  if (venue != nullptr) {
    json::append_key(out, "venue");
    json::append_string(out, to_string(*venue));
  }
  json::append_key(out, "first");
  json::append_int(out, static_cast<std::int64_t>(first));
  json::append_key(out, "count");
  json::append_int(out, static_cast<std::int64_t>(trades.size()));
  json::append_key(out, "trades");
  out.push_back('[');
  bool first_trade = true;
  for (const auto& t : trades) {
    if (!first_trade) out.push_back(',');
    first_trade = false;
    encode_trade(out, t, venue == nullptr);
  }
  out.append("]}");
}

}  // namespace

void encode_venue_trades(std::string& out, const std::string& symbol, venue_id venue,
                         std::span<const trade> trades, std::uint64_t first) {
  encode(out, symbol, &venue, trades, first);
}

void encode_tape_trades(std::string& out, const std::string& symbol, std::span<const trade> trades,
                        std::uint64_t first) {
  encode(out, symbol, nullptr, trades, first);
}

}  // namespace tickerd
