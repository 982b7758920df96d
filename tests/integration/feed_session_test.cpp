// feed_session against a real in-process WebSocket server on loopback (plain and TLS).
//
// The server runs on its own thread and io_context and is scripted by the test: it records
// every connection (target, headers, messages received, the client's close code), and can
// send frames, pump numbered data frames per connection, go silent, and close abruptly or
// with a code. The feed runs on an io_context that the test thread itself drives, so the
// test's observations of ticks and states need no locks.
#include "tickerd/feeds/feed_session.hpp"

#include <openssl/ssl.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "tickerd/core/clock.hpp"
#include "tickerd/net.hpp"

namespace tickerd {
namespace {

namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::string_view subscribe_text = "SUB BTCUSDT ETHUSDT";
constexpr std::string_view ack_text = "A subscribed";
// Pumped data frames carry connection id * this + sequence number as their price.
constexpr std::int64_t pump_id_factor = 1'000'000;
// Generous: a Debug build on two busy cores.
constexpr milliseconds wait_limit{10'000};

// ---- the test venue ------------------------------------------------------------------------

struct adapter_script {
  std::vector<std::string> subscribe = {std::string(subscribe_text)};
  std::string keepalive_message;
  milliseconds keepalive_interval{0};
};

// Frames: "T <native> <integer price>" is data, "A ..." is control, anything else an error.
class test_adapter final : public venue_adapter {
 public:
  explicit test_adapter(adapter_script script) : script_(std::move(script)) {}

  venue_id venue() const noexcept override { return venue_id::binance; }
  std::string target(std::string_view url_path) const override {
    const bool has_query = url_path.find('?') != std::string_view::npos;
    return std::string(url_path) + (has_query ? "&" : "?") + "streams=test";
  }
  std::vector<std::string> subscribe_messages() const override { return script_.subscribe; }
  std::string keepalive_message() const override { return script_.keepalive_message; }
  std::chrono::milliseconds keepalive_interval() const override {
    return script_.keepalive_interval;
  }

  using upstream_adapter::parse;
  // "T <native> <price>": a tick; "X <native> <price>": a trade and a quote at that price.
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     market_events& out) noexcept override {
    if (frame.starts_with("A ")) return {feed_errc::ok, frame_kind::control, 0};
    const bool trade_frame = frame.starts_with("X ");
    if (!frame.starts_with("T ") && !trade_frame) {
      return {feed_errc::invalid_json, frame_kind::data, 0};
    }
    frame.remove_prefix(2);
    const auto space = frame.find(' ');
    if (space == std::string_view::npos) return {feed_errc::unexpected_shape, frame_kind::data, 0};
    const auto native = frame.substr(0, space);
    const auto price_text = frame.substr(space + 1);
    std::int64_t price = 0;
    const auto [end, ec] =
        std::from_chars(price_text.data(), price_text.data() + price_text.size(), price);
    if (ec != std::errc{} || end != price_text.data() + price_text.size()) {
      return {feed_errc::bad_number, frame_kind::data, 0};
    }
    instrument_id id = no_instrument;
    if (native == "BTCUSDT") id = 0;
    if (native == "ETHUSDT") id = 1;
    if (id == no_instrument) return {feed_errc::ok, frame_kind::data, 1};
    if (trade_frame) {
      trade tr;
      tr.instrument = id;
      tr.price = decimal(price, 0);
      tr.recv_ts_us = recv_ts_us;
      out.trades.push_back(tr);
      top_of_book q;
      q.instrument = id;
      q.bid = decimal(price, 0);
      q.has_bid = true;
      out.quotes.push_back(q);
      return {feed_errc::ok, frame_kind::data, 0};
    }
    tick t;
    t.venue = venue_id::binance;
    t.instrument = id;
    t.fields = tf_last;
    t.last = decimal(price, 0);
    t.recv_ts_us = recv_ts_us;
    out.ticks.push_back(t);
    return {feed_errc::ok, frame_kind::data, 0};
  }

 private:
  adapter_script script_;
};

// ---- the scripted server -------------------------------------------------------------------

class test_server {
 public:
  struct record {
    std::size_t id = 0;
    bool upgraded = false;  // the WebSocket handshake completed
    bool open = false;
    std::string target;
    std::string user_agent;
    std::string host;
    std::vector<std::string> received;
    std::optional<std::uint16_t> client_close_code;  // from the client's close frame
    std::string end_error;                           // why the server's read loop ended
    steady::time_point opened{};
    steady::time_point closed{};
  };

