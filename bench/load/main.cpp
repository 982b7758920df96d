// tickerd-bench: the load generator ops run against a tickerd deployment (issue 6).
// It starts tickerd-sim and tickerd itself (or targets a tickerd URL), opens the scenario's
// clients on one thread, and measures delivered messages, end-to-end latency from each
// update's recv_ts, seq gaps, conflation, connect times and the server's CPU and memory.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "load/client_pool.hpp"
#include "load/core/client_sweep.hpp"
#include "load/core/message_scan.hpp"
#include "load/core/proc_stats.hpp"
#include "load/core/results.hpp"
#include "load/core/scenario.hpp"
#include "load/core/sweep.hpp"
#include "load/stack.hpp"
#include "load/tls_client.hpp"
#include "tickerd/net.hpp"

namespace tickerd::bench {
namespace {

using steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr auto ready_stall_timeout = std::chrono::seconds(20);
constexpr auto close_grace = std::chrono::milliseconds(3000);
constexpr unsigned many_clients = 1000;  // above this, spread over source addresses
constexpr unsigned spread_addresses = 32;
constexpr double saturation_fraction = 0.9;  // delivered below this share of offered: saturated
constexpr double hopeless_p99_factor = 100;  // a sweep step this far past the p99 limit ends it
// The latest-seq check of throttled runs: after the market pauses, time for the last upstream
// frames to be published before /v1/snapshot is read; then one throttle interval plus this for
// the held-back updates to reach every client.
constexpr auto publish_drain = std::chrono::milliseconds(300);
constexpr auto delivery_slack = std::chrono::milliseconds(1000);

std::atomic<bool> interrupted{false};

extern "C" void on_signal(int) {
  interrupted = true;
}

void check_interrupted() {
  if (interrupted) throw std::runtime_error("interrupted");
}

struct options {
  std::string scenario_path;
  std::string url;  // ws://host:port/path of an existing tickerd; empty: start the stack
  pid_t server_pid = 0;
  std::uint16_t sim_port = 0;  // with --url: the sim feeding that tickerd, for rate control
  std::string tickerd_bin = TICKERD_BENCH_TICKERD_BIN;
  std::string sim_bin = TICKERD_BENCH_SIM_BIN;
  std::string floor_bin = TICKERD_BENCH_FLOOR_BIN;
  std::string node_bin = "node";
  std::string peer_dir = TICKERD_BENCH_SOURCE_DIR "/bench/peers/ws-broadcast";
  std::string book_peer_dir = TICKERD_BENCH_SOURCE_DIR "/bench/peers/ccxt-book";
  std::string web_root = TICKERD_BENCH_SOURCE_DIR "/web";
  std::string work_dir;
  std::string json_out;
  std::string html_out;
  std::optional<std::size_t> clients;
  std::optional<double> duration;
  std::optional<double> rate;
  std::vector<double> rates;
  std::vector<std::size_t> client_sweep;
  bool no_client_sweep = false;
  int server_cpu = 1;
  int bench_cpu = 0;
  bool no_pin = false;
  bool no_peer = false;
  bool no_floor = false;
  bool no_book_peer = false;
  bool quiet = false;
};

std::string now_iso() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::size_t fd_limit() {
  rlimit lim{};
  return ::getrlimit(RLIMIT_NOFILE, &lim) == 0 ? static_cast<std::size_t>(lim.rlim_cur) : 1024;
}

struct target_url {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/ws";
};

target_url parse_url(const std::string& url) {
  constexpr std::string_view scheme = "ws://";
  if (!url.starts_with(scheme)) throw std::runtime_error("--url must be ws://HOST:PORT/PATH");
  const auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--url needs a port");
  target_url t;
  t.host = authority.substr(0, colon);
  if (t.host == "localhost") t.host = "127.0.0.1";
  t.port = static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1)));
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  return t;
}

// ---- measuring windows ------------------------------------------------------------------------

// One pool and the result its window fills.
struct measured {
  client_pool* pool;
  run_result* result;
};

class runner {
 public:
  runner(net::io_context& ioc, bool quiet) : ioc_(ioc), quiet_(quiet), start_(steady::now()) {
    tty_ = ::isatty(STDERR_FILENO) == 1;
  }

  void set_server(pid_t pid, std::string name) {
    pid_ = pid;
    server_name_ = std::move(name);
  }
  void set_label(std::string label) { label_ = std::move(label); }
  void set_offered_rate(double r) { offered_rate_ = r; }

  // Runs the io_context until every client of `pool` settled (ready, failed or closed).
  void wait_ready(client_pool& pool) {
    auto last_progress = steady::now();
    std::size_t last = pool.settled();
    auto next_print = steady::now() + std::chrono::seconds(1);
    while (pool.settled() < pool.planned()) {
      check_interrupted();
      ioc_.run_for(std::chrono::milliseconds(50));
      pool.housekeeping();
      if (pool.settled() != last) {
        last = pool.settled();
        last_progress = steady::now();
      }
      if (steady::now() >= next_print) {
        next_print += std::chrono::seconds(1);
        print_line(
            "[" + label_ + "] connecting: " + std::to_string(pool.open()) + " open, " +
            std::to_string(pool.ready()) + " ready, " + std::to_string(pool.settled()) + "/" +
            std::to_string(pool.planned()) + " settled, errors " +
            std::to_string(pool.counters().connect_errors + pool.counters().handshake_errors));
      }
      if (steady::now() - last_progress > ready_stall_timeout) {
        end_line();
        std::fprintf(stderr,
                     "tickerd-bench: %zu of %zu clients still connecting after %lld s "
                     "without progress; going on\n",
                     pool.planned() - pool.settled(), pool.planned(),
                     static_cast<long long>(ready_stall_timeout.count()));
        break;
      }
    }
    end_line();
  }

  // Runs for `seconds`, a sample per second; `on_second(t)` after each (t from the window's
  // start). When measuring, each result gets the window's counters and distributions.
  void window(double seconds, bool measuring, const std::vector<measured>& pools,
              const std::function<void(double)>& on_second = {}) {
    const auto begin = steady::now();
    const auto end = begin + std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6));
    std::vector<pool_counters> start_counts;
    std::vector<pool_counters> prev_counts;
    for (const auto& m : pools) {
      start_counts.push_back(m.pool->counters());
      if (measuring) {
        m.pool->window_latency().reset();
        m.pool->connect_times().reset();
        m.pool->ready_times().reset();
      }
      m.pool->second_latency().reset();
      m.pool->set_measuring(measuring);
    }
    prev_counts = start_counts;
    const auto proc_start = pid_ > 0 ? sample_process(pid_) : std::nullopt;
    const auto self_start = sample_process(::getpid());
    std::uint64_t rss_max = proc_start ? proc_start->rss_kib : 0;
    auto prev_proc = proc_start;
    auto prev_self = self_start;
    auto prev_time = begin;
    auto next = begin + std::chrono::seconds(1);
    while (true) {
      check_interrupted();
      const auto stop_at = std::min(next, end);
      ioc_.run_until(stop_at);
      const auto now = steady::now();
      if (now < stop_at) continue;
      const double dt = std::chrono::duration<double>(now - prev_time).count();
      prev_time = now;
      next += std::chrono::seconds(1);
      const auto proc = pid_ > 0 ? sample_process(pid_) : std::nullopt;
      const auto self = sample_process(::getpid());
      const auto cpu_pct = [&](const auto& a, const auto& b) {
        if (!a || !b || dt <= 0) return -1.0;
        return static_cast<double>(b->cpu_ticks - a->cpu_ticks) /
               static_cast<double>(clock_ticks_per_second()) / dt * 100.0;
      };
      // The first pool is the one the progress line and the series describe.
      for (std::size_t i = 0; i < pools.size(); ++i) {
        const auto& m = pools[i];
        const auto& cur = m.pool->counters();
        second_sample s;
        s.t = std::chrono::duration<double>(now - start_).count();
        s.messages = static_cast<std::uint64_t>((cur.messages - prev_counts[i].messages) / dt);
        s.bytes = static_cast<std::uint64_t>((cur.bytes - prev_counts[i].bytes) / dt);
        const auto& h = m.pool->second_latency();
        s.p50_us = h.quantile(0.5);
        s.p99_us = h.quantile(0.99);
        s.max_us = h.max();
        s.connections = m.pool->open();
        s.server_cpu_pct = cpu_pct(prev_proc, proc);
        s.server_rss_kib = proc ? proc->rss_kib : 0;
        s.bench_cpu_pct = cpu_pct(prev_self, self);
        s.offered_rate = offered_rate_;
        s.measuring = measuring;
        m.result->series.push_back(s);
        if (i == 0) progress(s, cur, *m.pool, measuring);
        prev_counts[i] = cur;
        m.pool->second_latency().reset();
        m.pool->housekeeping();
      }
      if (proc) rss_max = std::max(rss_max, proc->rss_kib);
      prev_proc = proc;
      prev_self = self;
      if (now >= end) break;
      if (on_second) on_second(std::chrono::duration<double>(now - begin).count());
    }
    end_line();
    for (auto& m : pools) m.pool->set_measuring(false);
    if (!measuring) return;
    const double elapsed = std::chrono::duration<double>(steady::now() - begin).count();
    const auto proc_end = pid_ > 0 ? sample_process(pid_) : std::nullopt;
    const auto self_end = sample_process(::getpid());
    for (std::size_t i = 0; i < pools.size(); ++i) {
      auto& r = *pools[i].result;
      auto& pool = *pools[i].pool;
      const auto& a = start_counts[i];
      const auto& b = pool.counters();
      r.duration_s = elapsed;
      r.messages = b.messages - a.messages;
      r.updates = b.updates - a.updates;
      r.snapshots = b.snapshots - a.snapshots;
      r.bytes = b.bytes - a.bytes;
      r.gaps = b.gaps - a.gaps;
      r.gap_events = b.gap_events - a.gap_events + (b.seq_regressions - a.seq_regressions);
      r.skipped = b.skipped - a.skipped;
      r.conflated_notices = b.conflated_notices - a.conflated_notices;
      r.conflated_dropped = b.conflated_dropped - a.conflated_dropped;
      r.error_messages = b.error_messages - a.error_messages;
      r.negative_latencies = b.negative_latencies - a.negative_latencies;
      r.cycles = b.cycles - a.cycles;
      r.disconnects = b.disconnects;
      r.moved = b.moved - a.moved;
      r.connect_errors = b.connect_errors;
      r.handshake_errors = b.handshake_errors;
      r.clients_planned = pool.planned();
      r.clients_connected = pool.open();
      r.first_error = pool.first_error();
      r.latency_us = pool.window_latency();
      if (pool.connect_times().count() != 0) r.connect_us = pool.connect_times();
      if (pool.ready_times().count() != 0) r.ready_us = pool.ready_times();
      if (proc_start && proc_end && elapsed > 0) {
        r.server_cpu_pct = static_cast<double>(proc_end->cpu_ticks - proc_start->cpu_ticks) /
                           static_cast<double>(clock_ticks_per_second()) / elapsed * 100.0;
        if (r.server_rss_kib_start == 0) r.server_rss_kib_start = proc_start->rss_kib;
        r.server_rss_kib_end = proc_end->rss_kib;
        r.server_rss_kib_max = std::max(rss_max, proc_end->rss_kib);
      }
      if (self_start && self_end && elapsed > 0) {
        r.bench_cpu_pct = static_cast<double>(self_end->cpu_ticks - self_start->cpu_ticks) /
                          static_cast<double>(clock_ticks_per_second()) / elapsed * 100.0;
      }
    }
  }

  void print_line(const std::string& text) {
    if (quiet_) return;
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", text.c_str());
      line_open_ = true;
    } else {
      std::fprintf(stderr, "%s\n", text.c_str());
    }
    std::fflush(stderr);
  }
  void end_line() {
    if (line_open_) std::fputc('\n', stderr);
    line_open_ = false;
  }

 private:
  void progress(const second_sample& s, const pool_counters& c, const client_pool& pool,
                bool measuring) {
    std::string line = "[" + label_ + (measuring ? "" : " warm-up") + "] t=" + fixed(s.t, 0) +
                       "s conns " + std::to_string(pool.open()) + "/" +
                       std::to_string(pool.planned()) + " | " + short_number(s.messages) +
                       " msg/s " + fixed(static_cast<double>(s.bytes) / 1e6, 1) + " MB/s | p50 " +
                       format_us(s.p50_us) + " p99 " + format_us(s.p99_us) + " max " +
                       format_us(s.max_us) + " | gaps " + std::to_string(c.gaps) + " confl " +
                       std::to_string(c.conflated_dropped);
    if (c.cycles) line += " cycles " + std::to_string(c.cycles);
    if (s.server_cpu_pct >= 0) {
      line += " | " + server_name_ + " cpu " + fixed(s.server_cpu_pct, 0) + "% rss " +
              fixed(static_cast<double>(s.server_rss_kib) / 1024.0, 1) + " MiB";
    }
    if (s.bench_cpu_pct >= 0) line += " | bench cpu " + fixed(s.bench_cpu_pct, 0) + "%";
    print_line(line);
  }

  net::io_context& ioc_;
  bool quiet_;
  bool tty_ = false;
  bool line_open_ = false;
  steady::time_point start_;
  pid_t pid_ = 0;
  std::string server_name_ = "server";
  std::string label_;
  double offered_rate_ = 0;
};

