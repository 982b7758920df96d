// redis_connection and redis_writer against a real redis-server: the Asio adapter, replies,
// pub/sub, pending commands failed on a loss, reconnects, the fenced write script, the key
// layout, and what is rewritten after an outage.
#include <signal.h>

#include <boost/asio/io_context.hpp>

#include "redis_harness.hpp"
#include "tickerd/app/config.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/update.hpp"
#include "tickerd/store/redis_store.hpp"

#include <hiredis/hiredis.h>

namespace tickerd::e2e {
namespace {

using namespace std::chrono_literals;

// Runs the io_context until `done` holds or the deadline passes.
bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done,
               duration timeout = default_timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (!done()) {
    if (steady_clock::now() > deadline) return false;
    ioc.restart();
    ioc.run_for(10ms);
  }
  return true;
}

struct redis_fixture : testing::Test {
  temp_dir dir{"redis-store"};
  redis_server server{dir};
  boost::asio::io_context ioc;
  std::vector<instrument> instruments = default_instruments();
  std::vector<venue_id> venues{venue_id::binance};
  channel_registry channels{instruments, venues};
  redis_config cfg;

  void SetUp() override {
    ASSERT_TRUE(server.start());
    cfg.enabled = true;
    cfg.endpoint.port = server.port();
    cfg.endpoint.backoff_initial = 20ms;
    cfg.endpoint.backoff_max = 200ms;
    cfg.endpoint.command_timeout = 1000ms;
    cfg.prefix = "t";
    cfg.history_length = 100;
  }

  std::unique_ptr<redis_connection> connect(const std::string& name) {
    auto c = std::make_unique<redis_connection>(ioc, cfg.endpoint, name);
    c->start({}, {});
    EXPECT_TRUE(run_until(ioc, [&] { return c->connected(); }));
    return c;
  }

  update_ptr make(const std::string& channel, std::uint64_t seq, const std::string& data,
                  const std::string& epoch = "e") {
    const auto id = channels.find(channel);
    EXPECT_TRUE(id.has_value()) << channel;
    return make_update(*id, channel, seq, data, epoch);
  }
};

TEST_F(redis_fixture, command_round_trip_and_errors_as_values) {
  auto c = connect("test");
  std::string got;
  std::string error;
  const std::string_view set[] = {"SET", "k", std::string_view("v\0w", 3)};  // binary-safe
  const std::string_view get[] = {"GET", "k"};
  const std::string_view bad[] = {"NOSUCHCOMMAND"};
  c->command(set, [](const redis_result&) {});
  c->command(get, [&](const redis_result& r) {
    ASSERT_TRUE(r);
    got.assign(r.reply->str, r.reply->len);
  });
  c->command(bad, [&](const redis_result& r) { error = std::string(r.error); });
  ASSERT_TRUE(run_until(ioc, [&] { return !error.empty(); }));
  EXPECT_EQ(got, std::string("v\0w", 3));
  EXPECT_NE(error.find("unknown command"), std::string::npos) << error;
}

TEST_F(redis_fixture, pending_commands_fail_when_redis_dies_and_the_connection_comes_back) {
  auto c = connect("test");
  std::string error;
  const std::string_view block[] = {"BLPOP", "never", "0"};  // waits forever
  c->command(block, [&](const redis_result& r) { error = r ? "replied" : std::string(r.error); });
  ioc.restart();
  ioc.run_for(50ms);
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return !error.empty(); }));
  EXPECT_EQ(error, "disconnected");
  EXPECT_FALSE(c->connected());
  // Commands while down fail at once instead of queueing.
  std::string while_down;
  const std::string_view ping[] = {"PING"};
  c->command(ping, [&](const redis_result& r) { while_down = std::string(r.error); });
  ASSERT_TRUE(run_until(ioc, [&] { return !while_down.empty(); }));
  EXPECT_EQ(while_down, "disconnected");

  ASSERT_TRUE(server.start());
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); }));
  EXPECT_EQ(c->reconnects(), 1u);
  std::string pong;
  c->command(ping, [&](const redis_result& r) {
    if (r) pong.assign(r.reply->str, r.reply->len);
  });
  ASSERT_TRUE(run_until(ioc, [&] { return !pong.empty(); }));
  EXPECT_EQ(pong, "PONG");
}

