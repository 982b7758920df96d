// hub/subscriber_index with fake subscribers: both directions kept in step, wildcards, one
// delivery per subscriber and channel, the dirty list, and removal in the middle of a walk.
#include "tickerd/hub/subscriber_index.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <gtest/gtest.h>

namespace tickerd {
namespace {

// Channels 0..3 are in wildcard 0 ("ticker.*"-like), 4..5 in wildcard 1, 6 in none.
constexpr std::size_t channel_count = 7;
const std::vector<wildcard_id> wildcard_of{0, 0, 0, 0, 1, 1, no_wildcard};
constexpr wildcard_id w0 = 0;
constexpr wildcard_id w1 = 1;

// What a delivery walk reached: subscriber → channels, in the order delivered.
using deliveries = std::map<subscriber_id, std::vector<channel_id>>;

deliveries deliver(subscriber_index& index, std::initializer_list<channel_id> channels) {
  deliveries got;
  for (const auto c : channels) {
    index.for_each_receiver(c, [&](subscriber_id s) { got[s].push_back(c); });
  }
  return got;
}

std::vector<channel_id> ids(std::span<const channel_id> s) {
  return {s.begin(), s.end()};
}

TEST(subscriber_index, exact_subscriptions_in_both_directions) {
  subscriber_index index(wildcard_of, 2);
  const auto a = index.add();
  const auto b = index.add();
  EXPECT_NE(a, b);
  EXPECT_TRUE(index.subscribe(a, channel_id{6}));
  EXPECT_TRUE(index.subscribe(a, channel_id{2}));
  EXPECT_FALSE(index.subscribe(a, channel_id{2}));  // already
  EXPECT_TRUE(index.subscribe(b, channel_id{2}));
  EXPECT_EQ(ids(index.channels(a)), (std::vector<channel_id>{2, 6}));  // ascending
  EXPECT_EQ(index.exact_subscribers(2), 2U);
  EXPECT_EQ(index.subscription_count(a), 2U);
  EXPECT_TRUE(index.has_receivers(2));
  EXPECT_FALSE(index.has_receivers(3));

  EXPECT_EQ(deliver(index, {2, 3, 6}), (deliveries{{a, {2, 6}}, {b, {2}}}));

  EXPECT_TRUE(index.unsubscribe(a, channel_id{2}));
  EXPECT_FALSE(index.unsubscribe(a, channel_id{2}));
  EXPECT_FALSE(index.subscribed(a, channel_id{2}));
  EXPECT_EQ(index.exact_subscribers(2), 1U);
  EXPECT_EQ(deliver(index, {2, 6}), (deliveries{{a, {6}}, {b, {2}}}));
}

TEST(subscriber_index, a_wildcard_is_one_entry_and_reaches_every_member) {
  subscriber_index index(wildcard_of, 2);
  const auto a = index.add();
  EXPECT_TRUE(index.subscribe(a, w0));
  EXPECT_FALSE(index.subscribe(a, w0));
  EXPECT_TRUE(index.channels(a).empty());  // no entry per member channel
  EXPECT_EQ(index.subscription_count(a), 1U);
  EXPECT_EQ(index.wildcard_subscribers(w0), 1U);
  for (channel_id c = 0; c < 4; ++c) EXPECT_TRUE(index.receives(a, c)) << c;
  EXPECT_FALSE(index.receives(a, 4));
  EXPECT_EQ(deliver(index, {0, 1, 2, 3, 4, 5, 6}), (deliveries{{a, {0, 1, 2, 3}}}));
  EXPECT_TRUE(index.unsubscribe(a, w0));
  EXPECT_FALSE(index.unsubscribe(a, w0));
  EXPECT_TRUE(deliver(index, {0, 1, 2, 3}).empty());
}

TEST(subscriber_index, wildcard_and_exact_on_the_same_channel_deliver_once) {
  subscriber_index index(wildcard_of, 2);
  const auto a = index.add();
  const auto b = index.add();
  // Exact first, then the wildcard over it; and the other order.
  index.subscribe(a, channel_id{1});
  index.subscribe(a, w0);
  index.subscribe(b, w0);
  index.subscribe(b, channel_id{1});
  EXPECT_EQ(index.subscription_count(a), 2U);
  EXPECT_EQ(index.exact_subscribers(1), 2U);
  EXPECT_EQ(deliver(index, {1}), (deliveries{{a, {1}}, {b, {1}}}));

  // Leaving the wildcard keeps the exact subscription, and the other way round.
  index.unsubscribe(a, w0);
  index.unsubscribe(b, channel_id{1});
  EXPECT_EQ(deliver(index, {0, 1}), (deliveries{{a, {1}}, {b, {0, 1}}}));
  index.unsubscribe(a, channel_id{1});
  index.unsubscribe(b, w0);
  EXPECT_TRUE(deliver(index, {0, 1}).empty());
  EXPECT_FALSE(index.has_receivers(1));
}

TEST(subscriber_index, wildcards_of_different_families_are_independent) {
  subscriber_index index(wildcard_of, 2);
  const auto a = index.add();
  index.subscribe(a, w1);
  index.subscribe(a, channel_id{0});
  EXPECT_EQ(index.wildcards(a), std::uint64_t{1} << w1);
  EXPECT_EQ(deliver(index, {0, 1, 4, 5, 6}), (deliveries{{a, {0, 4, 5}}}));
}

TEST(subscriber_index, remove_ends_every_subscription_and_reuses_the_handle) {
  subscriber_index index(wildcard_of, 2);
  const auto a = index.add();
  const auto b = index.add();
  index.subscribe(a, w0);
  index.subscribe(a, channel_id{1});
  index.subscribe(a, channel_id{6});
  index.subscribe(b, channel_id{6});
  index.mark_dirty(a);
  index.remove(a);
  EXPECT_EQ(index.size(), 1U);
  EXPECT_EQ(index.exact_subscribers(1), 0U);
  EXPECT_EQ(index.wildcard_subscribers(w0), 0U);
  EXPECT_EQ(deliver(index, {0, 1, 6}), (deliveries{{b, {6}}}));
  std::vector<subscriber_id> drained;
  index.drain_dirty([&](subscriber_id s) { drained.push_back(s); });
  EXPECT_TRUE(drained.empty());  // a removed subscriber leaves the dirty list

  const auto c = index.add();
  EXPECT_EQ(c, a);  // the handle is reused, with nothing of a's
  EXPECT_TRUE(index.channels(c).empty());
  EXPECT_EQ(index.wildcards(c), 0U);
  EXPECT_FALSE(index.dirty(c));
}

TEST(subscriber_index, dirty_list_holds_each_subscriber_once_until_drained) {
  subscriber_index index(wildcard_of, 2);
  const auto a = index.add();
  const auto b = index.add();
  index.subscribe(a, w0);
  index.subscribe(b, channel_id{0});
  // What the shard does per update: queue, then mark.
  for (int turn = 0; turn < 3; ++turn) {
    for (const channel_id c : {0U, 1U, 2U}) {
      index.for_each_receiver(c, [&](subscriber_id s) { index.mark_dirty(s); });
    }
  }
  EXPECT_TRUE(index.dirty(a));
  EXPECT_TRUE(index.dirty(b));
  std::vector<subscriber_id> drained;
  index.drain_dirty([&](subscriber_id s) {
    EXPECT_FALSE(index.dirty(s));  // cleared before the call
    drained.push_back(s);
  });
  std::sort(drained.begin(), drained.end());
  EXPECT_EQ(drained, (std::vector<subscriber_id>{a, b}));
  drained.clear();
  index.drain_dirty([&](subscriber_id s) { drained.push_back(s); });
  EXPECT_TRUE(drained.empty());
}

TEST(subscriber_index, a_subscriber_removed_mid_delivery_is_not_reached_again) {
  subscriber_index index(wildcard_of, 2);
  std::vector<subscriber_id> subs;
  for (int i = 0; i < 6; ++i) {
    subs.push_back(index.add());
    index.subscribe(subs.back(), i % 2 == 0 ? channel_id{0} : channel_id{1});
    index.subscribe(subs.back(), w0);  // every one through the wildcard too
    index.subscribe(subs.back(), channel_id{6});
  }
  // The second subscriber reached removes itself and the last one (not yet reached), as a
  // session that fails its write leaves the shard from inside the walk.
  std::vector<subscriber_id> reached;
  subscriber_id removed_self = no_subscriber;
  index.for_each_receiver(0, [&](subscriber_id s) {
    reached.push_back(s);
    if (reached.size() == 2) {
      removed_self = s;
      index.remove(s);
      index.remove(subs.back());
      EXPECT_EQ(index.add(), subs.size());  // no handle is reused during a walk
    }
  });
  EXPECT_EQ(reached.size(), 5U);  // six, less the unreached one removed
  EXPECT_EQ(std::count(reached.begin(), reached.end(), subs.back()), 0);
  std::sort(reached.begin(), reached.end());
  EXPECT_EQ(std::adjacent_find(reached.begin(), reached.end()), reached.end());  // each once

  // After the walk the lists are compact and consistent: four subscribers left.
  EXPECT_EQ(index.wildcard_subscribers(w0), 4U);
  EXPECT_EQ(index.exact_subscribers(6), 4U);
  EXPECT_EQ(deliver(index, {6}).size(), 4U);
  EXPECT_EQ(index.size(), 5U);  // four, and the one added during the walk
  // The handles freed in the walk are reusable once it is over.
  const auto reused = index.add();
  EXPECT_TRUE(reused == removed_self || reused == subs.back()) << reused;
}

TEST(subscriber_index, a_subscriber_removed_while_draining_is_not_drained) {
  subscriber_index index(wildcard_of, 2);
  const auto a = index.add();
  const auto b = index.add();
  const auto c = index.add();
  for (const auto s : {a, b, c}) index.mark_dirty(s);
  std::vector<subscriber_id> drained;
  index.drain_dirty([&](subscriber_id s) {
    drained.push_back(s);
    if (drained.size() == 1) {
      for (const auto other : {a, b, c}) {
        if (other != s) {
          index.remove(other);  // one of those not yet drained
          break;
        }
      }
    }
  });
  EXPECT_EQ(drained.size(), 2U);
  EXPECT_EQ(index.size(), 2U);
}

TEST(subscriber_index, subscription_count_is_what_a_limit_counts) {
  subscriber_index index(wildcard_of, 2);
  const auto a = index.add();
  index.subscribe(a, w0);
  index.subscribe(a, w1);
  index.subscribe(a, channel_id{0});  // under w0: still a subscription of its own
  index.subscribe(a, channel_id{6});
  EXPECT_EQ(index.subscription_count(a), 4U);
  index.remove(a);
  EXPECT_EQ(index.size(), 0U);
}

TEST(subscriber_index, built_from_a_registry_ticker_star_covers_the_composite_tickers) {
  const std::vector<instrument> instruments{{"BTC", "USDT"}, {"ETH", "USDT"}};
  const std::vector<venue_id> venues{venue_id::binance};
  const channel_registry registry(instruments, venues);
  subscriber_index index(registry);
  const auto a = index.add();
  const auto star = registry.find_wildcard("ticker.*");
  ASSERT_TRUE(star.has_value());
  index.subscribe(a, *star);
  for (channel_id c = 0; c < registry.size(); ++c) {
    EXPECT_EQ(index.receives(a, c), registry.info(c).kind == channel_kind::ticker)
        << registry.info(c).name;
  }
}

TEST(subscriber_index, refuses_a_map_that_names_an_unknown_wildcard) {
  const std::vector<wildcard_id> bad{0, 2};
  EXPECT_THROW(subscriber_index(bad, 2), std::invalid_argument);
  EXPECT_THROW(subscriber_index(wildcard_of, 65), std::invalid_argument);
}

}  // namespace
}  // namespace tickerd
