// The resume history's depth per channel family (docs/PROTOCOL.md, "Resume with `since`"): top
// of book and candles keep 16 updates, everything else [node] resume_history.
#include "tickerd/hub/history_depth.hpp"

#include <gtest/gtest.h>

namespace tickerd {
namespace {

TEST(HistoryDepth, StateChannelsKeepSixteenAndTheRestTheConfiguredDepth) {
  for (const auto kind : {channel_kind::bbo, channel_kind::venue_bbo, channel_kind::candles,
                          channel_kind::venue_candles}) {
    EXPECT_EQ(history_depth(kind, 256), 16u);
    EXPECT_EQ(history_depth(kind, 1000), 16u);
    EXPECT_EQ(history_depth(kind, 10), 10u) << "never more than configured";
    EXPECT_EQ(history_depth(kind, 0), 0u) << "resume_history = 0 keeps none";
  }
  for (const auto kind : {channel_kind::ticker, channel_kind::venue_ticker, channel_kind::trades,
                          channel_kind::venue_trades, channel_kind::status, channel_kind::almanac,
                          channel_kind::gas, channel_kind::fng}) {
    EXPECT_EQ(history_depth(kind, 256), 256u);
    EXPECT_EQ(history_depth(kind, 1000), 1000u);
    EXPECT_EQ(history_depth(kind, 0), 0u);
  }
}

TEST(HistoryDepth, BookChannelsKeepFour) {
  for (const auto kind : {channel_kind::book, channel_kind::venue_book}) {
    EXPECT_EQ(history_depth(kind, 256), 4u);
    EXPECT_EQ(history_depth(kind, 2), 2u) << "never more than configured";
    EXPECT_EQ(history_depth(kind, 0), 0u);
  }
}

}  // namespace
}  // namespace tickerd
