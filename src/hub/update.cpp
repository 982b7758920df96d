#include "tickerd/hub/update.hpp"

#include <charconv>
#include <random>

#include "tickerd/core/clock.hpp"

namespace tickerd {
namespace {

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Channel names come from the registry (letters, digits, '-', '.', '*'): no escaping needed.
void encode(std::string& out, std::string_view type, std::string_view channel, std::uint64_t seq,
            std::string_view data, std::size_t* data_offset, std::string_view epoch = {}) {
  // Exactly enough (the seq at its longest): a string that outgrows its reservation doubles,
  // and every update held for resumes (256 per channel) would carry that slack twice
  // (bench/RESULTS.md, "Floor", memory at start).
  constexpr std::size_t fixed =
      std::string_view(R"({"type":"","channel":"","seq":,"data":})").size();
  constexpr std::size_t epoch_fixed = std::string_view(R"(,"epoch":"")").size();
  out.reserve(out.size() + fixed + type.size() + channel.size() + 20 +
              (epoch.empty() ? 0 : epoch_fixed + epoch.size()) + data.size());
  out.append(R"({"type":")").append(type).append(R"(","channel":")").append(channel);
  out.append(R"(","seq":)");
  append_uint(out, seq);
  if (!epoch.empty()) {
    // Epochs are generated hex digits, or read from Redis and checked by the store.
    out.append(R"(,"epoch":")").append(epoch).push_back('"');
  }
  out.append(R"(,"data":)");
  if (data_offset != nullptr) *data_offset = out.size();
  out.append(data).push_back('}');
}

}  // namespace

update_ptr make_update(channel_id channel, std::string_view channel_name, std::uint64_t seq,
                       std::string_view data_json, std::string_view epoch, bool conflatable) {
  auto u = std::make_shared<published_update>();
  u->conflatable = conflatable;
  u->channel = channel;
  u->seq = seq;
  u->epoch = std::string(epoch);
  encode(u->update_text, "update", channel_name, seq, data_json, &u->data_offset, epoch);
  u->data_size = data_json.size();
  u->made_mono_ns = mono_ns();
  return u;
}

std::string snapshot_text_of(const published_update& update) {
  // encode() writes both types' texts the same after the type.
  constexpr std::string_view update_head = R"({"type":"update")";
  constexpr std::string_view snapshot_head = R"({"type":"snapshot")";
  const std::string_view tail = std::string_view(update.update_text).substr(update_head.size());
  std::string out;
  out.reserve(snapshot_head.size() + tail.size());
  out.append(snapshot_head).append(tail);
  return out;
}

update_ptr make_snapshot(const published_update& update) {
  constexpr std::size_t longer_head =
      std::string_view("snapshot").size() - std::string_view("update").size();
  auto s = std::make_shared<published_update>();
  s->channel = update.channel;
  s->seq = update.seq;
  s->epoch = update.epoch;
  s->snapshot_text = snapshot_text_of(update);
  s->data_offset = update.data_offset + longer_head;
  s->data_size = update.data_size;
  s->made_mono_ns = update.made_mono_ns;
  s->conflatable = update.conflatable;
  return s;
}

const ccxt_texts& published_update::keep_ccxt(std::string_view ccxt_data) const {
  // The envelope as made above: everything before the native data, then the data, then '}'.
  const std::string_view head = std::string_view(native_text()).substr(0, data_offset);
  auto made = std::make_unique<ccxt_texts>();
  made->data_size = ccxt_data.size();
  made->text.reserve(head.size() + ccxt_data.size() + 1);
  made->text.append(head).append(ccxt_data).push_back('}');
  const ccxt_texts* kept = nullptr;
  if (ccxt_.compare_exchange_strong(kept, made.get(), std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
    return *made.release();
  }
  return *kept;  // another shard's, the same text
}

std::string new_epoch() {
  static constexpr char hex[] = "0123456789abcdef";
  std::random_device rd;
  const std::uint32_t v = rd();
  std::string out(8, '0');
  for (std::size_t i = 0; i < 8; ++i) out[i] = hex[(v >> (28 - 4 * i)) & 0xf];
  return out;
}

std::string empty_snapshot_text(std::string_view channel_name) {
  std::string out;
  encode(out, "snapshot", channel_name, 0, "null", nullptr);
  return out;
}

}  // namespace tickerd
