// Where a client puts its token on an HTTP request (the WebSocket upgrade, and any other
// route that needs one): `Authorization: Bearer <token>` (bots), else `?token=<token>` in the
// target (browsers, which cannot set headers on a WebSocket). Pure; unit-tested.
#pragma once

#include <string>
#include <string_view>

namespace tickerd {

// The token, or "" when the request carries none. The query value is percent-decoded.
std::string token_from_request(std::string_view target, std::string_view authorization);

}  // namespace tickerd
