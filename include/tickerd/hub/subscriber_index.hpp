// Who receives which channel, in both directions, on one gateway shard: channel → subscribers
// for delivery, subscriber → channels for replies, limits and unsubscribes, wildcards, and the
// list of subscribers given something since the last write loop (the dirty list). Pure: a
// subscriber is a small integer handle, so the invariants are tested with fake subscribers,
// without sockets (the idea of uWebSockets' TopicTree).
//
// Delivery is the hot path: for_each_receiver walks the channel's list and the list of its
// wildcard (each channel belongs to at most one), with no allocation, no hash lookup and no
// test per subscriber but for a vacated slot. A subscriber with both a wildcard and an exact
// subscription on one of its channels is listed for that channel only through the wildcard,
// so it is reached once. A subscriber removed during a walk is not reached after its removal
// (its entries are vacated, and the lists compacted when the outermost walk ends), and its
// handle is reused only after that.
//
// Not thread-safe: one per shard, used on the shard's thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tickerd/hub/channel_registry.hpp"

namespace tickerd {

using subscriber_id = std::uint32_t;
inline constexpr subscriber_id no_subscriber = ~subscriber_id{0};

class subscriber_index {
 public:
  // `wildcard_of[c]`: the wildcard channel c belongs to (below `wildcards`), or no_wildcard.
  subscriber_index(std::span<const wildcard_id> wildcard_of, std::size_t wildcards);
  explicit subscriber_index(const channel_registry& registry)
      : subscriber_index(registry.wildcard_map(), registry.wildcard_count()) {}

  // A new subscriber with no subscriptions; remove() ends it (and its subscriptions).
  subscriber_id add();
  void remove(subscriber_id s);

  // Each true when it changed something.
  bool subscribe(subscriber_id s, channel_id c);
  bool unsubscribe(subscriber_id s, channel_id c);
  bool subscribe(subscriber_id s, wildcard_id w);
  bool unsubscribe(subscriber_id s, wildcard_id w);

  // Exact subscriptions (ascending) and wildcards (bit w) of one subscriber.
  std::span<const channel_id> channels(subscriber_id s) const { return slots_[s].channels; }
  std::uint64_t wildcards(subscriber_id s) const { return slots_[s].wildcards; }
  bool subscribed(subscriber_id s, channel_id c) const;
  bool subscribed(subscriber_id s, wildcard_id w) const {
    return ((slots_[s].wildcards >> w) & 1U) != 0;
  }
  // Whether `s` is given `c`'s updates, exactly or through its wildcard.
  bool receives(subscriber_id s, channel_id c) const {
    return subscribed(s, c) || (wildcard_of_[c] != no_wildcard && subscribed(s, wildcard_of_[c]));
  }
  // What a per-connection limit counts: exact channels plus wildcards (one each).
  std::size_t subscription_count(subscriber_id s) const;

  // For sampled statistics: exact subscriptions of a channel, subscribers of a wildcard.
  std::size_t exact_subscribers(channel_id c) const { return exact_counts_[c]; }
  std::size_t wildcard_subscribers(wildcard_id w) const { return wildcard_lists_[w].size(); }
  // Whether an update of `c` reaches anyone.
  bool has_receivers(channel_id c) const {
    return !channel_lists_[c].empty() ||
           (wildcard_of_[c] != no_wildcard && !wildcard_lists_[wildcard_of_[c]].empty());
  }

  // Calls f(subscriber) once for each subscriber that receives `c`.
  template <typename F>
  void for_each_receiver(channel_id c, F&& f) {
    const walk guard(*this);
    visit(channel_lists_[c], f);
    if (wildcard_of_[c] != no_wildcard) visit(wildcard_lists_[wildcard_of_[c]], f);
  }

  // The dirty list: subscribers with something queued since the last drain, each once.
  void mark_dirty(subscriber_id s) {
    if (dirty_flags_[s] != 0) return;
    dirty_flags_[s] = 1;
    dirty_.push_back(s);
  }
  bool dirty(subscriber_id s) const { return dirty_flags_[s] != 0; }
  // Calls f(subscriber) for each dirty one, clearing its mark first (f may mark it again: it is
  // then reached again in this drain), and empties the list.
  template <typename F>
  void drain_dirty(F&& f) {
    {
      const walk guard(*this);
      // By position: f may mark again, appending (a range-for's iterators would dangle).
      for (std::size_t i = 0; i < dirty_.size(); ++i) {  // NOLINT(modernize-loop-convert)
        const subscriber_id s = dirty_[i];
        if (s == vacant) continue;
        dirty_flags_[s] = 0;
        f(s);
      }
    }
    dirty_.clear();
  }

  // Live subscribers (for tests and statistics).
  std::size_t size() const noexcept { return slots_.size() - free_.size() - freed_in_walk_.size(); }

 private:
  static constexpr subscriber_id vacant = no_subscriber;
  using list = std::vector<subscriber_id>;

  struct slot {
    std::vector<channel_id> channels;  // ascending
    std::uint64_t wildcards = 0;       // bit w: subscribed to wildcard w
  };

  // Marks a walk in progress: removals vacate entries instead of moving them.
  class walk {
   public:
    explicit walk(subscriber_index& index) : index_(index) { ++index_.walking_; }
    ~walk() {
      if (--index_.walking_ == 0) index_.end_walk();
    }
    walk(const walk&) = delete;
    walk& operator=(const walk&) = delete;

   private:
    subscriber_index& index_;
  };

  template <typename F>
  static void visit(const list& l, F& f) {
    // By position: f may vacate entries or append (never reallocating what was read).
    for (std::size_t i = 0; i < l.size(); ++i) {  // NOLINT(modernize-loop-convert): see above
      const subscriber_id s = l[i];
      if (s != vacant) f(s);
    }
  }

  void erase(list& l, subscriber_id s);
  void end_walk();
  bool covered(const slot& sl, channel_id c) const {
    return wildcard_of_[c] != no_wildcard && ((sl.wildcards >> wildcard_of_[c]) & 1U) != 0;
  }

  std::vector<wildcard_id> wildcard_of_;     // by channel
  std::vector<list> channel_lists_;          // by channel: exact subscribers not covered
  std::vector<std::uint32_t> exact_counts_;  // by channel: every exact subscriber
  std::vector<list> wildcard_lists_;         // by wildcard
  std::vector<slot> slots_;                  // by subscriber
  std::vector<std::uint8_t> dirty_flags_;    // by subscriber
  list dirty_;
  std::vector<subscriber_id> free_;           // handles to reuse
  std::vector<subscriber_id> freed_in_walk_;  // reusable once the walk ends
  std::vector<list*> to_compact_;             // lists with vacated entries
  unsigned walking_ = 0;
};

}  // namespace tickerd
