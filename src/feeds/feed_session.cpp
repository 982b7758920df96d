// feed_session: one upstream WebSocket feed, written as a few C++20 coroutines on the ingest
// io_context (single-threaded, so no locks):
//
//   run()            connect -> promote -> wait until the feed has no connection -> back off -> ...
//   read_loop(c)     one per connection: every frame goes to on_frame()
//   keepalive(c)     one per connection, when the venue wants application-level pings
//   drain(c)         while a connection has frames queued to send (keepalives, adapter replies)
//   watch()          periodic: staleness, dropping a silent connection, starting a rollover
//   roll_over()      opens the replacement connection; on_frame() switches at its first data frame
//   fetch_book_snapshot(r)  one REST depth snapshot a book asked for (book_feed keeps the books)
//
// Lifetime: every coroutine holds a shared_ptr to the impl, so the impl outlives the
// feed_session object while operations unwind after stop(). After stop() no handler runs and
// the caller-owned feed_stats is not touched again. start() and stop() (and so the destructor)
// belong on the io_context's thread, or to a time when that io_context is not running; the
// feed_session must be destroyed before its io_context.
#include "tickerd/feeds/feed_session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <mutex>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "feeds/http_get.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/url.hpp"
#include "tickerd/feeds/backoff.hpp"
#include "tickerd/feeds/book_feed.hpp"
#include "tickerd/net.hpp"

namespace tickerd {

namespace {

namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// A connection open but silent for stale_after * this is dropped: a stalled upstream must not
// keep the feed stale forever. Also Beast's idle timeout (it pings at half of it).
constexpr int silent_drop_factor = 3;
// How long a polite close may take before the socket is simply closed.
constexpr milliseconds close_timeout{1'000};
// At most one parse-error log line per feed per this interval.
constexpr std::int64_t parse_error_log_interval_ms = 5'000;
// Frames are echoed into logs only this far, with unprintable bytes replaced.
constexpr std::size_t log_excerpt_bytes = 96;
// A read buffer that grew past this for one large frame is released afterwards.
constexpr std::size_t read_buffer_keep_bytes = 64 * 1024;
// Bounds on the watchdog period (a quarter of the shortest interval it must notice).
constexpr milliseconds watch_period_min{5};
constexpr milliseconds watch_period_max{1'000};

constexpr std::string_view user_agent = "tickerd/" TICKERD_VERSION;

std::unique_ptr<upstream_adapter> checked(std::unique_ptr<upstream_adapter> adapter) {
  if (!adapter) throw std::invalid_argument("feed_session needs an adapter");
  return adapter;
}

std::string display_name(const feed_config& config) {
  return config.name.empty() ? std::string(to_string(config.venue)) : config.name;
}

std::shared_ptr<spdlog::logger> feeds_logger() {
  static std::mutex registration;
  const std::lock_guard lock(registration);
  if (auto existing = spdlog::get("feeds")) return existing;
  // Same sinks as the default logger; initialize_logger applies the global level and pattern
  // and registers it, so the app can configure it by name.
  std::vector<spdlog::sink_ptr> sinks;
  if (const auto fallback = spdlog::default_logger()) sinks = fallback->sinks();
  auto logger = std::make_shared<spdlog::logger>("feeds", sinks.begin(), sinks.end());
  spdlog::initialize_logger(logger);
  return logger;
}

// Upstream bytes in a log line: truncated, with control and non-ASCII bytes as '?'.
std::string printable_excerpt(std::string_view text) {
  std::string out(text.substr(0, log_excerpt_bytes));
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) c = '?';
  }
  if (text.size() > log_excerpt_bytes) out += "...";
  return out;
}

template <class Counter>
void bump(Counter& counter, std::uint64_t n = 1) noexcept {
  counter.fetch_add(n, std::memory_order_relaxed);
}

struct link_options {
  milliseconds handshake_timeout;
  milliseconds idle_timeout;
  std::size_t max_frame_bytes;
  bool verify_tls;
};

// One WebSocket connection, plain or TLS, behind a small interface so the session logic is
// written once. One read and one write (or close) may be pending at a time, as in Beast.
class ws_link {
 public:
  virtual ~ws_link() = default;
  // Resolve, TCP connect, TLS handshake (wss), WebSocket handshake.
  virtual net::awaitable<beast::error_code> open(const ws_url& url, const std::string& target,
                                                 const link_options& options) = 0;
  virtual net::awaitable<beast::error_code> read(beast::flat_buffer& buffer) = 0;
  // `text` must stay valid until the write completes.
  virtual net::awaitable<beast::error_code> write(std::string_view text) = 0;
  virtual net::awaitable<beast::error_code> close(websocket::close_code code) = 0;
  // Cancels everything pending and closes the socket, without a close frame.
  virtual void abort() noexcept = 0;
  // The close frame the server sent, if any.
  virtual websocket::close_reason reason() const = 0;
};

template <class NextLayer>
class basic_ws_link final : public ws_link {
 public:
  static constexpr bool is_tls = !std::is_same_v<NextLayer, beast::tcp_stream>;

