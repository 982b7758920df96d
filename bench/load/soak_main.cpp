// tickerd-soak: tickerd under hours-like churn in minutes (make soak; docs/OPERATIONS.md
// "Soak"). It starts redis-server, tickerd-sim (all five venues) and tickerd, connects
// thousands of clients of five kinds (load/core/soak_plan.hpp), and while they run restarts
// Redis, faults a venue and bursts the market rate every few minutes. Every second it samples
// tickerd's RSS and descriptors (/proc) and its connections, queue depths and timers
// (GET /v1/stats); at the end it judges (load/core/soak_verdict.hpp), prints the verdict,
// writes it as JSON, and exits 1 when it failed.
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "load/client_pool.hpp"
#include "load/core/message_scan.hpp"
#include "load/core/proc_stats.hpp"
#include "load/core/results.hpp"
#include "load/core/scenario.hpp"
#include "load/core/soak_plan.hpp"
#include "load/core/soak_verdict.hpp"
#include "load/stack.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/net.hpp"

namespace tickerd::bench {
namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

constexpr auto connect_stall_timeout = std::chrono::seconds(60);
constexpr auto drain_time = std::chrono::seconds(5);  // after the last bad request and churn
constexpr auto close_grace = milliseconds(5000);
constexpr auto fd_settle_timeout = std::chrono::seconds(30);
constexpr auto control_timeout = milliseconds(2000);
constexpr unsigned source_addresses = 16;  // 127.0.0.1-16: ephemeral ports for the churn
constexpr std::size_t resumed_channels_per_churner = 2;
constexpr int slow_receive_buffer = 4096;

std::atomic<bool> interrupted{false};
extern "C" void on_signal(int) {
  interrupted = true;
}

struct options {
  double minutes = 30;
  std::size_t clients = 5000;
  double fault_interval_s = 180;
  double redis_interval_s = 240;
  double burst_interval_s = 120;
  double rate = 1;        // events/s per symbol per venue: Binance's ticker stream pace
  double burst_rate = 4;  // during a burst
  std::int64_t throttle_ms = 500;
  // tickerd's limits.idle_timeout_ms (its default): how long a stalled reader survives. Long
  // enough that a slow reader's backlog outgrows what the kernel holds for it (~1.3 MB of send
  // buffer on loopback) and tickerd's queue conflates before the drop.
  std::int64_t idle_timeout_ms = 60000;
  double churn_period_s = 20;  // each churner reconnects about this often
  double bad_period_s = 10;    // each bad client sends a malformed request this often
  unsigned shards = 0;         // tickerd's default: one per hardware thread
  std::string tickerd_bin = TICKERD_BENCH_TICKERD_BIN;
  std::string sim_bin = TICKERD_BENCH_SIM_BIN;
  std::string redis_bin = "redis-server";
  std::string web_root = TICKERD_BENCH_SOURCE_DIR "/web";
  std::string work_dir;
  std::string json_out;
  int server_cpu = 1;
  int bench_cpu = 0;
  bool pin = false;
  bool quiet = false;
};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string now_iso() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::string machine_text() {
  std::string model;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.starts_with("model name")) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname u{};
  ::uname(&u);
  return std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " CPU(s) " + model + ", Linux " +
         u.release;
}

// ---- redis-server, restarted on the same port ------------------------------------------------

class redis_process {
 public:
  redis_process(std::string bin, fs::path dir, int cpu)
      : bin_(std::move(bin)), dir_(std::move(dir)), cpu_(cpu), port_(free_port()) {}