  // TLS when `tls` is given (a server context with certificate and key loaded).
  explicit test_server(net::ssl::context* tls = nullptr)
      : tls_(tls), acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    if (tls_) {
      SSL_CTX_set_tlsext_servername_callback(tls_->native_handle(), &test_server::on_sni);
      SSL_CTX_set_tlsext_servername_arg(tls_->native_handle(), this);
    }
    net::co_spawn(ioc_, accept_loop(), net::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~test_server() {
    ioc_.stop();
    thread_.join();
  }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  std::uint16_t port() const { return port_; }

  // Every open connection sends "T BTCUSDT <id * 1e6 + n>" every pump_interval while on,
  // starting after the client's first message.
  void set_pump(bool on) { pump_ = on; }
  void set_pump_interval(milliseconds interval) { pump_interval_ms_ = interval.count(); }
  // Answer each "SUB ..." with a control frame.
  void set_ack(bool on) { ack_ = on; }

  void send_all(std::string frame) {
    net::post(ioc_, [this, frame = std::move(frame)] {
      for (const auto& s : sessions_) s->send(frame);
    });
  }
  // With a code: a close frame. Without: the TCP connection is closed with no close frame.
  void close_all(std::optional<std::uint16_t> code) {
    net::post(ioc_, [this, code] {
      for (const auto& s : sessions_) s->close(code);
    });
  }
  void close_session(std::size_t id, std::optional<std::uint16_t> code) {
    net::post(ioc_, [this, id, code] {
      for (const auto& s : sessions_) {
        if (s->id == id) s->close(code);
      }
    });
  }

  std::vector<record> records() const {
    const std::lock_guard lock(mutex_);
    return records_;
  }
  record get(std::size_t id) const {
    const std::lock_guard lock(mutex_);
    return id >= 1 && id <= records_.size() ? records_[id - 1] : record{};
  }
  std::size_t accepted() const {
    const std::lock_guard lock(mutex_);
    return records_.size();
  }
  // Connections that have received the subscribe message.
  std::size_t subscribed() const {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : records_) {
      if (!r.received.empty() && r.received.front() == subscribe_text) ++n;
    }
    return n;
  }
  std::size_t max_open() const {
    const std::lock_guard lock(mutex_);
    return max_open_;
  }
  std::string last_sni() const {
    const std::lock_guard lock(mutex_);
    return last_sni_;
  }

 private:
  struct session_base {
    explicit session_base(std::size_t session_id) : id(session_id) {}
    virtual ~session_base() = default;
    virtual void send(std::string frame) = 0;
    virtual void close(std::optional<std::uint16_t> code) = 0;
    const std::size_t id;
    bool open = false;
    std::int64_t sequence = 0;
  };

  template <class Next>
  struct session final : session_base, std::enable_shared_from_this<session<Next>> {
    template <class... Args>
    session(std::size_t session_id, tcp::socket socket, Args&... args)
        : session_base(session_id), ws(std::move(socket), args...) {}

    void send(std::string frame) override {
      if (!open) return;
      queue.push_back(std::move(frame));
      if (writing) return;
      writing = true;
      net::co_spawn(ws.get_executor(), write_queue(this->shared_from_this()), net::detached);
    }
    void close(std::optional<std::uint16_t> code) override {
      if (!open) return;
      if (code) {
        net::co_spawn(ws.get_executor(), close_with(this->shared_from_this(), *code),
                      net::detached);
      } else {
        beast::get_lowest_layer(ws).close();
      }
    }
    static net::awaitable<void> write_queue(std::shared_ptr<session> self) {
      while (!self->queue.empty() && self->open) {
        self->ws.text(true);
        auto [ec, n] = co_await self->ws.async_write(net::buffer(self->queue.front()), use_tuple);
        if (ec) break;
        self->queue.pop_front();
      }
      self->writing = false;
    }
    static net::awaitable<void> close_with(std::shared_ptr<session> self, std::uint16_t code) {
      co_await self->ws.async_close(websocket::close_reason(code), use_tuple);
    }

    websocket::stream<Next> ws;
    std::deque<std::string> queue;
    bool writing = false;
  };

  static int on_sni(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<test_server*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    const std::lock_guard lock(self->mutex_);
    self->last_sni_ = name ? name : "";
    return SSL_TLSEXT_ERR_OK;
  }

  template <class F>
  void update(std::size_t id, F&& change) {
    const std::lock_guard lock(mutex_);
    change(records_[id - 1]);
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      std::size_t id = 0;
      {
        const std::lock_guard lock(mutex_);
        records_.push_back({});
        id = records_.size();
        records_.back().id = id;
      }
      if (tls_) {
        using tls_session = session<beast::ssl_stream<beast::tcp_stream>>;
        net::co_spawn(ioc_, serve(std::make_shared<tls_session>(id, std::move(socket), *tls_)),
                      net::detached);
      } else {
        using plain_session = session<beast::tcp_stream>;
        net::co_spawn(ioc_, serve(std::make_shared<plain_session>(id, std::move(socket))),
                      net::detached);
      }
    }
  }