TEST_F(redis_fixture, a_hung_redis_is_dropped_after_the_command_timeout) {
  auto c = connect("test");
  bool down_seen = false;
  c->stop();
  c = std::make_unique<redis_connection>(ioc, cfg.endpoint, "test");
  c->start({}, [&] { down_seen = true; });
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); }));
  ::kill(server.pid(), SIGSTOP);
  std::string error;
  const std::string_view ping[] = {"PING"};
  c->command(ping, [&](const redis_result& r) { error = r ? "replied" : std::string(r.error); });
  const bool failed = run_until(
      ioc, [&] { return !error.empty(); }, 10s);
  ::kill(server.pid(), SIGCONT);
  ASSERT_TRUE(failed);
  EXPECT_EQ(error, "disconnected");
  EXPECT_TRUE(down_seen);
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); }));
}

TEST_F(redis_fixture, writer_stores_state_history_and_publishes_on_the_bus) {
  auto c = connect("writer");
  auto sub = connect("bus");
  std::vector<std::pair<std::string, std::string>> bus;
  sub->psubscribe("t:v2:bus:*", [&](std::string_view ch, std::string_view payload) {
    bus.emplace_back(std::string(ch), std::string(payload));
  });
  ioc.restart();
  ioc.run_for(100ms);  // the PSUBSCRIBE reaches Redis first

  redis_writer w(ioc, *c, cfg, channels);
  const auto btc = *channels.find("ticker.BTC-USDT");
  w.write(make("ticker.BTC-USDT", 1, R"({"last":"1.0"})", "e1"));
  w.write(make("ticker.BTC-USDT", 2, R"({"last":"2.0"})", "e1"));
  w.write(make("ticker.BTC-USDT", 3, R"({"last":"3.0"})", "e1"));
  ASSERT_TRUE(run_until(ioc, [&] { return w.stats().written == 3 && bus.size() == 3; }));

  redis_sync_client check(server.port());
  EXPECT_EQ(check.hget("t:v2:state:ticker.BTC-USDT", "seq"), "3");
  EXPECT_EQ(check.hget("t:v2:state:ticker.BTC-USDT", "epoch"), "e1");
  EXPECT_EQ(check.hget("t:v2:state:ticker.BTC-USDT", "data"), R"({"last":"3.0"})");
  const auto hist = check.command({"XRANGE", "t:v2:hist:ticker.BTC-USDT", "-", "+"});
  ASSERT_EQ(hist.items.size(), 3u);
  EXPECT_EQ(hist.items[0].items[0].str, "1-0");
  EXPECT_EQ(hist.items[2].items[0].str, "3-0");
  EXPECT_EQ(hist.items[2].items[1].items[1].str, R"({"last":"3.0"})");
  EXPECT_EQ(bus[0].first, "t:v2:bus:ticker.BTC-USDT");
  EXPECT_EQ(bus[2].second, R"(e1 3 {"last":"3.0"})");
  std::string_view epoch, data;
  std::uint64_t seq = 0;
  ASSERT_TRUE(parse_bus_message(bus[2].second, epoch, seq, data));
  EXPECT_EQ(epoch, "e1");
  EXPECT_EQ(seq, 3u);

  // Not newer than what Redis has: skipped, nothing published.
  w.write(make("ticker.BTC-USDT", 2, R"({"last":"old"})", "e1"));
  ASSERT_TRUE(run_until(ioc, [&] { return w.stats().batches == 2; }));
  EXPECT_EQ(w.stats().written, 3u);
  EXPECT_EQ(check.hget("t:v2:state:ticker.BTC-USDT", "data"), R"({"last":"3.0"})");

  // A new epoch is a new stream: the old history goes.
  w.write(make("ticker.BTC-USDT", 1, R"({"last":"9.0"})", "e2"));
  ASSERT_TRUE(run_until(ioc, [&] { return w.stats().written == 4; }));
  EXPECT_EQ(check.hget("t:v2:state:ticker.BTC-USDT", "epoch"), "e2");
  EXPECT_EQ(check.command({"XLEN", "t:v2:hist:ticker.BTC-USDT"}).integer, 1);

  // Read back for a warm start.
  bool loaded = false;
  std::vector<stored_channel> got;
  load_channels(*c, cfg, channels, 10, [&](std::vector<stored_channel> v, std::string_view err) {
    EXPECT_TRUE(err.empty()) << err;
    got = std::move(v);
    loaded = true;
  });
  ASSERT_TRUE(run_until(ioc, [&] { return loaded; }));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].channel, btc);
  EXPECT_EQ(got[0].seq, 1u);
  EXPECT_EQ(got[0].epoch, "e2");
  EXPECT_EQ(got[0].data, R"({"last":"9.0"})");
  ASSERT_EQ(got[0].history.size(), 1u);
  EXPECT_EQ(got[0].history[0].first, 1u);
}

