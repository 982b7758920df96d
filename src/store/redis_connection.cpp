#include "tickerd/store/redis_connection.hpp"

#include <deque>
#include <vector>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tickerd/feeds/backoff.hpp"
#include "tickerd/net.hpp"

namespace tickerd {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr auto watchdog_interval = std::chrono::milliseconds(250);
// Backoff resets once a connection has stayed up this long.
constexpr auto healthy_after = std::chrono::seconds(5);

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = [] {
    auto l = spdlog::get("store");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

// hiredis' event hooks on an Asio descriptor. hiredis owns the fd: release() hands it back
// before Asio would close it. Handlers hold a shared_ptr, so a wait that completes after the
// context is gone finds `ac == nullptr` and does nothing.
struct asio_watch : std::enable_shared_from_this<asio_watch> {
  asio_watch(net::io_context& ioc, redisAsyncContext* context)
      : descriptor(ioc, context->c.fd), ac(context) {}

  void add_read() {
    want_read = true;
    if (!read_waiting) wait_read();
  }
  void add_write() {
    want_write = true;
    if (!write_waiting) wait_write();
  }

  void wait_read() {
    read_waiting = true;
    descriptor.async_wait(net::posix::descriptor_base::wait_read,
                          [self = shared_from_this()](boost::system::error_code ec) {
                            self->read_waiting = false;
                            if (ec || self->ac == nullptr || !self->want_read) return;
                            redisAsyncHandleRead(self->ac);  // may free the context
                            if (self->ac != nullptr && self->want_read && !self->read_waiting) {
                              self->wait_read();
                            }
                          });
  }
  void wait_write() {
    write_waiting = true;
    descriptor.async_wait(net::posix::descriptor_base::wait_write,
                          [self = shared_from_this()](boost::system::error_code ec) {
                            self->write_waiting = false;
                            if (ec || self->ac == nullptr || !self->want_write) return;
                            redisAsyncHandleWrite(self->ac);  // may free the context
                            if (self->ac != nullptr && self->want_write && !self->write_waiting) {
                              self->wait_write();
                            }
                          });
  }

  void cleanup() {
    ac = nullptr;
    want_read = want_write = false;
    // Cancels the waits and gives the fd back without closing it: hiredis closes it.
    descriptor.release();
  }

  static void on_add_read(void* p) { static_cast<asio_watch*>(p)->add_read(); }
  static void on_del_read(void* p) { static_cast<asio_watch*>(p)->want_read = false; }
  static void on_add_write(void* p) { static_cast<asio_watch*>(p)->add_write(); }
  static void on_del_write(void* p) { static_cast<asio_watch*>(p)->want_write = false; }
  static void on_cleanup(void* p) {
    auto* w = static_cast<asio_watch*>(p);
    auto keep = std::move(w->self);  // the context no longer refers to the watch
    w->cleanup();
  }

  net::posix::stream_descriptor descriptor;
  redisAsyncContext* ac;
  std::shared_ptr<asio_watch> self;  // the context's reference, dropped by cleanup
  bool want_read = false;
  bool want_write = false;
  bool read_waiting = false;
  bool write_waiting = false;
};

void attach(net::io_context& ioc, redisAsyncContext* ac) {
  auto w = std::make_shared<asio_watch>(ioc, ac);
  w->self = w;
  ac->ev.data = w.get();
  ac->ev.addRead = &asio_watch::on_add_read;
  ac->ev.delRead = &asio_watch::on_del_read;
  ac->ev.addWrite = &asio_watch::on_add_write;
  ac->ev.delWrite = &asio_watch::on_del_write;
  ac->ev.cleanup = &asio_watch::on_cleanup;
}

}  // namespace

struct redis_connection::impl : std::enable_shared_from_this<impl> {
  impl(net::io_context& io, redis_endpoint e, std::string n)
      : ioc(io),
        endpoint(std::move(e)),
        name(std::move(n)),
        retry_timer(io),
        connect_timer(io),
        watchdog(io),
        delays(endpoint.backoff_initial, endpoint.backoff_max,
               std::chrono::duration_cast<std::chrono::milliseconds>(healthy_after),
               static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count())) {}

  struct pending_command {
    impl* owner;
    reply_handler done;
  };

