// Channel `almanac` end to end: tickerd computes the day for its configured time zone and
// publishes it with a fortune from the live composites (docs/PROTOCOL.md, docs/ALMANAC.md).
#include <ctime>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

// The local date at UTC+8 (Asia/Shanghai has had no DST since 1991).
std::string shanghai_date(std::time_t t) {
  t += 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

TEST(end_to_end_almanac, the_day_for_the_configured_zone_with_a_market_fortune) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client c;
  ASSERT_TRUE(c.connect(s.port()));
  const auto before = std::time(nullptr);
  ASSERT_TRUE(c.send_text(subscribe_request(1, {"almanac"})));
  const auto snap = c.wait_for(typed_on("snapshot", "almanac"));
  ASSERT_TRUE(snap) << c.tail();
  const auto after = std::time(nullptr);
  const auto& d = snap->data();
  ASSERT_TRUE(d.is_object()) << snap->raw;  // computed at start-up: never null
  EXPECT_EQ(d["tz"].str(), "Asia/Shanghai");
  EXPECT_TRUE(d["date"].str() == shanghai_date(before) || d["date"].str() == shanghai_date(after))
      << d["date"].str();
  for (const char* pillar : {"year", "month", "day"}) {
    EXPECT_EQ(d[pillar]["zh"].str().size(), 6u) << pillar;  // two CJK characters
    EXPECT_FALSE(d[pillar]["en"].str().empty()) << pillar;
  }
  EXPECT_EQ(d["pengzu"].size(), 2u);
  EXPECT_FALSE(d["clash"]["animal"]["zh"].str().empty());
  EXPECT_FALSE(d["officer"]["en"].str().empty());
  EXPECT_TRUE(d["moon"]["illumination_pct"].is_integer());
  EXPECT_FALSE(d["moon"]["reading"]["zh"].str().empty());
  const auto score = d["fortune"]["score"].integer();
  EXPECT_GE(score, -10);
  EXPECT_LE(score, 10);
  EXPECT_FALSE(d["month_mood"]["zh"].str().empty());
  // Times are µs since the epoch (PROTOCOL.md "Conventions"): the day holds this moment.
  constexpr std::int64_t us_per_s = 1'000'000;
  EXPECT_LE(d["day_start"].integer(), static_cast<std::int64_t>(after) * us_per_s) << snap->raw;
  EXPECT_GT(d["day_end"].integer(), static_cast<std::int64_t>(before) * us_per_s) << snap->raw;
}

TEST(end_to_end_almanac, a_bad_time_zone_is_a_configuration_error) {
  stack_options o;
  o.extra_toml = "[almanac]\ntz = \"Mars/Olympus_Mons\"";
  stack s(o);
  const auto config = s.dir().write("bad.toml", s.config_toml());
  const auto r = run_to_exit({TICKERD_BIN, "--config", config.string()}, s.dir().path(), "tickerd");
  EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << r.exit.str();
  EXPECT_NE(r.err.find("almanac.tz"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tickerd::e2e