// ---- the scenario modes -----------------------------------------------------------------------

struct context {
  options opts;
  scenario sc;
  std::vector<std::string> channels;  // expanded
  std::vector<std::string> symbols;
  target_url target;
  pid_t server_pid = 0;
  std::unique_ptr<stack> st;
  std::function<std::string(double)> set_rate;  // null: the rate cannot be changed
  std::function<void(bool)> pause_market;       // null: the market cannot be paused
  std::string rate_control = "not changed";
  std::shared_ptr<const tls_client> tls;  // stack.tls: wss:// and https:// to tickerd
  std::string token;                      // stack.auth: ?token= on every upgrade
  net::io_context ioc{1};
  scenario_report report;
};

pool_options pool_for(const context& cx, std::size_t clients, const std::string& subscribe) {
  pool_options p;
  p.host = cx.target.host;
  p.port = cx.target.port;
  p.target = cx.target.path;
  if (!cx.token.empty()) p.target += "?token=" + cx.token;
  p.tls = cx.tls;
  p.subscribe_text = subscribe;
  p.connect_concurrency = cx.sc.connect_concurrency;
  p.throttled = subscribe.find("\"throttle_ms\"") != std::string::npos;  // what it asks for
  p.source_addresses =
      clients > many_clients && cx.target.host == "127.0.0.1" ? spread_addresses : 1;
  return p;
}

// The floor peer (bench/peers/floor; defined with the sweep below).
std::unique_ptr<child> start_floor(context& cx, runner& run);
std::string ratio_text(double tickerd, double floor);

struct client_load {
  double updates_per_s = 0;    // what one client should receive
  std::uint64_t channels = 0;  // concrete channels it gets updates on
};

// What one client should receive at `rate` events/s per symbol per venue: a composite ticker
// changes with every venue's event, a venue's ticker with that venue's; throttle_ms lets at
// most one update per channel through per interval. Trades, bbo and book channels are counted
// as channels with no expected rate: a sim event carries a random number of trades (one frame
// each on some venues, one frame for all on others) and moves the book or not (or beyond the
// top N), so what they publish is measured (delivered msg/s, /v1/feeds), not predicted.
client_load load_per_client(const context& cx, double rate) {
  const auto venues = static_cast<double>(cx.sc.venues.size());
  const double cap = cx.sc.throttle_ms > 0 ? 1000.0 / static_cast<double>(cx.sc.throttle_ms)
                                           : std::numeric_limits<double>::infinity();
  client_load out;
  const auto add = [&](std::size_t n, double per_channel) {
    out.channels += n;
    out.updates_per_s += static_cast<double>(n) * std::min(per_channel, cap);
  };
  for (const auto& c : cx.channels) {
    if (c == "ticker.*") {
      add(cx.symbols.size(), rate * venues);
    } else if (c.starts_with("ticker.") && c.find('@') == std::string::npos) {
      add(1, rate * venues);
    } else if (c.starts_with("ticker.")) {
      add(1, rate);
    } else if (c.starts_with("trades.") || c.starts_with("bbo.") || c.starts_with("book")) {
      add(1, 0);
    }
  }
  return out;
}

double offered_per_client(const context& cx, double rate) {
  return load_per_client(cx, rate).updates_per_s;
}

std::string subscribe_text(const context& cx) {
  return cx.channels.empty() ? std::string() : subscribe_request(cx.channels, cx.sc.throttle_ms);
}

void change_rate(context& cx, runner& run, double rate) {
  if (!cx.set_rate) return;
  const auto how = cx.set_rate(rate);
  cx.rate_control = how;
  run.set_offered_rate(rate);
}

// Runs the clients' io for `d` (no measuring window: nothing is recorded).
void run_io_for(context& cx, client_pool& pool, std::chrono::milliseconds d) {
  const auto end = steady::now() + d;
  while (steady::now() < end) {
    check_interrupted();
    cx.ioc.run_until(std::min(end, steady::now() + std::chrono::milliseconds(100)));
    pool.housekeeping();
  }
}

// Throttled clients skip seqs by design, so the gap counter cannot see a lost update there; what
// docs/PROTOCOL.md promises is that the newest one always arrives. So: pause the market (nothing
// new is published), read each channel's seq from tickerd's /v1/snapshot, give the held-back
// updates one throttle interval plus delivery time, and require every client to be at that seq
// (or past it, when the market could not be paused and tickerd went on publishing).
void check_latest_delivered(context& cx, client_pool& pool, run_result& r) {
  const bool paused = static_cast<bool>(cx.pause_market);
  if (paused) cx.pause_market(true);
  struct resume_at_exit {
    context& cx;
    bool paused;
    ~resume_at_exit() {
      try {
        if (paused) cx.pause_market(false);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "tickerd-bench: %s\n", e.what());
      }
    }
  } resume{cx, paused};
  run_io_for(cx, pool, publish_drain);
  const auto reply = http_call(cx.target.host, cx.target.port, "GET", "/v1/snapshot", {},
                               std::chrono::milliseconds(5000), cx.tls.get());
  if (reply.status != 200) {
    r.latest_how = "GET /v1/snapshot failed: " + std::to_string(reply.status) + " " + reply.error;
    return;
  }
  const auto all = scan_published_seqs(reply.body);
  if (!all) {
    r.latest_how = "GET /v1/snapshot: not a {\"channels\":[…]} reply";
    return;
  }
  // The channels these clients are subscribed to (ticker.* = every composite ticker).
  const bool wildcard =
      std::find(cx.channels.begin(), cx.channels.end(), "ticker.*") != cx.channels.end();
  std::vector<published_seq> published;
  for (const auto& p : *all) {
    const bool composite = p.channel.find('@') == std::string::npos;
    if ((wildcard && composite) ||
        std::find(cx.channels.begin(), cx.channels.end(), p.channel) != cx.channels.end()) {
      published.push_back(p);
    }
  }
  if (published.empty()) {
    r.latest_how = "/v1/snapshot lists none of the subscribed channels";
    return;
  }
  run_io_for(cx, pool, std::chrono::milliseconds(cx.sc.throttle_ms) + delivery_slack);
  r.latest = pool.check_latest(published);
  r.latest_how = std::string(paused ? "market paused" : "market not paused (no sim control)") +
                 ", /v1/snapshot's seq of " + std::to_string(published.size()) +
                 " channels, compared " + std::to_string(cx.sc.throttle_ms) + " ms + " +
                 std::to_string(delivery_slack.count()) + " ms later";
}