  template <class Session>
  net::awaitable<void> serve(std::shared_ptr<Session> s) {
    if constexpr (!std::is_same_v<decltype(s->ws.next_layer()), beast::tcp_stream&>) {
      auto [ec] =
          co_await s->ws.next_layer().async_handshake(net::ssl::stream_base::server, use_tuple);
      if (ec) co_return;
    }
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    auto [read_ec, read_n] =
        co_await http::async_read(s->ws.next_layer(), buffer, request, use_tuple);
    if (read_ec) co_return;
    update(s->id, [&request](record& r) {
      r.target = std::string(request.target());
      r.user_agent = std::string(request[http::field::user_agent]);
      r.host = std::string(request[http::field::host]);
    });
    auto [accept_ec] = co_await s->ws.async_accept(request, use_tuple);
    if (accept_ec) co_return;

    s->open = true;
    sessions_.push_back(s);
    {
      const std::lock_guard lock(mutex_);
      auto& r = records_[s->id - 1];
      r.upgraded = r.open = true;
      r.opened = steady::now();
      std::size_t open_now = 0;
      for (const auto& other : records_) open_now += other.open ? 1 : 0;
      max_open_ = std::max(max_open_, open_now);
    }

    bool pumping = false;
    beast::flat_buffer frames;
    for (;;) {
      auto [ec, n] = co_await s->ws.async_read(frames, use_tuple);
      if (ec) {
        s->open = false;
        std::erase(sessions_, s);
        // The close frame's code even when the teardown after it failed (the client may
        // close the socket before the server's shutdown).
        const auto reason_code = s->ws.reason().code;
        const auto code = reason_code != websocket::close_code::none
                              ? std::optional<std::uint16_t>(reason_code)
                              : std::nullopt;
        update(s->id, [code, &ec](record& r) {
          r.end_error = ec.message();
          r.open = false;
          r.closed = steady::now();
          r.client_close_code = code;
        });
        co_return;
      }
      auto text = beast::buffers_to_string(frames.data());
      frames.consume(frames.size());
      update(s->id, [&text](record& r) { r.received.push_back(text); });
      if (ack_ && text.starts_with("SUB")) s->send(std::string(ack_text));
      if (!pumping) {
        pumping = true;
        net::co_spawn(ioc_, pump(s), net::detached);
      }
    }
  }

  net::awaitable<void> pump(std::shared_ptr<session_base> s) {
    net::steady_timer timer(ioc_);
    while (s->open) {
      timer.expires_after(milliseconds{pump_interval_ms_.load()});
      co_await timer.async_wait(use_tuple);
      if (!s->open) co_return;
      if (!pump_) continue;
      const auto price = static_cast<std::int64_t>(s->id) * pump_id_factor + ++s->sequence;
      s->send("T BTCUSDT " + std::to_string(price));
    }
  }

  net::io_context ioc_;  // first: destroyed last, after everything that uses it
  net::ssl::context* tls_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> pump_{false};
  std::atomic<std::int64_t> pump_interval_ms_{10};
  std::atomic<bool> ack_{true};
  std::vector<std::shared_ptr<session_base>> sessions_;  // server thread only

  mutable std::mutex mutex_;
  std::vector<record> records_;
  std::size_t max_open_ = 0;
  std::string last_sni_;
};

// ---- the client side -----------------------------------------------------------------------

feed_config test_config(std::uint16_t port, std::string scheme = "ws",
                        std::string host = "127.0.0.1") {
  feed_config c;
  c.venue = venue_id::binance;
  c.url = scheme + "://" + host + ":" + std::to_string(port) + "/feed";
  c.stale_after = 2'000ms;
  c.connect_timeout = 1'000ms;
  c.backoff_initial = 20ms;
  c.backoff_max = 100ms;
  c.healthy_after = 60'000ms;
  c.max_frame_bytes = 64 * 1024;
  return c;
}

// One feed_session on an io_context driven by the test thread.
struct feed_fixture {
  net::io_context ioc;
  net::ssl::context tls{net::ssl::context::tls_client};
  feed_stats stats;
  std::vector<tick> ticks;
  std::vector<trade> trades;
  std::vector<feed_state> states;
  std::size_t tick_calls = 0;
  std::function<void()> after_ticks;  // runs inside the tick handler
  std::unique_ptr<feed_session> session;

  void start(const feed_config& config, adapter_script script = {}) {
    session = std::make_unique<feed_session>(
        ioc, &tls, config, std::make_unique<test_adapter>(std::move(script)), stats,
        [this](const market_events& batch) {
          ++tick_calls;
          ticks.insert(ticks.end(), batch.ticks.begin(), batch.ticks.end());
          trades.insert(trades.end(), batch.trades.begin(), batch.trades.end());
          if (after_ticks) after_ticks();
        },
        [this](feed_state s) { states.push_back(s); });
    session->start();
  }

  // Drives the feed until `done` holds; false after `limit`.
  bool run_until(const std::function<bool()>& done, milliseconds limit = wait_limit) {
    const auto deadline = steady::now() + limit;
    while (!done()) {
      if (steady::now() >= deadline) return false;
      if (ioc.stopped()) ioc.restart();
      if (ioc.run_for(5ms) == 0 && ioc.stopped()) std::this_thread::sleep_for(1ms);
    }
    return true;
  }
  void run_for(milliseconds d) {
    const auto deadline = steady::now() + d;
    run_until([deadline] { return steady::now() >= deadline; }, d + 1s);
  }

