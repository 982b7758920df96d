// Client protocol details beyond the first slice's happy path (docs/PROTOCOL.md): unsubscribe,
// the subscription and request-rate limits, and snapshots that agree with the update stream.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int close_policy_violation = 1008;

// The ack or error answering request `id`.
ws_client::predicate reply_to(std::int64_t id) {
  return [id](const ws_message& m) {
    return (m.type() == "ack" || m.type() == "error" || m.type() == "pong") &&
           m["id"].is_integer() && m["id"].integer() == id;
  };
}

TEST(end_to_end_protocol, unsubscribe_stops_one_channel_and_keeps_the_other) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"ticker.BTC-USDT", "ticker.ETH-USDT"})));
  ASSERT_TRUE(client.wait_until(
      [](const std::vector<ws_message>& ms) {
        return count_of(ms, "update", "ticker.BTC-USDT") >= 1 &&
               count_of(ms, "update", "ticker.ETH-USDT") >= 1;
      },
      seconds(30)))
      << client.tail();

  const std::size_t from = client.size();
  ASSERT_TRUE(client.send_text(unsubscribe_request(2, {"ticker.BTC-USDT"})));
  const auto ack = client.wait_for(reply_to(2), default_timeout, from);
  ASSERT_TRUE(ack) << client.tail();
  EXPECT_EQ(ack->type(), "ack") << ack->raw;
  EXPECT_EQ(ack->json["op"].str(), "unsubscribe") << ack->raw;
  ASSERT_EQ(ack->json["channels"].size(), 1u) << ack->raw;
  EXPECT_EQ(ack->json["channels"][0].str(), "ticker.BTC-USDT") << ack->raw;

  // Unsubscribing from a channel this client does not have is not an error.
  ASSERT_TRUE(client.send_text(unsubscribe_request(3, {"ticker.SOL-USDT"})));
  const auto ack3 = client.wait_for(reply_to(3), default_timeout, from);
  ASSERT_TRUE(ack3) << client.tail();
  EXPECT_EQ(ack3->type(), "ack") << ack3->raw;

  // ETH goes on; BTC has stopped for good.
  ASSERT_TRUE(client.wait_until(
      [&](const std::vector<ws_message>& ms) {
        std::size_t eth_after = 0;
        for (std::size_t k = ack->index + 1; k < ms.size(); ++k) {
          if (ms[k].type() == "update" && ms[k].channel() == "ticker.ETH-USDT") ++eth_after;
        }
        return eth_after >= 3;
      },
      seconds(30)))
      << client.tail();
  const auto messages = client.messages();
  for (std::size_t k = ack->index + 1; k < messages.size(); ++k) {
    EXPECT_NE(messages[k].channel(), "ticker.BTC-USDT")
        << "after the unsubscribe ack: " << messages[k].raw;
    EXPECT_NE(messages[k].channel(), "ticker.SOL-USDT") << messages[k].raw;
  }
  EXPECT_TRUE(check_sequences(messages)) << client.tail(20);
}

TEST(end_to_end_protocol, subscription_limit_is_all_or_nothing) {
  stack_options options;
  options.max_subscriptions = 2;
  stack s(options);
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));

  ASSERT_TRUE(client.send_text(
      subscribe_request(1, {"ticker.BTC-USDT", "ticker.ETH-USDT", "ticker.SOL-USDT"})));
  const auto refused = client.wait_for(reply_to(1));
  ASSERT_TRUE(refused) << client.tail();
  EXPECT_EQ(refused->type(), "error") << refused->raw;
  EXPECT_EQ(refused->json["code"].str(), "too_many_subscriptions") << refused->raw;

  ASSERT_TRUE(client.send_text(subscribe_request(2, {"ticker.BTC-USDT", "ticker.ETH-USDT"})));
  const auto ack = client.wait_for(reply_to(2));
  ASSERT_TRUE(ack) << client.tail();
  EXPECT_EQ(ack->type(), "ack") << ack->raw;
  ASSERT_TRUE(client.wait_until(
      [](const std::vector<ws_message>& ms) {
        return count_of(ms, "snapshot", "ticker.BTC-USDT") == 1 &&
               count_of(ms, "snapshot", "ticker.ETH-USDT") == 1;
      },
      seconds(10)))
      << client.tail();

  ASSERT_TRUE(client.send_text(subscribe_request(3, {"ticker.SOL-USDT"})));
  const auto refused3 = client.wait_for(reply_to(3));
  ASSERT_TRUE(refused3) << client.tail();
  EXPECT_EQ(refused3->json["code"].str(), "too_many_subscriptions") << refused3->raw;

  ASSERT_TRUE(client.send_text(unsubscribe_request(4, {"ticker.ETH-USDT"})));
  const auto ack4 = client.wait_for(reply_to(4));
  ASSERT_TRUE(ack4) << client.tail();
  EXPECT_EQ(ack4->type(), "ack") << ack4->raw;

  ASSERT_TRUE(client.send_text(subscribe_request(5, {"ticker.SOL-USDT"})));
  const auto ack5 = client.wait_for(reply_to(5));
  ASSERT_TRUE(ack5) << client.tail();
  EXPECT_EQ(ack5->type(), "ack") << ack5->raw;
  const auto sol =
      client.wait_for(typed_on("snapshot", "ticker.SOL-USDT"), default_timeout, ack5->index);
  ASSERT_TRUE(sol) << client.tail();

  // The refused requests subscribed nothing: SOL's only snapshot is the one after ack 5.
  const auto messages = client.messages();
  EXPECT_EQ(count_of(messages, "snapshot", "ticker.SOL-USDT"), 1u) << client.tail(20);
  for (const auto& m : messages) {
    if (m.channel() == "ticker.SOL-USDT") {
      EXPECT_GT(m.index, ack5->index) << m.raw;
    }
    if (m.channel() == "ticker.ETH-USDT" && m.type() == "update") {
      EXPECT_LT(m.index, ack4->index) << "ETH after its unsubscribe: " << m.raw;
    }
  }
}

