// The first slice end to end: tickerd-sim (Binance's wire protocol) -> tickerd -> WebSocket and
// HTTP clients, all real processes on loopback. Each test starts its own sim and tickerd on
// free ports. The contract is docs/PROTOCOL.md.
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::seconds;

constexpr int close_going_away = 1001;
constexpr int close_too_big = 1009;
constexpr std::size_t oversized_message_bytes = 70 * 1024;  // above the 64 KiB limit
// ticker.*: updates on this many channels, this many each.
constexpr std::size_t wanted_channels = 3;
constexpr std::size_t wanted_per_channel = 2;

// Every message parsed, none binary, no error or conflation the test did not provoke.
testing::AssertionResult all_clean(const std::vector<ws_message>& ms) {
  for (const auto& m : ms) {
    if (!m.valid) return testing::AssertionFailure() << "#" << m.index << " is not JSON: " << m.raw;
    if (m.binary) return testing::AssertionFailure() << "#" << m.index << " came in a binary frame";
    if (!m.json.is_object() || !m["type"].is_string()) {
      return testing::AssertionFailure() << "#" << m.index << " has no type: " << m.raw;
    }
    if (m.type() == "error" || m.type() == "conflated") {
      return testing::AssertionFailure() << "#" << m.index << " unexpected: " << m.raw;
    }
  }
  return testing::AssertionSuccess();
}

std::string symbol_of(std::string_view channel) {
  constexpr std::string_view prefix = "ticker.";
  return channel.starts_with(prefix) ? std::string(channel.substr(prefix.size())) : std::string();
}

// ---- 1 ----------------------------------------------------------------------------------------

TEST(end_to_end, subscribe_ticker_gets_ack_snapshot_then_consecutive_updates) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));

  const auto ack = client.wait_for(type_is("ack"));
  ASSERT_TRUE(ack) << client.tail();
  EXPECT_TRUE(ack->json["id"].is_integer()) << ack->raw;
  EXPECT_EQ(ack->json["id"].integer(), 1) << ack->raw;
  EXPECT_EQ(ack->json["op"].str(), "subscribe") << ack->raw;
  ASSERT_EQ(ack->json["channels"].size(), 1u) << ack->raw;
  EXPECT_EQ(ack->json["channels"][0].str(), "ticker.BTC-USDT") << ack->raw;

  const auto snapshot = client.wait_for(type_is("snapshot"));
  ASSERT_TRUE(snapshot) << client.tail();
  EXPECT_LT(ack->index, snapshot->index) << "the ack must come before the snapshot";
  EXPECT_EQ(snapshot->channel(), "ticker.BTC-USDT") << snapshot->raw;
  ASSERT_TRUE(snapshot->json["seq"].is_integer()) << snapshot->raw;
  EXPECT_GE(snapshot->seq(), 0) << snapshot->raw;
  if (snapshot->data().is_null()) {
    EXPECT_EQ(snapshot->seq(), 0) << "a snapshot without data has seq 0: " << snapshot->raw;
  } else {
    EXPECT_GT(snapshot->seq(), 0) << "a snapshot with data has a seq: " << snapshot->raw;
    EXPECT_TRUE(check_ticker_data(snapshot->data(), "BTC-USDT")) << snapshot->raw;
  }

  constexpr std::size_t wanted_updates = 5;
  ASSERT_TRUE(client.wait_until(
      [](const std::vector<ws_message>& ms) {
        return count_of(ms, "update", "ticker.BTC-USDT") >= wanted_updates;
      },
      seconds(30)))
      << client.tail();

  const auto messages = client.messages();
  EXPECT_TRUE(all_clean(messages)) << client.tail();
  EXPECT_TRUE(check_sequences(messages)) << client.tail();
  std::int64_t expected_seq = snapshot->seq() + 1;
  std::int64_t previous_ts = 0;
  for (const auto& m : messages) {
    if (m.type() != "update") continue;
    EXPECT_GT(m.index, snapshot->index);
    EXPECT_EQ(m.channel(), "ticker.BTC-USDT") << m.raw;
    EXPECT_EQ(m.seq(), expected_seq) << m.raw;
    expected_seq = m.seq() + 1;
    EXPECT_TRUE(check_ticker_data(m.data(), "BTC-USDT")) << m.raw;
    EXPECT_FALSE(m.data()["stale"].boolean()) << "the feed is live: " << m.raw;
    EXPECT_GE(m.data()["ts"].integer(), previous_ts) << "event time went backwards: " << m.raw;
    previous_ts = m.data()["ts"].integer();
  }
}

