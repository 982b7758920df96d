#include "load/stack.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "load/core/jwt_hs256.hpp"
#include "load/tls_client.hpp"

extern char** environ;

namespace tickerd::bench {
namespace {

using steady = std::chrono::steady_clock;
constexpr milliseconds poll_interval{20};
constexpr milliseconds start_timeout{30'000};
constexpr std::size_t log_tail_bytes = 4000;

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "[...]" + s.substr(s.size() - n);
}

std::string sim_path(const std::string& venue) {
  if (venue == "binance") return "/stream";
  if (venue == "okx") return "/ws/v5/public";
  if (venue == "coinbase") return "/";
  if (venue == "bybit") return "/v5/public/spot";
  if (venue == "kraken") return "/v2";
  throw std::runtime_error("tickerd-sim serves no venue '" + venue + "'");
}

std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

// ---- HTTP -------------------------------------------------------------------------------------

http_reply http_call(const std::string& host, std::uint16_t port, const std::string& method,
                     const std::string& target, const std::string& body, milliseconds timeout,
                     const tls_client* tls) {
  http_reply r;
  const auto deadline = steady::now() + timeout;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    r.error = std::string("socket: ") + std::strerror(errno);
    return r;
  }
  const auto left_ms = [&] {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady::now()).count();
    return static_cast<int>(std::max<long long>(0, left));
  };
  const auto wait_for = [&](short events) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, left_ms()) == 1;
  };
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    r.error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return r;
  }
  // With TLS, every read and write goes through the session; its WANT_READ/WANT_WRITE become
  // the same waits as a plain socket's EAGAIN (the TLS handshake first, on the first write).
  SSL* ssl = nullptr;
  struct free_at_exit {
    SSL*& ssl;
    ~free_at_exit() { SSL_free(ssl); }
  } free_ssl{ssl};
  const auto tls_wait = [&](int rc) {
    const int err = SSL_get_error(ssl, rc);
    if (err == SSL_ERROR_WANT_READ) return wait_for(POLLIN);
    if (err == SSL_ERROR_WANT_WRITE) return wait_for(POLLOUT);
    return false;
  };
  if (tls != nullptr) {
    if (!wait_for(POLLOUT) || (ssl = tls->new_session(fd, host)) == nullptr) {
      r.error = "connect or TLS set-up failed";
      ::close(fd);
      return r;
    }
    while (true) {
      ERR_clear_error();
      const int rc = SSL_connect(ssl);
      if (rc == 1) break;
      if (!tls_wait(rc)) {
        r.error = "TLS handshake: " + tls_error_text(ssl, rc);
        ::close(fd);
        return r;
      }
    }
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: " + host + ":" +
                    std::to_string(port) + "\r\nConnection: close\r\nContent-Type: text/plain\r\n" +
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::size_t sent = 0;
  while (sent < req.size()) {
    if (!wait_for(POLLOUT)) {
      r.error = "timeout writing";
      ::close(fd);
      return r;
    }
    if (ssl != nullptr) {
      ERR_clear_error();
      const int n = SSL_write(ssl, req.data() + sent, static_cast<int>(req.size() - sent));
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
      } else if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_WRITE &&
                 SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ) {
        r.error = "TLS write: " + tls_error_text(ssl, n);
        ::close(fd);
        return r;
      }
      continue;
    }
    const auto n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) {
      r.error = std::string("send: ") + std::strerror(errno);
      ::close(fd);
      return r;
    }
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string in;
  char buf[8192];
  while (true) {
    if (ssl != nullptr && SSL_pending(ssl) == 0 && !wait_for(POLLIN)) {
      r.error = "timeout reading";
      break;
    }
    if (ssl != nullptr) {
      ERR_clear_error();
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) {
        in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      const int err = SSL_get_error(ssl, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) continue;
      if (err != SSL_ERROR_ZERO_RETURN && !(err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
        r.error = "TLS read: " + tls_error_text(ssl, n);
      }
      break;
    }
    if (!wait_for(POLLIN)) {
      r.error = "timeout reading";
      break;
    }
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN) continue;
      r.error = std::string("recv: ") + std::strerror(errno);
      break;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const auto head_end = in.find("\r\n\r\n");
  if (!in.starts_with("HTTP/1.") || head_end == std::string::npos || in.size() < 12) {
    if (r.error.empty()) r.error = "no HTTP response";
    return r;
  }
  std::from_chars(in.data() + 9, in.data() + 12, r.status);
  r.body = in.substr(head_end + 4);
  // Chunked bodies are not expected from either server; Content-Length bodies arrive whole.
  return r;
}

