// `seq` accounting per connection (docs/PROTOCOL.md: `seq` rises by one per update on a
// channel). A jump is either announced (`conflated` notices, or the client's own `throttle_ms`,
// which skips updates by design) or a loss. Throttling hides losses in the jumps, so for
// throttled clients what proves nothing was lost is the end state instead: each channel's last
// `seq` has reached what the server published (check_latest).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tickerd::bench {

// Cumulative counts over many connections.
struct seq_counts {
  std::uint64_t gaps = 0;  // missing, not announced by `conflated`, not throttled: lost
  std::uint64_t gap_events = 0;
  std::uint64_t regressions = 0;  // a seq at or below the last one
  std::uint64_t skipped = 0;      // missing because the subscription is throttled (by design)
  std::uint64_t skip_events = 0;
};

// One connection's last seq per channel (channels are small indices the pool assigns).
class channel_seqs {
 public:
  static constexpr std::int64_t none = -1;

  void snapshot(std::uint32_t channel, std::int64_t seq);
  // `throttled`: the subscription has throttle_ms, so a jump the `conflated` notices do not
  // explain is a skip, not a gap.
  void update(std::uint32_t channel, std::int64_t seq, bool throttled, seq_counts& counts);
  void conflated(std::int64_t dropped);
  // The channel starts over (a `reset`: its next snapshot sets the seq again).
  void forget(std::uint32_t channel) noexcept;
  std::int64_t last(std::uint32_t channel) const noexcept;
  // Forgets everything and frees the memory (a closed connection keeps no state).
  void clear() noexcept;

 private:
  std::int64_t& slot(std::uint32_t channel);

  std::vector<std::int64_t> last_;  // by channel index; none = nothing seen yet
  std::int64_t excused_ = 0;        // `conflated` drops not yet matched to a jump
};

// Whether every client got the latest update of every channel the server published.
struct latest_check {
  std::uint64_t clients = 0;
  std::uint64_t checked = 0;   // (client, channel) pairs compared
  std::uint64_t behind = 0;    // the client's last seq is older than the server's
  std::uint64_t missing = 0;   // the client has no seq at all on the channel
  std::int64_t worst_lag = 0;  // most updates a client was behind on one channel
  std::string first_problem;   // e.g. "ticker.BTC-USDT: client 17 at seq 40, server 42"

  bool ok() const noexcept { return checked > 0 && behind == 0 && missing == 0; }
};

// `published`: channel index and the server's seq, read at least one throttle interval (plus
// delivery time) before the clients' state is compared. A client at or past that seq is fine
// (the server may have published more since).
void check_latest(const channel_seqs& client, std::uint32_t client_id,
                  const std::vector<std::pair<std::uint32_t, std::int64_t>>& published,
                  const std::vector<std::string>& channel_names, latest_check& out);

}  // namespace tickerd::bench
