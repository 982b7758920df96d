// The traditional Chinese calendar pieces of the almanac: the sexagenary cycle (干支), the 24
// solar terms (节气), the twelve day officers (建除十二神), the Pengzu taboos (彭祖百忌), the
// day's clash (冲/煞) and the 宜/忌 lists. Pure tables and arithmetic; sources and the
// English glossary are in docs/ALMANAC.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd::almanac {

// Bilingual text: Chinese and English.
struct text {
  std::string_view zh;
  std::string_view en;
};

// One of the 60 stem–branch pairs: 0 = 甲子 … 59 = 癸亥.
struct ganzhi {
  int index = 0;
  constexpr int stem() const noexcept { return index % 10; }    // 0 = 甲 … 9 = 癸
  constexpr int branch() const noexcept { return index % 12; }  // 0 = 子 … 11 = 亥
  friend constexpr bool operator==(ganzhi, ganzhi) = default;
};

constexpr int floor_mod(std::int64_t a, int m) noexcept {
  const auto r = static_cast<int>(a % m);
  return r < 0 ? r + m : r;
}

// The pair with this stem and branch; they must have the same parity (甲子, never 甲丑).
constexpr ganzhi make_ganzhi(int stem, int branch) noexcept {
  return {floor_mod(6 * stem - 5 * branch, 60)};
}

// The day's pair for a day number (days since 1970-01-01, which was 辛巳). Equivalent to the
// usual (JDN + 49) mod 60: JDN 2451545 (2000-01-01) is 戊午.
constexpr ganzhi day_ganzhi(std::int64_t days) noexcept {
  return {floor_mod(days + 17, 60)};
}

// The year's pair for a sexagenary year (the one beginning at 立春 of Gregorian year y).
constexpr ganzhi year_ganzhi(int y) noexcept {
  return {floor_mod(y - 4, 60)};
}

// 五虎遁: the month's stem from the year's stem and the month's number from 寅 (0 = 寅 month,
// starting at 立春 … 11 = 丑 month).
constexpr ganzhi month_ganzhi(int year_stem, int month_from_yin) noexcept {
  const int yin_stem = (year_stem % 5) * 2 + 2;
  return make_ganzhi((yin_stem + month_from_yin) % 10, (2 + month_from_yin) % 12);
}

text stem_name(int stem) noexcept;
text branch_name(int branch) noexcept;
text zodiac_animal(int branch) noexcept;
std::string ganzhi_zh(ganzhi g);  // "辛酉"
std::string ganzhi_en(ganzhi g);  // "Xin-You"

// Five elements (五行): 0 木 wood, 1 火 fire, 2 土 earth, 3 金 metal, 4 水 water.
enum class element : std::uint8_t { wood, fire, earth, metal, water };
text element_name(element e) noexcept;
element stem_element(int stem) noexcept;
element branch_element(int branch) noexcept;

// How `a` relates to `b` in the generating (生) and overcoming (克) cycles.
enum class element_relation : std::uint8_t {
  same,          // 同 (比和)
  generates,     // a 生 b
  generated_by,  // b 生 a (a 得生)
  overcomes,     // a 克 b
  overcome_by,   // b 克 a (a 受克)
};
element_relation relate(element a, element b) noexcept;

// The 24 solar terms, 0 = 小寒 (285°) … 23 = 冬至 (270°): term k starts when the Sun's apparent
// longitude reaches (285 + 15k) mod 360. Even k are 节 (they start a month), odd k are 中气.
inline constexpr int solar_term_count = 24;
text solar_term_name(int k) noexcept;
constexpr double solar_term_longitude(int k) noexcept {
  return static_cast<double>((285 + 15 * k) % 360);
}

// 建除十二神 (day officers), from the month's branch and the day's branch.
enum class day_officer : std::uint8_t {
  establish,
  remove,
  full,
  balance,
  settle,
  hold,
  destruction,
  danger,
  success,
  receive,
  open,
  close,
};
constexpr day_officer officer_of(int month_branch, int day_branch) noexcept {
  return static_cast<day_officer>(floor_mod(day_branch - month_branch, 12));
}
text officer_name(day_officer o) noexcept;
// 除危定执成开 are the auspicious (黄道) officers, 建满平收闭破 the inauspicious ones
// (《御定星历考原》卷五).
bool officer_auspicious(day_officer o) noexcept;

// 彭祖百忌: the day stem's and the day branch's taboo.
text pengzu_stem(int stem) noexcept;
text pengzu_branch(int branch) noexcept;

// The clash (冲): the pair six branches (and four stems) away, with its zodiac animal, and the
// direction of the day's 煞 (申子辰 south, 巳酉丑 east, 寅午戌 north, 亥卯未 west).
constexpr ganzhi clash_of(ganzhi day) noexcept {
  return {floor_mod(day.index - 6, 60)};
}
text sha_direction(int day_branch) noexcept;

// The activities of the 宜/忌 lists, in the order they are listed.
struct activity {
  text name;
  std::uint16_t good_officers;  // bit i = day_officer i: listed under 宜
  std::uint16_t bad_officers;   // listed under 忌
  std::uint16_t bad_stems;      // 彭祖百忌 and stem rules: 忌
  std::uint16_t bad_branches;   // 忌
  std::uint16_t good_branches;  // 宜 (沐浴 on 申酉亥子 days)
};
const std::vector<activity>& activities() noexcept;

struct yi_ji {
  std::vector<std::size_t> yi;  // indexes into activities()
  std::vector<std::size_t> ji;
};
// The day's lists: an activity is 忌 when the officer, the stem or the branch forbids it,
// otherwise 宜 when the officer or the branch favours it ("凡所忌者则不注宜").
yi_ji day_yi_ji(day_officer officer, ganzhi day);

}  // namespace tickerd::almanac
