// Fear & Greed: the API's response, the computed index and the channel data. Integer math
// only: the computed index is reproducible to the last digit (docs/FNG.md).
#include "feeds/sources/fng.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "feeds/venues/json_frame.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::fng {

namespace dom = simdjson::dom;

namespace {

using i128 = decimal::mantissa_type;

constexpr std::size_t max_body_bytes = 1u << 20;
constexpr int full = 10'000;  // 100.00 in hundredths
// Scale the volumes are compared at: exact for any volume with at most 12 decimals.
constexpr int volume_scale = 12;

// A JSON integer, or a string of ASCII digits (the API quotes its numbers); never negative.
bool read_count(dom::element e, std::int64_t& out) noexcept {
  if (e.get(out) == simdjson::SUCCESS) return out >= 0;
  std::uint64_t u = 0;
  if (e.get(u) == simdjson::SUCCESS) return false;  // above int64: not a count we accept
  std::string_view text;
  if (e.get(text) != simdjson::SUCCESS || text.empty()) return false;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size() && text.front() != '-';
}

int clamp_score(std::int64_t v) noexcept {
  return static_cast<int>(std::clamp<std::int64_t>(v, 0, full));
}

// Percentages in hundredths are clamped here, far beyond where every score saturates, so the
// score arithmetic stays in int64 whatever a 38-digit decimal holds.
constexpr std::int64_t hundredths_cap = 1'000'000'000'000;

std::int64_t clamped(i128 v) noexcept {
  return static_cast<std::int64_t>(std::clamp<i128>(v, -hundredths_cap, hundredths_cap));
}

// A decimal's value in hundredths (scale 2), rounded half away from zero.
std::optional<std::int64_t> hundredths(decimal d) noexcept {
  decimal r;
  if (!d.rescale(2, r)) return std::nullopt;
  return clamped(r.mantissa());
}

// The volume at volume_scale (finer ones truncated); nullopt when it leaves 128 bits.
std::optional<i128> lift(decimal d) noexcept {
  i128 v = d.mantissa();
  for (int s = d.scale(); s < volume_scale; ++s) {
    if (__builtin_mul_overflow(v, 10, &v)) return std::nullopt;
  }
  for (int s = d.scale(); s > volume_scale; --s) v /= 10;
  return v;
}

}  // namespace

std::string_view classify(int value) noexcept {
  if (value <= 24) return "Extreme Fear";
  if (value <= 46) return "Fear";
  if (value <= 54) return "Neutral";
  if (value <= 75) return "Greed";
  return "Extreme Greed";
}

std::string_view to_string(api_errc e) noexcept {
  switch (e) {
    case api_errc::ok:
      return "ok";
    case api_errc::invalid_json:
      return "invalid_json";
    case api_errc::unexpected_shape:
      return "unexpected_shape";
    case api_errc::bad_value:
      return "bad_value";
    case api_errc::api_error:
      return "api_error";
    case api_errc::too_large:
      return "too_large";
  }
  return "unknown";
}

std::string_view to_string(source s) noexcept {
  return s == source::api ? "alternative.me" : "computed";
}

api_errc parse_api_response(std::string_view body, api_reading& out) {
  if (body.size() > max_body_bytes) return api_errc::too_large;
  dom::parser parser(max_body_bytes);
  dom::element root;
  // parse() copies the body into a padded buffer of its own.
  if (auto e = parser.parse(body.data(), body.size()).get(root)) {
    return e == simdjson::CAPACITY ? api_errc::too_large : api_errc::invalid_json;
  }
  dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return api_errc::unexpected_shape;
  if (dom::element error; obj["metadata"]["error"].get(error) == simdjson::SUCCESS) {
    if (!error.is_null()) return api_errc::api_error;
  }
  dom::array data;
  dom::object first;
  if (obj["data"].get(data) != simdjson::SUCCESS || data.size() == 0 ||
      data.at(0).get(first) != simdjson::SUCCESS) {
    return api_errc::unexpected_shape;
  }
  dom::element value;
  dom::element timestamp;
  std::string_view label;
  if (first["value"].get(value) != simdjson::SUCCESS ||
      first["timestamp"].get(timestamp) != simdjson::SUCCESS ||
      first["value_classification"].get(label) != simdjson::SUCCESS) {
    return api_errc::unexpected_shape;
  }
  api_reading r;
  std::int64_t v = 0;
  if (!read_count(value, v) || v < min_value || v > max_value) return api_errc::bad_value;
  r.value = static_cast<int>(v);
  if (label.empty() || label.size() > max_classification_bytes) return api_errc::bad_value;
  r.classification.assign(label);
  if (!read_count(timestamp, r.timestamp_s) || r.timestamp_s == 0) return api_errc::bad_value;
  if (dom::element until;
      first["time_until_update"].get(until) == simdjson::SUCCESS && !until.is_null()) {
    std::int64_t s = 0;
    if (!read_count(until, s)) return api_errc::bad_value;
    r.time_until_update_s = s;
  }
  out = std::move(r);
  return api_errc::ok;
}

