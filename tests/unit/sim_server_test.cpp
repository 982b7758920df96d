// tickerd-sim end to end on loopback: a real simulator on an ephemeral port and Beast
// WebSocket clients. Checks what a feed sees: Binance's endpoints and frames, live requests,
// pings with a pong deadline, age limit, shutdown notice, slow-client isolation, rate limit.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "sim/market_model.hpp"
#include "sim/sim_app.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim {
namespace {

namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// A simulator running on its own thread, like the tickerd-sim process.
class running_sim {
 public:
  explicit running_sim(sim_options o) {
    o.host = "127.0.0.1";
    o.port = 0;
    sim_ = std::make_unique<simulator>(ioc_, std::move(o));
    sim_->start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~running_sim() { stop(); }

  std::uint16_t port() const { return sim_->port(); }
  simulator& get() { return *sim_; }

  // Runs f on the simulator's thread and returns its result.
  template <class F>
  auto on_loop(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto fut = task.get_future();
    net::post(ioc_, [&task] { task(); });
    return fut.get();
  }

  server_stats stats() {
    return on_loop([this] { return sim_->connection_stats(); });
  }

  void stop() {
    if (!thread_.joinable()) return;
    net::post(ioc_, [this] {
      sim_->stop();
      poll();
    });
    thread_.join();
  }

 private:
  // Lets the close handshakes finish (as tickerd-sim's main does), at most 3 s.
  void poll() {
    const auto now = std::chrono::steady_clock::now();
    if (deadline_ == std::chrono::steady_clock::time_point{}) deadline_ = now + 3s;
    if (sim_->open_connections() == 0 || now > deadline_) return ioc_.stop();
    timer_.expires_after(10ms);
    timer_.async_wait([this](beast::error_code) { poll(); });
  }

  net::io_context ioc_{1};
  net::steady_timer timer_{ioc_};
  std::chrono::steady_clock::time_point deadline_{};
  std::unique_ptr<simulator> sim_;
  std::thread thread_;
};

// A WebSocket client with timed reads (the test thread drives its own io_context).
class client {
 public:
  explicit client(std::uint16_t port, int receive_buffer = 0) : port_(port) {
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.open(tcp::v4());
    if (receive_buffer > 0) sock.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    ws_.control_callback([this](websocket::frame_type kind, std::string_view payload) {
      if (kind == websocket::frame_type::ping) pings.emplace_back(payload);
    });
  }

  // Connects and upgrades; returns the handshake's HTTP status (101 on success).
  unsigned open(const std::string& target) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    websocket::response_type res;
    beast::error_code ec;
    ws_.handshake(res, "127.0.0.1:" + std::to_string(port_), target, ec);
    return res.result_int();
  }

  void send(const std::string& text) { ws_.write(net::buffer(text)); }

  // One message, or nullopt on error (see error()) or timeout.
  std::optional<std::string> read(std::chrono::milliseconds timeout = 3000ms) {
    bool done = false;
    beast::error_code ec;
    ws_.async_read(buf_, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!done) {
      beast::get_lowest_layer(ws_).cancel();
      ioc_.restart();
      ioc_.run();
      error_ = beast::error::timeout;
      return std::nullopt;
    }
    if (ec) {
      error_ = ec;
      return std::nullopt;
    }
    std::string out = beast::buffers_to_string(buf_.data());
    buf_.consume(buf_.size());
    return out;
  }

  // Reads until the server closes; returns the close code (0 when it did not close in time).
  std::uint16_t read_until_closed(std::chrono::milliseconds timeout,
                                  std::vector<std::string>* seen = nullptr) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      auto m = read(std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now()));
      if (m) {
        if (seen) seen->push_back(std::move(*m));
        continue;
      }
      if (error_ == websocket::error::closed) return ws_.reason().code;
      return 0;
    }
    return 0;
  }

  beast::error_code error() const { return error_; }
  std::vector<std::string> pings;

 private:
  std::uint16_t port_;
  net::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_{ioc_};
  beast::flat_buffer buf_;
  beast::error_code error_;
};