  void connect() {
    if (stopped) return;
    ac = redisAsyncConnect(endpoint.host.c_str(), endpoint.port);
    if (ac == nullptr) return schedule_retry("out of memory");
    if (ac->err != 0) {
      const std::string why = ac->errstr;
      redisAsyncFree(ac);
      ac = nullptr;
      return schedule_retry(why);
    }
    ac->data = this;
    attach(ioc, ac);
    redisAsyncSetConnectCallback(ac, &impl::on_connect_cb);
    redisAsyncSetDisconnectCallback(ac, &impl::on_disconnect_cb);
    connect_timer.expires_after(endpoint.connect_timeout);
    connect_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->ac == nullptr || self->up) return;
      self->drop("connect timeout");
    });
  }

  void schedule_retry(std::string_view why) {
    if (stopped) return;
    const auto delay = delays.next();
    if (delays.attempts() <= 1 || delays.attempts() % 10 == 0) {
      log()->warn("redis {} {}:{}: {}; retrying in {} ms", name, endpoint.host, endpoint.port, why,
                  delay.count());
    }
    retry_timer.expires_after(delay);
    retry_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->connect();
    });
  }

  static void on_connect_cb(const redisAsyncContext* c, int status) {
    auto* self = static_cast<impl*>(c->data);
    self->connect_timer.cancel();
    if (status != REDIS_OK) {
      // hiredis frees the context after this callback returns.
      const std::string why = c->errstr;
      self->ac = nullptr;
      self->schedule_retry(why);
      return;
    }
    self->up = true;
    self->up_since = clock_type::now();
    if (self->ever_up) ++self->reconnect_count;
    self->ever_up = true;
    log()->info("redis {} connected to {}:{}", self->name, self->endpoint.host,
                self->endpoint.port);
    self->arm_watchdog();
    if (!self->pattern.empty()) self->send_psubscribe();
    if (self->on_up) self->on_up();
  }

  static void on_disconnect_cb(const redisAsyncContext* c, int status) {
    auto* self = static_cast<impl*>(c->data);
    const std::string why = status == REDIS_OK ? "closed" : (c->errstr ? c->errstr : "error");
    self->ac = nullptr;
    self->closing = false;
    self->lost(why);
  }

  void lost(std::string_view why) {
    const bool was_up = up;
    up = false;
    inflight.clear();
    watchdog.cancel();
    if (was_up) {
      delays.connection_ended(
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - up_since));
      if (!stopped) log()->warn("redis {}: connection lost: {}", name, why);
      if (on_down) on_down();
    }
    if (!stopped) schedule_retry(why);
  }

  // Ends the current context: hiredis fails every pending callback, then the disconnect
  // callback runs (later, when called from inside a hiredis callback).
  void drop(std::string_view why) {
    if (ac == nullptr || closing) return;
    auto* c = ac;
    if (!up) {
      ac = nullptr;  // still connecting: hiredis sends no disconnect callback
      redisAsyncFree(c);
      connect_timer.cancel();
      return schedule_retry(why);
    }
    closing = true;
    redisAsyncFree(c);
  }

  void arm_watchdog() {
    watchdog.expires_after(watchdog_interval);
    watchdog.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->up || self->closing) return;
      if (!self->inflight.empty() &&
          clock_type::now() - self->inflight.front() > self->endpoint.command_timeout) {
        log()->warn("redis {}: no reply for {} ms, dropping the connection", self->name,
                    self->endpoint.command_timeout.count());
        self->drop("timeout");
        return;
      }
      self->arm_watchdog();
    });
  }

  static void on_reply_cb(redisAsyncContext*, void* r, void* privdata) {
    std::unique_ptr<pending_command> cmd(static_cast<pending_command*>(privdata));
    auto* reply = static_cast<redisReply*>(r);
    auto* self = cmd->owner;
    if (!self->inflight.empty()) self->inflight.pop_front();
    redis_result result;
    if (reply == nullptr) {
      result.error = "disconnected";
    } else if (reply->type == REDIS_REPLY_ERROR) {
      result.reply = reply;
      result.error = std::string_view(reply->str, reply->len);
      if (result.error.empty()) result.error = "error";
    } else {
      result.reply = reply;
    }
    cmd->done(result);
  }

  void command(std::span<const std::string_view> args, reply_handler done) {
    if (!up || closing || ac == nullptr) {
      net::post(ioc, [done = std::move(done)] {
        redis_result r;
        r.error = "disconnected";
        done(r);
      });
      return;
    }
    argv.clear();
    lens.clear();
    for (const auto a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto cmd = std::make_unique<pending_command>(pending_command{this, std::move(done)});
    if (redisAsyncCommandArgv(ac, &impl::on_reply_cb, cmd.get(), static_cast<int>(argv.size()),
                              argv.data(), lens.data()) != REDIS_OK) {
      net::post(ioc, [d = std::move(cmd->done)] {
        redis_result r;
        r.error = "disconnected";
        d(r);
      });
      return;
    }
    inflight.push_back(clock_type::now());
    // Owned by hiredis until on_reply_cb, which deletes it.
    cmd.release();  // NOLINT(bugprone-unused-return-value)
  }

  static void on_message_cb(redisAsyncContext*, void* r, void* privdata) {
    auto* self = static_cast<impl*>(privdata);
    auto* reply = static_cast<redisReply*>(r);
    // ["pmessage", pattern, channel, payload]; the subscribe confirmation is ["psubscribe", …].
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4) return;
    const auto* kind = reply->element[0];
    if (kind->type != REDIS_REPLY_STRING || std::string_view(kind->str, kind->len) != "pmessage") {
      return;
    }
    const auto* channel = reply->element[2];
    const auto* payload = reply->element[3];
    if (self->on_message) {
      self->on_message(std::string_view(channel->str, channel->len),
                       std::string_view(payload->str, payload->len));
    }
  }

  void send_psubscribe() {
    const char* args[] = {"PSUBSCRIBE", pattern.c_str()};
    const std::size_t sizes[] = {10, pattern.size()};
    redisAsyncCommandArgv(ac, &impl::on_message_cb, this, 2, args, sizes);
  }

  net::io_context& ioc;
  redis_endpoint endpoint;
  std::string name;
  net::steady_timer retry_timer;
  net::steady_timer connect_timer;
  net::steady_timer watchdog;
  backoff delays;
  redisAsyncContext* ac = nullptr;
  std::deque<clock_type::time_point> inflight;  // send times, oldest first (replies are in order)
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  std::function<void()> on_up;
  std::function<void()> on_down;
  std::string pattern;
  message_handler on_message;
  clock_type::time_point up_since;
  std::uint64_t reconnect_count = 0;
  bool up = false;
  bool closing = false;  // redisAsyncFree called, disconnect callback pending
  bool ever_up = false;
  bool stopped = false;
};

