// Parsing one client text message into a request, or an error reply naming the problem.
// Pure: no I/O, one reused simdjson parser per shard; unit-tested and fuzzed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/data_format.hpp"

namespace tickerd {

enum class client_op : std::uint8_t { subscribe, unsubscribe, ping, auth, refresh };

// Where a client left a channel: resume after `seq` if the stream is still `epoch`.
struct resume_point {
  std::string channel;
  std::uint64_t seq = 0;
  std::string epoch;
};

struct client_request {
  client_op op = client_op::ping;
  std::string id_json;                // the request's id re-encoded as JSON; empty if none
  std::vector<std::string> channels;  // subscribe/unsubscribe
  std::vector<resume_point> since;    // subscribe: channels to resume instead of snapshot
  // subscribe: at most one update per channel per this many ms (latest wins); -1 = not given,
  // 0 = every update.
  std::int32_t throttle_ms = -1;
  // subscribe: the form of `data` for the channels of this request ("format"; absent: native).
  data_format format = data_format::native;
  bool format_given = false;
  std::string token;  // auth/refresh: the JWT, unchecked (token_verifier reads it)
};

struct request_error {
  std::string_view code;  // bad_json, bad_request, unknown_op
  std::string message;
};

class client_request_parser {
 public:
  static constexpr std::size_t max_id_chars = 64;
  static constexpr std::size_t max_channels = 1024;
  static constexpr std::size_t max_epoch_chars = 64;
  static constexpr std::int64_t max_throttle_ms = 60'000;
  // A token this long is refused by the verifier anyway; the parser stops copying there.
  static constexpr std::size_t max_token_chars = 16 * 1024;

  // True and `out` filled, or false and `err` set (out.id_json is still filled when the
  // id was readable, so the error can carry it).
  bool parse(std::string_view text, client_request& out, request_error& err);

 private:
  simdjson::dom::parser parser_;
  simdjson::padded_string buffer_;
};

std::string_view to_string(client_op op) noexcept;

// What the names of a subscribe or unsubscribe stand for in `registry`: exact channels
// (ascending, each once) and wildcards (each once, in the order named).
struct resolved_channels {
  std::vector<channel_id> ids;
  std::vector<wildcard_id> wildcards;
};
// True and `out` filled, or false and `unknown` set to the first name that is neither a
// channel nor a wildcard of `registry` (its first 128 bytes).
bool resolve_channels(const channel_registry& registry, const std::vector<std::string>& names,
                      resolved_channels& out, std::string& unknown);

// Whether every channel of `wanted` can be sent in `format`; else false and `why` names the
// first channel that has no such form. A client asking for CCXT structures is never sent
// another shape.
bool format_available(const channel_registry& registry, const resolved_channels& wanted,
                      data_format format, std::string& why);

}  // namespace tickerd