struct http_reply {
  unsigned status = 0;
  std::string body;
};

http_reply http_get(std::uint16_t port, const std::string& target) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return {res.result_int(), res.body()};
}

// A few fields of a ticker frame, bare or combined.
struct ticker_view {
  std::string stream;  // empty for raw frames
  std::string symbol;
  std::string last;
  std::string event;
  std::int64_t trades = 0;
};

std::optional<ticker_view> parse_frame(const std::string& text) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return std::nullopt;
  ticker_view out;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return std::nullopt;
  std::string_view sv;
  simdjson::ondemand::object data;
  if (!obj.find_field("stream").get_string().get(sv)) {
    out.stream = sv;
    if (obj.find_field("data").get_object().get(data)) return std::nullopt;
  } else {
    obj.reset();
    data = obj;
  }
  if (data.find_field("e").get_string().get(sv)) return std::nullopt;
  out.event = sv;
  if (out.event != "24hrTicker") return out;
  if (data.find_field("s").get_string().get(sv)) return std::nullopt;
  out.symbol = sv;
  if (data.find_field("c").get_string().get(sv)) return std::nullopt;
  out.last = sv;
  if (data.find_field("n").get_int64().get(out.trades)) return std::nullopt;
  return out;
}

sim_options fast_options() {
  sim_options o;
  o.seed = 42;
  o.rate = 50;
  o.symbols = {*find_spec("BTCUSDT"), *find_spec("ETHUSDT")};
  o.max_incoming_per_sec = 0;
  return o;
}

TEST(SimServer, HealthzAndHttpErrors) {
  running_sim sim(fast_options());
  const auto ok = http_get(sim.port(), "/healthz");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, "ok");
  EXPECT_EQ(http_get(sim.port(), "/nope").status, 404u);
  EXPECT_EQ(http_get(sim.port(), "/stream").status, 426u);  // a WebSocket path without upgrade

  client bad_stream(sim.port());
  EXPECT_EQ(bad_stream.open("/stream?streams=btcusdt@ticker/@@@"), 400u);
  client bad_path(sim.port());
  EXPECT_EQ(bad_path.open("/api/v3/ticker"), 404u);
}

// The venues' REST market metadata (rest_api.hpp) on the sim's port, next to the WebSocket paths.
TEST(SimServer, ServesTheVenuesRestMarketMetadata) {
  running_sim sim(fast_options());
  for (const char* target :
       {"/binance/api/v3/exchangeInfo", "/okx/api/v5/public/instruments?instType=SPOT",
        "/coinbase/products", "/bybit/v5/market/instruments-info?category=spot",
        "/kraken/0/public/AssetPairs"}) {
    const auto r = http_get(sim.port(), target);
    EXPECT_EQ(r.status, 200u) << target;
    EXPECT_NE(r.body.find("ETH"), std::string::npos) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("BNB"), std::string::npos) << "only the configured symbols: " << r.body;
  }
  EXPECT_EQ(http_get(sim.port(), "/okx/api/v5/public/instruments?instType=NOPE").status, 400u);
  // The depth snapshot is served (sim_book_test) and, like Binance, needs its symbol.
  EXPECT_EQ(http_get(sim.port(), "/binance/api/v3/depth").status, 400u);
  EXPECT_EQ(http_get(sim.port(), "/binance/api/v3/no-such-route").status, 404u);
}

