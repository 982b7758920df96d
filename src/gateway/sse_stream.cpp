#include "gateway/sse_stream.hpp"

#include <algorithm>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {

namespace {
constexpr std::size_t max_kept_scratch_bytes = 4096;
}

sse_stream::sse_stream(std::vector<channel_id> channels, std::vector<sse_position> positions)
    : channels_(std::move(channels)), sent_(std::move(positions)) {
  sent_.resize(channels_.size());
}

std::string sse_stream::response_head() {
  // Close-delimited (RFC 9112 6.3): the stream ends when the connection does, so neither a
  // length nor chunked framing is needed, and no proxy may reuse the connection.
  return "HTTP/1.1 200 OK\r\n"
         "Content-Type: text/event-stream; charset=utf-8\r\n"
         "Cache-Control: no-cache\r\n"
         "X-Accel-Buffering: no\r\n"
         "Access-Control-Allow-Origin: *\r\n"
         "Connection: close\r\n"
         "Server: tickerd/" TICKERD_VERSION
         "\r\n\r\n"
         "retry: 1000\n\n";
}

std::string sse_stream::close_event(std::uint16_t code, std::string_view reason) {
  std::string out = R"(data: {"type":"close","code":)";
  json::append_int(out, code);
  json::append_key(out, "reason");
  json::append_string(out, reason);
  out.append("}\n\n");
  return out;
}

void sse_stream::begin() {
  framing_ = sent_;  // reuses framing_'s storage; epochs are short (no allocation)
  if (scratch_.capacity() > max_kept_scratch_bytes) std::string().swap(scratch_);
  scratch_.clear();
}

std::size_t sse_stream::prefix(const published_update* position) {
  if (position == nullptr) {
    scratch_.append("data: ");
    return scratch_.size();
  }
  const auto it = std::find(channels_.begin(), channels_.end(), position->channel);
  if (it != channels_.end()) {
    auto& p = framing_[static_cast<std::size_t>(it - channels_.begin())];
    p.epoch = position->epoch;
    p.seq = position->seq;
  }
  scratch_.append("id: ");
  append_sse_event_id(scratch_, framing_);
  scratch_.append("\ndata: ");
  return scratch_.size();
}

void sse_stream::commit() {
  sent_.swap(framing_);
}

}  // namespace tickerd
