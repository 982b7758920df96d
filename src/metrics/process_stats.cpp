#include "metrics/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

namespace tickerd::metrics {
namespace {

std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The next space-separated field of `text` from `pos`, as a number.
std::optional<std::uint64_t> next_number(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  std::uint64_t v = 0;
  const auto r = std::from_chars(text.data() + pos, text.data() + text.size(), v);
  if (r.ec != std::errc{}) return std::nullopt;
  pos = static_cast<std::size_t>(r.ptr - text.data());
  return v;
}

std::size_t skip_field(std::string_view text, std::size_t pos) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  while (pos < text.size() && text[pos] != ' ') ++pos;
  return pos;
}

}  // namespace

std::optional<proc_stat_fields> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::size_t pos = close + 1;
  // Field 3 (state) is a letter; fields 4..13 are skipped; 14 utime, 15 stime; 16..21 skipped;
  // 22 starttime, 23 vsize, 24 rss.
  pos = skip_field(text, pos);  // 3
  for (int f = 4; f <= 13; ++f) pos = skip_field(text, pos);
  proc_stat_fields out;
  const auto utime = next_number(text, pos);
  const auto stime = next_number(text, pos);
  if (!utime || !stime) return std::nullopt;
  for (int f = 16; f <= 21; ++f) pos = skip_field(text, pos);
  const auto start = next_number(text, pos);
  const auto vsize = next_number(text, pos);
  const auto rss = next_number(text, pos);
  if (!start || !vsize || !rss) return std::nullopt;
  out.utime_ticks = *utime;
  out.stime_ticks = *stime;
  out.start_ticks = *start;
  out.vsize_bytes = *vsize;
  out.rss_pages = *rss;
  return out;
}

std::optional<std::uint64_t> parse_boot_time(std::string_view text) {
  constexpr std::string_view key = "btime ";
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find('\n', at), text.size());
    const auto line = text.substr(at, end - at);
    if (line.starts_with(key)) {
      std::size_t pos = key.size();
      return next_number(line, pos);
    }
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<process_sample> read_process_sample() {
  const auto stat_text = read_file("/proc/self/stat");
  const auto boot_text = read_file("/proc/stat");
  if (!stat_text || !boot_text) return std::nullopt;
  const auto stat = parse_proc_stat(*stat_text);
  const auto boot = parse_boot_time(*boot_text);
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (!stat || !boot || ticks_per_second <= 0 || page <= 0) return std::nullopt;
  const auto hz = static_cast<double>(ticks_per_second);
  process_sample s;
  s.cpu_seconds = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / hz;
  s.resident_bytes = stat->rss_pages * static_cast<std::uint64_t>(page);
  s.virtual_bytes = stat->vsize_bytes;
  s.start_time_seconds = static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / hz;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++s.open_fds;
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = limit.rlim_cur;
  return s;
}

}  // namespace tickerd::metrics