// [clients] sweep: the main run's load again with each count of clients, so the report can say
// how p99 grows with clients per shard. Each step is a fresh pool (the main run's clients are
// closed by then): connect, warm up, measure, close; the same subscription and sim rate.
void run_client_sweep(context& cx, runner& run, double base) {
  std::vector<std::size_t> counts;
  for (const auto n : cx.sc.client_sweep) {
    if (n != cx.sc.clients) counts.push_back(n);  // the main run already measured that count
  }
  if (counts.empty()) return;
  const auto load = load_per_client(cx, base);
  for (const auto n : counts) {
    run_result r;
    r.label = "tickerd " + std::to_string(n) + " clients";
    r.client_sweep = true;
    r.url = cx.opts.url;
    r.rate = base;
    r.offered_per_client = load.updates_per_s;
    r.channels_per_client = load.channels;
    client_pool pool(cx.ioc, pool_for(cx, n, subscribe_text(cx)));
    run.set_label(cx.sc.name + " " + std::to_string(n) + " clients");
    pool.add_clients(n);
    run.wait_ready(pool);
    const auto connect_hist = pool.connect_times();
    const auto ready_hist = pool.ready_times();
    run.window(cx.sc.client_sweep_warmup_s, false, {{&pool, &r}});
    run.window(cx.sc.client_sweep_step_s, true, {{&pool, &r}});
    r.connect_us = connect_hist;
    r.ready_us = ready_hist;
    pool.close_all(close_grace);
    cx.report.runs.push_back(std::move(r));
  }
  client_sweep_info info;
  info.counts.assign(counts.begin(), counts.end());
  info.warmup_s = cx.sc.client_sweep_warmup_s;
  info.step_s = cx.sc.client_sweep_step_s;
  info.shards = cx.st ? cx.sc.shards : 0;
  info.budget_ms = cx.sc.target_p99_ms.value_or(0);
  info = summarize_client_sweep(cx.report.runs, std::move(info));
  const std::string key =
      info.budget_ms > 0 ? "largest client count with p99 ≤ " + short_number(info.budget_ms) + " ms"
                         : std::string("latency vs clients");
  cx.report.facts.emplace_back(key, info.summary);
  cx.report.client_sweep = std::move(info);
}

void run_stream_floor(context& cx, runner& run, const run_result& main_run);

// Upstream totals from tickerd's /v1/feeds (every feed's counters summed): what its one ingest
// thread read and parsed.
struct feed_totals {
  std::uint64_t messages = 0;  // upstream text frames
  std::uint64_t trades = 0;
  std::uint64_t quotes = 0;
  std::uint64_t level_changes = 0;  // book levels applied from deltas (books.level_changes)
  steady::time_point at;
};

std::optional<feed_totals> read_feed_totals(const context& cx) {
  const auto reply = http_call(cx.target.host, cx.target.port, "GET", "/v1/feeds", {},
                               std::chrono::milliseconds(2000), cx.tls.get());
  if (reply.status != 200) return std::nullopt;
  const auto doc = flatten_json(reply.body);
  if (!doc) return std::nullopt;
  feed_totals t;
  t.at = steady::now();
  for (std::size_t i = 0;; ++i) {
    const std::string at = "feeds." + std::to_string(i) + ".";
    const auto messages = flat_int(*doc, at + "messages");
    if (!messages) break;
    t.messages += static_cast<std::uint64_t>(*messages);
    t.trades += static_cast<std::uint64_t>(flat_int(*doc, at + "trades").value_or(0));
    t.quotes += static_cast<std::uint64_t>(flat_int(*doc, at + "quotes").value_or(0));
    t.level_changes +=
        static_cast<std::uint64_t>(flat_int(*doc, at + "books.level_changes").value_or(0));
  }
  return t;
}

// Per second between two samples: frames, trades, quotes.
struct feed_rates {
  double messages = 0, trades = 0, quotes = 0, level_changes = 0;
};
feed_rates rates_between(const feed_totals& a, const feed_totals& b) {
  const double dt = std::chrono::duration<double>(b.at - a.at).count();
  if (dt <= 0) return {};
  return {static_cast<double>(b.messages - a.messages) / dt,
          static_cast<double>(b.trades - a.trades) / dt,
          static_cast<double>(b.quotes - a.quotes) / dt,
          static_cast<double>(b.level_changes - a.level_changes) / dt};
}

// Channels that carry trades, top of book or books: their upstream parse rate is worth
// reporting.
bool market_channels(const context& cx) {
  return std::any_of(cx.channels.begin(), cx.channels.end(), [](const std::string& c) {
    return c.starts_with("trades.") || c.starts_with("bbo.") || c.starts_with("book");
  });
}

bool book_channels(const context& cx) {
  return std::any_of(cx.channels.begin(), cx.channels.end(),
                     [](const std::string& c) { return c.starts_with("book"); });
}

// CPU ticks (utime + stime) of tickerd's ingest thread: its main thread (src/app/main.cpp runs
// the ingest io_context on it; tickerd does not name its threads, so its tid is the pid).
std::optional<std::uint64_t> ingest_thread_cpu_ticks(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_stat_cpu_ticks(text);
}

// The CCXT Pro peer (bench/peers/ccxt-book): watchOrderBook on the same sim for the stack's
// venues, through the run's warm-up and window, in one Node process on the bench's core.
std::unique_ptr<child> start_book_peer(context& cx) {
  if (!book_channels(cx) || cx.opts.no_book_peer) return nullptr;
  if (!cx.st) {
    cx.report.facts.emplace_back("CCXT Pro peer", "not run: it needs the sim the bench starts");
    return nullptr;
  }
  const fs::path dir = cx.opts.book_peer_dir;
  if (!fs::exists(dir / "node_modules" / "ccxt")) {
    cx.report.facts.emplace_back("CCXT Pro peer",
                                 "not run: no node_modules in " + dir.string() + " (npm ci)");
    return nullptr;
  }
  std::string venues;
  for (const auto& v : cx.sc.venues) venues += (venues.empty() ? "" : ",") + v;
  auto peer = std::make_unique<child>();
  peer->spawn({cx.opts.node_bin, (dir / "watch_books.mjs").string(), "--sim",
               "127.0.0.1:" + std::to_string(cx.st->sim_port()), "--venues", venues, "--warmup-s",
               fixed(cx.sc.warmup_s, 1), "--seconds", fixed(cx.sc.duration_s, 1)},
              cx.st->config().work_dir, cx.sc.name + "-ccxt-book", cx.st->config().sim_cpu);
  return peer;
}

// Waits for the peer's JSON line (stdout) and returns it; empty when it failed.
std::string finish_book_peer(context& cx, child& peer) {
  const auto deadline = steady::now() + std::chrono::seconds(60);
  while (peer.running() && steady::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  peer.stop();
  std::ifstream in(cx.st->config().work_dir / (peer.name() + ".stdout"));
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.starts_with("{")) last = line;
  }
  if (last.empty()) {
    cx.report.facts.emplace_back("CCXT Pro peer", "failed: " + peer.log_tail());
  }
  return last;
}

// Issue 18's ingest measure: tickerd's ingest thread CPU per book level change over the window
// (/v1/feeds books.level_changes), beside the CCXT Pro peer's (`peer_json`, its stdout line;
// empty: not run) on the same sim stream. A human line, and the figures as one JSON fact
// ("book ingest (JSON)") that bench/load/results.mjs turns into RESULTS.md rows.
void report_book_ingest(context& cx, const std::optional<feed_totals>& start,
                        const std::optional<feed_totals>& end, std::optional<std::uint64_t> cpu_a,
                        std::optional<std::uint64_t> cpu_b, const std::string& peer_json) {
  const std::string peer = peer_json.empty() ? std::string("null") : peer_json;
  if (!start || !end) {
    cx.report.facts.emplace_back("tickerd book ingest", "not measured: GET /v1/feeds failed");
    cx.report.facts.emplace_back("book ingest (JSON)", "{\"tickerd\":null,\"ccxt\":" + peer + "}");
    return;
  }
  const feed_totals& a = *start;
  const feed_totals& b = *end;
  const double dt = std::chrono::duration<double>(b.at - a.at).count();
  const auto changes = b.level_changes - a.level_changes;
  const bool have_cpu = cpu_a && cpu_b;
  const double cpu_s = have_cpu ? static_cast<double>(*cpu_b - *cpu_a) /
                                      static_cast<double>(clock_ticks_per_second())
                                : 0;
  const double us_per_change =
      changes > 0 && have_cpu ? cpu_s * 1e6 / static_cast<double>(changes) : 0;
  std::string text = std::to_string(changes) + " level changes in " + fixed(dt, 1) + " s (" +
                     fixed(dt > 0 ? static_cast<double>(changes) / dt : 0, 0) + "/s)";
  text += have_cpu ? "; ingest thread CPU " + fixed(cpu_s, 2) + " s = " + fixed(us_per_change, 3) +
                         " µs per level change (parse, apply, publish)"
                   : "; ingest thread CPU not read";
  cx.report.facts.emplace_back("tickerd book ingest (ingest thread, /proc task stat)", text);
  std::string json =
      "{\"tickerd\":{\"level_changes\":" + std::to_string(changes) +
      ",\"seconds\":" + fixed(dt, 3) + ",\"cpu_s\":" + (have_cpu ? fixed(cpu_s, 3) : "null") +
      ",\"cpu_us_per_level_change\":" + (us_per_change > 0 ? fixed(us_per_change, 4) : "null") +
      "}";
  json += ",\"ccxt\":" + peer + "}";
  cx.report.facts.emplace_back("book ingest (JSON)", json);
}