// ---- 2 ----------------------------------------------------------------------------------------

TEST(end_to_end, prices_are_exactly_what_the_venue_sent) {
  stack s;
  ASSERT_TRUE(s.start());

  // A second subscriber straight on the sim sees the same ticks tickerd reads.
  ws_client venue;
  ASSERT_TRUE(venue.connect(s.sim_port(), "/stream?streams=btcusdt@ticker"));
  const auto first_tick = venue.wait_for(
      [](const ws_message& m) { return m["data"]["s"].str() == "BTCUSDT"; }, seconds(30));
  ASSERT_TRUE(first_tick) << "the sim sent nothing on /stream?streams=btcusdt@ticker\n"
                          << venue.tail();
  // Ticks from before the direct subscriber was connected cannot be checked against it.
  // Binance's "E" is ms; tickerd's ts is µs (PROTOCOL.md "Conventions").
  const std::int64_t first_checkable_ts = (*first_tick)["data"]["E"].integer() * 1000;
  const auto checkable = [first_checkable_ts](const ws_message& m) {
    return m.type() == "update" && m.channel() == "ticker.BTC-USDT" &&
           m.data()["ts"].integer() >= first_checkable_ts;
  };

  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  constexpr std::size_t wanted_updates = 8;
  ASSERT_TRUE(client.wait_until(
      [&](const std::vector<ws_message>& ms) {
        return static_cast<std::size_t>(std::count_if(ms.begin(), ms.end(), checkable)) >=
               wanted_updates;
      },
      seconds(40)))
      << client.tail();

  // tickerd field <- Binance 24hrTicker field
  const std::vector<std::pair<std::string, std::string>> fields{
      {"last", "c"},        {"open_24h", "o"},     {"high_24h", "h"}, {"low_24h", "l"},
      {"volume_base", "v"}, {"volume_quote", "q"}, {"bid", "b"},      {"ask", "a"}};
  // Not in PROTOCOL.md, but when tickerd sends them they must be the venue's too.
  const std::vector<std::pair<std::string, std::string>> optional_fields{{"bid_qty", "B"},
                                                                         {"ask_qty", "A"}};

  std::size_t compared = 0;
  for (const auto& u : client.messages()) {
    if (!checkable(u)) continue;
    const auto& data = u.data();
    const std::int64_t ts = data["ts"].integer();
    const auto is_source = [ts](const ws_message& m) {
      return m["data"]["s"].str() == "BTCUSDT" && m["data"]["E"].is_integer() &&
             m["data"]["E"].integer() * 1000 == ts;
    };
    // The direct subscriber may read the same tick a moment after tickerd published it.
    ASSERT_TRUE(venue.wait_for(is_source, seconds(10)))
        << "no sim message with E=" << ts << " for tickerd update " << u.raw << "\n"
        << venue.tail();

    std::string mismatch;
    bool matched = false;
    for (const auto& m : venue.messages()) {
      if (!is_source(m)) continue;
      const auto& src = m["data"];
      EXPECT_EQ(m["stream"].str(), "btcusdt@ticker") << m.raw;
      EXPECT_EQ(src["e"].str(), "24hrTicker") << m.raw;
      std::string diff;
      for (const auto& [ours, theirs] : fields) {
        if (!data[ours].is_string() || data[ours].str() != src[theirs].str()) {
          diff += " " + ours + "='" + data[ours].str() + "' vs " + theirs + "='" +
                  src[theirs].str() + "';";
        }
      }
      for (const auto& [ours, theirs] : optional_fields) {
        if (data.has(ours) && data[ours].str() != src[theirs].str()) {
          diff += " " + ours + "='" + data[ours].str() + "' vs " + theirs + "='" +
                  src[theirs].str() + "';";
        }
      }
      if (diff.empty()) {
        matched = true;
        const auto expected_pct = exact_change_pct(src["c"].str(), src["o"].str());
        ASSERT_TRUE(expected_pct) << m.raw;
        EXPECT_EQ(data["change_pct"].str(), *expected_pct)
            << "change_pct must be (c-o)/o*100 rounded half away from zero: " << u.raw;
        break;
      }
      mismatch += "\n  vs " + m.raw + ":" + diff;
    }
    EXPECT_TRUE(matched) << "tickerd update " << u.raw << " differs from the sim" << mismatch;
    ++compared;
  }
  EXPECT_GE(compared, wanted_updates);
}

// ---- 3 ----------------------------------------------------------------------------------------

