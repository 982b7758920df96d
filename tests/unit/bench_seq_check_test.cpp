#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "load/core/seq_check.hpp"

namespace tickerd::bench {
namespace {

constexpr std::uint32_t btc = 0;
constexpr std::uint32_t eth = 1;

TEST(BenchSeqCheck, ConsecutiveUpdatesAreNoGap) {
  channel_seqs s;
  seq_counts c;
  s.snapshot(btc, 41);
  for (std::int64_t seq = 42; seq <= 50; ++seq) s.update(btc, seq, false, c);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.skipped, 0u);
  EXPECT_EQ(c.regressions, 0u);
  EXPECT_EQ(s.last(btc), 50);
  EXPECT_EQ(s.last(eth), channel_seqs::none);
}

TEST(BenchSeqCheck, UnthrottledJumpIsALoss) {
  channel_seqs s;
  seq_counts c;
  s.snapshot(btc, 10);
  s.update(btc, 11, false, c);
  s.update(btc, 15, false, c);  // 12, 13, 14 missing and not announced
  s.update(btc, 17, false, c);  // 16 missing
  EXPECT_EQ(c.gaps, 4u);
  EXPECT_EQ(c.gap_events, 2u);
  EXPECT_EQ(c.skipped, 0u);
}

TEST(BenchSeqCheck, ThrottledJumpIsASkipNotAGap) {
  // throttle_ms: the server skips updates by design and says nothing (docs/PROTOCOL.md).
  channel_seqs s;
  seq_counts c;
  s.snapshot(btc, 10);
  s.update(btc, 13, true, c);
  s.update(btc, 14, true, c);
  s.update(btc, 20, true, c);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.gap_events, 0u);
  EXPECT_EQ(c.skipped, 2u + 5u);
  EXPECT_EQ(c.skip_events, 2u);
  EXPECT_EQ(s.last(btc), 20);
}

TEST(BenchSeqCheck, ConflationExcusesFirstThenTheRestByMode) {
  for (const bool throttled : {false, true}) {
    channel_seqs s;
    seq_counts c;
    s.snapshot(btc, 0);
    s.snapshot(eth, 100);
    s.conflated(3);
    s.update(btc, 3, throttled, c);    // 2 missing: both announced
    s.update(eth, 104, throttled, c);  // 3 missing: 1 announced, 2 not
    EXPECT_EQ(throttled ? c.skipped : c.gaps, 2u) << throttled;
    EXPECT_EQ(throttled ? c.gaps : c.skipped, 0u) << throttled;
  }
}

TEST(BenchSeqCheck, RegressionsCountInBothModes) {
  for (const bool throttled : {false, true}) {
    channel_seqs s;
    seq_counts c;
    s.snapshot(btc, 5);
    s.update(btc, 5, throttled, c);  // a duplicate
    s.update(btc, 4, throttled, c);  // backwards
    EXPECT_EQ(c.regressions, 2u) << throttled;
    EXPECT_EQ(c.gaps + c.skipped, 0u) << throttled;
  }
}

TEST(BenchSeqCheck, FirstUpdateWithoutSnapshotIsNoGap) {
  channel_seqs s;
  seq_counts c;
  s.update(eth, 77, false, c);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(s.last(eth), 77);
  s.clear();
  EXPECT_EQ(s.last(eth), channel_seqs::none);
  s.update(eth, 90, false, c);  // after clear (reconnect), a fresh start
  EXPECT_EQ(c.gaps, 0u);
}

TEST(BenchSeqCheck, LatestCheckFindsHeldBackUpdatesThatNeverCame) {
  const std::vector<std::string> names{"ticker.BTC-USDT", "ticker.ETH-USDT"};
  const std::vector<std::pair<std::uint32_t, std::int64_t>> published{{btc, 42}, {eth, 7}};
  seq_counts c;

  channel_seqs up_to_date;
  up_to_date.snapshot(btc, 40);
  up_to_date.update(btc, 42, true, c);
  up_to_date.snapshot(eth, 7);
  channel_seqs ahead;  // the server published more after /v1/snapshot was read: fine
  ahead.snapshot(btc, 43);
  ahead.snapshot(eth, 9);
  latest_check good;
  check_latest(up_to_date, 0, published, names, good);
  check_latest(ahead, 1, published, names, good);
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(good.clients, 2u);
  EXPECT_EQ(good.checked, 4u);
  EXPECT_TRUE(good.first_problem.empty());

  channel_seqs behind;  // its last held-back BTC update was never sent
  behind.snapshot(btc, 39);
  behind.update(btc, 40, true, c);
  behind.snapshot(eth, 7);
  channel_seqs never;  // nothing at all on ETH
  never.snapshot(btc, 42);
  latest_check bad;
  check_latest(up_to_date, 0, published, names, bad);
  check_latest(behind, 5, published, names, bad);
  check_latest(never, 6, published, names, bad);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.checked, 6u);
  EXPECT_EQ(bad.behind, 1u);
  EXPECT_EQ(bad.missing, 1u);
  EXPECT_EQ(bad.worst_lag, 2);
  EXPECT_EQ(bad.first_problem, "ticker.BTC-USDT: client 5 at seq 40, server 42");

  latest_check nothing;  // no channel compared proves nothing
  check_latest(up_to_date, 0, {}, names, nothing);
  EXPECT_FALSE(nothing.ok());
}

}  // namespace
}  // namespace tickerd::bench
