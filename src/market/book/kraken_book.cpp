// Kraken spot WebSocket v2 `book` and `instrument` channels (docs.kraken.com, "Book (Level 2)",
// "Instrument"):
//   {"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",
//     "bids":[{"price":45283.5,"qty":0.10000000}],"asks":[{"price":45285.2,"qty":0.00100000}],
//     "checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]}
//   {"channel":"instrument","type":"snapshot","data":{"assets":[...],"pairs":[{"symbol":
//     "BTC/USD",...,"price_precision":1,"qty_precision":8,...}]}}
// Prices and quantities are JSON numbers, read from their own text (never through double).
// Heartbeats, status and method replies are control frames; a failed method is venue_error.
#include <utility>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"
#include "feeds/venues/venue_time.hpp"
#include "market/book/book_json.hpp"

namespace tickerd::book::json {

namespace {

using venue_json::classify;

feed_errc kraken_entry(ondemand::object& obj, book_message& m) noexcept {
  bool have_symbol = false, have_checksum = false;
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "symbol") {
      e = read_string(field.value(), m.symbol);
      have_symbol = true;
    } else if (key == "bids") {
      e = read_number_levels(field.value(), m.bids);
    } else if (key == "asks") {
      e = read_number_levels(field.value(), m.asks);
    } else if (key == "checksum") {
      std::int64_t value = 0;
      e = read_int(field.value(), value);
      if (e == feed_errc::ok && (value < 0 || value > 0xFFFFFFFFLL))
        e = feed_errc::unexpected_shape;
      m.checksum = static_cast<std::uint32_t>(value);
      have_checksum = m.has_checksum = true;
    } else if (key == "timestamp") {
      std::string_view text;
      e = read_view(field.value(), text);
      if (e == feed_errc::ok && !venue_time::parse_rfc3339_us(text, m.exchange_ts_us)) {
        e = feed_errc::unexpected_shape;
      }
    }
    if (e != feed_errc::ok) return e;
  }
  return have_symbol && have_checksum ? feed_errc::ok : feed_errc::unexpected_shape;
}

// Reads "channel", "type", "method", "success" and hands "data" to `on_data`.
template <typename OnData>
feed_errc kraken_envelope(ondemand::object& root, std::string_view& channel, std::string_view& type,
                          bool& method, bool& success, OnData&& on_data) noexcept {
  for (auto field_result : root) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) return classify(e);
    const std::string_view key = venue_json::key_text(field.key());
    feed_errc e = feed_errc::ok;
    if (key == "channel") {
      e = read_view(field.value(), channel);
    } else if (key == "type") {
      e = read_view(field.value(), type);
    } else if (key == "method") {
      method = true;
    } else if (key == "success") {
      e = venue_json::read_bool(field.value(), success);
    } else if (key == "data") {
      e = on_data(field.value());
    }
    if (e != feed_errc::ok) return e;
  }
  return feed_errc::ok;
}

}  // namespace

feed_errc parse_kraken(ondemand::object& root, book_frame& out) noexcept {
  std::string_view channel;
  std::string_view type;
  bool method = false;
  bool success = true;
  bool have_data = false;
  auto on_data = [&](ondemand::value& v) noexcept -> feed_errc {
    if (!channel.empty() && channel != "book") return feed_errc::ok;  // status, heartbeat...
    ondemand::array data;
    if (auto e = v.get_array().get(data)) {
      // The book's data is an array; another channel's may be an object: skipped, decided below.
      if (e != simdjson::INCORRECT_TYPE) return classify(e);
      return feed_errc::ok;
    }
    have_data = true;
    for (auto item : data) {
      ondemand::object entry;
      if (auto e = std::move(item).get_object().get(entry)) {
        return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
      }
      if (auto e = kraken_entry(entry, out.next()); e != feed_errc::ok) return e;
    }
    return feed_errc::ok;
  };
  if (auto e = kraken_envelope(root, channel, type, method, success, on_data); e != feed_errc::ok) {
    return e;
  }
  if (method) {
    if (!success) return feed_errc::venue_error;
    out.clear();
    out.control = true;
    return feed_errc::ok;
  }
  if (channel != "book") {
    if (channel.empty()) return feed_errc::unexpected_shape;
    out.clear();
    out.control = true;  // heartbeat, status, and channels this parser does not read
    return feed_errc::ok;
  }
  if (!have_data) return feed_errc::unexpected_shape;
  book_msg_kind kind = book_msg_kind::delta;
  if (type == "snapshot") {
    kind = book_msg_kind::snapshot;
  } else if (type == "update") {
    kind = book_msg_kind::delta;
  } else {
    return feed_errc::unexpected_shape;
  }
  for (std::size_t i = 0; i < out.count; ++i) out.messages[i].kind = kind;
  return feed_errc::ok;
}

feed_errc parse_kraken_instruments(ondemand::object& root,
                                   std::vector<kraken_precision>& out) noexcept {
  std::string_view channel;
  std::string_view type;
  bool method = false;
  bool success = true;
  bool have_pairs = false;
  auto on_data = [&](ondemand::value& v) noexcept -> feed_errc {
    if (!channel.empty() && channel != "instrument") return feed_errc::ok;
    ondemand::object data;
    if (auto e = v.get_object().get(data)) {
      return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
    }
    for (auto data_field : data) {
      ondemand::field f;
      if (auto e = std::move(data_field).get(f)) return classify(e);
      if (venue_json::key_text(f.key()) != "pairs") continue;
      ondemand::array pairs;
      if (auto e = f.value().get_array().get(pairs)) {
        return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
      }
      have_pairs = true;
      for (auto item : pairs) {
        ondemand::object pair;
        if (auto e = std::move(item).get_object().get(pair)) {
          return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
        }
        kraken_precision p;
        bool have_symbol = false, have_price = false, have_qty = false;
        for (auto pair_field : pair) {
          ondemand::field pf;
          if (auto e = std::move(pair_field).get(pf)) return classify(e);
          const std::string_view k = venue_json::key_text(pf.key());
          feed_errc e = feed_errc::ok;
          std::int64_t n = 0;
          if (k == "symbol") {
            e = read_string(pf.value(), p.symbol);
            have_symbol = true;
          } else if (k == "price_precision" || k == "qty_precision") {
            e = read_int(pf.value(), n);
            if (e == feed_errc::ok && (n < 0 || n > decimal::max_scale)) {
              e = feed_errc::unexpected_shape;
            }
            (k == "price_precision" ? p.price_precision : p.qty_precision) = static_cast<int>(n);
            (k == "price_precision" ? have_price : have_qty) = true;
          }
          if (e != feed_errc::ok) return e;
        }
        if (!have_symbol || !have_price || !have_qty) return feed_errc::unexpected_shape;
        out.push_back(std::move(p));
      }
    }
    return feed_errc::ok;
  };
  if (auto e = kraken_envelope(root, channel, type, method, success, on_data); e != feed_errc::ok) {
    return e;
  }
  if (method && !success) return feed_errc::venue_error;
  return channel == "instrument" && have_pairs ? feed_errc::ok : feed_errc::unexpected_shape;
}

}  // namespace tickerd::book::json
