// Binance spot diff depth and REST depth snapshot (developers.binance.com, "WebSocket Streams":
// "Diff. Depth Stream"; "Market Data endpoints": "Order book"):
//   {"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,
//    "b":[["0.0024","10"]],"a":[["0.0026","100"]]}
//   {"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[[...]]}
// A combined stream wraps the event: {"stream":"bnbbtc@depth@100ms","data":{...}}. "pu" (the
// previous event's u) is read when present (futures streams send it; spot does not).
#include <utility>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "market/book/book_json.hpp"

namespace tickerd::book::json {

namespace {

using venue_json::classify;

constexpr std::string_view depth_event = "depthUpdate";

struct depth_seen {
  bool event = false, first = false, last = false, bids = false, asks = false, any = false;
};

feed_errc depth_field(std::string_view key, ondemand::value& v, book_message& m,
                      depth_seen& seen) noexcept {
  if (key == "e") {
    std::string_view event;
    if (auto e = read_view(v, event); e != feed_errc::ok) return e;
    if (event != depth_event) return feed_errc::unexpected_shape;
    seen.event = seen.any = true;
  } else if (key == "E") {
    bool present = false;
    if (auto e = venue_json::read_ms_as_us(v, m.exchange_ts_us, present); e != feed_errc::ok) {
      return e;
    }
  } else if (key == "s") {
    if (auto e = read_string(v, m.symbol); e != feed_errc::ok) return e;
  } else if (key == "U") {
    seen.first = seen.any = true;
    return read_int(v, m.first_id);
  } else if (key == "u") {
    seen.last = seen.any = true;
    return read_int(v, m.last_id);
  } else if (key == "pu") {
    m.has_prev = true;
    return read_int(v, m.prev_id);
  } else if (key == "b") {
    seen.bids = seen.any = true;
    return read_string_levels(v, m.bids);
  } else if (key == "a") {
    seen.asks = seen.any = true;
    return read_string_levels(v, m.asks);
  }
  return feed_errc::ok;  // T and anything new: skipped unparsed
}

feed_errc depth_object(ondemand::object& obj, book_message& m, depth_seen& seen) noexcept {
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    if (auto e = depth_field(venue_json::key_text(field.key()), field.value(), m, seen);
        e != feed_errc::ok) {
      return e;
    }
  }
  return feed_errc::ok;
}

}  // namespace

feed_errc parse_binance(ondemand::object& root, book_frame& out) noexcept {
  book_message& m = out.next();
  m.kind = book_msg_kind::delta;
  depth_seen seen;
  bool control = false;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    if (key == "data") {
      ondemand::object data;
      if (auto e = field.value().get_object().get(data)) {
        return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
      }
      if (auto e = depth_object(data, m, seen); e != feed_errc::ok) return e;
    } else if (key == "result" || key == "id") {
      control = true;  // {"result":null,"id":1}: a (un)subscribe reply
    } else if (key == "stream") {
      continue;
    } else if (auto e = depth_field(key, field.value(), m, seen); e != feed_errc::ok) {
      return e;
    }
  }
  if (!seen.any && control) {
    out.clear();
    out.control = true;
    return feed_errc::ok;
  }
  if (!seen.event || !seen.first || !seen.last || !seen.bids || !seen.asks || m.symbol.empty() ||
      m.first_id > m.last_id) {
    return feed_errc::unexpected_shape;
  }
  return feed_errc::ok;
}

feed_errc parse_binance_rest(ondemand::object& root, book_message& m) noexcept {
  m.reset();
  m.kind = book_msg_kind::snapshot;
  bool have_id = false, have_bids = false, have_asks = false;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "lastUpdateId") {
      e = read_int(field.value(), m.last_id);
      have_id = true;
    } else if (key == "bids") {
      e = read_string_levels(field.value(), m.bids);
      have_bids = true;
    } else if (key == "asks") {
      e = read_string_levels(field.value(), m.asks);
      have_asks = true;
    } else if (key == "code" || key == "msg") {
      return feed_errc::venue_error;  // {"code":-1121,"msg":"Invalid symbol."}
    }
    if (e != feed_errc::ok) return e;
  }
  return have_id && have_bids && have_asks ? feed_errc::ok : feed_errc::unexpected_shape;
}

}  // namespace tickerd::book::json