  std::uint64_t connects() const { return stats.connects.load(); }
  feed_state state() const { return stats.state.load(); }
};

struct pumped {
  std::int64_t connection;
  std::int64_t sequence;
};
pumped decode(const tick& t) {
  // The test's own small values: the 128-bit mantissa narrows exactly.
  const auto m = static_cast<std::int64_t>(t.last.mantissa());
  return {m / pump_id_factor, m % pump_id_factor};
}

std::string states_text(const std::vector<feed_state>& states) {
  std::string out;
  for (const auto s : states) {
    out += std::string(to_string(s));
    out += ' ';
  }
  return out;
}

// ---- tests ---------------------------------------------------------------------------------

TEST(feed_session, receives_ticks_with_target_headers_and_subscription) {
  test_server server;
  feed_fixture feed;
  feed.start(test_config(server.port()));
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 1 && feed.connects() == 1; }));

  const auto r = server.get(1);
  EXPECT_EQ(r.target, "/feed?streams=test");
  EXPECT_TRUE(r.user_agent.starts_with("tickerd/")) << r.user_agent;
  EXPECT_EQ(r.host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(feed.state(), feed_state::up);
  EXPECT_GT(feed.stats.connected_since_wall_ms.load(), 0);

  const auto before_us = wall_us();
  server.send_all("T BTCUSDT 101");
  server.send_all("T ETHUSDT 202");
  server.send_all("A heartbeat");
  server.send_all("T DOGEUSDT 5");  // not configured: counted, not delivered
  ASSERT_TRUE(feed.run_until([&] { return feed.stats.messages.load() == 5; }));  // + the ack

  ASSERT_EQ(feed.ticks.size(), 2u);
  EXPECT_EQ(feed.ticks[0].instrument, 0);
  EXPECT_TRUE(feed.ticks[0].last.identical(decimal(101, 0)));
  EXPECT_EQ(feed.ticks[1].instrument, 1);
  EXPECT_TRUE(feed.ticks[1].last.identical(decimal(202, 0)));
  EXPECT_GE(feed.ticks[0].recv_ts_us, before_us);
  EXPECT_LE(feed.ticks[0].recv_ts_us, wall_us());
  EXPECT_EQ(feed.tick_calls, 2u);
  EXPECT_EQ(feed.stats.ticks.load(), 2u);
  EXPECT_EQ(feed.stats.unknown_symbols.load(), 1u);
  EXPECT_EQ(feed.stats.parse_errors.load(), 0u);
  EXPECT_EQ(feed.stats.reconnects.load(), 0u);
  EXPECT_GE(feed.stats.last_message_wall_ms.load(), before_us / 1000);
  EXPECT_EQ(feed.states, std::vector<feed_state>{feed_state::up});
}

TEST(feed_session, delivers_trades_and_quotes_and_counts_them) {
  test_server server;
  feed_fixture feed;
  feed.start(test_config(server.port()));
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 1 && feed.connects() == 1; }));

  server.send_all("X BTCUSDT 101");
  server.send_all("T ETHUSDT 202");
  server.send_all("X ETHUSDT 203");
  ASSERT_TRUE(feed.run_until([&] { return feed.stats.messages.load() == 4; }));  // + the ack

  ASSERT_EQ(feed.trades.size(), 2u);
  EXPECT_EQ(feed.trades[0].instrument, 0);
  EXPECT_TRUE(feed.trades[0].price.identical(decimal(101, 0)));
  EXPECT_EQ(feed.trades[1].instrument, 1);
  EXPECT_EQ(feed.ticks.size(), 1u);
  EXPECT_EQ(feed.tick_calls, 3u);  // one handler call per frame, whatever it carried
  EXPECT_EQ(feed.stats.trades.load(), 2u);
  EXPECT_EQ(feed.stats.quotes.load(), 2u);
  EXPECT_EQ(feed.stats.ticks.load(), 1u);
}

TEST(feed_session, parse_errors_are_counted_and_the_feed_keeps_going) {
  test_server server;
  feed_fixture feed;
  feed.start(test_config(server.port()));
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 1 && feed.connects() == 1; }));

  server.send_all("garbage");
  server.send_all("\x01\x02");  // (invalid UTF-8 would fail the connection: RFC 6455 §8.1)
  server.send_all("T BTCUSDT notanumber");
  server.send_all("T BTCUSDT 7");
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() == 1; }));
  EXPECT_EQ(feed.stats.parse_errors.load(), 3u);
  EXPECT_TRUE(feed.ticks[0].last.identical(decimal(7, 0)));
  EXPECT_EQ(feed.connects(), 1u);
  EXPECT_EQ(feed.state(), feed_state::up);
}

