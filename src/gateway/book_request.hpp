// GET /v1/book/<SYM>[?venue=<v>][&depth=<n>] (docs/PROTOCOL.md "HTTP") as pure code: the
// request target turned into the book channel whose latest update answers it, or the error
// to answer with. The shard replies from its own copy of that channel's latest update.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "tickerd/hub/channel_registry.hpp"

namespace tickerd {

inline constexpr std::size_t book_default_depth = 20;

struct book_request_error {
  unsigned status = 400;  // 400: a malformed query; 404: no such symbol, venue or channel
  std::string body;       // error_body()
};

// `target` is the whole request target, its path starting "/v1/book/". Errors: 400
// bad_request (no symbol, broken %-escape), bad_venue (not a venue's name), bad_depth (not 1,
// 10, 20 or 50); 404 unknown_symbol, unknown_venue (the venue does not quote the symbol here),
// unknown_channel (this node publishes no books).
std::variant<channel_id, book_request_error> book_channel_for(std::string_view target,
                                                              const channel_registry& channels);

}  // namespace tickerd
