// tickerd against a misbehaving venue: tickerd-sim injects every fault kind (src/sim/fault.hpp)
// into each of its five venues over its HTTP control endpoint, and tickerd must show the
// effect and recover within its configured bounds: reconnects with backoff, staleness within
// stale_after_ms, composites without the stale venue and with it again once fresh, `status`
// messages, and /v1/feeds counters. Also: the sim's faults on the wire (close codes, 503,
// resets, fragments), and composites equal to a computation from what the sim sent.
#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "tickerd/app/config.hpp"
#include "tickerd/core/decimal.hpp"
#include "tickerd/core/instrument.hpp"
#include "tickerd/core/tick.hpp"
#include "tickerd/core/venue.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::vector<std::string> venue_names{"binance", "okx", "coinbase", "bybit", "kraken"};
const std::vector<std::string> fault_symbols{"BTC-USDT", "ETH-USDT", "SOL-USDT"};
constexpr std::string_view watched_ticker = "ticker.BTC-USDT";

// tickerd's bounds in these tests, and the slack every wait gets on top (Debug build, two busy
// cores): behaviour is asserted, never speed.
constexpr int stale_after_ms = 1000;
constexpr int backoff_max_ms = 500;  // the harness's backoff_max_ms
constexpr duration slack{15'000};
constexpr duration stale_bound = milliseconds(stale_after_ms) + slack;
constexpr duration reconnect_bound = milliseconds(backoff_max_ms) + slack;
constexpr duration poll_every{100};
// For a WebSocket connect that is expected to be refused: a refused client keeps its handshake
// timer, and so its destructor, busy for the whole connect timeout.
constexpr duration refused_connect_timeout{3'000};

// One tickerd reading all five venues from one sim, on three symbols to keep the box calm.
stack_options five_venues(int stale_ms) {
  stack_options o;
  o.symbols = fault_symbols;
  o.stale_after_ms = stale_ms;
  o.sim_args = {"--symbols", "BTCUSDT,ETHUSDT,SOLUSDT"};
  o.extra_venues = {"okx", "coinbase", "bybit", "kraken"};
  return o;
}

// ---- /v1/feeds ------------------------------------------------------------------------------

struct feed_snapshot {
  std::string state;
  std::int64_t connects = 0;
  std::int64_t reconnects = 0;
  std::int64_t messages = 0;
  std::int64_t parse_errors = 0;
  std::int64_t gaps = 0;
  std::string raw;  // the whole /v1/feeds body, for failure messages
};

std::optional<std::map<std::string, feed_snapshot>> read_feeds(std::uint16_t port,
                                                               std::string& body) {
  const auto r = http_get(port, "/v1/feeds", seconds(5));
  body = r.status == 200 ? r.body : "HTTP " + std::to_string(r.status) + " " + r.error + r.body;
  const auto json = json_value::parse(r.body);
  if (r.status != 200 || !json) return std::nullopt;
  std::map<std::string, feed_snapshot> out;
  for (const auto& f : (*json)["feeds"].items()) {
    feed_snapshot s;
    s.state = f["state"].str();
    s.connects = f["connects"].integer();
    s.reconnects = f["reconnects"].integer();
    s.messages = f["messages"].integer();
    s.parse_errors = f["parse_errors"].integer();
    s.gaps = f["gaps"].integer();
    s.raw = r.body;
    out[f["venue"].str()] = s;
  }
  return out;
}

feed_snapshot feed_now(std::uint16_t port, const std::string& venue) {
  std::string body;
  const auto feeds = read_feeds(port, body);
  EXPECT_TRUE(feeds && feeds->contains(venue)) << body;
  if (!feeds || !feeds->contains(venue)) return {};
  return feeds->at(venue);
}

// Polls /v1/feeds until `pred` holds for `venue`; the failure names the last body seen.
testing::AssertionResult wait_feed(std::uint16_t port, const std::string& venue,
                                   const std::function<bool(const feed_snapshot&)>& pred,
                                   duration timeout, std::string_view what,
                                   feed_snapshot* seen = nullptr) {
  const auto deadline = steady_clock::now() + timeout;
  std::string body;
  while (true) {
    if (const auto feeds = read_feeds(port, body); feeds && feeds->contains(venue)) {
      if (pred(feeds->at(venue))) {
        if (seen) *seen = feeds->at(venue);
        return testing::AssertionSuccess();
      }
    }
    if (steady_clock::now() >= deadline) {
      return testing::AssertionFailure() << venue << ": " << what << " not seen within "
                                         << timeout.count() << " ms; last /v1/feeds: " << body;
    }
    std::this_thread::sleep_for(poll_every);
  }
}

testing::AssertionResult wait_all_up(std::uint16_t port, duration timeout) {
  const auto deadline = steady_clock::now() + timeout;
  std::string body;
  while (true) {
    if (const auto feeds = read_feeds(port, body)) {
      const bool all = std::all_of(venue_names.begin(), venue_names.end(), [&](const auto& v) {
        return feeds->contains(v) && feeds->at(v).state == "up" && feeds->at(v).messages > 0;
      });
      if (all) return testing::AssertionSuccess();
    }
    if (steady_clock::now() >= deadline) {
      return testing::AssertionFailure() << "not every venue up with data; /v1/feeds: " << body;
    }
    std::this_thread::sleep_for(poll_every);
  }
}

// No feed is stuck: every venue's message count moves on.
testing::AssertionResult all_feeds_flowing(std::uint16_t port, duration timeout) {
  std::string body;
  const auto start = read_feeds(port, body);
  if (!start) return testing::AssertionFailure() << "/v1/feeds: " << body;
  for (const auto& v : venue_names) {
    const std::int64_t from = start->contains(v) ? start->at(v).messages : 0;
    if (auto r = wait_feed(
            port, v,
            [from](const feed_snapshot& f) { return f.state == "up" && f.messages > from; },
            timeout, "new messages while up");
        !r) {
      return r;
    }
  }
  return testing::AssertionSuccess();
}

// ---- the sim's control endpoint -------------------------------------------------------------

// POST /faults/<venue>; 200 with the canonical spec echoed, else a failure with the reply.
testing::AssertionResult inject(std::uint16_t sim_port, const std::string& venue,
                                std::string_view spec, std::int64_t* connections = nullptr) {
  const auto r = http_post(sim_port, "/faults/" + venue, spec);
  const auto json = json_value::parse(r.body);
  if (r.status != 200 || !json) {
    return testing::AssertionFailure() << "POST /faults/" << venue << " '" << spec << "': HTTP "
                                       << r.status << " " << r.error << r.body;
  }
  if ((*json)["venue"].str() != venue || !(*json)["fault"].is_string() ||
      !(*json)["connections"].is_integer()) {
    return testing::AssertionFailure() << "unexpected reply to '" << spec << "': " << r.body;
  }
  if (connections) *connections = (*json)["connections"].integer();
  return testing::AssertionSuccess();
}

// The venue's entry of GET /faults/<venue>.
json_value sim_faults(std::uint16_t sim_port, const std::string& venue) {
  const auto r = http_get(sim_port, "/faults/" + venue, seconds(5));
  const auto json = json_value::parse(r.body);
  EXPECT_EQ(r.status, 200) << r.error << r.body;
  if (!json) return {};
  for (const auto& v : (*json)["venues"].items()) {
    if (v["venue"].str() == venue) return v;
  }
  ADD_FAILURE() << "no " << venue << " in " << r.body;
  return {};
}

// ---- WebSocket messages ---------------------------------------------------------------------

std::string venue_state(const ws_message& m, const std::string& venue) {
  return feed_entry(m.data(), venue)["state"].str();
}

bool lists_venue(const ws_message& m, const std::string& venue) {
  for (const auto& v : m.data()["venues"].items()) {
    if (v.str() == venue) return true;
  }
  return false;
}

ws_client::predicate status_is(const std::string& venue, std::string state) {
  return [venue, state = std::move(state)](const ws_message& m) {
    return m.type() == "update" && m.channel() == "status" && venue_state(m, venue) == state;
  };
}

// A composite update of the watched ticker that has (or lacks) `venue`, with some venue left.
ws_client::predicate composite_with(const std::string& venue, bool with) {
  return [venue, with](const ws_message& m) {
    return m.type() == "update" && m.channel() == watched_ticker && m.data().is_object() &&
           !m.data()["venues"].items().empty() && !m.data()["stale"].boolean() &&
           lists_venue(m, venue) == with;
  };
}

ws_client::predicate composite_of_all() {
  return [](const ws_message& m) {
    if (m.type() != "update" || m.channel() != watched_ticker || !m.data().is_object()) {
      return false;
    }
    return std::all_of(venue_names.begin(), venue_names.end(),
                       [&](const auto& v) { return lists_venue(m, v); });
  };
}

// A running stack with a client on `status` and the watched ticker, every venue up.
struct fault_rig {
  explicit fault_rig(stack_options options) : s(std::move(options)) {}

  testing::AssertionResult start() {
    if (auto r = s.start(); !r) return r;
    if (auto r = client.connect(s.port()); !r) return r;
    if (auto r = client.send_text(subscribe_request(1, {"status", std::string(watched_ticker)}));
        !r) {
      return r;
    }
    if (auto r = wait_all_up(s.port(), seconds(60)); !r) return r;
    if (!client.wait_for(composite_of_all(), seconds(30))) {
      return testing::AssertionFailure() << "no composite of all five venues\n" << client.tail();
    }
    // Every venue has quoted every symbol: each product's first message is behind us (a
    // Coinbase gap is only a gap after a product's first sequence number).
    const auto deadline = steady_clock::now() + seconds(30);
    for (const auto& symbol : fault_symbols) {
      while (true) {
        const auto r = http_get(s.port(), "/v1/ticker/" + symbol, seconds(5));
        const auto json = json_value::parse(r.body);
        if (json && std::all_of(venue_names.begin(), venue_names.end(), [&](const auto& v) {
              for (const auto& listed : (*json)["data"]["venues"].items()) {
                if (listed.str() == v) return true;
              }
              return false;
            })) {
          break;
        }
        if (steady_clock::now() >= deadline) {
          return testing::AssertionFailure() << symbol << " never quoted by all five: " << r.body;
        }
        std::this_thread::sleep_for(poll_every);
      }
    }
    return testing::AssertionSuccess();
  }

  stack s;
  ws_client client;
};

// ---- every fault on every venue -------------------------------------------------------------

class venue_faults : public testing::TestWithParam<std::string> {};

TEST_P(venue_faults, tickerd_survives_every_fault) {
  const std::string venue = GetParam();
  fault_rig rig(five_venues(stale_after_ms));
  ASSERT_TRUE(rig.start());
  const auto port = rig.s.port();
  const auto sim = rig.s.sim_port();
  auto& client = rig.client;
  const auto same_connection = [](const feed_snapshot& before) {
    return [before](const feed_snapshot& f) {
      return f.state == "up" && f.reconnects == before.reconnects && f.connects == before.connects;
    };
  };

  {
    SCOPED_TRACE("garbage: parse errors, the feed stays up on the same connection");
    const auto before = feed_now(port, venue);
    ASSERT_TRUE(inject(sim, venue, "garbage,count=3"));
    feed_snapshot after;
    ASSERT_TRUE(wait_feed(
        port, venue,
        [&](const feed_snapshot& f) { return f.parse_errors >= before.parse_errors + 3; }, slack,
        "3 more parse errors", &after));
    EXPECT_TRUE(same_connection(before)(after)) << after.raw;
    EXPECT_EQ(sim_faults(sim, venue)["faults"]["garbage_sent"].integer(), 3);
  }
  {
    SCOPED_TRACE("gap: Coinbase's sequence numbers skip; the others refuse it");
    if (venue == "coinbase") {
      const auto before = feed_now(port, venue);
      ASSERT_TRUE(inject(sim, venue, "gap,count=5"));
      feed_snapshot after;
      // Every subscribed product skips 5 numbers; tickerd counts each product's gap (a jump
      // in sequence, however long). Before invalid_json, whose lost frames are gaps too.
      const auto products = static_cast<std::int64_t>(fault_symbols.size());
      ASSERT_TRUE(wait_feed(
          port, venue, [&](const feed_snapshot& f) { return f.gaps >= before.gaps + products; },
          slack, "a gap per product", &after));
      EXPECT_TRUE(same_connection(before)(after)) << after.raw;
    } else {
      const auto r = http_post(sim, "/faults/" + venue, "gap");
      EXPECT_EQ(r.status, 400) << r.body;
      const auto json = json_value::parse(r.body);
      ASSERT_TRUE(json) << r.body;
      EXPECT_NE((*json)["error"].str().find("only coinbase"), std::string::npos) << r.body;
    }
  }
  {
    SCOPED_TRACE("invalid_json: truncated frames are parse errors, the feed stays up");
    const auto before = feed_now(port, venue);
    std::int64_t connections = 0;
    ASSERT_TRUE(inject(sim, venue, "invalid_json,count=2", &connections));
    EXPECT_EQ(connections, 1) << "tickerd holds one connection per venue";
    feed_snapshot after;
    ASSERT_TRUE(wait_feed(
        port, venue,
        [&](const feed_snapshot& f) { return f.parse_errors >= before.parse_errors + 2; }, slack,
        "2 more parse errors", &after));
    EXPECT_TRUE(same_connection(before)(after)) << after.raw;
    EXPECT_EQ(sim_faults(sim, venue)["faults"]["frames_truncated"].integer(), 2);
  }
  {
    SCOPED_TRACE("stall,ms: stale within stale_after_ms, out of the composite, then back");
    const std::size_t from = client.size();
    ASSERT_TRUE(inject(sim, venue, "stall,ms=2500"));
    const auto stale = client.wait_for(status_is(venue, "stale"), stale_bound, from);
    ASSERT_TRUE(stale) << "no status saying " << venue << " is stale\n" << client.tail();
    // The composites are republished just before the status message: search from the fault.
    const auto without = client.wait_for(composite_with(venue, false), slack, from);
    ASSERT_TRUE(without) << "the composite kept the stale venue\n" << client.tail();
    for (const auto& other : venue_names) {
      if (other != venue) {
        EXPECT_TRUE(lists_venue(*without, other)) << other << without->raw;
      }
    }
    const auto up = client.wait_for(status_is(venue, "up"), slack, stale->index);
    ASSERT_TRUE(up) << "never up again after the stall\n" << client.tail();
    ASSERT_TRUE(client.wait_for(composite_with(venue, true), slack, stale->index))
        << "the venue never rejoined the composite\n"
        << client.tail();
  }
  {
    SCOPED_TRACE("stall until clear");
    const std::size_t from = client.size();
    ASSERT_TRUE(inject(sim, venue, "stall"));
    const auto stale = client.wait_for(status_is(venue, "stale"), stale_bound, from);
    ASSERT_TRUE(stale) << client.tail();
    ASSERT_TRUE(client.wait_for(composite_with(venue, false), slack, from)) << client.tail();
    EXPECT_GT(sim_faults(sim, venue)["faults"]["frames_discarded"].integer(), 0);
    // While stalled, tickerd may also have dropped the silent connection (after 3 x
    // stale_after_ms) and connected again, to a venue still stalled: recovery is data again.
    const std::size_t cleared = client.size();
    const auto at_clear = feed_now(port, venue);
    ASSERT_TRUE(inject(sim, venue, "clear"));
    ASSERT_TRUE(wait_feed(
        port, venue,
        [&](const feed_snapshot& f) {
          return f.state == "up" && f.messages > at_clear.messages + 5;
        },
        reconnect_bound, "data and up after clear"));
    ASSERT_TRUE(client.wait_for(composite_with(venue, true), slack, cleared)) << client.tail();
    ASSERT_TRUE(client.wait_for(status_is(venue, "up"), slack, stale->index)) << client.tail();
  }
  {
    SCOPED_TRACE("drip: frames trickle in as fragments, data keeps arriving, nothing breaks");
    const auto before = feed_now(port, venue);
    ASSERT_TRUE(inject(sim, venue, "drip,ms=20,bytes=64"));
    feed_snapshot after;
    ASSERT_TRUE(wait_feed(
        port, venue, [&](const feed_snapshot& f) { return f.messages >= before.messages + 10; },
        slack, "10 more messages while dripping", &after));
    EXPECT_TRUE(same_connection(before)(after)) << "the trickle must not look dead: " << after.raw;
    EXPECT_EQ(after.parse_errors, before.parse_errors) << "fragments reassemble: " << after.raw;
    const auto state = sim_faults(sim, venue)["faults"];
    EXPECT_EQ(state["drip"]["bytes"].integer(), 64) << "GET /faults shows the drip";
    EXPECT_GT(state["fragments_sent"].integer(), 10);
    ASSERT_TRUE(inject(sim, venue, "clear"));
    EXPECT_TRUE(sim_faults(sim, venue)["faults"]["drip"].is_null());
    ASSERT_TRUE(wait_feed(
        port, venue,
        [&](const feed_snapshot& f) { return f.state == "up" && f.messages > after.messages + 10; },
        slack, "data after the drip"));
  }
  {
    SCOPED_TRACE("reset: TCP RST, tickerd reconnects");
    const auto before = feed_now(port, venue);
    std::int64_t connections = 0;
    ASSERT_TRUE(inject(sim, venue, "reset", &connections));
    EXPECT_GE(connections, 1);
    ASSERT_TRUE(wait_feed(
        port, venue,
        [&](const feed_snapshot& f) {
          return f.state == "up" && f.reconnects > before.reconnects &&
                 f.connects > before.connects;
        },
        reconnect_bound, "a reconnect after the reset"));
  }
  {
    SCOPED_TRACE("close with a code: tickerd reconnects");
    const auto before = feed_now(port, venue);
    ASSERT_TRUE(inject(sim, venue, "close,code=4000"));
    ASSERT_TRUE(wait_feed(
        port, venue,
        [&](const feed_snapshot& f) {
          return f.state == "up" && f.reconnects > before.reconnects &&
                 f.connects > before.connects;
        },
        reconnect_bound, "a reconnect after the close"));
  }
  {
    SCOPED_TRACE("refuse: dropped, 503 to every attempt for 1.5 s, then connected again");
    const auto before = feed_now(port, venue);
    const std::size_t from = client.size();
    ASSERT_TRUE(inject(sim, venue, "refuse,ms=1500"));
    const auto down = client.wait_for(status_is(venue, "connecting"), slack, from);
    ASSERT_TRUE(down) << client.tail();
    ASSERT_TRUE(client.wait_for(composite_with(venue, false), slack, from)) << client.tail();
    ASSERT_TRUE(wait_feed(
        port, venue,
        [&](const feed_snapshot& f) { return f.state == "up" && f.connects > before.connects; },
        milliseconds(1500) + reconnect_bound, "connected after the refusal"));
    EXPECT_GE(sim_faults(sim, venue)["faults"]["upgrades_refused"].integer(), 1)
        << "tickerd retried during the refusal (backoff_max_ms " << backoff_max_ms << ")";
    ASSERT_TRUE(client.wait_for(composite_with(venue, true), slack, down->index)) << client.tail();
  }
  {
    SCOPED_TRACE("max_age: connections closed at 1.5 s of age, the open one too; ms=0 ends it");
    const auto before = feed_now(port, venue);
    ASSERT_TRUE(inject(sim, venue, "max_age,ms=1500"));
    ASSERT_TRUE(wait_feed(
        port, venue, [&](const feed_snapshot& f) { return f.reconnects >= before.reconnects + 2; },
        seconds(3) + reconnect_bound, "two reconnects (the old connection, then a young one)"));
    ASSERT_TRUE(inject(sim, venue, "max_age,ms=0"));
    feed_snapshot settled;
    ASSERT_TRUE(wait_feed(
        port, venue, [](const feed_snapshot& f) { return f.state == "up"; }, reconnect_bound, "up",
        &settled));
    // Longer than the age limit was: the connection must now live on.
    std::this_thread::sleep_for(seconds(3));
    const auto later = feed_now(port, venue);
    EXPECT_EQ(later.state, "up") << later.raw;
    EXPECT_LE(later.reconnects, settled.reconnects + 1)
        << "a connection still cut after max_age,ms=0: " << later.raw;
  }

  // No crash, no stuck feed, every venue in the composite, and clean client-side sequences.
  EXPECT_TRUE(rig.s.tickerd().running()) << rig.s.tickerd().logs();
  EXPECT_TRUE(rig.s.sim().running()) << rig.s.sim().logs();
  EXPECT_EQ(http_get(port, "/healthz").status, 200);
  EXPECT_TRUE(all_feeds_flowing(port, slack));
  const std::size_t end = client.size();
  EXPECT_TRUE(client.wait_for(composite_of_all(), slack, end)) << client.tail();
  EXPECT_TRUE(check_sequences(client.messages())) << client.tail(30);
  EXPECT_FALSE(client.closed()) << client.close_error();
}

INSTANTIATE_TEST_SUITE_P(all, venue_faults, testing::ValuesIn(venue_names),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

// ---- the sim's faults as a raw client sees them ---------------------------------------------

TEST(sim_faults, on_the_wire) {
  stack_options options;
  options.sim_args = {"--symbols", "BTCUSDT"};
  stack s(options);
  ASSERT_TRUE(s.start_sim());
  const auto sim = s.sim_port();
  const std::string stream = "/ws/btcusdt@ticker";  // Binance raw stream: data without requests

  {
    SCOPED_TRACE("close with a code");
    ws_client c;
    ASSERT_TRUE(c.connect(sim, stream));
    ASSERT_TRUE(inject(sim, "binance", "close,code=4001"));
    ASSERT_TRUE(c.wait_closed(slack));
    EXPECT_EQ(c.close_code(), 4001) << c.close_error();
  }
  {
    SCOPED_TRACE("reset");
    ws_client c;
    ASSERT_TRUE(c.connect(sim, stream));
    ASSERT_TRUE(c.wait_for([](const ws_message& m) { return m.valid; }, slack));
    std::int64_t connections = 0;
    ASSERT_TRUE(inject(sim, "binance", "reset", &connections));
    EXPECT_EQ(connections, 1);
    ASSERT_TRUE(c.wait_closed(slack));
    EXPECT_FALSE(c.close_code().has_value()) << "a reset sends no close frame";
    EXPECT_NE(c.close_error().find("reset"), std::string::npos) << c.close_error();
  }
  {
    SCOPED_TRACE("garbage and invalid_json");
    ws_client c;
    ASSERT_TRUE(c.connect(sim, stream));
    ASSERT_TRUE(c.wait_for([](const ws_message& m) { return m.valid; }, slack));
    const std::size_t from = c.size();
    ASSERT_TRUE(inject(sim, "binance", "garbage,count=2"));
    ASSERT_TRUE(inject(sim, "binance", "invalid_json"));
    ASSERT_TRUE(c.wait_until(
        [from](const std::vector<ws_message>& ms) {
          int junk = 0;
          int cut = 0;
          for (std::size_t i = from; i < ms.size(); ++i) {
            if (ms[i].raw.starts_with("~garbage")) ++junk;
            if (!ms[i].valid && ms[i].raw.starts_with("{\"e\":\"24hrTicker\"")) ++cut;
          }
          return junk == 2 && cut == 1;
        },
        slack))
        << c.tail();
    // After the one truncated frame, whole frames again.
    const std::size_t after = c.size();
    ASSERT_TRUE(c.wait_for([](const ws_message& m) { return m.valid; }, slack, after)) << c.tail();
  }
  {
    SCOPED_TRACE("drip: the same messages, in fragments");
    ws_client c;
    ASSERT_TRUE(c.connect(sim, stream));
    ASSERT_TRUE(inject(sim, "binance", "drip,ms=5,bytes=7"));
    const auto fragments = sim_faults(sim, "binance")["faults"]["fragments_sent"].integer();
    const std::size_t from = c.size();
    ASSERT_TRUE(c.wait_until(
        [from](const std::vector<ws_message>& ms) {
          return ms.size() >= from + 2 &&
                 std::all_of(ms.begin() + static_cast<std::ptrdiff_t>(from), ms.end(),
                             [](const auto& m) { return m.valid; });
        },
        slack))
        << c.tail();
    EXPECT_GT(sim_faults(sim, "binance")["faults"]["fragments_sent"].integer(), fragments + 10);
    ASSERT_TRUE(inject(sim, "binance", "clear"));
  }
  {
    SCOPED_TRACE("a close while dripping goes out between fragments, not after the backlog");
    ws_client c;
    ASSERT_TRUE(c.connect(sim, stream));
    ASSERT_TRUE(c.wait_for([](const ws_message& m) { return m.valid; }, slack));
    // One 7-byte fragment a second: a whole ticker would take about a minute.
    const auto sent = sim_faults(sim, "binance")["faults"]["fragments_sent"].integer();
    ASSERT_TRUE(inject(sim, "binance", "drip,ms=1000,bytes=7"));
    // Wait until a frame is half out: its first fragment sent.
    const auto deadline = steady_clock::now() + slack;
    while (sim_faults(sim, "binance")["faults"]["fragments_sent"].integer() == sent) {
      ASSERT_LT(steady_clock::now(), deadline) << "no fragment sent";
      std::this_thread::sleep_for(milliseconds(20));
    }
    const auto frames = c.frames();
    ASSERT_TRUE(inject(sim, "binance", "close,code=4002"));
    ASSERT_TRUE(c.wait_closed(slack));
    EXPECT_EQ(c.close_code(), 4002) << "the close frame, not a dropped socket: " << c.close_error();
    EXPECT_LE(c.frames(), frames + 1) << "no backlog before the close";
    ASSERT_TRUE(inject(sim, "binance", "clear"));
  }
  {
    SCOPED_TRACE("refuse: 503 for the venue only, then accepted again");
    ASSERT_TRUE(inject(sim, "binance", "refuse,ms=1000"));
    ws_client refused;
    const auto r = refused.connect(sim, stream, refused_connect_timeout);
    EXPECT_FALSE(r);
    EXPECT_NE(std::string(r.message()).find("HTTP 503"), std::string::npos) << r.message();
    ws_client other;
    EXPECT_TRUE(other.connect(sim, "/ws/v5/public")) << "OKX is not refused";
    const auto deadline = steady_clock::now() + slack;
    bool accepted = false;
    std::string why;
    while (!accepted && steady_clock::now() < deadline) {
      ws_client again;
      const auto attempt = again.connect(sim, stream, refused_connect_timeout);
      accepted = attempt;
      why = attempt.message();
      if (!accepted) std::this_thread::sleep_for(poll_every);
    }
    EXPECT_TRUE(accepted) << "still refused long after refuse,ms=1000: " << why;
  }
  {
    SCOPED_TRACE("max_age closes an existing connection with 1000");
    ws_client c;
    ASSERT_TRUE(c.connect(sim, stream));
    std::this_thread::sleep_for(milliseconds(300));
    ASSERT_TRUE(inject(sim, "binance", "max_age,ms=200"));
    ASSERT_TRUE(c.wait_closed(slack));
    EXPECT_EQ(c.close_code(), 1000) << c.close_error();
    ASSERT_TRUE(inject(sim, "binance", "clear"));
  }
  {
    SCOPED_TRACE("bad control input is refused and the sim serves on");
    for (const auto& [target, body] : std::vector<std::pair<std::string, std::string>>{
             {"/faults/binance", ""},
             {"/faults/binance", "explode"},
             {"/faults/binance", "stall,ms=-1"},
             {"/faults/binance", "close,code=1006"},
             {"/faults/binance", "gap"},
             {"/faults/ftx", "reset"},
             {"/faults/all", "gap"},
             {"/faults/binance", std::string(4000, ',')},
             {"/faults/binance", "\x01\xff{\"op\":1}"}}) {
      const auto r = http_post(sim, target, body);
      EXPECT_EQ(r.status, 400) << target << " " << body << ": " << r.body;
      const auto json = json_value::parse(r.body);
      ASSERT_TRUE(json) << r.body;
      EXPECT_FALSE((*json)["error"].str().empty()) << r.body;
    }
    EXPECT_EQ(http_get(sim, "/faults/binance/x").status, 404);
    EXPECT_EQ(http_request(sim, "DELETE", "/faults").status, 405);
    EXPECT_EQ(http_get(sim, "/faults/binance").status, 200);
    EXPECT_EQ(http_post(sim, "/market/sleep", "").status, 404);
    EXPECT_EQ(http_get(sim, "/healthz").status, 200);
    ws_client c;
    ASSERT_TRUE(c.connect(sim, stream));
    ASSERT_TRUE(c.wait_for([](const ws_message& m) { return m.valid; }, slack)) << c.tail();
  }
  {
    SCOPED_TRACE("scheduled faults: after, every, and an immediate clear cancels them");
    ws_client c;
    ASSERT_TRUE(c.connect(sim, stream));
    const auto r = http_post(sim, "/faults/binance", "garbage,after=100,every=200");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find(R"("scheduled":true)"), std::string::npos) << r.body;
    ASSERT_TRUE(c.wait_until(
        [](const std::vector<ws_message>& ms) {
          return std::count_if(ms.begin(), ms.end(),
                               [](const auto& m) { return m.raw.starts_with("~garbage"); }) >= 3;
        },
        slack))
        << c.tail();
    const auto listed = json_value::parse(http_get(sim, "/faults").body);
    ASSERT_TRUE(listed);
    ASSERT_EQ((*listed)["scheduled"].size(), 1u);
    EXPECT_EQ((*listed)["scheduled"][0]["fault"].str(), "garbage,count=1,after=100,every=200");
    EXPECT_GE((*listed)["scheduled"][0]["fired"].integer(), 3);
    ASSERT_TRUE(inject(sim, "binance", "clear"));
    const auto cleared = json_value::parse(http_get(sim, "/faults").body);
    ASSERT_TRUE(cleared);
    EXPECT_EQ((*cleared)["scheduled"].size(), 0u);
  }
  EXPECT_TRUE(s.sim().running()) << s.sim().logs();
}

TEST(sim_faults, from_the_command_line) {
  stack_options options;
  // OKX refused for the first 10 s; a drip everywhere; a repeating reset; bad flags exit 2.
  options.sim_args = {"--symbols", "BTCUSDT",
                      "--fault",   "okx:refuse,ms=10000",
                      "--fault",   "all:drip,ms=1,bytes=100",
                      "--fault",   "kraken:reset,every=1000"};
  stack s(options);
  ASSERT_TRUE(s.start_sim());
  const auto listed = json_value::parse(http_get(s.sim_port(), "/faults").body);
  ASSERT_TRUE(listed);
  for (const auto& v : (*listed)["venues"].items()) {
    EXPECT_EQ(v["faults"]["drip"]["bytes"].integer(), 100) << v["venue"].str();
    if (v["venue"].str() == "okx") {
      EXPECT_TRUE(v["faults"]["refuse_left_ms"].is_integer()) << "refused at start-up";
    }
  }
  ASSERT_EQ((*listed)["scheduled"].size(), 1u);
  EXPECT_EQ((*listed)["scheduled"][0]["venue"].str(), "kraken");

  ws_client okx;
  EXPECT_FALSE(okx.connect(s.sim_port(), "/ws/v5/public", refused_connect_timeout))
      << "refused at start-up";

  for (const auto& bad : {std::vector<std::string>{"--fault", "okx"},
                          {"--fault", "okx:gap"},
                          {"--fault", "ftx:reset"},
                          {"--fault", "okx:stall,ms=0"},
                          {"--fault", "okx:close,code=1"}}) {
    std::vector<std::string> argv{TICKERD_SIM_BIN, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), bad.begin(), bad.end());
    const auto r = run_to_exit(argv, s.dir().path(), "sim.bad");
    EXPECT_TRUE(r.exit.exited && r.exit.code == 2) << bad[1] << ": " << r.exit.str() << r.err;
    EXPECT_NE(r.err.find("--fault"), std::string::npos) << bad[1] << ": " << r.err;
  }
}

// ---- composites equal what the sim sent -----------------------------------------------------

// One venue read the way tickerd reads it (its own adapter, subscribed the same way), on a raw
// connection of the test's own.
struct venue_reader {
  venue_id venue;
  symbol_map symbols;
  std::unique_ptr<venue_adapter> adapter;
  ws_client client;

  // Every tick so far, merged per instrument the way a venue's partial updates combine.
  std::vector<std::optional<tick>> latest(std::size_t instruments) {
    std::vector<std::optional<tick>> out(instruments);
    adapter->reset();
    std::vector<tick> ticks;
    for (const auto& m : client.messages()) {
      ticks.clear();
      if (adapter->parse(m.raw, 0, ticks).error != feed_errc::ok) continue;
      for (const auto& t : ticks) {
        if (t.instrument >= instruments) continue;
        auto& slot = out[t.instrument];
        if (!slot) slot = tick{};
        tick& into = *slot;
        const auto take = [&](tick_field f, decimal tick::*field) {
          if (t.has(f)) into.*field = t.*field;
        };
        take(tf_last, &tick::last);
        take(tf_open, &tick::open_24h);
        take(tf_high, &tick::high_24h);
        take(tf_low, &tick::low_24h);
        take(tf_volume_base, &tick::volume_base);
        take(tf_volume_quote, &tick::volume_quote);
        take(tf_bid, &tick::bid);
        take(tf_ask, &tick::ask);
        take(tf_bid_qty, &tick::bid_qty);
        take(tf_ask_qty, &tick::ask_qty);
        into.fields |= t.fields;
        into.venue = t.venue;
        into.instrument = t.instrument;
      }
    }
    return out;
  }
};

std::optional<decimal> decimal_of(const json_value& v) {
  decimal d;
  if (!v.is_string() || decimal::parse(v.str(), d) != decimal_errc::ok) return std::nullopt;
  return d;
}

// The median as PROTOCOL.md defines it: the middle value, or the exact midpoint of two.
decimal median(std::vector<decimal> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  decimal mid;
  EXPECT_TRUE(decimal::midpoint(values[n / 2 - 1], values[n / 2], mid));
  return mid;
}

// Differences between tickerd's composite `data` and the one computed from the venues' ticks;
// empty when they agree.
std::string composite_diff(const json_value& data, const std::vector<tick>& ticks) {
  std::string diff;
  const auto check = [&](std::string_view key, std::optional<decimal> want) {
    const auto got = decimal_of(data[key]);
    if (!want) {
      if (data.has(key)) diff += std::string(key) + ": expected absent; ";
      return;
    }
    if (!got || !(*got == *want)) {
      diff += std::string(key) + ": tickerd " + (data.has(key) ? data[key].str() : "absent") +
              ", computed " + want->to_string() + "; ";
    }
  };
  const auto med = [&](tick_field f, decimal tick::*field) -> std::optional<decimal> {
    std::vector<decimal> v;
    for (const auto& t : ticks) {
      if (t.has(f)) v.push_back(t.*field);
    }
    if (v.empty()) return std::nullopt;
    return median(v);
  };
  const auto sum = [&](tick_field f, decimal tick::*field) -> std::optional<decimal> {
    decimal total;
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      if (!ticks[i].has(f)) return std::nullopt;  // only when every venue reports it
      if (i == 0) {
        total = ticks[i].*field;
      } else if (!decimal::add(total, ticks[i].*field, total)) {
        return std::nullopt;
      }
    }
    return total;
  };
  check("last", med(tf_last, &tick::last));
  check("open_24h", med(tf_open, &tick::open_24h));
  check("high_24h", med(tf_high, &tick::high_24h));
  check("low_24h", med(tf_low, &tick::low_24h));
  check("volume_base", sum(tf_volume_base, &tick::volume_base));
  check("volume_quote", sum(tf_volume_quote, &tick::volume_quote));
  // Best bid (highest) and ask (lowest), each with its own venue's size; ties: venue order.
  const tick* best_bid = nullptr;
  const tick* best_ask = nullptr;
  for (const auto& t : ticks) {
    if (t.has(tf_bid) && (!best_bid || best_bid->bid < t.bid)) best_bid = &t;
    if (t.has(tf_ask) && (!best_ask || t.ask < best_ask->ask)) best_ask = &t;
  }
  check("bid", best_bid ? std::optional(best_bid->bid) : std::nullopt);
  check("ask", best_ask ? std::optional(best_ask->ask) : std::nullopt);
  check("bid_qty",
        best_bid && best_bid->has(tf_bid_qty) ? std::optional(best_bid->bid_qty) : std::nullopt);
  check("ask_qty",
        best_ask && best_ask->has(tf_ask_qty) ? std::optional(best_ask->ask_qty) : std::nullopt);
  if (data.has("last") && data.has("open_24h")) {
    const auto pct = exact_change_pct(data["last"].str(), data["open_24h"].str());
    if (!pct || data["change_pct"].str() != *pct) {
      diff += "change_pct: tickerd " + data["change_pct"].str() + ", computed " +
              pct.value_or("none") + "; ";
    }
  }
  std::vector<std::string> venues;
  for (const auto& v : data["venues"].items()) venues.push_back(v.str());
  std::vector<std::string> expected;
  for (const auto& t : ticks) expected.emplace_back(to_string(t.venue));
  if (venues != expected) diff += "venues differ; ";
  if (data["stale"].boolean()) diff += "stale; ";
  return diff;
}

