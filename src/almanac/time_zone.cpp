#include "almanac/time_zone.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <utility>

#include "almanac/civil.hpp"

namespace tickerd::almanac {

std::string_view to_string(tz_errc e) noexcept {
  switch (e) {
    case tz_errc::ok:
      return "ok";
    case tz_errc::bad_name:
      return "not a time zone name or fixed offset";
    case tz_errc::not_found:
      return "no such time zone";
    case tz_errc::bad_file:
      return "unreadable time zone file";
    case tz_errc::bad_rule:
      return "unreadable POSIX TZ rule";
  }
  return "unknown";
}

namespace {

constexpr std::size_t max_tzif_bytes = 1u << 20;
constexpr std::size_t tzif_header_bytes = 44;
constexpr int max_rule_hours = 167;       // RFC 8536 §3.3.1 extension of POSIX's 24
constexpr int max_offset_hours = 24;      // POSIX TZ offsets
constexpr int max_fixed_east_hours = 14;  // UTC+14 (Kiribati) … UTC-12 exist
constexpr int max_fixed_west_hours = 12;
// RFC 8536 §3.2: UT offsets should stay within -24:59:59 .. +25:59:59.
constexpr std::int32_t min_tzif_offset = -89999;
constexpr std::int32_t max_tzif_offset = 93599;
constexpr int default_dst_shift = 3600;      // POSIX: DST is one hour ahead unless given
constexpr int default_rule_time = 2 * 3600;  // POSIX: transitions at 02:00 local

// A tiny cursor over a POSIX TZ string.
struct tz_cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const noexcept { return i >= s.size(); }
  char peek() const noexcept { return done() ? '\0' : s[i]; }
  bool eat(char c) noexcept {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  bool number(int& out, int max_digits) noexcept {
    int digits = 0;
    int v = 0;
    while (!done() && s[i] >= '0' && s[i] <= '9' && digits < max_digits) {
      v = v * 10 + (s[i] - '0');
      ++i;
      ++digits;
    }
    out = v;
    return digits > 0;
  }
};

bool parse_zone_abbrev(tz_cursor& c) noexcept {
  if (c.eat('<')) {
    const std::size_t start = c.i;
    while (!c.done() && c.peek() != '>') ++c.i;
    const bool ok = c.i - start >= 3 && c.eat('>');
    return ok;
  }
  std::size_t n = 0;
  while (!c.done() &&
         ((c.peek() >= 'A' && c.peek() <= 'Z') || (c.peek() >= 'a' && c.peek() <= 'z'))) {
    ++c.i;
    ++n;
  }
  return n >= 3;
}

// [+-]hh[:mm[:ss]] in seconds; `max_hours` bounds hh.
bool parse_hms(tz_cursor& c, int max_hours, int& seconds) noexcept {
  int sign = 1;
  if (c.eat('-')) {
    sign = -1;
  } else {
    c.eat('+');
  }
  int h = 0;
  int m = 0;
  int s = 0;
  if (!c.number(h, 3) || h > max_hours) return false;
  if (c.eat(':')) {
    if (!c.number(m, 2) || m > 59) return false;
    if (c.eat(':')) {
      if (!c.number(s, 2) || s > 59) return false;
    }
  }
  seconds = sign * (h * 3600 + m * 60 + s);
  return true;
}

bool parse_rule_date(tz_cursor& c, posix_tz_rule::transition_date& d) noexcept {
  using kind = posix_tz_rule::transition_date::kind;
  if (c.eat('J')) {
    d.form = kind::julian_no_leap;
    if (!c.number(d.day, 3) || d.day < 1 || d.day > 365) return false;
  } else if (c.eat('M')) {
    d.form = kind::month_week_day;
    if (!c.number(d.month, 2) || d.month < 1 || d.month > 12) return false;
    if (!c.eat('.') || !c.number(d.week, 1) || d.week < 1 || d.week > 5) return false;
    if (!c.eat('.') || !c.number(d.day, 1) || d.day > 6) return false;
  } else {
    d.form = kind::zero_based;
    if (!c.number(d.day, 3) || d.day > 365) return false;
  }
  d.time = default_rule_time;
  if (c.eat('/')) return parse_hms(c, max_rule_hours, d.time);
  return true;
}

// Local midnight (as days since the epoch) of a rule date in year `y`.
std::int64_t rule_day(const posix_tz_rule::transition_date& d, int y) noexcept {
  using kind = posix_tz_rule::transition_date::kind;
  const std::int64_t jan1 = days_from_civil(y, 1, 1);
  switch (d.form) {
    case kind::julian_no_leap:
      return jan1 + d.day - 1 + (is_leap_year(y) && d.day >= 60 ? 1 : 0);
    case kind::zero_based:
      return jan1 + d.day;
    case kind::month_week_day: {
      const std::int64_t first = days_from_civil(y, d.month, 1);
      const int first_weekday = weekday_from_days(first);
      int day_of_month = 1 + (d.day - first_weekday + 7) % 7 + (d.week - 1) * 7;
      while (day_of_month > days_in_month(y, d.month)) day_of_month -= 7;
      return first + day_of_month - 1;
    }
  }
  return jan1;
}

std::uint32_t read_u32(std::string_view b, std::size_t at) noexcept {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3]));
}