  template <class... Args>
  explicit basic_ws_link(net::io_context& ioc, Args&... args) : resolver_(ioc), ws_(ioc, args...) {}

  net::awaitable<beast::error_code> open(const ws_url& url, const std::string& target,
                                         const link_options& options) override {
    auto [resolve_ec, endpoints] = co_await resolver_.async_resolve(
        url.host, std::to_string(url.port), tcp::resolver::numeric_service, use_tuple);
    if (resolve_ec) co_return resolve_ec;

    auto [connect_ec, endpoint] =
        co_await beast::get_lowest_layer(ws_).async_connect(endpoints, use_tuple);
    if (connect_ec) co_return connect_ec;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);

    if constexpr (is_tls) {
      auto& tls = ws_.next_layer();
      // SNI carries names only (RFC 6066 §3); an IP literal is verified against the SAN IPs.
      if (!url.host_is_ip() &&
          SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str()) != 1) {
        co_return beast::error_code(static_cast<int>(::ERR_get_error()),
                                    net::error::get_ssl_category());
      }
      if (options.verify_tls) {
        tls.set_verify_mode(net::ssl::verify_peer);
        tls.set_verify_callback(net::ssl::host_name_verification(url.host));
      } else {
        tls.set_verify_mode(net::ssl::verify_none);
      }
      auto [tls_ec] = co_await tls.async_handshake(net::ssl::stream_base::client, use_tuple);
      if (tls_ec) co_return tls_ec;
    }

    // Beast's client defaults, plus an idle timeout with keep-alive pings so a dead TCP
    // connection is noticed even when the venue sends nothing.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = options.handshake_timeout;
    timeouts.idle_timeout = options.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, user_agent); }));
    ws_.read_message_max(options.max_frame_bytes);

    auto [ws_ec] = co_await ws_.async_handshake(url.host_header(), target, use_tuple);
    co_return ws_ec;
  }

  net::awaitable<beast::error_code> read(beast::flat_buffer& buffer) override {
    auto [ec, bytes] = co_await ws_.async_read(buffer, use_tuple);
    co_return ec;
  }

  net::awaitable<beast::error_code> write(std::string_view text) override {
    ws_.text(true);
    auto [ec, bytes] = co_await ws_.async_write(net::buffer(text.data(), text.size()), use_tuple);
    co_return ec;
  }

  net::awaitable<beast::error_code> close(websocket::close_code code) override {
    auto [ec] = co_await ws_.async_close(websocket::close_reason(code), use_tuple);
    co_return ec;
  }

  void abort() noexcept override {
    resolver_.cancel();
    beast::get_lowest_layer(ws_).close();
  }

  websocket::close_reason reason() const override { return ws_.reason(); }

 private:
  tcp::resolver resolver_;
  websocket::stream<NextLayer> ws_;
};

using plain_link = basic_ws_link<beast::tcp_stream>;
using tls_link = basic_ws_link<beast::ssl_stream<beast::tcp_stream>>;

struct connection {
  connection(std::uint64_t connection_id, std::unique_ptr<ws_link> ws_link, net::io_context& ioc)
      : id(connection_id), link(std::move(ws_link)), keepalive_timer(ioc) {}

  const std::uint64_t id;  // for log lines: "connection #3"
  const std::unique_ptr<ws_link> link;
  net::steady_timer keepalive_timer;
  std::int64_t up_since_ms = 0;    // mono_ms() at handshake
  std::int64_t last_frame_ms = 0;  // mono_ms() of the last frame (or of the handshake)
  std::deque<std::string> outbox;  // keepalives and the adapter's replies, sent in order
  bool writing = false;            // a drain() is sending the outbox
  bool timed_out = false;          // the connect deadline fired
  bool open = false;               // handshake done, read loop not yet ended
  bool closing = false;            // we are closing it on purpose: its frames are dropped
};

