// Bybit v5 public `orderbook.50.<SYMBOL>` (bybit-exchange.github.io/docs/v5/websocket/public/
// orderbook):
//   {"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,
//    "data":{"s":"BTCUSDT","b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]],
//            "u":18521288,"seq":7961638724},"cts":1672304484976}
// type is snapshot or delta; u is the update id (u = 1: a snapshot after a service restart);
// seq is the cross sequence. {"success":true,"op":"subscribe",...} and pongs are control frames.
#include <utility>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "market/book/book_json.hpp"

namespace tickerd::book::json {

namespace {

using venue_json::classify;

constexpr std::string_view topic_prefix = "orderbook.";

feed_errc bybit_data(ondemand::object& obj, book_message& m) noexcept {
  bool have_u = false, have_bids = false, have_asks = false;
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "s") {
      e = read_string(field.value(), m.symbol);
    } else if (key == "b") {
      e = read_string_levels(field.value(), m.bids);
      have_bids = true;
    } else if (key == "a") {
      e = read_string_levels(field.value(), m.asks);
      have_asks = true;
    } else if (key == "u") {
      e = read_int(field.value(), m.last_id);
      have_u = true;
    } else if (key == "seq") {
      e = read_int(field.value(), m.cross_seq);
    }
    if (e != feed_errc::ok) return e;
  }
  return have_u && have_bids && have_asks && !m.symbol.empty() ? feed_errc::ok
                                                               : feed_errc::unexpected_shape;
}

}  // namespace

feed_errc parse_bybit(ondemand::object& root, book_frame& out) noexcept {
  std::string_view topic;
  std::string_view type;
  std::string_view op;
  bool success = true;
  bool have_data = false;
  std::int64_t ts_ms = 0;
  book_message& m = out.next();
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "topic") {
      e = read_view(field.value(), topic);
    } else if (key == "type") {
      e = read_view(field.value(), type);
    } else if (key == "op") {
      e = read_view(field.value(), op);
    } else if (key == "success") {
      e = venue_json::read_bool(field.value(), success);
    } else if (key == "ts") {
      e = read_int(field.value(), ts_ms);
    } else if (key == "data") {
      ondemand::object data;
      if (auto err = field.value().get_object().get(data)) {
        return err == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(err);
      }
      e = bybit_data(data, m);
      have_data = true;
    }
    if (e != feed_errc::ok) return e;
  }
  if (!op.empty()) {
    if (!success) return feed_errc::venue_error;
    out.clear();
    out.control = true;
    return feed_errc::ok;
  }
  if (!have_data || topic.substr(0, topic_prefix.size()) != topic_prefix) {
    return feed_errc::unexpected_shape;
  }
  if (type == "snapshot") {
    m.kind = book_msg_kind::snapshot;
  } else if (type == "delta") {
    m.kind = book_msg_kind::delta;
  } else {
    return feed_errc::unexpected_shape;
  }
  return venue_json::ms_to_us(ts_ms, m.exchange_ts_us);
}

}  // namespace tickerd::book::json
