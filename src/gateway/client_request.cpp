#include "gateway/client_request.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace {

namespace dom = simdjson::dom;

constexpr std::size_t min_buffer = 1024;

// At most `max` bytes of `s`, cut at a character boundary: error texts go back in text
// frames, which must be valid UTF-8.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
  std::size_t n = std::min(s.size(), max);
  while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return s.substr(0, n);
}

bool bad(request_error& err, std::string_view code, std::string message) {
  err.code = code;
  err.message = std::move(message);
  return false;
}

// The entries of `since`, the same rule for repeated keys as at the top level: a channel named
// twice keeps its last entry, an entry's last "seq" and "epoch" count.
bool read_since(dom::object points, std::vector<resume_point>& since, std::string& error) {
  for (const dom::key_value_pair point : points) {
    dom::object at;
    if (point.value.get_object().get(at) != simdjson::SUCCESS) {
      error = R"('since' entries must be {"seq":<integer >= 0>,"epoch":<string>})";
      return false;
    }
    resume_point p;
    p.channel = std::string(point.key);
    bool has_seq = false;
    bool has_epoch = false;
    std::string_view epoch;
    for (const dom::key_value_pair field : at) {
      if (field.key == "seq") {
        has_seq = field.value.get_uint64().get(p.seq) == simdjson::SUCCESS;
      } else if (field.key == "epoch") {
        has_epoch = field.value.get_string().get(epoch) == simdjson::SUCCESS;
      }
    }
    if (!has_seq || !has_epoch) {
      error = R"('since' entries must be {"seq":<integer >= 0>,"epoch":<string>})";
      return false;
    }
    if (epoch.size() > client_request_parser::max_epoch_chars) {
      error = "'since' epoch is longer than 64 characters";
      return false;
    }
    p.epoch = std::string(epoch);
    const auto same = std::find_if(since.begin(), since.end(),
                                   [&](const resume_point& q) { return q.channel == p.channel; });
    if (same != since.end()) {
      *same = std::move(p);
      continue;
    }
    if (since.size() == client_request_parser::max_channels) {
      error = "'since' lists more than 1024 channels";
      return false;
    }
    since.push_back(std::move(p));
  }
  return true;
}

}  // namespace

std::string_view to_string(client_op op) noexcept {
  switch (op) {
    case client_op::subscribe:
      return "subscribe";
    case client_op::unsubscribe:
      return "unsubscribe";
    case client_op::ping:
      return "ping";
    case client_op::auth:
      return "auth";
    case client_op::refresh:
      return "refresh";
  }
  return "?";
}

