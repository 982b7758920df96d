// Reading a process's CPU time and resident memory from /proc/<pid>/stat and
// /proc/<pid>/status (proc(5)), so the bench reports what the server spent, not itself.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickerd::bench {

struct proc_sample {
  std::uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks (sysconf(_SC_CLK_TCK))
  std::uint64_t rss_kib = 0;    // VmRSS
  std::uint64_t threads = 0;
};

// utime + stime from the text of /proc/<pid>/stat; nullopt when malformed. The command name
// (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat);
// The value of a "Key:   123 kB" line in /proc/<pid>/status (VmRSS, VmHWM, Threads).
std::optional<std::uint64_t> parse_status_field(std::string_view status, std::string_view key);

// Both files, read now; nullopt when the process is gone.
std::optional<proc_sample> sample_process(pid_t pid);
long clock_ticks_per_second();
// Entries in /proc/<pid>/fd (the process's open descriptors); nullopt when it is gone or not
// ours to read.
std::optional<std::size_t> count_open_fds(pid_t pid);

// The pid of the process listening on 127.0.0.1:`port` (or any address), from
// /proc/net/tcp and the /proc/<pid>/fd links; nullopt when none is found (e.g. not ours).
std::optional<pid_t> find_listener_pid(std::uint16_t port);

// The socket inode listening on `port` in the text of /proc/net/tcp (state 0A = LISTEN).
std::optional<std::uint64_t> parse_listen_inode(std::string_view proc_net_tcp, std::uint16_t port);

}  // namespace tickerd::bench
