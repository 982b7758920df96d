// A real redis-server for tests: started on a free loopback port with persistence off, in the
// test's temp dir, stopped (or killed, to test outages) by the test. And a small synchronous
// client (hiredis) to inspect what tickerd wrote.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace tickerd::e2e {

inline constexpr const char* redis_server_bin = "/usr/bin/redis-server";

class redis_server {
 public:
  explicit redis_server(const temp_dir& dir, std::string name = "redis");
  ~redis_server();

  // Starts (or restarts) on port(); fails loudly when redis-server is missing.
  testing::AssertionResult start();
  exit_info kill();  // SIGKILL: an outage, as seen by tickerd
  std::uint16_t port() const { return port_; }
  // A second free port, for tests that add "--tls-port" to extra_args.
  std::uint16_t tls_port() const { return tls_port_; }
  // Appended to the command line on every start: "--requirepass", "--user", TLS options.
  std::vector<std::string> extra_args;
  bool running() { return process_ && process_->running(); }
  pid_t pid() const { return process_ ? process_->pid() : -1; }

 private:
  const temp_dir& dir_;
  std::string name_;
  std::uint16_t port_;
  std::uint16_t tls_port_;
  int starts_ = 0;
  std::unique_ptr<child_process> process_;
};

// A reply, flattened enough for assertions.
struct redis_value {
  enum class kind { nil, string, integer, array, error } type = kind::nil;
  std::string str;  // string, status and error text
  long long integer = 0;
  std::vector<redis_value> items;
};

class redis_sync_client {
 public:
  explicit redis_sync_client(std::uint16_t port);
  ~redis_sync_client();
  redis_sync_client(const redis_sync_client&) = delete;
  redis_sync_client& operator=(const redis_sync_client&) = delete;

  bool connected() const { return ctx_ != nullptr; }
  // One command; a connection error comes back as kind::error.
  redis_value command(const std::vector<std::string>& args);
  // HGET as an optional string.
  std::optional<std::string> hget(const std::string& key, const std::string& field);

 private:
  void* ctx_ = nullptr;  // redisContext*
};

}  // namespace tickerd::e2e
