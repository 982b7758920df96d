// A load-test scenario (bench/scenarios/*.toml): what tickerd-bench starts, how many clients
// it opens, what they subscribe to, and for how long. Parsed and validated up front; a bad
// file fails with a message naming the key, like tickerd's own configuration.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd::bench {

class scenario_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class scenario_mode : std::uint8_t {
  stream,  // clients subscribe and read for the duration (optionally with rate phases)
  sweep,   // the same, stepping the sim's rate; optionally against the Node peer too
  churn,   // clients connect, subscribe, take the snapshot, close, and start over
  idle,    // as many connections as fit, no subscriptions: memory per connection
  // Full TLS handshakes as fast as clients.count concurrent clients complete them against
  // tickerd on one core, beside openssl speed's P-256 ECDH and ECDSA figures (the floor).
  handshakes,
};
std::string_view to_string(scenario_mode m) noexcept;

struct rate_phase {
  double at_s = 0;             // from the start of the measurement
  double rate_multiplier = 1;  // of stack.rate
};

struct scenario {
  std::string name;
  std::string description;
  std::string note;  // printed with the results (e.g. a subscribe option that does not exist)
  scenario_mode mode = scenario_mode::stream;

  // [stack]: used when tickerd-bench starts tickerd-sim and tickerd itself.
  std::vector<std::string> venues{"binance"};
  std::vector<std::string> symbols;  // canonical BASE-QUOTE; empty = the sim's 11
  double rate = 10;                  // sim ticker events per second per symbol
  unsigned shards = 1;               // tickerd gateway shards (one core: one shard)
  bool tls = false;                  // [server.tls]: the clients speak wss:// with verification on
  bool auth = false;  // [auth] mode = "jwt" (HS256): each client connects with ?token=
  // Each feed's `streams` (ticker, trades, bbo, book); empty: ["ticker"] (what the floor reads).
  std::vector<std::string> streams;

  // [clients]
  std::size_t clients = 1000;
  // Channel names; "@tickers" = every ticker.<SYMBOL>, "@venue_tickers" = every
  // ticker.<SYMBOL>@<venue>. Empty: connect only.
  std::vector<std::string> channels;
  std::int64_t throttle_ms = 0;  // sent with each subscribe when > 0
  std::size_t connect_concurrency = 256;
  // [clients] sweep: after the main window, the same load again with each of these client
  // counts (ascending; fresh connections, a warm-up, then a window), each an extra run, so
  // the report shows p99 against clients per shard. Stream scenarios only.
  std::vector<std::size_t> client_sweep;
  double client_sweep_step_s = 4;
  double client_sweep_warmup_s = 1.5;

  // [run]
  double warmup_s = 2;
  double duration_s = 10;
  std::vector<rate_phase> phases;  // sorted by at_s

  // [sweep]
  std::vector<double> sweep_rates;
  double step_s = 5;
  double step_warmup_s = 1.5;
  double p99_limit_ms = 5;
  bool peer = false;  // also run the sweep against bench/peers/ws-broadcast

  // [floor]: also run the scenario's load against bench/peers/floor (the bare epoll fan-out),
  // after tickerd, on the same core with the same clients, and report tickerd's ratios to it.
  bool floor = false;
  // Stream scenarios: more sim rates at which both tickerd and the floor are measured (the main
  // run's stack.rate is always one of them), e.g. 110k and 500k deliveries/s at 1,000 clients.
  std::vector<double> floor_rates;
  // The floor reads the sim's Binance streams only. When the stack has more venues, `venues =
  // ["binance"]` measures tickerd again with its Binance feed alone before the floor, so each
  // ratio compares the two servers fed the same frames (stream scenarios only).
  std::vector<std::string> floor_venues;

  // [churn]
  std::size_t churn_concurrency = 100;

  // [targets] (reported as met or missed; never a failure)
  std::optional<double> target_p99_ms;
  std::optional<double> target_kib_per_connection;
  std::optional<double> target_peer_ratio;
  // Ratios to the floor measured in the same run (tickerd / floor; for saturation floor-relative
  // throughput, tickerd / floor as well, where higher is better).
  std::optional<double> target_floor_latency_ratio;     // p50 and p99, at most
  std::optional<double> target_floor_cpu_ratio;         // CPU per delivery, at most
  std::optional<double> target_floor_saturation_ratio;  // deliveries/s at saturation, at least
};

scenario parse_scenario(std::string_view toml_text, const std::string& source_name);
scenario load_scenario_file(const std::string& path);

// The sim's 11 built-in instruments, as tickerd names them.
const std::vector<std::string>& default_symbols();

// `channels` with "@tickers" and "@venue_tickers" expanded for the scenario's symbols and
// venues (duplicates removed, order kept).
std::vector<std::string> expand_channels(const scenario& s);

// {"op":"subscribe","id":1,"channels":[...]} (+ "throttle_ms" when > 0).
std::string subscribe_request(const std::vector<std::string>& channels, std::int64_t throttle_ms);

}  // namespace tickerd::bench