TEST(end_to_end_protocol, requests_above_the_rate_limit_are_refused_then_allowed_again) {
  stack_options options;
  options.max_requests_per_second = 5;
  stack s(options);
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));

  constexpr int burst = 12;
  for (int id = 1; id <= burst; ++id) {
    ASSERT_TRUE(client.send_text(R"({"op":"ping","id":)" + std::to_string(id) + "}"));
  }
  ASSERT_TRUE(client.wait_until(
      [](const std::vector<ws_message>& ms) {
        return std::count_if(ms.begin(), ms.end(), [](const ws_message& m) {
                 return m.type() == "pong" || m.type() == "error";
               }) >= burst;
      },
      default_timeout))
      << "every request gets a pong or an error\n"
      << client.tail(20);

  std::size_t pongs = 0;
  std::size_t limited = 0;
  std::set<std::int64_t> answered;
  for (const auto& m : client.messages()) {
    if (m.type() == "pong") {
      ++pongs;
      answered.insert(m["id"].integer());
    } else if (m.type() == "error") {
      EXPECT_EQ(m["code"].str(), "rate_limited") << m.raw;
      ++limited;
      if (m["id"].is_integer()) {
        EXPECT_EQ(answered.count(m["id"].integer()), 0u) << "answered twice: " << m.raw;
        answered.insert(m["id"].integer());
      }
    }
  }
  EXPECT_GE(pongs, 1u);
  EXPECT_GE(limited, 1u) << client.tail(20);
  EXPECT_LE(pongs, static_cast<std::size_t>(burst) - 1);
  EXPECT_EQ(pongs + limited, static_cast<std::size_t>(burst));
  EXPECT_FALSE(client.closed()) << "a short burst is refused, not punished: "
                                << client.close_error();

  // Once the client slows down, requests are served again.
  bool served = false;
  const auto deadline = steady_clock::now() + default_timeout;
  for (int id = 100; !served && steady_clock::now() < deadline; ++id) {
    const std::size_t from = client.size();
    ASSERT_TRUE(client.send_text(R"({"op":"ping","id":)" + std::to_string(id) + "}"));
    const auto reply = client.wait_for(
        [](const ws_message& m) { return m.type() == "pong" || m.type() == "error"; },
        default_timeout, from);
    ASSERT_TRUE(reply) << client.tail();
    served = reply->type() == "pong";
    if (!served) std::this_thread::sleep_for(milliseconds(300));  // let the budget refill
  }
  EXPECT_TRUE(served) << client.tail();
}

TEST(end_to_end_protocol, rate_limited_errors_are_dropped_unread_without_id) {
  stack_options options;
  options.max_requests_per_second = 5;
  stack s(options);
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));

  constexpr int burst = 12;
  for (int id = 1; id <= burst; ++id) {
    ASSERT_TRUE(client.send_text(R"({"op":"ping","id":)" + std::to_string(id) + "}"));
  }
  ASSERT_TRUE(client.wait_until(
      [](const std::vector<ws_message>& ms) {
        return std::count_if(ms.begin(), ms.end(),
                             [](const ws_message& m) { return m.type() == "error"; }) >= 1;
      },
      default_timeout))
      << client.tail(20);
  // PROTOCOL.md: a request over the limit is dropped before it is parsed, so its error has no
  // id; every request within the limit is answered with its own id.
  int pongs = 0;
  int errors = 0;
  for (const auto& m : client.messages()) {
    if (m.type() == "pong") {
      EXPECT_TRUE(m["id"].is_integer()) << m.raw;
      ++pongs;
    } else if (m.type() == "error") {
      EXPECT_EQ(m["code"].str(), "rate_limited") << m.raw;
      EXPECT_TRUE(m["id"].is_absent()) << m.raw;
      ++errors;
    }
  }
  EXPECT_GE(errors, 1);
  EXPECT_LE(pongs + errors, burst);
}