std::int64_t read_i64(std::string_view b, std::size_t at) noexcept {
  const std::uint64_t hi = read_u32(b, at);
  const std::uint64_t lo = read_u32(b, at + 4);
  return static_cast<std::int64_t>((hi << 32) | lo);
}

struct tzif_counts {
  std::uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

bool read_header(std::string_view b, std::size_t at, char& version, tzif_counts& n) noexcept {
  if (b.size() < at + tzif_header_bytes || b.substr(at, 4) != "TZif") return false;
  version = b[at + 4];
  n.isutcnt = read_u32(b, at + 20);
  n.isstdcnt = read_u32(b, at + 24);
  n.leapcnt = read_u32(b, at + 28);
  n.timecnt = read_u32(b, at + 32);
  n.typecnt = read_u32(b, at + 36);
  n.charcnt = read_u32(b, at + 40);
  // RFC 8536 §3.1: at least one type; the indicator arrays are empty or one per type.
  return n.typecnt >= 1 && n.typecnt <= 256 && n.charcnt >= 1 &&
         (n.isutcnt == 0 || n.isutcnt == n.typecnt) &&
         (n.isstdcnt == 0 || n.isstdcnt == n.typecnt) && n.timecnt <= max_tzif_bytes &&
         n.leapcnt <= max_tzif_bytes && n.charcnt <= max_tzif_bytes;
}

std::size_t data_bytes(const tzif_counts& n, std::size_t time_size) noexcept {
  return std::size_t{n.timecnt} * time_size + n.timecnt + std::size_t{n.typecnt} * 6 + n.charcnt +
         std::size_t{n.leapcnt} * (time_size + 4) + n.isstdcnt + n.isutcnt;
}

bool valid_zone_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '/' || ch == '_' || ch == '-' || ch == '+';
  });
}

}  // namespace

int posix_tz_rule::utc_offset(unix_seconds t) const noexcept {
  if (!has_dst) return std_offset;
  const int year = civil_from_days(floor_div(t + std_offset, 86400)).year;
  const std::int64_t start_utc = rule_day(start, year) * 86400 + start.time - std_offset;
  const std::int64_t end_utc = rule_day(end, year) * 86400 + end.time - dst_offset;
  const bool in_dst = start_utc < end_utc ? (t >= start_utc && t < end_utc)
                                          : !(t >= end_utc && t < start_utc);  // southern
  return in_dst ? dst_offset : std_offset;
}

bool parse_posix_tz(std::string_view text, posix_tz_rule& out) noexcept {
  tz_cursor c{text};
  posix_tz_rule r;
  int posix_offset = 0;
  if (!parse_zone_abbrev(c) || !parse_hms(c, max_offset_hours, posix_offset)) return false;
  r.std_offset = -posix_offset;  // POSIX counts west-positive
  if (c.done()) {
    out = r;
    return true;
  }
  if (!parse_zone_abbrev(c)) return false;
  r.has_dst = true;
  r.dst_offset = r.std_offset + default_dst_shift;
  if (!c.done() && c.peek() != ',') {
    if (!parse_hms(c, max_offset_hours, posix_offset)) return false;
    r.dst_offset = -posix_offset;
  }
  if (c.done()) {
    // No rule: POSIX leaves it implementation-defined; use the US rule as glibc does.
    r.start = {posix_tz_rule::transition_date::kind::month_week_day, 0, 3, 2, default_rule_time};
    r.end = {posix_tz_rule::transition_date::kind::month_week_day, 0, 11, 1, default_rule_time};
    out = r;
    return true;
  }
  if (!c.eat(',') || !parse_rule_date(c, r.start) || !c.eat(',') || !parse_rule_date(c, r.end)) {
    return false;
  }
  if (!c.done()) return false;
  out = r;
  return true;
}

time_zone time_zone::fixed(int offset_seconds, std::string name) {
  time_zone z;
  z.name_ = std::move(name);
  z.fixed_offset_ = offset_seconds;
  z.is_fixed_ = true;
  return z;
}

int time_zone::utc_offset(unix_seconds t) const noexcept {
  if (is_fixed_) return fixed_offset_;
  if (transitions_.empty() || t < transitions_.front()) {
    if (transitions_.empty() && has_footer_) return footer_.utc_offset(t);
    return type_offset_.front();
  }
  if (t >= transitions_.back() && has_footer_) return footer_.utc_offset(t);
  const auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  const auto index = static_cast<std::size_t>(it - transitions_.begin()) - 1;
  return type_offset_[transition_type_[index]];
}

