// GET /v1/trades: collect_trades over a trades channel's recent updates, and the query parser
// of the history routes (gateway/history_query).
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include <simdjson.h>

#include "gateway/history_query.hpp"
#include "gateway/trades_page.hpp"
#include "tickerd/market/trade_json.hpp"

namespace tickerd {
namespace {

trade make_trade(int n, venue_id v = venue_id::binance) {
  trade t;
  t.venue = v;
  t.instrument = 0;
  EXPECT_EQ(decimal::parse("85205." + std::to_string(n), t.price), decimal_errc::ok);
  EXPECT_EQ(decimal::parse("0.5", t.size), decimal_errc::ok);
  t.side = n % 2 ? taker_side::buy : taker_side::sell;
  // An id with characters a naive split would trip on.
  EXPECT_TRUE(trade_id::make("id,}]\"" + std::to_string(n), t.id));
  t.exchange_ts_us = 1764061234000000 + n;
  t.recv_ts_us = 1764061234001000 + n;
  return t;
}

// A channel's updates: frames of the given sizes, numbered from 1 like trade_counter does.
struct channel_updates {
  std::deque<update_ptr> updates;
  std::vector<std::string> trades;  // every trade object, in order, as encode_trade writes it
  trade_counter counter;
  std::uint64_t seq = 0;

  void frame(std::size_t n, bool tape = false) {
    std::vector<trade> ts;
    for (std::size_t i = 0; i < n; ++i) {
      ts.push_back(make_trade(static_cast<int>(trades.size() + i),
                              i % 2 ? venue_id::okx : venue_id::binance));
    }
    const auto first = counter.take(n);
    std::string data;
    if (tape) {
      encode_tape_trades(data, "BTC-USDT", ts, first);
    } else {
      for (auto& t : ts) t.venue = venue_id::binance;
      encode_venue_trades(data, "BTC-USDT", venue_id::binance, ts, first);
    }
    for (const auto& t : ts) {
      std::string one;
      encode_trade(one, t, tape);
      trades.push_back(one);
    }
    updates.push_back(make_update(7, "trades.BTC-USDT@binance", ++seq, data, "3fa2c1d0"));
  }
};

std::string joined(const std::vector<std::string>& all, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i != from) out.push_back(',');
    out.append(all[i]);
  }
  return out;
}

TEST(TradesPage, TheNewestTradesOldestFirstAcrossUpdates) {
  channel_updates ch;
  ch.frame(3);
  ch.frame(1);
  ch.frame(4);
  const auto page = collect_trades(ch.updates, 6);
  ASSERT_EQ(page.trades.size(), 6u);
  EXPECT_EQ(page.first, 3u);  // trades 3 … 8 of the channel (the first frame's last one on)
  EXPECT_EQ(page.epoch, "3fa2c1d0");
  std::string body;
  encode_trades_page(body, "BTC-USDT", venue_id::binance, page);
  EXPECT_EQ(body, R"({"symbol":"BTC-USDT","venue":"binance","epoch":"3fa2c1d0","first":3,)"
                  R"("count":6,"trades":[)" +
                      joined(ch.trades, 2, 8) + "]}");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
}

TEST(TradesPage, LimitLargerThanHistoryAndTheTape) {
  channel_updates ch;
  ch.frame(2, true);
  ch.frame(3, true);
  const auto page = collect_trades(ch.updates, 1000);
  ASSERT_EQ(page.trades.size(), 5u);
  EXPECT_EQ(page.first, 1u);
  std::string body;
  encode_trades_page(body, "BTC-USDT", std::nullopt, page);
  EXPECT_EQ(body, R"({"symbol":"BTC-USDT","epoch":"3fa2c1d0","first":1,"count":5,"trades":[)" +
                      joined(ch.trades, 0, 5) + "]}");
}

