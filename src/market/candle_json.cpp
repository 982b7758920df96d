#include "tickerd/market/candle_json.hpp"

#include <simdjson.h>

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

namespace {

void page_head(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
               candle_interval interval) {
  out.append(R"({"symbol":)");
  json::append_string(out, symbol);
  json::append_key(out, "interval");
  json::append_string(out, to_string(interval));
  if (venue) {
    json::append_key(out, "venue");
    json::append_string(out, to_string(*venue));
  }
  out.append(R"(,"candles":[)");
}

bool get_decimal(simdjson::dom::object& o, std::string_view key, decimal& out) {
  std::string_view text;
  return o[key].get_string().get(text) == simdjson::SUCCESS &&
         decimal::parse(text, out) == decimal_errc::ok;
}

}  // namespace

std::optional<candle> decode_candle(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get_object().get(o) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::int64_t open_time = 0;
  std::uint64_t trades = 0;
  std::uint64_t late = 0;
  bool closed = false;
  decimal base;
  decimal quote;
  if (o["open_time"].get_int64().get(open_time) != simdjson::SUCCESS ||
      o["trades"].get_uint64().get(trades) != simdjson::SUCCESS ||
      o["late"].get_uint64().get(late) != simdjson::SUCCESS ||
      o["closed"].get_bool().get(closed) != simdjson::SUCCESS ||
      !get_decimal(o, "volume_base", base) || !get_decimal(o, "volume_quote", quote) ||
      trades > UINT32_MAX || late > UINT32_MAX) {
    return std::nullopt;
  }
  std::optional<candle::prices> ohlc;
  if (!o["open"].is_null()) {
    candle::prices p;
    if (!get_decimal(o, "open", p.open) || !get_decimal(o, "high", p.high) ||
        !get_decimal(o, "low", p.low) || !get_decimal(o, "close", p.close)) {
      return std::nullopt;
    }
    ohlc = p;
  }
  return candle::restored(open_time, ohlc, base, quote, static_cast<std::uint32_t>(trades),
                          static_cast<std::uint32_t>(late), closed);
}

void encode_candle_page(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                        const candle_builder& builder, const candle_page_query& query) {
  const auto& history = builder.history();
  const bool forming = builder.started() && query.includes(builder.forming().open_time_us());
  const auto slice = history.range(query.start_us, query.end_us, query.closed_limit(forming));
  page_head(out, symbol, venue, builder.interval());
  for (std::size_t i = 0; i < slice.count; ++i) {
    if (i != 0) out.push_back(',');
    encode_candle(out, symbol, venue, builder.interval(), history.at(slice.first + i));
  }
  if (forming && slice.count < query.limit) {
    if (slice.count != 0) out.push_back(',');
    encode_candle(out, symbol, venue, builder.interval(), builder.forming());
  }
  out.append("]}");
}

void encode_candle_page(std::string& out, const std::string& symbol, std::optional<venue_id> venue,
                        candle_interval interval, std::span<const std::string> closed,
                        std::string_view forming) {
  page_head(out, symbol, venue, interval);
  for (std::size_t i = 0; i < closed.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.append(closed[i]);
  }
  if (!forming.empty()) {
    if (!closed.empty()) out.push_back(',');
    out.append(forming);
  }
  out.append("]}");
}

bool candle_data_closed(std::string_view data) noexcept {
  return data.ends_with(R"("closed":true})");
}

}  // namespace tickerd
