// The standard `process_*` metrics of Prometheus' client libraries, read from /proc on each
// scrape (a handful of small reads). Parsing is separate from reading, for the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tickerd::metrics {

struct process_sample {
  double cpu_seconds = 0;  // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  double start_time_seconds = 0;  // since the Unix epoch
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;
};

// The fields of /proc/<pid>/stat that matter here, in the kernel's units.
struct proc_stat_fields {
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t start_ticks = 0;  // after boot
  std::uint64_t vsize_bytes = 0;
  std::uint64_t rss_pages = 0;
};

// /proc/<pid>/stat: the command (field 2) may hold spaces and parentheses, so fields are
// counted from its last ')'.
std::optional<proc_stat_fields> parse_proc_stat(std::string_view text);
// /proc/stat's `btime` line: the boot time in seconds since the epoch.
std::optional<std::uint64_t> parse_boot_time(std::string_view text);

// This process, now; nullopt when /proc cannot be read (then no process_* metrics).
std::optional<process_sample> read_process_sample();

}  // namespace tickerd::metrics
