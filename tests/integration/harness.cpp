#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <simdjson.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "tickerd/net.hpp"

extern char** environ;

namespace tickerd::e2e {
namespace {

using tcp = net::ip::tcp;
namespace http = beast::http;
namespace websocket = beast::websocket;

constexpr duration poll_interval{20};
constexpr duration http_poll_interval{100};
constexpr std::size_t log_tail_bytes = 24 * 1024;
constexpr std::size_t http_body_limit = 64u << 20;

std::string port_text(std::uint16_t port) {
  return std::to_string(port);
}

// ---- children are killed even if the test binary dies --------------------------------------
// RAII covers failed assertions; this covers crashes and signals, which skip destructors.

constexpr std::size_t max_live_children = 64;
std::atomic<pid_t> live_children[max_live_children];

extern "C" void kill_children_and_reraise(int sig) {
  for (auto& slot : live_children) {
    const pid_t pid = slot.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  ::raise(sig);  // SA_RESETHAND restored the default action
}

void install_crash_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = kill_children_and_reraise;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT, SIGHUP}) {
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

void register_child(pid_t pid) {
  for (auto& slot : live_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void unregister_child(pid_t pid) {
  for (auto& slot : live_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

exit_info decode_wait_status(int status) {
  exit_info info;
  if (WIFEXITED(status)) {
    info.exited = true;
    info.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    info.signal = WTERMSIG(status);
  }
  return info;
}

std::string tail_of(const std::string& text, std::size_t bytes) {
  if (text.size() <= bytes) return text;
  return "[... " + std::to_string(text.size() - bytes) + " bytes cut ...]\n" +
         text.substr(text.size() - bytes);
}

std::string current_test_tag() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  std::string tag = info ? std::string(info->test_suite_name()) + "." + info->name() : "e2e";
  for (char& c : tag) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  }
  return tag;
}

bool current_test_failed() {
  return testing::Test::HasFailure();
}

}  // namespace

// ---- files and ports ------------------------------------------------------------------------

const std::vector<std::string>& all_symbols() {
  static const std::vector<std::string> symbols{"BTC-USDT", "ETH-USDT",   "BNB-USDT", "SOL-USDT",
                                                "XRP-USDT", "DOGE-USDT",  "TRX-USDT", "TON-USDT",
                                                "SUI-USDT", "TRUMP-USDT", "ONDO-USDT"};
  return symbols;
}

std::uint16_t free_port() {
  // Never hand out the same port twice in one run: the kernel may offer a just-closed port again
  // before the child we gave it to has bound it.
  static std::mutex mutex;
  static std::set<std::uint16_t> given;
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      const int err = errno;
      ::close(fd);
      throw std::runtime_error(std::string("bind/getsockname: ") + std::strerror(err));
    }
    ::close(fd);
    const std::uint16_t port = ntohs(addr.sin_port);
    if (given.insert(port).second) return port;
  }
  throw std::runtime_error("no fresh free port after 100 attempts");
}

temp_dir::temp_dir(std::string_view tag) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base && *base ? base : "/tmp") + "/tickerd-e2e-" + std::string(tag) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

