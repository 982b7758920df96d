// GET /metrics (docs/OPERATIONS.md "Metrics"): the scrape passes Debian's `promtool check
// metrics`, a real `prometheus` server scrapes it and its query API reads back what tickerd
// has; and `[metrics] listen` moves /metrics to a port of its own.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "redis_harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* prometheus_bin = "/usr/bin/prometheus";
constexpr const char* promtool_bin = "/usr/bin/promtool";

bool executable(const char* path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  return !ec && std::filesystem::is_regular_file(st) &&
         (st.permissions() & std::filesystem::perms::owner_exec) != std::filesystem::perms::none;
}

// The sum of every sample of `name` whose labels contain `label` ("" = all), from a scrape.
std::optional<double> sample_sum(const std::string& text, std::string_view name,
                                 std::string_view label = {}) {
  std::optional<double> sum;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find('\n', at), text.size());
    const std::string_view line(text.data() + at, end - at);
    at = end + 1;
    if (!line.starts_with(name) || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != '{' && next != ' ') continue;
    const auto space = line.rfind(' ');
    if (!label.empty() && line.substr(0, space).find(label) == std::string_view::npos) continue;
    sum = sum.value_or(0) + std::stod(std::string(line.substr(space + 1)));
  }
  return sum;
}

testing::AssertionResult wait_scrape(std::uint16_t port,
                                     const std::function<bool(const std::string&)>& pred,
                                     duration timeout = seconds(30)) {
  const auto deadline = steady_clock::now() + timeout;
  std::string last;
  while (steady_clock::now() < deadline) {
    const auto r = http_get(port, "/metrics", seconds(5));
    last = r.body;
    if (r.status == 200 && pred(r.body)) return testing::AssertionSuccess();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return testing::AssertionFailure() << "last /metrics:\n" << last;
}

std::vector<std::unique_ptr<ws_client>> open_clients(std::uint16_t port, std::size_t n) {
  std::vector<std::unique_ptr<ws_client>> clients;
  for (std::size_t i = 0; i < n; ++i) {
    auto c = std::make_unique<ws_client>();
    EXPECT_TRUE(c->connect(port));
    EXPECT_TRUE(c->send_text(subscribe_request(1, {"ticker.BTC-USDT", "fng"})));
    EXPECT_TRUE(c->wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30))) << c->tail();
    clients.push_back(std::move(c));
  }
  return clients;
}