TEST(feed_session, reconnects_with_backoff_and_resubscribes) {
  test_server server;
  feed_fixture feed;
  feed.start(test_config(server.port()));
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 1 && feed.connects() == 1; }));

  // A polite close from the server.
  server.close_all(websocket::close_code::going_away);
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 2 && feed.connects() == 2; }));
  EXPECT_EQ(server.get(2).received.front(), subscribe_text);
  EXPECT_GE(feed.stats.reconnects.load(), 1u);

  // An abrupt one: TCP closed without a close frame.
  server.close_all(std::nullopt);
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 3 && feed.connects() == 3; }));
  EXPECT_EQ(feed.states,
            (std::vector<feed_state>{feed_state::up, feed_state::connecting, feed_state::up,
                                     feed_state::connecting, feed_state::up}))
      << states_text(feed.states);

  server.send_all("T BTCUSDT 3");
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() == 1; }));
  EXPECT_EQ(server.max_open(), 1u);
}

TEST(feed_session, backs_off_while_the_upstream_is_unreachable) {
  std::uint16_t dead_port = 0;
  {
    net::io_context probe;
    tcp::acceptor a(probe, {net::ip::make_address("127.0.0.1"), 0});
    dead_port = a.local_endpoint().port();
  }  // closed: connections to it are refused
  feed_fixture feed;
  auto config = test_config(dead_port);
  config.backoff_initial = 10ms;
  config.backoff_max = 80ms;
  feed.start(config);
  ASSERT_TRUE(feed.run_until([&] { return feed.stats.reconnects.load() >= 3; }));
  const auto before = feed.stats.reconnects.load();
  feed.run_for(300ms);
  // Delays are random in [0, min(80, 10 * 2^n)] ms: a few attempts, never a hot loop.
  EXPECT_LE(feed.stats.reconnects.load() - before, 100u);
  EXPECT_EQ(feed.connects(), 0u);
  EXPECT_EQ(feed.state(), feed_state::connecting);
  EXPECT_TRUE(feed.states.empty());
}

TEST(feed_session, connect_timeout_covers_the_handshake) {
  // A listener that never accepts: TCP connects (kernel backlog), the handshake never answers.
  net::io_context server_ioc;
  tcp::acceptor mute(server_ioc, {net::ip::make_address("127.0.0.1"), 0});
  feed_fixture feed;
  auto config = test_config(mute.local_endpoint().port());
  config.connect_timeout = 100ms;
  config.backoff_initial = 10ms;
  config.backoff_max = 20ms;
  feed.start(config);
  const auto started = steady::now();
  ASSERT_TRUE(feed.run_until([&] { return feed.stats.reconnects.load() >= 2; }));
  EXPECT_GE(steady::now() - started, 200ms);  // two full timeouts, at least
  EXPECT_EQ(feed.connects(), 0u);
}

TEST(feed_session, stall_goes_stale_then_up_when_frames_resume) {
  test_server server;
  server.set_pump(true);
  feed_fixture feed;
  auto config = test_config(server.port());
  config.stale_after = 200ms;  // dropped after 600 ms of silence
  feed.start(config);
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() >= 3; }));

  server.set_pump(false);
  ASSERT_TRUE(feed.run_until([&] { return feed.state() == feed_state::stale; }));
  const auto stale_seen = feed.ticks.size();
  server.set_pump(true);
  ASSERT_TRUE(feed.run_until([&] { return feed.state() == feed_state::up; }));
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() > stale_seen; }));
  EXPECT_EQ(feed.states,
            (std::vector<feed_state>{feed_state::up, feed_state::stale, feed_state::up}))
      << states_text(feed.states);
  EXPECT_EQ(feed.connects(), 1u);
  EXPECT_EQ(server.accepted(), 1u);
}

TEST(feed_session, a_silent_connection_is_dropped_and_reconnected) {
  test_server server;
  server.set_ack(false);  // nothing at all comes back
  feed_fixture feed;
  auto config = test_config(server.port());
  config.stale_after = 100ms;  // dropped after 300 ms
  feed.start(config);
  ASSERT_TRUE(feed.run_until([&] { return feed.connects() == 2 && server.subscribed() == 2; }));
  ASSERT_GE(feed.states.size(), 4u);
  EXPECT_EQ(feed.states[0], feed_state::up);
  EXPECT_EQ(feed.states[1], feed_state::stale);
  EXPECT_EQ(feed.states[2], feed_state::connecting);
  EXPECT_EQ(feed.states[3], feed_state::up);
  ASSERT_TRUE(feed.run_until([&] { return !server.get(1).open; }));
  EXPECT_FALSE(server.get(1).client_close_code.has_value());  // dropped, not closed politely
}

TEST(feed_session, oversized_frames_drop_the_connection) {
  test_server server;
  feed_fixture feed;
  auto config = test_config(server.port());
  config.max_frame_bytes = 1024;
  feed.start(config);
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 1 && feed.connects() == 1; }));
  server.send_all("T BTCUSDT " + std::string(2000, '1'));
  ASSERT_TRUE(feed.run_until([&] { return feed.connects() == 2; }));
  EXPECT_TRUE(feed.ticks.empty());
  ASSERT_TRUE(feed.run_until([&] { return !server.get(1).open; }));
  EXPECT_EQ(server.get(1).client_close_code, websocket::close_code::too_big)
      << server.get(1).end_error;
}