TEST(end_to_end, wildcard_subscription_covers_every_symbol) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(R"({"op":"subscribe","id":"all","channels":["ticker.*"]})"));

  const auto ack = client.wait_for(type_is("ack"));
  ASSERT_TRUE(ack) << client.tail();
  EXPECT_EQ(ack->json["id"].str(), "all") << "a string id is echoed: " << ack->raw;
  EXPECT_EQ(ack->json["op"].str(), "subscribe") << ack->raw;

  const auto& symbols = all_symbols();
  ASSERT_TRUE(client.wait_until(
      [&](const std::vector<ws_message>& ms) {
        std::set<std::string> seen;
        for (const auto& m : ms) {
          if (m.type() == "snapshot") seen.insert(m.channel());
        }
        return seen.size() >= symbols.size();
      },
      seconds(30)))
      << client.tail(20);

  // Several channels, each with a few updates.
  ASSERT_TRUE(client.wait_until(
      [&](const std::vector<ws_message>& ms) {
        std::map<std::string, std::size_t> per_channel;
        for (const auto& m : ms) {
          if (m.type() == "update") ++per_channel[m.channel()];
        }
        return std::count_if(per_channel.begin(), per_channel.end(), [](const auto& kv) {
                 return kv.second >= wanted_per_channel;
               }) >= static_cast<std::ptrdiff_t>(wanted_channels);
      },
      seconds(40)))
      << client.tail(20);

  const auto messages = client.messages();
  EXPECT_TRUE(all_clean(messages)) << client.tail(20);
  EXPECT_TRUE(check_sequences(messages)) << client.tail(20);

  std::map<std::string, int> snapshots;
  for (const auto& m : messages) {
    if (m.type() == "snapshot") {
      ++snapshots[m.channel()];
      EXPECT_LT(ack->index, m.index) << m.raw;
      if (!m.data().is_null()) {
        EXPECT_TRUE(check_ticker_data(m.data(), symbol_of(m.channel()))) << m.raw;
      }
    } else if (m.type() == "update") {
      EXPECT_NE(m.channel(), "ticker.*") << "updates carry the concrete channel: " << m.raw;
      EXPECT_TRUE(check_ticker_data(m.data(), symbol_of(m.channel()))) << m.raw;
    }
  }
  for (const auto& symbol : symbols) {
    EXPECT_EQ(snapshots["ticker." + symbol], 1) << "snapshots for ticker." << symbol;
  }
  EXPECT_EQ(snapshots.size(), symbols.size()) << "snapshots only for the concrete channels";
}

// ---- 4 ----------------------------------------------------------------------------------------

