#include "load/core/proc_stats.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace tickerd::bench {
namespace {

constexpr int utime_field = 14;  // proc(5), counting from 1; stime is the next
constexpr std::uint8_t listen_state = 0x0A;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string_view next_field(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  const auto end = s.find(' ');
  const auto field = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return field;
}

template <typename T>
bool to_number(std::string_view s, T& out, int base = 10) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

}  // namespace

std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat) {
  const auto paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(paren + 1);
  // Field 3 (state) is the first after ')'.
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  for (int field = 3; field <= utime_field + 1; ++field) {
    const auto f = next_field(rest);
    if (f.empty()) return std::nullopt;
    if (field == utime_field && !to_number(f, utime)) return std::nullopt;
    if (field == utime_field + 1 && !to_number(f, stime)) return std::nullopt;
  }
  return utime + stime;
}

std::optional<std::uint64_t> parse_status_field(std::string_view status, std::string_view key) {
  std::size_t at = 0;
  while (at < status.size()) {
    const auto eol = status.find('\n', at);
    auto line = status.substr(at, eol == std::string_view::npos ? eol : eol - at);
    at = eol == std::string_view::npos ? status.size() : eol + 1;
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
    line.remove_prefix(key.size() + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    const auto digits = line.substr(0, line.find_first_not_of("0123456789"));
    std::uint64_t v = 0;
    if (!to_number(digits, v)) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

std::optional<proc_sample> sample_process(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  const auto stat = read_file(base + "/stat");
  const auto status = read_file(base + "/status");
  if (!stat || !status) return std::nullopt;
  const auto cpu = parse_stat_cpu_ticks(*stat);
  const auto rss = parse_status_field(*status, "VmRSS");
  if (!cpu || !rss) return std::nullopt;
  proc_sample s;
  s.cpu_ticks = *cpu;
  s.rss_kib = *rss;
  s.threads = parse_status_field(*status, "Threads").value_or(0);
  return s;
}

std::optional<std::size_t> count_open_fds(pid_t pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return std::nullopt;
  std::size_t n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++n;
  }
  return n;
}

long clock_ticks_per_second() {
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? ticks : 100;
}

std::optional<std::uint64_t> parse_listen_inode(std::string_view table, std::uint16_t port) {
  std::size_t at = table.find('\n');  // skip the header line
  while (at != std::string_view::npos && at + 1 < table.size()) {
    const auto begin = at + 1;
    at = table.find('\n', begin);
    std::string_view line = table.substr(begin, at == std::string_view::npos ? at : at - begin);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    next_field(line);
    const auto local = next_field(line);
    next_field(line);
    const auto state = next_field(line);
    for (int skip = 0; skip < 5; ++skip) next_field(line);
    const auto inode = next_field(line);
    const auto colon = local.find(':');
    std::uint16_t p = 0;
    std::uint8_t st = 0;
    std::uint64_t ino = 0;
    if (colon == std::string_view::npos || !to_number(local.substr(colon + 1), p, 16) ||
        !to_number(state, st, 16) || !to_number(inode, ino)) {
      continue;
    }
    if (p == port && st == listen_state && ino != 0) return ino;
  }
  return std::nullopt;
}

std::optional<pid_t> find_listener_pid(std::uint16_t port) {
  std::optional<std::uint64_t> inode;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    if (const auto text = read_file(table)) inode = parse_listen_inode(*text, port);
    if (inode) break;
  }
  if (!inode) return std::nullopt;
  const std::string wanted = "socket:[" + std::to_string(*inode) + "]";
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    pid_t pid = 0;
    if (!to_number(proc.path().filename().string(), pid)) continue;
    std::error_code fd_ec;
    for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fd_ec)) {
      std::error_code link_ec;
      if (std::filesystem::read_symlink(fd.path(), link_ec).string() == wanted) return pid;
    }
  }
  return std::nullopt;
}

}  // namespace tickerd::bench
