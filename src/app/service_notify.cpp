#include "app/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <string>

#include <spdlog/spdlog.h>

namespace tickerd {

service_notify::service_notify(net::io_context& ioc) : timer_(ioc) {
  std::uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is this process).
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    interval_ = std::chrono::microseconds(usec / 2);
  }
}

void service_notify::ready(std::function<bool()> loops_alive) {
  loops_alive_ = std::move(loops_alive);
  sd_notify(0, "READY=1\nSTATUS=serving");
  if (interval_.count() > 0) {
    sd_notify(0, "WATCHDOG=1");
    arm_watchdog();
  }
}

void service_notify::stopping() {
  if (stopped_) return;
  stopped_ = true;
  sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void service_notify::close() {
  closed_ = true;
  timer_.cancel();
}

void service_notify::status(const char* text) {
  sd_notify(0, ("STATUS=" + std::string(text)).c_str());
}

// The timer runs on the ingest loop: a ping that cannot fire means that loop is stuck; a
// shard's loop that did not answer since the previous tick holds the ping back (said once).
void service_notify::arm_watchdog() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](beast::error_code ec) {
    if (ec || closed_) return;
    if (!loops_alive_ || loops_alive_()) {
      sd_notify(0, "WATCHDOG=1");
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
