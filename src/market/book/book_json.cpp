#include "market/book/book_json.hpp"

#include <charconv>
#include <utility>

#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/venue_fields.hpp"

namespace tickerd::book::json {

using venue_json::classify;

feed_errc read_view(ondemand::value& v, std::string_view& out) noexcept {
  bool present = false;
  if (auto e = venue_json::read_text(v, out, present); e != feed_errc::ok) return e;
  return present ? feed_errc::ok : feed_errc::unexpected_shape;
}

feed_errc read_string(ondemand::value& v, std::string& out) noexcept {
  std::string_view text;
  if (auto e = read_view(v, text); e != feed_errc::ok) return e;
  out.assign(text);
  return feed_errc::ok;
}

feed_errc read_int(ondemand::value& v, std::int64_t& out) noexcept {
  ondemand::json_type type;
  if (auto e = venue_json::peek_type(v, type); e != feed_errc::ok) return e;
  if (type == ondemand::json_type::number) {
    if (auto e = v.get_int64().get(out)) {
      return e == simdjson::NUMBER_OUT_OF_RANGE || e == simdjson::INCORRECT_TYPE
                 ? feed_errc::unexpected_shape
                 : classify(e);
    }
    return feed_errc::ok;
  }
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  std::string_view text;
  if (auto e = read_view(v, text); e != feed_errc::ok) return e;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return feed_errc::unexpected_shape;
  }
  return feed_errc::ok;
}

namespace {

feed_errc read_string_decimal(ondemand::value& v, decimal& out) noexcept {
  bool present = false;
  if (auto e = venue_json::read_decimal_string(v, out, present); e != feed_errc::ok) return e;
  return present ? feed_errc::ok : feed_errc::bad_number;
}

feed_errc read_number_decimal(ondemand::value& v, decimal& out) noexcept {
  bool present = false;
  if (auto e = venue_json::read_decimal_number(v, out, present); e != feed_errc::ok) return e;
  return present ? feed_errc::ok : feed_errc::bad_number;
}

// One ["price","size",...] pair; `first` is the element index of the price (1 for Coinbase
// changes, whose element 0 is the side).
feed_errc read_pair(ondemand::array& pair, std::size_t first, std::string_view* side_out,
                    book_level& level) noexcept {
  std::size_t index = 0;
  std::size_t seen = 0;
  for (auto element : pair) {
    ondemand::value v;
    if (auto e = std::move(element).get(v)) return classify(e);
    if (index + 1 == first && side_out != nullptr) {
      if (auto e = read_view(v, *side_out); e != feed_errc::ok) return e;
    } else if (index == first) {
      if (auto e = read_string_decimal(v, level.price); e != feed_errc::ok) return e;
      ++seen;
    } else if (index == first + 1) {
      if (auto e = read_string_decimal(v, level.size); e != feed_errc::ok) return e;
      ++seen;
    }
    // Later elements (OKX's "0" and order count, Binance's legacy []) are skipped unparsed.
    ++index;
  }
  if (seen != 2 || (side_out != nullptr && side_out->empty())) return feed_errc::unexpected_shape;
  return valid_level(level) ? feed_errc::ok : feed_errc::bad_number;
}

}  // namespace

feed_errc read_string_levels(ondemand::value& v, std::vector<book_level>& out) noexcept {
  ondemand::array levels;
  if (auto e = v.get_array().get(levels)) {
    return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
  }
  for (auto item : levels) {
    ondemand::array pair;
    if (auto e = std::move(item).get_array().get(pair)) {
      return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
    }
    book_level level;
    if (auto e = read_pair(pair, 0, nullptr, level); e != feed_errc::ok) return e;
    out.push_back(level);
  }
  return feed_errc::ok;
}

feed_errc read_side_changes(ondemand::value& v, book_message& out) noexcept {
  ondemand::array changes;
  if (auto e = v.get_array().get(changes)) {
    return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
  }
  for (auto item : changes) {
    ondemand::array change;
    if (auto e = std::move(item).get_array().get(change)) {
      return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
    }
    std::string_view side;
    book_level level;
    if (auto e = read_pair(change, 1, &side, level); e != feed_errc::ok) return e;
    if (side == "buy") {
      out.bids.push_back(level);
    } else if (side == "sell") {
      out.asks.push_back(level);
    } else {
      return feed_errc::unexpected_shape;
    }
  }
  return feed_errc::ok;
}

feed_errc read_number_levels(ondemand::value& v, std::vector<book_level>& out) noexcept {
  ondemand::array levels;
  if (auto e = v.get_array().get(levels)) {
    return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
  }
  for (auto item : levels) {
    ondemand::object obj;
    if (auto e = std::move(item).get_object().get(obj)) {
      return e == simdjson::INCORRECT_TYPE ? feed_errc::unexpected_shape : classify(e);
    }
    book_level level;
    bool have_price = false;
    bool have_qty = false;
    for (auto field_result : obj) {
      ondemand::field field;
      if (auto e = std::move(field_result).get(field)) return classify(e);
      const std::string_view key = venue_json::key_text(field.key());
      if (key == "price") {
        if (auto e = read_number_decimal(field.value(), level.price); e != feed_errc::ok) return e;
        have_price = true;
      } else if (key == "qty") {
        if (auto e = read_number_decimal(field.value(), level.size); e != feed_errc::ok) return e;
        have_qty = true;
      }
    }
    if (!have_price || !have_qty) return feed_errc::unexpected_shape;
    if (!valid_level(level)) return feed_errc::bad_number;
    out.push_back(level);
  }
  return feed_errc::ok;
}

}  // namespace tickerd::book::json
