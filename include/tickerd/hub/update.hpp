// One published state of a channel, encoded to JSON exactly once and then shared, immutable,
// by every shard and subscriber. Per-client work is queueing the pointer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/data_format.hpp"

namespace tickerd {

struct published_update {
  channel_id channel = 0;
  std::uint64_t seq = 0;
  std::string epoch;          // the stream's epoch: changes when seq starts over
  std::string update_text;    // {"type":"update","channel":…,"seq":…,"epoch":…,"data":…}
  std::string snapshot_text;  // the same state as {"type":"snapshot",…,"epoch":…,…}
  // The same two messages with `data` in CCXT's unified structure (the envelope is the same);
  // both empty when the channel has no CCXT form (data_format.hpp).
  std::string ccxt_update_text;
  std::string ccxt_snapshot_text;
  std::size_t data_offset = 0;
  std::size_t data_size = 0;
  std::int64_t made_mono_ns = 0;  // when make_update ran: tickerd_delivery_latency_seconds' start
  // False for an update a slow client's conflation must keep even when a newer one of its
  // channel is queued (a closed candle: final, unlike the forming one that follows it).
  bool conflatable = true;

  std::string_view data() const noexcept {
    return std::string_view(update_text).substr(data_offset, data_size);
  }
  bool has_ccxt() const noexcept { return !ccxt_update_text.empty(); }
  // The CCXT `data` (the envelope before it is the same as update_text's); empty without one.
  std::string_view ccxt_data() const noexcept {
    if (!has_ccxt()) return {};
    return std::string_view(ccxt_update_text)
        .substr(data_offset, ccxt_update_text.size() - data_offset - 1);
  }
  // The message a client reading `format` is sent: the update, or the snapshot of its state.
  // The CCXT texts when asked for and present, else the native ones.
  const std::string& text(data_format format, bool snapshot) const noexcept {
    if (format == data_format::ccxt && has_ccxt()) {
      return snapshot ? ccxt_snapshot_text : ccxt_update_text;
    }
    return snapshot ? snapshot_text : update_text;
  }
};

using update_ptr = std::shared_ptr<const published_update>;

// Encodes both texts around `data_json` (a complete JSON value), naming the epoch when
// there is one; and both CCXT texts around `ccxt_json` when it is not empty.
update_ptr make_update(channel_id channel, std::string_view channel_name, std::uint64_t seq,
                       std::string_view data_json, std::string_view epoch = {},
                       bool conflatable = true, std::string_view ccxt_json = {});

// A fresh, random stream epoch (8 hex digits).
std::string new_epoch();

// The snapshot of a channel that has never been published: seq 0, data null.
std::string empty_snapshot_text(std::string_view channel_name);

}  // namespace tickerd