  void start() {
    proc_ = std::make_unique<child>();
    ++starts_;
    proc_->spawn({bin_, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                  "--appendonly", "no", "--dir", dir_.string()},
                 dir_, "redis." + std::to_string(starts_), cpu_);
    proc_->wait_for_line("Ready to accept connections", milliseconds(10'000));
  }
  void stop() {
    if (proc_) proc_->stop();
    proc_.reset();
  }
  bool running() const { return proc_ != nullptr; }
  std::uint16_t port() const { return port_; }

 private:
  std::string bin_;
  fs::path dir_;
  int cpu_;
  std::uint16_t port_;
  int starts_ = 0;
  std::unique_ptr<child> proc_;
};

// ---- tickerd's HTTP gauges, read off the clients' thread ------------------------------------

// Polls GET /v1/stats and /v1/feeds once a second on its own thread: a busy tickerd may take a
// while to answer, and the clients' thread must never wait for it (it would stop reading 5,000
// sockets meanwhile and make the lag it measures).
class probe {
 public:
  struct reading {
    std::optional<flat_json> stats;
    std::optional<flat_json> feeds;
    std::string error;  // why the last stats poll failed, if it did
  };

  explicit probe(std::uint16_t port) : port_(port), thread_([this] { loop(); }) {}
  ~probe() {
    stop_ = true;
    thread_.join();
  }
  probe(const probe&) = delete;
  probe& operator=(const probe&) = delete;

  reading latest() const {
    const std::lock_guard lock(mutex_);
    return latest_;
  }

 private:
  void loop() {
    auto next = steady::now();
    while (!stop_) {
      reading r;
      const auto stats = http_call("127.0.0.1", port_, "GET", "/v1/stats", {}, control_timeout);
      if (stats.status == 200) r.stats = flatten_json(stats.body);
      if (!r.stats) r.error = std::to_string(stats.status) + " " + stats.error;
      const auto feeds = http_call("127.0.0.1", port_, "GET", "/v1/feeds", {}, control_timeout);
      if (feeds.status == 200) r.feeds = flatten_json(feeds.body);
      {
        const std::lock_guard lock(mutex_);
        latest_ = std::move(r);
      }
      next += std::chrono::seconds(1);
      while (!stop_ && steady::now() < next) std::this_thread::sleep_for(milliseconds(50));
      if (steady::now() > next + std::chrono::seconds(1)) next = steady::now();
    }
  }

  std::uint16_t port_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  reading latest_;
  std::thread thread_;  // last: starts once everything it uses exists
};

// ---- the clients ----------------------------------------------------------------------------

struct kinds {
  std::unique_ptr<client_pool> steady;
  std::unique_ptr<client_pool> throttled;
  std::unique_ptr<client_pool> churners;
  std::unique_ptr<client_pool> slow;
  std::unique_ptr<client_pool> bad;

  template <typename F>
  void each(F&& f) {
    for (auto* p : {&steady, &throttled, &churners, &slow, &bad}) {
      if (*p) f(**p);
    }
  }
  std::size_t open() {
    std::size_t n = 0;
    each([&](client_pool& p) { n += p.open(); });
    return n;
  }
  std::uint64_t messages() {
    std::uint64_t n = 0;
    each([&](client_pool& p) { n += p.counters().messages; });
    return n;
  }
};

soak_tallies tally(kinds& k) {
  soak_tallies t;
  const auto& s = k.steady->counters();
  t.steady_updates = s.updates;
  t.steady_gaps = s.gaps;
  t.steady_regressions = s.seq_regressions;
  t.steady_conflated = s.conflated_dropped;
  const auto& th = k.throttled->counters();
  t.throttled_updates = th.updates;
  t.throttled_regressions = th.seq_regressions;
  const auto& c = k.churners->counters();
  t.churn_cycles = c.cycles;
  t.resumes = c.resumes;
  t.resets = c.resets;
  t.churn_gaps = c.gaps;
  t.churn_regressions = c.seq_regressions;
  const auto& sl = k.slow->counters();
  t.stalls = sl.stalls;
  t.stall_closed = sl.stall_closed;
  t.stall_survived = sl.stall_survived;
  const auto& b = k.bad->counters();
  t.bad_sent = b.bad_sent;
  t.bad_errors = b.error_messages;
  t.unexpected_disconnects = s.disconnects + th.disconnects + c.disconnects + b.disconnects;
  return t;
}

// ---- disruptions and their recovery -----------------------------------------------------------

struct live_event {
  soak_event plan;
  double started_s = 0;
  bool ended = false;  // the disruption itself is over (Redis restarted, burst reset)
  std::optional<std::int64_t> messages_after;  // venue: `messages` once the effect was over
  std::int64_t parse_errors_before = -1;
  std::int64_t connects_before = -1;  // redis
  std::string states_seen;            // venue states other than `up`, redis "disconnected"
  soak_recovery result;
  bool done = false;
};

std::optional<std::size_t> feed_index(const flat_json& feeds, const std::string& venue) {
  for (std::size_t i = 0;; ++i) {
    const auto name = flat_value(feeds, "feeds." + std::to_string(i) + ".venue");
    if (!name) return std::nullopt;
    if (*name == venue) return i;
  }
}

void note_state(std::string& seen, std::string_view state) {
  if (state.empty() || state == "up") return;
  if (seen.find(state) == std::string::npos) seen += (seen.empty() ? "" : "/") + std::string(state);
}

class soak_run {
 public:
  explicit soak_run(options o) : o_(std::move(o)) {}
  int run(int argc, char** argv);

 private:
  void start_processes();
  void connect_clients();
  void tick(double t);
  void fire(const soak_event& e, double t);
  void follow(live_event& e, double t, const std::optional<flat_json>& feeds,
              const std::optional<flat_json>& stats);
  soak_sample sample(double t, const std::optional<flat_json>& stats);
  void progress(const soak_sample& s, double t);
  void run_io_until(steady::time_point until);
  void print_line(const std::string& text);
  void end_line();

  options o_;
  soak_settings settings_;
  std::vector<soak_event> plan_;
  std::size_t next_event_ = 0;
  std::vector<live_event> live_;
  std::unique_ptr<redis_process> redis_;
  std::unique_ptr<stack> stack_;
  std::unique_ptr<probe> probe_;
  net::io_context ioc_{1};
  kinds k_;
  client_mix mix_;
  soak_inputs in_;
  double churn_credit_ = 0;
  double bad_credit_ = 0;
  bool sending_ = true;  // churn and bad requests; off for the final drain
  std::uint64_t prev_messages_ = 0;
  steady::time_point prev_time_;
  pid_t tickerd_pid_ = -1;
  bool tty_ = false;
  bool line_open_ = false;
  std::string stats_note_;
};

void soak_run::print_line(const std::string& text) {
  if (o_.quiet) return;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    line_open_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void soak_run::end_line() {
  if (line_open_) std::fputc('\n', stderr);
  line_open_ = false;
}

void soak_run::run_io_until(steady::time_point until) {
  while (steady::now() < until) {
    if (interrupted) throw std::runtime_error("interrupted");
    ioc_.run_until(std::min(until, steady::now() + milliseconds(100)));
  }
}

void soak_run::start_processes() {
  const bool pin = o_.pin && cpu_count() > 1 && o_.server_cpu != o_.bench_cpu;
  if (pin) pin_to_cpu(o_.bench_cpu);
  const int helper_cpu = pin ? o_.bench_cpu : -1;
  redis_ = std::make_unique<redis_process>(o_.redis_bin, o_.work_dir, helper_cpu);
  redis_->start();

  stack_config cfg;
  cfg.tickerd_bin = o_.tickerd_bin;
  cfg.sim_bin = o_.sim_bin;
  cfg.work_dir = o_.work_dir;
  cfg.web_root = o_.web_root;
  cfg.venues = settings_.venues;
  cfg.symbols = default_symbols();
  cfg.rate = o_.rate;
  cfg.shards = o_.shards;
  cfg.server_cpu = pin ? o_.server_cpu : -1;
  cfg.sim_cpu = helper_cpu;
  cfg.extra_config = "[limits]\nidle_timeout_ms = " + std::to_string(o_.idle_timeout_ms) +
                     "\n\n[redis]\naddress = \"127.0.0.1:" + std::to_string(redis_->port()) +
                     "\"\n";
  stack_ = std::make_unique<stack>(cfg);
  std::fprintf(stderr, "tickerd-soak: starting redis-server, tickerd-sim and tickerd in %s\n",
               o_.work_dir.c_str());
  stack_->start();
  tickerd_pid_ = stack_->tickerd_pid();

  // Redis connected, then a quiet moment, then the descriptor baseline.
  const auto deadline = steady::now() + std::chrono::seconds(15);
  while (true) {
    const auto r = http_call("127.0.0.1", stack_->port(), "GET", "/v1/stats", {}, control_timeout);
    const auto doc = r.status == 200 ? flatten_json(r.body) : std::nullopt;
    if (doc && flat_value(*doc, "redis.connected") == "true") break;
    if (steady::now() > deadline) {
      throw std::runtime_error("tickerd did not report Redis connected in /v1/stats: " + r.body +
                               r.error);
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::this_thread::sleep_for(milliseconds(1000));
  in_.fd_baseline = count_open_fds(tickerd_pid_);
  probe_ = std::make_unique<probe>(stack_->port());
}

void soak_run::connect_clients() {
  mix_ = split_clients(o_.clients);
  in_.clients_planned = mix_.total();
  const auto base = [&] {
    pool_options p;
    p.port = stack_->port();
    p.source_addresses = source_addresses;
    return p;
  };
  auto steady_opts = base();
  steady_opts.subscribe_text = subscribe_request({"ticker.*"}, 0);
  auto throttled_opts = base();
  throttled_opts.subscribe_text = subscribe_request({"ticker.*"}, o_.throttle_ms);
  throttled_opts.throttled = true;
  auto churn_opts = base();
  const auto& symbols = default_symbols();
  for (std::size_t i = 0; i < resumed_channels_per_churner && i < symbols.size(); ++i) {
    churn_opts.resume_channels.push_back("ticker." + symbols[i]);
  }
  // Slow readers take every ticker channel, composite and per venue, so that their queues
  // outgrow limits.conflate_after_messages before the idle timeout at the base rate; a small
  // receive buffer keeps the backlog in tickerd's queue instead of the kernel's buffers.
  auto slow_opts = base();
  std::vector<std::string> every_ticker{"ticker.*"};
  for (const auto& sym : symbols) {
    for (const auto& venue : settings_.venues)
      every_ticker.push_back("ticker." + sym + "@" + venue);
  }
  slow_opts.subscribe_text = subscribe_request(every_ticker, 0);
  slow_opts.receive_buffer_bytes = slow_receive_buffer;
  // Past the idle timeout and one keepalive tick: by then tickerd must have dropped them.
  slow_opts.stall_for = milliseconds(o_.idle_timeout_ms + 5000);
  auto bad_opts = base();
  bad_opts.subscribe_text = subscribe_request({"status"}, 0);

  k_.steady = std::make_unique<client_pool>(ioc_, steady_opts);
  k_.throttled = std::make_unique<client_pool>(ioc_, throttled_opts);
  k_.churners = std::make_unique<client_pool>(ioc_, churn_opts);
  k_.slow = std::make_unique<client_pool>(ioc_, slow_opts);
  k_.bad = std::make_unique<client_pool>(ioc_, bad_opts);
  k_.steady->add_clients(mix_.steady);
  k_.throttled->add_clients(mix_.throttled);
  k_.churners->add_clients(mix_.churners, true);
  k_.slow->add_clients(mix_.slow, true);
  k_.bad->add_clients(mix_.bad);

  auto last_progress = steady::now();
  std::size_t last_open = 0;
  while (k_.open() < mix_.total()) {
    run_io_until(steady::now() + milliseconds(500));
    const auto open = k_.open();
    if (open != last_open) {
      last_open = open;
      last_progress = steady::now();
    }
    print_line("[soak] connecting: " + std::to_string(open) + "/" + std::to_string(mix_.total()) +
               " open");
    if (steady::now() - last_progress > connect_stall_timeout) {
      end_line();
      throw std::runtime_error("clients stopped connecting at " + std::to_string(open) + " of " +
                               std::to_string(mix_.total()) + ": " + k_.steady->first_error());
    }
  }
  end_line();
}

void soak_run::fire(const soak_event& e, double t) {
  live_event ev;
  ev.plan = e;
  ev.started_s = t;
  ev.result.label = e.label;
  ev.result.at_s = t;
  ev.result.bound_s = e.bound_s;
  switch (e.kind) {
    case soak_event_kind::venue_fault: {
      // The parse error count before the fault, to say what the fault did.
      if (const auto doc = probe_->latest().feeds) {
        if (const auto idx = feed_index(*doc, e.venue)) {
          ev.parse_errors_before =
              flat_int(*doc, "feeds." + std::to_string(*idx) + ".parse_errors").value_or(-1);
        }
      }
      const auto r = http_call("127.0.0.1", stack_->sim_port(), "POST", "/faults/" + e.venue,
                               e.fault, control_timeout);
      if (r.status != 200) {
        ev.result.observed =
            "the sim refused the fault: " + std::to_string(r.status) + " " + r.body + r.error;
      }
      ev.ended = e.effect_s <= 0;
      break;
    }
    case soak_event_kind::redis_restart:
      redis_->stop();
      break;
    case soak_event_kind::burst:
      stack_->set_rate(o_.burst_rate);
      break;
  }
  end_line();
  if (!o_.quiet) std::fprintf(stderr, "[soak] t=%.0fs %s\n", t, e.label.c_str());
  live_.push_back(std::move(ev));
}

// Ends disruptions whose time is up and watches for their recovery.
void soak_run::follow(live_event& e, double t, const std::optional<flat_json>& feeds,
                      const std::optional<flat_json>& stats) {
  if (e.done) return;
  const double since = t - e.started_s;
  if (!e.ended && since >= e.plan.effect_s) {
    e.ended = true;
    if (e.plan.kind == soak_event_kind::redis_restart) redis_->start();
    if (e.plan.kind == soak_event_kind::burst) stack_->set_rate(o_.rate);
  }
  switch (e.plan.kind) {
    case soak_event_kind::venue_fault: {
      if (!feeds) return;
      const auto i = feed_index(*feeds, e.plan.venue);
      if (!i) return;
      const auto prefix = "feeds." + std::to_string(*i) + ".";
      const auto state = flat_value(*feeds, prefix + "state").value_or("");
      const auto messages = flat_int(*feeds, prefix + "messages").value_or(-1);
      const auto parse_errors = flat_int(*feeds, prefix + "parse_errors").value_or(-1);
      if (e.parse_errors_before < 0) e.parse_errors_before = parse_errors;
      note_state(e.states_seen, state);
      if (!e.ended) return;
      if (!e.messages_after) {
        e.messages_after = messages;
        return;
      }
      if (state == "up" && messages > *e.messages_after) {
        e.result.recovered_after_s = since;
        e.done = true;
        std::string seen = e.states_seen.empty() ? "stayed up" : "went " + e.states_seen;
        if (parse_errors > e.parse_errors_before && e.parse_errors_before >= 0) {
          seen += "; parse_errors +" + std::to_string(parse_errors - e.parse_errors_before);
        }
        if (e.result.observed.empty()) e.result.observed = seen;
      }
      return;
    }
    case soak_event_kind::redis_restart: {
      if (!stats) return;
      const auto connected = flat_value(*stats, "redis.connected") == "true";
      const auto connects = flat_int(*stats, "redis.connects").value_or(-1);
      if (e.connects_before < 0) e.connects_before = connects;
      if (!connected) note_state(e.states_seen, "disconnected");
      if (e.ended && connected && connects > e.connects_before) {
        e.result.recovered_after_s = since;
        e.result.observed =
            e.states_seen.empty() ? "reconnected" : "went disconnected, reconnected";
        e.done = true;
      }
      return;
    }
    case soak_event_kind::burst:
      if (e.ended) e.done = true;
      return;
  }
}

soak_sample soak_run::sample(double t, const std::optional<flat_json>& stats) {
  soak_sample s;
  s.t_s = t;
  if (const auto p = sample_process(tickerd_pid_)) s.rss_kib = p->rss_kib;
  s.fds = count_open_fds(tickerd_pid_).value_or(0);
  s.clients_open = k_.open();
  if (stats) {
    s.connections = flat_int(*stats, "connections").value_or(-1);
    s.queued_messages = flat_int(*stats, "queued_messages").value_or(-1);
    s.queued_bytes = flat_int(*stats, "queued_bytes").value_or(-1);
    s.pending_timers = flat_int(*stats, "pending_timers").value_or(-1);
  }
  const auto now = steady::now();
  const auto messages = k_.messages();
  const double dt = std::chrono::duration<double>(now - prev_time_).count();
  if (dt > 0) s.messages_per_s = static_cast<std::uint64_t>((messages - prev_messages_) / dt);
  prev_messages_ = messages;
  prev_time_ = now;
  return s;
}

void soak_run::progress(const soak_sample& s, double t) {
  const auto ta = tally(k_);
  std::string line =
      "[soak] t=" + fixed(t, 0) + "/" + fixed(settings_.duration_s, 0) + "s | clients " +
      std::to_string(s.clients_open) + "/" + std::to_string(mix_.total()) + " | " +
      short_number(s.messages_per_s) + " msg/s | gaps " +
      std::to_string(ta.steady_gaps + ta.churn_gaps) + " resumes " + std::to_string(ta.resumes) +
      " slow closed " + std::to_string(ta.stall_closed) + " bad " + std::to_string(ta.bad_errors) +
      "/" + std::to_string(ta.bad_sent) + " | tickerd rss " +
      fixed(static_cast<double>(s.rss_kib) / 1024.0, 1) + " MiB fds " + std::to_string(s.fds) +
      " conns " + std::to_string(s.connections) + " queued " + std::to_string(s.queued_messages) +
      " msgs " + fixed(static_cast<double>(std::max<std::int64_t>(0, s.queued_bytes)) / 1e6, 1) +
      " MB timers " + std::to_string(s.pending_timers);
  if (next_event_ < plan_.size()) {
    line += " | next " + plan_[next_event_].label + " in " + fixed(plan_[next_event_].at_s - t, 0) +
            "s";
  }
  print_line(line);
}

void soak_run::tick(double t) {
  k_.each([](client_pool& p) { p.housekeeping(); });
  if (sending_) {
    churn_credit_ += static_cast<double>(mix_.churners) / o_.churn_period_s;
    bad_credit_ += static_cast<double>(mix_.bad) / o_.bad_period_s;
    const auto churn_now = static_cast<std::size_t>(churn_credit_);
    const auto bad_now = static_cast<std::size_t>(bad_credit_);
    churn_credit_ -= static_cast<double>(k_.churners->recycle(churn_now));
    bad_credit_ -= static_cast<double>(k_.bad->send_bad(bad_now));
    // Clients that were not there to cycle do not pile up credit.
    churn_credit_ = std::min(churn_credit_, static_cast<double>(mix_.churners));
    bad_credit_ = std::min(bad_credit_, static_cast<double>(mix_.bad));
  }
  while (next_event_ < plan_.size() && plan_[next_event_].at_s <= t) fire(plan_[next_event_++], t);
  const auto reading = probe_->latest();
  const auto& stats = reading.stats;
  if (!stats && stats_note_.empty()) {
    stats_note_ = "GET /v1/stats failed at t=" + fixed(t, 0) + "s: " + reading.error;
  }
  for (auto& e : live_) follow(e, t, reading.feeds, stats);
  const auto s = sample(t, stats);
  in_.samples.push_back(s);
  progress(s, t);
  if (!stack_->tickerd_running()) {
    end_line();
    throw std::runtime_error("tickerd exited during the soak\n" + stack_->tickerd_log_tail());
  }
}

int soak_run::run(int argc, char** argv) {
  tty_ = ::isatty(STDERR_FILENO) == 1;
  settings_.duration_s = o_.minutes * 60.0;
  settings_.fault_interval_s = o_.fault_interval_s;
  settings_.redis_interval_s = o_.redis_interval_s;
  settings_.burst_interval_s = o_.burst_interval_s;
  plan_ = plan_soak(settings_);
  const std::string started_at = now_iso();
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);

  start_processes();
  auto guard = net::make_work_guard(ioc_);
  connect_clients();

  const auto t0 = steady::now();
  prev_time_ = t0;
  prev_messages_ = k_.messages();
  const auto at = [&](double s) {
    return t0 + std::chrono::microseconds(static_cast<std::int64_t>(s * 1e6));
  };
  for (double t = 1; t <= settings_.duration_s; t += 1) {
    run_io_until(at(t));
    tick(std::chrono::duration<double>(steady::now() - t0).count());
  }
  // Drain: no churn and no bad requests, so every reply and resume can land; the
  // disruptions still open get their last chance to recover.
  sending_ = false;
  k_.churners->stop_churn();
  k_.slow->stop_churn();
  const double drain_end = settings_.duration_s + static_cast<double>(drain_time.count());
  for (double t = settings_.duration_s + 1; t <= drain_end; t += 1) {
    run_io_until(at(t));
    tick(std::chrono::duration<double>(steady::now() - t0).count());
  }
  end_line();
  in_.tallies = tally(k_);
  // Why clients of each kind were dropped or refused, if they were: the first reason each.
  std::string first_errors;
  const std::array<std::pair<const char*, client_pool*>, 5> named{{
      {"steady", k_.steady.get()},
      {"throttled", k_.throttled.get()},
      {"churners", k_.churners.get()},
      {"slow", k_.slow.get()},
      {"bad", k_.bad.get()},
  }};
  for (const auto& [name, pool] : named) {
    const auto& c = pool->counters();
    if (c.disconnects + c.connect_errors + c.handshake_errors == 0) continue;
    first_errors += std::string(name) + ": " + std::to_string(c.disconnects) + " dropped, " +
                    std::to_string(c.connect_errors + c.handshake_errors) +
                    " failed to connect; first: " + pool->first_error() + "\n";
  }
  for (auto& e : live_) {
    if (e.plan.kind == soak_event_kind::burst) continue;  // a load change, not a fault
    if (!e.done && e.result.observed.empty()) {
      e.result.observed = e.states_seen.empty() ? "not recovered" : "went " + e.states_seen;
    }
    in_.recoveries.push_back(e.result);
  }

  // Every client closes; tickerd's descriptors must come back to the baseline.
  probe_.reset();  // its HTTP connections are no part of the count
  k_.each([](client_pool& p) { p.close_all(close_grace); });
  k_ = kinds{};
  const auto settle_deadline = steady::now() + fd_settle_timeout;
  while (true) {
    in_.fd_end = count_open_fds(tickerd_pid_);
    if (!in_.fd_end || !in_.fd_baseline || *in_.fd_end <= *in_.fd_baseline) break;
    if (steady::now() > settle_deadline) break;
    std::this_thread::sleep_for(milliseconds(250));
  }
  const auto stats_end = http_call("127.0.0.1", stack_->port(), "GET", "/v1/stats");
  if (const auto doc = stats_end.status == 200 ? flatten_json(stats_end.body) : std::nullopt) {
    in_.server_conflations = flat_int(*doc, "conflations");
    const auto idle = flat_int(*doc, "idle_closes");
    const auto slow = flat_int(*doc, "slow_closes");
    if (idle && slow) in_.server_slow_drops = *idle + *slow;
  }

  const auto verdict = judge_soak(in_);
  std::string head = "{";  // members only: soak_json opens the object
  const auto key = [&head](const char* k, const std::string& v) {
    json::append_key(head, k);
    json::append_string(head, v);
  };
  key("command", command);
  key("started_at", started_at);
  key("machine", machine_text());
  head += ",\"settings\":{\"minutes\":" + fixed(o_.minutes, 2) +
          ",\"clients\":" + std::to_string(o_.clients) +
          ",\"steady\":" + std::to_string(mix_.steady) +
          ",\"throttled\":" + std::to_string(mix_.throttled) +
          ",\"churners\":" + std::to_string(mix_.churners) +
          ",\"slow\":" + std::to_string(mix_.slow) + ",\"bad\":" + std::to_string(mix_.bad) +
          ",\"rate\":" + fixed(o_.rate, 2) + ",\"burst_rate\":" + fixed(o_.burst_rate, 2) +
          ",\"throttle_ms\":" + std::to_string(o_.throttle_ms) +
          ",\"idle_timeout_ms\":" + std::to_string(o_.idle_timeout_ms) +
          ",\"shards\":" + std::to_string(o_.shards) +
          ",\"events\":" + std::to_string(plan_.size()) + "}";
  if (stats_end.status == 200) head += ",\"stats_at_end\":" + stats_end.body;
  if (!stats_note_.empty()) key("note", stats_note_);
  if (!first_errors.empty()) key("client_errors", first_errors);
  head.erase(0, 1);  // the leading '{' (soak_json opens the object)
  const auto json_text = soak_json(in_, verdict, head);
  const fs::path json_path =
      o_.json_out.empty() ? fs::path(o_.work_dir) / "soak.json" : fs::path(o_.json_out);
  if (json_path.has_parent_path()) fs::create_directories(json_path.parent_path());
  std::ofstream(json_path, std::ios::binary) << json_text;

  std::printf(
      "\ntickerd-soak: %s, %zu clients (%zu steady, %zu throttled, %zu churners, %zu "
      "slow, %zu bad), %.1f min\n",
      machine_text().c_str(), mix_.total(), mix_.steady, mix_.throttled, mix_.churners, mix_.slow,
      mix_.bad, o_.minutes);
  for (const auto& r : in_.recoveries) {
    std::printf("  %-8s %6.0f s  %-40s %s, bound %.0f s: %s\n", r.ok() ? "ok" : "LATE", r.at_s,
                r.label.c_str(),
                r.recovered_after_s
                    ? ("back after " + fixed(*r.recovered_after_s, 1) + " s").c_str()
                    : "never back",
                r.bound_s, r.observed.c_str());
  }
  if (!first_errors.empty()) std::printf("client errors:\n%s", first_errors.c_str());
  std::fputs(soak_verdict_text(verdict).c_str(), stdout);
  std::printf("wrote %s (logs in %s)\n", json_path.c_str(), o_.work_dir.c_str());
  return verdict.pass ? 0 : 1;
}

int run_main(int argc, char** argv) {
  options o;
  CLI::App app{"tickerd-soak: tickerd under churn, faults and Redis restarts (make soak)",
               "tickerd-soak"};
  app.add_option("--minutes", o.minutes, "how long the clients run")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 24.0 * 60));
  app.add_option("--clients", o.clients, "clients of every kind together")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{10}, std::size_t{100'000}));
  app.add_option("--fault-interval", o.fault_interval_s, "seconds between venue faults")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--redis-interval", o.redis_interval_s, "seconds between Redis restarts")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--burst-interval", o.burst_interval_s, "seconds between market-rate bursts")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--rate", o.rate, "sim events/s per symbol per venue")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--burst-rate", o.burst_rate, "the rate during a burst")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--shards", o.shards, "tickerd's gateway shards (0: one per hardware thread)")
      ->capture_default_str();
  app.add_option("--idle-timeout-ms", o.idle_timeout_ms,
                 "tickerd's limits.idle_timeout_ms (slow readers stall 5 s longer)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{2000}, std::int64_t{3'600'000}));
  app.add_option("--tickerd", o.tickerd_bin, "tickerd binary")->capture_default_str();
  app.add_option("--sim", o.sim_bin, "tickerd-sim binary")->capture_default_str();
  app.add_option("--redis-server", o.redis_bin, "redis-server binary")->capture_default_str();
  app.add_option("--work-dir", o.work_dir, "logs and configs (default: a temp dir)");
  app.add_option("--json", o.json_out, "write the verdict and samples here");
  // A soak judges leaks and recovery, not latency: unpinned by default, so that on a busy host
  // each process takes whichever core is free.
  app.add_flag("--pin", o.pin, "pin tickerd to --server-cpu, the rest to --bench-cpu");
  app.add_option("--server-cpu", o.server_cpu, "with --pin: CPU for tickerd")
      ->capture_default_str();
  app.add_option("--bench-cpu", o.bench_cpu,
                 "with --pin: CPU for the clients, tickerd-sim and Redis")
      ->capture_default_str();
  app.add_flag("--quiet,-q", o.quiet, "no progress line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  if (o.work_dir.empty()) {
    char tmpl[] = "/tmp/tickerd-soak-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    o.work_dir = tmpl;
  }
  fs::create_directories(o.work_dir);
  soak_run run(std::move(o));
  return run.run(argc, argv);
}

}  // namespace
}  // namespace tickerd::bench

int main(int argc, char** argv) {
  try {
    return tickerd::bench::run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\ntickerd-soak: %s\n", e.what());
    return 2;
  }
}
