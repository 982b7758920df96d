// book_channels + publisher: which depth channels a book_change publishes, when, and with which
// data (docs/PROTOCOL.md "Book data"), from order_book objects built here as a feed keeps them.
#include "tickerd/market/book_channels.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/hub/publisher.hpp"

namespace tickerd {
namespace {

using book::book_level;
using book::book_side;
using book::order_book;

constexpr instrument_id btc = 0;

decimal dec(std::string_view text) {
  decimal d;
  EXPECT_EQ(decimal::parse(text, d), decimal_errc::ok) << text;
  return d;
}

// `n` levels a side around 100: bids 99.99, 99.98…, asks 100.01, 100.02…, size "1.5".
void fill(order_book& b, std::size_t n) {
  std::vector<book_level> bids;
  std::vector<book_level> asks;
  for (std::size_t i = 1; i <= n; ++i) {
    bids.push_back({decimal(10'000 - static_cast<int>(i), 2), dec("1.5")});
    asks.push_back({decimal(10'000 + static_cast<int>(i), 2), dec("1.5")});
  }
  b.apply_snapshot(bids, asks);
}

book_change ready(venue_id v, order_book& b, std::uint64_t id) {
  return book_change{v,
                     btc,
                     book_state::ready,
                     &b,
                     id,
                     1'000 * static_cast<std::int64_t>(id),
                     1'000 * static_cast<std::int64_t>(id) + 7};
}

book_change resyncing(venue_id v, order_book* b) {
  return book_change{v, btc, book_state::resyncing, b, 0, 0, 42};
}

struct rig {
  // BTC-USDT only. Coinbase lists BTC-USD: its feed maps the quote ([feeds.coinbase]
  // quote_map USDT = "USD") and its book_change already names BTC-USDT, as its ticks do.
  std::vector<instrument> instruments{{"BTC", "USDT"}};
  std::vector<venue_id> venues{venue_id::binance, venue_id::okx, venue_id::coinbase};
  channel_registry channels{instruments, venues, channel_families{false, false, false, true, true}};
  std::vector<update_ptr> sent;
  publisher pub{channels, [this](update_ptr u) { sent.push_back(std::move(u)); }};
  book_channels books{instruments, channels, pub};

  void on(const book_change& c) {
    market_events e;
    e.books.push_back(c);
    books.on_events(e);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& u : sent) out.push_back(channels.info(u->channel).name);
    return out;
  }
  std::vector<update_ptr> on(std::string_view channel) const {
    std::vector<update_ptr> out;
    for (const auto& u : sent) {
      if (channels.info(u->channel).name == channel) out.push_back(u);
    }
    return out;
  }
};

simdjson::dom::element parse(simdjson::dom::parser& p, const update_ptr& u) {
  return p.parse(std::string(u->data())).value();
}

TEST(BookChannels, RegistryHasFourDepthsPerVenueAndComposedAndNoWildcard) {
  rig r;
  for (const auto* name : {"book1.BTC-USDT", "book10.BTC-USDT@okx", "book20.BTC-USDT@coinbase",
                           "book50.BTC-USDT@binance"}) {
    const auto id = r.channels.find(name);
    ASSERT_TRUE(id) << name;
    EXPECT_EQ(r.channels.wildcard_of(*id), no_wildcard) << name;
  }
  EXPECT_FALSE(r.channels.find("book5.BTC-USDT"));
  EXPECT_FALSE(r.channels.find("book20.BTC-USDT@kraken")) << "not configured";
  const auto& info = r.channels.info(*r.channels.venue_book(btc, venue_id::okx, 2));
  EXPECT_EQ(info.name, "book20.BTC-USDT@okx");
  EXPECT_EQ(info.kind, channel_kind::venue_book);
  EXPECT_EQ(book_depths[info.depth], 20u);
  EXPECT_EQ(r.channels.info(*r.channels.book(btc, 3)).kind, channel_kind::book);
  // Off: none of them.
  channel_registry off{r.instruments, r.venues, channel_families{true, true, true, true, false}};
  EXPECT_FALSE(off.find("book20.BTC-USDT"));
  EXPECT_FALSE(off.book(btc, 0));
}

TEST(BookChannels, PublishesOnlyTheDepthsWhoseTopChangedThenMarksTheBookPublished) {
  rig r;
  order_book b;
  fill(b, 50);
  r.on(ready(venue_id::binance, b, 1));
  // First sight: every depth whole; the composed ones wait for the turn's flush.
  EXPECT_EQ(r.names(),
            (std::vector<std::string>{"book1.BTC-USDT@binance", "book10.BTC-USDT@binance",
                                      "book20.BTC-USDT@binance", "book50.BTC-USDT@binance"}));
  EXPECT_FALSE(b.top_changed(50)) << "marked published";
  EXPECT_TRUE(r.books.has_pending());
  r.books.flush();
  EXPECT_FALSE(r.books.has_pending());
  EXPECT_EQ(r.on("book20.BTC-USDT").size(), 1u);

  simdjson::dom::parser p;
  auto d = parse(p, r.on("book10.BTC-USDT@binance").at(0));
  EXPECT_EQ(std::string_view(d["status"]), "ready");
  EXPECT_EQ(std::int64_t(d["depth"]), 10);
  EXPECT_EQ(d["bids"].get_array().size(), 10u);
  EXPECT_EQ(std::string_view(d["bids"].at(0).at(0)), "99.99");
  EXPECT_EQ(std::string_view(d["asks"].at(9).at(0)), "100.10");
  EXPECT_EQ(std::string_view(d["asks"].at(9).at(1)), "1.5");
  EXPECT_EQ(std::int64_t(d["update_id"]), 1);
  EXPECT_EQ(std::int64_t(d["ts"]), 1000);
  EXPECT_EQ(std::int64_t(d["recv_ts"]), 1007);

  // A change at index 15 of the asks: book20 and book50 only.
  r.sent.clear();
  EXPECT_NE(b.apply(book_side::ask, decimal(10'016, 2), dec("3")), order_book::no_change);
  r.on(ready(venue_id::binance, b, 2));
  EXPECT_EQ(r.names(),
            (std::vector<std::string>{"book20.BTC-USDT@binance", "book50.BTC-USDT@binance"}));
  r.books.flush();
  EXPECT_EQ(r.on("book20.BTC-USDT").size(), 1u);
  EXPECT_EQ(r.on("book10.BTC-USDT").size(), 0u);
  d = parse(p, r.on("book20.BTC-USDT@binance").at(0));
  EXPECT_EQ(std::string_view(d["asks"].at(15).at(1)), "3");

  // A frame that changed nothing any depth shows (the book's marks are clear): nothing.
  r.sent.clear();
  r.on(ready(venue_id::binance, b, 3));
  r.books.flush();
  EXPECT_TRUE(r.sent.empty());

  // The best bid: every depth.
  EXPECT_NE(b.apply(book_side::bid, decimal(9'999, 2), dec("0.25")), order_book::no_change);
  r.on(ready(venue_id::binance, b, 4));
  EXPECT_EQ(r.sent.size(), 4u);
  d = parse(p, r.on("book1.BTC-USDT@binance").at(0));
  EXPECT_EQ(std::string_view(d["bids"].at(0).at(1)), "0.25");
}

TEST(BookChannels, ResyncingIsPublishedOnceAsAStatedEmptyBookAndReadyAgainWhole) {
  rig r;
  order_book b;
  fill(b, 30);
  r.on(ready(venue_id::okx, b, 10));
  r.books.flush();
  r.sent.clear();
  // Lost: the feed says so in every frame until the book is rebuilt; one update per depth.
  r.on(resyncing(venue_id::okx, &b));
  r.on(resyncing(venue_id::okx, &b));
  r.on(resyncing(venue_id::okx, nullptr));
  EXPECT_EQ(r.names(), (std::vector<std::string>{"book1.BTC-USDT@okx", "book10.BTC-USDT@okx",
                                                 "book20.BTC-USDT@okx", "book50.BTC-USDT@okx"}));
  simdjson::dom::parser p;
  auto d = parse(p, r.on("book50.BTC-USDT@okx").at(0));
  EXPECT_EQ(std::string_view(d["status"]), "resyncing");
  EXPECT_EQ(d["bids"].get_array().size(), 0u);
  EXPECT_EQ(d["asks"].get_array().size(), 0u);
  EXPECT_EQ(std::int64_t(d["recv_ts"]), 42);
  EXPECT_TRUE(d["update_id"].error()) << "no update id while resyncing";
  // The composed books lose it: no venue left, a stated resyncing book.
  r.books.flush();
  d = parse(p, r.on("book20.BTC-USDT").at(0));
  EXPECT_EQ(std::string_view(d["status"]), "resyncing");
  EXPECT_EQ(d["venues"].get_array().size(), 0u);

  // Rebuilt: whole again at every depth, whatever the book's marks say.
  r.sent.clear();
  b.mark_published();
  r.on(ready(venue_id::okx, b, 11));
  EXPECT_EQ(r.sent.size(), 4u);
  d = parse(p, r.on("book50.BTC-USDT@okx").at(0));
  EXPECT_EQ(std::string_view(d["status"]), "ready");
  EXPECT_EQ(d["bids"].get_array().size(), 30u);
}

TEST(BookChannels, ComposedMergesReadyVenuesAcrossMappedQuotesAndLeavesResyncingOut) {
  rig r;
  order_book binance;
  order_book okx;
  order_book coinbase;  // BTC-USD on the venue, BTC-USDT here
  const std::vector<book_level> bb{{dec("100.5"), dec("1")}, {dec("100.4"), dec("2")}};
  const std::vector<book_level> ba{{dec("100.6"), dec("0.5")}};
  const std::vector<book_level> cb{{dec("100.50"), dec("0.25")}};
  const std::vector<book_level> ca{{dec("100.55"), dec("3")}};
  binance.apply_snapshot(bb, ba);
  coinbase.apply_snapshot(cb, ca);
  fill(okx, 5);
  market_events e;  // one turn: three venues' frames, one merge
  e.books.push_back(ready(venue_id::binance, binance, 1));
  e.books.push_back(ready(venue_id::coinbase, coinbase, 2));
  e.books.push_back(resyncing(venue_id::okx, &okx));
  r.books.on_events(e);
  r.sent.clear();
  r.books.flush();
  ASSERT_EQ(r.sent.size(), 4u) << "one composed update per depth";
  const auto composed = r.on("book10.BTC-USDT");
  ASSERT_EQ(composed.size(), 1u);
  EXPECT_EQ(composed[0]->data(),
            R"({"symbol":"BTC-USDT","depth":10,"status":"ready",)"
            R"("bids":[["100.5","1.25",{"binance":"1","coinbase":"0.25"}],)"
            R"(["100.4","2",{"binance":"2"}]],)"
            R"("asks":[["100.55","3",{"coinbase":"3"}],["100.6","0.5",{"binance":"0.5"}]],)"
            R"("spread":"0.05","crossed":false,"locked":false,"ts":2000,"recv_ts":2007,)"
            R"("venues":["binance","coinbase"]})");

  // A stale venue (its feed not up) leaves the composed book too, and its own channels say so.
  r.sent.clear();
  r.books.on_venue_fresh(venue_id::coinbase, false);
  simdjson::dom::parser p;
  auto d = parse(p, r.on("book20.BTC-USDT@coinbase").at(0));
  EXPECT_TRUE(bool(d["stale"]));
  r.books.flush();
  d = parse(p, r.on("book1.BTC-USDT").at(0));
  EXPECT_EQ(std::string_view(d["bids"].at(0).at(1)), "1");
  EXPECT_EQ(d["venues"].get_array().size(), 1u);
}

TEST(BookChannels, AComposedDepthIsNotRepublishedWhenItsLevelsCameOutTheSame) {
  rig r;
  order_book binance;
  order_book okx;
  fill(binance, 50);  // 99.99 … 99.50 and 100.01 … 100.50
  const std::vector<book_level> ob{{dec("90"), dec("1")}};
  const std::vector<book_level> oa{{dec("110"), dec("1")}};
  okx.apply_snapshot(ob, oa);
  r.on(ready(venue_id::binance, binance, 1));
  r.on(ready(venue_id::okx, okx, 1));
  r.books.flush();
  r.sent.clear();
  // OKX's best bid changes: every OKX depth, but no composed depth shows a level that far.
  EXPECT_NE(okx.apply(book_side::bid, dec("90"), dec("2")), order_book::no_change);
  r.on(ready(venue_id::okx, okx, 2));
  r.books.flush();
  EXPECT_EQ(r.names(), (std::vector<std::string>{"book1.BTC-USDT@okx", "book10.BTC-USDT@okx",
                                                 "book20.BTC-USDT@okx", "book50.BTC-USDT@okx"}));
  // Binance's 12th bid: book20 and book50 composed, not book1 or book10.
  r.sent.clear();
  EXPECT_NE(binance.apply(book_side::bid, decimal(9'988, 2), dec("7")), order_book::no_change);
  r.on(ready(venue_id::binance, binance, 2));
  r.books.flush();
  EXPECT_EQ(r.on("book20.BTC-USDT").size(), 1u);
  EXPECT_EQ(r.on("book50.BTC-USDT").size(), 1u);
  EXPECT_EQ(r.on("book10.BTC-USDT").size(), 0u);
  EXPECT_EQ(r.on("book1.BTC-USDT").size(), 0u);
}

TEST(BookChannels, NothingWhenBooksAreOff) {
  std::vector<instrument> instruments{{"BTC", "USDT"}};
  std::vector<venue_id> venues{venue_id::binance};
  channel_registry channels{instruments, venues, channel_families{true, true, true, true, false}};
  std::vector<update_ptr> sent;
  publisher pub{channels, [&](update_ptr u) { sent.push_back(std::move(u)); }};
  book_channels books{instruments, channels, pub};
  EXPECT_FALSE(books.enabled());
  order_book b;
  fill(b, 3);
  market_events e;
  e.books.push_back(ready(venue_id::binance, b, 1));
  books.on_events(e);
  books.flush();
  EXPECT_TRUE(sent.empty());
  EXPECT_TRUE(b.top_changed(1)) << "a book nobody publishes is not marked";
}

}  // namespace
}  // namespace tickerd
