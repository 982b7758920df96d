#include "sim/graceful_run.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sim/sim_log.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim {
namespace {

constexpr auto shutdown_grace = std::chrono::seconds(3);
constexpr auto shutdown_poll = std::chrono::milliseconds(20);

}  // namespace

void run_until_signal(net::io_context& ioc, net::signal_set& signals,
                      const std::function<std::uint64_t()>& open,
                      const std::function<void()>& stop) {
  net::steady_timer grace(ioc);
  net::steady_timer poll(ioc);
  std::function<void()> wait_closed = [&] {
    if (open() == 0) return ioc.stop();
    poll.expires_after(shutdown_poll);
    poll.async_wait([&](boost::system::error_code ec) {
      if (!ec) wait_closed();
    });
  };
  signals.async_wait([&](boost::system::error_code ec, int signo) {
    if (ec) return;
    log().info("signal {}: closing {} connections", signo, open());
    stop();
    grace.expires_after(shutdown_grace);
    grace.async_wait([&](boost::system::error_code e) {
      if (e) return;
      log().warn("connections still open after the grace period; exiting anyway");
      ioc.stop();
    });
    wait_closed();
  });
  ioc.run();
}

}  // namespace tickerd::sim
