// Replay captures of trade and top-of-book streams: a replay starts at the client's first
// subscribe to ANY channel. Regression: a Kraken replay used to start only on a `ticker`
// subscribe, so a client that asked for `trade` (or `book`) first got acks for nothing and
// never the capture.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sim/replay_endpoint.hpp"
#include "sim/replay_file.hpp"

namespace tickerd::sim::replay {
namespace {

using namespace std::chrono_literals;

class fake_connection final : public connection {
 public:
  std::uint64_t id() const noexcept override { return 7; }
  bool send(frame_ptr frame) override {
    texts.push_back(*frame);
    return true;
  }
  void close(std::uint16_t, std::string_view) override {}
  std::vector<std::string> texts;
};

constexpr std::string_view trade_capture =
    R"(@0 {"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":65972.9,"qty":0.01000000,"ord_type":"market","trade_id":1,"timestamp":"2025-11-25T09:00:00.000000Z"}]})"
    "\n"
    R"(@10 {"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":65972.8,"ask":65973.0,"timestamp":"2025-11-25T09:00:00.010000Z"}]})"
    "\n";

struct sim_replay_streams : ::testing::Test {
  boost::asio::io_context ioc;

  std::unique_ptr<endpoint> make(venue_id venue) {
    auto c = std::make_shared<capture>();
    capture_error e;
    EXPECT_TRUE(parse_capture(trade_capture, *c, e)) << e.line << ": " << e.reason;
    endpoint_options o;
    o.venue = venue;
    o.speed = 10.0;
    return std::make_unique<endpoint>(ioc, c, o);
  }
  // Runs the loop until `conn` holds `n` messages (or 5 s pass: then the test fails).
  void run_until(const fake_connection& conn, std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (conn.texts.size() < n && std::chrono::steady_clock::now() < deadline) {
      ioc.restart();
      ioc.run_for(5ms);
    }
  }
};

TEST_F(sim_replay_streams, kraken_starts_on_a_trade_subscribe_and_acks_its_channel) {
  auto ep = make(venue_id::kraken);
  fake_connection conn;
  http_reject reject;
  auto h = ep->accept("/v2", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  ASSERT_EQ(conn.texts.size(), 1u);  // status
  h->on_text(
      R"({"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"]},"req_id":5})");
  run_until(conn, 4);
  ASSERT_EQ(conn.texts.size(), 4u) << "the ack, then the whole capture";
  EXPECT_TRUE(conn.texts[1].starts_with(
      R"({"method":"subscribe","req_id":5,"result":{"channel":"trade","snapshot":false,"symbol":"BTC/USD"},"success":true,"time_in":")"))
      << conn.texts[1];
  EXPECT_TRUE(conn.texts[2].starts_with(R"({"channel":"trade","type":"update")")) << conn.texts[2];
  EXPECT_TRUE(conn.texts[3].starts_with(R"({"channel":"ticker")")) << conn.texts[3];
  EXPECT_EQ(ep->stats().started, 1u);
}

TEST_F(sim_replay_streams, kraken_starts_on_a_book_subscribe_too) {
  auto ep = make(venue_id::kraken);
  fake_connection conn;
  http_reject reject;
  auto h = ep->accept("/v2", reject);
  ASSERT_TRUE(h);
  h->on_open(conn);
  h->on_text(
      R"({"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10}})");
  run_until(conn, 4);
  ASSERT_EQ(conn.texts.size(), 4u);
  EXPECT_TRUE(conn.texts[1].starts_with(
      R"({"method":"subscribe","result":{"channel":"book","snapshot":false,"symbol":"BTC/USD"},)"))
      << conn.texts[1];
  EXPECT_EQ(ep->stats().started, 1u);
}

TEST_F(sim_replay_streams, other_venues_start_on_a_trade_or_bbo_subscribe) {
  struct venue_case {
    venue_id venue;
    std::string path;
    std::string request;
  };
  const std::vector<venue_case> cases{
      {venue_id::okx, "/ws/v5/public",
       R"({"op":"subscribe","args":[{"channel":"bbo-tbt","instId":"BTC-USDT"}]})"},
      {venue_id::coinbase, "/",
       R"({"type":"subscribe","product_ids":["BTC-USD"],"channels":["matches"]})"},
      {venue_id::bybit, "/v5/public/spot", R"({"op":"subscribe","args":["publicTrade.BTCUSDT"]})"},
  };
  for (const auto& c : cases) {
    auto ep = make(c.venue);
    fake_connection conn;
    http_reject reject;
    auto h = ep->accept(c.path, reject);
    ASSERT_TRUE(h) << c.path;
    h->on_open(conn);
    const std::size_t before = conn.texts.size();
    h->on_text(c.request);
    run_until(conn, before + 3);
    EXPECT_EQ(conn.texts.size(), before + 3) << c.path << ": an ack and the capture";
    EXPECT_EQ(ep->stats().started, 1u) << c.path;
  }
}

}  // namespace
}  // namespace tickerd::sim::replay
