// Coinbase Exchange `level2_batch` / `level2` (docs.cdp.coinbase.com, Exchange "WebSocket
// Channels": "Level2 Channel"), the API the repo's Coinbase adapter and tickerd-sim speak:
//   {"type":"snapshot","product_id":"BTC-USD","bids":[["10101.10","0.45054140"]],
//    "asks":[["10102.55","0.57753524"]]}
//   {"type":"l2update","product_id":"BTC-USD","changes":[["buy","10101.80000000","0.162567"]],
//    "time":"2019-08-14T20:42:27.265Z"}
// The channel carries no sequence number (delivery is guaranteed on the connection): the
// snapshot starts the book, each l2update applies to it. The `ticker` on the same connection
// ("best_bid", "best_bid_size", "best_ask", "best_ask_size", "time") is read as a `touch`, the
// venue's statement that book_sync checks the book against (coinbase_touch.hpp); a ticker
// without both prices or its time is control. subscriptions/heartbeat are control frames;
// {"type":"error",...} is venue_error; other types are not this parser's (control).
#include <utility>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "feeds/venues/venue_time.hpp"
#include "market/book/book_json.hpp"

namespace tickerd::book::json {

using venue_json::classify;

namespace {

// A ticker's decimal, which the venue may send as null: left zero (not stated).
feed_errc read_optional(ondemand::value& v, decimal& out) noexcept {
  bool present = false;
  return venue_json::read_decimal_string(v, out, present);
}

}  // namespace

feed_errc parse_coinbase(ondemand::object& root, book_frame& out) noexcept {
  std::string_view type;
  bool have_bids = false, have_asks = false, have_changes = false;
  book_level best_bid, best_ask;  // a ticker's
  book_message& m = out.next();
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "type") {
      e = read_view(field.value(), type);
    } else if (key == "product_id") {
      e = read_string(field.value(), m.symbol);
    } else if (key == "bids") {
      e = read_string_levels(field.value(), m.bids);
      have_bids = true;
    } else if (key == "asks") {
      e = read_string_levels(field.value(), m.asks);
      have_asks = true;
    } else if (key == "best_bid") {
      e = read_optional(field.value(), best_bid.price);
    } else if (key == "best_bid_size") {
      e = read_optional(field.value(), best_bid.size);
    } else if (key == "best_ask") {
      e = read_optional(field.value(), best_ask.price);
    } else if (key == "best_ask_size") {
      e = read_optional(field.value(), best_ask.size);
    } else if (key == "changes") {
      e = read_side_changes(field.value(), m);
      have_changes = true;
    } else if (key == "time") {
      std::string_view text;
      e = read_view(field.value(), text);
      if (e == feed_errc::ok && !venue_time::parse_rfc3339_us(text, m.exchange_ts_us)) {
        e = feed_errc::unexpected_shape;
      }
    }
    if (e != feed_errc::ok) return e;
  }
  if (type == "error") return feed_errc::venue_error;
  if (type == "snapshot") {
    m.kind = book_msg_kind::snapshot;
    if (!have_bids || !have_asks || have_changes) return feed_errc::unexpected_shape;
  } else if (type == "l2update") {
    m.kind = book_msg_kind::delta;
    if (!have_changes || have_bids || have_asks) return feed_errc::unexpected_shape;
  } else if (type == "ticker" && valid_level(best_bid) && valid_level(best_ask) &&
             m.exchange_ts_us != 0 && !m.symbol.empty()) {
    m.kind = book_msg_kind::touch;
    m.bids.push_back(best_bid);
    m.asks.push_back(best_ask);
    return feed_errc::ok;
  } else {
    if (type.empty()) return feed_errc::unexpected_shape;
    out.clear();
    out.control = true;
    return feed_errc::ok;
  }
  return m.symbol.empty() ? feed_errc::unexpected_shape : feed_errc::ok;
}

}  // namespace tickerd::book::json
