// GET /metrics' content: what src/metrics/collector writes from the stats structs, and the
// latency histogram's buckets. The format itself: prometheus_text_test.cpp.
#include "tickerd/metrics/collector.hpp"

#include <deque>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "metrics/process_stats.hpp"
#include "metrics/prometheus_text.hpp"
#include "ticker_json.hpp"

namespace tickerd::metrics {
namespace {

bool contains(const std::string& text, const std::string& block) {
  return text.find(block) != std::string::npos;
}

std::string server_metrics(const sources& from, std::int64_t now_ms) {
  std::string out;
  prometheus_text text(out);
  write_server_metrics(text, from, now_ms);
  return out;
}

TEST(metrics_collector, exports_each_shard_with_a_shard_label) {
  shard_stats a;
  shard_stats b;
  set(a.connections, 2);
  set(b.connections, 5);
  bump(a.bytes_sent, 1000);
  bump(b.bytes_sent, 24);
  bump(b.slow_closes);
  set(a.subscriptions[static_cast<std::size_t>(channel_kind::ticker)], 7);
  set(b.subscriptions[ticker_wildcard_family], 1);
  const std::array<const shard_stats*, 2> shards{&a, &b};
  sources from;
  from.shards = shards;
  const auto out = server_metrics(from, 0);
  EXPECT_TRUE(contains(out,
                       "# HELP tickerd_connections WebSocket connections, open or closing.\n"
                       "# TYPE tickerd_connections gauge\n"
                       "tickerd_connections{shard=\"0\"} 2\n"
                       "tickerd_connections{shard=\"1\"} 5\n"))
      << out;
  EXPECT_TRUE(contains(out,
                       "# TYPE tickerd_sent_bytes_total counter\n"
                       "tickerd_sent_bytes_total{shard=\"0\"} 1000\n"
                       "tickerd_sent_bytes_total{shard=\"1\"} 24\n"))
      << out;
  EXPECT_TRUE(contains(out,
                       "tickerd_slow_consumer_closes_total{shard=\"0\"} 0\n"
                       "tickerd_slow_consumer_closes_total{shard=\"1\"} 1\n"))
      << out;
  EXPECT_TRUE(contains(out, "tickerd_subscriptions{shard=\"0\",family=\"ticker\"} 7\n")) << out;
  EXPECT_TRUE(contains(out, "tickerd_subscriptions{shard=\"1\",family=\"ticker_wildcard\"} 1\n"))
      << out;
  EXPECT_TRUE(contains(out, "tickerd_subscriptions{shard=\"1\",family=\"gas\"} 0\n")) << out;
  EXPECT_FALSE(contains(out, "tickerd_feed_")) << "no feeds given";
  EXPECT_FALSE(contains(out, "tickerd_redis_")) << "no [redis]";
}

TEST(metrics_collector, sums_the_latency_histogram_over_shards) {
  shard_stats a;
  shard_stats b;
  a.delivery_latency.observe(50'000);          // exactly the first bound: in it (le is inclusive)
  a.delivery_latency.observe(50'001);          // the next
  b.delivery_latency.observe(3'000'000);       // 3 ms: le=0.005
  b.delivery_latency.observe(-5);              // a clock step counts as zero
  b.delivery_latency.observe(10'000'000'000);  // 10 s: only +Inf
  const std::array<const shard_stats*, 2> shards{&a, &b};
  sources from;
  from.shards = shards;
  const auto out = server_metrics(from, 0);
  EXPECT_TRUE(contains(out,
                       "# TYPE tickerd_delivery_latency_seconds histogram\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"5e-05\"} 2\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.0001\"} 3\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.00025\"} 3\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.0005\"} 3\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.001\"} 3\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.0025\"} 3\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.005\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.01\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.025\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.05\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.1\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.25\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"0.5\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"1\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"2.5\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"5\"} 4\n"
                       "tickerd_delivery_latency_seconds_bucket{le=\"+Inf\"} 5\n"
                       "tickerd_delivery_latency_seconds_sum 10.003100001\n"
                       "tickerd_delivery_latency_seconds_count 5\n"))
      << out;
}

TEST(metrics_collector, exports_feed_state_counters_and_staleness) {
  std::deque<feed_stats> stats(2);
  stats[0].state = feed_state::up;
  stats[0].last_message_wall_ms = 1'000'000;
  stats[0].messages = 42;
  stats[0].parse_errors = 3;
  stats[1].state = feed_state::stale;  // never received: no age sample
  stats[1].reconnects = 2;
  const std::vector<feed_status_entry> feeds{{"binance", &stats[0]}, {"eth", &stats[1]}};
  sources from;
  from.feeds = feeds;
  const auto out = server_metrics(from, 1'002'500);
  EXPECT_TRUE(contains(out,
                       "# TYPE tickerd_feed_up gauge\n"
                       "tickerd_feed_up{feed=\"binance\"} 1\n"
                       "tickerd_feed_up{feed=\"eth\"} 0\n"))
      << out;
  EXPECT_TRUE(contains(out,
                       "tickerd_feed_state{feed=\"eth\",state=\"connecting\"} 0\n"
                       "tickerd_feed_state{feed=\"eth\",state=\"up\"} 0\n"
                       "tickerd_feed_state{feed=\"eth\",state=\"stale\"} 1\n"
                       "tickerd_feed_state{feed=\"eth\",state=\"down\"} 0\n"))
      << out;
  EXPECT_TRUE(contains(out,
                       "# TYPE tickerd_feed_last_message_age_seconds gauge\n"
                       "tickerd_feed_last_message_age_seconds{feed=\"binance\"} 2.5\n# HELP"))
      << out;
  EXPECT_TRUE(contains(out, "tickerd_feed_messages_total{feed=\"binance\"} 42\n")) << out;
  EXPECT_TRUE(contains(out, "tickerd_feed_parse_errors_total{feed=\"binance\"} 3\n")) << out;
  EXPECT_TRUE(contains(out, "tickerd_feed_reconnects_total{feed=\"eth\"} 2\n")) << out;
}

TEST(metrics_collector, exports_redis_only_when_configured) {
  redis_stats redis;
  redis_store_stats writer;
  sources from;
  from.redis = &redis;
  from.redis_writer = &writer;
  EXPECT_FALSE(contains(server_metrics(from, 0), "tickerd_redis")) << "enabled is false";
  redis.enabled = true;
  redis.connected = true;
  bump(redis.connects, 2);
  bump(redis.disconnects);
  set(writer.buffered, 17);
  bump(writer.failures);
  const auto out = server_metrics(from, 0);
  EXPECT_TRUE(contains(out,
                       "# HELP tickerd_redis_connected 1 while the Redis data connection is up.\n"
                       "# TYPE tickerd_redis_connected gauge\n"
                       "tickerd_redis_connected 1\n"))
      << out;
  EXPECT_TRUE(contains(out, "tickerd_redis_connects_total 2\n")) << out;
  EXPECT_TRUE(contains(out, "tickerd_redis_disconnects_total 1\n")) << out;
  EXPECT_TRUE(contains(out, "tickerd_redis_buffered_updates 17\n")) << out;
  EXPECT_TRUE(contains(out, "tickerd_redis_write_failures_total 1\n")) << out;
  EXPECT_FALSE(contains(out, "tickerd_ingest_lease_held")) << "only role ingest has a lease";
  redis.ingest = true;
  EXPECT_TRUE(contains(server_metrics(from, 0), "tickerd_ingest_lease_held 0\n"));
  redis.lease_held = true;
  EXPECT_TRUE(contains(server_metrics(from, 0),
                       "# TYPE tickerd_ingest_lease_held gauge\ntickerd_ingest_lease_held 1\n"));
}

TEST(metrics_collector, exports_each_symbols_composite_venues) {
  const std::vector<instrument> instruments{{"BTC", "USDT"}, {"ETH", "USDT"}};
  const channel_registry channels(instruments);
  publisher pub(channels, nullptr);
  aggregator market(instruments, channels, pub);
  const std::vector<tick> ticks{test::make_tick(venue_id::binance, 0, {{tf_last, "100"}}, 1, 1),
                                test::make_tick(venue_id::okx, 0, {{tf_last, "101"}}, 1, 1)};
  market.on_ticks(ticks);
  sources from;
  EXPECT_FALSE(contains(server_metrics(from, 0), "tickerd_symbol_venues")) << "no market given";
  from.market = &market;
  EXPECT_TRUE(contains(server_metrics(from, 0),
                       "# TYPE tickerd_symbol_venues gauge\n"
                       "tickerd_symbol_venues{symbol=\"BTC-USDT\"} 2\n"
                       "tickerd_symbol_venues{symbol=\"ETH-USDT\"} 0\n"));
}

// What promtool's lint checks, on everything the collector writes: one HELP and TYPE per
// family, before its samples; counters end in _total and nothing else does; names are
// snake_case with the tickerd_ or process_ prefix.
TEST(metrics_collector, every_family_follows_the_naming_rules) {
  shard_stats a;
  std::deque<feed_stats> stats(1);
  stats[0].last_message_wall_ms = 1;
  const std::vector<feed_status_entry> feeds{{"okx", &stats[0]}};
  redis_stats redis;
  redis.enabled = true;
  redis.ingest = true;
  redis_store_stats writer;
  const std::array<const shard_stats*, 1> shards{&a};
  const std::vector<instrument> instruments{{"BTC", "USDT"}};
  const channel_registry channels(instruments);
  publisher pub(channels, nullptr);
  const aggregator market(instruments, channels, pub);
  sources from{shards, feeds, &redis, &writer, &market};
  std::string out;
  prometheus_text text(out);
  write_build_info(text);
  write_server_metrics(text, from, 2);
  write_process_metrics(text, process_sample{});

  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::string current;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ")) {
      current = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(helped.insert(current).second) << "HELP twice: " << current;
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      const auto rest = line.substr(7);
      const auto name = rest.substr(0, rest.find(' '));
      EXPECT_EQ(name, current) << "TYPE right after HELP";
      EXPECT_TRUE(types.emplace(name, rest.substr(rest.find(' ') + 1)).second);
      continue;
    }
    const auto name = line.substr(0, line.find_first_of("{ "));
    ASSERT_FALSE(current.empty()) << line;
    const auto& type = types[current];
    if (type == "histogram") {
      EXPECT_TRUE(name == current + "_bucket" || name == current + "_sum" ||
                  name == current + "_count")
          << line;
    } else {
      EXPECT_EQ(name, current) << line;
    }
  }
  for (const auto& [name, type] : types) {
    EXPECT_TRUE(name.starts_with("tickerd_") || name.starts_with("process_")) << name;
    EXPECT_EQ(name.ends_with("_total"), type == "counter") << name;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789"), std::string::npos)
        << name;
  }
  EXPECT_EQ(types["tickerd_delivery_latency_seconds"], "histogram");
  EXPECT_EQ(types["tickerd_build_info"], "gauge");
  EXPECT_TRUE(contains(out, "tickerd_build_info{version=\"" TICKERD_VERSION "\"} 1\n"));
}

TEST(process_stats, parses_proc_stat_after_the_last_parenthesis) {
  // A command with spaces and a ')' of its own; fields from the kernel's documentation.
  const std::string line =
      "1234 (tick) erd) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 "
      "7000 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto s = parse_proc_stat(line);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 50u);
  EXPECT_EQ(s->start_ticks, 7000u);
  EXPECT_EQ(s->vsize_bytes, 123456789u);
  EXPECT_EQ(s->rss_pages, 2048u);
  EXPECT_FALSE(parse_proc_stat("1234 tickerd S 1"));
  EXPECT_FALSE(parse_proc_stat("1234 (x) S 1 2"));
}

TEST(process_stats, finds_the_boot_time) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1733500000\nprocesses 9\n"),
            std::optional<std::uint64_t>(1733500000));
  EXPECT_FALSE(parse_boot_time("cpu 1\n"));
}

TEST(process_stats, reads_this_process) {
  const auto p = read_process_sample();
  ASSERT_TRUE(p) << "/proc/self/stat and /proc/stat readable on Linux";
  EXPECT_GT(p->resident_bytes, 0u);
  EXPECT_GT(p->open_fds, 2u) << "stdin, stdout, stderr at least";
  EXPECT_GE(p->max_fds, p->open_fds);
  EXPECT_GT(p->start_time_seconds, 1.6e9);
}

}  // namespace
}  // namespace tickerd::metrics