// Fills a time_zone's private tables.
struct tz_loader {
  static tz_load_result from_tzif(std::string_view b, std::string name) {
    tz_load_result result;
    char version = 0;
    tzif_counts n{};
    if (!read_header(b, 0, version, n)) return {tz_errc::bad_file, {}};
    std::size_t at = tzif_header_bytes;
    std::size_t time_size = 4;
    if (version >= '2') {
      // Skip the 32-bit block; the 64-bit one after it is authoritative.
      at += data_bytes(n, 4);
      if (!read_header(b, at, version, n)) return {tz_errc::bad_file, {}};
      at += tzif_header_bytes;
      time_size = 8;
    }
    if (b.size() < at + data_bytes(n, time_size)) return {tz_errc::bad_file, {}};

    time_zone z;
    z.name_ = std::move(name);
    z.is_fixed_ = false;
    z.transitions_.reserve(n.timecnt);
    for (std::uint32_t i = 0; i < n.timecnt; ++i, at += time_size) {
      const std::int64_t t =
          time_size == 8 ? read_i64(b, at) : static_cast<std::int32_t>(read_u32(b, at));
      if (!z.transitions_.empty() && t <= z.transitions_.back()) return {tz_errc::bad_file, {}};
      z.transitions_.push_back(t);
    }
    z.transition_type_.reserve(n.timecnt);
    for (std::uint32_t i = 0; i < n.timecnt; ++i, ++at) {
      const auto type = static_cast<std::uint8_t>(b[at]);
      if (type >= n.typecnt) return {tz_errc::bad_file, {}};
      z.transition_type_.push_back(type);
    }
    for (std::uint32_t i = 0; i < n.typecnt; ++i, at += 6) {
      const auto offset = static_cast<std::int32_t>(read_u32(b, at));
      if (offset < min_tzif_offset || offset > max_tzif_offset) return {tz_errc::bad_file, {}};
      z.type_offset_.push_back(offset);
    }
    at += n.charcnt + std::size_t{n.leapcnt} * (time_size + 4) + n.isstdcnt + n.isutcnt;

    if (time_size == 8) {
      // Footer: "\n<POSIX TZ string>\n"; empty means no rule beyond the table.
      if (at >= b.size() || b[at] != '\n') return {tz_errc::bad_file, {}};
      const std::size_t end = b.find('\n', at + 1);
      if (end == std::string_view::npos) return {tz_errc::bad_file, {}};
      const std::string_view rule = b.substr(at + 1, end - at - 1);
      if (!rule.empty()) {
        if (!parse_posix_tz(rule, z.footer_)) return {tz_errc::bad_rule, {}};
        z.has_footer_ = true;
      }
    }
    result.zone = std::move(z);
    return result;
  }
};

tz_load_result parse_tzif(std::string_view bytes, std::string name) {
  return tz_loader::from_tzif(bytes, std::move(name));
}

tz_load_result parse_fixed_offset_zone(std::string_view text) {
  std::string_view rest = text;
  if (rest.starts_with("UTC") || rest.starts_with("GMT")) {
    rest.remove_prefix(3);
  } else if (rest.empty() || (rest.front() != '+' && rest.front() != '-')) {
    return {tz_errc::bad_name, {}};
  }
  if (rest.empty()) return {tz_errc::ok, time_zone::fixed(0, std::string(text))};
  if (rest.front() != '+' && rest.front() != '-') return {tz_errc::bad_name, {}};
  tz_cursor c{rest};
  int seconds = 0;
  // Offsets in use run from -12:00 to +14:00; seconds are not allowed here.
  if (!parse_hms(c, max_fixed_east_hours, seconds) || !c.done() || seconds % 60 != 0 ||
      seconds < -max_fixed_west_hours * 3600) {
    return {tz_errc::bad_name, {}};
  }
  return {tz_errc::ok, time_zone::fixed(seconds, std::string(text))};
}

tz_load_result load_time_zone(std::string_view name, std::string_view zoneinfo_dir) {
  if (auto fixed = parse_fixed_offset_zone(name)) return fixed;
  if (!valid_zone_name(name)) return {tz_errc::bad_name, {}};
  std::string path(zoneinfo_dir);
  path += '/';
  path += name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return {tz_errc::not_found, {}};
  // Read in small pieces up to the limit: a zone file is a few KiB, and a buffer of the
  // limit's size would stay in the process's heap for good (it was a third of tickerd's
  // memory at start).
  std::string bytes;
  std::array<char, 4096> chunk{};
  while (in && bytes.size() <= max_tzif_bytes) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    bytes.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (bytes.size() > max_tzif_bytes) return {tz_errc::bad_file, {}};
  return tz_loader::from_tzif(bytes, std::string(name));
}

}  // namespace tickerd::almanac