using connection_ptr = std::shared_ptr<connection>;

milliseconds watch_period(const feed_config& config) {
  auto shortest = config.stale_after;
  if (config.max_connection_age.count() > 0) shortest = std::min(shortest, config.rollover_lead);
  return std::clamp(shortest / 4, watch_period_min, watch_period_max);
}

void validate(const feed_config& config, const url_parse_result& url) {
  const auto fail = [&config](std::string_view what) {
    throw std::invalid_argument("feed " + display_name(config) + ": " + std::string(what));
  };
  if (!url) fail("url '" + config.url + "': " + std::string(to_string(url.error)));
  if (config.stale_after.count() <= 0) fail("stale_after must be positive");
  if (config.connect_timeout.count() <= 0) fail("connect_timeout must be positive");
  if (config.backoff_initial.count() < 0 || config.backoff_max < config.backoff_initial) {
    fail("backoff_initial must be in [0, backoff_max]");
  }
  if (config.max_connection_age.count() < 0) fail("max_connection_age must not be negative");
  if (config.max_connection_age.count() > 0 &&
      (config.rollover_lead.count() <= 0 || config.rollover_lead >= config.max_connection_age)) {
    fail("rollover_lead must be positive and shorter than max_connection_age");
  }
  if (config.max_frame_bytes == 0) fail("max_frame_bytes must be positive");
}

}  // namespace

struct feed_session::impl : std::enable_shared_from_this<impl> {
  impl(net::io_context& ioc, net::ssl::context* tls, feed_config config,
       std::unique_ptr<upstream_adapter> adapter, feed_stats& stats, events_handler on_events,
       state_handler on_state, std::unique_ptr<book_feed> books);

  void start();
  void stop();

  net::awaitable<void> run();
  net::awaitable<connection_ptr> open_connection();
  net::awaitable<void> read_loop(connection_ptr c);
  net::awaitable<void> keepalive(connection_ptr c);
  net::awaitable<void> drain(connection_ptr c);
  net::awaitable<void> watch();
  net::awaitable<void> roll_over(std::uint64_t replaced_id);
  net::awaitable<void> close_politely(connection_ptr c);
  net::awaitable<void> fetch_book_snapshot(book_snapshot_request request, std::uint64_t for_id);

  void spawn(net::awaitable<void> task);
  void start_io(const connection_ptr& c);
  void promote(const connection_ptr& c);
  void switch_to_standby(std::string_view why);
  void retire(const connection_ptr& c);
  void connection_ended(const connection_ptr& c, beast::error_code ec);
  void on_frame(const connection_ptr& c, std::string_view frame);
  parse_result parse_books(std::string_view frame, std::int64_t recv_us);
  void run_book_work(const connection_ptr& c);
  void reset_books();
  void send(const connection_ptr& c, std::string text);
  void check_silence();
  void check_rollover();
  void report_parse_error(feed_errc error, std::string_view frame);
  void set_state(feed_state s);
  std::unique_ptr<ws_link> make_link();

  net::io_context& ioc_;
  net::ssl::context* tls_;  // null: the url is ws://
  const feed_config config_;
  const ws_url url_;
  std::unique_ptr<upstream_adapter> adapter_;
  const std::string target_;
  const std::string name_;  // the venue (or the configured name), for log lines
  feed_stats& stats_;
  const events_handler on_events_;
  const state_handler on_state_;
  const std::shared_ptr<spdlog::logger> log_;

  backoff backoff_;
  backoff rollover_backoff_;  // retries of a failed replacement connection
  net::steady_timer retry_timer_;
  net::steady_timer watchdog_;
  net::steady_timer wake_;  // never expires; cancel() wakes run() when the feed is lost
  bool lost_ = false;

  bool started_ = false;
  std::atomic<bool> stopped_{false};
  feed_state state_ = feed_state::connecting;

