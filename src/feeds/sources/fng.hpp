// The Fear & Greed index (channel `fng`): the alternative.me API's response, the index tickerd
// computes from its own composites (docs/FNG.md), and the channel's `data`. Pure functions.
//
// alternative.me, GET https://api.alternative.me/fng/?limit=1:
//   {"name":"Fear and Greed Index","data":[{"value":"40","value_classification":"Fear",
//    "timestamp":"1551157200","time_until_update":"68499"}],"metadata":{"error":null}}
// Numbers come as strings; time_until_update is given for the newest entry only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/decimal.hpp"

namespace tickerd::fng {

inline constexpr int min_value = 0;
inline constexpr int max_value = 100;

// The five bands, with alternative.me's labels: 0-24 Extreme Fear, 25-46 Fear, 47-54 Neutral,
// 55-75 Greed, 76-100 Extreme Greed. Used for the computed index; the API's own label is
// passed on as it comes.
std::string_view classify(int value) noexcept;

// ---- the API -----------------------------------------------------------------------------

struct api_reading {
  int value = 0;
  std::string classification;  // exactly as the API wrote it
  std::int64_t timestamp_s = 0;
  std::optional<std::int64_t> time_until_update_s;
};

enum class api_errc : std::uint8_t {
  ok = 0,
  invalid_json,
  unexpected_shape,  // valid JSON, but no data[0] with the fields above
  bad_value,         // a value out of 0..100, a timestamp that is not a count of seconds, …
  api_error,         // metadata.error says what went wrong
  too_large,
};
std::string_view to_string(api_errc e) noexcept;

// Longest value_classification accepted (the API's longest is "Extreme Greed").
inline constexpr std::size_t max_classification_bytes = 64;

// Reads the newest entry (data[0]) of a response body; `out` is set only on ok.
api_errc parse_api_response(std::string_view body, api_reading& out);

// ---- the computed index ------------------------------------------------------------------

// One instrument's composite, as the index reads it.
struct coin {
  std::string base;                   // "BTC"
  std::optional<decimal> change_pct;  // 24 h change, percent
  std::optional<decimal> high_24h;
  std::optional<decimal> low_24h;
  std::optional<decimal> volume_quote;  // 24 h volume in the quote currency
};

// Component scores in hundredths (0 … 10000 = 0 … 100), each present only when its inputs are.
struct computed_index {
  int value = 0;                  // 0 … 100
  std::optional<int> change;      // BTC 24 h change
  std::optional<int> breadth;     // share of coins up
  std::optional<int> volatility;  // median 24 h range, inverted
  std::optional<int> dominance;   // BTC share of quote volume, inverted
};

// Weights (percent) of the components; missing components drop out and the rest are scaled.
inline constexpr int weight_change = 25;
inline constexpr int weight_breadth = 25;
inline constexpr int weight_volatility = 30;
inline constexpr int weight_dominance = 20;
// The BTC share of quote volume (basis points) that scores 50: about its usual share among the
// large coins. More BTC share is a flight to safety (fear), less is alt speculation (greed).
inline constexpr int neutral_btc_share_bp = 4500;

// nullopt when no instrument has a 24 h change yet. docs/FNG.md has the formulas.
std::optional<computed_index> compute_index(const std::vector<coin>& coins);

// ---- the channel's data ------------------------------------------------------------------

enum class source : std::uint8_t { api, computed };
std::string_view to_string(source s) noexcept;  // "alternative.me", "computed"

struct message {
  int value = 0;
  std::string classification;
  source from = source::computed;
  std::int64_t timestamp_us = 0;                    // the value's own time
  std::optional<std::int64_t> time_until_update_s;  // null when unknown
  std::optional<int> computed;                      // the computed index, null before data
  std::int64_t ts_us = 0;                           // when tickerd published this
};

// Appends the fng `data` object (docs/PROTOCOL.md).
void encode(std::string& out, const message& m);

}  // namespace tickerd::fng
