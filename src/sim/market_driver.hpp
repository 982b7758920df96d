// Steps the market model in real time: each symbol gets `rate` ticker events per second,
// evenly spaced and offset from the other symbols so events are spread, not bursts.
// Runs on the io_context it is given; listeners are called there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "sim/market_model.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd::sim {

class market_driver {
 public:
  // Called after symbol `index` stepped, with the event's wall-clock time (µs since epoch).
  using listener = std::function<void(std::size_t index, std::int64_t wall_us)>;

  // rate: events per second per symbol, > 0.
  market_driver(boost::asio::io_context& ioc, market_model& model, double rate);
  ~market_driver();
  market_driver(const market_driver&) = delete;
  market_driver& operator=(const market_driver&) = delete;

  void add_listener(listener l);
  void start();
  void stop();
  // A new rate (events per second per symbol, > 0), from now on: the schedule restarts.
  void set_rate(double rate);
  double rate() const noexcept;

  std::uint64_t events() const noexcept;   // events applied so far, all symbols
  std::uint64_t skipped() const noexcept;  // events dropped because the loop fell behind

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd::sim