  connection_ptr active_;             // the connection whose frames are delivered
  connection_ptr standby_;            // a rollover replacement, subscribed, not yet delivering
  std::vector<connection_ptr> live_;  // every connection not yet ended, for stop()
  bool rolling_ = false;              // a replacement is being opened
  std::int64_t next_rollover_try_ms_ = 0;
  std::int64_t up_since_ms_ = 0;  // since the last reconnect, across rollovers
  std::uint64_t next_connection_id_ = 1;

  market_events events_;               // reused for every frame (keeps its capacity)
  std::vector<std::string> outgoing_;  // the adapter's replies to one frame

  std::unique_ptr<book_feed> books_;  // null unless the feed reads books
  ws_url rest_url_;                   // where books_'s REST snapshots are fetched
  market_events book_events_;         // book changes outside a frame (snapshots, resets)
  std::vector<book_snapshot_request> book_requests_;
  std::int64_t next_error_log_ms_ = 0;
  std::uint64_t suppressed_errors_ = 0;
};

feed_session::impl::impl(net::io_context& ioc, net::ssl::context* tls, feed_config config,
                         std::unique_ptr<upstream_adapter> adapter, feed_stats& stats,
                         events_handler on_events, state_handler on_state,
                         std::unique_ptr<book_feed> books)
    : ioc_(ioc),
      tls_(tls),
      config_(std::move(config)),
      url_([this] {
        auto parsed = parse_ws_url(config_.url);
        validate(config_, parsed);
        return std::move(parsed.url);
      }()),
      adapter_(checked(std::move(adapter))),
      target_(adapter_->target(url_.target)),
      name_(display_name(config_)),
      stats_(stats),
      on_events_(std::move(on_events)),
      on_state_(std::move(on_state)),
      log_(feeds_logger()),
      backoff_(config_.backoff_initial, config_.backoff_max, config_.healthy_after,
               std::random_device{}()),
      rollover_backoff_(config_.backoff_initial, config_.backoff_max, config_.healthy_after,
                        std::random_device{}()),
      retry_timer_(ioc),
      watchdog_(ioc),
      wake_(ioc, net::steady_timer::time_point::max()) {
  if (url_.tls && tls_ == nullptr) {
    throw std::invalid_argument("feed " + name_ + ": a wss:// url needs a TLS client context");
  }
  books_ = std::move(books);
  if (books_ && !config_.rest_url.empty()) {
    auto rest = parse_http_url(config_.rest_url);
    if (!rest)
      throw std::invalid_argument("feed " + name_ + ": rest_url '" + config_.rest_url +
                                  "': " + std::string(to_string(rest.error)));
    if (rest.url.tls && tls_ == nullptr) {
      throw std::invalid_argument("feed " + name_ + ": an https:// rest_url needs a TLS context");
    }
    rest_url_ = std::move(rest.url);
  }
}

void feed_session::impl::spawn(net::awaitable<void> task) {
  net::co_spawn(ioc_, std::move(task), [self = shared_from_this()](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      self->log_->error("{}: internal error: {}", self->name_, ex.what());
    }
  });
}

void feed_session::impl::start() {
  if (started_ || stopped_) return;
  started_ = true;
  state_ = feed_state::connecting;
  stats_.state.store(state_, std::memory_order_relaxed);
  log_->info("{}: starting, upstream {}", name_, config_.url);
  spawn(run());
  spawn(watch());
}

void feed_session::impl::stop() {
  if (stopped_.exchange(true)) return;
  retry_timer_.cancel();
  watchdog_.cancel();
  wake_.cancel();
  for (const auto& c : live_) {
    c->keepalive_timer.cancel();
    if (!c->open) {
      c->link->abort();  // still connecting: nothing to say goodbye to
    } else if (!c->closing) {
      c->closing = true;
      spawn(close_politely(c));
    }
  }
  live_.clear();
  active_.reset();
  standby_.reset();
  state_ = feed_state::down;
  stats_.state.store(state_, std::memory_order_relaxed);
  stats_.connected_since_wall_ms.store(0, std::memory_order_relaxed);
  if (started_) log_->info("{}: stopped", name_);
}