TEST(SimServer, CombinedRawAndLiveSubscriptions) {
  running_sim sim(fast_options());

  client combined(sim.port());
  ASSERT_EQ(combined.open("/stream?streams=btcusdt@ticker/ethusdt@ticker"), 101u);
  std::map<std::string, int> seen;
  for (int i = 0; i < 8; ++i) {
    const auto m = combined.read();
    ASSERT_TRUE(m) << combined.error().message();
    const auto t = parse_frame(*m);
    ASSERT_TRUE(t) << *m;
    EXPECT_EQ(t->stream, t->symbol == "BTCUSDT" ? "btcusdt@ticker" : "ethusdt@ticker") << *m;
    ++seen[t->symbol];
  }
  EXPECT_GT(seen["BTCUSDT"], 0);
  EXPECT_GT(seen["ETHUSDT"], 0);

  client raw(sim.port());
  ASSERT_EQ(raw.open("/ws/btcusdt@ticker"), 101u);
  const auto first = raw.read();
  ASSERT_TRUE(first);
  const auto t = parse_frame(*first);
  ASSERT_TRUE(t) << *first;
  EXPECT_TRUE(t->stream.empty());
  EXPECT_EQ(t->symbol, "BTCUSDT");

  raw.send(R"({"method":"SUBSCRIBE","params":["ethusdt@ticker"],"id":1})");
  bool acked = false;
  bool eth = false;
  for (int i = 0; i < 40 && !(acked && eth); ++i) {
    const auto m = raw.read();
    ASSERT_TRUE(m);
    if (*m == R"({"result":null,"id":1})") {
      acked = true;
    } else if (const auto v = parse_frame(*m); v && v->symbol == "ETHUSDT") {
      EXPECT_TRUE(acked) << "data for a stream before its subscription was acked";
      eth = true;
    }
  }
  EXPECT_TRUE(acked);
  EXPECT_TRUE(eth);
}

TEST(SimServer, WireFollowsTheSeededModel) {
  running_sim sim(fast_options());
  // The model the sim runs, replayed offline: trade count identifies the event.
  market_model model({*find_spec("BTCUSDT"), *find_spec("ETHUSDT")}, 42);
  std::map<std::int64_t, std::string> by_trades;
  for (int k = 0; k < 5000; ++k) {
    const auto& s = model.step(0);
    // Binance pads to 8 decimals (BTCUSDT's tick is 0.01).
    by_trades[s.trade_count] = model.symbol(0).spec().price(s.last).to_string() + "000000";
  }
  client c(sim.port());
  ASSERT_EQ(c.open("/ws/btcusdt@ticker"), 101u);
  for (int i = 0; i < 10; ++i) {
    const auto m = c.read();
    ASSERT_TRUE(m);
    const auto t = parse_frame(*m);
    ASSERT_TRUE(t) << *m;
    const auto it = by_trades.find(t->trades);
    ASSERT_NE(it, by_trades.end()) << "event with n=" << t->trades << " is not in the model";
    EXPECT_EQ(it->second, t->last);
  }
}

TEST(SimServer, PingsAndPongDeadline) {
  auto o = fast_options();
  o.ping_interval_ms = 100;
  o.pong_timeout_ms = 600;
  running_sim sim(o);

  client quiet(sim.port());  // reads nothing, so never answers a ping
  ASSERT_EQ(quiet.open("/ws"), 101u);
  client live(sim.port());  // reading answers pings automatically
  ASSERT_EQ(live.open("/ws"), 101u);

  // Reading answers pings; the subscription keeps data flowing so reads never time out.
  live.send(R"({"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":1})");
  const auto until = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < until) ASSERT_TRUE(live.read());
  EXPECT_GE(live.pings.size(), 5u);
  ASSERT_FALSE(live.pings.empty());
  EXPECT_EQ(live.pings.front(), "1");  // payloads are the ping sequence numbers
  live.send(R"({"method":"LIST_SUBSCRIPTIONS","id":2})");
  bool listed = false;
  for (int i = 0; i < 200 && !listed; ++i) {
    const auto m = live.read();
    ASSERT_TRUE(m) << "the answering client was disconnected: " << live.error().message();
    listed = *m == R"({"result":["btcusdt@ticker"],"id":2})";
  }
  EXPECT_TRUE(listed);

  EXPECT_EQ(sim.stats().pong_drops, 1u);
  // The quiet client was dropped without a close handshake: its read fails, not times out.
  EXPECT_EQ(quiet.read(1000ms), std::nullopt);
  EXPECT_NE(quiet.error(), beast::error::timeout);
}