void run_stream(context& cx, runner& run) {
  const double base = cx.st ? cx.st->rate() : cx.sc.rate;
  run_result r;
  r.label = "tickerd";
  r.url = cx.opts.url;
  r.rate = base;
  const auto load = load_per_client(cx, base);
  r.offered_per_client = load.updates_per_s;
  r.channels_per_client = load.channels;
  r.throttle_ms = cx.sc.throttle_ms;
  client_pool pool(cx.ioc, pool_for(cx, cx.sc.clients, subscribe_text(cx)));
  run.set_label(cx.sc.name);
  run.set_offered_rate(base);
  pool.add_clients(cx.sc.clients);
  run.wait_ready(pool);
  r.connect_us = pool.connect_times();
  r.ready_us = pool.ready_times();
  const auto connect_hist = pool.connect_times();
  const auto ready_hist = pool.ready_times();
  auto book_peer = start_book_peer(cx);
  run.window(cx.sc.warmup_s, false, {{&pool, &r}});
  std::size_t next_phase = 0;
  const bool can_phase = static_cast<bool>(cx.set_rate);
  if (!cx.sc.phases.empty() && !can_phase) {
    cx.report.facts.emplace_back("phases", "skipped: no way to change the sim's rate (--sim-port)");
  }
  std::string phase_log;
  // Trades and bbo: what tickerd's ingest thread parsed (/v1/feeds), read at the window's start,
  // at each rate phase (when the bench pauses anyway to change the sim's rate: a read every
  // second would stall the clients' reads on a busy server) and at its end.
  const bool sample_feeds = market_channels(cx);
  std::vector<std::pair<double, std::optional<feed_totals>>> feeds;
  if (sample_feeds) feeds.emplace_back(0.0, read_feed_totals(cx));
  const auto ingest_start = ingest_thread_cpu_ticks(cx.server_pid);
  run.window(cx.sc.duration_s, true, {{&pool, &r}}, [&](double t) {
    if (sample_feeds && can_phase && next_phase < cx.sc.phases.size() &&
        t + 0.5 >= cx.sc.phases[next_phase].at_s) {
      feeds.emplace_back(t, read_feed_totals(cx));
    }
    while (can_phase && next_phase < cx.sc.phases.size() &&
           t + 0.5 >= cx.sc.phases[next_phase].at_s) {
      const double rate = base * cx.sc.phases[next_phase].rate_multiplier;
      change_rate(cx, run, rate);
      phase_log += (phase_log.empty() ? "" : "; ") + std::string("at ") +
                   fixed(cx.sc.phases[next_phase].at_s, 0) + " s: " + fixed(rate, 1) + "/s";
      ++next_phase;
    }
  });
  // Connect times are of the set-up, not of the (connection-free) window.
  r.connect_us = connect_hist;
  r.ready_us = ready_hist;
  if (!phase_log.empty()) cx.report.facts.emplace_back("rate phases", phase_log);
  const auto ingest_end = ingest_thread_cpu_ticks(cx.server_pid);
  if (sample_feeds) {
    // A busy tickerd may miss the 2 s of one read: the window's end is worth a second try.
    auto end_totals = read_feed_totals(cx);
    if (!end_totals) end_totals = read_feed_totals(cx);
    feeds.emplace_back(r.duration_s, end_totals);
    // Books need the window's two ends only, whatever the samples at the phases did.
    if (book_channels(cx)) {
      report_book_ingest(cx, feeds.front().second, feeds.back().second, ingest_start, ingest_end,
                         book_peer ? finish_book_peer(cx, *book_peer) : "");
      book_peer.reset();
    }
    const bool all_read =
        std::all_of(feeds.begin(), feeds.end(), [](const auto& f) { return f.second.has_value(); });
    if (all_read) {
      const auto mean = rates_between(*feeds.front().second, *feeds.back().second);
      std::string text = fixed(mean.messages, 0) + " frames/s carrying " + fixed(mean.trades, 0) +
                         " trades/s, " + fixed(mean.quotes, 0) + " quotes/s and " +
                         fixed(mean.level_changes, 0) + " book level changes/s over the window, " +
                         std::to_string(cx.sc.venues.size()) + " venues";
      for (std::size_t i = 1; feeds.size() > 2 && i < feeds.size(); ++i) {
        const auto per = rates_between(*feeds[i - 1].second, *feeds[i].second);
        text += "; " + fixed(feeds[i - 1].first, 0) + "-" + fixed(feeds[i].first, 0) +
                " s: " + fixed(per.messages, 0) + " frames/s, " + fixed(per.trades, 0) +
                " trades/s";
      }
      cx.report.facts.emplace_back("upstream parsed by tickerd's ingest thread (/v1/feeds)", text);
    } else {
      cx.report.facts.emplace_back("upstream parsed by tickerd's ingest thread",
                                   "not measured: GET /v1/feeds failed");
    }
    if (r.messages > 0) {
      cx.report.facts.emplace_back(
          "tickerd CPU per delivery",
          fixed(r.server_cpu_us_per_message(), 3) + " µs (" + fixed(r.server_cpu_pct, 0) +
              " % of its core for " + short_number(r.messages_per_s()) +
              " msg/s; latency from each update's first recv_ts: tickerd's read of the upstream "
              "frame)");
    }
  }
  if (cx.sc.throttle_ms > 0) {
    check_latest_delivered(cx, pool, r);
    const double expected =
        load.channels ? load.updates_per_s / static_cast<double>(load.channels) : 0;
    cx.report.facts.emplace_back(
        "throttled delivery",
        fixed(r.updates_per_client_channel_s(), 2) + " updates/s per client per channel (" +
            fixed(expected, 2) + " expected: sim " + fixed(base, 1) +
            "/s per symbol, throttle_ms " + std::to_string(cx.sc.throttle_ms) + "); " +
            std::to_string(r.skipped) + " seq skipped by the throttle, by design (not gaps)");
    std::string latest = "not checked: " + r.latest_how;
    if (r.latest) {
      const auto& l = *r.latest;
      latest = l.ok()
                   ? "every client had every channel's latest seq (" + std::to_string(l.checked) +
                         " client-channel pairs; " + r.latest_how + ")"
                   : "LOST: " + std::to_string(l.behind) + " behind and " +
                         std::to_string(l.missing) + " missing of " + std::to_string(l.checked) +
                         " client-channel pairs (worst " + std::to_string(l.worst_lag) +
                         " behind; first " + l.first_problem + "; " + r.latest_how + ")";
    }
    cx.report.facts.emplace_back("latest seq delivered", latest);
  }
  pool.close_all(close_grace);
  if (cx.st && !cx.sc.phases.empty() && can_phase) change_rate(cx, run, base);
  cx.report.runs.push_back(std::move(r));
  // The target is the main run's, whatever the client sweep below finds.
  if (cx.sc.target_p99_ms) {
    const auto& h = cx.report.runs.back().latency_us;
    const double p99_ms = static_cast<double>(h.quantile(0.99)) / 1000.0;
    cx.report.targets.push_back({"p99 latency (recv_ts to client)", fixed(p99_ms, 3) + " ms",
                                 "≤ " + fixed(*cx.sc.target_p99_ms, 1) + " ms",
                                 h.count() > 0 && p99_ms <= *cx.sc.target_p99_ms});
  }
  run_client_sweep(cx, run, base);
  if (cx.sc.floor && !cx.opts.no_floor) {
    const auto main_run = *std::find_if(cx.report.runs.begin(), cx.report.runs.end(),
                                        [](const run_result& x) { return x.label == "tickerd"; });
    run_stream_floor(cx, run, main_run);
  }
}

void run_churn(context& cx, runner& run) {
  run_result steady_r;
  steady_r.label = "steady";
  steady_r.url = cx.opts.url;
  steady_r.rate = cx.sc.rate;
  steady_r.offered_per_client = offered_per_client(cx, cx.sc.rate);
  steady_r.channels_per_client = load_per_client(cx, cx.sc.rate).channels;
  steady_r.throttle_ms = cx.sc.throttle_ms;
  run_result churn_r;
  churn_r.label = "churn";
  churn_r.url = cx.opts.url;
  client_pool steady_pool(cx.ioc, pool_for(cx, cx.sc.clients, subscribe_text(cx)));
  run.set_label(cx.sc.name + " steady");
  steady_pool.add_clients(cx.sc.clients);
  run.wait_ready(steady_pool);
  auto churn_opts =
      pool_for(cx, many_clients + 1, subscribe_request({"ticker." + cx.symbols.front()}, 0));
  client_pool churn_pool(cx.ioc, churn_opts);
  churn_pool.add_clients(cx.sc.churn_concurrency, true);
  run.set_label(cx.sc.name);
  run.window(cx.sc.warmup_s, false, {{&steady_pool, &steady_r}, {&churn_pool, &churn_r}});
  run.window(cx.sc.duration_s, true, {{&steady_pool, &steady_r}, {&churn_pool, &churn_r}});
  churn_pool.stop_churn();
  churn_pool.close_all(close_grace);
  steady_pool.close_all(close_grace);
  cx.report.facts.emplace_back(
      "churn", fixed(static_cast<double>(churn_r.cycles) / churn_r.duration_s, 0) +
                   " connect-subscribe-snapshot-close cycles/s with " +
                   std::to_string(cx.sc.churn_concurrency) + " in flight; connect p50 " +
                   format_us(churn_r.connect_us.quantile(0.5)) + ", p99 " +
                   format_us(churn_r.connect_us.quantile(0.99)) + ", errors " +
                   std::to_string(churn_r.connect_errors + churn_r.handshake_errors));
  cx.report.runs.push_back(std::move(steady_r));
  cx.report.runs.push_back(std::move(churn_r));
}