TEST_F(redis_fixture, writes_made_while_redis_is_down_are_written_after_it_returns) {
  auto c = connect("writer");
  redis_writer w(ioc, *c, cfg, channels);
  w.write(make("ticker.ETH-USDT", 1, R"({"n":1})"));
  ASSERT_TRUE(run_until(ioc, [&] { return w.stats().written == 1; }));
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return !c->connected(); }));
  for (std::uint64_t s = 2; s <= 20; ++s) {
    w.write(make("ticker.ETH-USDT", s, "{\"n\":" + std::to_string(s) + "}"));
  }
  EXPECT_EQ(w.stats().buffered, 19u);  // never blocks, never drops below the bound
  ASSERT_TRUE(server.start());         // empty: no persistence
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); }));
  w.flush();
  ASSERT_TRUE(run_until(ioc, [&] { return w.stats().buffered == 0 && w.stats().written == 20; }));
  redis_sync_client check(server.port());
  EXPECT_EQ(check.hget("t:v2:state:ticker.ETH-USDT", "seq"), "20");
  EXPECT_EQ(check.command({"XLEN", "t:v2:hist:ticker.ETH-USDT"}).integer, 19);
}

TEST_F(redis_fixture, a_full_buffer_keeps_the_latest_state_of_every_channel) {
  cfg.max_buffered = 4;
  auto c = connect("writer");
  redis_writer w(ioc, *c, cfg, channels);
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return !c->connected(); }));
  for (std::uint64_t s = 1; s <= 10; ++s) w.write(make("ticker.BTC-USDT", s, "{}"));
  w.write(make("ticker.ETH-USDT", 1, "{}"));
  EXPECT_LE(w.stats().buffered, 4u);
  EXPECT_GE(w.stats().dropped, 7u);
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(run_until(ioc, [&] { return c->connected(); }));
  w.flush();
  ASSERT_TRUE(run_until(ioc, [&] { return w.stats().buffered == 0; }));
  redis_sync_client check(server.port());
  EXPECT_EQ(check.hget("t:v2:state:ticker.BTC-USDT", "seq"), "10");
  EXPECT_EQ(check.hget("t:v2:state:ticker.ETH-USDT", "seq"), "1");
}

TEST_F(redis_fixture, fenced_writes_need_the_lease) {
  auto c = connect("writer");
  redis_sync_client other(server.port());
  ASSERT_EQ(other.command({"SET", "t:v2:lease:ingest", "node-b", "PX", "60000"}).str, "OK");
  redis_writer w(ioc, *c, cfg, channels);
  w.set_fence("node-a");
  bool fenced = false;
  w.on_fenced([&] { fenced = true; });
  w.write(make("ticker.BTC-USDT", 1, "{}"));
  ASSERT_TRUE(run_until(ioc, [&] { return fenced; }));
  EXPECT_EQ(w.stats().written, 0u);
  EXPECT_FALSE(other.hget("t:v2:state:ticker.BTC-USDT", "seq").has_value());

  // An expired lease is taken by the next fenced write.
  other.command({"DEL", "t:v2:lease:ingest"});
  w.write(make("ticker.BTC-USDT", 1, "{}"));
  ASSERT_TRUE(run_until(ioc, [&] { return w.stats().written == 1; }));
  EXPECT_EQ(other.command({"GET", "t:v2:lease:ingest"}).str, "node-a");
}

}  // namespace
}  // namespace tickerd::e2e
