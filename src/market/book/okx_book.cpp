// OKX `books` channel (OKX API v5, "WS / Order book channel"):
//   {"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{
//     "asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0","12"]],
//     "ts":"1597026383085","checksum":-855196043,"prevSeqId":-1,"seqId":123456}]}
// Levels are [price, size, "0" (deprecated), order count]. The checksum field is not read:
// since 2026-06-23 it is fixed at 0 in books/books-l2-tbt/books50-l2-tbt and must not be used
// for validation ("OKX Order Book Channels Checksum Field Deprecation"); seqId/prevSeqId is the
// integrity rule. {"event":"subscribe",...} is a control frame, {"event":"error",...} an error.
#include <utility>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "market/book/book_json.hpp"

namespace tickerd::book::json {

namespace {

using venue_json::classify;

feed_errc okx_entry(ondemand::object& obj, book_message& m) noexcept {
  bool have_seq = false, have_prev = false, have_bids = false, have_asks = false;
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "asks") {
      e = read_string_levels(field.value(), m.asks);
      have_asks = true;
    } else if (key == "bids") {
      e = read_string_levels(field.value(), m.bids);
      have_bids = true;
    } else if (key == "seqId") {
      e = read_int(field.value(), m.last_id);
      have_seq = true;
    } else if (key == "prevSeqId") {
      e = read_int(field.value(), m.prev_id);
      have_prev = m.has_prev = true;
    } else if (key == "ts") {
      std::int64_t ms = 0;
      e = read_int(field.value(), ms);
      if (e == feed_errc::ok) e = venue_json::ms_to_us(ms, m.exchange_ts_us);
    }
    if (e != feed_errc::ok) return e;
  }
  return have_seq && have_prev && have_bids && have_asks ? feed_errc::ok
                                                         : feed_errc::unexpected_shape;
}

}  // namespace

feed_errc parse_okx(ondemand::object& root, book_frame& out) noexcept {
  std::string_view action;
  std::string_view event;
  std::string_view channel;
  std::string inst_id;
  bool have_data = false;
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    if (key == "event") {
      if (auto e = read_view(field.value(), event); e != feed_errc::ok) return e;
    } else if (key == "action") {
      if (auto e = read_view(field.value(), action); e != feed_errc::ok) return e;
    } else if (key == "arg") {
      ondemand::object arg;
      if (auto e = field.value().get_object().get(arg)) {
        return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
      }
      for (auto arg_field : arg) {
        ondemand::field f;
        if (auto e = std::move(arg_field).get(f)) return classify(e);
        const std::string_view k = venue_json::key_text(f.key());
        feed_errc e = feed_errc::ok;
        if (k == "channel") {
          e = read_view(f.value(), channel);
        } else if (k == "instId") {
          e = read_string(f.value(), inst_id);
        }
        if (e != feed_errc::ok) return e;
      }
    } else if (key == "data") {
      ondemand::array data;
      if (auto e = field.value().get_array().get(data)) {
        return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
      }
      for (auto item : data) {
        ondemand::object entry;
        if (auto e = std::move(item).get_object().get(entry)) {
          return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
        }
        if (auto e = okx_entry(entry, out.next()); e != feed_errc::ok) return e;
      }
      have_data = true;
    }
  }
  if (event == "error") return feed_errc::venue_error;
  if (!event.empty()) {
    out.clear();
    out.control = true;  // subscribe / unsubscribe / notice
    return feed_errc::ok;
  }
  if (!have_data || channel != "books" || inst_id.empty()) return feed_errc::unexpected_shape;
  book_msg_kind kind = book_msg_kind::delta;
  if (action == "snapshot") {
    kind = book_msg_kind::snapshot;
  } else if (action == "update") {
    kind = book_msg_kind::delta;
  } else {
    return feed_errc::unexpected_shape;
  }
  for (std::size_t i = 0; i < out.count; ++i) {
    out.messages[i].kind = kind;
    out.messages[i].symbol = inst_id;
  }
  return feed_errc::ok;
}

}  // namespace tickerd::book::json
