// The alternative.me Fear & Greed API (GET /fng/), served by the sim as plain HTTP on its port.
// Pure: the response for a seed, a time and a query.
//
// Copied from https://alternative.me/crypto/fear-and-greed-index/ ("API"): GET /fng/ with
// `limit` (default 1; 0 = every day since the index began, 2018-02-01), `format` json,
// `date_format` ignored. The response:
//   {"name":"Fear and Greed Index","data":[{"value":"40","value_classification":"Fear",
//    "timestamp":"1551157200","time_until_update":"68499"}, …],"metadata":{"error":null}}
// newest first; numbers are strings; time_until_update only on the newest entry. The sim's
// choices: a day is a UTC day (timestamp = its midnight), its value a deterministic function
// of the seed and the day (5 … 95), labelled with the API's five bands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickerd::sim::fng {

inline constexpr std::string_view path = "/fng/";
inline constexpr std::int64_t seconds_per_day = 86'400;
inline constexpr std::int64_t first_day = 17'563;  // 2018-02-01, days since the epoch
inline constexpr std::int64_t max_limit = 100'000;

// The value of UTC day `day` (days since the epoch) for `seed`.
int value_for_day(std::uint64_t seed, std::int64_t day) noexcept;
// The API's label for a value: Extreme Fear, Fear, Neutral, Greed, Extreme Greed.
std::string_view classify(int value) noexcept;

struct query {
  std::int64_t limit = 1;
};
// Reads `limit` and `format` from a target's query string ("/fng/?limit=1&format=json").
// nullopt with `error` set for a limit that is not a count or a format other than json.
std::optional<query> parse_query(std::string_view target, std::string& error);

// The response body at wall time `now_s`.
std::string response_body(std::uint64_t seed, std::int64_t now_s, const query& q);

// The body the real API sends with an error: {"name":…,"data":[],"metadata":{"error":"…"}}.
std::string error_body(std::string_view message);

}  // namespace tickerd::sim::fng
