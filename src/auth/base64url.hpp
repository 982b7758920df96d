// base64url without padding (RFC 4648 section 5), as JWS and JWK use it. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tickerd {

// The decoded bytes, or nullopt for a character outside the alphabet, a '=' or a length
// that no encoding has (4n + 1), or non-zero bits after the last byte (a non-canonical text).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tickerd