TEST(end_to_end, venue_outage_is_reported_and_recovers_on_the_same_connection) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"status", "ticker.BTC-USDT"})));

  const auto binance_state = [](const ws_message& m) {
    return feed_entry(m.data(), "binance")["state"].str();
  };
  const auto status_up = [&](const ws_message& m) {
    return m.channel() == "status" && binance_state(m) == "up";
  };
  const auto status_snapshot = client.wait_for(typed_on("snapshot", "status"));
  ASSERT_TRUE(status_snapshot) << client.tail();
  ASSERT_TRUE(status_snapshot->data().is_object()) << status_snapshot->raw;
  EXPECT_TRUE(status_snapshot->data()["feeds"].is_array()) << status_snapshot->raw;
  EXPECT_FALSE(feed_entry(status_snapshot->data(), "binance").is_absent()) << status_snapshot->raw;
  ASSERT_TRUE(client.wait_for(status_up, seconds(30))) << client.tail();
  const auto first_update = client.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30));
  ASSERT_TRUE(first_update) << client.tail();

  // The venue dies without a goodbye.
  const std::size_t before_kill = client.size();
  std::int64_t last_ts_before = 0;
  for (const auto& m : client.messages()) {
    if (m.channel() == "ticker.BTC-USDT" && m.data().is_object()) {
      last_ts_before = std::max(last_ts_before, m.data()["ts"].integer());
    }
  }
  const exit_info killed = s.kill_sim();
  ASSERT_FALSE(killed.exited) << killed.str();

  const auto not_up = client.wait_for(
      [&](const ws_message& m) {
        return m.type() == "update" && m.channel() == "status" && binance_state(m) != "up";
      },
      seconds(30), before_kill);
  ASSERT_TRUE(not_up) << "no status update left \"up\" after the sim died\n" << client.tail();
  const std::set<std::string> outage_states{"connecting", "stale", "down"};
  EXPECT_TRUE(outage_states.contains(binance_state(*not_up))) << not_up->raw;

  // /healthz keeps answering 200 and shows the feed not up.
  {
    http_response health;
    std::string state;
    const auto deadline = steady_clock::now() + seconds(20);
    do {
      health = http_get(s.port(), "/healthz");
      const auto json = json_value::parse(health.body);
      state = json ? feed_entry(*json, "binance")["state"].str() : "";
      if (health.status == 200 && !state.empty() && state != "up") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (steady_clock::now() < deadline);
    EXPECT_EQ(health.status, 200) << health.error << health.body;
    EXPECT_TRUE(outage_states.contains(state)) << "healthz during the outage: " << health.body;
  }

  // The ticker is marked stale once the venue is silent past stale_after_ms: in an update, or
  // else in the status (which the brief accepts), and in the HTTP view of the ticker.
  {
    bool stale_update = client
                            .wait_for(
                                [](const ws_message& m) {
                                  return m.type() == "update" && m.channel() == "ticker.BTC-USDT" &&
                                         m.data()["stale"].boolean();
                                },
                                seconds(5), before_kill)
                            .has_value();
    EXPECT_TRUE(stale_update || outage_states.contains(binance_state(*not_up))) << client.tail();
    http_response ticker;
    const auto deadline = steady_clock::now() + seconds(20);
    bool stale = false;
    do {
      ticker = http_get(s.port(), "/v1/ticker/BTC-USDT");
      const auto json = json_value::parse(ticker.body);
      stale = json && (*json)["data"]["stale"].boolean();
      if (stale) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (steady_clock::now() < deadline);
    EXPECT_TRUE(stale) << "PROTOCOL.md: stale is true when no venue was heard within its bound; "
                       << "/v1/ticker/BTC-USDT " << ticker.status << " " << ticker.body;
  }

  // The venue comes back on the same port; tickerd reconnects by itself.
  const std::size_t before_restart = client.size();
  ASSERT_TRUE(s.start_sim());
  const auto up_again = client.wait_for(status_up, seconds(30), before_restart);
  ASSERT_TRUE(up_again) << "the feed never came back up\n" << client.tail();
  EXPECT_EQ(up_again->type(), "update") << up_again->raw;
  const auto fresh = client.wait_for(
      [&](const ws_message& m) {
        return m.type() == "update" && m.channel() == "ticker.BTC-USDT" &&
               m.data()["ts"].integer() > last_ts_before && !m.data()["stale"].boolean();
      },
      seconds(30), before_restart);
  ASSERT_TRUE(fresh) << "no fresh ticker update after the sim restarted\n" << client.tail();
  EXPECT_TRUE(check_ticker_data(fresh->data(), "BTC-USDT")) << fresh->raw;
  EXPECT_FALSE(client.closed()) << client.close_error();

  const auto messages = client.messages();
  EXPECT_TRUE(all_clean(messages)) << client.tail();
  EXPECT_TRUE(check_sequences(messages)) << client.tail(30);

  {
    http_response health;
    std::string state;
    const auto deadline = steady_clock::now() + seconds(20);
    do {
      health = http_get(s.port(), "/healthz");
      const auto json = json_value::parse(health.body);
      state = json ? feed_entry(*json, "binance")["state"].str() : "";
      if (state == "up") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (steady_clock::now() < deadline);
    EXPECT_EQ(health.status, 200) << health.body;
    EXPECT_EQ(state, "up") << health.body;
  }
  const auto feeds = http_get(s.port(), "/v1/feeds");
  const auto feeds_json = json_value::parse(feeds.body);
  ASSERT_TRUE(feeds_json) << feeds.status << " " << feeds.body;
  const auto& binance = feed_entry(*feeds_json, "binance");
  EXPECT_GE(binance["connects"].integer(), 2) << feeds.body;
  EXPECT_GE(binance["reconnects"].integer(), 1) << feeds.body;
}

// ---- 5 ----------------------------------------------------------------------------------------

struct bad_request_case {
  std::string what;
  std::string payload;
  bool binary = false;
  std::string code;
  std::optional<std::int64_t> int_id;
  std::optional<std::string> string_id;
  std::string mentions;  // a word the error message must contain
};

TEST(end_to_end, bad_client_messages_get_errors_and_the_stream_goes_on) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client client;
  ws_client bystander;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(bystander.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(bystander.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(client.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30))) << client.tail();

  const std::vector<bad_request_case> cases{
      {"not JSON", "this is not json", false, "bad_json", {}, {}, ""},
      {"a JSON array", "[1,2,3]", false, "bad_json", {}, {}, ""},
      {"a JSON string", R"("subscribe")", false, "bad_json", {}, {}, ""},
      {"missing op",
       R"({"id":7,"channels":["ticker.BTC-USDT"]})",
       false,
       "bad_request",
       7,
       {},
       "op"},
      {"op not a string", R"({"op":5,"id":8})", false, "bad_request", 8, {}, "op"},
      {"unknown op", R"({"op":"fly","id":9})", false, "unknown_op", 9, {}, ""},
      {"unknown op, string id", R"({"op":"fly","id":"abc"})", false, "unknown_op", {}, "abc", ""},
      {"unknown channel",
       subscribe_request(10, {"ticker.FOO-BAR"}),
       false,
       "unknown_channel",
       10,
       {},
       "ticker.FOO-BAR"},
      {"unknown channel family",
       subscribe_request(11, {"weather.PARIS"}),
       false,
       "unknown_channel",
       11,
       {},
       "weather.PARIS"},
      {"channels not an array",
       R"({"op":"subscribe","id":12,"channels":"ticker.BTC-USDT"})",
       false,
       "bad_request",
       12,
       {},
       "channels"},
      {"missing channels",
       R"({"op":"subscribe","id":13})",
       false,
       "bad_request",
       13,
       {},
       "channels"},
      {"channel not a string",
       R"({"op":"subscribe","id":14,"channels":[42]})",
       false,
       "bad_request",
       14,
       {},
       ""},
      {"one unknown channel among good ones",
       subscribe_request(15, {"ticker.ETH-USDT", "ticker.NOPE-USDT"}),
       false,
       "unknown_channel",
       15,
       {},
       "ticker.NOPE-USDT"},
      {"binary frame", std::string("\x01\x02\x03{}", 5), true, "binary_not_supported", {}, {}, ""},
  };

  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const std::size_t from = client.size();
    ASSERT_TRUE(c.binary ? client.send_binary(c.payload) : client.send_text(c.payload));
    const auto reply = client.wait_for(
        [](const ws_message& m) { return m.type() == "error" || m.type() == "ack"; },
        default_timeout, from);
    ASSERT_TRUE(reply) << "no error reply\n" << client.tail();
    EXPECT_EQ(reply->type(), "error") << reply->raw;
    EXPECT_EQ(reply->json["code"].str(), c.code) << reply->raw;
    EXPECT_TRUE(reply->json["message"].is_string()) << reply->raw;
    if (!c.mentions.empty()) {
      EXPECT_NE(reply->json["message"].str().find(c.mentions), std::string::npos)
          << "the message should name '" << c.mentions << "': " << reply->raw;
    }
    if (c.int_id) {
      EXPECT_TRUE(reply->json["id"].is_integer()) << reply->raw;
      EXPECT_EQ(reply->json["id"].integer(), *c.int_id) << reply->raw;
    } else if (c.string_id) {
      EXPECT_EQ(reply->json["id"].str(), *c.string_id) << reply->raw;
    } else {
      EXPECT_TRUE(reply->json["id"].is_absent())
          << "no readable id, so none echoed: " << reply->raw;
    }
  }

  // ping -> pong, echoing the id.
  {
    const std::size_t from = client.size();
    ASSERT_TRUE(client.send_text(R"({"op":"ping","id":16})"));
    const auto pong = client.wait_for(type_is("pong"), default_timeout, from);
    ASSERT_TRUE(pong) << client.tail();
    EXPECT_EQ(pong->json["id"].integer(), 16) << pong->raw;
    EXPECT_TRUE(pong->json["ts"].is_integer()) << pong->raw;
    const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    EXPECT_NEAR(static_cast<double>(pong->json["ts"].integer()), static_cast<double>(now_us), 60e6)
        << "pong ts is server time in µs: " << pong->raw;
  }

  // Updates keep flowing on the same connection, still in sequence.
  {
    const std::size_t from = client.size();
    ASSERT_TRUE(client.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30), from))
        << "no update after the bad messages\n"
        << client.tail();
    const auto messages = client.messages();
    EXPECT_TRUE(check_sequences(messages)) << client.tail(30);
    for (const auto& m : messages) {
      // A subscribe is all or nothing: ETH-USDT was asked for next to an unknown channel.
      EXPECT_NE(m.channel(), "ticker.ETH-USDT") << m.raw;
      EXPECT_TRUE(m.valid) << m.raw;
      EXPECT_NE(m.type(), "conflated") << m.raw;
    }
  }

  // Too big a message ends that connection with 1009, and only that one.
  const std::size_t bystander_from = bystander.size();
  std::string huge = R"({"op":"ping","id":17,"pad":")";
  huge.append(oversized_message_bytes, 'x');
  huge += "\"}";
  (void)client.send_text(huge);  // the server may close before reading it all
  ASSERT_TRUE(client.wait_closed(seconds(20))) << client.tail();
  EXPECT_EQ(client.close_code(), close_too_big) << client.close_error();
  ASSERT_TRUE(
      bystander.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30), bystander_from))
      << bystander.tail();
  EXPECT_FALSE(bystander.closed()) << bystander.close_error();
  EXPECT_TRUE(all_clean(bystander.messages())) << bystander.tail();
  EXPECT_TRUE(check_sequences(bystander.messages())) << bystander.tail();
}

