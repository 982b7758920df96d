// tickerd-sim: an exchange simulator on loopback (five venues' WebSocket market streams, an
// Ethereum node, the Fear & Greed API), so tickerd's real feed code runs without the internet.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "sim/replay_app.hpp"
#include "sim/replay_depth.hpp"
#include "sim/replay_file.hpp"
#include "sim/sim_app.hpp"
#include "sim/sim_log.hpp"

namespace {

// Load tests open thousands of connections: use every descriptor the hard limit allows.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// A number (std::stod's syntax) above 0 and at most `max`: the options that scale the market.
CLI::Validator positive_up_to(double max, const std::string& max_text, std::string shown_as,
                              std::string name) {
  return CLI::Validator(
      [max, max_text](std::string& v) {
        double r = 0;
        try {
          r = std::stod(v);
        } catch (const std::exception&) {
          return std::string("not a number");
        }
        return r > 0 && r <= max ? std::string() : "must be > 0 and at most " + max_text;
      },
      std::move(shown_as), std::move(name));
}

}  // namespace

// Bad options and a port that cannot be bound are reported with status 2; anything else
// (allocation failure, a CLI11 set-up error) terminates, which is the right outcome.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using tickerd::sim::sim_options;
  sim_options opts;
  std::string listen = "127.0.0.1:9001";
  std::string symbols;
  std::string level = "info";

  CLI::App app{
      "tickerd-sim: synthetic market data on loopback, every venue on one port at its own "
      "path (a venue name may prefix any path, e.g. /okx/ws/v5/public):\n"
      "  binance   /ws/<symbol>@ticker, /stream?streams=... (spot 24hrTicker)\n"
      "  okx       /ws/v5/public (tickers)\n"
      "  coinbase  / (ticker, heartbeat)\n"
      "  bybit     /v5/public/spot (tickers, orderbook.1)\n"
      "  kraken    /v2 (ticker)\n"
      "  eth       /eth (Ethereum JSON-RPC: newHeads, eth_feeHistory; see --block-interval-ms)\n"
      "  fng       GET /fng/ (the alternative.me Fear & Greed API; see --fng-down)\n"
      "Modes: the synthetic market (random walks from --seed at --rate), or --replay FILE "
      "serving a capture as --venue's endpoint.",
      "tickerd-sim"};
  app.footer(
      "Faults: --fault VENUE:FAULT at start, or POST /faults/<venue> with FAULT as the body at "
      "run time; kinds reset, close, stall, garbage, invalid_json, gap, drip, refuse, max_age, "
      "clear; VENUE is a venue or 'all'.\n"
      "Market control: POST /market/pause, /market/resume, /market/rate (body: events per "
      "second per symbol), /market/trades (body: the trade scale); GET /market. POST /fng/down, "
      "/fng/up. GET /faults, GET /healthz.\n"
      "Details: src/sim/README.md, docs/REPLAY.md.");
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free port")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& v) {
            std::string host, error;
            std::uint16_t port = 0;
            return tickerd::sim::parse_listen(v, host, port, error) ? std::string() : error;
          },
          "HOST:PORT", "listen"));
  app.add_option("--seed", opts.seed, "seed of the price walks (same seed, same prices)")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& v) {
            std::uint64_t seed = 0;
            const auto r = std::from_chars(v.data(), v.data() + v.size(), seed);
            return !v.empty() && r.ec == std::errc() && r.ptr == v.data() + v.size()
                       ? std::string()
                       : std::string("must be an integer from 0 to 2^64-1");
          },
          "UINT", "seed"));
  app.add_option("--rate", opts.rate, "ticker events per second per symbol (e.g. 0.5, 1000)")
      ->capture_default_str()
      ->check(positive_up_to(tickerd::sim::max_rate, "10000", "RATE", "rate"));
  app.add_option("--trade-scale", opts.trade_scale,
                 "multiplies each symbol's mean trades per event (BTC: 25): trades per second "
                 "are rate x mean x scale, in bursts of up to twice the mean")
      ->capture_default_str()
      ->check(positive_up_to(tickerd::sim::max_trade_scale, "100", "SCALE", "trade scale"));
  app.add_option("--max-conn-age-ms", opts.max_conn_age_ms,
                 "close each connection this old, like Binance at 24 h; 0 = never")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ping-interval-ms", opts.ping_interval_ms,
                 "server ping frame interval (Binance: 20000); 0 = no pings")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--pong-timeout-ms", opts.pong_timeout_ms,
                 "drop a client that has not answered a ping this long (Binance: 60000)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--symbols", symbols,
                 "comma-separated symbols, e.g. BTCUSDT,ETHUSDT (default: the 11 built-in)")
      ->check(CLI::Validator(
          [](std::string& v) {
            std::string error;
            return tickerd::sim::parse_symbol_list(v, error) ? std::string() : error;
          },
          "LIST", "symbols"));
  app.add_option("--max-incoming-per-sec", opts.max_incoming_per_sec,
                 "client messages (text, ping, pong) per second before the connection is "
                 "closed (Binance: 5); 0 = no limit")
      ->capture_default_str();
  bool tick_precision = false;
  auto* tick_opt = app.add_flag("--binance-tick-precision", tick_precision,
                                "print Binance prices and quantities at the symbol's tick and lot "
                                "precision instead of the venue's 8 decimals");
  bool fixed8 = false;  // the default since 8 decimals are what the venue prints
  auto* fixed8_opt = app.add_flag("--binance-fixed8", fixed8,
                                  "8 decimals, as the real venue prints (the default)");
  tick_opt->excludes(fixed8_opt);
  app.add_option("--block-interval-ms", opts.block_interval_ms,
                 "/eth: a new block this often (Ethereum: 12000)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{10}, std::int64_t{3'600'000}));
  app.add_flag("--fng-down", opts.fng_down,
               "GET /fng/ (the Fear & Greed API) answers 503 until POST /fng/up");
  app.add_option("--log-level", level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  std::vector<std::string> fault_specs;
  app.add_option("--fault", fault_specs,
                 "VENUE:FAULT, repeatable; VENUE is a venue or 'all', FAULT is KIND[,key=value...] "
                 "(src/sim/README.md), e.g. okx:reset,after=5000,every=20000")
      ->check(
          CLI::Validator([](std::string& v) { return tickerd::sim::parse_venue_fault(v).error; },
                         "VENUE:FAULT", "fault"));

  // Replay mode (docs/REPLAY.md): one venue's endpoint serving a capture file.
  tickerd::sim::replay_settings replay;
  auto* replay_opt = app.add_option("--replay", replay.file,
                                    "serve this capture file (docs/REPLAY.md) as --venue's "
                                    "endpoint instead of the synthetic market");
  auto* venue_opt =
      app.add_option("--venue", replay.venue, "the venue whose endpoint --replay serves")
          ->check(CLI::IsMember({"binance", "okx", "coinbase", "bybit", "kraken"}));
  const CLI::Validator speed_check(
      [](std::string& v) {
        double x = 0;
        try {
          x = std::stod(v);
        } catch (const std::exception&) {
          return std::string("not a number");
        }
        return tickerd::sim::replay::valid_speed(x) ? std::string() : std::string("must be > 0");
      },
      "X", "speed");
  auto* speed_opt = app.add_option("--speed", replay.speed,
                                   "replay speed: the capture's delays are divided by it")
                        ->capture_default_str()
                        ->check(speed_check);
  auto* loop_opt =
      app.add_flag("--replay-loop", replay.loop, "start the capture over after its last record");
  std::vector<std::string> depth_specs;
  auto* depth_opt =
      app.add_option("--depth-snapshot", depth_specs,
                     "SYMBOL:FILE, repeatable (--venue binance): GET /api/v3/depth?symbol=SYMBOL "
                     "answers with the FILEs in the order given, the last repeated")
          ->check(CLI::Validator(
              [](std::string& v) {
                std::string error;
                return tickerd::sim::replay::parse_depth_snapshot_arg(v, error) ? std::string()
                                                                                : error;
              },
              "SYMBOL:FILE", "depth snapshot"));
  replay_opt->needs(venue_opt)
      ->excludes("--rate")
      ->excludes("--trade-scale")
      ->excludes("--symbols")
      ->excludes("--binance-fixed8")
      ->excludes("--binance-tick-precision");
  venue_opt->needs(replay_opt);
  speed_opt->needs(replay_opt);
  loop_opt->needs(replay_opt);
  depth_opt->needs(replay_opt);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors are status 2, whatever CLI11's code
  }

  opts.binance_fixed8 = !tick_precision;
  std::string error;
  tickerd::sim::parse_listen(listen, opts.host, opts.port, error);
  if (!symbols.empty()) {
    auto parsed = tickerd::sim::parse_symbol_list(symbols, error);
    opts.symbols = std::move(*parsed);
  }
  for (const auto& spec : depth_specs) {
    replay.depth_snapshots.push_back(
        *tickerd::sim::replay::parse_depth_snapshot_arg(spec, error));  // checked above
  }
  for (const auto& spec : fault_specs) {
    opts.faults.push_back(*tickerd::sim::parse_venue_fault(spec).value);  // checked above
  }
  tickerd::sim::log().set_level(spdlog::level::from_str(level));
  raise_fd_limit();
  if (!replay.file.empty()) return tickerd::sim::run_replay(opts, replay);
  return tickerd::sim::run(opts);
}
