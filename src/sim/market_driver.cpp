#include "sim/market_driver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <queue>
#include <vector>

#include "sim/sim_log.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim {
namespace {

using clock = std::chrono::steady_clock;

// Events due within this much of now run in the same wake-up (fewer timer waits at high rates).
constexpr auto batch_slack = std::chrono::microseconds(200);
// A symbol further behind than this skips ahead instead of replaying a burst.
constexpr auto max_lag = std::chrono::seconds(1);

}  // namespace

struct market_driver::impl {
  impl(net::io_context& ioc, market_model& m, double rate) : timer(ioc), model(m) {
    period_ns = 1.0e9 / rate;
  }

  struct due {
    clock::time_point at;
    std::size_t index;
    bool operator>(const due& o) const noexcept { return at != o.at ? at > o.at : index > o.index; }
  };

  clock::time_point slot_time(std::size_t index) const {
    // Symbol i's k-th event at start + (k + i/n) periods: the symbols interleave evenly.
    const double phase = static_cast<double>(index) / static_cast<double>(model.size());
    const double offset_ns = (static_cast<double>(slot[index]) + phase) * period_ns;
    return start_time + std::chrono::nanoseconds(static_cast<std::int64_t>(offset_ns));
  }

  void arm() {
    if (stopped || queue.empty()) return;
    timer.expires_at(queue.top().at);
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped) return;
      on_timer();
    });
  }

  void on_timer() {
    const auto now = clock::now();
    while (!queue.empty() && queue.top().at <= now + batch_slack) {
      const std::size_t i = queue.top().index;
      queue.pop();
      model.step(i);
      ++events;
      const std::int64_t ts = wall_us();
      for (const auto& l : listeners) l(i, ts);
      ++slot[i];
      auto next = slot_time(i);
      if (now - next > max_lag) {
        // The loop stalled: skip the missed events rather than bursting them out.
        const auto behind = std::chrono::duration<double, std::nano>(now - next).count();
        const auto skip = static_cast<std::uint64_t>(behind / period_ns) + 1;
        slot[i] += skip;
        skipped += skip;
        next = slot_time(i);
      }
      queue.push({next, i});
    }
    arm();
  }

  net::steady_timer timer;
  market_model& model;
  double period_ns = 0;
  clock::time_point start_time;
  std::vector<std::uint64_t> slot;
  std::priority_queue<due, std::vector<due>, std::greater<>> queue;
  std::vector<listener> listeners;
  std::uint64_t events = 0;
  std::uint64_t skipped = 0;
  bool stopped = true;
};

market_driver::market_driver(net::io_context& ioc, market_model& model, double rate)
    : impl_(std::make_unique<impl>(ioc, model, rate)) {}

market_driver::~market_driver() = default;

void market_driver::add_listener(listener l) {
  impl_->listeners.push_back(std::move(l));
}

void market_driver::start() {
  auto& d = *impl_;
  d.stopped = false;
  d.start_time = clock::now();
  d.slot.assign(d.model.size(), 0);  // symbol 0 fires now, the others within a period
  d.queue = {};
  for (std::size_t i = 0; i < d.model.size(); ++i) d.queue.push({d.slot_time(i), i});
  log().debug("market driver: {} symbols, one event every {:.3f} ms each", d.model.size(),
              d.period_ns / 1.0e6);
  d.arm();
}

void market_driver::set_rate(double rate) {
  auto& d = *impl_;
  d.period_ns = 1.0e9 / rate;
  if (d.stopped) return;
  d.timer.cancel();
  start();  // re-spaces every symbol at the new period, starting now
}

double market_driver::rate() const noexcept {
  return 1.0e9 / impl_->period_ns;
}

void market_driver::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

std::uint64_t market_driver::events() const noexcept {
  return impl_->events;
}
std::uint64_t market_driver::skipped() const noexcept {
  return impl_->skipped;
}

}  // namespace tickerd::sim
