#include "feeds/venues/venue_fields.hpp"

#include <charconv>

#include "feeds/venues/json_frame.hpp"

namespace tickerd::venue_json {

namespace ondemand = simdjson::ondemand;

namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A number token's text, trailing whitespace removed, checked against JSON's grammar for the
// leading zeros decimal::parse would tolerate.
feed_errc number_token(ondemand::value& v, std::string_view& token) noexcept {
  token = v.raw_json_token();
  while (!token.empty() && is_space(token.back())) token.remove_suffix(1);
  const std::size_t digits_at = (!token.empty() && token.front() == '-') ? 1 : 0;
  if (token.size() > digits_at + 1 && token[digits_at] == '0' && token[digits_at + 1] >= '0' &&
      token[digits_at + 1] <= '9') {
    return feed_errc::invalid_json;
  }
  return feed_errc::ok;
}

feed_errc plain_string(ondemand::value& v, std::string_view& out, bool& escaped) noexcept {
  ondemand::raw_json_string raw;
  if (auto e = v.get_raw_json_string().get(raw)) return classify(e);
  const char* begin = raw.raw();
  const char* p = begin;
  // Stage 1 guarantees the string is closed, so this scan ends inside the document.
  while (*p != '"' && *p != '\\') ++p;
  escaped = *p == '\\';
  out = std::string_view(begin, static_cast<std::size_t>(p - begin));
  return feed_errc::ok;
}

}  // namespace

std::string_view key_text(const ondemand::raw_json_string& key) noexcept {
  const char* begin = key.raw();
  const char* p = begin;
  while (*p != '"' && *p != '\\') ++p;
  if (*p == '\\') return {};
  return {begin, static_cast<std::size_t>(p - begin)};
}

feed_errc peek_type(ondemand::value& v, ondemand::json_type& type) noexcept {
  if (auto e = v.type().get(type)) return classify(e);
  if (type == ondemand::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return feed_errc::invalid_json;
  }
  return feed_errc::ok;
}

feed_errc read_text(ondemand::value& v, std::string_view& out, bool& present) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  present = false;
  if (type == ondemand::json_type::null) return feed_errc::ok;
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  bool escaped = false;
  if (auto e = plain_string(v, out, escaped); e != feed_errc::ok) return e;
  if (escaped) return feed_errc::unexpected_shape;
  present = true;
  return feed_errc::ok;
}

feed_errc read_decimal_string(ondemand::value& v, decimal& out, bool& present) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  present = false;
  if (type == ondemand::json_type::null) return feed_errc::ok;
  if (type != ondemand::json_type::string) return feed_errc::unexpected_shape;
  std::string_view text;
  bool escaped = false;
  if (auto e = plain_string(v, text, escaped); e != feed_errc::ok) return e;
  if (escaped) return feed_errc::bad_number;
  if (text.empty()) return feed_errc::ok;
  if (decimal::parse(text, out) != decimal_errc::ok) return feed_errc::bad_number;
  present = true;
  return feed_errc::ok;
}

feed_errc read_decimal_number(ondemand::value& v, decimal& out, bool& present) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  present = false;
  if (type == ondemand::json_type::null) return feed_errc::ok;
  if (type != ondemand::json_type::number) return feed_errc::unexpected_shape;
  std::string_view token;
  if (auto e = number_token(v, token); e != feed_errc::ok) return e;
  switch (decimal::parse(token, out)) {
    case decimal_errc::ok:
      present = true;
      return feed_errc::ok;
    case decimal_errc::overflow:
      return feed_errc::bad_number;
    default:
      return feed_errc::invalid_json;  // "-", "1.", "1e": not a JSON number at all
  }
}

feed_errc read_ms_as_us(ondemand::value& v, std::int64_t& us, bool& present) noexcept {
  constexpr std::int64_t max_ms = INT64_MAX / 1000;
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  present = false;
  if (type == ondemand::json_type::null) return feed_errc::ok;
  std::int64_t ms = 0;
  if (type == ondemand::json_type::number) {
    if (auto e = v.get_int64().get(ms)) return classify(e);
  } else if (type == ondemand::json_type::string) {
    std::string_view text;
    bool escaped = false;
    if (auto e = plain_string(v, text, escaped); e != feed_errc::ok) return e;
    if (escaped || text.empty() || text.front() < '0' || text.front() > '9') {
      return feed_errc::unexpected_shape;
    }
    const auto r = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      return feed_errc::unexpected_shape;
    }
  } else {
    return feed_errc::unexpected_shape;
  }
  if (ms < 0 || ms > max_ms) return feed_errc::unexpected_shape;
  us = ms * 1000;
  present = true;
  return feed_errc::ok;
}

feed_errc read_u64(ondemand::value& v, std::uint64_t& out, bool& present) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  present = false;
  if (type == ondemand::json_type::null) return feed_errc::ok;
  if (type != ondemand::json_type::number) return feed_errc::unexpected_shape;
  if (auto e = v.get_uint64().get(out)) return classify(e);
  present = true;
  return feed_errc::ok;
}

feed_errc read_trade_id(ondemand::value& v, trade_id& out, bool& present) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  present = false;
  if (type == ondemand::json_type::null) return feed_errc::ok;
  std::string_view text;
  if (type == ondemand::json_type::number) {
    // Non-negative integers only, kept as their digits.
    if (auto e = number_token(v, text); e != feed_errc::ok) return e;
    for (const char c : text) {
      if (c < '0' || c > '9') return feed_errc::unexpected_shape;
    }
  } else if (type == ondemand::json_type::string) {
    bool escaped = false;
    if (auto e = plain_string(v, text, escaped); e != feed_errc::ok) return e;
    if (escaped) return feed_errc::unexpected_shape;
  } else {
    return feed_errc::unexpected_shape;
  }
  if (!trade_id::make(text, out)) return feed_errc::unexpected_shape;
  present = true;
  return feed_errc::ok;
}

feed_errc read_bool(ondemand::value& v, bool& out) noexcept {
  ondemand::json_type type;
  if (auto e = peek_type(v, type); e != feed_errc::ok) return e;
  if (type != ondemand::json_type::boolean) return feed_errc::unexpected_shape;
  if (v.get_bool().get(out)) return feed_errc::invalid_json;  // "tru"
  return feed_errc::ok;
}

trade_sequence::verdict trade_sequence::check(instrument_id id, std::uint64_t value,
                                              bool consecutive) noexcept {
  const auto i = static_cast<std::size_t>(id);
  if (i >= last_.size()) return verdict::fresh;
  if (!known_[i]) {
    known_[i] = true;
    last_[i] = value;
    return verdict::fresh;
  }
  if (value <= last_[i]) return verdict::stale;
  const bool jumped = consecutive && value > last_[i] + 1;
  last_[i] = value;
  return jumped ? verdict::gap : verdict::fresh;
}

}  // namespace tickerd::venue_json
