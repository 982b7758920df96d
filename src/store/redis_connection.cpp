#include "tickerd/store/redis_connection.hpp"

#include <array>
#include <deque>
#include <string>

#include <hiredis/hiredis.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "store/resp_encode.hpp"
#include "tickerd/feeds/backoff.hpp"
#include "tickerd/net.hpp"
#include "tickerd/store/redis_tls.hpp"

namespace tickerd {
namespace {

using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
constexpr auto watchdog_interval = std::chrono::milliseconds(250);
// Backoff resets once a connection has stayed up this long.
constexpr auto healthy_after = std::chrono::seconds(5);
constexpr std::size_t read_chunk_bytes = 16 * 1024;
constexpr std::string_view disconnected = "disconnected";

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = [] {
    auto l = spdlog::get("store");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

std::string_view text_of(const redisReply& r) {
  return {r.str, r.len};
}

// A pub/sub message or (un)subscribe confirmation, as opposed to a command's reply. Only
// meaningful on a subscribed connection, where ordinary commands are limited to PING.
bool is_push(const redisReply& r) {
  if (r.type != REDIS_REPLY_ARRAY || r.elements < 3) return false;
  const auto* kind = r.element[0];
  if (kind->type != REDIS_REPLY_STRING) return false;
  const auto k = text_of(*kind);
  return k == "pmessage" || k == "message" || k == "psubscribe" || k == "subscribe" ||
         k == "punsubscribe" || k == "unsubscribe";
}

// The handshake's error, with the certificate check's own reason when that is what failed.
std::string tls_failure(const boost::system::error_code& ec, SSL* ssl) {
  std::string why = ec.message();
  const long verify = ::SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    why += " (";
    why += ::X509_verify_cert_error_string(verify);
    why += ")";
  }
  return why;
}

}  // namespace

// One connection attempt and, once up, the connection: the socket (or the TLS stream over
// it), the reply decoder and the write buffers. Completion handlers hold it, so it outlives
// every operation on it; the connection clears `owner` when it abandons the link, and late
// completions then do nothing.
struct redis_link {
  explicit redis_link(net::io_context& ioc)
      : resolver(ioc), socket(ioc), reader(::redisReaderCreate()) {}
  ~redis_link() {
    if (reader != nullptr) ::redisReaderFree(reader);
  }
  redis_link(const redis_link&) = delete;
  redis_link& operator=(const redis_link&) = delete;