// The feed's life: connect, serve until no connection is left, back off, repeat. Rollovers
// happen underneath without waking this loop.
net::awaitable<void> feed_session::impl::run() {
  const auto self = shared_from_this();
  for (bool first = true; !stopped_; first = false) {
    if (!first) {
      const auto delay = backoff_.next();
      log_->debug("{}: reconnecting in {} ms", name_, delay.count());
      retry_timer_.expires_after(delay);
      co_await retry_timer_.async_wait(use_tuple);
      if (stopped_) co_return;
      bump(stats_.reconnects);
    }
    const auto c = co_await open_connection();
    if (stopped_) co_return;
    if (!c) continue;

    lost_ = false;
    promote(c);
    while (!lost_ && !stopped_) co_await wake_.async_wait(use_tuple);
    if (stopped_) co_return;
    backoff_.connection_ended(milliseconds{mono_ms() - up_since_ms_});
  }
}

// Resolve, connect, handshake and subscribe within connect_timeout. Null on failure (logged).
net::awaitable<connection_ptr> feed_session::impl::open_connection() {
  const auto self = shared_from_this();
  const auto c = std::make_shared<connection>(next_connection_id_++, make_link(), ioc_);
  live_.push_back(c);

  net::steady_timer deadline(ioc_, config_.connect_timeout);
  deadline.async_wait([c](beast::error_code ec) {
    if (ec || c->open) return;
    c->timed_out = true;
    c->link->abort();
  });

  const link_options options{config_.connect_timeout, config_.stale_after * silent_drop_factor,
                             config_.max_frame_bytes, config_.verify_tls};
  auto ec = co_await c->link->open(url_, target_, options);
  if (!ec && !c->timed_out && !stopped_) {
    adapter_->reset();  // per-connection venue state (sequence numbers) starts over
    const auto messages = adapter_->subscribe_messages();
    for (const auto& message : messages) {
      ec = co_await c->link->write(message);
      if (ec || c->timed_out || stopped_) break;
    }
  }
  deadline.cancel();
  if (stopped_) co_return nullptr;  // stop() already closed it
  if (ec || c->timed_out) {
    if (c->timed_out) ec = beast::error::timeout;
    log_->warn("{}: connection #{} to {} failed: {}", name_, c->id, config_.url, ec.message());
    c->link->abort();
    std::erase(live_, c);
    co_return nullptr;
  }
  c->open = true;
  c->up_since_ms = c->last_frame_ms = mono_ms();
  bump(stats_.connects);
  co_return c;
}

void feed_session::impl::start_io(const connection_ptr& c) {
  spawn(read_loop(c));
  if (adapter_->keepalive_interval().count() > 0 && !adapter_->keepalive_message().empty()) {
    spawn(keepalive(c));
  }
}

void feed_session::impl::promote(const connection_ptr& c) {
  active_ = c;
  up_since_ms_ = mono_ms();
  stats_.connected_since_wall_ms.store(wall_ms(), std::memory_order_relaxed);
  log_->info("{}: connected to {} (connection #{})", name_, config_.url, c->id);
  start_io(c);
  set_state(feed_state::up);
}

