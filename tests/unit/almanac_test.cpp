// The almanac against published data: solar-term instants (China's official times), lunar
// phases (timeanddate.com), day/month/year pillars and day officers from printed almanacs, the
// seed widget's day (2025-12-18), time zones against the system tz database, and bad input.
#include "almanac/almanac.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/core/decimal.hpp"

namespace tickerd::almanac {
namespace {

unix_seconds utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

// Beijing time (UTC+8, no DST since 1991) to UTC.
unix_seconds beijing(int y, int mo, int d, int h, int mi, int s) {
  return utc(y, mo, d, h, mi, s) - 8 * 3600;
}

decimal dec(std::string_view text) {
  decimal d;
  if (decimal::parse(text, d) != decimal_errc::ok) ADD_FAILURE() << "bad decimal " << text;
  return d;
}

const time_zone& shanghai() {
  static const tz_load_result zone = load_time_zone("Asia/Shanghai");
  // The tz database is a run-time dependency (Debian package tzdata): without it this fails.
  EXPECT_TRUE(zone) << "Asia/Shanghai: " << to_string(zone.error)
                    << " (is the tzdata package installed?)";
  return zone.zone;
}

almanac_day day_in(const time_zone& tz, int y, int m, int d) {
  const almanac_result r = compute_almanac({y, m, d}, tz);
  EXPECT_TRUE(r) << y << "-" << m << "-" << d << ": " << to_string(r.error);
  return r.day;
}

std::vector<std::string> names_zh(const std::vector<std::size_t>& list) {
  std::vector<std::string> out;
  for (const std::size_t i : list) out.emplace_back(activities()[i].name.zh);
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// ---- astronomy ---------------------------------------------------------------------------

TEST(AlmanacAstronomy, SunMatchesMeeusExample25b) {
  // 1992-10-13 0h TD: apparent longitude 199°54′21.818″ (Meeus, Astronomical Algorithms,
  // example 25.b). The four-term nutation costs under 0.5″.
  EXPECT_NEAR(sun_apparent_longitude(2448908.5), 199.906060, 0.0005);
}

TEST(AlmanacAstronomy, MoonMatchesMeeusExample47a) {
  // 1992-04-12 0h TD: geometric longitude 133.162655° (example 47.a).
  EXPECT_NEAR(moon_geometric_longitude(2448724.5), 133.162655, 0.00001);
}

TEST(AlmanacAstronomy, DeltaTNearObservedValues) {
  EXPECT_NEAR(delta_t_seconds(1950.0), 29.1, 0.5);
  EXPECT_NEAR(delta_t_seconds(1975.0), 45.5, 0.5);
  EXPECT_NEAR(delta_t_seconds(2000.0), 63.8, 0.5);
}

struct published_term {
  int term;  // 0 = 小寒 … 23 = 冬至
  unix_seconds at;
};

TEST(AlmanacAstronomy, SolarTermsMatchPublishedBeijingTimes) {
  // Published times (Beijing time) of 立春 (2), 大雪 (22) and 冬至 (23).
  const published_term published[] = {
      {2, beijing(2017, 2, 3, 23, 34, 1)},    {2, beijing(2023, 2, 4, 10, 42, 21)},
      {2, beijing(2024, 2, 4, 16, 26, 53)},   {2, beijing(2025, 2, 3, 22, 10, 13)},
      {2, beijing(2026, 2, 4, 4, 1, 51)},     {2, beijing(2030, 2, 4, 3, 8, 4)},
      {22, beijing(2022, 12, 7, 11, 46, 4)},  {22, beijing(2025, 12, 7, 5, 4, 20)},
      {23, beijing(2021, 12, 21, 23, 59, 9)}, {23, beijing(2025, 12, 21, 23, 2, 48)},
  };
  for (const auto& p : published) {
    // Searching from 20 days before must land on the published instant, within a minute.
    const unix_seconds found = next_sun_longitude(solar_term_longitude(p.term), p.at - 20 * 86400);
    EXPECT_NEAR(static_cast<double>(found), static_cast<double>(p.at), 60.0)
        << solar_term_name(p.term).zh << " " << p.at;
    const unix_seconds back =
        previous_sun_longitude(solar_term_longitude(p.term), p.at + 20 * 86400);
    EXPECT_NEAR(static_cast<double>(back), static_cast<double>(found), 2.0);
  }
}

struct published_phase {
  double elongation;
  unix_seconds at;
};

TEST(AlmanacAstronomy, LunarPhasesMatchPublishedTimes) {
  // timeanddate.com, UTC, rounded to the minute.
  const published_phase published[] = {
      {180, utc(2025, 12, 4, 23, 14)}, {270, utc(2025, 12, 11, 20, 51)},
      {0, utc(2025, 12, 20, 1, 43)},   {90, utc(2025, 12, 27, 19, 9)},
      {0, utc(2024, 1, 11, 11, 57)},   {180, utc(2024, 1, 25, 17, 54)},
  };
  for (const auto& p : published) {
    const unix_seconds found = next_lunar_phase(p.elongation, p.at - 10 * 86400);
    EXPECT_NEAR(static_cast<double>(found), static_cast<double>(p.at), 90.0)
        << "elongation " << p.elongation << " at " << p.at;
    const double off_by =
        std::fmod(lunar_elongation_at(found) - p.elongation + 540.0, 360.0) - 180.0;
    EXPECT_NEAR(off_by, 0.0, 0.01);
  }
}

TEST(AlmanacAstronomy, IlluminationFollowsElongation) {
  EXPECT_LT(moon_illumination_at(utc(2025, 12, 20, 1, 43)), 0.01);
  EXPECT_GT(moon_illumination_at(utc(2025, 12, 4, 23, 14)), 0.99);
  EXPECT_NEAR(moon_illumination_at(utc(2025, 12, 27, 19, 9)), 0.5, 0.02);
}

// ---- time zones --------------------------------------------------------------------------

TEST(AlmanacTimeZone, ShanghaiIncludingItsDaylightSavingYears) {
  const time_zone& tz = shanghai();
  EXPECT_EQ(tz.name(), "Asia/Shanghai");
  EXPECT_EQ(tz.utc_offset(utc(2025, 12, 18)), 8 * 3600);
  EXPECT_EQ(tz.utc_offset(utc(2090, 7, 1)), 8 * 3600);
  // China observed daylight saving time from 1986 to 1991.
  EXPECT_EQ(tz.utc_offset(utc(1988, 7, 1)), 9 * 3600);
  EXPECT_EQ(tz.utc_offset(utc(1988, 1, 1)), 8 * 3600);
}

TEST(AlmanacTimeZone, RulesAfterTheTableComeFromTheFooter) {
  const tz_load_result berlin = load_time_zone("Europe/Berlin");
  ASSERT_TRUE(berlin) << to_string(berlin.error);
  EXPECT_EQ(berlin.zone.utc_offset(utc(2025, 1, 15)), 3600);
  EXPECT_EQ(berlin.zone.utc_offset(utc(2025, 7, 1)), 7200);
  // 2025-03-30 01:00 UTC: CET -> CEST.
  EXPECT_EQ(berlin.zone.utc_offset(utc(2025, 3, 30, 1, 0, 0) - 1), 3600);
  EXPECT_EQ(berlin.zone.utc_offset(utc(2025, 3, 30, 1, 0, 0)), 7200);
  // Far beyond any table: the footer's POSIX rule (last Sunday of March … of October).
  EXPECT_EQ(berlin.zone.utc_offset(utc(2091, 3, 25, 0, 59, 59)), 3600);
  EXPECT_EQ(berlin.zone.utc_offset(utc(2091, 3, 25, 1, 0, 0)), 7200);
  EXPECT_EQ(berlin.zone.utc_offset(utc(2091, 10, 28, 0, 59, 59)), 7200);
  EXPECT_EQ(berlin.zone.utc_offset(utc(2091, 10, 28, 1, 0, 0)), 3600);

  const tz_load_result sydney = load_time_zone("Australia/Sydney");
  ASSERT_TRUE(sydney) << to_string(sydney.error);
  EXPECT_EQ(sydney.zone.utc_offset(utc(2095, 1, 15)), 11 * 3600);  // southern summer
  EXPECT_EQ(sydney.zone.utc_offset(utc(2095, 7, 1)), 10 * 3600);
}

TEST(AlmanacTimeZone, FixedOffsetsNeedNoFile) {
  struct row {
    std::string_view text;
    int offset;
  };
  for (const row& r : {row{"UTC", 0}, row{"UTC+8", 28800}, row{"UTC+08:00", 28800},
                       row{"UTC-03:30", -12600}, row{"+05:45", 20700}, row{"GMT", 0}}) {
    const tz_load_result z = load_time_zone(r.text, "/nonexistent");
    ASSERT_TRUE(z) << r.text << ": " << to_string(z.error);
    EXPECT_EQ(z.zone.utc_offset(utc(2025, 6, 1)), r.offset) << r.text;
    EXPECT_EQ(z.zone.name(), r.text);
  }
}

TEST(AlmanacTimeZone, BadNamesAndFilesAreErrors) {
  EXPECT_EQ(load_time_zone("").error, tz_errc::bad_name);
  EXPECT_EQ(load_time_zone("../etc/passwd").error, tz_errc::bad_name);
  EXPECT_EQ(load_time_zone("Asia/../../etc/passwd").error, tz_errc::bad_name);
  EXPECT_EQ(load_time_zone("/etc/passwd").error, tz_errc::bad_name);
  EXPECT_EQ(load_time_zone("Asia/Shang hai").error, tz_errc::bad_name);
  EXPECT_EQ(load_time_zone("UTC+8:00:30").error, tz_errc::bad_name);
  EXPECT_EQ(load_time_zone("Asia/Atlantis").error, tz_errc::not_found);
  EXPECT_EQ(load_time_zone("Asia").error, tz_errc::bad_file);  // a directory

  EXPECT_EQ(parse_tzif("", "x").error, tz_errc::bad_file);
  EXPECT_EQ(parse_tzif("TZif2 not really a zone file at all, just text", "x").error,
            tz_errc::bad_file);
  // A real header with its data cut off.
  std::string header = "TZif2";
  header.append(15, '\0');
  for (int i = 0; i < 6; ++i) header.append({'\0', '\0', '\0', '\x05'});
  EXPECT_EQ(parse_tzif(header, "x").error, tz_errc::bad_file);
}

TEST(AlmanacTimeZone, PosixRules) {
  posix_tz_rule r;
  ASSERT_TRUE(parse_posix_tz("CST-8", r));
  EXPECT_FALSE(r.has_dst);
  EXPECT_EQ(r.utc_offset(utc(2025, 7, 1)), 8 * 3600);

  ASSERT_TRUE(parse_posix_tz("EST5EDT,M3.2.0,M11.1.0", r));
  EXPECT_EQ(r.utc_offset(utc(2025, 3, 9, 6, 59, 59)), -5 * 3600);  // 01:59:59 EST
  EXPECT_EQ(r.utc_offset(utc(2025, 3, 9, 7, 0, 0)), -4 * 3600);    // 03:00 EDT
  EXPECT_EQ(r.utc_offset(utc(2025, 11, 2, 5, 59, 59)), -4 * 3600);
  EXPECT_EQ(r.utc_offset(utc(2025, 11, 2, 6, 0, 0)), -5 * 3600);

  // Lord Howe Island: half-hour DST, southern hemisphere, quoted names.
  ASSERT_TRUE(parse_posix_tz("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", r));
  EXPECT_EQ(r.utc_offset(utc(2030, 1, 10)), 11 * 3600);
  EXPECT_EQ(r.utc_offset(utc(2030, 7, 10)), 10 * 3600 + 1800);

  ASSERT_TRUE(parse_posix_tz("<-03>3", r));
  EXPECT_EQ(r.utc_offset(0), -3 * 3600);

  EXPECT_FALSE(parse_posix_tz("", r));
  EXPECT_FALSE(parse_posix_tz("X5", r));  // a name needs three letters
  EXPECT_FALSE(parse_posix_tz("CET-1CEST,M13.5.0,M10.5.0", r));
  EXPECT_FALSE(parse_posix_tz("CET-1CEST,M3.5.0", r));
  EXPECT_FALSE(parse_posix_tz("CET-99", r));
}

TEST(AlmanacTimeZone, LocalDayBoundaries) {
  const time_zone& tz = shanghai();
  EXPECT_EQ(local_day_start({2025, 12, 18}, tz), utc(2025, 12, 17, 16));
  EXPECT_EQ(local_date(utc(2025, 12, 17, 15, 59, 59), tz), (civil_date{2025, 12, 17}));
  EXPECT_EQ(local_date(utc(2025, 12, 17, 16), tz), (civil_date{2025, 12, 18}));

  // Chile starts DST at local midnight: on 2024-09-08 the clock jumps from 00:00 to 01:00, so
  // that day begins at 01:00 -03, 04:00 UTC, and the day before lasts 23 hours.
  const tz_load_result santiago = load_time_zone("America/Santiago");
  ASSERT_TRUE(santiago) << to_string(santiago.error);
  EXPECT_EQ(local_day_start({2024, 9, 8}, santiago.zone), utc(2024, 9, 8, 4));
  EXPECT_EQ(local_day_start({2024, 9, 7}, santiago.zone), utc(2024, 9, 7, 4));
  EXPECT_EQ(local_day_start({2024, 9, 9}, santiago.zone), utc(2024, 9, 9, 3));
}

// ---- calendar ----------------------------------------------------------------------------

TEST(AlmanacCalendar, SeedDay20251218) {
  const almanac_day a = day_in(shanghai(), 2025, 12, 18);
  EXPECT_EQ(ganzhi_zh(a.year), "乙巳");
  EXPECT_EQ(a.sexagenary_year, 2025);
  EXPECT_EQ(ganzhi_zh(a.month), "戊子");
  EXPECT_EQ(ganzhi_zh(a.day), "辛酉");
  EXPECT_EQ(ganzhi_en(a.day), "Xin-You");
  EXPECT_EQ(a.officer, day_officer::receive);
  EXPECT_EQ(pengzu_stem(a.day.stem()).zh, "辛不合酱主人不尝");
  EXPECT_EQ(pengzu_branch(a.day.branch()).zh, "酉不会客醉坐颠狂");
  EXPECT_EQ(five_elements_zh(a), "辛生水,酉金生水");
  EXPECT_EQ(ganzhi_zh(clash_of(a.day)), "乙卯");
  EXPECT_EQ(zodiac_animal(clash_of(a.day).branch()).zh, "兔");
  EXPECT_EQ(sha_direction(a.day.branch()).zh, "东");
  EXPECT_EQ(solar_term_name(a.current_term.term).zh, "大雪");
  EXPECT_FALSE(a.term_today);
  EXPECT_EQ(solar_term_name(a.next_term.term).zh, "冬至");
  EXPECT_NEAR(static_cast<double>(a.next_term.at),
              static_cast<double>(beijing(2025, 12, 21, 23, 2, 48)), 60.0);
}

TEST(AlmanacCalendar, SeedDayYiJi) {
  const almanac_day a = day_in(shanghai(), 2025, 12, 18);
  // 收日 on a 辛酉 day: 收宜纳财, 执/收 favour catching and fishing; everything else the
  // officer or Pengzu forbids is 忌. The seed's 忌 list (a full 神煞 almanac) shares these:
  const std::vector<std::string> yi = names_zh(a.lists.yi);
  const std::vector<std::string> ji = names_zh(a.lists.ji);
  EXPECT_EQ(yi, (std::vector<std::string>{"纳财", "捕捉", "取渔"}));
  for (const char* seed_ji : {"纳畜", "破土", "安葬", "嫁娶", "开市", "动土", "交易", "上梁"}) {
    EXPECT_TRUE(contains(ji, seed_ji)) << seed_ji;
  }
  EXPECT_TRUE(contains(ji, "合酱"));    // 辛不合酱
  EXPECT_TRUE(contains(ji, "会亲友"));  // 酉不会客
  EXPECT_TRUE(contains(ji, "沐浴"));    // 沐浴 favours 酉 days, but 收 forbids it: 忌 wins
}

struct published_day {
  civil_date date;
  std::string_view year, month, day;
  day_officer officer;
  std::string_view clash;  // 冲X(干支), as printed
  std::string_view sha;
};

TEST(AlmanacCalendar, PillarsOfficersAndClashesFromPublishedAlmanacs) {
  const published_day published[] = {
      // 2009-10-16: 己丑年 甲戌月 甲午日, 冲鼠(戊子)煞北, 成执位.
      {{2009, 10, 16}, "己丑", "甲戌", "甲午", day_officer::success, "冲鼠(戊子)", "北"},
      // 2031-12-07 (大雪 at 16:02): 辛亥年 庚子月 辛巳日.
      {{2031, 12, 7}, "辛亥", "庚子", "辛巳", day_officer::hold, "冲猪(乙亥)", "东"},
      {{2022, 4, 1}, "壬寅", "癸卯", "甲申", day_officer::hold, "冲虎(戊寅)", "南"},
      {{2022, 4, 4}, "壬寅", "癸卯", "丁亥", day_officer::success, "冲蛇(辛巳)", "西"},
      {{2016, 12, 29}, "丙申", "庚子", "乙酉", day_officer::receive, "冲兔(己卯)", "东"},
      // 2001-01-28: 满执位, 兔日冲鸡, 岁煞西.
      {{2001, 1, 28}, "庚辰", "己丑", "辛卯", day_officer::full, "冲鸡(乙酉)", "西"},
      // 2020-02-21: 定执位, 冲鼠, 岁煞北.
      {{2020, 2, 21}, "庚子", "戊寅", "甲午", day_officer::settle, "冲鼠(戊子)", "北"},
      // 2018-10-18: 收执位, 羊日冲牛, 岁煞西.
      {{2018, 10, 18}, "戊戌", "壬戌", "癸未", day_officer::receive, "冲牛(丁丑)", "西"},
      {{2000, 1, 1}, "己卯", "丙子", "戊午", day_officer::destruction, "冲鼠(壬子)", "北"},
      {{1949, 10, 1}, "己丑", "癸酉", "甲子", day_officer::balance, "冲马(戊午)", "南"},
  };
  for (const auto& p : published) {
    const almanac_day a = day_in(shanghai(), p.date.year, p.date.month, p.date.day);
    SCOPED_TRACE(testing::Message() << p.date.year << "-" << p.date.month << "-" << p.date.day);
    EXPECT_EQ(ganzhi_zh(a.year), p.year);
    EXPECT_EQ(ganzhi_zh(a.month), p.month);
    EXPECT_EQ(ganzhi_zh(a.day), p.day);
    EXPECT_EQ(a.officer, p.officer);
    const ganzhi c = clash_of(a.day);
    EXPECT_EQ(
        std::string("冲") + std::string(zodiac_animal(c.branch()).zh) + "(" + ganzhi_zh(c) + ")",
        p.clash);
    EXPECT_EQ(sha_direction(a.day.branch()).zh, p.sha);
  }
}

TEST(AlmanacCalendar, DayPillarEpochs) {
  // 1900-01-31 was 甲辰 and 1970-01-01 辛巳: the day cycle needs no table.
  EXPECT_EQ(ganzhi_zh(day_ganzhi(days_from_civil(1900, 1, 31))), "甲辰");
  EXPECT_EQ(ganzhi_zh(day_ganzhi(0)), "辛巳");
  EXPECT_EQ(ganzhi_zh(day_ganzhi(-1)), "庚辰");
  EXPECT_EQ(day_ganzhi(days_from_civil(2025, 12, 18) + 60),
            day_ganzhi(days_from_civil(2025, 12, 18)));
}

TEST(AlmanacCalendar, OfficersFromTheXiejiMonthTables) {
  // 《协纪辨方书》月表: 七月 (申) 甲子 定日; 八月 (酉) 甲子 平日, 戊辰 危日, 庚午 收日.
  EXPECT_EQ(officer_of(8, 0), day_officer::settle);
  EXPECT_EQ(officer_of(9, 0), day_officer::balance);
  EXPECT_EQ(officer_of(9, 4), day_officer::danger);
  EXPECT_EQ(officer_of(9, 6), day_officer::receive);
  EXPECT_EQ(officer_of(9, 9), day_officer::establish);
}

TEST(AlmanacCalendar, MonthChangesOnTheDayOfTheJie) {
  const time_zone& tz = shanghai();
  // 大雪 2025-12-07 05:04 Beijing: the 6th is still 丁亥, the 7th is 戊子, and the officer
  // repeats across the change (开, 开).
  const almanac_day before = day_in(tz, 2025, 12, 6);
  const almanac_day on = day_in(tz, 2025, 12, 7);
  EXPECT_EQ(ganzhi_zh(before.month), "丁亥");
  EXPECT_EQ(ganzhi_zh(on.month), "戊子");
  EXPECT_EQ(before.officer, day_officer::open);
  EXPECT_EQ(on.officer, day_officer::open);
  EXPECT_TRUE(on.term_today);
  EXPECT_EQ(solar_term_name(on.current_term.term).zh, "大雪");
  // 小寒 2026-01-05: 戊子 -> 己丑, still the year 乙巳 until 立春.
  EXPECT_EQ(ganzhi_zh(day_in(tz, 2026, 1, 4).month), "戊子");
  const almanac_day xiaohan = day_in(tz, 2026, 1, 5);
  EXPECT_EQ(ganzhi_zh(xiaohan.month), "己丑");
  EXPECT_EQ(ganzhi_zh(xiaohan.year), "乙巳");
  EXPECT_EQ(xiaohan.sexagenary_year, 2025);
}

TEST(AlmanacCalendar, YearChangesOnTheDayOfLichun) {
  const time_zone& tz = shanghai();
  // 立春 2025-02-03 22:10 Beijing.
  const almanac_day before = day_in(tz, 2025, 2, 2);
  const almanac_day on = day_in(tz, 2025, 2, 3);
  EXPECT_EQ(ganzhi_zh(before.year), "甲辰");
  EXPECT_EQ(ganzhi_zh(before.month), "丁丑");
  EXPECT_EQ(ganzhi_zh(on.year), "乙巳");
  EXPECT_EQ(ganzhi_zh(on.month), "戊寅");  // 五虎遁: 乙 year starts with 戊寅
  EXPECT_EQ(on.sexagenary_year, 2025);
  EXPECT_EQ(before.sexagenary_year, 2024);
  // 立春 2024-02-04 16:27.
  EXPECT_EQ(ganzhi_zh(day_in(tz, 2024, 2, 3).year), "癸卯");
  EXPECT_EQ(ganzhi_zh(day_in(tz, 2024, 2, 4).year), "甲辰");
  EXPECT_EQ(ganzhi_zh(day_in(tz, 2024, 2, 4).month), "丙寅");
}

TEST(AlmanacCalendar, TheTimeZoneDecidesTheDay) {
  // 大雪 2025 is 2025-12-06 21:04 UTC: in UTC the month changes a day earlier than in China.
  const tz_load_result utc_zone = load_time_zone("UTC");
  ASSERT_TRUE(utc_zone);
  EXPECT_EQ(ganzhi_zh(day_in(utc_zone.zone, 2025, 12, 6).month), "戊子");
  EXPECT_EQ(ganzhi_zh(day_in(shanghai(), 2025, 12, 6).month), "丁亥");
}

TEST(AlmanacCalendar, YiAndJiNeverOverlapAndYiIsNeverEmpty) {
  for (int officer = 0; officer < 12; ++officer) {
    for (int g = 0; g < 60; ++g) {
      const yi_ji lists = day_yi_ji(static_cast<day_officer>(officer), ganzhi{g});
      EXPECT_FALSE(lists.yi.empty()) << officer << " " << g;
      for (const std::size_t i : lists.yi) {
        EXPECT_EQ(std::count(lists.ji.begin(), lists.ji.end(), i), 0) << officer << " " << g;
      }
    }
  }
  // 破日: only demolition and treatment (求医 unless it is a 未 day: 未不服药).
  const std::vector<std::string> po = names_zh(day_yi_ji(day_officer::destruction, ganzhi{0}).yi);
  EXPECT_EQ(po, (std::vector<std::string>{"求医", "破屋"}));
  const std::vector<std::string> po_wei =
      names_zh(day_yi_ji(day_officer::destruction, make_ganzhi(1, 7)).yi);
  EXPECT_EQ(po_wei, (std::vector<std::string>{"破屋"}));
}

TEST(AlmanacCalendar, GanzhiArithmetic) {
  for (int i = 0; i < 60; ++i) {
    const ganzhi g{i};
    EXPECT_EQ(make_ganzhi(g.stem(), g.branch()), g);
    const ganzhi c = clash_of(g);
    EXPECT_EQ(c.branch(), (g.branch() + 6) % 12);
    EXPECT_EQ(c.stem(), (g.stem() + 4) % 10);
  }
  // 五虎遁: 甲/己 years start at 丙寅, 乙/庚 戊寅, 丙/辛 庚寅, 丁/壬 壬寅, 戊/癸 甲寅.
  const char* first_months[] = {"丙寅", "戊寅", "庚寅", "壬寅", "甲寅"};
  for (int stem = 0; stem < 10; ++stem) {
    EXPECT_EQ(ganzhi_zh(month_ganzhi(stem, 0)), first_months[stem % 5]);
  }
  EXPECT_EQ(ganzhi_zh(month_ganzhi(1, 10)), "戊子");
  EXPECT_EQ(ganzhi_zh(year_ganzhi(1984)), "甲子");
}

TEST(AlmanacCalendar, BadDatesAreErrors) {
  const time_zone& tz = shanghai();
  EXPECT_EQ(compute_almanac({2025, 2, 29}, tz).error, almanac_errc::invalid_date);
  EXPECT_EQ(compute_almanac({2025, 4, 31}, tz).error, almanac_errc::invalid_date);
  EXPECT_EQ(compute_almanac({2025, 13, 1}, tz).error, almanac_errc::invalid_date);
  EXPECT_EQ(compute_almanac({2025, 0, 10}, tz).error, almanac_errc::invalid_date);
  EXPECT_EQ(compute_almanac({2025, 1, 0}, tz).error, almanac_errc::invalid_date);
  EXPECT_EQ(compute_almanac({1900, 12, 31}, tz).error, almanac_errc::date_out_of_range);
  EXPECT_EQ(compute_almanac({2100, 1, 1}, tz).error, almanac_errc::date_out_of_range);
  EXPECT_EQ(compute_almanac_at(utc(2150, 1, 1), tz).error, almanac_errc::date_out_of_range);
  EXPECT_TRUE(compute_almanac({2024, 2, 29}, tz));
  EXPECT_TRUE(compute_almanac({1901, 1, 1}, tz));
  EXPECT_TRUE(compute_almanac({2099, 12, 31}, tz));
}

// ---- moon --------------------------------------------------------------------------------

TEST(AlmanacMoon, SeedDayIsTheWaningCrescentBeforeTheNewMoon) {
  const almanac_day a = day_in(shanghai(), 2025, 12, 18);
  EXPECT_EQ(a.phase, moon_phase::waning_crescent);
  EXPECT_EQ(moon_market_reading(a.phase).zh, "底部反弹");
  EXPECT_FALSE(a.phase_at.has_value());
  EXPECT_LE(a.illumination_pct, 6);
  EXPECT_NEAR(a.moon_age_tenths, 279, 5);  // new moon 2025-11-20 06:47 UTC
  EXPECT_NEAR(static_cast<double>(a.next_new_moon), static_cast<double>(utc(2025, 12, 20, 1, 43)),
              90.0);
  EXPECT_NEAR(static_cast<double>(a.next_full_moon), static_cast<double>(utc(2026, 1, 3, 10, 3)),
              90.0);
}

TEST(AlmanacMoon, PrincipalPhaseNamesTheLocalDay) {
  // Full moon 2025-12-04 23:14 UTC = 12-05 07:14 in Beijing.
  const almanac_day beijing_day = day_in(shanghai(), 2025, 12, 5);
  EXPECT_EQ(beijing_day.phase, moon_phase::full_moon);
  ASSERT_TRUE(beijing_day.phase_at.has_value());
  EXPECT_NEAR(static_cast<double>(*beijing_day.phase_at),
              static_cast<double>(utc(2025, 12, 4, 23, 14)), 90.0);
  EXPECT_EQ(day_in(shanghai(), 2025, 12, 4).phase, moon_phase::waxing_gibbous);
  EXPECT_EQ(day_in(shanghai(), 2025, 12, 6).phase, moon_phase::waning_gibbous);

  const tz_load_result utc_zone = load_time_zone("UTC");
  ASSERT_TRUE(utc_zone);
  EXPECT_EQ(day_in(utc_zone.zone, 2025, 12, 4).phase, moon_phase::full_moon);
  EXPECT_EQ(day_in(utc_zone.zone, 2025, 12, 5).phase, moon_phase::waning_gibbous);

  EXPECT_EQ(day_in(shanghai(), 2025, 12, 20).phase, moon_phase::new_moon);
  EXPECT_EQ(day_in(shanghai(), 2025, 12, 12).phase, moon_phase::last_quarter);   // 04:51 +8
  EXPECT_EQ(day_in(shanghai(), 2025, 12, 28).phase, moon_phase::first_quarter);  // 03:09 +8
  EXPECT_EQ(day_in(shanghai(), 2025, 12, 23).phase, moon_phase::waxing_crescent);
}

// ---- fortune -----------------------------------------------------------------------------

market_summary seed_market() {
  // The seed page: BTC -0.99 %, and all eleven coins shown were down.
  market_summary m;
  m.btc_change_pct = dec("-0.99");
  m.coins_up = 0;
  m.coins_total = 11;
  return m;
}

TEST(AlmanacFortune, SeedInputsGiveTheSeedScoreAndMood) {
  const almanac_day a = day_in(shanghai(), 2025, 12, 18);
  const fortune f = compute_fortune(a, seed_market());
  EXPECT_EQ(f.btc_part, -99);
  EXPECT_EQ(f.breadth_part, -200);
  EXPECT_EQ(f.officer_part, -100);  // 收: a 黑道 officer
  EXPECT_EQ(f.moon_part, 50);       // waning crescent: 底部反弹
  EXPECT_EQ(f.element_part, -50);   // 辛 and 酉 (metal) feed the month's water
  EXPECT_EQ(f.score, -4);           // -3.99 rounds to -4
  // No month change known: the 戊子 pillar alone (earth holds water) leans up.
  EXPECT_EQ(f.mood_trend, 100);
  EXPECT_EQ(f.mood, month_mood::choppy_bullish);
  EXPECT_EQ(month_mood_name(f.mood).zh, "震荡偏多");
}

TEST(AlmanacFortune, ScoreFollowsTheMarket) {
  const almanac_day a = day_in(shanghai(), 2025, 12, 18);
  market_summary m;
  // Without market data only the almanac counts: -1 + 0.5 - 0.5 = -1.
  EXPECT_EQ(compute_fortune(a, m).score, -1);
  // Half a point rounds away from zero: -1.00 + 0.50 = -0.50 -> -1; -0.49 -> 0.
  m.btc_change_pct = dec("0.50");
  EXPECT_EQ(compute_fortune(a, m).score, -1);
  m.btc_change_pct = dec("0.51");
  EXPECT_EQ(compute_fortune(a, m).score, 0);
  // A strong day: +7.5 % caps at 5 points, all coins up adds 2.
  m.btc_change_pct = dec("7.5");
  m.coins_up = 11;
  m.coins_total = 11;
  const fortune strong = compute_fortune(a, m);
  EXPECT_EQ(strong.btc_part, 500);
  EXPECT_EQ(strong.breadth_part, 200);
  EXPECT_EQ(strong.score, 6);
  // A crash caps the other way, and the score never leaves -10..+10.
  m.btc_change_pct = dec("-99999999.99");
  m.coins_up = 0;
  EXPECT_EQ(compute_fortune(a, m).btc_part, -500);
  EXPECT_GE(compute_fortune(a, m).score, -10);
  // Breadth rounds half away from zero: 1 of 3 up is 2 × (1/3 - 2/3) = -0.67.
  m = {};
  m.coins_up = 1;
  m.coins_total = 3;
  EXPECT_EQ(compute_fortune(a, m).breadth_part, -67);
  m.coins_up = 7;  // more up than known counts as all up
  EXPECT_EQ(compute_fortune(a, m).breadth_part, 200);
}

TEST(AlmanacFortune, MonthMoodFromTrendAndVolatility) {
  const almanac_day a = day_in(shanghai(), 2025, 12, 18);  // 戊子: +1 % pillar bias
  market_summary m;
  m.btc_month_change_pct = dec("12");
  EXPECT_EQ(compute_fortune(a, m).mood, month_mood::one_way_rally);
  m.btc_range_pct = dec("6.2");
  EXPECT_EQ(compute_fortune(a, m).mood, month_mood::choppy_bullish);
  m.btc_range_pct = dec("2");
  m.btc_month_change_pct = dec("-4");
  EXPECT_EQ(compute_fortune(a, m).mood, month_mood::grinding_lower);  // -4 + 1 = -3
  m.btc_month_change_pct = dec("-1.5");
  EXPECT_EQ(compute_fortune(a, m).mood, month_mood::range_bound);  // -0.5
  m.btc_month_change_pct = dec("-2.5");
  EXPECT_EQ(compute_fortune(a, m).mood, month_mood::choppy_bearish);
  m.btc_month_change_pct = dec("-20");
  EXPECT_EQ(compute_fortune(a, m).mood, month_mood::one_way_slide);
  m.btc_month_change_pct = dec("5");
  EXPECT_EQ(compute_fortune(a, m).mood, month_mood::steady_climb);
}

// ---- the channel payload -----------------------------------------------------------------

TEST(AlmanacPayload, SeedDayEncodesBothLanguages) {
  const almanac_day a = day_in(shanghai(), 2025, 12, 18);
  const fortune f = compute_fortune(a, seed_market());
  std::string out;
  encode_almanac(out, a, f);

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(out).get(root), simdjson::SUCCESS) << out;
  auto str = [&](std::string_view pointer) {
    std::string_view v;
    EXPECT_EQ(root.at_pointer(pointer).get(v), simdjson::SUCCESS) << pointer;
    return std::string(v);
  };
  auto num = [&](std::string_view pointer) {
    double v = 0;
    EXPECT_EQ(root.at_pointer(pointer).get(v), simdjson::SUCCESS) << pointer;
    return v;
  };
  EXPECT_EQ(str("/date"), "2025-12-18");
  EXPECT_EQ(str("/tz"), "Asia/Shanghai");
  EXPECT_EQ(num("/day_start"), 1765987200000000.0);  // µs (PROTOCOL.md "Conventions")
  EXPECT_EQ(str("/year/zh"), "乙巳");
  EXPECT_EQ(str("/year/animal/en"), "Snake");
  EXPECT_EQ(str("/month/zh"), "戊子");
  EXPECT_EQ(str("/month/en"), "Wu-Zi");
  EXPECT_EQ(str("/day/zh"), "辛酉");
  EXPECT_EQ(str("/solar_term/zh"), "大雪");
  EXPECT_EQ(str("/next_solar_term/en"), "Winter Solstice");
  EXPECT_EQ(str("/five_elements/zh"), "辛生水,酉金生水");
  EXPECT_EQ(str("/pengzu/0/zh"), "辛不合酱主人不尝");
  EXPECT_EQ(str("/pengzu/1/zh"), "酉不会客醉坐颠狂");
  EXPECT_FALSE(str("/pengzu/1/en").empty());
  EXPECT_EQ(str("/clash/zh"), "冲兔(乙卯)煞东");
  EXPECT_EQ(str("/clash/animal/en"), "Rabbit");
  EXPECT_EQ(str("/officer/zh"), "收");
  bool auspicious = true;
  EXPECT_EQ(root.at_pointer("/officer/auspicious").get(auspicious), simdjson::SUCCESS);
  EXPECT_FALSE(auspicious);
  EXPECT_EQ(str("/yi/0/zh"), "纳财");
  EXPECT_EQ(str("/yi/0/en"), "Collecting money");
  simdjson::dom::array ji;
  ASSERT_EQ(root.at_pointer("/ji").get(ji), simdjson::SUCCESS);
  EXPECT_EQ(ji.size(), a.lists.ji.size());
  EXPECT_EQ(str("/moon/phase"), "waning_crescent");
  EXPECT_EQ(str("/moon/reading/zh"), "底部反弹");
  EXPECT_EQ(str("/moon/reading/en"), "Rebound off the bottom");
  EXPECT_TRUE(root.at_pointer("/moon/at").is_null());
  EXPECT_NEAR(num("/moon/age_days"), 27.9, 0.5);
  EXPECT_EQ(num("/fortune/score"), -4.0);
  EXPECT_EQ(num("/fortune/parts/btc"), -0.99);
  EXPECT_EQ(num("/fortune/parts/breadth"), -2.0);
  EXPECT_EQ(str("/month_mood/zh"), "震荡偏多");
  EXPECT_EQ(str("/month_mood/en"), "Choppy, leaning bullish");
  EXPECT_EQ(num("/month_mood/trend_pct"), 1.0);
  // Fixed decimals, exactly as computed: no float formatting.
  EXPECT_NE(out.find("\"btc\":-0.99,"), std::string::npos) << out;
  EXPECT_NE(out.find("\"age_days\":27.9,"), std::string::npos) << out;

  // Deterministic: the same inputs give the same bytes.
  std::string again;
  encode_almanac(again, day_in(shanghai(), 2025, 12, 18), compute_fortune(a, seed_market()));
  EXPECT_EQ(again, out);
}

TEST(AlmanacPayload, PrincipalPhaseCarriesItsInstant) {
  const almanac_day a = day_in(shanghai(), 2025, 12, 20);
  std::string out;
  encode_almanac(out, a, compute_fortune(a, {}));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(out).get(root), simdjson::SUCCESS) << out;
  std::int64_t at = 0;
  ASSERT_EQ(root.at_pointer("/moon/at").get(at), simdjson::SUCCESS);
  EXPECT_NEAR(static_cast<double>(at), static_cast<double>(utc(2025, 12, 20, 1, 43)) * 1e6,
              90e6);  // µs
  std::string_view phase;
  ASSERT_EQ(root.at_pointer("/moon/phase").get(phase), simdjson::SUCCESS);
  EXPECT_EQ(phase, "new_moon");
}

}  // namespace
}  // namespace tickerd::almanac