// ---- 6 ----------------------------------------------------------------------------------------

TEST(end_to_end, http_routes) {
  stack s;
  ASSERT_TRUE(s.start());
  const auto& symbols = all_symbols();

  // /v1/snapshot: every ticker channel, each with data once the sim has sent all symbols.
  http_response snapshot;
  std::optional<json_value> snap;
  const auto all_have_data = [&](const json_value& j) {
    std::set<std::string> with_data;
    for (const auto& c : j["channels"].items()) {
      if (c["data"].is_object()) with_data.insert(c["channel"].str());
    }
    return with_data.size() >= symbols.size();
  };
  const auto deadline = steady_clock::now() + seconds(40);
  do {
    snapshot = http_get(s.port(), "/v1/snapshot");
    snap = json_value::parse(snapshot.body);
    if (snapshot.status == 200 && snap && all_have_data(*snap)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (steady_clock::now() < deadline);
  ASSERT_EQ(snapshot.status, 200) << snapshot.error << snapshot.body;
  ASSERT_TRUE(snap) << snapshot.body;
  EXPECT_TRUE(snapshot.content_type.starts_with("application/json")) << snapshot.content_type;
  EXPECT_TRUE((*snap)["ts"].is_integer()) << snapshot.body;
  {
    const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    EXPECT_NEAR(static_cast<double>((*snap)["ts"].integer()), static_cast<double>(now_us), 60e6)
        << "snapshot ts is server time in µs";
  }
  ASSERT_TRUE(all_have_data(*snap)) << snapshot.body;
  std::set<std::string> channels;
  for (const auto& c : (*snap)["channels"].items()) {
    const std::string& channel = c["channel"].str();
    EXPECT_TRUE(channels.insert(channel).second) << "listed twice: " << channel;
    EXPECT_TRUE(c["seq"].is_integer() && c["seq"].integer() >= 1) << channel;
    EXPECT_TRUE(check_ticker_data(c["data"], symbol_of(channel))) << channel;
  }
  std::set<std::string> expected;
  for (const auto& sym : symbols) expected.insert("ticker." + sym);
  EXPECT_EQ(channels, expected);

  const auto btc = http_get(s.port(), "/v1/ticker/BTC-USDT");
  EXPECT_EQ(btc.status, 200) << btc.error << btc.body;
  EXPECT_TRUE(btc.content_type.starts_with("application/json")) << btc.content_type;
  const auto btc_json = json_value::parse(btc.body);
  ASSERT_TRUE(btc_json) << btc.body;
  EXPECT_EQ((*btc_json)["channel"].str(), "ticker.BTC-USDT") << btc.body;
  EXPECT_TRUE((*btc_json)["seq"].is_integer()) << btc.body;
  EXPECT_TRUE(check_ticker_data((*btc_json)["data"], "BTC-USDT")) << btc.body;

  EXPECT_EQ(http_get(s.port(), "/v1/ticker/FOO-BAR").status, 404);
  EXPECT_EQ(http_get(s.port(), "/v1/nothing-here").status, 404);
  EXPECT_EQ(http_get(s.port(), "/definitely/not/a/route").status, 404);

  const auto health = http_get(s.port(), "/healthz");
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_TRUE(health.content_type.starts_with("application/json")) << health.content_type;
  const auto health_json = json_value::parse(health.body);
  ASSERT_TRUE(health_json) << health.body;
  EXPECT_EQ((*health_json)["status"].str(), "ok") << health.body;
  const auto& feed = feed_entry(*health_json, "binance");
  ASSERT_TRUE(feed.is_object()) << health.body;
  EXPECT_EQ(feed["state"].str(), "up") << health.body;

  const auto feeds = http_get(s.port(), "/v1/feeds");
  EXPECT_EQ(feeds.status, 200) << feeds.error;
  const auto feeds_json = json_value::parse(feeds.body);
  ASSERT_TRUE(feeds_json) << feeds.body;
  const auto& binance = feed_entry(*feeds_json, "binance");
  ASSERT_TRUE(binance.is_object()) << feeds.body;
  EXPECT_EQ(binance["state"].str(), "up") << feeds.body;
  for (const char* counter : {"last_message_age_ms", "connects", "reconnects", "messages",
                              "parse_errors", "gaps", "trades", "quotes", "trade_gaps"}) {
    EXPECT_TRUE(binance[counter].is_integer()) << counter << " in " << feeds.body;
  }
  EXPECT_GE(binance["connects"].integer(), 1) << feeds.body;
  EXPECT_GT(binance["messages"].integer(), 0) << feeds.body;
  EXPECT_EQ(binance["parse_errors"].integer(), 0) << feeds.body;

  const auto page = http_get(s.port(), "/");
  EXPECT_EQ(page.status, 200) << page.error << page.body.substr(0, 200);
  EXPECT_TRUE(page.content_type.starts_with("text/html")) << page.content_type;
  std::string lower = page.body;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  EXPECT_NE(lower.find("<html"), std::string::npos) << page.body.substr(0, 200);
}

TEST(end_to_end, http_methods_other_than_get_and_head_are_405) {
  stack s;
  ASSERT_TRUE(s.start());
  EXPECT_EQ(http_request(s.port(), "POST", "/v1/snapshot").status, 405);
  EXPECT_EQ(http_request(s.port(), "DELETE", "/healthz").status, 405);
  EXPECT_EQ(http_request(s.port(), "PUT", "/").status, 405);
  // PROTOCOL.md: "other methods than GET/HEAD are 405", so HEAD is served.
  const auto head = http_request(s.port(), "HEAD", "/healthz");
  EXPECT_EQ(head.status, 200) << head.error;
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(http_request(s.port(), "HEAD", "/v1/ticker/BTC-USDT").status, 200);
  EXPECT_EQ(http_request(s.port(), "HEAD", "/v1/ticker/FOO-BAR").status, 404);
}

// ---- 7 ----------------------------------------------------------------------------------------

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "the base config has no '" << from << "'";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(end_to_end, bad_configs_exit_with_status_2_naming_the_key) {
  temp_dir dir("config_errors");
  const std::uint16_t port = free_port();
  const std::uint16_t sim_port = free_port();
  const std::string base = tickerd_config(port, sim_port);
  const std::string listen_line = "listen = \"127.0.0.1:" + std::to_string(port) + "\"";

  struct config_case {
    std::string what;
    std::string text;
    std::string key;  // stderr must name it
  };
  const std::vector<config_case> cases{
      {"unknown key", replaced(base, "[server]\n", "[server]\nbogus_key = 1\n"), "bogus_key"},
      {"unknown table", base + "\n[bogus_table]\nx = 1\n", "bogus_table"},
      {"wrong type", replaced(base, "shards = 2", "shards = \"two\""), "shards"},
      {"wrong type in limits",
       replaced(base, "max_message_bytes = 65536", "max_message_bytes = \"big\""),
       "max_message_bytes"},
      {"bad listen address", replaced(base, listen_line, "listen = \"not-an-address\""), "listen"},
      {"bad listen port", replaced(base, listen_line, "listen = \"127.0.0.1:99999\""), "listen"},
      {"unknown venue", replaced(base, "venue = \"binance\"", "venue = \"nosuchvenue\""), "venue"},
      {"bad symbol", replaced(base, "\"BTC-USDT\", ", "\"BTCUSDT\", "), "symbols"},
      {"bad log level", replaced(base, "level = \"info\"", "level = \"loud\""), "level"},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto& c = cases[k];
    SCOPED_TRACE(c.what);
    const auto file = dir.write("bad" + std::to_string(k) + ".toml", c.text);
    const auto r = run_to_exit({TICKERD_BIN, "--config", file.string()}, dir.path(),
                               "tickerd.bad" + std::to_string(k));
    EXPECT_FALSE(r.timed_out) << "tickerd kept running with a bad config\n" << c.text;
    EXPECT_TRUE(r.exit.exited) << r.exit.str();
    EXPECT_EQ(r.exit.code, 2) << r.exit.str() << "\nstderr: " << r.err << "\nconfig:\n" << c.text;
    EXPECT_NE(r.err.find(c.key), std::string::npos)
        << "stderr should name '" << c.key << "': " << r.err;
  }

  // Not TOML at all.
  {
    const auto file = dir.write("syntax.toml", "[server\nlisten = \n");
    const auto r =
        run_to_exit({TICKERD_BIN, "--config", file.string()}, dir.path(), "tickerd.syntax");
    EXPECT_EQ(r.exit.code, 2) << r.exit.str() << " " << r.err;
    EXPECT_FALSE(r.err.empty());
  }
  // A missing file is an error too, and says which file.
  {
    const std::string missing = (dir.path() / "missing.toml").string();
    const auto r = run_to_exit({TICKERD_BIN, "--config", missing}, dir.path(), "tickerd.missing");
    EXPECT_TRUE(r.exit.exited) << r.exit.str();
    EXPECT_NE(r.exit.code, 0) << r.exit.str();
    EXPECT_NE(r.err.find("missing.toml"), std::string::npos) << r.err;
  }
  {
    const auto r = run_to_exit({TICKERD_BIN, "--version"}, dir.path(), "tickerd.version");
    EXPECT_TRUE(r.exit.exited && r.exit.code == 0) << r.exit.str() << " " << r.err;
    EXPECT_NE(r.out.find(TICKERD_VERSION), std::string::npos) << r.out;
  }
  {
    const auto r = run_to_exit({TICKERD_BIN, "--help"}, dir.path(), "tickerd.help");
    EXPECT_TRUE(r.exit.exited && r.exit.code == 0) << r.exit.str() << " " << r.err;
    EXPECT_NE(r.out.find("--config"), std::string::npos) << r.out;
  }
}

TEST(end_to_end, listen_on_the_command_line_overrides_the_config) {
  temp_dir dir("listen_override");
  const std::uint16_t config_port = free_port();
  const std::uint16_t cli_port = free_port();
  // No sim: tickerd serves HTTP while its feed is still connecting.
  const auto file = dir.write("tickerd.toml", tickerd_config(config_port, free_port()));
  child_process tickerd;
  ASSERT_TRUE(tickerd.spawn(
      {TICKERD_BIN, "--config", file.string(), "--listen", "127.0.0.1:" + std::to_string(cli_port)},
      dir.path(), "tickerd"));
  ASSERT_TRUE(wait_for_http_200(cli_port, "/healthz", start_timeout, &tickerd));
  EXPECT_NE(http_get(config_port, "/healthz", seconds(2)).status, 200);
  const auto health = json_value::parse(http_get(cli_port, "/healthz").body);
  ASSERT_TRUE(health);
  EXPECT_NE(feed_entry(*health, "binance")["state"].str(), "up") << "there is no venue to reach";
  const auto stopped = tickerd.stop();
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.str();
}

TEST(end_to_end, a_second_tickerd_on_a_taken_port_exits_1_naming_it) {
  // Every shard listens with SO_REUSEPORT; without a check a second process would silently
  // share the port and take half the connections.
  temp_dir dir("taken_port");
  const std::uint16_t port = free_port();
  const auto file = dir.write("tickerd.toml", tickerd_config(port, free_port()));
  child_process first;
  ASSERT_TRUE(first.spawn({TICKERD_BIN, "--config", file.string()}, dir.path(), "first"));
  ASSERT_TRUE(wait_for_http_200(port, "/healthz", start_timeout, &first));
  child_process second;
  ASSERT_TRUE(second.spawn({TICKERD_BIN, "--config", file.string()}, dir.path(), "second"));
  const auto exit = second.wait_exit(start_timeout);
  ASSERT_TRUE(exit) << "the second tickerd kept running on a taken port";
  EXPECT_TRUE(exit->exited && exit->code == 1) << exit->str();
  EXPECT_NE(second.stderr_text().find("server.listen"), std::string::npos) << second.stderr_text();
  const auto stopped = first.stop();
  EXPECT_TRUE(stopped.exited && stopped.code == 0) << stopped.str();
}

// ---- 8 ----------------------------------------------------------------------------------------

TEST(end_to_end, sigterm_closes_clients_with_going_away_and_exits_0) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(client.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30))) << client.tail();

  s.tickerd().send_signal(SIGTERM);
  ASSERT_TRUE(client.wait_closed(seconds(20))) << client.tail();
  EXPECT_EQ(client.close_code(), close_going_away) << client.close_error();
  const auto exited = s.tickerd().wait_exit(seconds(20));
  ASSERT_TRUE(exited) << "tickerd still running 20 s after SIGTERM";
  EXPECT_TRUE(exited->exited) << exited->str();
  EXPECT_EQ(exited->code, 0) << exited->str();
  EXPECT_EQ(http_get(s.port(), "/healthz", seconds(2)).status, 0) << "the port is closed";
}

}  // namespace
}  // namespace tickerd::e2e
