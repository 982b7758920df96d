// One published state of a channel, encoded to JSON exactly once and then shared, immutable,
// by every shard and subscriber. Per-client work is queueing the pointer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tickerd/hub/channel_registry.hpp"

namespace tickerd {

struct published_update {
  channel_id channel = 0;
  std::uint64_t seq = 0;
  std::string epoch;  // the stream's epoch: changes when seq starts over
  // One text per state: an update holds {"type":"update","channel":…,"seq":…,"epoch":…,"data":…}
  // and no snapshot_text; what make_snapshot makes of it holds the same state as
  // {"type":"snapshot",…} and no update_text. The resume history keeps 256 updates per channel
  // and only the newest is ever sent as a snapshot (bench/RESULTS.md, "Floor", memory).
  std::string update_text;
  std::string snapshot_text;
  std::size_t data_offset = 0;
  std::size_t data_size = 0;
  std::int64_t made_mono_ns = 0;  // when make_update ran: tickerd_delivery_latency_seconds' start
  // False for an update a slow client's conflation must keep even when a newer one of its
  // channel is queued (a closed candle: final, unlike the forming one that follows it).
  bool conflatable = true;

  std::string_view data() const noexcept {
    return std::string_view(update_text.empty() ? snapshot_text : update_text)
        .substr(data_offset, data_size);
  }
};

using update_ptr = std::shared_ptr<const published_update>;

// Encodes the update text around `data_json` (a complete JSON value), naming the epoch when
// there is one.
update_ptr make_update(channel_id channel, std::string_view channel_name, std::uint64_t seq,
                       std::string_view data_json, std::string_view epoch = {},
                       bool conflatable = true);

// The snapshot of `update`'s state: the same message but for its type, made when a client
// subscribes (shard::snapshot keeps the newest per channel, shared by its subscribers).
update_ptr make_snapshot(const published_update& update);
// Its text alone.
std::string snapshot_text_of(const published_update& update);

// A fresh, random stream epoch (8 hex digits).
std::string new_epoch();

// The snapshot of a channel that has never been published: seq 0, data null.
std::string empty_snapshot_text(std::string_view channel_name);

}  // namespace tickerd
