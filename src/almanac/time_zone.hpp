// The almanac's local day comes from an IANA time zone. GCC 12's libstdc++ has no
// std::chrono::tzdb (it arrived in GCC 13), so this reads the system's compiled zone files
// (/usr/share/zoneinfo, TZif versions 1–4, RFC 8536) with a small reader, including the POSIX
// TZ rule in the footer that covers instants after the last listed transition. Fixed offsets
// ("UTC", "UTC+8", "UTC-03:30") need no file. Loaded once at start-up; lookups are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "almanac/astronomy.hpp"

namespace tickerd::almanac {

enum class tz_errc : std::uint8_t {
  ok = 0,
  bad_name,   // not an IANA-style name ("Area/City") nor a fixed offset
  not_found,  // no such file under the zoneinfo directory
  bad_file,   // not a TZif file, or truncated, or inconsistent
  bad_rule,   // the footer's POSIX TZ string could not be read
};

std::string_view to_string(tz_errc e) noexcept;

inline constexpr std::string_view default_zoneinfo_dir = "/usr/share/zoneinfo";

// A POSIX TZ rule ("CST-8", "CET-1CEST,M3.5.0,M10.5.0/3"): offsets in seconds east of UTC.
struct posix_tz_rule {
  struct transition_date {
    enum class kind : std::uint8_t { julian_no_leap, zero_based, month_week_day };
    kind form = kind::month_week_day;
    int day = 0;      // Jn: 1..365; n: 0..365; Mm.w.d: d (0 = Sunday)
    int month = 0;    // Mm.w.d
    int week = 0;     // Mm.w.d: 1..5, 5 = last
    int time = 7200;  // local seconds after midnight (may be negative or above 24 h)
  };
  int std_offset = 0;
  int dst_offset = 0;
  bool has_dst = false;
  transition_date start;
  transition_date end;

  int utc_offset(unix_seconds t) const noexcept;
};

// Parses a POSIX TZ string; false when it is malformed.
bool parse_posix_tz(std::string_view text, posix_tz_rule& out) noexcept;

class time_zone {
 public:
  time_zone() = default;  // UTC

  // A fixed offset east of UTC, in seconds.
  static time_zone fixed(int offset_seconds, std::string name);

  // Offset east of UTC, in seconds, in effect at `t`.
  int utc_offset(unix_seconds t) const noexcept;
  const std::string& name() const noexcept { return name_; }

 private:
  friend struct tz_loader;
  std::string name_ = "UTC";
  std::vector<std::int64_t> transitions_;  // ascending UTC instants
  std::vector<std::uint8_t> transition_type_;
  std::vector<std::int32_t> type_offset_;  // seconds east of UTC, per local time type
  posix_tz_rule footer_;
  bool has_footer_ = false;
  int fixed_offset_ = 0;
  bool is_fixed_ = true;
};

struct tz_load_result {
  tz_errc error = tz_errc::ok;
  time_zone zone;
  explicit operator bool() const noexcept { return error == tz_errc::ok; }
};

// "UTC", "UTC+8", "UTC+08:00", "UTC-3:30", "+08:00": a fixed offset, no file needed.
tz_load_result parse_fixed_offset_zone(std::string_view text);

// A name: a fixed offset as above, or an IANA zone read from `<zoneinfo_dir>/<name>`.
tz_load_result load_time_zone(std::string_view name,
                              std::string_view zoneinfo_dir = default_zoneinfo_dir);

// A zone from the bytes of a TZif file (for tests and embedded data).
tz_load_result parse_tzif(std::string_view bytes, std::string name);

}  // namespace tickerd::almanac