// Connects the scenario's clients to the current target with the market paused (subscribed but
// idle: nothing to deliver), and returns the server's RSS growth per open connection (KiB).
std::optional<double> idle_on(context& cx, runner& run, const std::string& label) {
  run_result r;
  r.label = label;
  r.url = "ws://" + cx.target.host + ":" + std::to_string(cx.target.port) + cx.target.path;
  if (cx.pause_market) cx.pause_market(true);
  const auto before = cx.server_pid > 0 ? sample_process(cx.server_pid) : std::nullopt;
  std::size_t clients = cx.sc.clients;
  const std::size_t reserve = 64;  // our own descriptors: stdio, logs, /proc reads
  if (fd_limit() < clients + reserve) {
    clients = fd_limit() - reserve;
    cx.report.facts.emplace_back(
        "clients capped", "to " + std::to_string(clients) + " by this process's descriptor limit");
  }
  client_pool pool(cx.ioc, pool_for(cx, clients, subscribe_text(cx)));
  run.set_label(cx.sc.name + " " + label);
  pool.add_clients(clients);
  const auto connect_start = steady::now();
  run.wait_ready(pool);
  const double connect_s = std::chrono::duration<double>(steady::now() - connect_start).count();
  const auto connect_hist = pool.connect_times();
  run.window(cx.sc.warmup_s, false, {{&pool, &r}});
  if (before) r.server_rss_kib_start = before->rss_kib;
  run.window(cx.sc.duration_s, true, {{&pool, &r}});
  r.connect_us = connect_hist;
  const auto open = pool.open();
  pool.close_all(close_grace);
  if (cx.pause_market) cx.pause_market(false);
  cx.report.facts.emplace_back(label + " connect phase",
                               std::to_string(open) + " connections in " + fixed(connect_s, 1) +
                                   " s (" + fixed(static_cast<double>(open) / connect_s, 0) +
                                   "/s)");
  std::optional<double> per;
  if (before && open > 0 && r.server_rss_kib_end > 0) {
    per = (static_cast<double>(r.server_rss_kib_end) - static_cast<double>(before->rss_kib)) /
          static_cast<double>(open);
    cx.report.facts.emplace_back(label + " RSS per idle connection",
                                 fixed(*per, 2) + " KiB (" + std::to_string(before->rss_kib) +
                                     " KiB before, " + std::to_string(r.server_rss_kib_end) +
                                     " KiB with " + std::to_string(open) + " open)");
    if (label == "tickerd" && cx.sc.target_kib_per_connection) {
      cx.report.targets.push_back({"server RSS per idle connection at " + std::to_string(open),
                                   fixed(*per, 2) + " KiB",
                                   "≤ " + fixed(*cx.sc.target_kib_per_connection, 1) + " KiB",
                                   *per <= *cx.sc.target_kib_per_connection});
    }
  }
  cx.report.runs.push_back(std::move(r));
  return per;
}

void run_idle(context& cx, runner& run) {
  if (cx.server_pid > 0) {
    if (const auto at_start = sample_process(cx.server_pid)) {
      cx.report.facts.emplace_back("tickerd RSS at start",
                                   fixed(static_cast<double>(at_start->rss_kib) / 1024.0, 1) +
                                       " MiB (feeds up, " + std::to_string(cx.symbols.size()) +
                                       " symbols, no clients yet)");
    }
  }
  const auto tickerd = idle_on(cx, run, "tickerd");
  if (!cx.sc.floor || cx.opts.no_floor) return;
  if (!cx.st) {
    cx.report.facts.emplace_back("floor", "not run: the floor needs the sim the bench starts");
    return;
  }
  auto floor = start_floor(cx, run);
  const auto f = idle_on(cx, run, "floor");
  floor->stop();
  if (tickerd && f) {
    cx.report.facts.emplace_back(
        "tickerd / floor, RSS per idle connection",
        fixed(*tickerd, 2) + " / " + fixed(*f, 2) + " KiB = " + ratio_text(*tickerd, *f));
  }
}

// ---- handshakes: the cost of a full TLS handshake on tickerd's core -------------------------

// openssl speed's P-256 figures on `cpu`: ECDSA signs and verifies, ECDH derivations per second.
struct speed_floor {
  double sign_per_s = 0;
  double verify_per_s = 0;
  double ecdh_per_s = 0;
  std::string error;
};