// Asks a running prometheus for `query` until its single result's value is `want`.
testing::AssertionResult wait_query(std::uint16_t prometheus_port, const std::string& query,
                                    const std::string& want, child_process& prometheus) {
  const auto deadline = steady_clock::now() + seconds(60);
  std::string last;
  while (steady_clock::now() < deadline) {
    if (!prometheus.running()) {
      return testing::AssertionFailure() << "prometheus exited:\n" << prometheus.logs();
    }
    const auto r = http_get(prometheus_port, "/api/v1/query?query=" + query, seconds(5));
    last = r.body;
    if (const auto j = json_value::parse(r.body); r.status == 200 && j) {
      const auto& result = (*j)["data"]["result"];
      if ((*j)["status"].str() == "success" && result.size() == 1 &&
          result[0]["value"][1].str() == want) {
        return testing::AssertionSuccess();
      }
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  return testing::AssertionFailure()
         << query << " never became " << want << "; last answer: " << last;
}

// `promtool check metrics` on a scrape: exit 0 and not a word of lint.
testing::AssertionResult promtool_check(const temp_dir& dir, const std::string& scrape) {
  const auto file = dir.write("scrape.txt", scrape);
  const auto check = run_to_exit(
      {"/bin/sh", "-c", std::string(promtool_bin) + " check metrics < '" + file.string() + "'"},
      dir.path(), "promtool");
  if (check.exit.exited && check.exit.code == 0 && check.out.empty() && check.err.empty()) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << "promtool check metrics: " << check.exit.str() << "\n"
                                     << check.out << check.err;
}

TEST(e2e_metrics, promtool_accepts_the_scrape_and_prometheus_reads_it_back) {
  ASSERT_TRUE(executable(prometheus_bin) && executable(promtool_bin))
      << prometheus_bin << " and " << promtool_bin
      << " are needed: apt-get install prometheus (scripts/install-deps.sh test)";
  stack s;
  ASSERT_TRUE(s.start());
  auto clients = open_clients(s.port(), 3);

  const auto scrape = http_get(s.port(), "/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.error;
  EXPECT_EQ(scrape.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(sample_sum(scrape.body, "tickerd_connections"), 3.0) << scrape.body;
  EXPECT_EQ(sample_sum(scrape.body, "tickerd_build_info"), 1.0) << scrape.body;
  EXPECT_EQ(sample_sum(scrape.body, "tickerd_feed_up", "feed=\"binance\""), 1.0) << scrape.body;
  EXPECT_GT(sample_sum(scrape.body, "tickerd_feed_messages_total").value_or(0), 0);
  EXPECT_GT(sample_sum(scrape.body, "tickerd_messages_sent_total").value_or(0), 0);
  EXPECT_GT(sample_sum(scrape.body, "tickerd_sent_bytes_total").value_or(0), 0);
  EXPECT_GT(sample_sum(scrape.body, "tickerd_delivery_latency_seconds_count").value_or(0), 0);
  EXPECT_GT(sample_sum(scrape.body, "process_resident_memory_bytes").value_or(0), 0);
  EXPECT_GT(sample_sum(scrape.body, "process_open_fds").value_or(0), 0);
  // Subscriptions are sampled by each shard's keepalive sweep.
  EXPECT_TRUE(wait_scrape(s.port(), [](const std::string& t) {
    return sample_sum(t, "tickerd_subscriptions", "family=\"ticker\"") == 3.0 &&
           sample_sum(t, "tickerd_subscriptions", "family=\"fng\"") == 3.0 &&
           sample_sum(t, "tickerd_subscriptions") == 6.0;
  }));

  // Debian's promtool: the text parses and no lint rule complains.
  EXPECT_TRUE(promtool_check(s.dir(), scrape.body));

  // A real Prometheus scraping tickerd twice a second.
  const auto prometheus_port = free_port();
  const auto config =
      s.dir().write("prometheus.yml",
                    "global:\n  scrape_interval: 500ms\n  evaluation_interval: 500ms\n"
                    "scrape_configs:\n  - job_name: tickerd\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:" +
                        std::to_string(s.port()) + "']\n");
  child_process prometheus;
  ASSERT_TRUE(
      prometheus.spawn({prometheus_bin, "--config.file=" + config.string(),
                        "--storage.tsdb.path=" + (s.dir().path() / "tsdb").string(),
                        "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                       s.dir().path(), "prometheus"));
  ASSERT_TRUE(wait_for_http_200(prometheus_port, "/-/ready", seconds(60), &prometheus));
  EXPECT_TRUE(wait_query(prometheus_port, "up", "1", prometheus));
  EXPECT_TRUE(wait_query(prometheus_port, "sum(tickerd_connections)", "3", prometheus));
  // One client leaves: Prometheus follows.
  clients.pop_back();
  EXPECT_TRUE(wait_query(prometheus_port, "sum(tickerd_connections)", "2", prometheus));
  EXPECT_TRUE(
      wait_query(prometheus_port, "tickerd_feed_up%7Bfeed%3D%22binance%22%7D", "1", prometheus));
  const auto stopped = prometheus.stop();
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.str() << prometheus.logs();
}

TEST(e2e_metrics, a_separate_listen_address_serves_metrics_alone) {
  const auto metrics_port = free_port();
  stack_options options;
  options.extra_toml = "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(metrics_port) + "\"\n";
  stack s(options);
  ASSERT_TRUE(s.start());
  auto clients = open_clients(s.port(), 2);

  const auto main_port = http_get(s.port(), "/metrics");
  EXPECT_EQ(main_port.status, 404) << "only on [metrics] listen";
  const auto scrape = http_get(metrics_port, "/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.error;
  EXPECT_EQ(scrape.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(sample_sum(scrape.body, "tickerd_connections"), 2.0) << scrape.body;
  EXPECT_EQ(http_get(metrics_port, "/v1/stats").status, 404) << "nothing else there";
  EXPECT_EQ(http_get(metrics_port, "/").status, 404);
  EXPECT_EQ(http_request(metrics_port, "POST", "/metrics").status, 405);
  clients.clear();
  EXPECT_TRUE(wait_scrape(metrics_port, [](const std::string& t) {
    return sample_sum(t, "tickerd_connections") == 0.0;
  }));
}

TEST(e2e_metrics, exports_the_redis_connection_and_writer) {
  ASSERT_TRUE(executable(promtool_bin)) << promtool_bin << " is needed: apt-get install prometheus";
  temp_dir dir("e2e_metrics_redis");
  redis_server redis(dir);
  ASSERT_TRUE(redis.start());
  stack_options options;
  options.extra_toml = "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis.port()) +
                       "\"\nbackoff_initial_ms = 50\nbackoff_max_ms = 300\n";
  stack s(options);
  ASSERT_TRUE(s.start());
  ASSERT_TRUE(wait_scrape(s.port(), [](const std::string& t) {
    return sample_sum(t, "tickerd_redis_connected") == 1.0 &&
           sample_sum(t, "tickerd_redis_connects_total") == 1.0 &&
           sample_sum(t, "tickerd_redis_written_updates_total").value_or(0) > 0;
  }));
  // Redis goes away: the gauge drops, the loss is counted, updates wait in the buffer.
  redis.kill();
  std::string during;
  ASSERT_TRUE(wait_scrape(s.port(), [&during](const std::string& t) {
    during = t;
    return sample_sum(t, "tickerd_redis_connected") == 0.0 &&
           sample_sum(t, "tickerd_redis_disconnects_total") == 1.0 &&
           sample_sum(t, "tickerd_redis_buffered_updates").value_or(0) > 0;
  }));
  EXPECT_TRUE(promtool_check(s.dir(), during));
  ASSERT_TRUE(redis.start());
  EXPECT_TRUE(wait_scrape(s.port(), [](const std::string& t) {
    return sample_sum(t, "tickerd_redis_connected") == 1.0 &&
           sample_sum(t, "tickerd_redis_connects_total") == 2.0;
  }));
}

TEST(e2e_metrics, can_be_turned_off) {
  stack_options options;
  options.extra_toml = "[metrics]\nenabled = false\n";
  stack s(options);
  ASSERT_TRUE(s.start());
  EXPECT_EQ(http_get(s.port(), "/metrics").status, 404);
  EXPECT_EQ(http_get(s.port(), "/v1/stats").status, 200);
}

}  // namespace
}  // namespace tickerd::e2e