TEST(composite_from_the_sim, equals_what_the_venues_sent) {
  // Nothing goes stale while the market is paused for the comparison.
  fault_rig rig(five_venues(60'000));
  ASSERT_TRUE(rig.start());
  const auto sim = rig.s.sim_port();

  std::vector<instrument> instruments;
  for (const auto& s : fault_symbols) instruments.push_back(*instrument::parse(s));

  std::vector<std::unique_ptr<venue_reader>> readers;
  for (const auto& name : venue_names) {
    auto r = std::make_unique<venue_reader>();
    r->venue = *parse_venue(name);
    feed_entry_config feed;
    feed.session.venue = r->venue;
    for (std::size_t i = 0; i < instruments.size(); ++i) {
      r->symbols.add(native_symbol(feed, instruments[i]), static_cast<instrument_id>(i));
    }
    r->adapter = make_venue_adapter(r->venue, r->symbols);
    ASSERT_TRUE(r->client.connect(sim, r->adapter->target(sim_venue_path(name)))) << name;
    for (const auto& m : r->adapter->subscribe_messages()) {
      ASSERT_TRUE(r->client.send_text(m)) << name;
    }
    readers.push_back(std::move(r));
  }
  // Every venue has shown every instrument to the test's own connections.
  const auto deadline = steady_clock::now() + seconds(30);
  for (auto& r : readers) {
    while (true) {
      const auto latest = r->latest(instruments.size());
      if (std::all_of(latest.begin(), latest.end(),
                      [](const auto& t) { return t && t->has(tf_last); })) {
        break;
      }
      ASSERT_LT(steady_clock::now(), deadline)
          << to_string(r->venue) << " sent no ticker for every symbol\n"
          << r->client.tail();
      std::this_thread::sleep_for(poll_every);
    }
  }

  const auto paused = http_post(sim, "/market/pause", "");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_NE(paused.body.find(R"("market":"paused")"), std::string::npos) << paused.body;

  // The market is frozen: once the last frames are in, tickerd's composites must be exactly
  // what the venues' last states give.
  std::vector<std::string> diffs(instruments.size(), "not compared yet");
  std::vector<std::string> bodies(instruments.size());
  const auto settle = steady_clock::now() + seconds(30);
  while (steady_clock::now() < settle) {
    std::vector<std::vector<std::optional<tick>>> by_venue;
    for (auto& r : readers) by_venue.push_back(r->latest(instruments.size()));
    bool all_equal = true;
    for (std::size_t i = 0; i < instruments.size(); ++i) {
      std::vector<tick> ticks;
      for (const auto& v : by_venue) {
        if (v[i]) ticks.push_back(*v[i]);
      }
      const auto r = http_get(rig.s.port(), "/v1/ticker/" + fault_symbols[i], seconds(5));
      bodies[i] = r.body;
      const auto json = json_value::parse(r.body);
      diffs[i] = json ? composite_diff((*json)["data"], ticks) : "HTTP " + r.error + r.body;
      all_equal = all_equal && diffs[i].empty();
    }
    if (all_equal) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    EXPECT_EQ(diffs[i], "") << fault_symbols[i] << ": " << bodies[i];
    // What the comparison stands on: all five venues quote it, prices on the wire as text.
    const auto json = json_value::parse(bodies[i]);
    ASSERT_TRUE(json) << bodies[i];
    const auto& data = (*json)["data"];
    EXPECT_EQ(data["symbol"].str(), fault_symbols[i]) << bodies[i];
    EXPECT_EQ(data["venues"].size(), venue_names.size()) << bodies[i];
    for (const char* key : {"last", "open_24h", "high_24h", "low_24h", "bid", "ask"}) {
      EXPECT_TRUE(is_decimal_text(data[key].str())) << key << ": " << bodies[i];
    }
    EXPECT_FALSE(data.has("volume_quote"))
        << "Coinbase and Kraken send no quote volume, so the composite has none: " << bodies[i];
  }

  // Resumed, the market moves again and tickerd follows.
  const auto resumed = http_post(sim, "/market/resume", "");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  const std::size_t from = rig.client.size();
  EXPECT_TRUE(rig.client.wait_for(
      [](const ws_message& m) { return m.type() == "update" && m.channel() == watched_ticker; },
      slack, from))
      << "no composite update after /market/resume\n"
      << rig.client.tail();
}

}  // namespace
}  // namespace tickerd::e2e