net::awaitable<void> feed_session::impl::read_loop(connection_ptr c) {
  const auto self = shared_from_this();
  beast::flat_buffer buffer;
  for (;;) {
    const auto ec = co_await c->link->read(buffer);
    if (stopped_) co_return;
    if (ec) {
      connection_ended(c, ec);
      co_return;
    }
    const auto data = buffer.cdata();
    on_frame(c, std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer.clear();
    if (buffer.capacity() > read_buffer_keep_bytes) buffer.shrink_to_fit();
  }
}

void feed_session::impl::on_frame(const connection_ptr& c, std::string_view frame) {
  const bool from_active = c == active_;
  // A connection we are closing (retired by a rollover, or dropped) may still deliver a few
  // frames; they are dropped so that two connections never both deliver.
  if (c->closing || (!from_active && c != standby_)) return;

  const auto recv_us = wall_us();
  c->last_frame_ms = mono_ms();
  events_.clear();
  const bool book_frame = books_ && books_->claims(frame);
  if (book_frame && !from_active && books_->carries_data(frame)) {
    // A replacement's first data is book data: it takes over before the frame is applied, so
    // the books restart on its stream (a book never mixes two connections' messages).
    switch_to_standby("the replacement delivered data");
    if (stopped_) return;
    on_frame(c, frame);
    return;
  }
  const parse_result result =
      book_frame ? parse_books(frame, recv_us) : adapter_->parse(frame, recv_us, events_);
  bump(stats_.messages);
  bump(stats_.unknown_symbols, result.unknown_symbols);
  bump(stats_.gaps, result.gaps);
  bump(stats_.trade_gaps, result.trade_gaps);
  if (result.error != feed_errc::ok) report_parse_error(result.error, frame);
  // Replies go out even after a rejected frame: a JSON-RPC error can call for another request.
  outgoing_.clear();
  adapter_->take_outgoing(outgoing_);
  for (auto& text : outgoing_) send(c, std::move(text));
  if (!book_frame && from_active && books_ && books_->checks(frame)) {
    // The books note what the frame states (its data went to the adapter above) and check it
    // at a later book frame; a frame they cannot read is left to the adapter's error report.
    bool control = false;
    books_->on_frame(frame, recv_us, events_.books, control);
  }
  if (book_frame) run_book_work(c);

  if (!from_active) {
    // The replacement takes over at its first data frame; its acks before that are dropped.
    if (result.error != feed_errc::ok || result.kind != frame_kind::data) return;
    switch_to_standby("the replacement delivered data");
  }

  // Liveness is the delivering connection's: a replacement's acks do not count.
  stats_.last_message_wall_ms.store(recv_us / 1000, std::memory_order_relaxed);
  if (state_ == feed_state::stale) {
    log_->info("{}: data again, no longer stale", name_);
    set_state(feed_state::up);
    if (stopped_) return;  // the state handler stopped the feed
  }
  // Readings went out through the adapter's own sink, even from a frame it rejected.
  if (result.readings != 0) bump(stats_.ticks, result.readings);
  // A rejected frame delivers nothing, even events the parser appended before failing.
  if (result.error != feed_errc::ok || events_.empty()) return;
  bump(stats_.ticks, events_.ticks.size());
  bump(stats_.trades, events_.trades.size());
  bump(stats_.quotes, events_.quotes.size());
  if (!stopped_ && on_events_) on_events_(events_);
}

void feed_session::impl::report_parse_error(feed_errc error, std::string_view frame) {
  bump(stats_.parse_errors);
  const auto now = mono_ms();
  if (now < next_error_log_ms_) {
    ++suppressed_errors_;
    return;
  }
  next_error_log_ms_ = now + parse_error_log_interval_ms;
  log_->warn("{}: rejected frame ({}; {} more suppressed since the last report): {}", name_,
             to_string(error), suppressed_errors_, printable_excerpt(frame));
  suppressed_errors_ = 0;
}

net::awaitable<void> feed_session::impl::keepalive(connection_ptr c) {
  const auto self = shared_from_this();
  const auto interval = adapter_->keepalive_interval();
  const auto message = adapter_->keepalive_message();
  for (;;) {
    c->keepalive_timer.expires_after(interval);
    auto [ec] = co_await c->keepalive_timer.async_wait(use_tuple);
    if (ec || stopped_ || !c->open || c->closing) co_return;
    send(c, message);  // a failed write is noticed by the read loop too
  }
}

// Frames go out one write at a time (Beast allows one pending write), in the order queued.
void feed_session::impl::send(const connection_ptr& c, std::string text) {
  if (stopped_ || !c->open || c->closing) return;
  c->outbox.push_back(std::move(text));
  if (c->writing) return;
  c->writing = true;
  spawn(drain(c));
}

net::awaitable<void> feed_session::impl::drain(connection_ptr c) {
  const auto self = shared_from_this();
  while (!c->outbox.empty() && !stopped_ && c->open && !c->closing) {
    const std::string text = std::move(c->outbox.front());  // lives until the write completes
    c->outbox.pop_front();
    // A failed write ends the drain; the read loop reports the broken connection.
    if (co_await c->link->write(text)) c->outbox.clear();
  }
  c->writing = false;
}

void feed_session::impl::connection_ended(const connection_ptr& c, beast::error_code ec) {
  std::string why = ec.message();
  if (ec == websocket::error::closed) {
    const auto reason = c->link->reason();
    why = "closed by the server, code " + std::to_string(reason.code);
    if (!reason.reason.empty()) {
      why += " " + printable_excerpt({reason.reason.data(), reason.reason.size()});
    }
  }
  c->open = false;
  c->keepalive_timer.cancel();
  c->link->abort();
  std::erase(live_, c);

  if (c == standby_) {
    standby_.reset();
    next_rollover_try_ms_ = mono_ms() + rollover_backoff_.next().count();
    log_->warn("{}: replacement connection #{} lost before taking over: {}", name_, c->id, why);
    return;
  }
  if (c != active_) {
    log_->debug("{}: retired connection #{} ended: {}", name_, c->id, why);
    return;
  }

  log_->info("{}: connection #{} lost: {}", name_, c->id, why);
  active_.reset();
  if (standby_) {
    // The server closed the old connection before the new one delivered: it takes over.
    switch_to_standby("the old connection ended first");
    return;
  }
  stats_.connected_since_wall_ms.store(0, std::memory_order_relaxed);
  reset_books();
  set_state(feed_state::connecting);
  lost_ = true;
  wake_.cancel();
}

void feed_session::impl::switch_to_standby(std::string_view why) {
  const auto old = std::exchange(active_, std::exchange(standby_, nullptr));
  bump(stats_.rollovers);
  stats_.connected_since_wall_ms.store(wall_ms(), std::memory_order_relaxed);
  rollover_backoff_.reset();
  log_->info("{}: rolled over to connection #{} ({})", name_, active_->id, why);
  if (old) retire(old);
  reset_books();
}

// The connection the books were built from is gone: each is rebuilt from the next one.
void feed_session::impl::reset_books() {
  if (!books_ || stopped_) return;
  book_events_.clear();
  books_->on_connection_lost(wall_us(), book_events_.books);
  book_requests_.clear();
  if (!book_events_.empty() && on_events_) on_events_(book_events_);
}

parse_result feed_session::impl::parse_books(std::string_view frame, std::int64_t recv_us) {
  parse_result result;
  bool control = false;
  result.error = books_->on_frame(frame, recv_us, events_.books, control);
  result.kind = control ? frame_kind::control : frame_kind::data;
  return result;
}

// What the books asked for after a frame or a snapshot: resubscribe frames go out on the
// connection the books read; snapshots are fetched beside it, each in its own coroutine.
void feed_session::impl::run_book_work(const connection_ptr& c) {
  outgoing_.clear();
  books_->take_resyncs(outgoing_);
  // Rare (each costs a rebuild), so each one is a line: the reason is what ops need to see.
  for (const auto& lost : outgoing_) log_->warn("{}: book {} lost, resyncing", name_, lost);
  outgoing_.clear();
  books_->take_frames(outgoing_);
  for (auto& text : outgoing_) send(c, std::move(text));
  book_requests_.clear();
  books_->take_snapshot_requests(book_requests_);
  for (auto& request : book_requests_) {
    if (config_.rest_url.empty()) {
      log_->warn("{}: book {} needs a REST snapshot but the feed has no rest_url", name_,
                 request.symbol);
      continue;
    }
    spawn(fetch_book_snapshot(std::move(request), c->id));
  }
  book_requests_.clear();
}

net::awaitable<void> feed_session::impl::fetch_book_snapshot(book_snapshot_request request,
                                                             std::uint64_t for_id) {
  const auto self = shared_from_this();
  http_get_options options;
  options.timeout = config_.connect_timeout;
  options.max_body_bytes = config_.max_frame_bytes;
  options.verify_tls = config_.verify_tls;
  log_->debug("{}: fetching the book snapshot {}", name_, request.target);
  auto response = co_await http_get(ioc_, tls_, rest_url_, request.target, options);
  if (stopped_) co_return;
  // The books were reset since: this answer was for a stream that is gone.
  if (!active_ || active_->id != for_id) co_return;
  if (!response.ok()) {
    log_->warn("{}: book snapshot {} failed: {}", name_, request.target,
               response.error.empty() ? "HTTP " + std::to_string(response.status) : response.error);
  }
  book_events_.clear();
  books_->on_snapshot(request.symbol, response.ok() ? &response.body : nullptr, wall_us(),
                      book_events_.books);
  if (!book_events_.empty() && on_events_) on_events_(book_events_);
  if (!stopped_ && active_) run_book_work(active_);
}

void feed_session::impl::retire(const connection_ptr& c) {
  if (c->closing) return;
  c->closing = true;
  spawn(close_politely(c));
}

// Close frame first; the socket is closed when the server answers or after close_timeout.
net::awaitable<void> feed_session::impl::close_politely(connection_ptr c) {
  const auto self = shared_from_this();
  c->keepalive_timer.cancel();
  net::steady_timer guard(ioc_, close_timeout);
  guard.async_wait([c](beast::error_code ec) {
    if (!ec) c->link->abort();
  });
  co_await c->link->close(websocket::close_code::normal);
  c->link->abort();
  c->open = false;
  std::erase(live_, c);
}

net::awaitable<void> feed_session::impl::watch() {
  const auto self = shared_from_this();
  const auto period = watch_period(config_);
  for (;;) {
    watchdog_.expires_after(period);
    co_await watchdog_.async_wait(use_tuple);
    if (stopped_) co_return;
    check_silence();
    if (stopped_) co_return;  // a state handler may have stopped us
    check_rollover();
  }
}

void feed_session::impl::check_silence() {
  if (!active_ || active_->closing) return;
  const auto silent_ms = mono_ms() - active_->last_frame_ms;
  if (silent_ms >= config_.stale_after.count() * silent_drop_factor) {
    // Open but silent for far too long: a stalled upstream. Start afresh.
    log_->warn("{}: connection #{} silent for {} ms, reconnecting", name_, active_->id, silent_ms);
    active_->closing = true;
    active_->link->abort();  // the read loop ends and reports the loss
    return;
  }
  if (silent_ms >= config_.stale_after.count() && state_ == feed_state::up) {
    log_->warn("{}: no data for {} ms, stale", name_, silent_ms);
    set_state(feed_state::stale);
  }
}

void feed_session::impl::check_rollover() {
  if (config_.max_connection_age.count() <= 0 || !active_ || active_->closing) return;
  const auto now = mono_ms();
  const auto age_ms = now - active_->up_since_ms;
  if (standby_) {
    // The venue is about to close the old one anyway; do not wait for data any longer.
    if (age_ms >= config_.max_connection_age.count()) {
      switch_to_standby("the old connection reached its maximum age");
    }
    return;
  }
  if (rolling_ || now < next_rollover_try_ms_ ||
      age_ms < (config_.max_connection_age - config_.rollover_lead).count()) {
    return;
  }
  rolling_ = true;
  log_->info("{}: connection #{} is {} ms old, opening its replacement", name_, active_->id,
             age_ms);
  spawn(roll_over(active_->id));
}

net::awaitable<void> feed_session::impl::roll_over(std::uint64_t replaced_id) {
  const auto self = shared_from_this();
  const auto c = co_await open_connection();
  rolling_ = false;
  if (stopped_) co_return;
  if (!c) {
    next_rollover_try_ms_ = mono_ms() + rollover_backoff_.next().count();
    co_return;
  }
  if (!active_ || active_->id != replaced_id) {
    // The old connection was lost meanwhile and run() is reconnecting by itself.
    retire(c);
    co_return;
  }
  log_->info("{}: replacement connection #{} subscribed, switching at its first data", name_,
             c->id);
  standby_ = c;
  start_io(c);
}

void feed_session::impl::set_state(feed_state s) {
  if (stopped_ || state_ == s) return;
  state_ = s;
  stats_.state.store(s, std::memory_order_relaxed);
  if (on_state_) on_state_(s);
}

std::unique_ptr<ws_link> feed_session::impl::make_link() {
  if (url_.tls) return std::make_unique<tls_link>(ioc_, *tls_);  // checked by the constructor
  return std::make_unique<plain_link>(ioc_);
}

// ---- feed_session --------------------------------------------------------------------------

feed_session::feed_session(net::io_context& ioc, net::ssl::context* tls, feed_config config,
                           std::unique_ptr<upstream_adapter> adapter, feed_stats& stats,
                           events_handler on_events, state_handler on_state,
                           std::unique_ptr<book_feed> books)
    : impl_(std::make_shared<impl>(ioc, tls, std::move(config), std::move(adapter), stats,
                                   std::move(on_events), std::move(on_state), std::move(books))) {}

// Only allocation or a failing timer cancel can throw here; terminating is the right outcome.
feed_session::~feed_session() {  // NOLINT(bugprone-exception-escape)
  if (impl_) impl_->stop();
}

void feed_session::start() {
  impl_->start();
}

void feed_session::stop() {
  impl_->stop();
}

const feed_config& feed_session::config() const noexcept {
  return impl_->config_;
}

}  // namespace tickerd
