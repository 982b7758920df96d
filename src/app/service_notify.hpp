// systemd's service protocol (Type=notify): READY=1 once tickerd serves, STOPPING=1 when it
// starts to drain or stop, and WATCHDOG=1 from the ingest loop at half of WATCHDOG_USEC while
// every gateway shard's loop answers too, so a loop that hangs is killed and restarted.
// Without NOTIFY_SOCKET (not started by systemd) every call does nothing.
#pragma once

#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include "tickerd/net.hpp"

namespace tickerd {

class service_notify {
 public:
  explicit service_notify(net::io_context& ioc);

  // Listeners bound, shards running; starts the watchdog pings, each sent only when
  // `loops_alive` (the other event loops answered since the previous ping) says so.
  void ready(std::function<bool()> loops_alive);
  void stopping();  // draining or shutting down (sent once); the pings go on while draining
  void close();     // the loop is ending: no more pings
  void status(const char* text);  // STATUS=<text>, shown by `systemctl status`

  // Half of WATCHDOG_USEC when systemd asked this process for pings; zero otherwise.
  std::chrono::microseconds watchdog_interval() const noexcept { return interval_; }

 private:
  void arm_watchdog();

  net::steady_timer timer_;
  std::function<bool()> loops_alive_;
  std::chrono::microseconds interval_{0};
  bool stopped_ = false;
  bool closed_ = false;
  bool held_back_ = false;  // a ping was held back (logged once per episode)
};

}  // namespace tickerd
