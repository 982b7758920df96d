// End-to-end harness: real tickerd and tickerd-sim processes on free loopback ports, driven by
// real HTTP and WebSocket clients. Everything waits on a condition with a deadline (never a
// blind sleep), and every process is reaped even when an assertion fails. Beast stays in
// harness.cpp: tests only see these declarations.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace tickerd::e2e {

using steady_clock = std::chrono::steady_clock;
using duration = std::chrono::milliseconds;

// Generous on purpose: a Debug build on two busy cores can take seconds to start or answer.
inline constexpr duration default_timeout{20'000};
inline constexpr duration start_timeout{30'000};
inline constexpr duration stop_grace{10'000};

// The sim's instruments, as tickerd names them.
const std::vector<std::string>& all_symbols();

// ---- files and ports ------------------------------------------------------------------------

// A loopback port nobody listens on right now (bind port 0, read it, close). Another process
// could take it before ours binds; on loopback in a test run that is rare enough.
std::uint16_t free_port();

// A fresh directory under $TMPDIR for one test; removed afterwards unless the test failed
// (then its path is printed so the logs can be read).
class temp_dir {
 public:
  explicit temp_dir(std::string_view tag);
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

std::string read_text_file(const std::filesystem::path& file);

// ---- child processes ------------------------------------------------------------------------

struct exit_info {
  bool exited = false;  // normal exit; otherwise killed by `signal`
  int code = -1;
  int signal = 0;
  std::string str() const;
};

// The exit status the sanitizer builds give a process that reported an error (ASAN_OPTIONS,
// UBSAN_OPTIONS and TSAN_OPTIONS set exitcode=66 in tests/CMakeLists.txt; TSan's own default).
inline constexpr int sanitizer_exit_code = 66;

// The first sanitizer report in a process's stderr (ASan, LSan, UBSan, TSan), up to a few KiB;
// empty when there is none.
std::string sanitizer_report(std::string_view stderr_text);

// One spawned program with stdout and stderr captured to <dir>/<name>.stdout|.stderr. The
// destructor stops it (SIGTERM, then SIGKILL after stop_grace) and reaps it; when the current
// test has failed it also prints both logs. A sanitizer report in its stderr, or an exit with
// sanitizer_exit_code, fails the current test: a child's memory error or data race is the
// test's failure even when every assertion about its output held.
class child_process {
 public:
  child_process() = default;
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  testing::AssertionResult spawn(std::vector<std::string> argv, const std::filesystem::path& dir,
                                 std::string name);

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  // False once the process has exited (reaping it).
  bool running();
  const std::optional<exit_info>& exit_status() const { return exit_; }

  // Waits until stdout has a line containing `needle`; fails early if the process exits.
  testing::AssertionResult wait_for_stdout_line(std::string_view needle, duration timeout);
  // Waits for the process to exit by itself; nullopt on timeout.
  std::optional<exit_info> wait_exit(duration timeout);
  void send_signal(int sig);
  // SIGKILL and reap.
  exit_info kill_now();
  // SIGTERM, wait up to `grace`, then SIGKILL; always reaps.
  exit_info stop(duration grace = stop_grace);

  std::string stdout_text() const;
  std::string stderr_text() const;
  std::string logs() const;  // both, labelled, for failure messages

 private:
  bool try_reap();

  pid_t pid_ = -1;
  std::string name_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
  std::optional<exit_info> exit_;
};

// ---- JSON -----------------------------------------------------------------------------------

// A parsed JSON value, copied out of simdjson so messages can be kept and compared freely.
// Looking up a missing key or index yields an `absent` value, so chains like
// msg["data"]["last"].str() never throw; the is_*() checks say what is really there.
class json_value {
 public:
  enum class kind : std::uint8_t { absent, null, boolean, number, string, array, object };

  kind type() const { return kind_; }
  bool is_absent() const { return kind_ == kind::absent; }
  bool is_null() const { return kind_ == kind::null; }
  bool is_bool() const { return kind_ == kind::boolean; }
  bool is_number() const { return kind_ == kind::number; }
  bool is_integer() const { return kind_ == kind::number && integral_; }
  bool is_string() const { return kind_ == kind::string; }
  bool is_array() const { return kind_ == kind::array; }
  bool is_object() const { return kind_ == kind::object; }

  bool boolean() const { return kind_ == kind::boolean && bool_; }
  std::int64_t integer() const { return integral_ ? int_ : static_cast<std::int64_t>(double_); }
  double number() const { return integral_ ? static_cast<double>(int_) : double_; }
  // The string's content; empty for any other kind.
  const std::string& str() const { return string_; }
  const std::vector<json_value>& items() const { return items_; }
  const std::vector<std::pair<std::string, json_value>>& members() const { return members_; }
  std::size_t size() const { return kind_ == kind::object ? members_.size() : items_.size(); }
  bool has(std::string_view key) const { return !(*this)[key].is_absent(); }

  const json_value& operator[](std::string_view key) const;
  const json_value& operator[](std::size_t index) const;

  // Parses one JSON document; nullopt when it is not valid JSON.
  static std::optional<json_value> parse(std::string_view text);

  // Same kind and value; object members compare in order.
  friend bool operator==(const json_value& a, const json_value& b);

 private:
  friend struct json_builder;
  kind kind_ = kind::absent;
  bool bool_ = false;
  bool integral_ = false;
  std::int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::vector<json_value> items_;
  std::vector<std::pair<std::string, json_value>> members_;
};

// ---- HTTP -----------------------------------------------------------------------------------

struct http_response {
  int status = 0;  // 0 when no response was read (see `error`)
  std::string body;
  std::string content_type;
  std::string error;
};

// One request on a fresh connection (Connection: close), bounded by `timeout`.
http_response http_request(std::uint16_t port, std::string_view method, std::string_view target,
                           duration timeout = default_timeout);
inline http_response http_get(std::uint16_t port, std::string_view target,
                              duration timeout = default_timeout) {
  return http_request(port, "GET", target, timeout);
}
// POST with a text body (e.g. a fault spec to tickerd-sim's /faults/<venue>).
http_response http_post(std::uint16_t port, std::string_view target, std::string_view body,
                        duration timeout = default_timeout);

// Polls until GET `target` answers 200; fails early if `watched` exits.
testing::AssertionResult wait_for_http_200(std::uint16_t port, std::string_view target,
                                           duration timeout, child_process* watched = nullptr);

// ---- WebSocket client -----------------------------------------------------------------------

// One server message: a frame may carry several, separated by '\n'.
struct ws_message {
  std::size_t index = 0;  // position in the connection's message list
  std::size_t frame = 0;  // which frame it came in
  bool binary = false;    // came in a binary frame (never expected from tickerd)
  bool valid = false;     // parsed as JSON
  std::string raw;
  json_value json;
  steady_clock::time_point received;

  const json_value& operator[](std::string_view key) const { return json[key]; }
  const std::string& type() const { return json["type"].str(); }
  const std::string& channel() const { return json["channel"].str(); }
  std::int64_t seq() const { return json["seq"].integer(); }
  const json_value& data() const { return json["data"]; }
};

// A WebSocket client on its own I/O thread that records every message the server sends.
// Sends block until written (or the timeout). Predicates run under the client's lock: they
// must only look at their argument.
class ws_client {
 public:
  using predicate = std::function<bool(const ws_message&)>;
  using list_predicate = std::function<bool(const std::vector<ws_message>&)>;

  ws_client();
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Call before connect(): a small fixed receive buffer (no autotuning) makes a client that
  // stops reading back up the server quickly.
  void set_receive_buffer(int bytes);
  testing::AssertionResult connect(std::uint16_t port, std::string_view target = "/ws",
                                   duration timeout = default_timeout);
  // Stop reading from the socket (the server's sends back up), and start again.
  void pause_reading();
  void resume_reading();
  testing::AssertionResult send_text(std::string text, duration timeout = default_timeout);
  testing::AssertionResult send_binary(std::string bytes, duration timeout = default_timeout);

  // The first message at index >= `from` satisfying `pred`; nullopt on timeout.
  std::optional<ws_message> wait_for(const predicate& pred, duration timeout = default_timeout,
                                     std::size_t from = 0);
  // Waits until `pred` holds for the whole message list.
  bool wait_until(const list_predicate& pred, duration timeout = default_timeout);
  // Waits until the connection is closed (by either side or by an error).
  bool wait_closed(duration timeout = default_timeout);

  std::vector<ws_message> messages() const;
  std::size_t size() const;
  std::size_t frames() const;
  bool closed() const;
  // The code of the close frame the server sent, if it sent one.
  std::optional<int> close_code() const;
  std::string close_error() const;  // why the read loop ended, for messages
  // A summary of the last messages received, for failure messages.
  std::string tail(std::size_t count = 10) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// ---- protocol checks shared by the tests ----------------------------------------------------

// What a price or size looks like on the wire: "85205.70", "-0.99", "12".
bool is_decimal_text(std::string_view text);
// (last - open) / open * 100 rounded half away from zero to two decimals, in integer math
// (never double); nullopt when either is not a decimal or open is zero.
std::optional<std::string> exact_change_pct(std::string_view last, std::string_view open);
// Every field PROTOCOL.md gives ticker `data`, with its JSON type and consistent values.
testing::AssertionResult check_ticker_data(const json_value& data, std::string_view symbol);
// Per channel: a snapshot first, then updates whose seq rises by exactly one.
testing::AssertionResult check_sequences(const std::vector<ws_message>& messages);
// The same, except that seq may skip ahead where a `conflated` notice came since the channel's
// previous message (PROTOCOL.md: a gap means updates were conflated).
testing::AssertionResult check_sequences_with_conflation(const std::vector<ws_message>& messages);
// The entry for `venue` in an object holding "feeds":[...] (status data, /healthz, /v1/feeds).
const json_value& feed_entry(const json_value& holder, std::string_view venue);

// Requests: {"op":"subscribe","id":<id>,"channels":[...]} and the same for unsubscribe.
std::string subscribe_request(std::int64_t id, const std::vector<std::string>& channels);
std::string unsubscribe_request(std::int64_t id, const std::vector<std::string>& channels);
ws_client::predicate type_is(std::string type);
ws_client::predicate typed_on(std::string type, std::string channel);
std::size_t count_of(const std::vector<ws_message>& messages, std::string_view type,
                     std::string_view channel);

// ---- tickerd + sim --------------------------------------------------------------------------

struct stack_options {
  std::vector<std::string> symbols = all_symbols();
  int shards = 2;
  int stale_after_ms = 1000;
  int sim_rate = 5;
  int max_subscriptions = 256;
  int max_requests_per_second = 50;
  std::vector<std::string> sim_args;  // appended to the sim's command line
  std::string extra_limits;           // more `key = value` lines for [limits]
  std::string extra_server;           // more `key = value` lines for [server]
  std::string extra_feed;             // more `key = value` lines for the binance [[feeds]]
  std::string extra_toml;             // appended to tickerd's config: start it with a [table]
  // More venues of the same sim, after binance, each a [[feeds]] table with binance's
  // stale_after_ms and backoff (not extra_feed), e.g. {"okx", "coinbase", "bybit", "kraken"}.
  std::vector<std::string> extra_venues;
  // Every feed's `streams`. The ticker alone unless a test is about trades or top of book: the
  // sim's trade and bbo frames (a Binance trade is one frame) at the busy tests' rates would
  // cost a sanitizer build more than the ticker behaviour they test.
  std::string streams = R"(["ticker"])";
};

// The path tickerd-sim serves `venue` on ("/stream", "/ws/v5/public", "/", ...).
std::string sim_venue_path(std::string_view venue);

// One tickerd fed by one tickerd-sim, each on its own free port, logs in a per-test temp dir.
class stack {
 public:
  explicit stack(stack_options options = {});
  ~stack();
  stack(const stack&) = delete;
  stack& operator=(const stack&) = delete;

  // The sim, then tickerd (ready once GET /healthz answers 200).
  testing::AssertionResult start();
  testing::AssertionResult start_sim();
  testing::AssertionResult start_tickerd();
  // SIGKILL the sim and reap it; its logs are kept for a failure report.
  exit_info kill_sim();

  std::string config_toml() const;
  std::uint16_t port() const { return port_; }
  std::uint16_t sim_port() const { return sim_port_; }
  const temp_dir& dir() const { return dir_; }
  child_process& tickerd() { return *tickerd_; }
  child_process& sim() { return *sims_.back(); }
  const stack_options& options() const { return options_; }

 private:
  stack_options options_;
  temp_dir dir_;
  std::uint16_t port_;
  std::uint16_t sim_port_;
  std::vector<std::unique_ptr<child_process>> sims_;  // every sim started, the live one last
  std::unique_ptr<child_process> tickerd_;
};

// The config text tickerd gets in a stack, for tests that edit it.
std::string tickerd_config(std::uint16_t port, std::uint16_t sim_port,
                           const stack_options& options = {});

// Runs a program to completion (killed after `timeout`); for command-line and config tests.
struct run_result {
  exit_info exit;
  bool timed_out = false;
  std::string out;
  std::string err;
};
run_result run_to_exit(std::vector<std::string> argv, const std::filesystem::path& dir,
                       std::string name, duration timeout = default_timeout);

}  // namespace tickerd::e2e
