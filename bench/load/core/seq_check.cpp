#include "load/core/seq_check.hpp"

#include <algorithm>

namespace tickerd::bench {

std::int64_t& channel_seqs::slot(std::uint32_t channel) {
  if (last_.size() <= channel) last_.resize(channel + 1, none);
  return last_[channel];
}

void channel_seqs::snapshot(std::uint32_t channel, std::int64_t seq) {
  if (seq >= 0) slot(channel) = seq;
}

void channel_seqs::update(std::uint32_t channel, std::int64_t seq, bool throttled,
                          seq_counts& counts) {
  if (seq < 0) return;
  auto& last = slot(channel);
  if (last != none) {
    if (seq > last + 1) {
      const std::int64_t missing = seq - last - 1;
      // Conflation is announced per connection, not per channel: spend it on the first jumps.
      const std::int64_t excuse = std::min(missing, excused_);
      excused_ -= excuse;
      const auto rest = static_cast<std::uint64_t>(missing - excuse);
      if (rest > 0 && throttled) {
        counts.skipped += rest;
        ++counts.skip_events;
      } else if (rest > 0) {
        counts.gaps += rest;
        ++counts.gap_events;
      }
    } else if (seq <= last) {
      ++counts.regressions;
    }
  }
  last = seq;
}

void channel_seqs::conflated(std::int64_t dropped) {
  excused_ += std::max<std::int64_t>(0, dropped);
}

void channel_seqs::forget(std::uint32_t channel) noexcept {
  if (channel < last_.size()) last_[channel] = none;
}

std::int64_t channel_seqs::last(std::uint32_t channel) const noexcept {
  return channel < last_.size() ? last_[channel] : none;
}

void channel_seqs::clear() noexcept {
  std::vector<std::int64_t>().swap(last_);
  excused_ = 0;
}

void check_latest(const channel_seqs& client, std::uint32_t client_id,
                  const std::vector<std::pair<std::uint32_t, std::int64_t>>& published,
                  const std::vector<std::string>& channel_names, latest_check& out) {
  ++out.clients;
  for (const auto& [channel, server_seq] : published) {
    ++out.checked;
    const auto have = client.last(channel);
    if (have != channel_seqs::none && have >= server_seq) continue;
    if (have == channel_seqs::none) {
      ++out.missing;
    } else {
      ++out.behind;
      out.worst_lag = std::max(out.worst_lag, server_seq - have);
    }
    if (out.first_problem.empty()) {
      const auto& name =
          channel < channel_names.size() ? channel_names[channel] : std::string("channel ?");
      out.first_problem =
          name + ": client " + std::to_string(client_id) + " at " +
          (have == channel_seqs::none ? std::string("no seq") : "seq " + std::to_string(have)) +
          ", server " + std::to_string(server_seq);
    }
  }
}

}  // namespace tickerd::bench