std::optional<computed_index> compute_index(const std::vector<coin>& coins) {
  computed_index out;
  std::int64_t with_change = 0;
  std::int64_t up = 0;
  std::vector<std::int64_t> ranges;
  i128 total_volume = 0;
  std::optional<i128> btc_volume;
  bool volume_overflow = false;  // beyond 128 bits at volume_scale: no dominance score
  for (const coin& c : coins) {
    const bool btc = c.base == "BTC";
    if (c.change_pct) {
      ++with_change;
      if (c.change_pct->mantissa() > 0) ++up;
      if (btc && !out.change) {
        if (const auto h = hundredths(*c.change_pct)) {
          // 50 + 5 × change%: +10 % or more scores 100, -10 % or less 0.
          out.change = clamp_score(full / 2 + 5 * *h);
        }
      }
    }
    if (c.high_24h && c.low_24h && c.low_24h->mantissa() > 0) {
      decimal range;
      if (decimal::change_pct(*c.high_24h, *c.low_24h, 2, range))
        ranges.push_back(clamped(range.mantissa()));
    }
    if (c.volume_quote && !c.volume_quote->is_negative()) {
      const std::optional<i128> v = lift(*c.volume_quote);
      if (!v || __builtin_add_overflow(total_volume, *v, &total_volume)) volume_overflow = true;
      if (v && btc && !btc_volume) btc_volume = v;
    }
  }
  if (with_change > 0) {
    // Share of coins up, 0 … 100, rounded half up.
    out.breadth = static_cast<int>((2 * full * up + with_change) / (2 * with_change));
  }
  if (!ranges.empty()) {
    // The median 24 h range (the midpoint of the middle two for an even count), then
    // 100 - 8 × range%: 0 % scores 100, 6.25 % scores 50, 12.5 % or more 0.
    std::sort(ranges.begin(), ranges.end());
    const std::size_t n = ranges.size();
    const std::int64_t median =
        n % 2 == 1 ? ranges[n / 2] : (ranges[n / 2 - 1] + ranges[n / 2] + 1) / 2;
    out.volatility = clamp_score(full - 8 * median);
  }
  i128 share_num = 0;
  i128 share_den = 0;
  if (btc_volume && total_volume > 0 && !volume_overflow &&
      !__builtin_mul_overflow(*btc_volume, 20'000, &share_num) &&
      !__builtin_add_overflow(share_num, total_volume, &share_num) &&
      !__builtin_mul_overflow(total_volume, 2, &share_den)) {
    const auto share_bp = static_cast<std::int64_t>(share_num / share_den);  // rounded half up
    // 50 + 2 × (45 % - share): 20 % scores 100, 70 % or more 0.
    out.dominance = clamp_score(full / 2 + 2 * (neutral_btc_share_bp - share_bp));
  }

  std::int64_t weighted = 0;
  std::int64_t weights = 0;
  const auto add = [&](const std::optional<int>& score, int weight) {
    if (!score) return;
    weighted += static_cast<std::int64_t>(*score) * weight;
    weights += weight;
  };
  add(out.change, weight_change);
  add(out.breadth, weight_breadth);
  add(out.volatility, weight_volatility);
  add(out.dominance, weight_dominance);
  if (with_change == 0 || weights == 0) return std::nullopt;
  // weighted / weights is in hundredths; the value is that / 100, rounded half up.
  const std::int64_t den = weights * 100;
  out.value = static_cast<int>((2 * weighted + den) / (2 * den));
  return out;
}

void encode(std::string& out, const message& m) {
  out.append(R"({"value":)");
  json::append_int(out, m.value);
  json::append_key(out, "value_classification");
  json::append_string(out, m.classification);
  json::append_key(out, "source");
  json::append_string(out, to_string(m.from));
  json::append_key(out, "timestamp");
  json::append_int(out, m.timestamp_us);
  json::append_key(out, "time_until_update_s");
  if (m.time_until_update_s) {
    json::append_int(out, *m.time_until_update_s);
  } else {
    out.append("null");
  }
  json::append_key(out, "computed");
  if (m.computed) {
    out.append(R"({"value":)");
    json::append_int(out, *m.computed);
    json::append_key(out, "value_classification");
    json::append_string(out, classify(*m.computed));
    out.push_back('}');
  } else {
    out.append("null");
  }
  json::append_key(out, "ts");
  json::append_int(out, m.ts_us);
  out.push_back('}');
}

}  // namespace tickerd::fng
