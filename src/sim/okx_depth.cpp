#include "sim/okx_depth.hpp"

#include "sim/okx_encode.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::okx {
namespace {

void append_level(std::string& out, const symbol_spec& spec, const level_change& c) {
  out.append("[\"");
  append_trimmed(out, spec.price(c.price));
  out.append("\",\"");
  append_trimmed(out, spec.qty(c.qty));
  out.append("\",\"0\",\"");
  json::append_int(out, c.qty == 0 ? 0 : orders_at(c.qty));
  out.append("\"]");
}

}  // namespace

std::int64_t orders_at(std::int64_t qty) noexcept {
  return 1 + qty % 9;
}

std::string encode_books(const symbol_spec& spec, bool snapshot,
                         std::span<const level_change> levels, std::int64_t ts_ms,
                         std::int64_t prev_seq_id, std::int64_t seq_id,
                         std::optional<level_change> extra_bid) {
  std::string out;
  out.reserve(256 + 40 * levels.size());
  out.append(R"({"arg":{"channel":"books","instId":)");
  json::append_string(out, inst_id(spec));
  out.append(snapshot ? R"(},"action":"snapshot","data":[{"asks":[)"
                      : R"(},"action":"update","data":[{"asks":[)");
  bool first = true;
  for (const auto& c : levels) {
    if (c.bid) continue;
    if (!first) out.push_back(',');
    first = false;
    append_level(out, spec, c);
  }
  out.append(R"(],"bids":[)");
  first = true;
  if (extra_bid) {
    append_level(out, spec, *extra_bid);
    first = false;
  }
  for (const auto& c : levels) {
    if (!c.bid) continue;
    if (!first) out.push_back(',');
    first = false;
    append_level(out, spec, c);
  }
  out.append(R"(],"ts":")");
  json::append_int(out, ts_ms);
  out.append(R"(","checksum":0,"prevSeqId":)");
  json::append_int(out, prev_seq_id);
  out.append(R"(,"seqId":)");
  json::append_int(out, seq_id);
  out.append("}]}");
  return out;
}

}  // namespace tickerd::sim::okx
