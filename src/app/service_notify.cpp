#include "app/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace tickerd {
namespace {

// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET, a path or (leading '@') an
// abstract socket name, the protocol systemd documents as stable for exactly this. Linking
// libsystemd for it mapped ~0.9 MiB of libraries (it, libgcrypt, liblzma, libzstd, ...) into
// every tickerd (bench/RESULTS.md, "Floor", memory at start). Best effort, like sd_notify.
void notify_systemd(const char* state) {
  const char* where = std::getenv("NOTIFY_SOCKET");
  if (where == nullptr) return;
  const std::string_view path(where);
  sockaddr_un addr{};
  if (path.size() < 2 || path.size() >= sizeof(addr.sun_path) ||
      (path[0] != '/' && path[0] != '@')) {
    return;
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  ::sendto(fd, state, std::strlen(state), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr),
           length);
  ::close(fd);
}

// sd_watchdog_enabled(3): WATCHDOG_USEC, when WATCHDOG_PID is unset or this process.
bool watchdog_enabled(std::uint64_t& usec) {
  const auto number = [](const char* text, std::uint64_t& out) {
    if (text == nullptr) return false;
    const std::string_view v(text);
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    return ec == std::errc() && end == v.data() + v.size();
  };
  if (!number(std::getenv("WATCHDOG_USEC"), usec)) return false;
  if (const char* pid = std::getenv("WATCHDOG_PID")) {
    std::uint64_t p = 0;
    if (!number(pid, p) || p != static_cast<std::uint64_t>(::getpid())) return false;
  }
  return true;
}

}  // namespace

service_notify::service_notify(net::io_context& ioc) : timer_(ioc) {
  std::uint64_t usec = 0;
  if (watchdog_enabled(usec) && usec > 0) interval_ = std::chrono::microseconds(usec / 2);
}

void service_notify::ready(std::function<bool()> loops_alive) {
  loops_alive_ = std::move(loops_alive);
  notify_systemd("READY=1\nSTATUS=serving");
  if (interval_.count() > 0) {
    notify_systemd("WATCHDOG=1");
    arm_watchdog();
  }
}

void service_notify::stopping() {
  if (stopped_) return;
  stopped_ = true;
  notify_systemd("STOPPING=1\nSTATUS=stopping");
}

void service_notify::close() {
  closed_ = true;
  timer_.cancel();
}

void service_notify::status(const char* text) {
  notify_systemd(("STATUS=" + std::string(text)).c_str());
}

// The timer runs on the ingest loop: a ping that cannot fire means that loop is stuck; a
// shard's loop that did not answer since the previous tick holds the ping back (said once).
void service_notify::arm_watchdog() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](beast::error_code ec) {
    if (ec || closed_) return;
    if (!loops_alive_ || loops_alive_()) {
      notify_systemd("WATCHDOG=1");
      held_back_ = false;
    } else if (!held_back_) {
      held_back_ = true;
      auto log = spdlog::get("tickerd");
      if (!log) log = spdlog::default_logger();
      log->error("watchdog: a gateway shard's loop has not run for {} ms; not pinging systemd",
                 std::chrono::duration_cast<std::chrono::milliseconds>(interval_).count());
    }
    arm_watchdog();
  });
}

}  // namespace tickerd