bool client_request_parser::parse(std::string_view text, client_request& out, request_error& err) {
  out.id_json.clear();
  out.channels.clear();
  out.since.clear();
  out.throttle_ms = -1;
  out.format = data_format::native;
  out.format_given = false;
  out.token.clear();
  // padded_string allocates size() + SIMDJSON_PADDING bytes, so any text up to size() fits.
  // The first call allocates even for an empty text: memcpy to a null buffer is undefined.
  if (buffer_.size() < std::max(text.size(), min_buffer)) {
    buffer_ = simdjson::padded_string(std::max(text.size(), min_buffer));
  }
  std::memcpy(buffer_.data(), text.data(), text.size());

  // The DOM parser validates the whole message, fields tickerd ignores included (On-Demand
  // would skip those unchecked and accept `{"op":"ping","x":tru}`). Client messages are
  // small and rate-limited, so a full parse costs nothing that matters.
  dom::element root;
  if (const auto error = parser_.parse(buffer_.data(), text.size(), false).get(root);
      error != simdjson::SUCCESS) {
    // simdjson's stage 2 is iterative and stops at its depth limit: no recursion to overflow.
    if (error == simdjson::DEPTH_ERROR) {
      return bad(err, "bad_json", "nested deeper than 1024 arrays and objects");
    }
    if (error == simdjson::NUMBER_ERROR) {
      return bad(err, "bad_json", "a number is malformed or beyond the 64-bit integer range");
    }
    return bad(err, "bad_json", "not valid JSON");
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return bad(err, "bad_json", "a message must be a JSON object");
  }

  std::string_view op;
  bool has_op = false;
  bool has_channels = false;
  bool has_token = false;
  // A repeated key replaces the earlier value entirely, its error included (RFC 8259 leaves
  // duplicates to the parser; JavaScript's JSON.parse keeps the last): two ids side by side
  // would not be one JSON value when echoed into the reply.
  enum field : std::uint8_t {
    f_op,
    f_id,
    f_channels,
    f_throttle,
    f_since,
    f_token,
    f_format,
    field_count
  };
  std::array<std::string, field_count> field_errors;
  for (const dom::key_value_pair field : obj) {
    const std::string_view key = field.key;
    const dom::element value = field.value;
    if (key == "op") {
      field_errors[f_op].clear();
      has_op = value.get_string().get(op) == simdjson::SUCCESS;
      if (!has_op) field_errors[f_op] = "'op' must be a string";
    } else if (key == "id") {
      field_errors[f_id].clear();
      out.id_json.clear();
      std::int64_t number = 0;
      std::string_view id;
      if (value.get_int64().get(number) == simdjson::SUCCESS) {
        json::append_int(out.id_json, number);
      } else if (value.get_string().get(id) != simdjson::SUCCESS) {
        field_errors[f_id] = "'id' must be an integer or a string";
      } else if (id.size() > max_id_chars) {
        field_errors[f_id] = "'id' is longer than 64 characters";
      } else {
        json::append_string(out.id_json, id);
      }
    } else if (key == "channels") {
      field_errors[f_channels].clear();
      out.channels.clear();
      dom::array channels;
      has_channels = value.get_array().get(channels) == simdjson::SUCCESS;
      if (!has_channels) {
        field_errors[f_channels] = "'channels' must be an array of strings";
        continue;
      }
      for (const dom::element element : channels) {
        std::string_view name;
        if (element.get_string().get(name) != simdjson::SUCCESS) {
          field_errors[f_channels] = "'channels' must be an array of strings";
          break;
        }
        if (out.channels.size() == max_channels) {
          field_errors[f_channels] = "'channels' lists more than 1024 names";
          break;
        }
        out.channels.emplace_back(name);
      }
    } else if (key == "throttle_ms") {
      field_errors[f_throttle].clear();
      out.throttle_ms = -1;
      std::int64_t ms = -1;
      if (value.get_int64().get(ms) != simdjson::SUCCESS || ms < 0 || ms > max_throttle_ms) {
        field_errors[f_throttle] = "'throttle_ms' must be an integer from 0 to 60000";
        continue;
      }
      out.throttle_ms = static_cast<std::int32_t>(ms);
    } else if (key == "since") {
      field_errors[f_since].clear();
      out.since.clear();
      dom::object points;
      if (value.get_object().get(points) != simdjson::SUCCESS) {
        field_errors[f_since] =
            R"('since' must be an object like {"ticker.BTC-USDT":{"seq":41,"epoch":"e"}})";
        continue;
      }
      if (!read_since(points, out.since, field_errors[f_since])) continue;
    } else if (key == "format") {
      field_errors[f_format].clear();
      out.format = data_format::native;
      out.format_given = true;
      std::string_view name;
      if (value.get_string().get(name) != simdjson::SUCCESS) {
        field_errors[f_format] = R"('format' must be "native" or "ccxt")";
        continue;
      }
      if (const auto f = parse_data_format(name)) {
        out.format = *f;
      } else {
        field_errors[f_format] =
            "unknown format '" + std::string(utf8_prefix(name, 64)) + R"(': "native" or "ccxt")";
      }
    } else if (key == "token") {
      field_errors[f_token].clear();
      out.token.clear();
      std::string_view token;
      has_token = value.get_string().get(token) == simdjson::SUCCESS;
      if (!has_token) {
        field_errors[f_token] = "'token' must be a string";
        continue;
      }
      // Longer than any token the verifier accepts: kept at a length it refuses as oversized.
      out.token.assign(token.substr(0, max_token_chars));
    }
    // Other fields are ignored, so newer clients can send options older servers lack.
  }
  for (auto& e : field_errors) {
    if (!e.empty()) return bad(err, "bad_request", std::move(e));
  }
  if (!has_op) return bad(err, "bad_request", "missing 'op'");

  if (op == "subscribe" || op == "unsubscribe") {
    out.op = op == "subscribe" ? client_op::subscribe : client_op::unsubscribe;
    if (!has_channels) return bad(err, "bad_request", "missing 'channels'");
    if (out.channels.empty()) return bad(err, "bad_request", "'channels' is empty");
    if (!out.since.empty() && out.op != client_op::subscribe) {
      return bad(err, "bad_request", "'since' is only for subscribe");
    }
    if (out.throttle_ms >= 0 && out.op != client_op::subscribe) {
      return bad(err, "bad_request", "'throttle_ms' is only for subscribe");
    }
    if (out.format_given && out.op != client_op::subscribe) {
      return bad(err, "bad_request", "'format' is only for subscribe");
    }
    for (const auto& p : out.since) {
      if (std::find(out.channels.begin(), out.channels.end(), p.channel) == out.channels.end()) {
        return bad(err, "bad_request",
                   "'since' names a channel that 'channels' does not: '" +
                       std::string(utf8_prefix(p.channel, 128)) + "'");
      }
    }
    return true;
  }
  if (op == "ping") {
    out.op = client_op::ping;
    return true;
  }
  if (op == "auth" || op == "refresh") {
    out.op = op == "auth" ? client_op::auth : client_op::refresh;
    if (!has_token) return bad(err, "bad_request", "missing 'token'");
    return true;
  }
  // At most 64 bytes of the op, cut at a character boundary: the message goes back to the
  // client in a text frame, which must be valid UTF-8.
  std::string message = "unknown op '";
  message.append(utf8_prefix(op, 64)).push_back('\'');
  return bad(err, "unknown_op", std::move(message));
}