temp_dir::~temp_dir() {
  if (current_test_failed()) {
    std::fprintf(stderr, "[e2e] test failed; logs kept in %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path temp_dir::write(const std::string& name, std::string_view content) const {
  const auto file = path_ / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ---- child processes ------------------------------------------------------------------------

std::string exit_info::str() const {
  if (exited) return "exited with status " + std::to_string(code);
  if (signal != 0) {
    return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  }
  return "not exited";
}

std::string sanitizer_report(std::string_view text) {
  // Every sanitizer's report has a line "<LEVEL>: <Tool>Sanitizer: <what>" (ASan, LSan, TSan,
  // and UBSan's SUMMARY line); UBSan's first line is "<file>:<line>:<col>: runtime error: ...".
  constexpr std::size_t report_bytes = 8 * 1024;
  std::size_t at = std::string_view::npos;
  for (const std::string_view marker :
       {std::string_view("Sanitizer: "), std::string_view(": runtime error: ")}) {
    at = std::min(at, text.find(marker));
  }
  if (at == std::string_view::npos) return {};
  const std::size_t line_start = text.rfind('\n', at);
  const std::size_t start = line_start == std::string_view::npos ? 0 : line_start + 1;
  return std::string(text.substr(start, report_bytes));
}

child_process::~child_process() {
  if (pid_ <= 0) return;
  if (!exit_) stop();
  const std::string report = sanitizer_report(stderr_text());
  if (!report.empty()) {
    ADD_FAILURE() << name_ << " (pid " << pid_ << ") reported a sanitizer error:\n" << report;
  } else if (exit_ && exit_->exited && exit_->code == sanitizer_exit_code) {
    ADD_FAILURE() << name_ << " (pid " << pid_ << ") exited with the sanitizers' exit status "
                  << sanitizer_exit_code;
  }
  if (current_test_failed()) std::fprintf(stderr, "%s", logs().c_str());
}

testing::AssertionResult child_process::spawn(std::vector<std::string> argv,
                                              const std::filesystem::path& dir, std::string name) {
  if (pid_ > 0) return testing::AssertionFailure() << name_ << " already spawned";
  install_crash_handler();
  name_ = std::move(name);
  stdout_path_ = dir / (name_ + ".stdout");
  stderr_path_ = dir / (name_ + ".stderr");
  const std::string out_path = stdout_path_.string();
  const std::string err_path = stderr_path_.string();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  // The test's own sockets must not leak into children: a child holding a copy of a client
  // socket would keep that connection open after the test closes it.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGSEGV, SIGABRT}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return testing::AssertionFailure() << "posix_spawn " << argv[0] << ": " << std::strerror(rc);
  }
  pid_ = pid;
  register_child(pid_);
  return testing::AssertionSuccess();
}

bool child_process::try_reap() {
  if (exit_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_ = decode_wait_status(status);
    unregister_child(pid_);
    return true;
  }
  return false;
}

bool child_process::running() {
  return pid_ > 0 && !try_reap();
}

testing::AssertionResult child_process::wait_for_stdout_line(std::string_view needle,
                                                             duration timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (true) {
    const std::string out = stdout_text();
    // Only complete lines count: a half-written line could be cut inside `needle`.
    std::size_t start = 0;
    for (std::size_t nl = out.find('\n'); nl != std::string::npos;
         start = nl + 1, nl = out.find('\n', start)) {
      if (std::string_view(out).substr(start, nl - start).find(needle) != std::string_view::npos) {
        return testing::AssertionSuccess();
      }
    }
    if (!running()) {
      return testing::AssertionFailure()
             << name_ << " " << exit_->str() << " before printing '" << needle << "'\n"
             << logs();
    }
    if (steady_clock::now() >= deadline) {
      return testing::AssertionFailure() << name_ << " printed no line with '" << needle
                                         << "' within " << timeout.count() << " ms\n"
                                         << logs();
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

std::optional<exit_info> child_process::wait_exit(duration timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (!try_reap()) {
    if (pid_ <= 0 || steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(poll_interval);
  }
  return exit_;
}

void child_process::send_signal(int sig) {
  if (pid_ > 0 && !try_reap()) ::kill(pid_, sig);
}

exit_info child_process::kill_now() {
  if (pid_ <= 0) return {};
  if (!try_reap()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    pid_t r = -1;
    do {
      r = ::waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    exit_ = r == pid_ ? decode_wait_status(status) : exit_info{};
    unregister_child(pid_);
  }
  return *exit_;
}

exit_info child_process::stop(duration grace) {
  if (pid_ <= 0) return {};
  if (try_reap()) return *exit_;
  ::kill(pid_, SIGTERM);
  if (auto info = wait_exit(grace)) return *info;
  return kill_now();
}

std::string child_process::stdout_text() const {
  return stdout_path_.empty() ? std::string() : read_text_file(stdout_path_);
}

std::string child_process::stderr_text() const {
  return stderr_path_.empty() ? std::string() : read_text_file(stderr_path_);
}

std::string child_process::logs() const {
  std::string out;
  out += "---- " + name_ + " (pid " + std::to_string(pid_) + ", " +
         (exit_ ? exit_->str() : std::string("running")) + ") stdout: " + stdout_path_.string() +
         " ----\n";
  out += tail_of(stdout_text(), log_tail_bytes);
  out += "---- " + name_ + " stderr: " + stderr_path_.string() + " ----\n";
  out += tail_of(stderr_text(), log_tail_bytes);
  out += "---- end of " + name_ + " ----\n";
  return out;
}

// ---- JSON -----------------------------------------------------------------------------------

struct json_builder {
  static json_value build(simdjson::dom::element e) {
    using simdjson::dom::element_type;
    json_value v;
    switch (e.type()) {
      case element_type::ARRAY:
        v.kind_ = json_value::kind::array;
        {
          // Named: value_unsafe() refers into a temporary that a range-for would outlive.
          const simdjson::dom::array items = e.get_array().value_unsafe();
          for (simdjson::dom::element child : items) v.items_.push_back(build(child));
        }
        break;
      case element_type::OBJECT:
        v.kind_ = json_value::kind::object;
        {
          const simdjson::dom::object members = e.get_object().value_unsafe();
          for (simdjson::dom::key_value_pair field : members) {
            v.members_.emplace_back(std::string(field.key), build(field.value));
          }
        }
        break;
      case element_type::INT64:
        v.kind_ = json_value::kind::number;
        v.integral_ = true;
        v.int_ = e.get_int64().value_unsafe();
        break;
      case element_type::UINT64: {
        v.kind_ = json_value::kind::number;
        const std::uint64_t u = e.get_uint64().value_unsafe();
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
          v.integral_ = true;
          v.int_ = static_cast<std::int64_t>(u);
        } else {
          v.double_ = static_cast<double>(u);
        }
        break;
      }
      case element_type::DOUBLE:
        v.kind_ = json_value::kind::number;
        v.double_ = e.get_double().value_unsafe();
        break;
      case element_type::STRING:
        v.kind_ = json_value::kind::string;
        v.string_ = std::string(e.get_string().value_unsafe());
        break;
      case element_type::BOOL:
        v.kind_ = json_value::kind::boolean;
        v.bool_ = e.get_bool().value_unsafe();
        break;
      case element_type::NULL_VALUE:
        v.kind_ = json_value::kind::null;
        break;
    }
    return v;
  }
};

const json_value& json_value::operator[](std::string_view key) const {
  static const json_value absent;
  if (kind_ != kind::object) return absent;
  for (const auto& [k, v] : members_) {
    if (k == key) return v;
  }
  return absent;
}

const json_value& json_value::operator[](std::size_t index) const {
  static const json_value absent;
  if (kind_ != kind::array || index >= items_.size()) return absent;
  return items_[index];
}

bool operator==(const json_value& a, const json_value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case json_value::kind::absent:
    case json_value::kind::null:
      return true;
    case json_value::kind::boolean:
      return a.bool_ == b.bool_;
    case json_value::kind::number:
      return a.integral_ == b.integral_ &&
             (a.integral_ ? a.int_ == b.int_ : a.double_ == b.double_);
    case json_value::kind::string:
      return a.string_ == b.string_;
    case json_value::kind::array:
      return a.items_ == b.items_;
    case json_value::kind::object:
      return a.members_ == b.members_;
  }
  return false;
}

std::optional<json_value> json_value::parse(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return json_builder::build(root);
}

// ---- HTTP -----------------------------------------------------------------------------------

http_response http_request(std::uint16_t port, std::string_view method, std::string_view target,
                           duration timeout) {
  http_response out;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::request<http::empty_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1:" + port_text(port));
  req.set(http::field::user_agent, "tickerd-e2e");
  req.keep_alive(false);
  http::response_parser<http::string_body> parser;
  parser.body_limit(http_body_limit);
  if (method == "HEAD") parser.skip(true);

  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), port);
  stream.expires_after(timeout);  // one deadline for the whole exchange
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      out.error = "connect: " + ec.message();
      return;
    }
    http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
      if (wec) {
        out.error = "write: " + wec.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) {
        if (rec) {
          out.error = "read: " + rec.message();
          return;
        }
        auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        out.body = std::move(res.body());
        out.content_type = std::string(res[http::field::content_type]);
      });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return out;
}

http_response http_post(std::uint16_t port, std::string_view target, std::string_view body,
                        duration timeout) {
  http_response out;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "127.0.0.1:" + port_text(port));
  req.set(http::field::user_agent, "tickerd-e2e");
  req.set(http::field::content_type, "text/plain");
  req.keep_alive(false);
  req.body() = std::string(body);
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(http_body_limit);

  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), port);
  stream.expires_after(timeout);
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      out.error = "connect: " + ec.message();
      return;
    }
    http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
      if (wec) {
        out.error = "write: " + wec.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) {
        if (rec) {
          out.error = "read: " + rec.message();
          return;
        }
        auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        out.body = std::move(res.body());
        out.content_type = std::string(res[http::field::content_type]);
      });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return out;
}

