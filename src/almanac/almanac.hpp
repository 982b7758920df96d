// The daily crypto almanac (channel `almanac`): computed locally for a configured time zone from
// astronomy, the traditional calendar and a small market summary. compute_almanac() is the
// expensive, once-a-day part (solar terms, moon); compute_fortune() is cheap and deterministic
// and can be redone whenever the market summary changes; encode_almanac() writes the channel's
// `data` (docs/PROTOCOL.md, "Channel `almanac`"; formulas in docs/ALMANAC.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "almanac/astronomy.hpp"
#include "almanac/calendar.hpp"
#include "almanac/civil.hpp"
#include "almanac/time_zone.hpp"
#include "tickerd/core/decimal.hpp"

namespace tickerd::almanac {

// Local dates the almanac computes: the astronomy around them must stay within 1900..2100.
inline constexpr civil_date first_supported_date{1901, 1, 1};
inline constexpr civil_date last_supported_date{2099, 12, 31};

enum class almanac_errc : std::uint8_t {
  ok = 0,
  invalid_date,       // no such calendar date (2025-02-30, month 13 …)
  date_out_of_range,  // outside first_supported_date .. last_supported_date
};
std::string_view to_string(almanac_errc e) noexcept;

// The local calendar date of an instant, and the first instant of a local date (a DST gap at
// midnight starts the day at the end of the gap).
civil_date local_date(unix_seconds t, const time_zone& tz) noexcept;
unix_seconds local_day_start(const civil_date& d, const time_zone& tz) noexcept;

enum class moon_phase : std::uint8_t {
  new_moon,
  waxing_crescent,
  first_quarter,
  waxing_gibbous,
  full_moon,
  waning_gibbous,
  last_quarter,
  waning_crescent,
};
std::string_view to_key(moon_phase p) noexcept;   // "waning_crescent"
text moon_phase_name(moon_phase p) noexcept;      // 残月 / Waning crescent
text moon_market_reading(moon_phase p) noexcept;  // 底部反弹 / Rebound off the bottom

struct solar_term_at {
  int term = 0;         // 0 = 小寒 … 23 = 冬至
  unix_seconds at = 0;  // the instant the Sun reaches the term's longitude
};

// Everything about one local day that does not depend on the market.
struct almanac_day {
  civil_date date;
  std::string tz_name;
  unix_seconds day_start = 0;  // first instant of the local day
  unix_seconds day_end = 0;    // first instant of the next local day

  int sexagenary_year = 0;  // Gregorian year in which this sexagenary year began (立春)
  ganzhi year;
  ganzhi month;  // by the solar-term month in force at the end of the local day
  ganzhi day;
  day_officer officer = day_officer::establish;

  solar_term_at current_term;  // the latest term begun by the end of the day
  bool term_today = false;     // current_term began during this local day
  solar_term_at next_term;

  moon_phase phase = moon_phase::new_moon;
  std::optional<unix_seconds> phase_at;  // the principal phase's instant, when it is today
  int illumination_pct = 0;              // at local noon
  int moon_age_tenths = 0;               // days since the last new moon at local noon, × 10
  unix_seconds next_new_moon = 0;        // at or after the day's start
  unix_seconds next_full_moon = 0;

  element_relation stem_to_month = element_relation::same;    // day stem vs month branch
  element_relation branch_to_month = element_relation::same;  // day branch vs month branch
  yi_ji lists;
};

struct almanac_result {
  almanac_errc error = almanac_errc::ok;
  almanac_day day;
  explicit operator bool() const noexcept { return error == almanac_errc::ok; }
};

almanac_result compute_almanac(const civil_date& date, const time_zone& tz);
// The almanac of the local date that contains `now`.
almanac_result compute_almanac_at(unix_seconds now, const time_zone& tz);

// What the caller knows about the market; every field is optional. Percentages are exact
// decimals as the ticker channels carry them ("-0.99"), never doubles.
struct market_summary {
  std::optional<decimal> btc_change_pct;        // BTC-USDT 24 h change, percent
  std::uint32_t coins_up = 0;                   // tracked coins whose 24 h change is above 0
  std::uint32_t coins_total = 0;                // tracked coins with a known 24 h change
  std::optional<decimal> btc_month_change_pct;  // BTC change since the solar month began
  std::optional<decimal> btc_range_pct;         // BTC (high_24h - low_24h) / low_24h × 100
};

enum class month_mood : std::uint8_t {
  range_bound,     // 横盘震荡
  choppy_bullish,  // 震荡偏多
  choppy_bearish,  // 震荡偏空
  steady_climb,    // 稳步走高
  grinding_lower,  // 阴跌走弱
  one_way_rally,   // 单边上涨
  one_way_slide,   // 单边下跌
};
text month_mood_name(month_mood m) noexcept;

// The score's parts in hundredths of a point (docs/ALMANAC.md, "Fortune score").
struct fortune {
  int score = 0;  // -10 … +10
  int btc_part = 0;
  int breadth_part = 0;
  int officer_part = 0;
  int moon_part = 0;
  int element_part = 0;
  int mood_trend = 0;  // month trend in hundredths of a percent, pillar bias included
  month_mood mood = month_mood::range_bound;
};

fortune compute_fortune(const almanac_day& day, const market_summary& market) noexcept;

// Appends the `almanac` channel's data object (both languages) for `day` and `f`.
void encode_almanac(std::string& out, const almanac_day& day, const fortune& f);

// "辛生水,酉金生水": the day stem and the day branch against the month branch's element.
std::string five_elements_zh(const almanac_day& day);
std::string five_elements_en(const almanac_day& day);

}  // namespace tickerd::almanac