TEST(feed_session, keepalive_message_is_sent_at_its_interval) {
  test_server server;
  feed_fixture feed;
  adapter_script script;
  script.keepalive_message = "PING";
  script.keepalive_interval = 40ms;
  feed.start(test_config(server.port()), script);
  const auto started = steady::now();
  ASSERT_TRUE(feed.run_until([&] { return server.get(1).received.size() >= 5; }));
  const auto elapsed = steady::now() - started;
  const auto received = server.get(1).received;
  EXPECT_EQ(received.front(), subscribe_text);
  for (std::size_t i = 1; i < received.size(); ++i) EXPECT_EQ(received[i], "PING");
  EXPECT_GE(elapsed, 4 * 40ms - 10ms);  // four intervals at least, not a burst

  const auto count = server.get(1).received.size();
  feed.run_for(400ms);
  const auto more = server.get(1).received.size() - count;
  EXPECT_GE(more, 2u);
  EXPECT_LE(more, 12u);  // ~10 expected
}

TEST(feed_session, rollover_opens_the_replacement_first_and_loses_nothing) {
  test_server server;
  server.set_pump(true);
  server.set_pump_interval(5ms);
  feed_fixture feed;
  auto config = test_config(server.port());
  config.max_connection_age = 1'500ms;
  config.rollover_lead = 500ms;
  config.stale_after = 1'000ms;
  feed.start(config);
  ASSERT_TRUE(feed.run_until([&] { return feed.stats.rollovers.load() == 1; }));
  ASSERT_TRUE(feed.run_until([&] { return !server.get(1).open; }));
  const auto switched_at = feed.ticks.size();
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() > switched_at + 10; }));
  feed.session->stop();

  const auto first = server.get(1);
  const auto second = server.get(2);
  EXPECT_EQ(first.client_close_code, websocket::close_code::normal);
  EXPECT_TRUE(second.upgraded);
  EXPECT_LT(second.opened, first.closed);  // make before break
  EXPECT_EQ(server.max_open(), 2u);
  EXPECT_EQ(second.received.front(), subscribe_text);

  // Connection 1's frames 1..k, then connection 2's frames 1..m: each run gap-free, never
  // interleaved, so nothing was lost from what each delivered and nothing came twice.
  ASSERT_FALSE(feed.ticks.empty());
  std::int64_t expected_connection = 1;
  std::int64_t expected_sequence = 1;
  std::size_t from_second = 0;
  for (const auto& t : feed.ticks) {
    const auto p = decode(t);
    if (p.connection == 2 && expected_connection == 1) {
      expected_connection = 2;
      expected_sequence = 1;
    }
    ASSERT_EQ(p.connection, expected_connection) << "interleaved at sequence " << p.sequence;
    ASSERT_EQ(p.sequence, expected_sequence) << "connection " << p.connection;
    ++expected_sequence;
    from_second += p.connection == 2 ? 1 : 0;
  }
  EXPECT_GT(from_second, 10u);
  EXPECT_LT(from_second, feed.ticks.size());  // connection 1 delivered before the switch
  EXPECT_EQ(feed.stats.rollovers.load(), 1u);
  EXPECT_EQ(feed.connects(), 2u);
  EXPECT_EQ(feed.stats.reconnects.load(), 0u);
  EXPECT_EQ(feed.states, std::vector<feed_state>{feed_state::up}) << states_text(feed.states);
}

TEST(feed_session, rollover_when_the_server_closes_the_old_connection_first) {
  test_server server;  // acks subscriptions but sends no data yet
  feed_fixture feed;
  auto config = test_config(server.port());
  config.max_connection_age = 3'000ms;
  config.rollover_lead = 2'500ms;  // replacement opens at ~500 ms
  config.stale_after = 5'000ms;
  feed.start(config);
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 2; }));
  ASSERT_TRUE(feed.run_until([&] { return feed.connects() == 2; }));
  EXPECT_EQ(feed.stats.rollovers.load(), 0u);  // only an ack so far: no switch

  server.close_session(1, websocket::close_code::going_away);
  ASSERT_TRUE(feed.run_until([&] { return feed.stats.rollovers.load() == 1; }));
  server.set_pump(true);
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() >= 3; }));
  for (const auto& t : feed.ticks) EXPECT_EQ(decode(t).connection, 2);
  EXPECT_EQ(decode(feed.ticks.front()).sequence, 1);
  EXPECT_EQ(feed.stats.reconnects.load(), 0u);
  EXPECT_EQ(feed.states, std::vector<feed_state>{feed_state::up}) << states_text(feed.states);
  EXPECT_EQ(server.accepted(), 2u);
}

