#include "tickerd/hub/update.hpp"

#include <charconv>

namespace tickerd {
namespace {

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Channel names come from the registry (letters, digits, '-', '.', '*'): no escaping needed.
void encode(std::string& out, std::string_view type, std::string_view channel, std::uint64_t seq,
            std::string_view data, std::size_t* data_offset) {
  out.reserve(48 + channel.size() + data.size());
  out.append(R"({"type":")").append(type).append(R"(","channel":")").append(channel);
  out.append(R"(","seq":)");
  append_uint(out, seq);
  out.append(R"(,"data":)");
  if (data_offset != nullptr) *data_offset = out.size();
  out.append(data).push_back('}');
}

}  // namespace

update_ptr make_update(channel_id channel, std::string_view channel_name, std::uint64_t seq,
                       std::string_view data_json) {
  auto u = std::make_shared<published_update>();
  u->channel = channel;
  u->seq = seq;
  encode(u->update_text, "update", channel_name, seq, data_json, &u->data_offset);
  u->data_size = data_json.size();
  encode(u->snapshot_text, "snapshot", channel_name, seq, data_json, nullptr);
  return u;
}

std::string empty_snapshot_text(std::string_view channel_name) {
  std::string out;
  encode(out, "snapshot", channel_name, 0, "null", nullptr);
  return out;
}

}  // namespace tickerd