TEST(SimServer, MaxConnectionAge) {
  auto o = fast_options();
  o.max_conn_age_ms = 300;
  running_sim sim(o);
  client c(sim.port());
  ASSERT_EQ(c.open("/stream?streams=btcusdt@ticker"), 101u);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> seen;
  EXPECT_EQ(c.read_until_closed(3000ms, &seen), close_code::normal);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_FALSE(seen.empty());
}

TEST(SimServer, ShutdownSendsNoticeThenGoingAway) {
  running_sim sim(fast_options());
  client c(sim.port());
  ASSERT_EQ(c.open("/stream?streams=btcusdt@ticker"), 101u);
  ASSERT_TRUE(c.read());
  std::thread stopper([&] { sim.stop(); });
  std::vector<std::string> seen;
  EXPECT_EQ(c.read_until_closed(3000ms, &seen), close_code::going_away);
  stopper.join();
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(
      seen.back().starts_with(R"({"stream":"!serverShutdown","data":{"e":"serverShutdown","E":)"))
      << seen.back();
}

TEST(SimServer, SlowClientIsDroppedWithoutStallingOthers) {
  sim_options o;
  o.seed = 1;
  // All 11 symbols at 40 events/s: ~440 frames/s (~140 KB/s). The never-reading client first
  // fills the kernel's buffers (the sim's send buffer grows to ~1.3 MB on loopback), then the
  // 16 KiB queue: about ten seconds, so the deadline below is generous. The reading client needs
  // a small fraction of a core even under a sanitizer: at 1,100 frames/s an -O0 ASan build on two
  // busy cores fell behind and was dropped too; at 220/s the slow one took over 20 s to drop.
  o.rate = 40;
  o.max_queue_bytes = 16 * 1024;
  o.max_incoming_per_sec = 0;
  running_sim sim(o);

  std::string all = "/stream?streams=";
  for (const auto& s : builtin_specs()) {
    std::string name = s.native();
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    all += name + "@ticker/";
  }
  client slow(sim.port(), 4096);  // never reads, with a tiny receive window
  ASSERT_EQ(slow.open(all), 101u);
  client fast(sim.port());
  ASSERT_EQ(fast.open(all), 101u);

  // The fast client keeps reading while the slow one's queue overflows.
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  bool dropped = false;
  while (!dropped && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(fast.read()) << fast.error().message();
    dropped = sim.stats().slow_drops >= 1;
  }
  ASSERT_TRUE(dropped) << "the slow client was never dropped";
  for (int i = 0; i < 400; ++i) ASSERT_TRUE(fast.read(1000ms)) << fast.error().message();
  const auto stats = sim.stats();
  EXPECT_EQ(stats.slow_drops, 1u);
  EXPECT_EQ(stats.open, 1u);
}

TEST(SimServer, TooManyMessagesCloses) {
  auto o = fast_options();
  o.max_incoming_per_sec = 5;  // Binance's limit
  running_sim sim(o);
  client c(sim.port());
  ASSERT_EQ(c.open("/ws"), 101u);
  for (int i = 1; i <= 8; ++i) {
    c.send(R"({"method":"LIST_SUBSCRIPTIONS","id":)" + std::to_string(i) + "}");
  }
  std::vector<std::string> seen;
  EXPECT_EQ(c.read_until_closed(3000ms, &seen), close_code::policy_violation);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(sim.stats().rate_drops, 1u);
}

TEST(SimServer, InvalidStreamRequestGetsErrorThenClose) {
  running_sim sim(fast_options());
  client c(sim.port());
  ASSERT_EQ(c.open("/ws"), 101u);
  c.send(R"({"method":"SUBSCRIBE","params":["@@@lixo###"],"id":1})");
  std::vector<std::string> seen;
  EXPECT_EQ(c.read_until_closed(3000ms, &seen), close_code::policy_violation);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], R"({"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":1})");
}

}  // namespace
}  // namespace tickerd::sim