testing::AssertionResult wait_for_http_200(std::uint16_t port, std::string_view target,
                                           duration timeout, child_process* watched) {
  const auto deadline = steady_clock::now() + timeout;
  http_response last;
  while (true) {
    if (watched && !watched->running()) {
      return testing::AssertionFailure() << watched->name() << " " << watched->exit_status()->str()
                                         << " before GET " << target << " answered 200\n"
                                         << watched->logs();
    }
    last = http_get(port, target, std::chrono::seconds(5));
    if (last.status == 200) return testing::AssertionSuccess();
    if (steady_clock::now() >= deadline) {
      auto failure = testing::AssertionFailure();
      failure << "GET " << target << " on port " << port << " did not answer 200 within "
              << timeout.count() << " ms; last: status " << last.status << " " << last.error << " "
              << last.body;
      if (watched) failure << "\n" << watched->logs();
      return failure;
    }
    std::this_thread::sleep_for(http_poll_interval);
  }
}

// ---- WebSocket client -----------------------------------------------------------------------

struct ws_client::impl {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> guard{ioc.get_executor()};
  websocket::stream<beast::tcp_stream> ws{ioc};
  websocket::response_type handshake_response;
  beast::flat_buffer buffer;
  std::thread thread;

  mutable std::mutex mutex;
  std::condition_variable cv;
  std::vector<ws_message> messages;
  std::size_t frames = 0;
  int receive_buffer_bytes = 0;  // 0 = the kernel's default (autotuned)
  bool paused = false;           // I/O thread only
  bool reading = false;          // an async_read is pending; I/O thread only
  bool connected = false;
  bool closed = false;
  std::optional<int> close_code;
  std::string close_error;

