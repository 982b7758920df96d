// One published state of a channel, encoded to JSON exactly once and then shared, immutable,
// by every shard and subscriber. Per-client work is queueing the pointer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/data_format.hpp"

namespace tickerd {

// The same message with `data` in CCXT's unified structure (format=ccxt, data_format.hpp).
// Not made at ingest: a gateway makes it from the native data the first time one of its clients
// reads that form (gateway/ccxt_form.hpp), so a node no CCXT client uses never holds it.
struct ccxt_texts {
  std::string text;
  std::size_t data_size = 0;  // the data ends one byte ('}') before the end of the text
};

struct published_update {
  published_update() = default;
  published_update(const published_update&) = delete;
  published_update& operator=(const published_update&) = delete;
  ~published_update() { delete ccxt_.load(std::memory_order_acquire); }

  channel_id channel = 0;
  // False for an update a slow client's conflation must keep even when a newer one of its
  // channel is queued (a closed candle: final, unlike the forming one that follows it).
  // (Beside `channel`: in its padding, leaving room for ccxt_ in the same allocation size.)
  bool conflatable = true;
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

  // The one text this object holds (an update's, or a snapshot's).
  const std::string& native_text() const noexcept {
    return update_text.empty() ? snapshot_text : update_text;
  }
  std::string_view data() const noexcept {
    return std::string_view(native_text()).substr(data_offset, data_size);
  }

  // The CCXT text, once some thread kept it; null before.
  const ccxt_texts* ccxt() const noexcept { return ccxt_.load(std::memory_order_acquire); }
  // Keeps the CCXT text around `ccxt_data` (this state's data in CCXT's structure, a complete
  // JSON value), in this object's envelope (update or snapshot), unless another thread kept its
  // own first: returns the one kept. Lock-free; the object stays immutable to its readers (the
  // text is made once, at worst once per shard that raced for it, and never changes after).
  const ccxt_texts& keep_ccxt(std::string_view ccxt_data) const;
  // The CCXT `data`; empty until kept.
  std::string_view ccxt_data() const noexcept {
    const auto* c = ccxt();
    if (c == nullptr) return {};
    return std::string_view(c->text).substr(c->text.size() - 1 - c->data_size, c->data_size);
  }
  // The message a client reading `format` is sent (the CCXT text once kept: whoever picks that
  // form keeps it first).
  const std::string& text(data_format format) const noexcept {
    if (format == data_format::ccxt) {
      if (const auto* c = ccxt()) return c->text;
    }
    return native_text();
  }

 private:
  mutable std::atomic<const ccxt_texts*> ccxt_{nullptr};
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