namespace tickerd::e2e {
namespace {

// POST /market/rate: the offered load changes at run time (tickerd-bench's burst scenario).
TEST(sim_market, the_rate_changes_at_run_time_and_bad_rates_are_refused) {
  stack_options o;
  o.sim_rate = 2;
  stack s(o);
  ASSERT_TRUE(s.start_sim());
  const auto market = [&] {
    const auto r = http_get(s.sim_port(), "/market");
    EXPECT_EQ(r.status, 200) << r.body;
    return json_value::parse(r.body).value_or(json_value{});
  };
  EXPECT_EQ(market()["rate"].number(), 2.0);
  const auto ok = http_post(s.sim_port(), "/market/rate", "40\n");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(market()["rate"].number(), 40.0);
  const auto before = market()["events"].integer();
  for (const char* bad : {"", "0", "-5", "abc", "10001", "1e9", "nan", "5 6"}) {
    const auto r = http_post(s.sim_port(), "/market/rate", bad);
    EXPECT_EQ(r.status, 400) << "'" << bad << "': " << r.body;
  }
  EXPECT_EQ(market()["rate"].number(), 40.0);  // unchanged by the refused ones
  EXPECT_EQ(http_get(s.sim_port(), "/market/rate").status, 405);
  // The market keeps running at the new rate.
  const auto deadline = steady_clock::now() + default_timeout;
  while (market()["events"].integer() < before + 100 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(market()["events"].integer(), before + 100);
}

// POST /market/trades: the trades in each event (--trade-scale) change at run time; the model's
// consistency at a high scale is unit-tested (sim_trade_model).
TEST(sim_market, the_trade_scale_changes_at_run_time_and_bad_scales_are_refused) {
  stack_options o;
  o.sim_rate = 2;
  stack s(o);
  ASSERT_TRUE(s.start_sim());
  const auto market = [&] {
    const auto r = http_get(s.sim_port(), "/market");
    EXPECT_EQ(r.status, 200) << r.body;
    return json_value::parse(r.body).value_or(json_value{});
  };
  EXPECT_EQ(market()["trade_scale"].number(), 1.0);
  const auto ok = http_post(s.sim_port(), "/market/trades", "40\n");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json_value::parse(ok.body).value_or(json_value{})["trade_scale"].number(), 40.0);
  for (const char* bad : {"", "0", "-5", "abc", "100.5", "nan", "5 6"}) {
    const auto r = http_post(s.sim_port(), "/market/trades", bad);
    EXPECT_EQ(r.status, 400) << "'" << bad << "': " << r.body;
  }
  EXPECT_EQ(market()["trade_scale"].number(), 40.0);  // unchanged by the refused ones
  EXPECT_EQ(market()["rate"].number(), 2.0);          // the ticker rate stays
  EXPECT_EQ(http_get(s.sim_port(), "/market/trades").status, 405);
}

}  // namespace
}  // namespace tickerd::e2e