TEST(feed_session, rollover_switches_at_max_age_even_without_data) {
  test_server server;  // acks only
  feed_fixture feed;
  auto config = test_config(server.port());
  config.max_connection_age = 1'000ms;
  config.rollover_lead = 700ms;
  config.stale_after = 5'000ms;
  feed.start(config);
  ASSERT_TRUE(feed.run_until([&] { return feed.stats.rollovers.load() == 1; }));
  ASSERT_TRUE(feed.run_until([&] { return !server.get(1).open; }));
  EXPECT_EQ(server.get(1).client_close_code, websocket::close_code::normal);
  EXPECT_TRUE(server.get(2).open);
  EXPECT_EQ(feed.states, std::vector<feed_state>{feed_state::up});
}

TEST(feed_session, stop_is_clean_and_no_handler_runs_afterwards) {
  test_server server;
  server.set_pump(true);
  feed_fixture feed;
  feed.start(test_config(server.port()));
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() >= 3; }));

  feed.session->stop();
  EXPECT_EQ(feed.state(), feed_state::down);
  const auto ticks = feed.ticks.size();
  const auto states = feed.states.size();
  const auto messages = feed.stats.messages.load();
  // The close frame goes out, the server answers, nothing more is delivered.
  ASSERT_TRUE(feed.run_until([&] { return !server.get(1).open; }));
  EXPECT_EQ(server.get(1).client_close_code, websocket::close_code::normal);
  feed.run_for(100ms);
  EXPECT_EQ(feed.ticks.size(), ticks);
  EXPECT_EQ(feed.states.size(), states);
  EXPECT_EQ(feed.stats.messages.load(), messages);
  EXPECT_EQ(feed.state(), feed_state::down);

  // Every timer and operation has unwound: the io_context runs out of work by itself.
  feed.session.reset();
  feed.ioc.restart();
  const auto started = steady::now();
  feed.ioc.run_for(5s);
  EXPECT_TRUE(feed.ioc.stopped());
  EXPECT_LT(steady::now() - started, 5s);
  EXPECT_EQ(server.accepted(), 1u);
}

TEST(feed_session, stop_from_inside_the_tick_handler) {
  test_server server;
  server.set_pump(true);
  server.set_pump_interval(2ms);
  feed_fixture feed;
  feed.after_ticks = [&feed] {
    if (feed.tick_calls == 3) feed.session->stop();
  };
  feed.start(test_config(server.port()));
  ASSERT_TRUE(feed.run_until([&] { return feed.tick_calls >= 3; }));
  feed.run_for(100ms);
  EXPECT_EQ(feed.tick_calls, 3u);
  EXPECT_EQ(feed.state(), feed_state::down);
}

TEST(feed_session, destroying_a_running_session_closes_it) {
  test_server server;
  server.set_pump(true);
  feed_fixture feed;
  auto config = test_config(server.port());
  adapter_script script;
  script.keepalive_message = "PING";
  script.keepalive_interval = 10ms;
  feed.start(config, script);
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() >= 3; }));
  feed.session.reset();  // the impl lives on until its operations unwind
  ASSERT_TRUE(feed.run_until([&] { return !server.get(1).open; }));
  EXPECT_EQ(server.get(1).client_close_code, websocket::close_code::normal);
  feed.ioc.restart();
  feed.ioc.run_for(5s);
  EXPECT_TRUE(feed.ioc.stopped());
}

TEST(feed_session, invalid_configuration_throws_at_construction) {
  net::io_context ioc;
  net::ssl::context tls{net::ssl::context::tls_client};
  feed_stats stats;
  const auto make = [&](feed_config c) {
    feed_session s(ioc, &tls, std::move(c), std::make_unique<test_adapter>(adapter_script{}), stats,
                   nullptr, nullptr);
  };
  auto c = test_config(1);
  c.url = "http://example.org/";
  EXPECT_THROW(make(c), std::invalid_argument);
  c = test_config(1);
  c.max_connection_age = 1'000ms;
  c.rollover_lead = 1'000ms;
  EXPECT_THROW(make(c), std::invalid_argument);
  c = test_config(1);
  c.stale_after = 0ms;
  EXPECT_THROW(make(c), std::invalid_argument);
  EXPECT_NO_THROW(make(test_config(1)));
  EXPECT_THROW(feed_session(ioc, &tls, test_config(1), nullptr, stats, nullptr, nullptr),
               std::invalid_argument);
  // A process with no TLS upstream has no client context: ws:// works without one, and a
  // wss:// url without one is refused at construction, not at the first connect.
  const auto make_without_tls = [&](feed_config fc) {
    feed_session s(ioc, nullptr, std::move(fc), std::make_unique<test_adapter>(adapter_script{}),
                   stats, nullptr, nullptr);
  };
  EXPECT_NO_THROW(make_without_tls(test_config(1)));
  c = test_config(1);
  c.url = "wss://127.0.0.1:9/ws";
  EXPECT_THROW(make_without_tls(c), std::invalid_argument);
  EXPECT_NO_THROW(make(c));
}

// ---- TLS -----------------------------------------------------------------------------------