speed_floor openssl_speed(const fs::path& dir, int cpu) {
  speed_floor out;
  child speed;
  speed.spawn({"openssl", "speed", "-seconds", "3", "-mr", "ecdhp256", "ecdsap256"}, dir,
              "openssl-speed", cpu);
  const auto deadline = steady::now() + std::chrono::seconds(60);
  while (speed.running() && steady::now() < deadline) {
    check_interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  speed.stop();
  std::ifstream in(dir / "openssl-speed.stdout");
  std::string line;
  // -mr lines: "+F4:<n>:256:<sign/s>:<verify/s>" (ECDSA), "+F5:<n>:256:<derive/s>:..." (ECDH).
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::size_t start = 0;
    for (auto colon = line.find(':');; colon = line.find(':', start)) {
      f.push_back(line.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (f.size() >= 5 && f[0] == "+F4" && f[2] == "256") {
      out.sign_per_s = std::atof(f[3].c_str());
      out.verify_per_s = std::atof(f[4].c_str());
    } else if (f.size() >= 4 && f[0] == "+F5" && f[2] == "256") {
      out.ecdh_per_s = std::atof(f[3].c_str());
    }
  }
  if (out.sign_per_s <= 0 || out.ecdh_per_s <= 0) {
    out.error = "no figures in openssl speed's output\n" + speed.log_tail();
  }
  return out;
}

struct tls_counts {
  std::uint64_t handshakes = 0;
  std::uint64_t handshake_us = 0;
  bool ok = false;
};

// tickerd's own count of completed handshakes and the microseconds spent in OpenSSL for them.
tls_counts read_tls_counts(const context& cx) {
  tls_counts out;
  const auto reply = http_call(cx.target.host, cx.target.port, "GET", "/v1/stats", {},
                               std::chrono::milliseconds(5000), cx.tls.get());
  if (reply.status != 200) return out;
  const auto field = [&](std::string_view key, std::uint64_t& v) {
    const auto at = reply.body.find(key);  // the totals come before "per_shard"
    if (at == std::string::npos) return false;
    const char* first = reply.body.data() + at + key.size();
    return std::from_chars(first, reply.body.data() + reply.body.size(), v).ec == std::errc{};
  };
  out.ok = field("\"tls_handshakes\":", out.handshakes) &&
           field("\"tls_handshake_us\":", out.handshake_us);
  return out;
}

void run_handshakes(context& cx, runner& run) {
  if (!cx.st) throw std::runtime_error("mode = \"handshakes\" needs the stack the bench starts");
  const auto floor = openssl_speed(cx.st->config().work_dir, cx.st->config().server_cpu);
  run_result r;
  r.label = "handshakes";
  r.url = cx.opts.url;
  auto opts = pool_for(cx, many_clients + 1, {});  // many source addresses: ports recycle fast
  opts.tls_handshake_only = true;
  // The server's work is the same either way; without the client's two ECDSA verifications
  // (the chain and CertificateVerify) the one-thread client outpaces a server core.
  opts.tls = std::make_shared<tls_client>((cx.st->config().work_dir / "ca.crt").string(), false);
  opts.connect_concurrency = cx.sc.clients;
  client_pool pool(cx.ioc, opts);
  run.set_label(cx.sc.name);
  pool.add_clients(cx.sc.clients, true);
  run.window(cx.sc.warmup_s, false, {{&pool, &r}});
  const auto before = read_tls_counts(cx);
  run.window(cx.sc.duration_s, true, {{&pool, &r}});
  const auto after = read_tls_counts(cx);
  pool.stop_churn();
  pool.close_all(close_grace);
  const double secs = r.duration_s;
  const double client_rate = secs > 0 ? static_cast<double>(r.cycles) / secs : 0;
  cx.report.facts.emplace_back("full TLS handshakes (client-counted)",
                               fixed(client_rate, 0) + "/s with " + std::to_string(cx.sc.clients) +
                                   " in flight (each + GET /healthz); handshake + reply p50 " +
                                   format_us(r.connect_us.quantile(0.5)) + ", p99 " +
                                   format_us(r.connect_us.quantile(0.99)) + "; errors " +
                                   std::to_string(r.connect_errors + r.handshake_errors) +
                                   "; tickerd CPU " + fixed(r.server_cpu_pct, 0) +
                                   "%, tickerd-bench CPU " + fixed(r.bench_cpu_pct, 0) + "%");
  double server_us = 0;
  if (before.ok && after.ok && after.handshakes > before.handshakes) {
    const auto n = after.handshakes - before.handshakes;
    server_us =
        static_cast<double>(after.handshake_us - before.handshake_us) / static_cast<double>(n);
    const double per_cpu_s =
        r.server_cpu_pct > 0 ? static_cast<double>(n) / secs / (r.server_cpu_pct / 100.0) : 0;
    cx.report.facts.emplace_back(
        "tickerd /v1/stats",
        std::to_string(n) + " tls_handshakes (" + fixed(static_cast<double>(n) / secs, 0) +
            "/s); tls_handshake_us " + fixed(server_us, 0) + " µs per handshake in OpenSSL (" +
            fixed(1e6 / server_us, 0) + "/s of one core); " + fixed(per_cpu_s, 0) +
            " handshakes per second of tickerd CPU");
  } else {
    cx.report.facts.emplace_back("tickerd /v1/stats", "no tls_handshakes counted");
  }
  if (floor.error.empty()) {
    // The server's private-key work per full handshake: one ECDSA signature (the certificate
    // verify) and one ECDH derivation (its key generation is not in openssl speed's figures).
    const double floor_us = 1e6 / floor.sign_per_s + 1e6 / floor.ecdh_per_s;
    std::string text = fixed(floor.sign_per_s, 0) + " ECDSA P-256 signs/s, " +
                       fixed(floor.verify_per_s, 0) + " verifies/s, " + fixed(floor.ecdh_per_s, 0) +
                       " ECDH P-256 derivations/s on tickerd's CPU; " +
                       "sign + derive = " + fixed(floor_us, 0) + " µs (" +
                       fixed(1e6 / floor_us, 0) + " handshakes/s)";
    if (server_us > 0)
      text += "; tickerd's OpenSSL time is " + fixed(server_us / floor_us, 2) + "x it";
    cx.report.facts.emplace_back("floor (openssl speed -seconds 3 ecdhp256 ecdsap256)", text);
  } else {
    cx.report.facts.emplace_back("floor (openssl speed)", floor.error);
  }
  cx.report.runs.push_back(std::move(r));
}

// Steps the rate; stops after the first step that is saturated (short of the offered load, or
// conflating) or far past the p99 limit, so the peak rate is known even when no step holds it.
void sweep_server(context& cx, runner& run, const std::string& server) {
  const auto rates = cx.opts.rates.empty() ? cx.sc.sweep_rates : cx.opts.rates;
  client_pool pool(cx.ioc, pool_for(cx, cx.sc.clients, subscribe_text(cx)));
  run.set_label(cx.sc.name + " " + server);
  if (cx.set_rate) change_rate(cx, run, rates.front());
  pool.add_clients(cx.sc.clients);
  run.wait_ready(pool);
  const auto connect_hist = pool.connect_times();
  for (const double rate : rates) {
    if (cx.set_rate) change_rate(cx, run, rate);
    run_result r;
    r.label = server + " rate " + fixed(rate, 0);
    r.url = (cx.tls ? "wss://" : "ws://") + cx.target.host + ":" + std::to_string(cx.target.port) +
            cx.target.path;
    r.rate = rate;
    r.offered_per_client = offered_per_client(cx, rate);
    r.channels_per_client = load_per_client(cx, rate).channels;
    r.throttle_ms = cx.sc.throttle_ms;
    run.set_label(cx.sc.name + " " + r.label);
    run.window(cx.sc.step_warmup_s, false, {{&pool, &r}});
    run.window(cx.sc.step_s, true, {{&pool, &r}});
    r.connect_us = connect_hist;
    const double p99_ms = static_cast<double>(r.latency_us.quantile(0.99)) / 1000.0;
    const double offered = r.offered_per_client * static_cast<double>(pool.planned());
    const bool saturated =
        r.messages_per_s() < saturation_fraction * offered || r.conflated_dropped > 0;
    cx.report.runs.push_back(std::move(r));
    if (!cx.set_rate) break;
    if (saturated || p99_ms > hopeless_p99_factor * cx.sc.p99_limit_ms) break;
  }
  pool.close_all(close_grace);
}

void run_sweep_peer(context& cx, runner& run, const sweep_best& tickerd);
void run_sweep_floor(context& cx, runner& run, const sweep_best& tickerd);

void run_sweep(context& cx, runner& run) {
  sweep_server(cx, run, "tickerd");
  const auto limit_text = "p99 ≤ " + fixed(cx.sc.p99_limit_ms, 0) + " ms";
  const auto tickerd = best_of(cx.report.runs, "tickerd", cx.sc.p99_limit_ms);
  cx.report.facts.emplace_back("tickerd best with " + limit_text, tickerd.within_text);
  cx.report.facts.emplace_back("tickerd peak", tickerd.peak_text);
  if (cx.sc.peer && !cx.opts.no_peer) run_sweep_peer(cx, run, tickerd);
  if (cx.sc.floor && !cx.opts.no_floor) run_sweep_floor(cx, run, tickerd);
}

void run_sweep_peer(context& cx, runner& run, const sweep_best& tickerd) {
  const auto limit_text = "p99 ≤ " + fixed(cx.sc.p99_limit_ms, 0) + " ms";
  if (!cx.st) {
    cx.report.facts.emplace_back("peer", "not run: the peer needs the sim the bench starts");
    return;
  }
  // The peer gets the server core to itself: tickerd stops first.
  cx.st->stop_tickerd();
  const fs::path peer_dir = cx.opts.peer_dir;
  if (!fs::exists(peer_dir / "node_modules" / "ws")) {
    throw std::runtime_error("the Node peer is not installed: run `npm ci` in " +
                             peer_dir.string() + " (make bench does)");
  }
  const auto port = free_port();
  child peer;
  peer.spawn({cx.opts.node_bin, (peer_dir / "server.mjs").string(), "--port", std::to_string(port),
              "--upstream", cx.st->binance_stream_url()},
             cx.st->config().work_dir, "ws-broadcast", cx.st->config().server_cpu, peer_dir);
  peer.wait_for_line("ws-broadcast listening on", std::chrono::milliseconds(30'000));
  const auto saved = cx.target;
  cx.target = target_url{"127.0.0.1", port, "/ws"};
  run.set_server(peer.pid(), "node");
  sweep_server(cx, run, "ws-broadcast");
  cx.target = saved;
  peer.stop();
  const auto node = best_of(cx.report.runs, "ws-broadcast", cx.sc.p99_limit_ms);
  cx.report.facts.emplace_back("ws-broadcast best with " + limit_text, node.within_text);
  cx.report.facts.emplace_back("ws-broadcast peak", node.peak_text);
  // The measure is the best rate within the p99 limit, from both servers; a ratio of
  // anything else is not that measure, and the report says so instead of giving one.
  const auto cmp = compare_sweeps(tickerd, node, cx.sc.p99_limit_ms);
  const std::string what = "best msg/s with " + limit_text;
  cx.report.facts.emplace_back("tickerd / ws-broadcast, " + what,
                               cmp.measured ? cmp.ratio_text + " (" + cmp.explanation + ")"
                                            : "not measured: " + cmp.explanation);
  if (cx.sc.target_peer_ratio) {
    target_check t;
    t.name = "fan-out vs Node ws peer, " + what;
    t.measured = cmp.measured ? cmp.ratio_text : "not measured: " + cmp.reason;
    t.target = "≥ " + fixed(*cx.sc.target_peer_ratio, 0) + "× with " + limit_text;
    t.conclusive = cmp.measured;
    t.met = cmp.measured && cmp.ratio && *cmp.ratio >= *cx.sc.target_peer_ratio;
    cx.report.targets.push_back(std::move(t));
  }
}

// ---- the floor: bench/peers/floor, the bare epoll fan-out -------------------------------------

// What the floor reads: for clients on `trades.<SYM>` / `bbo.<SYM>` only, those symbols'
// Binance `@trade` / `@bookTicker` streams, for `book20.<SYM>[@binance]` its `@depth@100ms`
// (the floor sends every update it makes to every client); otherwise every symbol's `@ticker`.
std::string floor_upstream(const context& cx) {
  std::vector<std::string> streams;
  for (const auto& c : cx.channels) {
    const bool trades = c.starts_with("trades.");
    const bool bbo = c.starts_with("bbo.");
    const bool book = c.starts_with("book20.");
    auto symbol = c.substr(c.find('.') + 1);
    if (book && symbol.ends_with("@binance")) symbol.resize(symbol.size() - 8);
    if ((!trades && !bbo && !book) || symbol.find_first_of("@*") != std::string::npos)
      return cx.st->binance_stream_url();
    streams.push_back(binance_stream_name(symbol, trades ? "trade"
                                                  : bbo  ? "bookTicker"
                                                         : "depth@100ms"));
  }
  return streams.empty() ? cx.st->binance_stream_url() : cx.st->binance_stream_url(streams);
}

// Stops tickerd (the floor gets the server core to itself, as tickerd had it) and starts the
// floor peer on that core, reading the sim's Binance stream; the clients then target it.
std::unique_ptr<child> start_floor(context& cx, runner& run) {
  if (!cx.st) throw std::runtime_error("the floor needs the sim the bench starts (not --url)");
  cx.st->stop_tickerd();
  const auto port = free_port();
  auto floor = std::make_unique<child>();
  // Book clients on the composed `book20.<SYM>` get the floor's one-venue composed form.
  const bool composed = std::any_of(cx.channels.begin(), cx.channels.end(), [](const auto& c) {
    return c.starts_with("book") && c.find('@') == std::string::npos;
  });
  floor->spawn({cx.opts.floor_bin, "--port", std::to_string(port), "--upstream", floor_upstream(cx),
                "--book", composed ? "composed" : "venue"},
               cx.st->config().work_dir, "floor", cx.st->config().server_cpu);
  floor->wait_for_line("floor-server listening on", std::chrono::milliseconds(10'000));
  cx.target = target_url{"127.0.0.1", port, "/ws"};
  cx.server_pid = floor->pid();
  run.set_server(floor->pid(), "floor");
  return floor;
}

std::string ratio_text(double tickerd, double floor) {
  return floor > 0 && tickerd >= 0 ? fixed(tickerd / floor, 2) + "×" : std::string("n/a");
}

void floor_target(context& cx, std::string name, double tickerd, double floor,
                  const std::optional<double>& limit, bool at_most) {
  if (!limit) return;
  const bool measured = floor > 0 && tickerd > 0;
  const double ratio = measured ? tickerd / floor : 0;
  target_check t;
  t.name = std::move(name);
  t.measured = measured ? fixed(ratio, 2) + "×" : "not measured";
  t.target = (at_most ? "≤ " : "≥ ") + fixed(*limit, 2) + "× the floor";
  t.conclusive = measured;
  t.met = measured && (at_most ? ratio <= *limit : ratio >= *limit);
  cx.report.targets.push_back(std::move(t));
}

// tickerd's run against the floor's at the same offered load: latency and CPU per delivery.
void compare_to_floor(context& cx, const run_result& t, const run_result& f) {
  const double offered = t.offered_per_client * static_cast<double>(t.clients_planned);
  // Trades and bbo have no predicted rate (load_per_client): name the sim's rate instead.
  const std::string at = offered > 0 ? short_number(offered) + " deliveries/s offered"
                                     : "sim rate " + fixed(t.rate, 1) + " events/s per symbol";
  const auto p50 = [](const run_result& r) {
    return static_cast<double>(r.latency_us.quantile(0.5));
  };
  const auto p99 = [](const run_result& r) {
    return static_cast<double>(r.latency_us.quantile(0.99));
  };
  const double cpu_t = t.server_cpu_us_per_message();
  const double cpu_f = f.server_cpu_us_per_message();
  cx.report.facts.emplace_back(
      "tickerd / floor at " + at,
      "p50 " + format_us(t.latency_us.quantile(0.5)) + " / " +
          format_us(f.latency_us.quantile(0.5)) + " = " + ratio_text(p50(t), p50(f)) + "; p99 " +
          format_us(t.latency_us.quantile(0.99)) + " / " + format_us(f.latency_us.quantile(0.99)) +
          " = " + ratio_text(p99(t), p99(f)) + "; CPU per delivery " + fixed(cpu_t, 3) + " / " +
          fixed(cpu_f, 3) + " µs = " + ratio_text(cpu_t, cpu_f) + "; delivered " +
          short_number(t.messages_per_s()) + " / " + short_number(f.messages_per_s()) + " msg/s");
  floor_target(cx, "p50 vs floor at " + at, p50(t), p50(f), cx.sc.target_floor_latency_ratio, true);
  floor_target(cx, "p99 vs floor at " + at, p99(t), p99(f), cx.sc.target_floor_latency_ratio, true);
  floor_target(cx, "CPU per delivery vs floor at " + at, cpu_t, cpu_f, cx.sc.target_floor_cpu_ratio,
               true);
}

void run_sweep_floor(context& cx, runner& run, const sweep_best& tickerd) {
  const auto saved = cx.target;
  auto floor = start_floor(cx, run);
  sweep_server(cx, run, "floor");
  floor->stop();
  cx.target = saved;
  const auto limit_text = "p99 ≤ " + fixed(cx.sc.p99_limit_ms, 0) + " ms";
  const auto f = best_of(cx.report.runs, "floor", cx.sc.p99_limit_ms);
  cx.report.facts.emplace_back("floor best with " + limit_text, f.within_text);
  cx.report.facts.emplace_back("floor peak", f.peak_text);
  const auto cmp = compare_sweeps(tickerd, f, cx.sc.p99_limit_ms);
  cx.report.facts.emplace_back("tickerd / floor, best msg/s with " + limit_text,
                               cmp.measured ? cmp.ratio_text : "not measured: " + cmp.explanation);
  // Saturation: the highest delivered msg/s of any step. When neither server fell short of the
  // offered load at the last step, both peaks are the sweep's ceiling, not a saturation.
  const auto last_of = [&](const std::string& server) -> const run_result* {
    const run_result* last = nullptr;
    for (const auto& r : cx.report.runs)
      if (r.label.starts_with(server + " rate ")) last = &r;
    return last;
  };
  const auto* lt = last_of("tickerd");
  const auto* lf = last_of("floor");
  const auto saturated = [](const run_result* r) {
    return r && r->messages_per_s() <
                    0.9 * r->offered_per_client * static_cast<double>(r->clients_planned);
  };
  std::string sat = "tickerd peak " + short_number(tickerd.peak) + " msg/s, floor peak " +
                    short_number(f.peak) + " msg/s = " + ratio_text(tickerd.peak, f.peak);
  if (!saturated(lt) && !saturated(lf)) sat += " (neither saturated within the sweep's rates)";
  cx.report.facts.emplace_back("tickerd / floor, saturation", sat);
  if (saturated(lf) || saturated(lt)) {
    floor_target(cx, "deliveries/s at saturation vs floor", tickerd.peak, f.peak,
                 cx.sc.target_floor_saturation_ratio, false);
  }
  // Latency and CPU per delivery at the steps nearest 110k and 500k deliveries/s offered
  // (issue 13's two loads), where neither server fell short of the offered load.
  for (const double wanted : {110'000.0, 500'000.0}) {
    const run_result* best = nullptr;
    for (const auto& t : cx.report.runs) {
      if (!t.label.starts_with("tickerd rate ")) continue;
      const double offered = t.offered_per_client * static_cast<double>(t.clients_planned);
      if (!best ||
          std::abs(offered - wanted) <
              std::abs(best->offered_per_client * static_cast<double>(best->clients_planned) -
                       wanted))
        best = &t;
    }
    if (!best || saturated(best)) continue;
    for (const auto& fr : cx.report.runs) {
      if (fr.label == "floor rate " + fixed(best->rate, 0) && !saturated(&fr)) {
        compare_to_floor(cx, *best, fr);
      }
    }
  }
}

// One stream window of the scenario's clients at `rate` against the current target.
run_result measure_stream(context& cx, runner& run, const std::string& label, double rate) {
  change_rate(cx, run, rate);
  run_result r;
  r.label = label;
  r.url = "ws://" + cx.target.host + ":" + std::to_string(cx.target.port) + cx.target.path;
  r.rate = rate;
  const auto load = load_per_client(cx, rate);
  r.offered_per_client = load.updates_per_s;
  r.channels_per_client = load.channels;
  client_pool pool(cx.ioc, pool_for(cx, cx.sc.clients, subscribe_text(cx)));
  run.set_label(cx.sc.name + " " + label);
  pool.add_clients(cx.sc.clients);
  run.wait_ready(pool);
  const auto connect_hist = pool.connect_times();
  run.window(cx.sc.warmup_s, false, {{&pool, &r}});
  run.window(cx.sc.duration_s, true, {{&pool, &r}});
  r.connect_us = connect_hist;
  pool.close_all(close_grace);
  return r;
}

// [floor] in a stream scenario: tickerd at the extra rates, then the floor at every rate (the
// main run's first), the same clients and subscriptions, and the ratios at each.
void run_stream_floor(context& cx, runner& run, const run_result& main_run) {
  if (!cx.st) {
    cx.report.facts.emplace_back("floor", "not run: the floor needs the sim the bench starts");
    return;
  }
  const double base = main_run.rate;
  std::vector<double> extra;
  for (const double r : cx.sc.floor_rates)
    if (r != base) extra.push_back(r);
  // The floor reads Binance only: with [floor] venues, tickerd is measured again fed the same
  // Binance frames (its other feeds stopped), and the ratios are taken against that run.
  const bool same_frames = !cx.sc.floor_venues.empty() && cx.sc.floor_venues != cx.sc.venues;
  std::vector<run_result> tickerd_runs;
  if (same_frames) {
    cx.st->restart_tickerd(cx.sc.floor_venues);
    cx.server_pid = cx.st->tickerd_pid();
    run.set_server(cx.server_pid, "tickerd");
    change_rate(cx, run, base);
    std::string label = "tickerd (";
    for (const auto& v : cx.sc.floor_venues) label += (label.ends_with("(") ? "" : ", ") + v;
    label += " only) rate ";
    tickerd_runs.push_back(measure_stream(cx, run, label + fixed(base, 1), base));
    for (const double r : extra) {
      tickerd_runs.push_back(measure_stream(cx, run, label + fixed(r, 1), r));
    }
  } else {
    tickerd_runs.push_back(main_run);
    for (const double r : extra) {
      tickerd_runs.push_back(measure_stream(cx, run, "tickerd rate " + fixed(r, 1), r));
    }
  }
  const auto saved = cx.target;
  const auto saved_pid = cx.server_pid;
  auto floor = start_floor(cx, run);
  std::vector<run_result> floor_runs;
  floor_runs.push_back(measure_stream(cx, run, "floor rate " + fixed(base, 1), base));
  for (const double r : extra) {
    floor_runs.push_back(measure_stream(cx, run, "floor rate " + fixed(r, 1), r));
  }
  floor->stop();
  cx.target = saved;
  cx.server_pid = saved_pid;
  change_rate(cx, run, base);
  for (std::size_t i = 0; i < floor_runs.size(); ++i) {
    compare_to_floor(cx, tickerd_runs[i], floor_runs[i]);
  }
  for (std::size_t i = same_frames ? 0 : 1; i < tickerd_runs.size(); ++i) {
    cx.report.runs.push_back(std::move(tickerd_runs[i]));
  }
  for (auto& f : floor_runs) cx.report.runs.push_back(std::move(f));
}

int run_main(int argc, char** argv) {
  options o;
  CLI::App app{"tickerd-bench: load tests for tickerd (bench/scenarios/*.toml)", "tickerd-bench"};
  app.add_option("--scenario,-s", o.scenario_path,
                 "scenario file, e.g. bench/scenarios/fanout.toml")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--url", o.url,
                 "target an existing tickerd (ws://HOST:PORT/ws) instead of starting tickerd-sim "
                 "and tickerd");
  app.add_option("--pid", o.server_pid,
                 "with --url: the server's pid for CPU/RSS (default: found by port)");
  app.add_option("--sim-port", o.sim_port,
                 "with --url: the tickerd-sim port to POST /market/rate to");
  app.add_option("--tickerd", o.tickerd_bin, "tickerd binary")->capture_default_str();
  app.add_option("--sim", o.sim_bin, "tickerd-sim binary")->capture_default_str();
  app.add_option("--node", o.node_bin, "node binary for the peer")->capture_default_str();
  app.add_option("--peer-dir", o.peer_dir, "bench/peers/ws-broadcast")->capture_default_str();
  app.add_option("--web-root", o.web_root, "tickerd's web root")->capture_default_str();
  app.add_option("--work-dir", o.work_dir,
                 "logs, configs and default outputs (default: a temp dir)");
  app.add_option("--json", o.json_out, "write the results as JSON here");
  app.add_option("--html", o.html_out, "write the HTML report here");
  app.add_option("--clients", o.clients, "override clients.count");
  app.add_option("--duration", o.duration, "override run.duration_s (sweeps: sweep.step_s)");
  app.add_option("--rate", o.rate, "override stack.rate");
  app.add_option("--rates", o.rates, "override sweep.rates")->delimiter(',');
  app.add_option("--client-sweep", o.client_sweep,
                 "override clients.sweep (stream scenarios), e.g. 100,200,500")
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  app.add_flag("--no-client-sweep", o.no_client_sweep, "only the main run of clients.count");
  app.add_option("--server-cpu", o.server_cpu, "CPU for tickerd (and the Node peer)")
      ->capture_default_str();
  app.add_option("--bench-cpu", o.bench_cpu, "CPU for this process and tickerd-sim")
      ->capture_default_str();
  app.add_flag("--no-pin", o.no_pin, "do not pin processes to CPUs");
  app.add_flag("--no-peer", o.no_peer, "skip the Node peer in sweeps");
  app.add_option("--floor", o.floor_bin, "the floor peer's binary (bench/peers/floor)")
      ->capture_default_str();
  app.add_flag("--no-floor", o.no_floor, "skip the floor peer ([floor] run)");
  app.add_option("--book-peer-dir", o.book_peer_dir,
                 "the CCXT Pro book peer (bench/peers/ccxt-book, after npm ci)")
      ->capture_default_str();
  app.add_flag("--no-book-peer", o.no_book_peer, "skip the CCXT Pro peer in book scenarios");
  app.add_flag("--quiet,-q", o.quiet, "no progress line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  context cx;
  cx.opts = o;
  try {
    cx.sc = load_scenario_file(o.scenario_path);
  } catch (const scenario_error& e) {
    std::fprintf(stderr, "tickerd-bench: %s\n", e.what());
    return 2;
  }
  if (o.clients) cx.sc.clients = *o.clients;
  if (o.duration) {
    cx.sc.duration_s = *o.duration;
    cx.sc.step_s = *o.duration;
  }
  if (o.rate) cx.sc.rate = *o.rate;
  if (!o.client_sweep.empty()) {
    std::sort(o.client_sweep.begin(), o.client_sweep.end());
    o.client_sweep.erase(std::unique(o.client_sweep.begin(), o.client_sweep.end()),
                         o.client_sweep.end());
    cx.sc.client_sweep = o.client_sweep;
  }
  if (o.no_client_sweep) cx.sc.client_sweep.clear();
  if (!cx.sc.client_sweep.empty() &&
      (cx.sc.mode != scenario_mode::stream || !cx.sc.phases.empty() || cx.sc.throttle_ms > 0)) {
    std::fprintf(stderr,
                 "tickerd-bench: --client-sweep: only for stream scenarios without run.phases "
                 "or clients.throttle_ms\n");
    return 2;
  }
  cx.symbols = cx.sc.symbols.empty() ? default_symbols() : cx.sc.symbols;
  cx.channels = expand_channels(cx.sc);

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();

  const bool pin = !o.no_pin && cpu_count() > 1 && o.server_cpu != o.bench_cpu;
  if (pin) pin_to_cpu(o.bench_cpu);
  if (o.work_dir.empty()) {
    char tmpl[] = "/tmp/tickerd-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    o.work_dir = tmpl;
    cx.opts.work_dir = o.work_dir;
  }
  fs::create_directories(o.work_dir);

  auto& rep = cx.report;
  rep.scenario = cx.sc.name;
  rep.description = cx.sc.description;
  rep.mode = std::string(to_string(cx.sc.mode));
  rep.note = cx.sc.note;
  if (cx.sc.mode == scenario_mode::sweep) rep.p99_limit_ms = cx.sc.p99_limit_ms;
  rep.started_at = now_iso();
  for (int i = 0; i < argc; ++i) rep.command += (i ? " " : "") + std::string(argv[i]);

  if (o.url.empty()) {
    stack_config cfg;
    cfg.tickerd_bin = o.tickerd_bin;
    cfg.sim_bin = o.sim_bin;
    cfg.work_dir = fs::path(o.work_dir) / cx.sc.name;
    cfg.web_root = o.web_root;
    cfg.venues = cx.sc.venues;
    cfg.symbols = cx.symbols;
    cfg.rate = cx.sc.rate;
    cfg.shards = cx.sc.shards;
    cfg.server_cpu = pin ? o.server_cpu : -1;
    cfg.sim_cpu = pin ? o.bench_cpu : -1;
    cfg.tls = cx.sc.tls;
    cfg.auth = cx.sc.auth;
    cfg.streams = cx.sc.streams;
    cx.st = std::make_unique<stack>(cfg);
    std::fprintf(stderr, "tickerd-bench: starting tickerd-sim and tickerd in %s\n",
                 cfg.work_dir.c_str());
    cx.st->start();
    cx.target = target_url{"127.0.0.1", cx.st->port(), "/ws"};
    cx.tls = cx.st->tls();
    cx.token = cx.st->token();
    cx.server_pid = cx.st->tickerd_pid();
    cx.set_rate = [&cx](double r) { return cx.st->set_rate(r); };
    cx.pause_market = [&cx](bool pause) { cx.st->pause_market(pause); };
    rep.started_stack = true;
    if (pin) {
      rep.pinning = "tickerd (" + std::to_string(cx.sc.shards) +
                    " shard) and the Node peer on CPU " + std::to_string(o.server_cpu) +
                    "; tickerd-bench and tickerd-sim on CPU " + std::to_string(o.bench_cpu);
    }
  } else {
    if (cx.sc.tls || cx.sc.auth) {
      throw std::runtime_error(
          "stack.tls and stack.auth need the stack the bench starts (not --url)");
    }
    cx.target = parse_url(o.url);
    cx.server_pid = o.server_pid > 0 ? o.server_pid : find_listener_pid(cx.target.port).value_or(0);
    if (o.sim_port != 0) {
      cx.set_rate = [port = o.sim_port](double r) {
        const auto reply = http_call("127.0.0.1", port, "POST", "/market/rate", std::to_string(r));
        if (reply.status != 200) {
          throw std::runtime_error("POST /market/rate: " + std::to_string(reply.status) + " " +
                                   reply.body + reply.error);
        }
        return std::string("POST /market/rate");
      };
      cx.pause_market = [port = o.sim_port](bool pause) {
        const std::string path = pause ? "/market/pause" : "/market/resume";
        const auto reply = http_call("127.0.0.1", port, "POST", path);
        if (reply.status != 200) {
          throw std::runtime_error("POST " + path + ": " + std::to_string(reply.status) + " " +
                                   reply.body + reply.error);
        }
      };
    }
    if (pin)
      rep.pinning = "tickerd-bench on CPU " + std::to_string(o.bench_cpu) +
                    " (the server was not started by the bench)";
  }
  rep.target_url = (cx.tls ? "wss://" : "ws://") + cx.target.host + ":" +
                   std::to_string(cx.target.port) + cx.target.path;
  cx.opts.url = rep.target_url;
  rep.facts.emplace_back(
      "clients", std::to_string(cx.sc.clients) +
                     (cx.sc.mode == scenario_mode::churn
                          ? " steady + " + std::to_string(cx.sc.churn_concurrency) + " churning"
                          : ""));
  std::string chan_text;
  for (const auto& c : cx.sc.channels) chan_text += (chan_text.empty() ? "" : ", ") + c;
  rep.facts.emplace_back("subscribe",
                         chan_text.empty()
                             ? "nothing"
                             : chan_text + " (" + std::to_string(cx.channels.size()) + " names)");
  rep.facts.emplace_back("upstream",
                         std::to_string(cx.sc.venues.size()) + " venue(s) x " +
                             std::to_string(cx.symbols.size()) + " symbols, sim rate " +
                             (cx.sc.mode == scenario_mode::sweep
                                  ? std::string("stepped (see the runs)")
                                  : fixed(cx.sc.rate, 1) + " events/s per symbol per venue"));
  if (cx.server_pid <= 0)
    rep.facts.emplace_back("server CPU/RSS", "not sampled (no pid: pass --pid)");
  if (cx.sc.tls || cx.sc.auth) {
    rep.facts.emplace_back(
        "transport",
        std::string(cx.sc.tls ? "wss:// (TLS 1.3 from OpenSSL, P-256 ECDHE, ECDSA P-256 "
                                "certificate" +
                                    (cx.sc.mode == scenario_mode::handshakes
                                         ? std::string(", not verified in this mode)")
                                         : std::string(", verified against the bench's CA)"))
                              : std::string("ws://")) +
            (cx.sc.auth ? "; [auth] jwt: HS256 token on ?token=, channels [\"ticker.*\"]" : ""));
  }

  runner run(cx.ioc, o.quiet);
  run.set_server(cx.server_pid, "tickerd");
  auto guard = net::make_work_guard(cx.ioc);
  switch (cx.sc.mode) {
    case scenario_mode::stream:
      run_stream(cx, run);
      break;
    case scenario_mode::sweep:
      run_sweep(cx, run);
      break;
    case scenario_mode::churn:
      run_churn(cx, run);
      break;
    case scenario_mode::idle:
      run_idle(cx, run);
      break;
    case scenario_mode::handshakes:
      run_handshakes(cx, run);
      break;
  }
  if (cx.set_rate) rep.facts.emplace_back("rate control", cx.rate_control);

  std::fputs(summary_table(rep).c_str(), stdout);
  const fs::path json_path =
      o.json_out.empty() ? fs::path(o.work_dir) / (cx.sc.name + ".json") : fs::path(o.json_out);
  const fs::path html_path =
      o.html_out.empty() ? fs::path(o.work_dir) / (cx.sc.name + ".html") : fs::path(o.html_out);
  for (const auto& [path, text] :
       {std::pair{json_path, to_json(rep)}, std::pair{html_path, to_html(rep)}}) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + path.string());
  }
  std::printf("wrote %s and %s\n", json_path.c_str(), html_path.c_str());
  return 0;
}

}  // namespace
}  // namespace tickerd::bench

int main(int argc, char** argv) {
  try {
    return tickerd::bench::run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\ntickerd-bench: %s\n", e.what());
    return 1;
  }
}
