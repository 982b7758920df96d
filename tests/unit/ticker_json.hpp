// Test helpers: building ticks from decimal text, and reading an encoded ticker `data` object
// back with simdjson (a real JSON parser, so malformed output fails the test).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/core/decimal.hpp"
#include "tickerd/core/tick.hpp"

namespace tickerd::test {

inline decimal dec(std::string_view text) {
  decimal d;
  const decimal_errc e = decimal::parse(text, d);
  if (e != decimal_errc::ok) ADD_FAILURE() << "bad decimal in test: " << text;
  return d;
}

inline decimal tick::*member_of(tick_field f) {
  switch (f) {
    case tf_last:
      return &tick::last;
    case tf_open:
      return &tick::open_24h;
    case tf_high:
      return &tick::high_24h;
    case tf_low:
      return &tick::low_24h;
    case tf_volume_base:
      return &tick::volume_base;
    case tf_volume_quote:
      return &tick::volume_quote;
    case tf_bid:
      return &tick::bid;
    case tf_ask:
      return &tick::ask;
    case tf_bid_qty:
      return &tick::bid_qty;
    case tf_ask_qty:
      return &tick::ask_qty;
    case tf_change_pct:
      return &tick::venue_change_pct;
  }
  return nullptr;
}

// A tick carrying only the fields given: {{tf_last, "85205.70"}, …}.
struct field_value {
  tick_field field;
  std::string_view text;
};

inline tick make_tick(venue_id venue, instrument_id instrument,
                      std::initializer_list<field_value> values, std::int64_t ts_us = 0,
                      std::int64_t recv_us = 0) {
  tick t;
  t.venue = venue;
  t.instrument = instrument;
  for (const auto& v : values) {
    t.*member_of(v.field) = dec(v.text);
    t.fields = static_cast<std::uint16_t>(t.fields | v.field);
  }
  t.exchange_ts_us = ts_us;
  t.recv_ts_us = recv_us;
  return t;
}

// A parsed ticker `data` object: keys in order, and every value as text (strings unquoted,
// integers in decimal, booleans as true/false, the venues array joined with ',').
struct ticker_json {
  bool valid = false;
  std::vector<std::string> keys;
  std::map<std::string, std::string> values;

  bool has(const std::string& k) const { return values.count(k) != 0; }
  std::string operator[](const std::string& k) const {
    const auto it = values.find(k);
    return it == values.end() ? std::string("<absent>") : it->second;
  }
};

inline ticker_json parse_ticker_json(std::string_view text) {
  ticker_json out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const auto e = parser.parse(std::string(text)).get(root); e != simdjson::SUCCESS) {
    ADD_FAILURE() << "not valid JSON (" << simdjson::error_message(e) << "): " << text;
    return out;
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not a JSON object: " << text;
    return out;
  }
  for (const auto field : obj) {
    const std::string key(field.key);
    out.keys.push_back(key);
    const simdjson::dom::element v = field.value;
    std::string value;
    switch (v.type()) {
      case simdjson::dom::element_type::STRING:
        value = std::string(std::string_view(v.get_string().value_unsafe()));
        break;
      case simdjson::dom::element_type::INT64:
        value = std::to_string(v.get_int64().value_unsafe());
        break;
      case simdjson::dom::element_type::BOOL:
        value = v.get_bool().value_unsafe() ? "true" : "false";
        break;
      case simdjson::dom::element_type::ARRAY: {
        bool first = true;
        // A named array: value_unsafe() refers into the temporary result, which a range-for
        // over it would outlive.
        const simdjson::dom::array items = v.get_array().value_unsafe();
        for (const auto element : items) {
          std::string_view s;
          if (element.get_string().get(s) != simdjson::SUCCESS) {
            ADD_FAILURE() << "array element of '" << key << "' is not a string: " << text;
          }
          if (!first) value += ',';
          first = false;
          value += s;
        }
        break;
      }
      default:
        ADD_FAILURE() << "unexpected JSON type for '" << key << "': " << text;
    }
    if (!out.values.emplace(key, value).second) ADD_FAILURE() << "duplicate key " << key;
  }
  out.valid = true;
  return out;
}

}  // namespace tickerd::test
