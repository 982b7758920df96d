// Reads the few fields tickerd-bench needs from a server message (docs/PROTOCOL.md) without
// building a DOM: `type`, `channel`, `seq`, `dropped`, and `recv_ts` inside `data`. The load
// generator runs this on every message it receives, on one core, so it must cost far less
// than the server's work per delivery.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd::bench {

enum class message_type : std::uint8_t {
  invalid,  // not a JSON object with a string `type`
  update,
  snapshot,
  conflated,
  ack,
  error,
  pong,
  reset,
  reconnect,  // the server is draining: reconnect (it closes with 1001 after `after_ms`)
  other,      // any other type (status notices and future additions)
};

struct scanned_message {
  message_type type = message_type::invalid;
  std::string_view channel;   // empty when absent; views into the scanned text
  std::string_view epoch;     // empty when absent or null (raw: epochs need no escapes)
  std::int64_t seq = -1;      // -1 when absent
  std::int64_t recv_ts = -1;  // data.recv_ts (µs since the epoch); -1 when absent
  std::int64_t dropped = 0;   // `conflated` notices
};

// Top-level keys are walked in any order; string escapes and nested values are skipped
// properly. `recv_ts` is looked up inside the `data` object only.
scanned_message scan_message(std::string_view text) noexcept;

// Each channel's `seq` in tickerd's `GET /v1/snapshot` reply
// (`{"ts":…,"channels":[{"channel":…,"seq":…,"data":{…}},…]}`): what the server has published.
// Entries without a string `channel` or an integer `seq` are left out; nullopt when the body is
// not such an object.
struct published_seq {
  std::string channel;
  std::int64_t seq = -1;
};
std::optional<std::vector<published_seq>> scan_published_seqs(std::string_view body);

// Every scalar of a JSON document by its path: object keys and array indexes joined by '.'
// (`{"feeds":[{"state":"up"}]}` gives `feeds.0.state` = `up`). Strings are given raw (escapes
// left as they are), other scalars as written (`true`, `12`, `null`). For the small control
// replies the soak reads (`/v1/stats`, `/v1/feeds`); nullopt when the text is not JSON.
using flat_json = std::vector<std::pair<std::string, std::string>>;
std::optional<flat_json> flatten_json(std::string_view text);
// The value at `path`, or nullopt; integers as int64 (nullopt when not an integer).
std::optional<std::string_view> flat_value(const flat_json& doc, std::string_view path);
std::optional<std::int64_t> flat_int(const flat_json& doc, std::string_view path);

// Calls `on_message` for each '\n'-separated message in a frame payload (empty lines skipped).
template <typename F>
void for_each_message(std::string_view payload, F&& on_message) {
  while (!payload.empty()) {
    const auto nl = payload.find('\n');
    const auto one = payload.substr(0, nl);
    if (!one.empty()) on_message(one);
    if (nl == std::string_view::npos) break;
    payload.remove_prefix(nl + 1);
  }
}

}  // namespace tickerd::bench