  impl() {
    thread = std::thread([this] { ioc.run(); });
  }

  // Runs on the I/O thread. Handlers capture `this`: the destructor cancels everything and
  // joins the thread before `impl` goes away, so no handler outlives it.
  void start_read() {
    if (paused || reading) return;
    reading = true;
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) { on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    reading = false;
    if (ec) {
      std::lock_guard lock(mutex);
      closed = true;
      // The reason is set when the server's close frame was read, even if replying to it then
      // failed (the server may drop the socket right after its close frame).
      if (ws.reason().code != websocket::close_code::none) {
        close_code = static_cast<int>(ws.reason().code);
      }
      close_error = ec.message();
      cv.notify_all();
      return;
    }
    const bool binary = !ws.got_text();
    const std::string frame = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());

    std::vector<ws_message> parsed;
    const auto now = steady_clock::now();
    std::size_t start = 0;
    while (start <= frame.size()) {
      std::size_t end = frame.find('\n', start);
      if (end == std::string::npos) end = frame.size();
      if (end > start) {
        ws_message m;
        m.binary = binary;
        m.raw = frame.substr(start, end - start);
        m.received = now;
        if (auto json = json_value::parse(m.raw)) {
          m.valid = true;
          m.json = std::move(*json);
        }
        parsed.push_back(std::move(m));
      }
      start = end + 1;
    }
    {
      std::lock_guard lock(mutex);
      for (auto& m : parsed) {
        m.index = messages.size();
        m.frame = frames;
        messages.push_back(std::move(m));
      }
      ++frames;
    }
    cv.notify_all();
    start_read();
  }

  testing::AssertionResult send(std::string payload, bool binary, duration timeout) {
    auto done = std::make_shared<std::promise<beast::error_code>>();
    auto result = done->get_future();
    auto data = std::make_shared<std::string>(std::move(payload));
    net::post(ioc, [this, data, binary, done] {
      ws.binary(binary);
      ws.async_write(net::buffer(*data), [this, data, done](beast::error_code ec, std::size_t) {
        ws.text(true);
        done->set_value(ec);
      });
    });
    if (result.wait_for(timeout) != std::future_status::ready) {
      return testing::AssertionFailure()
             << "WebSocket send did not finish within " << timeout.count() << " ms";
    }
    if (const auto ec = result.get()) {
      return testing::AssertionFailure() << "WebSocket send failed: " << ec.message();
    }
    return testing::AssertionSuccess();
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {}

ws_client::~ws_client() {
  impl* i = impl_.get();
  // A polite close first (the server logs less noise), then a hard one if it is not answered.
  net::post(i->ioc, [i] {
    if (!i->connected || i->closed) return;
    i->ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
  });
  {
    std::unique_lock lock(i->mutex);
    i->cv.wait_for(lock, std::chrono::seconds(5), [i] { return !i->connected || i->closed; });
  }
  net::post(i->ioc, [i] {
    beast::error_code ignored;
    beast::get_lowest_layer(i->ws).socket().close(ignored);
  });
  i->guard.reset();
  i->thread.join();
}

testing::AssertionResult ws_client::connect(std::uint16_t port, std::string_view target,
                                            duration timeout) {
  auto done = std::make_shared<std::promise<beast::error_code>>();
  auto result = done->get_future();
  impl* i = impl_.get();
  net::post(i->ioc, [i, done, port, target = std::string(target), timeout] {
    auto& tcp_layer = beast::get_lowest_layer(i->ws);
    if (i->receive_buffer_bytes > 0) {
      beast::error_code ec;
      tcp_layer.socket().open(tcp::v4(), ec);
      if (!ec) {
        tcp_layer.socket().set_option(
            net::socket_base::receive_buffer_size(i->receive_buffer_bytes), ec);
      }
      if (ec) return done->set_value(ec);
    }
    tcp_layer.expires_after(timeout);
    const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), port);
    tcp_layer.async_connect(endpoint, [i, done, port, target, timeout](beast::error_code ec) {
      if (ec) return done->set_value(ec);
      // The WebSocket stream keeps its own timeouts; the TCP one must be off (Beast's rule).
      beast::get_lowest_layer(i->ws).expires_never();
      websocket::stream_base::timeout opt{};
      opt.handshake_timeout = timeout;
      opt.idle_timeout = websocket::stream_base::none();
      opt.keep_alive_pings = false;
      i->ws.set_option(opt);
      i->ws.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& req) { req.set(http::field::user_agent, "tickerd-e2e"); }));
      i->ws.async_handshake(i->handshake_response, "127.0.0.1:" + port_text(port), target,
                            [i, done](beast::error_code hec) {
                              if (!hec) {
                                {
                                  std::lock_guard lock(i->mutex);
                                  i->connected = true;
                                }
                                i->start_read();
                              }
                              done->set_value(hec);
                            });
    });
  });
  if (result.wait_for(timeout + std::chrono::seconds(5)) != std::future_status::ready) {
    return testing::AssertionFailure()
           << "WebSocket connect to port " << port << target << " did not finish";
  }
  if (const auto ec = result.get()) {
    auto failure = testing::AssertionFailure();
    failure << "WebSocket connect to 127.0.0.1:" << port << target << " failed: " << ec.message();
    if (i->handshake_response.result_int() != 0) {
      failure << " (HTTP " << i->handshake_response.result_int() << ")";
    }
    return failure;
  }
  return testing::AssertionSuccess();
}

