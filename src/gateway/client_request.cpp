#include "gateway/client_request.hpp"

#include <algorithm>
#include <cstring>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace {

using simdjson::error_code;
namespace od = simdjson::ondemand;

constexpr std::size_t min_buffer = 1024;

bool bad(request_error& err, std::string_view code, std::string message) {
  err.code = code;
  err.message = std::move(message);
  return false;
}

}  // namespace

std::string_view to_string(client_op op) noexcept {
  switch (op) {
    case client_op::subscribe: return "subscribe";
    case client_op::unsubscribe: return "unsubscribe";
    case client_op::ping: return "ping";
  }
  return "?";
}

bool client_request_parser::parse(std::string_view text, client_request& out,
                                  request_error& err) {
  out.id_json.clear();
  out.channels.clear();
  // padded_string allocates size() + SIMDJSON_PADDING bytes, so any text up to size() fits.
  if (buffer_.size() < text.size()) buffer_ = simdjson::padded_string(std::max(text.size(), min_buffer));
  std::memcpy(buffer_.data(), text.data(), text.size());
  const simdjson::padded_string_view input(buffer_.data(), text.size(),
                                           buffer_.size() + simdjson::SIMDJSON_PADDING);

  od::document doc;
  if (parser_.iterate(input).get(doc) != simdjson::SUCCESS) {
    return bad(err, "bad_json", "not valid JSON");
  }
  od::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return bad(err, "bad_json", "a message must be a JSON object");
  }

  std::string_view op;
  bool has_op = false;
  bool has_channels = false;
  std::string field_error;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return bad(err, "bad_json", "not valid JSON");
    }
    od::value value;
    if (field.value().get(value) != simdjson::SUCCESS) {
      return bad(err, "bad_json", "not valid JSON");
    }
    if (key == "op") {
      if (value.get_string().get(op) != simdjson::SUCCESS) {
        field_error = "'op' must be a string";
        continue;
      }
      has_op = true;
    } else if (key == "id") {
      od::json_type type;
      if (value.type().get(type) != simdjson::SUCCESS) return bad(err, "bad_json", "not valid JSON");
      if (type == od::json_type::number) {
        std::int64_t id = 0;
        if (value.get_int64().get(id) != simdjson::SUCCESS) {
          field_error = "'id' must be an integer or a string";
          continue;
        }
        json::append_int(out.id_json, id);
      } else if (type == od::json_type::string) {
        std::string_view id;
        if (value.get_string().get(id) != simdjson::SUCCESS) {
          return bad(err, "bad_json", "not valid JSON");
        }
        if (id.size() > max_id_chars) {
          field_error = "'id' is longer than 64 characters";
          continue;
        }
        json::append_string(out.id_json, id);
      } else {
        field_error = "'id' must be an integer or a string";
      }
    } else if (key == "channels") {
      od::array channels;
      if (value.get_array().get(channels) != simdjson::SUCCESS) {
        field_error = "'channels' must be an array of strings";
        continue;
      }
      has_channels = true;
      for (auto element : channels) {
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
    }
    // Other fields are ignored, so newer clients can send options older servers lack.
  }
  // simdjson 3.0 has no document::at_end(): past the last token the location is out of bounds.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    return bad(err, "bad_json", "trailing content after the JSON object");
  }
  if (!field_error.empty()) return bad(err, "bad_request", std::move(field_error));
  if (!has_op) return bad(err, "bad_request", "missing 'op'");

  if (op == "subscribe" || op == "unsubscribe") {
    out.op = op == "subscribe" ? client_op::subscribe : client_op::unsubscribe;
    if (!has_channels) return bad(err, "bad_request", "missing 'channels'");
    if (out.channels.empty()) return bad(err, "bad_request", "'channels' is empty");
    return true;
  }
  if (op == "ping") {
    out.op = client_op::ping;
    return true;
  }
  std::string message = "unknown op '";
  message.append(op.substr(0, 64)).push_back('\'');
  return bad(err, "unknown_op", std::move(message));
}

}  // namespace tickerd
