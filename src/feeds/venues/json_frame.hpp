// What every venue parser shares: a reused, padded copy of the upstream frame for simdjson
// On-Demand, opening the frame's root object, and the mapping of simdjson errors to feed_errc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>

#include <simdjson.h>

#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd::venue_json {

// Structural problems of the JSON itself versus JSON that is fine but not shaped as expected.
feed_errc classify(simdjson::error_code e) noexcept;

// The root is not an object. On-Demand does not validate what it does not visit, so look at the
// first token: a JSON array, string, number or literal is well-formed but not ours; anything else
// is not JSON. (Off the hot path: venues send objects.)
feed_errc classify_non_object(std::string_view frame) noexcept;

// The caller's buffer carries no SIMDJSON_PADDING, so the frame is copied into one that does.
// It grows at most a few times (to the largest frame seen) and is zeroed so the padding is defined.
class padded_frame {
 public:
  // False when the copy cannot be allocated.
  bool load(std::string_view frame) noexcept;
  const char* data() const noexcept { return buffer_.get(); }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  static constexpr std::size_t initial_bytes = 4096;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
};

// Copies `frame` into `buffer`, starts On-Demand on it and opens its root object: ok, or the
// error every venue reports for a frame it cannot read (too large, not JSON, not an object).
inline feed_errc open_root(std::string_view frame, std::size_t max_bytes, padded_frame& buffer,
                           simdjson::ondemand::parser& parser, simdjson::ondemand::document& doc,
                           simdjson::ondemand::object& root) noexcept {
  if (frame.size() > max_bytes || !buffer.load(frame)) return feed_errc::too_large;
  if (auto e = parser.iterate(buffer.data(), frame.size(), buffer.capacity()).get(doc)) {
    return classify(e);
  }
  if (auto e = doc.get_object().get(root)) {
    return e == simdjson::INCORRECT_TYPE ? classify_non_object(frame) : classify(e);
  }
  return feed_errc::ok;
}

// A venue's millisecond event time as the protocol's microseconds (docs/PROTOCOL.md,
// Conventions); bad_number when it does not fit in int64.
inline feed_errc ms_to_us(std::int64_t ms, std::int64_t& us) noexcept {
  constexpr std::int64_t per_ms = 1000;
  if (ms > std::numeric_limits<std::int64_t>::max() / per_ms ||
      ms < std::numeric_limits<std::int64_t>::min() / per_ms) {
    return feed_errc::bad_number;
  }
  us = ms * per_ms;
  return feed_errc::ok;
}

}  // namespace tickerd::venue_json
