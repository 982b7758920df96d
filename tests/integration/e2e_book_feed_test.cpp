// Venue books end to end (issue 18, the feed layer): tickerd reads the depth streams of
// tickerd-sim's Binance, OKX, Bybit and Kraken with streams = ["book"], each book becomes ready
// (GET /v1/feeds, "books"), and each book fault the sim injects is noticed by that venue's own
// rule: the resync counter of its reason grows and the book is ready again (Binance refetches
// its REST snapshot, the others resubscribe on the same connection).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr duration wait_bound{30'000};

struct books_seen {
  std::int64_t ready = -1;
  std::int64_t snapshots = 0;
  std::int64_t resyncs = 0;  // of the reason asked for
  std::string raw;
};

books_seen books_of(std::uint16_t port, const std::string& venue, const std::string& reason) {
  books_seen b;
  const auto r = http_get(port, "/v1/feeds", seconds(5));
  b.raw = r.body;
  const auto json = json_value::parse(r.body);
  if (r.status != 200 || !json) return b;
  const json_value& books = feed_entry(*json, venue)["books"];
  if (!books.is_object()) return b;
  b.ready = books["ready"].integer();
  b.snapshots = books["snapshots"].integer();
  b.resyncs = books["resyncs"][reason].integer();
  return b;
}

// Polls /v1/feeds until `pred` holds for the venue's books.
testing::AssertionResult wait_books(std::uint16_t port, const std::string& venue,
                                    const std::string& reason,
                                    const std::function<bool(const books_seen&)>& pred) {
  const auto deadline = std::chrono::steady_clock::now() + wait_bound;
  books_seen last;
  while (std::chrono::steady_clock::now() < deadline) {
    last = books_of(port, venue, reason);
    if (pred(last)) return testing::AssertionSuccess();
    std::this_thread::sleep_for(milliseconds(100));
  }
  return testing::AssertionFailure()
         << venue << " books never as expected; last /v1/feeds: " << last.raw;
}

testing::AssertionResult inject(std::uint16_t sim_port, const std::string& venue,
                                const std::string& spec) {
  const auto r = http_post(sim_port, "/faults/" + venue, spec);
  if (r.status != 200) {
    return testing::AssertionFailure() << "POST /faults/" << venue << " '" << spec << "': HTTP "
                                       << r.status << " " << r.error << r.body;
  }
  return testing::AssertionSuccess();
}

struct fault_case {
  std::string venue;
  std::string fault;   // POSTed to the sim's /faults/<venue>
  std::string reason;  // the resync reason tickerd must count
};

TEST(E2EBookFeed, BooksBecomeReadyAndEachFaultResyncsByItsVenuesRule) {
  stack_options o;
  o.symbols = {"BTC-USDT"};
  o.sim_args = {"--symbols", "BTCUSDT"};
  o.extra_venues = {"okx", "bybit", "kraken"};
  o.streams = R"(["book"])";
  o.stale_after_ms = 3000;
  stack s(o);
  ASSERT_TRUE(s.start());
  const auto ready = [](const books_seen& b) { return b.ready == 1; };
  for (const std::string venue : {"binance", "okx", "bybit", "kraken"}) {
    EXPECT_TRUE(wait_books(s.port(), venue, "gap", ready)) << venue;
  }

  // Binance's stale snapshot needs a refetch to be seen: stale answers first, then a dropped
  // delta (a gap) makes tickerd fetch one.
  const std::vector<fault_case> cases{
      {"binance", "book_drop,count=1", "gap"},
      {"binance", "book_cross,count=1", "crossed"},
      {"binance", "book_stale,count=1", "stale_snapshot"},
      {"okx", "book_drop,count=1", "gap"},
      {"bybit", "book_drop,count=1", "gap"},
      {"kraken", "book_checksum,count=1", "checksum"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.venue + " " + c.fault);
    const books_seen before = books_of(s.port(), c.venue, c.reason);
    ASSERT_TRUE(inject(s.sim_port(), c.venue, c.fault));
    if (c.fault.starts_with("book_stale")) {
      ASSERT_TRUE(inject(s.sim_port(), c.venue, "book_drop,count=1"));
    }
    EXPECT_TRUE(wait_books(s.port(), c.venue, c.reason, [&](const books_seen& b) {
      return b.resyncs > before.resyncs && b.snapshots > before.snapshots && b.ready == 1;
    }));
  }
  EXPECT_TRUE(s.tickerd().running());
}

}  // namespace
}  // namespace tickerd::e2e
