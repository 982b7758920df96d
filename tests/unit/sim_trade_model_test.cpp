// The sim's trades: each market event's trades agree with its ticker state (ids one by one,
// the last trade is the last price and size, sizes add up to the added volume, the taker on
// the side of the move, the book inside the 24 h range), and the trade-stream faults
// (trade_faults.hpp, and their spelling in fault.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "sim/fault.hpp"
#include "sim/market_model.hpp"
#include "sim/trade_faults.hpp"

namespace tickerd::sim {
namespace {

std::vector<symbol_spec> every_kind_of_symbol() {
  const auto builtin = builtin_specs();
  std::vector<symbol_spec> out(builtin.begin(), builtin.end());
  out.push_back(*find_spec("ZZZUSDT"));  // a generic spec
  return out;
}

// One event's trades against the state before and after it: ids one by one, the last trade is
// the ticker's last price, size and id, sizes add up to the added volume, one taker on the side
// of the move, and the book uncrossed, around the last trade and inside the 24 h range.
void expect_event_agrees(const symbol_spec& spec, int event, const symbol_state& prev,
                         const symbol_state& s, std::span<const trade_print> trades) {
  SCOPED_TRACE(spec.native() + " event " + std::to_string(event));
  ASSERT_EQ(static_cast<std::int64_t>(trades.size()), s.trade_count - prev.trade_count);
  ASSERT_FALSE(trades.empty());
  for (std::size_t k = 0; k < trades.size(); ++k) {
    ASSERT_EQ(trades[k].id, prev.last_trade_id() + 1 + static_cast<std::int64_t>(k));
  }
  ASSERT_EQ(trades.back().price, s.last);
  ASSERT_EQ(trades.back().qty, s.last_qty);
  ASSERT_EQ(trades.back().id, s.last_trade_id());
  std::int64_t volume = 0;
  for (const auto& t : trades) {
    ASSERT_GE(t.qty, 1);
    ASSERT_GE(t.price, std::min(prev.last, s.last));
    ASSERT_LE(t.price, std::max(prev.last, s.last));
    ASSERT_EQ(t.taker_buy, trades.back().taker_buy) << "one taker per event";
    volume += t.qty;
  }
  ASSERT_EQ(volume, s.volume_base - prev.volume_base) << "sizes add up to the volume";
  if (s.last != prev.last) {
    ASSERT_EQ(trades.back().taker_buy, s.last > prev.last) << "the taker moves the price";
  }
  ASSERT_LT(s.bid, s.ask);
  ASSERT_LE(s.bid, s.last);
  ASSERT_GE(s.ask, s.last);
  ASSERT_LE(s.low_24h, s.bid);
  ASSERT_GE(s.high_24h, s.ask);
  ASSERT_GE(s.bid_qty, 1);
  ASSERT_GE(s.ask_qty, 1);
}

TEST(sim_trade_model, every_event_has_trades_that_agree_with_its_ticker_state) {
  for (const auto& spec : every_kind_of_symbol()) {
    symbol_walk walk(spec, 42);
    EXPECT_TRUE(walk.trades().empty()) << "no trade before the first event";
    for (int i = 0; i < 3000; ++i) {
      const symbol_state prev = walk.state();
      const symbol_state& s = walk.step();
      expect_event_agrees(spec, i, prev, s, walk.trades());
      if (testing::Test::HasFatalFailure()) return;
    }
  }
}

// --trade-scale at the busiest venues' rates: BTC on Binance prints hundreds of trades per
// second in bursts. At scale 40 a BTC event averages 1000 trades (so `--rate 1` is ~1000
// trades/s, in bursts of up to ~2000 at one instant); every event still agrees with its
// ticker, and the prices are the same walk as at scale 1.
TEST(sim_trade_model, a_high_trade_scale_keeps_every_event_consistent_and_the_prices) {
  for (const auto& spec : every_kind_of_symbol()) {
    symbol_walk busy(spec, 42);
    symbol_walk calm(spec, 42);
    busy.set_trade_scale(40.0);
    std::int64_t trades = 0;
    std::size_t most = 0;
    const int events = 200;
    for (int i = 0; i < events; ++i) {
      const symbol_state prev = busy.state();
      const symbol_state& s = busy.step();
      expect_event_agrees(spec, i, prev, s, busy.trades());
      if (testing::Test::HasFatalFailure()) return;
      ASSERT_EQ(s.last, calm.step().last) << spec.native() << ": the scale moved the prices";
      trades += static_cast<std::int64_t>(busy.trades().size());
      most = std::max(most, busy.trades().size());
    }
    const double mean = static_cast<double>(trades) / events;
    const double want = spec.trades_per_event * 40.0;
    EXPECT_GT(mean, 0.85 * want) << spec.native();
    EXPECT_LT(mean, 1.15 * want) << spec.native();
    EXPECT_GT(static_cast<double>(most), 1.8 * want) << spec.native() << ": bursts";
  }
}

TEST(sim_trade_model, the_scale_applies_to_every_symbol_of_the_model) {
  market_model model({*find_spec("BTCUSDT"), *find_spec("ETHUSDT")}, 42);
  model.set_trade_scale(max_trade_scale);
  for (std::size_t i = 0; i < model.size(); ++i) {
    EXPECT_EQ(model.symbol(i).trade_scale(), max_trade_scale);
  }
}

TEST(sim_trade_model, trades_are_deterministic_and_bursty) {
  symbol_walk a(*find_spec("BTCUSDT"), 7);
  symbol_walk b(*find_spec("BTCUSDT"), 7);
  std::size_t fewest = 1'000'000;
  std::size_t most = 0;
  for (int i = 0; i < 500; ++i) {
    a.step();
    b.step();
    ASSERT_TRUE(std::ranges::equal(a.trades(), b.trades()));
    fewest = std::min(fewest, a.trades().size());
    most = std::max(most, a.trades().size());
  }
  // BTC: 25 trades per event on average, from a single print to bursts near twice that.
  EXPECT_EQ(fewest, 1u);
  EXPECT_GE(most, 40u);
}

// ---- faults ----------------------------------------------------------------------------

std::vector<trade_print> prints(std::int64_t first_id, int n) {
  std::vector<trade_print> out;
  for (int i = 0; i < n; ++i) out.push_back({first_id + i, 100 + i, 5, true});
  return out;
}

std::vector<std::int64_t> ids(const std::vector<trade_print>& v) {
  std::vector<std::int64_t> out;
  for (const auto& t : v) out.push_back(t.id);
  return out;
}

TEST(sim_trade_faults, without_faults_trades_pass_with_the_venue_shift) {
  trade_faults f(1000);
  EXPECT_EQ(ids(f.apply(prints(1, 3))), (std::vector<std::int64_t>{1001, 1002, 1003}));
  EXPECT_FALSE(f.bbo_stalled(0));
}

TEST(sim_trade_faults, a_gap_makes_the_ids_jump_once_and_for_good) {
  trade_faults f;
  f.apply(prints(1, 2));
  f.skip_ids(5);
  EXPECT_EQ(ids(f.apply(prints(3, 2))), (std::vector<std::int64_t>{8, 9}));
  EXPECT_EQ(ids(f.apply(prints(5, 1))), (std::vector<std::int64_t>{10}));
  f.clear();  // a jump already made stays
  EXPECT_EQ(ids(f.apply(prints(6, 1))), (std::vector<std::int64_t>{11}));
}

TEST(sim_trade_faults, duplicates_follow_their_original) {
  trade_faults f;
  f.duplicate(3);
  const auto out = f.apply(prints(1, 2));
  EXPECT_EQ(ids(out), (std::vector<std::int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(out[0], out[1]);
  EXPECT_EQ(ids(f.apply(prints(3, 2))), (std::vector<std::int64_t>{3, 3, 4}));
  EXPECT_EQ(f.duplicates_left(), 0u);
}

TEST(sim_trade_faults, reorder_swaps_neighbours_and_waits_for_an_event_with_two) {
  trade_faults f;
  f.reorder(2);
  EXPECT_EQ(ids(f.apply(prints(1, 1))), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(f.swaps_left(), 2u);
  EXPECT_EQ(ids(f.apply(prints(2, 5))), (std::vector<std::int64_t>{3, 2, 5, 4, 6}));
  EXPECT_EQ(f.swaps_left(), 0u);
  EXPECT_EQ(ids(f.apply(prints(7, 2))), (std::vector<std::int64_t>{7, 8}));
}

TEST(sim_trade_faults, bbo_stall_until_a_time_or_clear) {
  trade_faults f;
  f.stall_bbo(1'000);
  EXPECT_TRUE(f.bbo_stalled(999));
  EXPECT_FALSE(f.bbo_stalled(1'000));
  f.stall_bbo(trade_faults::forever_us);
  EXPECT_TRUE(f.bbo_stalled(1'000'000'000'000));
  f.clear();
  EXPECT_FALSE(f.bbo_stalled(0));
}

fault parsed(std::string_view spec) {
  auto r = parse_fault(spec);
  EXPECT_TRUE(r.value) << spec << ": " << r.error;
  return r.value.value_or(fault{});
}

TEST(sim_trade_faults, the_faults_are_spelled_like_the_others_and_apply_to_every_venue) {
  EXPECT_EQ(to_spec(parsed("trade_gap")), "trade_gap,count=1");
  EXPECT_EQ(to_spec(parsed("trade_dup,count=4")), "trade_dup,count=4");
  EXPECT_EQ(to_spec(parsed("trade_reorder,count=2,every=1000")),
            "trade_reorder,count=2,every=1000");
  EXPECT_EQ(to_spec(parsed("bbo_stall")), "bbo_stall");
  EXPECT_EQ(to_spec(parsed("bbo_stall,ms=3000")), "bbo_stall,ms=3000");
  EXPECT_NE(parse_fault("bbo_stall,ms=0").error.find("ms"), std::string::npos);
  EXPECT_NE(parse_fault("trade_gap,ms=1").error.find("'ms'"), std::string::npos);
  EXPECT_NE(parse_fault("trade_dup,count=0").error.find("count"), std::string::npos);
  for (const auto venue : fault_venues) {
    EXPECT_EQ(check_venue(parsed("trade_gap,count=3"), venue), "") << venue;
    EXPECT_EQ(check_venue(parsed("bbo_stall"), venue), "") << venue;
  }
  EXPECT_TRUE(parse_venue_fault("all:trade_dup").value);

  trade_faults f;
  apply_trade_fault(f, parsed("trade_gap,count=5"), 0);
  EXPECT_EQ(f.id_shift(), 5);
  apply_trade_fault(f, parsed("trade_dup,count=2"), 0);
  EXPECT_EQ(f.duplicates_left(), 2u);
  apply_trade_fault(f, parsed("trade_reorder,count=3"), 0);
  EXPECT_EQ(f.swaps_left(), 3u);
  apply_trade_fault(f, parsed("bbo_stall,ms=2"), 1'000);
  EXPECT_TRUE(f.bbo_stalled(2'999));
  EXPECT_FALSE(f.bbo_stalled(3'000));
  apply_trade_fault(f, parsed("bbo_stall"), 1'000);
  EXPECT_TRUE(f.bbo_stalled(1'000'000'000'000'000));
  apply_trade_fault(f, parsed("stall,ms=10"), 0);  // a connection fault: not the streams'
  EXPECT_EQ(f.duplicates_left(), 2u);
  apply_trade_fault(f, parsed("clear"), 0);
  EXPECT_FALSE(f.bbo_stalled(2'000));
  EXPECT_EQ(f.duplicates_left(), 0u);
  EXPECT_EQ(f.swaps_left(), 0u);
  EXPECT_EQ(f.id_shift(), 5);
}

}  // namespace
}  // namespace tickerd::sim
