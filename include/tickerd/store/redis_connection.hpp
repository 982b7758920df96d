// One Redis connection on tickerd's Asio loop: tickerd owns the socket (plain TCP or TLS) and
// uses hiredis only as the RESP codec (its reader decodes replies; commands are encoded by
// resp_encode). Each connect resolves the host name anew (asynchronously), then runs TLS, AUTH,
// SELECT and a PING before the connection counts as up. Every pending callback is failed when
// the connection drops, and it comes back by itself with capped, jittered backoff. Commands
// sent while it is down fail at once: callers buffer what they must not lose. Not thread-safe:
// use it on its io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct redisReply;

namespace boost::asio {
class io_context;
}

namespace tickerd {

struct redis_tls_options {
  bool enabled = false;
  std::string ca_file;      // PEM CA bundle; "" = the system's trust store
  std::string cert_file;    // client certificate chain (mutual TLS), with key_file
  std::string key_file;     // its private key (PEM, unencrypted)
  std::string server_name;  // SNI and the name verified; "" = the endpoint's host
  bool verify = true;       // certificate chain and host name (or IP) verification
};

struct redis_endpoint {
  std::string host = "127.0.0.1";  // an IP literal or a name (resolved again on every connect)
  std::uint16_t port = 6379;
  std::string username;  // ACL user (Redis 6+): AUTH username password; "" = AUTH password
  std::string password;  // "" = no AUTH
  std::uint32_t db = 0;  // SELECTed after every connect when not 0
  redis_tls_options tls;
  // Resolve, TCP connect, TLS handshake, AUTH, SELECT and PING together.
  std::chrono::milliseconds connect_timeout{2'000};
  // A command unanswered this long means Redis hangs: the connection is dropped (and every
  // pending callback failed) so the caller's buffers take over instead of piling up.
  std::chrono::milliseconds command_timeout{3'000};
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5'000};
};

// A reply, or why there is none ("disconnected", "timeout", or Redis' own error text).
struct redis_result {
  const redisReply* reply = nullptr;  // valid only during the callback
  std::string_view error;             // empty when `reply` is a non-error reply
  explicit operator bool() const noexcept { return error.empty(); }
};

class redis_connection {
 public:
  using reply_handler = std::function<void(const redis_result&)>;
  // Published message on a subscribed pattern: (channel, payload).
  using message_handler = std::function<void(std::string_view, std::string_view)>;

  redis_connection(boost::asio::io_context& ioc, redis_endpoint endpoint, std::string name);
  ~redis_connection();  // NOLINT(bugprone-exception-escape): see the definition
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  // Connects, and reconnects after every loss until stop(). `on_up` runs after each
  // successful connect (re-issue PSUBSCRIBE, reload state); `on_down` after each loss.
  void start(std::function<void()> on_up, std::function<void()> on_down);
  void stop();  // disconnects; pending callbacks fail with "disconnected"

  bool connected() const noexcept;
  std::uint64_t reconnects() const noexcept;  // successful connects after the first
  // Why the last connect attempt or connection failed ("" before any failure), e.g.
  // "AUTH refused: WRONGPASS ..." or "TLS handshake: certificate verify failed (...)".
  const std::string& last_error() const noexcept;

  // Sends one command (binary-safe arguments). The handler runs exactly once.
  void command(std::span<const std::string_view> args, reply_handler done);
  // Switches this connection to pub/sub for `pattern` (again after every reconnect).
  void psubscribe(std::string pattern, message_handler on_message);

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace tickerd
