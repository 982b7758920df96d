// The processes a load test drives: tickerd-sim (the upstream), tickerd (the server under
// test) and the Node peer, started with their logs in a work directory and pinned to a core;
// plus the blocking loopback HTTP that start-up checks and the sim's control endpoint need.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tickerd::bench {

using std::chrono::milliseconds;
class tls_client;

struct http_reply {
  int status = 0;  // 0: no reply (see error)
  std::string body;
  std::string error;
};
// `tls`: https:// with that client's settings (verification included); nullptr: http://.
http_reply http_call(const std::string& host, std::uint16_t port, const std::string& method,
                     const std::string& target, const std::string& body = {},
                     milliseconds timeout = milliseconds(5000), const tls_client* tls = nullptr);

std::uint16_t free_port();

// A Binance stream name for a canonical symbol: ("BTC-USDT", "trade") -> "btcusdt@trade".
std::string binance_stream_name(const std::string& symbol, const std::string& stream);

// Pins the calling thread (and what it spawns afterwards) to one CPU; false when impossible.
bool pin_to_cpu(int cpu);
int cpu_count();

class child {
 public:
  child() = default;
  ~child();
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  // Spawns `argv` (argv[0] looked up in PATH when it has no '/'), stdout/stderr to
  // <dir>/<name>.stdout|.stderr, on `cpu` when >= 0, in `cwd` when not empty.
  void spawn(const std::vector<std::string>& argv, const std::filesystem::path& dir,
             const std::string& name, int cpu, const std::filesystem::path& cwd = {});
  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  bool running();
  // Waits for a complete stdout line containing `needle`; throws when the process exits or
  // the time is up (the message carries the tail of its logs).
  void wait_for_line(const std::string& needle, milliseconds timeout);
  void stop(milliseconds grace = milliseconds(5000));  // SIGTERM, then SIGKILL
  std::string log_tail() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string name_;
  std::filesystem::path out_;
  std::filesystem::path err_;
};

struct stack_config {
  std::filesystem::path tickerd_bin;
  std::filesystem::path sim_bin;
  std::filesystem::path work_dir;
  std::filesystem::path web_root;
  std::vector<std::string> venues{"binance"};
  std::vector<std::string> symbols;  // canonical
  std::vector<std::string> streams;  // each feed's `streams`; empty: ["ticker"]
  double rate = 10;
  unsigned shards = 1;
  int server_cpu = -1;
  int sim_cpu = -1;
  std::string extra_config;  // TOML appended to tickerd's config (the soak's [redis], [limits])
  // `[server.tls]` with a throwaway CA and a P-256 certificate for 127.0.0.1, made with the
  // openssl command in work_dir; tickerd is then reached over https:// and wss:// only.
  bool tls = false;
  // `[auth] mode = "jwt"` with a random HS256 secret in work_dir; token() is valid for a day
  // and allows `auth_channels`.
  bool auth = false;
  std::vector<std::string> auth_channels{"ticker.*"};
};

// tickerd-sim and tickerd on free loopback ports, configured like tests/integration's harness.
class stack {
 public:
  explicit stack(stack_config cfg);
  ~stack();

  void start();  // the sim, then tickerd; returns once every feed is up
  void stop_tickerd();
  // tickerd again (stopped first if running), with feeds for `venues` only (a subset of the
  // configured ones), on the same port and sim; returns once every feed is up.
  void restart_tickerd(const std::vector<std::string>& venues);
  std::uint16_t port() const { return port_; }
  std::uint16_t sim_port() const { return sim_port_; }
  bool tickerd_running() { return tickerd_ && tickerd_->running(); }
  std::string tickerd_log_tail() const { return tickerd_ ? tickerd_->log_tail() : std::string(); }
  pid_t tickerd_pid() const { return tickerd_ ? tickerd_->pid() : -1; }
  const stack_config& config() const { return cfg_; }

  // The sim's rate (events/s per symbol): POST /market/rate when the sim has it, else a new
  // sim process on the same port (tickerd's feeds reconnect). Returns how it was done.
  std::string set_rate(double rate);
  double rate() const { return rate_; }
  // POST /market/pause or /market/resume on the sim: no market events at all while paused
  // (tickerd then publishes nothing new). Throws when the sim refuses.
  void pause_market(bool pause);

  // The combined Binance stream URL of the sim for the stack's symbols (the Node peer reads it).
  std::string binance_stream_url() const;
  // The same for named streams ("btcusdt@trade", "btcusdt@bookTicker", …).
  std::string binance_stream_url(const std::vector<std::string>& streams) const;
  std::string tickerd_config_text() const;
  // With cfg.tls, the client settings that trust the stack's CA (nullptr without TLS).
  std::shared_ptr<const tls_client> tls() const { return tls_; }
  // With cfg.auth, a JWT for every client (empty without auth).
  const std::string& token() const { return token_; }
  // GET/POST on tickerd itself, over https:// when the stack has TLS.
  http_reply tickerd_call(const std::string& method, const std::string& target) const;

 private:
  void start_sim(double rate);
  void start_tickerd();
  void wait_feeds_up(milliseconds timeout);
  void make_tls_files();
  void make_auth_files();

  stack_config cfg_;
  std::uint16_t port_ = 0;
  std::uint16_t sim_port_ = 0;
  double rate_ = 0;
  int sim_generation_ = 0;
  std::optional<bool> sim_has_rate_endpoint_;
  std::unique_ptr<child> sim_;
  std::unique_ptr<child> tickerd_;
  std::vector<std::string> tickerd_venues_;  // the feeds tickerd runs with (cfg_.venues at start)
  int tickerd_generation_ = 0;
  std::shared_ptr<const tls_client> tls_;
  std::string token_;
};

}  // namespace tickerd::bench