std::uint16_t free_port() {
  static std::set<std::uint16_t> given;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) throw std::runtime_error(std::string("free_port: ") + std::strerror(errno));
    const auto port = ntohs(addr.sin_port);
    if (given.insert(port).second) return port;
  }
  throw std::runtime_error("free_port: no fresh port");
}

bool pin_to_cpu(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::sched_setaffinity(0, sizeof set, &set) == 0;
}

int cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

// ---- child processes ----------------------------------------------------------------------------

child::~child() {
  stop();
}

void child::spawn(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                  const std::string& name, int cpu, const std::filesystem::path& cwd) {
  name_ = name;
  out_ = dir / (name + ".stdout");
  err_ = dir / (name + ".stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);

  // The child inherits the CPU mask of the thread that spawns it: pin, spawn, restore.
  cpu_set_t saved;
  const bool have_saved = ::sched_getaffinity(0, sizeof saved, &saved) == 0;
  if (cpu >= 0) pin_to_cpu(cpu);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  if (cpu >= 0 && have_saved) ::sched_setaffinity(0, sizeof saved, &saved);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  pid_ = pid;
  reaped_ = false;
}

bool child::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

void child::wait_for_line(const std::string& needle, milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  while (true) {
    const auto out = read_text(out_);
    std::size_t start = 0;
    for (auto nl = out.find('\n'); nl != std::string::npos;
         start = nl + 1, nl = out.find('\n', start)) {
      if (out.substr(start, nl - start).find(needle) != std::string::npos) return;
    }
    if (!running())
      throw std::runtime_error(name_ + " exited before printing '" + needle + "'\n" + log_tail());
    if (steady::now() > deadline) {
      throw std::runtime_error(name_ + " did not print '" + needle + "' in time\n" + log_tail());
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

void child::stop(milliseconds grace) {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = steady::now() + grace;
  while (running() && steady::now() < deadline) std::this_thread::sleep_for(poll_interval);
  if (running()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
  }
}

std::string child::log_tail() const {
  return "---- " + name_ + " stdout (" + out_.string() + ")\n" +
         tail(read_text(out_), log_tail_bytes) + "---- " + name_ + " stderr (" + err_.string() +
         ")\n" + tail(read_text(err_), log_tail_bytes);
}

// ---- tickerd + sim ----------------------------------------------------------------------------

stack::stack(stack_config cfg) : cfg_(std::move(cfg)), tickerd_venues_(cfg_.venues) {
  if (cfg_.symbols.empty()) throw std::runtime_error("stack: no symbols");
  std::filesystem::create_directories(cfg_.work_dir);
  port_ = free_port();
  sim_port_ = free_port();
}

stack::~stack() {
  // tickerd first, so it does not reconnect to a sim that is going away.
  if (tickerd_) tickerd_->stop();
  if (sim_) sim_->stop();
}

void stack::start_sim(double rate) {
  if (sim_) sim_->stop();
  sim_ = std::make_unique<child>();
  std::string symbols;
  for (const auto& s : cfg_.symbols) symbols += (symbols.empty() ? "" : ",") + s;
  ++sim_generation_;
  sim_->spawn(
      {cfg_.sim_bin.string(), "--listen", "127.0.0.1:" + std::to_string(sim_port_), "--seed", "42",
       "--rate", number_text(rate), "--symbols", symbols, "--log-level", "warn"},
      cfg_.work_dir, "sim" + (sim_generation_ > 1 ? "." + std::to_string(sim_generation_) : ""),
      cfg_.sim_cpu);
  sim_->wait_for_line("tickerd-sim listening on", start_timeout);
  rate_ = rate;
}

std::string stack::tickerd_config_text() const {
  std::ostringstream out;
  out << "[server]\nlisten = \"127.0.0.1:" << port_ << "\"\nshards = " << cfg_.shards
      << "\nweb_root = \"" << cfg_.web_root.string() << "\"\n\n[log]\nlevel = \"warn\"\n\n"
      << "[market]\nsymbols = [";
  for (std::size_t i = 0; i < cfg_.symbols.size(); ++i) {
    out << (i ? ", " : "") << '"' << cfg_.symbols[i] << '"';
  }
  out << "]\n";
  for (const auto& venue : tickerd_venues_) {
    out << "\n[[feeds]]\nvenue = \"" << venue << "\"\nurl = \"ws://127.0.0.1:" << sim_port_
        << sim_path(venue) << "\"\nstale_after_ms = 5000\nbackoff_initial_ms = 50\n"
        << "backoff_max_ms = 200\n";
    // By default the ticker alone, as the floor peer reads it: trades and bbo would add ingest
    // work on the measured core that the floor does not do. Scenarios on trades and bbo name
    // their streams ([stack] streams).
    const std::vector<std::string> ticker_only{"ticker"};
    const auto& streams = cfg_.streams.empty() ? ticker_only : cfg_.streams;
    out << "streams = [";
    for (std::size_t i = 0; i < streams.size(); ++i) {
      out << (i ? ", " : "") << '"' << streams[i] << '"';
    }
    out << "]\n";
  }
  if (cfg_.tls) {
    out << "\n[server.tls]\ncert = \"" << (cfg_.work_dir / "server.crt").string() << "\"\nkey = \""
        << (cfg_.work_dir / "server.key").string() << "\"\n";
  }
  if (cfg_.auth) {
    out << "\n[auth]\nmode = \"jwt\"\nkey_file = \"" << (cfg_.work_dir / "jwt.secret").string()
        << "\"\nalgorithms = [\"HS256\"]\n";
  }
  if (!cfg_.extra_config.empty()) out << "\n" << cfg_.extra_config;
  return out.str();
}

// The openssl commands of docs/OPERATIONS.md ("TLS"): a CA, and a P-256 certificate for
// 127.0.0.1 signed by it. Paths are the bench's own work directory.
void stack::make_tls_files() {
  const auto dir = cfg_.work_dir.string();
  const std::string script =
      "cd '" + dir +
      "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-keyout ca.key -out ca.crt -days 2 -subj '/CN=tickerd-bench CA' && "
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key "
      "-out server.csr -subj '/CN=localhost' && "
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' "
      "> server.ext && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 2 "
      "-days 2 -extfile server.ext -out server.crt";
  const auto log = cfg_.work_dir / "openssl-pki.log";
  if (std::system((script + " > '" + log.string() + "' 2>&1").c_str()) != 0) {
    throw std::runtime_error("making the bench's TLS certificate failed (openssl):\n" +
                             read_text(log));
  }
  tls_ = std::make_shared<tls_client>((cfg_.work_dir / "ca.crt").string(), true);
}

// A random HS256 secret (64 hex characters, as `openssl rand -hex 32` makes) and one token.
void stack::make_auth_files() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string secret;
  for (const unsigned char b : raw) {
    static constexpr char hex[] = "0123456789abcdef";
    secret.push_back(hex[b >> 4]);
    secret.push_back(hex[b & 15]);
  }
  const auto path = cfg_.work_dir / "jwt.secret";
  std::ofstream f(path, std::ios::binary);
  f << secret;
  if (!f) throw std::runtime_error("cannot write " + path.string());
  constexpr std::int64_t day_s = 86'400;
  token_ = bench_token(cfg_.auth_channels, static_cast<std::int64_t>(std::time(nullptr)) + day_s,
                       secret);
}

http_reply stack::tickerd_call(const std::string& method, const std::string& target) const {
  return http_call("127.0.0.1", port_, method, target, {}, milliseconds(5000), tls_.get());
}

void stack::start() {
  if (cfg_.tls) make_tls_files();
  if (cfg_.auth) make_auth_files();
  start_sim(cfg_.rate);
  start_tickerd();
}

void stack::start_tickerd() {
  ++tickerd_generation_;
  const std::string suffix =
      tickerd_generation_ > 1 ? "." + std::to_string(tickerd_generation_) : std::string();
  const auto config = cfg_.work_dir / ("tickerd" + suffix + ".toml");
  {
    std::ofstream f(config);
    f << tickerd_config_text();
    if (!f) throw std::runtime_error("cannot write " + config.string());
  }
  tickerd_ = std::make_unique<child>();
  tickerd_->spawn({cfg_.tickerd_bin.string(), "--config", config.string()}, cfg_.work_dir,
                  "tickerd" + suffix, cfg_.server_cpu);
  wait_feeds_up(start_timeout);
}

void stack::restart_tickerd(const std::vector<std::string>& venues) {
  for (const auto& v : venues) {
    if (std::find(cfg_.venues.begin(), cfg_.venues.end(), v) == cfg_.venues.end()) {
      throw std::runtime_error("restart_tickerd: venue '" + v + "' is not configured");
    }
  }
  stop_tickerd();
  tickerd_venues_ = venues;
  start_tickerd();
}

void stack::wait_feeds_up(milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  std::string last;
  while (steady::now() < deadline) {
    if (tickerd_ && !tickerd_->running()) {
      throw std::runtime_error("tickerd exited during start-up\n" + tickerd_->log_tail());
    }
    const auto r =
        http_call("127.0.0.1", port_, "GET", "/v1/feeds", {}, milliseconds(1000), tls_.get());
    if (r.status == 200) {
      last = r.body;
      std::size_t up = 0;
      for (auto at = r.body.find("\"state\":\"up\""); at != std::string::npos;
           at = r.body.find("\"state\":\"up\"", at + 1)) {
        ++up;
      }
      if (up == tickerd_venues_.size()) return;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  throw std::runtime_error("tickerd's feeds were not all up in time: " + last + "\n" +
                           (tickerd_ ? tickerd_->log_tail() : std::string()));
}

void stack::stop_tickerd() {
  if (tickerd_) tickerd_->stop();
  tickerd_.reset();
}

std::string stack::set_rate(double rate) {
  if (sim_has_rate_endpoint_.value_or(true)) {
    const auto r = http_call("127.0.0.1", sim_port_, "POST", "/market/rate", number_text(rate));
    if (r.status == 200) {
      sim_has_rate_endpoint_ = true;
      rate_ = rate;
      return "POST /market/rate";
    }
    if (r.status == 404 || r.status == 405) {
      sim_has_rate_endpoint_ = false;
    } else {
      throw std::runtime_error("POST /market/rate " + number_text(rate) + ": " +
                               std::to_string(r.status) + " " + r.body + r.error);
    }
  }
  // No rate endpoint in this sim: a new sim at the new rate on the same port.
  start_sim(rate);
  if (tickerd_) wait_feeds_up(start_timeout);
  return "sim restarted";
}

void stack::pause_market(bool pause) {
  const std::string path = pause ? "/market/pause" : "/market/resume";
  const auto r = http_call("127.0.0.1", sim_port_, "POST", path);
  if (r.status != 200) {
    throw std::runtime_error("POST " + path + ": " + std::to_string(r.status) + " " + r.body +
                             r.error);
  }
}

std::string stack::binance_stream_url() const {
  std::vector<std::string> streams;
  for (const auto& s : cfg_.symbols) streams.push_back(binance_stream_name(s, "ticker"));
  return binance_stream_url(streams);
}

std::string stack::binance_stream_url(const std::vector<std::string>& streams) const {
  std::string joined;
  for (const auto& s : streams) joined += (joined.empty() ? "" : "/") + s;
  return "ws://127.0.0.1:" + std::to_string(sim_port_) + "/stream?streams=" + joined;
}

std::string binance_stream_name(const std::string& symbol, const std::string& stream) {
  std::string native;
  for (const char ch : symbol) {
    if (ch != '-')
      native.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  return native + "@" + stream;
}

}  // namespace tickerd::bench