redis_connection::redis_connection(net::io_context& ioc, redis_endpoint endpoint, std::string name)
    : impl_(std::make_shared<impl>(ioc, std::move(endpoint), std::move(name))) {}

// Only a failing timer cancel or a reply callback run by redisAsyncFree can throw here;
// terminating is the right outcome.
redis_connection::~redis_connection() {  // NOLINT(bugprone-exception-escape)
  stop();
}

void redis_connection::start(std::function<void()> on_up, std::function<void()> on_down) {
  impl_->on_up = std::move(on_up);
  impl_->on_down = std::move(on_down);
  impl_->stopped = false;
  impl_->connect();
}

void redis_connection::stop() {
  auto& d = *impl_;
  d.stopped = true;
  d.retry_timer.cancel();
  d.connect_timer.cancel();
  d.watchdog.cancel();
  if (d.ac != nullptr) d.drop("stopped");
}

bool redis_connection::connected() const noexcept {
  return impl_->up;
}

std::uint64_t redis_connection::reconnects() const noexcept {
  return impl_->reconnect_count;
}

void redis_connection::command(std::span<const std::string_view> args, reply_handler done) {
  impl_->command(args, std::move(done));
}

void redis_connection::psubscribe(std::string pattern, message_handler on_message) {
  impl_->pattern = std::move(pattern);
  impl_->on_message = std::move(on_message);
  if (impl_->up && !impl_->closing) impl_->send_psubscribe();
}

}  // namespace tickerd
