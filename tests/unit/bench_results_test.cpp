#include <gtest/gtest.h>

#include <string>

#include <simdjson.h>

#include "load/core/results.hpp"

namespace tickerd::bench {
namespace {

scenario_report sample_report() {
  scenario_report r;
  r.scenario = "fanout";
  r.mode = "sweep";
  r.description = "1,000 clients <all> & \"every\" update";
  r.command = "tickerd-bench --scenario bench/scenarios/fanout.toml";
  r.target_url = "ws://127.0.0.1:8080/ws";
  r.facts.emplace_back("best tickerd", "500k/s");
  for (const char* label : {"tickerd rate 10", "ws-broadcast rate 10"}) {
    run_result run;
    run.label = label;
    run.clients_planned = 1000;
    run.clients_connected = 1000;
    run.duration_s = 2;
    run.messages = 220'000;
    run.updates = 220'000;
    run.bytes = 80'000'000;
    run.offered_per_client = 110;
    for (std::uint64_t v = 100; v < 2000; ++v) run.latency_us.record(v);
    run.connect_us.record(900);
    run.series.push_back({0, 100, 1000, 10, 20, 30, 1000, 50, 1000, 20, 10, true});
    run.series.push_back({1, 110, 1000, 10, 20, 30, 1000, -1, 1000, -1, 10, true});
    r.runs.push_back(run);
  }
  r.targets.push_back({"ratio to ws peer", "1.0×", "≥ 5×", false});
  return r;
}

TEST(BenchResults, JsonIsValidAndComplete) {
  const auto json = to_json(sample_report());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json.substr(0, 400);
  EXPECT_EQ(std::string_view(doc["scenario"].get_string().value()), "fanout");
  const auto runs = doc["runs"].get_array().value();
  ASSERT_EQ(runs.size(), 2u);
  const auto first = runs.at(0).value();
  EXPECT_EQ(first["messages_per_s"].get_double().value(), 110'000.0);
  EXPECT_EQ(first["latency_us"]["count"].get_int64().value(), 1900);
  EXPECT_EQ(first["latency_us"]["min"].get_int64().value(), 100);
  EXPECT_GE(first["latency_us"]["p99"].get_int64().value(), 1980);
  EXPECT_TRUE(first["series"].at(1)["server_cpu_pct"].is_null());
  EXPECT_FALSE(doc["targets"].at(0)["met"].get_bool().value());
  EXPECT_TRUE(doc["targets"].at(0)["conclusive"].get_bool().value());
  EXPECT_TRUE(first["latest"].is_null());
}

TEST(BenchResults, ThrottledRunAndInconclusiveTarget) {
  auto report = sample_report();
  auto& run = report.runs.front();
  run.label = "tickerd";
  run.throttle_ms = 250;
  run.channels_per_client = 11;
  run.duration_s = 10;
  run.updates = 440'000;  // 1,000 clients x 11 channels x 4/s x 10 s
  run.skipped = 660'000;
  latest_check l;
  l.clients = 1000;
  l.checked = 11'000;
  l.behind = 1;
  l.worst_lag = 3;
  l.first_problem = "ticker.BTC-USDT: client 5 at seq 40, server 43";
  run.latest = l;
  run.latest_how = "market paused";
  report.targets.front().conclusive = false;
  report.targets.front().measured = "not measured: the peer held p99 ≤ 5 ms at no step";

  const auto json = to_json(report);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json.substr(0, 400);
  const auto first = doc["runs"].at(0).value();
  EXPECT_EQ(first["throttle_ms"].get_int64().value(), 250);
  EXPECT_EQ(first["skipped"].get_int64().value(), 660'000);
  EXPECT_EQ(first["gaps"].get_int64().value(), 0);
  EXPECT_DOUBLE_EQ(first["updates_per_client_channel_s"].get_double().value(), 4.0);
  EXPECT_FALSE(first["latest"]["ok"].get_bool().value());
  EXPECT_EQ(first["latest"]["behind"].get_int64().value(), 1);
  EXPECT_EQ(first["latest"]["checked"].get_int64().value(), 11'000);
  EXPECT_FALSE(doc["targets"].at(0)["conclusive"].get_bool().value());

  const auto table = summary_table(report);
  EXPECT_NE(table.find("4.00 updates/s per client per channel (throttle_ms 250)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("LOST"), std::string::npos) << table;
  EXPECT_NE(table.find("NOT MEASURED"), std::string::npos) << table;
  EXPECT_EQ(table.find("MISSED"), std::string::npos) << table;
  const auto html = to_html(report);
  EXPECT_NE(html.find("Throttled delivery: tickerd"), std::string::npos);
  EXPECT_NE(html.find("not measured"), std::string::npos);
}

TEST(BenchResults, HtmlIsSelfContained) {
  const auto html = to_html(sample_report());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("<polyline"), std::string::npos);
  EXPECT_NE(html.find("&lt;all&gt; &amp; &quot;every&quot;"), std::string::npos);
  // No external resource: the only URL is the SVG namespace, which is not fetched.
  std::string rest = html;
  for (std::size_t at = rest.find("xmlns=\"http://www.w3.org/2000/svg\""); at != std::string::npos;
       at = rest.find("xmlns=\"http://www.w3.org/2000/svg\"")) {
    rest.erase(at, 34);
  }
  EXPECT_EQ(rest.find("http"), std::string::npos);
  EXPECT_EQ(rest.find("<script"), std::string::npos);
  EXPECT_EQ(rest.find("<link"), std::string::npos);
}

TEST(BenchResults, SummaryAndFormatting) {
  const auto table = summary_table(sample_report());
  EXPECT_NE(table.find("tickerd rate 10"), std::string::npos);
  EXPECT_NE(table.find("MISSED"), std::string::npos);
  EXPECT_EQ(short_number(523'100), "523.1k");
  EXPECT_EQ(short_number(1'200'000), "1.20M");
  EXPECT_EQ(short_number(42), "42");
  EXPECT_EQ(format_us(840), "840 µs");
  EXPECT_EQ(format_us(1'500), "1.50 ms");
  EXPECT_EQ(format_us(25'000), "25.0 ms");
  EXPECT_EQ(format_us(2'500'000), "2.50 s");
}

}  // namespace
}  // namespace tickerd::bench
