#include "almanac/almanac.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::almanac {
namespace {

constexpr std::int64_t seconds_per_day = 86400;
// Offsets in the tz database stay within -25 h .. +26 h; a local day starts within this much
// of its UTC midnight.
constexpr std::int64_t max_offset_seconds = 27 * 3600;

constexpr std::array<text, 8> phase_names{{
    {"新月", "New moon"},
    {"蛾眉月", "Waxing crescent"},
    {"上弦月", "First quarter"},
    {"盈凸月", "Waxing gibbous"},
    {"满月", "Full moon"},
    {"亏凸月", "Waning gibbous"},
    {"下弦月", "Last quarter"},
    {"残月", "Waning crescent"},
}};

// The market reading of each phase: the Moon's light as the market's strength. The last
// crescent before the new moon is the bottom before the rebound (the seed shows 底部反弹 on
// 2025-12-18, two days before the new moon).
constexpr std::array<text, 8> phase_readings{{
    {"蓄势待发", "Coiled for the next move"},
    {"企稳回升", "Steadying and edging higher"},
    {"多头发力", "Bulls step in"},
    {"加速上攻", "Rally gathers pace"},
    {"高位震荡", "Choppy near the highs"},
    {"冲高回落", "Fading from the highs"},
    {"空头占优", "Bears in control"},
    {"底部反弹", "Rebound off the bottom"},
}};

constexpr std::array<std::string_view, 8> phase_keys{{
    "new_moon",
    "waxing_crescent",
    "first_quarter",
    "waxing_gibbous",
    "full_moon",
    "waning_gibbous",
    "last_quarter",
    "waning_crescent",
}};

// The moon's part of the fortune score, hundredths of a point, in phase order.
constexpr std::array<int, 8> moon_bias{{0, 50, 100, 50, 0, -50, -100, 50}};

constexpr std::array<text, 7> mood_names{{
    {"横盘震荡", "Range-bound"},
    {"震荡偏多", "Choppy, leaning bullish"},
    {"震荡偏空", "Choppy, leaning bearish"},
    {"稳步走高", "Steady climb"},
    {"阴跌走弱", "Grinding lower"},
    {"单边上涨", "One-way rally"},
    {"单边下跌", "One-way slide"},
}};

// Score and mood constants, all in hundredths (docs/ALMANAC.md).
constexpr int btc_cap = 500;            // ±5 points from the 24 h change (1 point per 1 %)
constexpr int breadth_weight = 200;     // ±2 points from the share of coins up
constexpr int officer_weight = 100;     // ±1 point: 黄道 or 黑道 officer
constexpr int month_change_cap = 1000;  // the month trend counts up to ±10 %
constexpr int flat_below = 100;         // |trend| under 1 %: range-bound
constexpr int choppy_below = 300;       // under 3 %: choppy with a lean
constexpr int trending_below = 800;     // under 8 %: steady; beyond: one-way
constexpr int volatile_range = 500;     // a 24 h range of 5 % or more keeps it choppy

// A day-stem or day-branch element against the month's, hundredths of a point: being fed by
// the month is a tailwind, being restrained by it a headwind.
int element_bias(element_relation r) noexcept {
  switch (r) {
    case element_relation::generated_by:
      return 100;
    case element_relation::same:
      return 50;
    case element_relation::generates:
      return -50;
    case element_relation::overcomes:
      return 0;
    case element_relation::overcome_by:
      return -100;
  }
  return 0;
}

// The month pillar's own balance (stem against branch) as a trend bias, hundredths of a percent:
// a stem that holds its branch (克) or is fed by it leans up, one held by it leans down.
int month_pillar_bias(ganzhi month) noexcept {
  switch (relate(stem_element(month.stem()), branch_element(month.branch()))) {
    case element_relation::overcomes:
    case element_relation::generated_by:
      return 100;
    case element_relation::same:
      return 50;
    case element_relation::generates:
      return -50;
    case element_relation::overcome_by:
      return -100;
  }
  return 0;
}

std::int64_t local_days(unix_seconds t, const time_zone& tz) noexcept {
  return floor_div(t + tz.utc_offset(t), seconds_per_day);
}

// Hundredths of a percent from an exact decimal percentage, clamped to ±cap.
int hundredths(decimal d, int cap) noexcept {
  decimal r;
  if (!d.rescale(2, r)) return d.is_negative() ? -cap : cap;
  return static_cast<int>(std::clamp<decimal::mantissa_type>(r.mantissa(), -cap, cap));
}

// a / b rounded half away from zero (b > 0).
std::int64_t div_round(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  const std::int64_t r = a % b;
  if (2 * std::llabs(r) >= b) return q + (a < 0 ? -1 : 1);
  return q;
}

void append_text(std::string& out, text t) {
  out.push_back('{');
  json::append_key(out, "zh");
  json::append_string(out, t.zh);
  json::append_key(out, "en");
  json::append_string(out, t.en);
  out.push_back('}');
}

void append_pillar(std::string& out, ganzhi g) {
  out.push_back('{');
  json::append_key(out, "zh");
  json::append_string(out, ganzhi_zh(g));
  json::append_key(out, "en");
  json::append_string(out, ganzhi_en(g));
}

// A JSON number with exactly `scale` decimals from an integer count of 10^-scale units.
void append_fixed(std::string& out, std::int64_t units, int scale) {
  char buf[decimal::max_chars];
  out.append(buf, decimal(units, scale).to_chars(buf));
}

void append_date(std::string& out, const civil_date& d) {
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  json::append_string(out, std::string_view(buf, static_cast<std::size_t>(n)));
}

std::string relation_zh(std::string_view subject, element_relation r, element month_el) {
  const std::string_view el = element_name(month_el).zh;
  std::string s(subject);
  switch (r) {
    case element_relation::same:
      s.append("同").append(el);
      break;
    case element_relation::generates:
      s.append("生").append(el);
      break;
    case element_relation::generated_by:
      s.append("得").append(el).append("生");
      break;
    case element_relation::overcomes:
      s.append("克").append(el);
      break;
    case element_relation::overcome_by:
      s.append("受").append(el).append("克");
      break;
  }
  return s;
}

std::string relation_en(std::string_view subject, element subject_el, element_relation r,
                        element month_el) {
  std::string s(subject);
  s.append(" (").append(element_name(subject_el).en).append(")");
  switch (r) {
    case element_relation::same:
      s.append(" matches ");
      break;
    case element_relation::generates:
      s.append(" feeds ");
      break;
    case element_relation::generated_by:
      s.append(" is fed by ");
      break;
    case element_relation::overcomes:
      s.append(" restrains ");
      break;
    case element_relation::overcome_by:
      s.append(" is restrained by ");
      break;
  }
  s.append(element_name(month_el).en);
  return s;
}

void append_activity_list(std::string& out, const std::vector<std::size_t>& list) {
  out.push_back('[');
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i != 0) out.push_back(',');
    append_text(out, activities()[list[i]].name);
  }
  out.push_back(']');
}

}  // namespace

