#include "sim/fng_api.hpp"

#include <algorithm>
#include <charconv>

#include "sim/sim_hash.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::fng {

namespace {

constexpr std::string_view name = "Fear and Greed Index";
constexpr int lowest = 5;
constexpr int spread = 91;  // values 5 … 95

void append_quoted_int(std::string& out, std::int64_t v) {
  out.push_back('"');
  json::append_int(out, v);
  out.push_back('"');
}

}  // namespace

int value_for_day(std::uint64_t seed, std::int64_t day) noexcept {
  return lowest + static_cast<int>(mix64(mix64(seed) ^ static_cast<std::uint64_t>(day)) % spread);
}

std::string_view classify(int value) noexcept {
  if (value <= 24) return "Extreme Fear";
  if (value <= 46) return "Fear";
  if (value <= 54) return "Neutral";
  if (value <= 75) return "Greed";
  return "Extreme Greed";
}

std::optional<query> parse_query(std::string_view target, std::string& error) {
  query q;
  const auto mark = target.find('?');
  if (mark == std::string_view::npos) return q;
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view item = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    if (key == "limit") {
      std::int64_t n = 0;
      const auto r = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || r.ec != std::errc{} || r.ptr != value.data() + value.size() || n < 0) {
        error = "limit must be a whole number";
        return std::nullopt;
      }
      q.limit = std::min(n, max_limit);
    } else if (key == "format") {
      if (value != "json") {
        error = "the simulator serves format=json only";
        return std::nullopt;
      }
    }
    // date_format and anything else: ignored, as the API ignores what it does not know.
  }
  return q;
}

std::string response_body(std::uint64_t seed, std::int64_t now_s, const query& q) {
  const std::int64_t today = now_s / seconds_per_day;
  const std::int64_t available = today - first_day + 1;
  const std::int64_t count = q.limit == 0 ? available : std::min(q.limit, available);
  std::string out = R"({"name":")";
  out += name;
  out += R"(","data":[)";
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t day = today - i;
    const int value = value_for_day(seed, day);
    if (i != 0) out += ',';
    out += R"({"value":)";
    append_quoted_int(out, value);
    out += R"(,"value_classification":)";
    json::append_string(out, classify(value));
    out += R"(,"timestamp":)";
    append_quoted_int(out, day * seconds_per_day);
    if (i == 0) {
      out += R"(,"time_until_update":)";
      append_quoted_int(out, (day + 1) * seconds_per_day - now_s);
    }
    out += '}';
  }
  out += R"(],"metadata":{"error":null}})";
  return out;
}

std::string error_body(std::string_view message) {
  std::string out = R"({"name":")";
  out += name;
  out += R"(","data":[],"metadata":{"error":)";
  json::append_string(out, message);
  out += "}}";
  return out;
}

}  // namespace tickerd::sim::fng
