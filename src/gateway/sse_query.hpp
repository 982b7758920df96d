// The query of `GET /v1/sse` and the SSE event id, as pure code: the request target and the
// Last-Event-ID header turned into channels, resume points and a throttle, or an error naming
// the problem (answered with 400). Unit-tested and fuzzed (tests/fuzz: sse_query).
//
// The event id is the stream's position in every channel it carries, in the order of the
// `channels` parameter: `<epoch>:<seq>` per channel, joined by ',', and `-` for a channel
// the client holds nothing of yet (docs/PROTOCOL.md "Server-sent events"). A stream of one
// channel has ids exactly like `3fa2c1d0:41`. EventSource sends the last id it saw back as
// Last-Event-ID when it reconnects, so a resume knows where the client is in every channel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/client_request.hpp"

namespace tickerd {

struct sse_query {
  std::vector<std::string> channels;  // as named, in order, no duplicates
  // Where to resume: from Last-Event-ID, else from `since`; only channels with a position.
  std::vector<resume_point> since;
  std::int32_t throttle_ms = -1;             // -1 = not given
  data_format format = data_format::native;  // `format`
  std::string token;                         // `token`, for the auth check; empty if none
};

struct sse_query_error {
  std::string_view code;  // bad_request
  std::string message;
};

// One channel's place in a stream; an empty epoch means none yet (`-`).
struct sse_position {
  std::string epoch;
  std::uint64_t seq = 0;
};

inline constexpr std::size_t sse_max_channels = client_request_parser::max_channels;
inline constexpr std::size_t sse_max_epoch_chars = client_request_parser::max_epoch_chars;

// `target` is the whole request target (path and query); `last_event_id` the header's value
// (empty when absent). True and `out` filled, or false and `err` set.
bool parse_sse_query(std::string_view target, std::string_view last_event_id, sse_query& out,
                     sse_query_error& err);

// Appends the event id for `positions` (one per channel, in the stream's order).
void append_sse_event_id(std::string& out, std::span<const sse_position> positions);

// Parses an event id into one position per channel (`expected` of them); false and `error`
// set if it is malformed or names another number of channels.
bool parse_sse_event_id(std::string_view id, std::size_t expected, std::vector<sse_position>& out,
                        std::string& error);

}  // namespace tickerd
