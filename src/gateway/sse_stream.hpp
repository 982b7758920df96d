// The framing of one server-sent-events stream (`GET /v1/sse`): the HTTP head, and around each
// message the session sends (the shared, already encoded text, untouched) an event's
// `id: <position>\ndata: ` prefix and its blank line. The id is the stream's position in every
// channel it carries (sse_query.hpp), so it is built here per event, into one scratch buffer
// per write; the JSON is never encoded again.
//
// A ws_session with an sse_stream speaks SSE instead of WebSocket frames: subscriptions,
// resume, throttle, conflation and limits are the session's, driven by the shard's delivery
// loop like every client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/sse_query.hpp"
#include "tickerd/hub/update.hpp"

namespace tickerd {

class sse_stream {
 public:
  // `channels` in the order of the query; `positions` where the client is in each (resuming).
  sse_stream(std::vector<channel_id> channels, std::vector<sse_position> positions);

  // The response head, then a `retry:` field: what the session sends first.
  static std::string response_head();
  // A comment line: proxies see traffic, EventSource ignores it.
  static constexpr std::string_view heartbeat = ":\n\n";
  static constexpr std::string_view event_end = "\n\n";
  // The last event before the server ends the stream: why ({"type":"close",...}).
  static std::string close_event(std::uint16_t code, std::string_view reason);

  // Framing one write: begin(), then prefix() per message in order, then commit() once the
  // kernel (or the session's unsent buffer) holds them all. Without commit() the next begin()
  // starts again from the positions the client was last handed.
  void begin();
  // Appends the next event's prefix to the scratch buffer and returns its end offset (its start
  // is the previous end, or 0). `position` is the update a message shows a channel's state of
  // (update or snapshot), or nullptr for a message without one (ack, notices).
  std::size_t prefix(const published_update* position);
  const char* scratch() const noexcept { return scratch_.data(); }
  void commit();

  // For the shard's keepalive sweep: when the kernel last took bytes (mono_ms).
  std::int64_t last_sent_ms = 0;

 private:
  std::vector<channel_id> channels_;
  std::vector<sse_position> sent_;     // what the client has been handed
  std::vector<sse_position> framing_;  // the same, advanced through the write being framed
  std::string scratch_;
};

}  // namespace tickerd
