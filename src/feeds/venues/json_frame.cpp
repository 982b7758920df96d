#include "feeds/venues/json_frame.hpp"

#include <cstring>
#include <new>

namespace tickerd::venue_json {

feed_errc classify(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::NO_SUCH_FIELD:
      return feed_errc::unexpected_shape;
    case simdjson::CAPACITY:
      return feed_errc::too_large;
    default:
      return feed_errc::invalid_json;
  }
}

feed_errc classify_non_object(std::string_view frame) noexcept {
  const auto first = frame.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return feed_errc::invalid_json;
  std::string_view rest = frame.substr(first);
  rest = rest.substr(0, rest.find_last_not_of(" \t\r\n") + 1);
  const char c = rest.front();
  if (c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9')) {
    return feed_errc::unexpected_shape;
  }
  if (rest == "true" || rest == "false" || rest == "null") return feed_errc::unexpected_shape;
  return feed_errc::invalid_json;
}

bool padded_frame::load(std::string_view frame) noexcept {
  const std::size_t needed = frame.size() + simdjson::SIMDJSON_PADDING;
  if (needed > capacity_) {
    std::size_t capacity = capacity_ == 0 ? initial_bytes : capacity_;
    while (capacity < needed) capacity *= 2;
    buffer_.reset(new (std::nothrow) char[capacity]());
    if (!buffer_) {
      capacity_ = 0;
      return false;
    }
    capacity_ = capacity;
  }
  if (!frame.empty()) std::memcpy(buffer_.get(), frame.data(), frame.size());
  return true;
}

}  // namespace tickerd::venue_json