void ws_client::set_receive_buffer(int bytes) {
  impl* i = impl_.get();
  net::post(i->ioc, [i, bytes] { i->receive_buffer_bytes = bytes; });
}

void ws_client::pause_reading() {
  impl* i = impl_.get();
  std::promise<void> done;
  net::post(i->ioc, [i, &done] {
    i->paused = true;
    done.set_value();
  });
  done.get_future().wait();
}

void ws_client::resume_reading() {
  impl* i = impl_.get();
  net::post(i->ioc, [i] {
    i->paused = false;
    std::lock_guard lock(i->mutex);
    if (i->connected && !i->closed) i->start_read();
  });
}

testing::AssertionResult ws_client::send_text(std::string text, duration timeout) {
  return impl_->send(std::move(text), false, timeout);
}

testing::AssertionResult ws_client::send_binary(std::string bytes, duration timeout) {
  return impl_->send(std::move(bytes), true, timeout);
}

std::optional<ws_message> ws_client::wait_for(const predicate& pred, duration timeout,
                                              std::size_t from) {
  const auto deadline = steady_clock::now() + timeout;
  std::unique_lock lock(impl_->mutex);
  std::size_t next = from;
  while (true) {
    for (; next < impl_->messages.size(); ++next) {
      if (pred(impl_->messages[next])) return impl_->messages[next];
    }
    if (impl_->closed) return std::nullopt;  // nothing more will come
    if (impl_->cv.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (; next < impl_->messages.size(); ++next) {
        if (pred(impl_->messages[next])) return impl_->messages[next];
      }
      return std::nullopt;
    }
  }
}

bool ws_client::wait_until(const list_predicate& pred, duration timeout) {
  const auto deadline = steady_clock::now() + timeout;
  std::unique_lock lock(impl_->mutex);
  while (true) {
    if (pred(impl_->messages)) return true;
    if (impl_->closed) return false;
    if (impl_->cv.wait_until(lock, deadline) == std::cv_status::timeout) {
      return pred(impl_->messages);
    }
  }
}

bool ws_client::wait_closed(duration timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->cv.wait_for(lock, timeout, [this] { return impl_->closed; });
}

std::vector<ws_message> ws_client::messages() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->messages;
}

std::size_t ws_client::size() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->messages.size();
}

std::size_t ws_client::frames() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->frames;
}

bool ws_client::closed() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->closed;
}

std::optional<int> ws_client::close_code() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->close_code;
}

std::string ws_client::close_error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->close_error;
}

std::string ws_client::tail(std::size_t count) const {
  std::lock_guard lock(impl_->mutex);
  std::string out = "last messages of " + std::to_string(impl_->messages.size()) + " (" +
                    std::to_string(impl_->frames) + " frames)";
  if (impl_->closed) {
    out += ", closed: " + impl_->close_error;
    if (impl_->close_code) out += " code " + std::to_string(*impl_->close_code);
  }
  out += ":\n";
  const std::size_t n = impl_->messages.size();
  for (std::size_t k = n > count ? n - count : 0; k < n; ++k) {
    out += "  #" + std::to_string(k) + " " + impl_->messages[k].raw.substr(0, 400) + "\n";
  }
  return out;
}

