// Book channels end to end (issue 18): tickerd reads tickerd-sim's depth streams and publishes
// book<N>.<SYM>@<venue> and the composed book<N>.<SYM>. With the sim's market paused, every
// venue's published top 20 is exactly the sim's own book as that venue shows it (GET
// /debug/book, the sim's ground truth), the composed book is the exact merge of the venues'
// books, and a WebSocket subscriber gets the same book as GET /v1/book.
#include <algorithm>
#include <chrono>
#include <map>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "tickerd/core/decimal.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr duration wait_bound{30'000};
const std::vector<std::string> venues{"binance", "okx", "coinbase", "bybit", "kraken"};

decimal exact(const std::string& text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

struct level {
  decimal price;
  decimal size;
  friend bool operator==(const level&, const level&) = default;
};
using side = std::vector<level>;
void PrintTo(const level& l, std::ostream* os) {
  *os << "[" << l.price.to_string() << " " << l.size.to_string() << "]";
}

std::string show(const side& s) {
  std::string out;
  for (const auto& l : s) out += "[" + l.price.to_string() + " " + l.size.to_string() + "] ";
  return out;
}

side levels_of(const json_value& array) {
  side out;
  for (const auto& l : array.items()) out.push_back({exact(l[0].str()), exact(l[1].str())});
  return out;
}

json_value get_json(std::uint16_t port, const std::string& target) {
  const auto r = http_get(port, target, seconds(5));
  EXPECT_EQ(r.status, 200) << target << ": " << r.body;
  auto json = json_value::parse(r.body);
  return json ? *json : json_value{};
}

// tickerd's ready book of `venue` at `depth` (GET /v1/book), and the sim's (GET /debug/book).
json_value tickerd_book(const stack& s, const std::string& venue, int depth) {
  std::string target = "/v1/book/BTC-USDT?depth=" + std::to_string(depth);
  if (!venue.empty()) target += "&venue=" + venue;
  return get_json(s.port(), target)["data"];
}
json_value sim_book(const stack& s, const std::string& venue, int depth) {
  return get_json(s.sim_port(),
                  "/debug/book?venue=" + venue + "&symbol=BTCUSDT&depth=" + std::to_string(depth));
}

// Waits until tickerd's book of `venue` equals the sim's (both sides, top `depth`).
testing::AssertionResult books_agree(const stack& s, const std::string& venue, int depth) {
  const auto deadline = steady_clock::now() + wait_bound;
  std::string last;
  while (steady_clock::now() < deadline) {
    const json_value ours = tickerd_book(s, venue, depth);
    const json_value truth = sim_book(s, venue, depth);
    if (ours["status"].str() == "ready") {
      const side ob = levels_of(ours["bids"]), oa = levels_of(ours["asks"]);
      const side tb = levels_of(truth["bids"]), ta = levels_of(truth["asks"]);
      if (ob == tb && oa == ta && ob.size() == static_cast<std::size_t>(depth)) {
        return testing::AssertionSuccess();
      }
      last = "tickerd bids " + show(ob) + "\n  sim bids " + show(tb) + "\n  tickerd asks " +
             show(oa) + "\n  sim asks " + show(ta);
    } else {
      last = "status " + ours["status"].str();
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  return testing::AssertionFailure() << venue << " book never equal to the sim's: " << last;
}

// The venues' books merged by price, sizes summed: what book<N>.BTC-USDT must hold.
side merged(const std::vector<side>& books, bool bids, std::size_t depth) {
  std::map<decimal, decimal> by_price;
  for (const auto& b : books) {
    for (const auto& l : b) {
      auto [it, fresh] = by_price.emplace(l.price, l.size);
      if (!fresh) {
        EXPECT_TRUE(decimal::add(it->second, l.size, it->second));
      }
    }
  }
  side out;
  for (const auto& [p, sz] : by_price) out.push_back({p, sz});
  if (bids) std::reverse(out.begin(), out.end());
  if (out.size() > depth) out.resize(depth);
  return out;
}

TEST(E2EBookChannels, EveryVenuesBookIsTheSimsAndTheComposedBookTheirMerge) {
  stack_options o;
  o.symbols = {"BTC-USDT"};
  o.sim_args = {"--symbols", "BTCUSDT"};
  o.extra_venues = {"okx", "coinbase", "bybit", "kraken"};
  o.streams = R"(["book"])";
  o.stale_after_ms = 60000;  // a paused market sends Binance nothing: not stale here
  stack s(o);
  ASSERT_TRUE(s.start());

  // A few market events move every book, then the market holds still.
  std::this_thread::sleep_for(seconds(2));
  ASSERT_EQ(http_post(s.sim_port(), "/market/pause", "").status, 200);
  for (const auto& venue : venues) EXPECT_TRUE(books_agree(s, venue, 20)) << venue;

  // Composed: the merge of the five books (each venue's top 50 reaches past the composed 10).
  std::vector<side> bid_books, ask_books;
  for (const auto& venue : venues) {
    const json_value b = tickerd_book(s, venue, 50);
    bid_books.push_back(levels_of(b["bids"]));
    ask_books.push_back(levels_of(b["asks"]));
  }
  const json_value composed = tickerd_book(s, "", 10);
  ASSERT_EQ(composed["status"].str(), "ready") << composed["status"].str();
  EXPECT_EQ(composed["venues"].size(), venues.size());
  const auto composed_side = [](const json_value& array) {
    side out;
    for (const auto& l : array.items()) {
      out.push_back({exact(l[0].str()), exact(l[1].str())});
      decimal sum;
      for (const auto& [venue, size] : l[2].members()) {
        EXPECT_TRUE(decimal::add(sum, exact(size.str()), sum)) << venue;
      }
      EXPECT_EQ(sum, out.back().size) << "level " << l[0].str() << ": venues do not sum";
    }
    return out;
  };
  EXPECT_EQ(composed_side(composed["bids"]), merged(bid_books, true, 10));
  EXPECT_EQ(composed_side(composed["asks"]), merged(ask_books, false, 10));

  // A WebSocket subscriber's snapshot is the book GET /v1/book shows.
  ws_client ws;
  ASSERT_TRUE(ws.connect(s.port()));
  ASSERT_TRUE(ws.send_text(subscribe_request(1, {"book20.BTC-USDT@okx"})));
  const auto frame = ws.wait_for(
      [](const ws_message& m) { return m.channel() == "book20.BTC-USDT@okx"; }, wait_bound);
  ASSERT_TRUE(frame) << "no book20.BTC-USDT@okx message: " << ws.tail();
  const json_value rest = tickerd_book(s, "okx", 20);
  EXPECT_EQ(levels_of((*frame)["data"]["bids"]), levels_of(rest["bids"]));
  EXPECT_EQ(levels_of((*frame)["data"]["asks"]), levels_of(rest["asks"]));
  EXPECT_TRUE(s.tickerd().running());
}

}  // namespace
}  // namespace tickerd::e2e