bool resolve_channels(const channel_registry& registry, const std::vector<std::string>& names,
                      resolved_channels& out, std::string& unknown) {
  out.ids.clear();
  out.wildcards.clear();
  for (const auto& name : names) {
    if (const auto w = registry.find_wildcard(name)) {
      if (std::find(out.wildcards.begin(), out.wildcards.end(), *w) == out.wildcards.end()) {
        out.wildcards.push_back(*w);
      }
      continue;
    }
    const auto id = registry.find(name);
    if (!id) {
      unknown = name.substr(0, 128);
      return false;
    }
    out.ids.push_back(*id);
  }
  std::sort(out.ids.begin(), out.ids.end());
  out.ids.erase(std::unique(out.ids.begin(), out.ids.end()), out.ids.end());
  return true;
}

bool format_available(const channel_registry& registry, const resolved_channels& wanted,
                      data_format format, std::string& why) {
  if (format == data_format::native) return true;
  const auto refuse = [&](std::string_view name) {
    why = "'";
    why.append(utf8_prefix(name, 128));
    why.append("' has no ccxt format (ticker, trades and bbo channels do)");
    return false;
  };
  for (const auto w : wanted.wildcards) {
    for (const auto id : registry.wildcard(w).members) {
      if (!has_ccxt_form(registry.info(id).kind)) return refuse(registry.wildcard(w).name);
    }
  }
  for (const auto id : wanted.ids) {
    if (!has_ccxt_form(registry.info(id).kind)) return refuse(registry.info(id).name);
  }
  return true;
}

}  // namespace tickerd
