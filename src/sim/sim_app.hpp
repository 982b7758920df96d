// tickerd-sim assembled: the market model, its real-time driver, the venue protocols and the
// server, on one io_context. main.cpp parses the command line into sim_options and calls
// run(); tests may build a simulator on their own io_context instead.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/fault.hpp"
#include "sim/market_model.hpp"
#include "sim/server.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd::sim {

struct sim_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9001;  // 0 = ephemeral
  std::uint64_t seed = 42;
  double rate = 2.0;         // ticker events per second per symbol
  double trade_scale = 1.0;  // multiplies each symbol's mean trades per event (market_model.hpp)
  std::int64_t max_conn_age_ms = 0;
  std::int64_t ping_interval_ms = 20'000;
  std::int64_t pong_timeout_ms = 60'000;
  std::vector<symbol_spec> symbols;  // empty = every built-in symbol
  // Binance prices padded to 8 decimals, as the venue prints; false: tick precision.
  bool binance_fixed8 = true;
  unsigned max_incoming_per_sec = 5;       // Binance's limit; 0 = none
  std::size_t max_queue_bytes = 4u << 20;  // per connection; a client further behind is dropped
  // --fault VENUE:SPEC, applied from start(): at once, or `after` / `every` as the spec says.
  std::vector<venue_fault> faults;
  std::int64_t block_interval_ms = 12'000;  // /eth: a new block this often (Ethereum's slot)
  bool fng_down = false;                    // GET /fng/ answers 503 until POST /fng/up
};

inline constexpr double max_rate = 10'000.0;

// "127.0.0.1:9001", "localhost:0", "[::1]:9001". False with `error` set when malformed.
bool parse_listen(std::string_view text, std::string& host, std::uint16_t& port,
                  std::string& error);

class simulator {
 public:
  simulator(boost::asio::io_context& ioc, sim_options options);
  ~simulator();
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  void start();  // binds and starts the market; throws std::system_error when it cannot bind
  void stop();   // stops the market and closes every connection (1001)

  std::uint16_t port() const noexcept;
  std::string address() const;  // "127.0.0.1:9001"
  std::uint64_t open_connections() const noexcept;
  std::uint64_t events() const noexcept;
  const server_stats& connection_stats() const noexcept;
  std::string stats_line() const;  // a one-line summary for the log

  // The sim's control requests, also served over HTTP on its port (docs in README.md):
  //   POST /faults/<venue|all>  body: a fault spec  -> {"venue","fault","connections"} or 400
  //   GET  /faults[/<venue>]                         -> fault state, counters, schedules
  //   POST /market/pause, /market/resume; GET /market -> freeze or restart the price walks
  // nullopt for any other path.
  std::optional<control_response> control(const control_request& request);
  // Applies (or schedules, per its after/every keys) one fault; false with `error` set when
  // the venue or the fault cannot be used. `connections` gets the venue's open connections.
  bool inject(std::string_view venue, const fault& f, std::size_t& connections, std::string& error);
  bool market_paused() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Runs until SIGINT/SIGTERM. Prints "tickerd-sim listening on <addr>" to stdout once bound.
// Returns the process exit status.
int run(const sim_options& options);

}  // namespace tickerd::sim