TEST(TradesPage, StopsAtAHoleInTheNumbering) {
  channel_updates ch;
  ch.frame(2);
  ch.counter.take(5);  // five trades this node never got (an edge that missed bus messages)
  ch.frame(3);
  ch.trades.erase(ch.trades.begin(), ch.trades.begin() + 2);
  const auto page = collect_trades(ch.updates, 100);
  ASSERT_EQ(page.trades.size(), 3u);
  EXPECT_EQ(page.first, 8u);
}

TEST(TradesPage, NothingYet) {
  const auto page = collect_trades({}, 100);
  std::string body;
  encode_trades_page(body, "ETH-USDT", venue_id::okx, page);
  EXPECT_EQ(body, R"({"symbol":"ETH-USDT","venue":"okx","count":0,"trades":[]})");
}

TEST(HistoryQuery, TradesDefaultsAndParameters) {
  history_query q;
  history_query_error err;
  ASSERT_TRUE(parse_trades_query("/v1/trades/BTC-USDT", "/v1/trades/", q, err));
  EXPECT_EQ(q.symbol, "BTC-USDT");
  EXPECT_FALSE(q.venue);
  EXPECT_EQ(q.limit, trades_default_limit);
  ASSERT_TRUE(
      parse_trades_query("/v1/trades/BTC-USDT?venue=okx&limit=1000&_=17", "/v1/trades/", q, err));
  EXPECT_EQ(q.venue, venue_id::okx);
  EXPECT_EQ(q.limit, 1000u);
}

TEST(HistoryQuery, Refusals) {
  history_query q;
  history_query_error err;
  EXPECT_FALSE(parse_trades_query("/v1/trades/BTC-USDT?limit=1001", "/v1/trades/", q, err));
  EXPECT_EQ(err.code, "bad_limit");
  EXPECT_FALSE(parse_trades_query("/v1/trades/BTC-USDT?limit=0", "/v1/trades/", q, err));
  EXPECT_EQ(err.code, "bad_limit");
  EXPECT_FALSE(parse_trades_query("/v1/trades/BTC-USDT?limit=-3", "/v1/trades/", q, err));
  EXPECT_FALSE(parse_trades_query("/v1/trades/BTC-USDT?venue=ftx", "/v1/trades/", q, err));
  EXPECT_EQ(err.code, "bad_venue");
  EXPECT_FALSE(parse_trades_query("/v1/trades/", "/v1/trades/", q, err));
  EXPECT_EQ(err.code, "bad_request");
  EXPECT_FALSE(parse_trades_query("/v1/trades/A/B", "/v1/trades/", q, err));
  EXPECT_FALSE(parse_candles_query("/v1/candles/BTC-USDT?interval=2m", "/v1/candles/", q, err));
  EXPECT_EQ(err.code, "bad_interval");
  EXPECT_FALSE(parse_candles_query("/v1/candles/BTC-USDT?start=soon", "/v1/candles/", q, err));
  EXPECT_EQ(err.code, "bad_time");
  EXPECT_FALSE(parse_candles_query("/v1/candles/BTC-USDT?limit=%zz", "/v1/candles/", q, err));
  EXPECT_EQ(err.code, "bad_request");
}

TEST(HistoryQuery, Candles) {
  history_query q;
  history_query_error err;
  ASSERT_TRUE(parse_candles_query("/v1/candles/ETH-USDT", "/v1/candles/", q, err));
  EXPECT_EQ(q.interval, candle_interval::m1);
  EXPECT_EQ(q.limit, candles_default_limit);
  EXPECT_FALSE(q.start_us);
  ASSERT_TRUE(parse_candles_query(
      "/v1/candles/ETH-USDT?interval=4h&venue=kraken&limit=7&start=1764061200000000&end=17640612"
      "60000000",
      "/v1/candles/", q, err));
  EXPECT_EQ(q.symbol, "ETH-USDT");
  EXPECT_EQ(q.interval, candle_interval::h4);
  EXPECT_EQ(q.venue, venue_id::kraken);
  EXPECT_EQ(q.limit, 7u);
  EXPECT_EQ(q.start_us, 1764061200000000);
  EXPECT_EQ(q.end_us, 1764061260000000);
}

}  // namespace
}  // namespace tickerd