TEST(end_to_end_protocol, flooding_far_above_the_rate_limit_closes_with_1008) {
  stack_options options;
  options.max_requests_per_second = 5;
  stack s(options);
  ASSERT_TRUE(s.start());
  ws_client flooder;
  ws_client bystander;
  ASSERT_TRUE(flooder.connect(s.port()));
  ASSERT_TRUE(bystander.connect(s.port()));
  ASSERT_TRUE(bystander.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));

  constexpr int flood = 200;  // forty times the per-second limit, in well under a second
  for (int id = 1; id <= flood && !flooder.closed(); ++id) {
    (void)flooder.send_text(R"({"op":"ping","id":)" + std::to_string(id) + "}");
  }
  ASSERT_TRUE(flooder.wait_closed(default_timeout)) << flooder.tail();
  EXPECT_EQ(flooder.close_code(), close_policy_violation) << flooder.close_error();

  const std::size_t from = bystander.size();
  ASSERT_TRUE(bystander.wait_for(typed_on("update", "ticker.BTC-USDT"), seconds(30), from))
      << bystander.tail();
  EXPECT_FALSE(bystander.closed());
}

TEST(end_to_end_protocol, late_snapshot_agrees_with_the_stream_other_clients_saw) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client early;
  ASSERT_TRUE(early.connect(s.port()));
  ASSERT_TRUE(early.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  ASSERT_TRUE(early.wait_until(
      [](const std::vector<ws_message>& ms) {
        return count_of(ms, "update", "ticker.BTC-USDT") >= 3;
      },
      seconds(30)))
      << early.tail();

  ws_client late;
  ASSERT_TRUE(late.connect(s.port()));
  ASSERT_TRUE(late.send_text(subscribe_request(1, {"ticker.BTC-USDT"})));
  const auto snapshot = late.wait_for(typed_on("snapshot", "ticker.BTC-USDT"));
  ASSERT_TRUE(snapshot) << late.tail();
  ASSERT_GT(snapshot->seq(), 0) << "data has been flowing: " << snapshot->raw;
  EXPECT_TRUE(check_ticker_data(snapshot->data(), "BTC-USDT")) << snapshot->raw;

  // The snapshot shows exactly the state the early client got with the same seq.
  const std::int64_t seq = snapshot->seq();
  const auto same = early.wait_for(
      [seq](const ws_message& m) {
        return (m.type() == "update" || m.type() == "snapshot") &&
               m.channel() == "ticker.BTC-USDT" && m.seq() == seq;
      },
      seconds(10));
  ASSERT_TRUE(same) << "the early client never saw seq " << seq << "\n" << early.tail();
  EXPECT_TRUE(same->data() == snapshot->data())
      << "snapshot: " << snapshot->raw << "\nstream:   " << same->raw;

  // From there both see the same updates.
  ASSERT_TRUE(late.wait_until(
      [](const std::vector<ws_message>& ms) {
        return count_of(ms, "update", "ticker.BTC-USDT") >= 3;
      },
      seconds(30)))
      << late.tail();
  const auto late_messages = late.messages();
  EXPECT_TRUE(check_sequences(late_messages)) << late.tail();
  for (const auto& u : late_messages) {
    if (u.type() != "update") continue;
    const auto twin = early.wait_for(
        [&](const ws_message& m) {
          return m.type() == "update" && m.channel() == u.channel() && m.seq() == u.seq();
        },
        seconds(10));
    ASSERT_TRUE(twin) << "early client has no seq " << u.seq();
    EXPECT_TRUE(twin->data() == u.data()) << "late: " << u.raw << "\nearly: " << twin->raw;
  }
}

}  // namespace
}  // namespace tickerd::e2e