// A self-signed certificate for localhost and 127.0.0.1, made with the openssl CLI.
class certificate_dir {
 public:
  explicit certificate_dir(const std::string& common_name = "localhost",
                           const std::string& alt_names = "DNS:localhost,IP:127.0.0.1") {
    auto pattern = (std::filesystem::temp_directory_path() / "tickerd-feed-tls-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    const auto command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 2 -subj /CN=" +
        common_name + " -addext subjectAltName=" + alt_names + " -keyout '" + key().string() +
        "' -out '" + cert().string() + "' 2>'" + (path_ / "openssl.log").string() + "'";
    status_ = std::system(command.c_str());
  }
  ~certificate_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  bool ok() const { return status_ == 0 && std::filesystem::exists(cert()); }
  std::filesystem::path cert() const { return path_ / "cert.pem"; }
  std::filesystem::path key() const { return path_ / "key.pem"; }

 private:
  std::filesystem::path path_;
  int status_ = -1;
};

net::ssl::context server_tls(const certificate_dir& certs) {
  net::ssl::context ctx{net::ssl::context::tls_server};
  ctx.use_certificate_chain_file(certs.cert().string());
  ctx.use_private_key_file(certs.key().string(), net::ssl::context::pem);
  return ctx;
}

TEST(feed_session, wss_verifies_a_trusted_certificate_and_sends_sni) {
  const certificate_dir certs;
  ASSERT_TRUE(certs.ok()) << "the openssl CLI could not make a test certificate";
  auto tls = server_tls(certs);
  test_server server(&tls);
  feed_fixture feed;
  feed.tls.load_verify_file(certs.cert().string());
  feed.start(test_config(server.port(), "wss", "localhost"));
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 1 && feed.connects() == 1; }));
  EXPECT_EQ(server.last_sni(), "localhost");
  EXPECT_EQ(server.get(1).host, "localhost:" + std::to_string(server.port()));
  server.send_all("T BTCUSDT 42");
  ASSERT_TRUE(feed.run_until([&] { return feed.ticks.size() == 1; }));
  EXPECT_TRUE(feed.ticks[0].last.identical(decimal(42, 0)));

  // Stop sends a close frame over TLS too.
  feed.session->stop();
  ASSERT_TRUE(feed.run_until([&] { return !server.get(1).open; }));
  EXPECT_EQ(server.get(1).client_close_code, websocket::close_code::normal);
}

TEST(feed_session, wss_by_ip_address_verifies_the_ip_san) {
  const certificate_dir certs;
  ASSERT_TRUE(certs.ok()) << "the openssl CLI could not make a test certificate";
  auto tls = server_tls(certs);
  test_server server(&tls);
  feed_fixture feed;
  feed.tls.load_verify_file(certs.cert().string());
  feed.start(test_config(server.port(), "wss", "127.0.0.1"));
  ASSERT_TRUE(feed.run_until([&] { return server.subscribed() == 1 && feed.connects() == 1; }));
  EXPECT_EQ(server.last_sni(), "");  // no SNI for an IP literal
}

TEST(feed_session, wss_verification_failure_keeps_retrying_without_connecting) {
  const certificate_dir certs;
  ASSERT_TRUE(certs.ok()) << "the openssl CLI could not make a test certificate";
  auto tls = server_tls(certs);
  test_server server(&tls);
  feed_fixture feed;  // empty CA store
  feed.start(test_config(server.port(), "wss", "localhost"));
  ASSERT_TRUE(feed.run_until([&] { return server.accepted() >= 3; }));
  EXPECT_EQ(feed.connects(), 0u);
  EXPECT_GE(feed.stats.reconnects.load(), 2u);
  EXPECT_EQ(server.subscribed(), 0u);
  EXPECT_EQ(feed.state(), feed_state::connecting);
  EXPECT_TRUE(feed.states.empty());
  for (const auto& r : server.records()) EXPECT_FALSE(r.upgraded);
}

TEST(feed_session, wss_name_mismatch_fails_verification) {
  // Trusted, but issued for another name.
  const certificate_dir certs("other.example", "DNS:other.example");
  ASSERT_TRUE(certs.ok()) << "the openssl CLI could not make a test certificate";
  auto tls = server_tls(certs);
  test_server server(&tls);
  feed_fixture feed;
  feed.tls.load_verify_file(certs.cert().string());
  feed.start(test_config(server.port(), "wss", "localhost"));
  ASSERT_TRUE(feed.run_until([&] { return server.accepted() >= 2; }));
  EXPECT_EQ(feed.connects(), 0u);
  EXPECT_EQ(server.subscribed(), 0u);
}

TEST(feed_session, wss_without_verification_connects_with_an_empty_ca_store) {
  const certificate_dir certs;
  ASSERT_TRUE(certs.ok()) << "the openssl CLI could not make a test certificate";
  auto tls = server_tls(certs);
  test_server server(&tls);
  feed_fixture feed;
  auto config = test_config(server.port(), "wss", "localhost");
  config.verify_tls = false;
  feed.start(config);
  ASSERT_TRUE(feed.run_until([&] { return feed.connects() == 1; }));
}

}  // namespace
}  // namespace tickerd
