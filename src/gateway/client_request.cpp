#include "gateway/client_request.hpp"

#include <algorithm>
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

}  // namespace

std::string_view to_string(client_op op) noexcept {
  switch (op) {
    case client_op::subscribe:
      return "subscribe";
    case client_op::unsubscribe:
      return "unsubscribe";
    case client_op::ping:
      return "ping";
  }
  return "?";
}

bool client_request_parser::parse(std::string_view text, client_request& out, request_error& err) {
  out.id_json.clear();
  out.channels.clear();
  out.since.clear();
  out.throttle_ms = -1;
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
  if (parser_.parse(buffer_.data(), text.size(), false).get(root) != simdjson::SUCCESS) {
    return bad(err, "bad_json", "not valid JSON");
  }
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return bad(err, "bad_json", "a message must be a JSON object");
  }

  std::string_view op;
  bool has_op = false;
  bool has_channels = false;
  std::string field_error;
  // A repeated key replaces the earlier value: two ids side by side would not be one JSON
  // value when echoed into the reply.
  for (const dom::key_value_pair field : obj) {
    const std::string_view key = field.key;
    const dom::element value = field.value;
    if (key == "op") {
      has_op = value.get_string().get(op) == simdjson::SUCCESS;
      if (!has_op) field_error = "'op' must be a string";
    } else if (key == "id") {
      out.id_json.clear();
      std::int64_t number = 0;
      std::string_view id;
      if (value.get_int64().get(number) == simdjson::SUCCESS) {
        json::append_int(out.id_json, number);
      } else if (value.get_string().get(id) != simdjson::SUCCESS) {
        field_error = "'id' must be an integer or a string";
      } else if (id.size() > max_id_chars) {
        field_error = "'id' is longer than 64 characters";
      } else {
        json::append_string(out.id_json, id);
      }
    } else if (key == "channels") {
      out.channels.clear();
      dom::array channels;
      if (value.get_array().get(channels) != simdjson::SUCCESS) {
        field_error = "'channels' must be an array of strings";
        continue;
      }
      has_channels = true;
      for (const dom::element element : channels) {
        std::string_view name;
        if (element.get_string().get(name) != simdjson::SUCCESS) {
          field_error = "'channels' must be an array of strings";
          break;
        }
        if (out.channels.size() == max_channels) {
          field_error = "'channels' lists more than 1024 names";
          break;
        }
        out.channels.emplace_back(name);
      }
    } else if (key == "throttle_ms") {
      std::int64_t ms = -1;
      if (value.get_int64().get(ms) != simdjson::SUCCESS || ms < 0 || ms > max_throttle_ms) {
        field_error = "'throttle_ms' must be an integer from 0 to 60000";
        continue;
      }
      out.throttle_ms = static_cast<std::int32_t>(ms);
    } else if (key == "since") {
      out.since.clear();
      dom::object points;
      if (value.get_object().get(points) != simdjson::SUCCESS) {
        field_error =
            R"('since' must be an object like {"ticker.BTC-USDT":{"seq":41,"epoch":"e"}})";
        continue;
      }
      for (const dom::key_value_pair point : points) {
        if (out.since.size() == max_channels) {
          field_error = "'since' lists more than 1024 channels";
          break;
        }
        auto& p = out.since.emplace_back();
        p.channel = std::string(point.key);
        dom::object at;
        std::string_view epoch;
        if (point.value.get_object().get(at) != simdjson::SUCCESS ||
            at["seq"].get_uint64().get(p.seq) != simdjson::SUCCESS ||
            at["epoch"].get_string().get(epoch) != simdjson::SUCCESS) {
          field_error = R"('since' entries must be {"seq":<integer >= 0>,"epoch":<string>})";
          break;
        }
        if (epoch.size() > max_epoch_chars) {
          field_error = "'since' epoch is longer than 64 characters";
          break;
        }
        p.epoch = std::string(epoch);
      }
    }
    // Other fields are ignored, so newer clients can send options older servers lack.
  }
  if (!field_error.empty()) return bad(err, "bad_request", std::move(field_error));
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
  // At most 64 bytes of the op, cut at a character boundary: the message goes back to the
  // client in a text frame, which must be valid UTF-8.
  std::string message = "unknown op '";
  message.append(utf8_prefix(op, 64)).push_back('\'');
  return bad(err, "unknown_op", std::move(message));
}

}  // namespace tickerd