namespace tickerd::e2e {
namespace {

TEST(end_to_end_protocol, venue_channel_carries_one_venue_and_is_not_in_the_wildcard) {
  stack s;
  ASSERT_TRUE(s.start());
  ws_client client;
  ASSERT_TRUE(client.connect(s.port()));
  ASSERT_TRUE(client.send_text(subscribe_request(1, {"ticker.BTC-USDT@binance"})));
  ASSERT_TRUE(client.wait_until(
      [](const std::vector<ws_message>& ms) {
        return count_of(ms, "update", "ticker.BTC-USDT@binance") >= 2;
      },
      std::chrono::seconds(30)))
      << client.tail();
  for (const auto& m : client.messages()) {
    if (m.type() != "update") continue;
    EXPECT_EQ(m.data()["venue"].str(), "binance") << m.raw;
    EXPECT_TRUE(m.data()["venues"].is_absent()) << m.raw;
    EXPECT_EQ(m.data()["symbol"].str(), "BTC-USDT") << m.raw;
  }
  EXPECT_TRUE(check_sequences(client.messages())) << client.tail();

  // A venue that is not configured has no channel.
  ASSERT_TRUE(client.send_text(subscribe_request(2, {"ticker.BTC-USDT@kraken"})));
  const auto error = client.wait_for(type_is("error"));
  ASSERT_TRUE(error) << client.tail();
  EXPECT_EQ(error->json["code"].str(), "unknown_channel") << error->raw;

  // ticker.* delivers composites only.
  ws_client wildcard;
  ASSERT_TRUE(wildcard.connect(s.port()));
  ASSERT_TRUE(wildcard.send_text(subscribe_request(1, {"ticker.*"})));
  ASSERT_TRUE(wildcard.wait_until(
      [](const std::vector<ws_message>& ms) {
        return count_of(ms, "update", "ticker.BTC-USDT") >= 2;
      },
      std::chrono::seconds(30)))
      << wildcard.tail();
  for (const auto& m : wildcard.messages()) {
    EXPECT_EQ(m.channel().find('@'), std::string::npos) << m.raw;
  }
}

}  // namespace
}  // namespace tickerd::e2e

namespace tickerd::e2e {
namespace {

// throttle_ms: at most one update per channel per interval, and the latest value always
// arrives (docs/PROTOCOL.md).
TEST(end_to_end_throttle, at_most_one_update_per_interval_and_the_latest_arrives) {
  stack_options o;
  o.sim_rate = 20;  // 20 BTC events a second, against one update per 400 ms
  stack s(o);
  ASSERT_TRUE(s.start());
  ws_client c;
  ASSERT_TRUE(c.connect(s.port()));
  ASSERT_TRUE(
      c.send_text(R"({"op":"subscribe","id":1,"channels":["ticker.BTC-USDT"],"throttle_ms":400})"));
  ASSERT_TRUE(c.wait_for(typed_on("snapshot", "ticker.BTC-USDT")));
  const auto start = steady_clock::now();
  ASSERT_TRUE(c.wait_until(
      [](const auto& all) { return count_of(all, "update", "ticker.BTC-USDT") >= 6; }));
  const auto elapsed = std::chrono::duration_cast<duration>(steady_clock::now() - start);
  // Six updates need at least five full intervals after the snapshot (a lower bound only).
  EXPECT_GE(elapsed.count(), 5 * 400 - 100) << c.tail();
  // Updates were skipped (seq jumps), never reordered.
  std::int64_t prev = 0;
  bool jumped = false;
  for (const auto& m : c.messages()) {
    if (m.channel() != "ticker.BTC-USDT") continue;
    if (prev != 0) {
      EXPECT_GT(m.seq(), prev);
      jumped = jumped || m.seq() > prev + 1;
    }
    prev = m.seq();
  }
  EXPECT_TRUE(jumped) << "at 20 events/s a 400 ms throttle must skip some";
  // Freeze the market: the held-back latest value is delivered, equal to /v1/ticker.
  ASSERT_EQ(http_post(s.sim_port(), "/market/pause", "").status, 200);
  std::int64_t server_seq = -1;
  ASSERT_TRUE(c.wait_until(
      [&](const auto& all) {
        const auto r = http_get(s.port(), "/v1/ticker/BTC-USDT");
        const auto j = json_value::parse(r.body);
        if (!j) return false;
        server_seq = (*j)["seq"].integer();
        std::int64_t last = 0;
        for (const auto& m : all) {
          if (m.channel() == "ticker.BTC-USDT") last = m.seq();
        }
        return last == server_seq;
      },
      default_timeout))
      << "server seq " << server_seq << "\n"
      << c.tail();
  // throttle_ms 0 lifts it; unsubscribe and errors behave as documented.
  ASSERT_TRUE(
      c.send_text(R"({"op":"unsubscribe","id":2,"channels":["ticker.BTC-USDT"],"throttle_ms":5})"));
  const auto err = c.wait_for(type_is("error"));
  ASSERT_TRUE(err) << c.tail();
  EXPECT_EQ((*err)["code"].str(), "bad_request");
}

}  // namespace
}  // namespace tickerd::e2e
