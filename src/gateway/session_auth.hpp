// What one WebSocket connection has proven ([auth] mode "jwt"): nothing yet, or a verified
// token with its expiry and the channels it may read. Kept by its ws_session; checked on
// subscribe and by the keepalive sweep, never per delivered message.
#pragma once

#include <cstdint>
#include <string>

#include "auth/channel_permissions.hpp"
#include "auth/token_verifier.hpp"

namespace tickerd {

// Close codes of the authentication steps (docs/PROTOCOL.md), after graphql-ws's 4401/4408.
namespace auth_close {
inline constexpr std::uint16_t token_expired = 4001;  // exp passed without a refresh
inline constexpr std::uint16_t auth_failed = 4401;    // the required `auth` did not verify
inline constexpr std::uint16_t auth_timeout = 4408;   // no `auth` within the handshake timeout
}  // namespace auth_close

struct session_auth {
  bool required = false;       // mode "jwt": subscribes are checked
  bool authenticated = false;  // a token verified (upgrade, `auth` or `refresh`)
  bool auth_op_seen = false;   // an `auth` came: a second one is an error
  bool notice_sent = false;    // `token_expiring` sent for the current token
  std::string subject;
  std::int64_t expires_ms = 0;   // the token's exp, Unix ms
  std::int64_t deadline_ms = 0;  // mono_ms by which `auth` must come; 0 = none due
  channel_permissions channels;  // the token's patterns and the anonymous ones

  void accept(verified_token t, const channel_permissions& anonymous) {
    authenticated = true;
    notice_sent = false;
    subject = std::move(t.subject);
    expires_ms = t.expires_ms;
    channels = t.channels.merged(anonymous);
  }
};

}  // namespace tickerd