  tcp::socket& lowest() { return tls ? tls->next_layer() : socket; }
  template <class F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(socket);
    }
  }

  redis_connection::impl* owner = nullptr;
  tcp::resolver resolver;
  tcp::socket socket;  // plain TCP; unused with TLS (the stream owns its socket)
  std::unique_ptr<net::ssl::context> tls_context;
  std::unique_ptr<net::ssl::stream<tcp::socket>> tls;
  redisReader* reader;
  std::array<char, read_chunk_bytes> in{};
  std::string out;      // encoded commands waiting for the next write
  std::string writing;  // the write in flight (swapped with `out`, capacity kept)
  bool write_active = false;
  bool write_posted = false;
};

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

  using link_ptr = std::shared_ptr<redis_link>;

  struct pending_command {
    reply_handler done;
    clock_type::time_point sent;
  };

  std::string where() const {
    return endpoint.host.find(':') == std::string::npos
               ? endpoint.host + ":" + std::to_string(endpoint.port)
               : "[" + endpoint.host + "]:" + std::to_string(endpoint.port);
  }

  // ---- connecting: resolve, TCP, TLS, then AUTH / SELECT / PING --------------------------

  void connect() {
    if (stopped) return;
    auto l = std::make_shared<redis_link>(ioc);
    l->owner = this;
    link = l;
    if (l->reader == nullptr) return fail(l, "out of memory");
    if (endpoint.tls.enabled && !prepare_tls(*l)) return;
    connect_timer.expires_after(endpoint.connect_timeout);
    connect_timer.async_wait([weak = weak_from_this(), l](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || l->owner != self.get() || self->up) return;
      self->fail(
          l, "connect timeout (" + std::to_string(self->endpoint.connect_timeout.count()) + " ms)");
    });
    // A name is resolved on every attempt, so a DNS change is followed on the next reconnect.
    l->resolver.async_resolve(
        endpoint.host, std::to_string(endpoint.port), tcp::resolver::numeric_service,
        [l](boost::system::error_code ec, const tcp::resolver::results_type& results) {
          if (l->owner == nullptr) return;
          if (ec)
            return l->owner->fail(l, "resolving " + l->owner->endpoint.host + ": " + ec.message());
          net::async_connect(l->lowest(), results,
                             [l](boost::system::error_code cec, const tcp::endpoint&) {
                               if (l->owner == nullptr) return;
                               l->owner->on_tcp_connected(l, cec);
                             });
        });
  }

  // Builds the TLS context from the files (read anew on each connect, so renewed certificates
  // are picked up) and the stream with SNI and host name verification.
  bool prepare_tls(redis_link& l) {
    const auto& tls = endpoint.tls;
    l.tls_context = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    if (auto e = configure_redis_tls(l.tls_context->native_handle(), tls)) {
      fail(link, "TLS " + e->key + ": " + e->reason);
      return false;
    }
    l.tls = std::make_unique<net::ssl::stream<tcp::socket>>(ioc, *l.tls_context);
    SSL* ssl = l.tls->native_handle();
    const std::string& server = tls.server_name.empty() ? endpoint.host : tls.server_name;
    const bool ip = is_ip_literal(server);
    bool ok = true;
    // SNI carries names only (RFC 6066 §3); an IP is checked against the certificate's IPs.
    if (!ip) ok = ::SSL_set_tlsext_host_name(ssl, server.c_str()) == 1;
    if (tls.verify) {
      ::SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
      if (ip) {
        ok = ok && ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl), server.c_str()) == 1;
      } else {
        ok = ok && ::SSL_set1_host(ssl, server.c_str()) == 1;
      }
    } else {
      ::SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
      if (!warned_no_verify)
        log()->warn("redis {} {}: TLS certificate verification is off", name, where());
      warned_no_verify = true;
    }
    if (!ok) fail(link, "TLS: cannot set the server name '" + server + "'");
    return ok;
  }

  void on_tcp_connected(const link_ptr& l, boost::system::error_code ec) {
    if (ec) return fail(l, "connect: " + ec.message());
    boost::system::error_code ignored;
    l->lowest().set_option(tcp::no_delay(true), ignored);
    l->lowest().set_option(net::socket_base::keep_alive(true), ignored);
    if (!l->tls) return on_transport_ready(l);
    l->tls->async_handshake(net::ssl::stream_base::client, [l](boost::system::error_code hec) {
      if (l->owner == nullptr) return;
      if (hec)
        return l->owner->fail(l, "TLS handshake: " + tls_failure(hec, l->tls->native_handle()));
      l->owner->on_transport_ready(l);
    });
  }

  // AUTH, SELECT and PING go out in one write; the connection is up when PING is answered.
  void on_transport_ready(const link_ptr& l) {
    read(l);
    if (!endpoint.password.empty()) {
      if (endpoint.username.empty()) {
        const std::string_view auth[] = {"AUTH", endpoint.password};
        handshake_step(auth, "AUTH");
      } else {
        const std::string_view auth[] = {"AUTH", endpoint.username, endpoint.password};
        handshake_step(auth, "AUTH");
      }
    }
    if (endpoint.db != 0) {
      const std::string db = std::to_string(endpoint.db);
      const std::string_view select[] = {"SELECT", db};
      handshake_step(select, "SELECT");
    }
    const std::string_view ping[] = {"PING"};
    enqueue(ping, [this, l](const redis_result& r) {
      if (l->owner != this) return;
      if (!r) return fail(l, "PING refused: " + std::string(r.error));
      became_up(l);
    });
  }

  void handshake_step(std::span<const std::string_view> args, std::string_view what) {
    enqueue(args, [this, l = link, what](const redis_result& r) {
      if (l->owner != this || r) return;
      fail(l, std::string(what) + " refused: " + std::string(r.error));
    });
  }

  void became_up(const link_ptr& l) {
    connect_timer.cancel();
    up = true;
    up_since = last_activity = clock_type::now();
    if (ever_up) ++reconnect_count;
    ever_up = true;
    boost::system::error_code ec;
    const auto remote = l->lowest().remote_endpoint(ec);
    log()->info("redis {} connected to {} ({}{}{})", name, where(),
                ec ? std::string("?") : remote.address().to_string(), l->tls ? ", TLS" : "",
                endpoint.db != 0 ? ", db " + std::to_string(endpoint.db) : std::string());
    arm_watchdog();
    if (!pattern.empty()) send_psubscribe();
    if (on_up) on_up();
  }

  void schedule_retry(std::string_view why) {
    if (stopped) return;
    const auto delay = delays.next();
    if (delays.attempts() <= 1 || delays.attempts() % 10 == 0) {
      log()->warn("redis {} {}: {}; retrying in {} ms", name, where(), why, delay.count());
    }
    retry_timer.expires_after(delay);
    retry_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (auto self = weak.lock(); self && !ec) self->connect();
    });
  }

  // ---- failure: every pending callback fails, then on_down, then a retry --------------------

  void fail(link_ptr l, std::string why) {
    if (!l || l != link) return;
    const auto keep = shared_from_this();  // a callback below may drop the last owner
    abandon();
    connect_timer.cancel();
    watchdog.cancel();
    last_error = why;
    const bool was_up = up;
    up = false;
    subscribed = false;
    fail_pending();
    if (was_up) {
      delays.connection_ended(
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - up_since));
      if (!stopped) log()->warn("redis {}: connection lost: {}", name, why);
      if (on_down) on_down();
    }
    if (!stopped) schedule_retry(why);
  }

  void abandon() {
    const auto l = std::move(link);
    link.reset();
    l->owner = nullptr;
    boost::system::error_code ignored;
    l->resolver.cancel();
    l->lowest().close(ignored);  // pending reads, writes and handshakes complete as aborted
  }

  void fail_pending() {
    auto failed = std::move(pending);
    pending.clear();
    redis_result r;
    r.error = disconnected;
    for (auto& p : failed) p.done(r);
  }

  // ---- reading: hiredis' reader decodes; replies go to callbacks in order --------------------

  void read(const link_ptr& l) {
    l->with_stream([&](auto& stream) {
      stream.async_read_some(net::buffer(l->in), [l](boost::system::error_code ec, std::size_t n) {
        if (l->owner == nullptr) return;
        l->owner->on_read(l, ec, n);
      });
    });
  }

  void on_read(const link_ptr& l, boost::system::error_code ec, std::size_t n) {
    if (ec) {
      if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
        return fail(l, "closed by the server");
      }
      return fail(l, l->tls ? tls_failure(ec, l->tls->native_handle()) : ec.message());
    }
    const auto keep = shared_from_this();
    last_activity = clock_type::now();
    if (::redisReaderFeed(l->reader, l->in.data(), n) != REDIS_OK) return fail(l, "out of memory");
    for (;;) {
      void* r = nullptr;
      if (::redisReaderGetReply(l->reader, &r) != REDIS_OK) {
        return fail(l, std::string("protocol error: ") + l->reader->errstr);
      }
      if (r == nullptr) break;
      const std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(r),
                                                               &::freeReplyObject);
      dispatch(*reply);
      if (l->owner != this) return;  // a callback stopped or dropped the connection
    }
    read(l);
  }

  void dispatch(const redisReply& reply) {
    if (subscribed && is_push(reply)) return on_push(reply);
    if (pending.empty()) {
      log()->warn("redis {}: a reply nobody asked for, ignored", name);
      return;
    }
    auto cmd = std::move(pending.front());
    pending.pop_front();
    redis_result result;
    result.reply = &reply;
    if (reply.type == REDIS_REPLY_ERROR) {
      result.error = text_of(reply);
      if (result.error.empty()) result.error = "error";
    }
    cmd.done(result);
  }

  // ["pmessage", pattern, channel, payload] or ["message", channel, payload]; confirmations
  // (["psubscribe", pattern, count]) need nothing.
  void on_push(const redisReply& r) {
    if (!on_message) return;
    const auto kind = text_of(*r.element[0]);
    const std::size_t first = kind == "pmessage" ? 2 : kind == "message" ? 1 : 0;
    if (first == 0 || r.elements != first + 2) return;
    const auto* channel = r.element[first];
    const auto* payload = r.element[first + 1];
    if (channel->type != REDIS_REPLY_STRING || payload->type != REDIS_REPLY_STRING) return;
    on_message(text_of(*channel), text_of(*payload));
  }

  // ---- writing: commands gather in `out`; one write at a time carries all of them ------------

  void enqueue(std::span<const std::string_view> args, reply_handler done) {
    append_resp_command(link->out, args);
    pending.push_back({std::move(done), clock_type::now()});
    schedule_write();
  }

  // The write goes out after the current handler, so commands issued together share it.
  void schedule_write() {
    const auto& l = link;
    if (l->write_active || l->write_posted) return;
    l->write_posted = true;
    net::post(ioc, [l] {
      l->write_posted = false;
      if (l->owner != nullptr) l->owner->write(l);
    });
  }

  void write(const link_ptr& l) {
    if (l->write_active || l->out.empty()) return;
    l->writing.swap(l->out);
    l->write_active = true;
    l->with_stream([&](auto& stream) {
      net::async_write(stream, net::buffer(l->writing),
                       [l](boost::system::error_code ec, std::size_t) {
                         l->write_active = false;
                         if (l->owner == nullptr) return;
                         if (ec) return l->owner->fail(l, "write: " + ec.message());
                         l->writing.clear();
                         l->owner->write(l);
                       });
    });
  }

  void send_psubscribe() {
    const std::string_view args[] = {"PSUBSCRIBE", pattern};
    append_resp_command(link->out, args);
    subscribed = true;
    schedule_write();
  }

  // ---- the watchdog: a reply overdue drops the connection; an idle one is PINGed -------------

  void arm_watchdog() {
    watchdog.expires_after(watchdog_interval);
    watchdog.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->up) return;
      self->check_health();
    });
  }

  void check_health() {
    const auto now = clock_type::now();
    const auto timeout = endpoint.command_timeout;
    if (!pending.empty() && now - pending.front().sent > timeout) {
      log()->warn("redis {}: no reply for {} ms, dropping the connection", name, timeout.count());
      return fail(link, "no reply for " + std::to_string(timeout.count()) + " ms");
    }
    // A silent connection (the bus, an idle edge) is PINGed so a dead peer is noticed too.
    if (pending.empty() && now - last_activity > timeout) {
      last_activity = now;
      const std::string_view ping[] = {"PING"};
      enqueue(ping, [](const redis_result&) {});
    }
    arm_watchdog();
  }

  net::io_context& ioc;
  redis_endpoint endpoint;
  std::string name;
  net::steady_timer retry_timer;
  net::steady_timer connect_timer;
  net::steady_timer watchdog;
  backoff delays;
  link_ptr link;                        // the current attempt or connection
  std::deque<pending_command> pending;  // oldest first: Redis replies in order
  std::function<void()> on_up;
  std::function<void()> on_down;
  std::string pattern;
  message_handler on_message;
  std::string last_error;
  clock_type::time_point up_since;
  clock_type::time_point last_activity;
  std::uint64_t reconnect_count = 0;
  bool up = false;
  bool subscribed = false;  // PSUBSCRIBE sent on this connection
  bool ever_up = false;
  bool stopped = false;
  bool warned_no_verify = false;
};

redis_connection::redis_connection(net::io_context& ioc, redis_endpoint endpoint, std::string name)
    : impl_(std::make_shared<impl>(ioc, std::move(endpoint), std::move(name))) {}

// Only a failing timer cancel or a pending callback run by stop() can throw here;
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
  if (d.link) d.fail(d.link, "stopped");
}

bool redis_connection::connected() const noexcept {
  return impl_->up;
}

std::uint64_t redis_connection::reconnects() const noexcept {
  return impl_->reconnect_count;
}

const std::string& redis_connection::last_error() const noexcept {
  return impl_->last_error;
}

void redis_connection::command(std::span<const std::string_view> args, reply_handler done) {
  auto& d = *impl_;
  if (!d.up || !d.link) {
    net::post(d.ioc, [done = std::move(done)] {
      redis_result r;
      r.error = disconnected;
      done(r);
    });
    return;
  }
  d.enqueue(args, std::move(done));
}

void redis_connection::psubscribe(std::string pattern, message_handler on_message) {
  impl_->pattern = std::move(pattern);
  impl_->on_message = std::move(on_message);
  if (impl_->up && impl_->link) impl_->send_psubscribe();
}

}  // namespace tickerd
