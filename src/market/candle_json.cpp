#include "tickerd/market/candle_json.hpp"

#include "tickerd/core/json_writer.hpp"

namespace tickerd {

void encode_candle(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                   candle_interval interval, const candle& c) {
  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  if (venue) {
    json::append_key(out, "venue");
    json::append_string(out, to_string(*venue));
  }
  json::append_key(out, "interval");
  json::append_string(out, to_string(interval));
  json::append_key(out, "open_time");
  json::append_int(out, c.open_time_us());
  json::append_key(out, "close_time");
  json::append_int(out, c.open_time_us() + duration_us(interval));
  const auto price = [&](std::string_view key, decimal d) {
    json::append_key(out, key);
    if (c.has_prices()) {
      json::append_decimal(out, d);
    } else {
      out.append("null");
    }
  };
  price("open", c.open());
  price("high", c.high());
  price("low", c.low());
  price("close", c.close());
  json::append_key(out, "volume_base");
  json::append_decimal(out, c.volume_base());
  json::append_key(out, "volume_quote");
  json::append_decimal(out, c.volume_quote());
  json::append_key(out, "trades");
  json::append_int(out, c.trades());
  json::append_key(out, "late");
  json::append_int(out, c.late());
  json::append_key(out, "closed");
  out.append(c.closed() ? "true" : "false");
  out.push_back('}');
}

bool candle_data_closed(std::string_view data) noexcept {
  return data.ends_with(R"("closed":true})");
}

}  // namespace tickerd