// ---- protocol checks shared by the tests ----------------------------------------------------

namespace {

// Wide enough for any decimal the venues send, scaled up by 10^4 for two percent digits.
__extension__ typedef __int128 wide_int;

struct fixed_point {
  wide_int mantissa = 0;
  int scale = 0;
};

std::optional<fixed_point> parse_fixed(std::string_view text) {
  if (!is_decimal_text(text)) return std::nullopt;
  fixed_point out;
  bool negative = false;
  bool after_point = false;
  for (char c : text) {
    if (c == '-') {
      negative = true;
    } else if (c == '.') {
      after_point = true;
    } else {
      if (out.mantissa > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
      out.mantissa = out.mantissa * 10 + (c - '0');
      if (after_point) ++out.scale;
    }
  }
  if (negative) out.mantissa = -out.mantissa;
  return out;
}

wide_int pow10(int n) {
  wide_int p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

std::string format_hundredths(wide_int v) {
  const bool negative = v < 0;
  if (negative) v = -v;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  while (digits.size() < 3) digits.insert(digits.begin(), '0');
  digits.insert(digits.end() - 2, '.');
  return negative ? "-" + digits : digits;
}

}  // namespace

bool is_decimal_text(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  const std::size_t int_start = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == int_start) return false;
  if (i == text.size()) return true;
  if (text[i] != '.') return false;
  const std::size_t frac_start = ++i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  return i > frac_start && i == text.size();
}

std::optional<std::string> exact_change_pct(std::string_view last, std::string_view open) {
  const auto l = parse_fixed(last);
  const auto o = parse_fixed(open);
  if (!l || !o || o->mantissa == 0) return std::nullopt;
  const int scale = std::max(l->scale, o->scale);
  const wide_int lm = l->mantissa * pow10(scale - l->scale);
  const wide_int om = o->mantissa * pow10(scale - o->scale);
  // percent in hundredths = (l - o) * 100 * 100 / o, rounded half away from zero
  const wide_int num = (lm - om) * 10000;
  wide_int q = num / om;
  const wide_int r = num % om;
  const wide_int abs_r = r < 0 ? -r : r;
  const wide_int abs_o = om < 0 ? -om : om;
  if (2 * abs_r >= abs_o) q += ((num < 0) != (om < 0)) ? -1 : 1;
  return format_hundredths(q);
}

testing::AssertionResult check_ticker_data(const json_value& data, std::string_view symbol) {
  std::vector<std::string> problems;
  if (!data.is_object()) {
    return testing::AssertionFailure() << "ticker data is not an object";
  }
  if (data["symbol"].str() != symbol) {
    problems.push_back("symbol is '" + data["symbol"].str() + "', expected '" +
                       std::string(symbol) + "'");
  }
  for (const char* field : {"last", "open_24h", "high_24h", "low_24h", "change_pct", "volume_base",
                            "volume_quote", "bid", "ask"}) {
    const auto& v = data[field];
    if (!v.is_string()) {
      problems.push_back(std::string(field) + " is not a string");
    } else if (!is_decimal_text(v.str())) {
      problems.push_back(std::string(field) + " '" + v.str() + "' is not a decimal");
    }
  }
  if (data["change_pct"].is_string()) {
    const auto expected = exact_change_pct(data["last"].str(), data["open_24h"].str());
    if (!expected || *expected != data["change_pct"].str()) {
      problems.push_back("change_pct '" + data["change_pct"].str() +
                         "' but (last-open)/open*100 = '" + expected.value_or("?") + "'");
    }
  }
  const auto& ts = data["ts"];
  const auto& recv_ts = data["recv_ts"];
  if (!ts.is_integer() || ts.integer() <= 0) problems.push_back("ts is not a positive integer");
  if (!recv_ts.is_integer() || recv_ts.integer() <= 0) {
    problems.push_back("recv_ts is not a positive integer");
  }
  if (ts.is_integer() && recv_ts.is_integer()) {
    // Both are µs since the epoch (PROTOCOL.md "Conventions"), both from this machine's clock:
    // they agree within a minute (a ts in ms would be 1000 times smaller).
    constexpr std::int64_t minute_us = 60'000'000;
    if (recv_ts.integer() < ts.integer() - minute_us ||
        recv_ts.integer() > ts.integer() + minute_us) {
      problems.push_back("recv_ts " + std::to_string(recv_ts.integer()) + " is far from ts " +
                         std::to_string(ts.integer()) + " (both µs)");
    }
  }
  bool has_binance = false;
  for (const auto& v : data["venues"].items()) has_binance = has_binance || v.str() == "binance";
  if (!data["venues"].is_array() || !has_binance) {
    problems.push_back("venues does not list \"binance\"");
  }
  if (!data["stale"].is_bool()) problems.push_back("stale is not a boolean");
  if (problems.empty()) return testing::AssertionSuccess();
  auto failure = testing::AssertionFailure();
  failure << "ticker data for " << symbol << ":";
  for (const auto& p : problems) failure << "\n  " << p;
  return failure;
}

namespace {
testing::AssertionResult check_seq(const std::vector<ws_message>& messages,
                                   bool gaps_after_conflation) {
  struct channel_state {
    std::int64_t seq = 0;
    std::size_t notices_seen = 0;  // conflated notices before this channel's last message
  };
  std::map<std::string, channel_state, std::less<>> last;
  std::size_t notices = 0;
  for (const auto& m : messages) {
    const auto& type = m.type();
    if (type == "conflated") ++notices;
    if (type != "snapshot" && type != "update") continue;
    if (!m["seq"].is_integer()) {
      return testing::AssertionFailure() << "#" << m.index << " has no integer seq: " << m.raw;
    }
    if (type == "snapshot") {
      last[m.channel()] = {m.seq(), notices};
      continue;
    }
    const auto it = last.find(m.channel());
    if (it == last.end()) {
      return testing::AssertionFailure()
             << "#" << m.index << " is an update before any snapshot on " << m.channel() << ": "
             << m.raw.substr(0, 200);
    }
    const bool conflated_since = it->second.notices_seen < notices;
    const bool ok = m.seq() == it->second.seq + 1 ||
                    (gaps_after_conflation && conflated_since && m.seq() > it->second.seq);
    if (!ok) {
      return testing::AssertionFailure()
             << "#" << m.index << " on " << m.channel() << " has seq " << m.seq() << ", expected "
             << it->second.seq + 1 << (conflated_since ? " (after a conflated notice)" : "");
    }
    it->second = {m.seq(), notices};
  }
  return testing::AssertionSuccess();
}
}  // namespace

testing::AssertionResult check_sequences(const std::vector<ws_message>& messages) {
  return check_seq(messages, false);
}

testing::AssertionResult check_sequences_with_conflation(const std::vector<ws_message>& messages) {
  return check_seq(messages, true);
}

namespace {
std::string channel_request(std::string_view op, std::int64_t id,
                            const std::vector<std::string>& channels) {
  std::string out =
      R"({"op":")" + std::string(op) + R"(","id":)" + std::to_string(id) + R"(,"channels":[)";
  for (std::size_t k = 0; k < channels.size(); ++k) {
    out += (k ? ",\"" : "\"") + channels[k] + "\"";
  }
  return out + "]}";
}
}  // namespace

std::string subscribe_request(std::int64_t id, const std::vector<std::string>& channels) {
  return channel_request("subscribe", id, channels);
}

std::string unsubscribe_request(std::int64_t id, const std::vector<std::string>& channels) {
  return channel_request("unsubscribe", id, channels);
}

ws_client::predicate type_is(std::string type) {
  return [type = std::move(type)](const ws_message& m) { return m.type() == type; };
}

ws_client::predicate typed_on(std::string type, std::string channel) {
  return [type = std::move(type), channel = std::move(channel)](const ws_message& m) {
    return m.type() == type && m.channel() == channel;
  };
}

std::size_t count_of(const std::vector<ws_message>& messages, std::string_view type,
                     std::string_view channel) {
  return static_cast<std::size_t>(std::count_if(
      messages.begin(), messages.end(),
      [&](const ws_message& m) { return m.type() == type && m.channel() == channel; }));
}

const json_value& feed_entry(const json_value& holder, std::string_view venue) {
  static const json_value absent;
  for (const auto& feed : holder["feeds"].items()) {
    if (feed["venue"].str() == venue) return feed;
  }
  return absent;
}

// ---- tickerd + sim --------------------------------------------------------------------------

std::string sim_venue_path(std::string_view venue) {
  if (venue == "binance") return "/stream";
  if (venue == "okx") return "/ws/v5/public";
  if (venue == "coinbase") return "/";
  if (venue == "bybit") return "/v5/public/spot";
  if (venue == "kraken") return "/v2";
  ADD_FAILURE() << "tickerd-sim serves no venue '" << venue << "'";
  return "/" + std::string(venue);
}

std::string tickerd_config(std::uint16_t port, std::uint16_t sim_port,
                           const stack_options& options) {
  std::string symbols;
  for (const auto& s : options.symbols) {
    if (!symbols.empty()) symbols += ", ";
    symbols += "\"" + s + "\"";
  }
  std::ostringstream out;
  out << "[server]\n"
      << "listen = \"127.0.0.1:" << port << "\"\n"
      << "shards = " << options.shards << "\n"
      << "web_root = \"" << TICKERD_SOURCE_DIR << "/web\"\n"
      << options.extra_server << (options.extra_server.empty() ? "" : "\n") << "\n[limits]\n"
      << "max_message_bytes = 65536\n"
      << "max_subscriptions = " << options.max_subscriptions << "\n"
      << "max_requests_per_second = " << options.max_requests_per_second << "\n"
      << options.extra_limits << (options.extra_limits.empty() ? "" : "\n") << "\n[log]\n"
      << "level = \"info\"\n"
      << "\n[market]\n"
      << "symbols = [" << symbols << "]\n"
      << "\n[[feeds]]\n"
      << "venue = \"binance\"\n"
      << "url = \"ws://127.0.0.1:" << sim_port << "/stream\"\n"
      << "stale_after_ms = " << options.stale_after_ms << "\n"
      << "backoff_initial_ms = 100\n"
      << "backoff_max_ms = 500\n"
      << "streams = " << options.streams << "\n"
      << options.extra_feed << (options.extra_feed.empty() ? "" : "\n");
  for (const auto& venue : options.extra_venues) {
    out << "\n[[feeds]]\n"
        << "venue = \"" << venue << "\"\n"
        << "url = \"ws://127.0.0.1:" << sim_port << sim_venue_path(venue) << "\"\n"
        << "stale_after_ms = " << options.stale_after_ms << "\n"
        << "backoff_initial_ms = 100\n"
        << "backoff_max_ms = 500\n"
        << "streams = " << options.streams << "\n";
  }
  if (!options.extra_toml.empty()) out << "\n" << options.extra_toml << "\n";
  return out.str();
}

stack::stack(stack_options options)
    : options_(std::move(options)),
      dir_(current_test_tag()),
      port_(free_port()),
      sim_port_(free_port()) {}

stack::~stack() {
  // tickerd first, so it does not log a reconnect storm while the sim goes away.
  if (tickerd_) tickerd_->stop();
}

testing::AssertionResult stack::start() {
  if (auto r = start_sim(); !r) return r;
  return start_tickerd();
}

testing::AssertionResult stack::start_sim() {
  auto child = std::make_unique<child_process>();
  const std::string name = sims_.empty() ? "sim" : "sim." + std::to_string(sims_.size() + 1);
  std::vector<std::string> argv{TICKERD_SIM_BIN,
                                "--listen",
                                "127.0.0.1:" + port_text(sim_port_),
                                "--seed",
                                "42",
                                "--rate",
                                std::to_string(options_.sim_rate)};
  argv.insert(argv.end(), options_.sim_args.begin(), options_.sim_args.end());
  if (auto r = child->spawn(std::move(argv), dir_.path(), name); !r) return r;
  sims_.push_back(std::move(child));
  return sims_.back()->wait_for_stdout_line(
      "tickerd-sim listening on 127.0.0.1:" + port_text(sim_port_), start_timeout);
}

testing::AssertionResult stack::start_tickerd() {
  if (tickerd_) return testing::AssertionFailure() << "tickerd already started";
  const auto config = dir_.write("tickerd.toml", config_toml());
  tickerd_ = std::make_unique<child_process>();
  if (auto r = tickerd_->spawn({TICKERD_BIN, "--config", config.string()}, dir_.path(), "tickerd");
      !r) {
    return r;
  }
  return wait_for_http_200(port_, "/healthz", start_timeout, tickerd_.get());
}

exit_info stack::kill_sim() {
  if (sims_.empty()) return {};
  return sims_.back()->kill_now();
}

std::string stack::config_toml() const {
  return tickerd_config(port_, sim_port_, options_);
}

run_result run_to_exit(std::vector<std::string> argv, const std::filesystem::path& dir,
                       std::string name, duration timeout) {
  run_result result;
  child_process child;
  if (auto r = child.spawn(std::move(argv), dir, std::move(name)); !r) {
    result.err = r.message();
    return result;
  }
  if (auto info = child.wait_exit(timeout)) {
    result.exit = *info;
  } else {
    result.timed_out = true;
    result.exit = child.kill_now();
  }
  result.out = child.stdout_text();
  result.err = child.stderr_text();
  return result;
}

}  // namespace tickerd::e2e