std::string_view to_string(almanac_errc e) noexcept {
  switch (e) {
    case almanac_errc::ok:
      return "ok";
    case almanac_errc::invalid_date:
      return "no such date";
    case almanac_errc::date_out_of_range:
      return "date outside 1901-01-01 .. 2099-12-31";
  }
  return "unknown";
}

civil_date local_date(unix_seconds t, const time_zone& tz) noexcept {
  return civil_from_days(local_days(t, tz));
}

unix_seconds local_day_start(const civil_date& d, const time_zone& tz) noexcept {
  // The first instant whose local date is d or later: a bisection over seconds, since local
  // days follow UTC with offsets and DST jumps (a jump at midnight moves the start).
  const std::int64_t target = days_from_civil(d);
  unix_seconds lo = target * seconds_per_day - max_offset_seconds;  // local date before d
  unix_seconds hi = target * seconds_per_day + max_offset_seconds;  // local date d or later
  while (hi - lo > 1) {
    const unix_seconds mid = lo + (hi - lo) / 2;
    if (local_days(mid, tz) >= target) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

std::string_view to_key(moon_phase p) noexcept {
  return phase_keys[static_cast<std::size_t>(p)];
}
text moon_phase_name(moon_phase p) noexcept {
  return phase_names[static_cast<std::size_t>(p)];
}
text moon_market_reading(moon_phase p) noexcept {
  return phase_readings[static_cast<std::size_t>(p)];
}
text month_mood_name(month_mood m) noexcept {
  return mood_names[static_cast<std::size_t>(m)];
}

almanac_result compute_almanac(const civil_date& date, const time_zone& tz) {
  almanac_result result;
  if (!is_valid(date)) return {almanac_errc::invalid_date, {}};
  const std::int64_t days = days_from_civil(date);
  if (days < days_from_civil(first_supported_date) || days > days_from_civil(last_supported_date)) {
    return {almanac_errc::date_out_of_range, {}};
  }
  almanac_day& a = result.day;
  a.date = date;
  a.tz_name = tz.name();
  a.day_start = local_day_start(date, tz);
  a.day_end = local_day_start(civil_from_days(days + 1), tz);
  const unix_seconds last = a.day_end - 1;

  // A day belongs to the solar-term month (and the sexagenary year) in force at its end: the
  // day of a 节 already counts in the new month, which is also why the officer repeats on it
  // (每月交节则叠两值日).
  const double sun = sun_longitude_at(last);
  const int month_from_yin = static_cast<int>(std::fmod(sun - 315.0 + 360.0, 360.0) / 30.0) % 12;
  a.sexagenary_year = date.year - (date.month <= 2 && month_from_yin >= 10 ? 1 : 0);
  a.year = year_ganzhi(a.sexagenary_year);
  a.month = month_ganzhi(a.year.stem(), month_from_yin);
  a.day = day_ganzhi(days);
  a.officer = officer_of(a.month.branch(), a.day.branch());

  const int term =
      static_cast<int>(std::fmod(sun - 285.0 + 360.0, 360.0) / 15.0) % solar_term_count;
  a.current_term = {term, previous_sun_longitude(solar_term_longitude(term), last)};
  a.term_today = a.current_term.at >= a.day_start;
  const int next = (term + 1) % solar_term_count;
  a.next_term = {next, next_sun_longitude(solar_term_longitude(next), last)};

  // Principal phases are instants: the day on which one falls is named after it; the days in
  // between after the quarter of the cycle they are in.
  const double e0 = lunar_elongation_at(a.day_start);
  double e1 = lunar_elongation_at(last);
  if (e1 < e0) e1 += 360.0;
  constexpr std::array<double, 5> principal{0.0, 90.0, 180.0, 270.0, 360.0};
  constexpr std::array<moon_phase, 5> principal_phase{
      moon_phase::new_moon, moon_phase::first_quarter, moon_phase::full_moon,
      moon_phase::last_quarter, moon_phase::new_moon};
  bool found = false;
  for (std::size_t i = 0; i < principal.size() && !found; ++i) {
    if (e0 <= principal[i] && principal[i] <= e1) {
      a.phase = principal_phase[i];
      a.phase_at = next_lunar_phase(std::fmod(principal[i], 360.0), a.day_start);
      found = true;
    }
  }
  if (!found) {
    a.phase = e0 < 90.0    ? moon_phase::waxing_crescent
              : e0 < 180.0 ? moon_phase::waxing_gibbous
              : e0 < 270.0 ? moon_phase::waning_gibbous
                           : moon_phase::waning_crescent;
  }
  const unix_seconds noon = a.day_start + (a.day_end - a.day_start) / 2;
  a.illumination_pct = static_cast<int>(std::lround(100.0 * moon_illumination_at(noon)));
  const unix_seconds last_new = previous_lunar_phase(0.0, noon);
  constexpr double seconds_per_tenth_day = seconds_per_day / 10.0;
  a.moon_age_tenths =
      static_cast<int>(std::lround(static_cast<double>(noon - last_new) / seconds_per_tenth_day));
  a.next_new_moon = next_lunar_phase(0.0, a.day_start);
  a.next_full_moon = next_lunar_phase(180.0, a.day_start);

  const element month_el = branch_element(a.month.branch());
  a.stem_to_month = relate(stem_element(a.day.stem()), month_el);
  a.branch_to_month = relate(branch_element(a.day.branch()), month_el);
  a.lists = day_yi_ji(a.officer, a.day);
  return result;
}

almanac_result compute_almanac_at(unix_seconds now, const time_zone& tz) {
  return compute_almanac(local_date(now, tz), tz);
}

fortune compute_fortune(const almanac_day& day, const market_summary& market) noexcept {
  fortune f;
  if (market.btc_change_pct) f.btc_part = hundredths(*market.btc_change_pct, btc_cap);
  if (market.coins_total > 0) {
    const std::int64_t total = market.coins_total;
    const std::int64_t up = std::min<std::int64_t>(market.coins_up, total);
    f.breadth_part = static_cast<int>(div_round(breadth_weight * (2 * up - total), total));
  }
  f.officer_part = officer_auspicious(day.officer) ? officer_weight : -officer_weight;
  f.moon_part = moon_bias[static_cast<std::size_t>(day.phase)];
  f.element_part = (element_bias(day.stem_to_month) + element_bias(day.branch_to_month)) / 2;
  const std::int64_t total =
      f.btc_part + f.breadth_part + f.officer_part + f.moon_part + f.element_part;
  f.score = static_cast<int>(std::clamp<std::int64_t>(div_round(total, 100), -10, 10));

  f.mood_trend = month_pillar_bias(day.month);
  if (market.btc_month_change_pct) {
    f.mood_trend += hundredths(*market.btc_month_change_pct, month_change_cap);
  }
  const bool volatile_day =
      market.btc_range_pct &&
      hundredths(*market.btc_range_pct, 100 * volatile_range) >= volatile_range;
  const int magnitude = std::abs(f.mood_trend);
  const bool up = f.mood_trend > 0;
  if (magnitude < flat_below) {
    f.mood = month_mood::range_bound;
  } else if (magnitude < choppy_below || volatile_day) {
    f.mood = up ? month_mood::choppy_bullish : month_mood::choppy_bearish;
  } else if (magnitude < trending_below) {
    f.mood = up ? month_mood::steady_climb : month_mood::grinding_lower;
  } else {
    f.mood = up ? month_mood::one_way_rally : month_mood::one_way_slide;
  }
  return f;
}

std::string five_elements_zh(const almanac_day& day) {
  const element month_el = branch_element(day.month.branch());
  std::string branch_subject(branch_name(day.day.branch()).zh);
  branch_subject += element_name(branch_element(day.day.branch())).zh;
  std::string s = relation_zh(stem_name(day.day.stem()).zh, day.stem_to_month, month_el);
  s += ',';
  s += relation_zh(branch_subject, day.branch_to_month, month_el);
  return s;
}

std::string five_elements_en(const almanac_day& day) {
  const element month_el = branch_element(day.month.branch());
  std::string s = relation_en(stem_name(day.day.stem()).en, stem_element(day.day.stem()),
                              day.stem_to_month, month_el);
  s += "; ";
  s += relation_en(branch_name(day.day.branch()).en, branch_element(day.day.branch()),
                   day.branch_to_month, month_el);
  return s;
}

void encode_almanac(std::string& out, const almanac_day& a, const fortune& f) {
  constexpr std::int64_t us = 1'000'000;  // seconds to the protocol's µs
  out.push_back('{');
  json::append_key(out, "date");
  append_date(out, a.date);
  json::append_key(out, "tz");
  json::append_string(out, a.tz_name);
  json::append_key(out, "day_start");
  json::append_int(out, a.day_start * us);
  json::append_key(out, "day_end");
  json::append_int(out, a.day_end * us);

  json::append_key(out, "year");
  append_pillar(out, a.year);
  json::append_key(out, "animal");
  append_text(out, zodiac_animal(a.year.branch()));
  out.push_back('}');
  json::append_key(out, "month");
  append_pillar(out, a.month);
  out.push_back('}');
  json::append_key(out, "day");
  append_pillar(out, a.day);
  out.push_back('}');

  json::append_key(out, "solar_term");
  out.push_back('{');
  json::append_key(out, "zh");
  json::append_string(out, solar_term_name(a.current_term.term).zh);
  json::append_key(out, "en");
  json::append_string(out, solar_term_name(a.current_term.term).en);
  json::append_key(out, "at");
  json::append_int(out, a.current_term.at * us);
  json::append_key(out, "today");
  out.append(a.term_today ? "true" : "false");
  out.push_back('}');
  json::append_key(out, "next_solar_term");
  out.push_back('{');
  json::append_key(out, "zh");
  json::append_string(out, solar_term_name(a.next_term.term).zh);
  json::append_key(out, "en");
  json::append_string(out, solar_term_name(a.next_term.term).en);
  json::append_key(out, "at");
  json::append_int(out, a.next_term.at * us);
  out.push_back('}');

  json::append_key(out, "five_elements");
  out.push_back('{');
  json::append_key(out, "zh");
  json::append_string(out, five_elements_zh(a));
  json::append_key(out, "en");
  json::append_string(out, five_elements_en(a));
  out.push_back('}');

  json::append_key(out, "pengzu");
  out.push_back('[');
  append_text(out, pengzu_stem(a.day.stem()));
  out.push_back(',');
  append_text(out, pengzu_branch(a.day.branch()));
  out.push_back(']');

  const ganzhi clash = clash_of(a.day);
  const text animal = zodiac_animal(clash.branch());
  const text sha = sha_direction(a.day.branch());
  json::append_key(out, "clash");
  out.push_back('{');
  json::append_key(out, "zh");
  json::append_string(out, std::string("冲")
                               .append(animal.zh)
                               .append("(")
                               .append(ganzhi_zh(clash))
                               .append(")煞")
                               .append(sha.zh));
  json::append_key(out, "en");
  json::append_string(out, std::string("Clashes with the ")
                               .append(animal.en)
                               .append(" (")
                               .append(ganzhi_en(clash))
                               .append("); sha ")
                               .append(sha.en));
  json::append_key(out, "animal");
  append_text(out, animal);
  json::append_key(out, "pillar");
  append_pillar(out, clash);
  out.push_back('}');
  json::append_key(out, "sha");
  append_text(out, sha);
  out.push_back('}');

  json::append_key(out, "officer");
  out.push_back('{');
  json::append_key(out, "zh");
  json::append_string(out, officer_name(a.officer).zh);
  json::append_key(out, "en");
  json::append_string(out, officer_name(a.officer).en);
  json::append_key(out, "auspicious");
  out.append(officer_auspicious(a.officer) ? "true" : "false");
  out.push_back('}');

  json::append_key(out, "yi");
  append_activity_list(out, a.lists.yi);
  json::append_key(out, "ji");
  append_activity_list(out, a.lists.ji);

  json::append_key(out, "moon");
  out.push_back('{');
  json::append_key(out, "phase");
  json::append_string(out, to_key(a.phase));
  json::append_key(out, "zh");
  json::append_string(out, moon_phase_name(a.phase).zh);
  json::append_key(out, "en");
  json::append_string(out, moon_phase_name(a.phase).en);
  json::append_key(out, "at");
  if (a.phase_at) {
    json::append_int(out, *a.phase_at * us);
  } else {
    out.append("null");
  }
  json::append_key(out, "illumination_pct");
  json::append_int(out, a.illumination_pct);
  json::append_key(out, "age_days");
  append_fixed(out, a.moon_age_tenths, 1);
  json::append_key(out, "reading");
  append_text(out, moon_market_reading(a.phase));
  json::append_key(out, "next_new_moon");
  json::append_int(out, a.next_new_moon * us);
  json::append_key(out, "next_full_moon");
  json::append_int(out, a.next_full_moon * us);
  out.push_back('}');

  json::append_key(out, "fortune");
  out.push_back('{');
  json::append_key(out, "score");
  json::append_int(out, f.score);
  json::append_key(out, "parts");
  out.push_back('{');
  json::append_key(out, "btc");
  append_fixed(out, f.btc_part, 2);
  json::append_key(out, "breadth");
  append_fixed(out, f.breadth_part, 2);
  json::append_key(out, "officer");
  append_fixed(out, f.officer_part, 2);
  json::append_key(out, "moon");
  append_fixed(out, f.moon_part, 2);
  json::append_key(out, "elements");
  append_fixed(out, f.element_part, 2);
  out.append("}}");

  json::append_key(out, "month_mood");
  out.push_back('{');
  json::append_key(out, "zh");
  json::append_string(out, month_mood_name(f.mood).zh);
  json::append_key(out, "en");
  json::append_string(out, month_mood_name(f.mood).en);
  json::append_key(out, "trend_pct");
  append_fixed(out, f.mood_trend, 2);
  out.push_back('}');
  out.push_back('}');
}

}  // namespace tickerd::almanac
