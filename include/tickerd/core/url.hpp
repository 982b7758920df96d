// WebSocket URLs (ws:// and wss://) split into what a client needs to connect: whether to use
// TLS, the host to resolve and verify, the port, the HTTP target and the Host header.
// Pure and allocation-light; errors are values, so config validation can report them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tickerd {

enum class url_errc : std::uint8_t {
  ok = 0,
  bad_scheme,        // not ws:// or wss://
  missing_host,      // nothing between "//" and the path
  bad_host,          // a character that cannot appear in a host name
  bad_ipv6_literal,  // "[" without "]", or not an IPv6 address inside the brackets
  bad_port,          // not 1..65535, or an empty port after ':'
  userinfo,          // "user:pass@host" is not supported (credentials belong in config)
  bad_target,        // a space or control character in the path or query
};

std::string_view to_string(url_errc e) noexcept;

struct ws_url {
  bool tls = false;        // wss
  std::string host;        // as written, without the brackets of an IPv6 literal
  std::uint16_t port = 0;  // explicit, or 80 / 443 by scheme
  std::string target;      // path and query, "/" when the URL has no path; never a fragment
  bool ipv6_literal = false;
  bool default_port = true;  // the URL did not name a port (or named the scheme's default)

  // "host", "host:port", "[::1]:port": the HTTP Host header value (RFC 7230 §5.4).
  std::string host_header() const;
  // True when host is an IPv4 or IPv6 address rather than a name (no SNI for those).
  bool host_is_ip() const noexcept;
};

struct url_parse_result {
  url_errc error = url_errc::ok;
  ws_url url;
  explicit operator bool() const noexcept { return error == url_errc::ok; }
};

url_parse_result parse_ws_url(std::string_view text);

// http:// and https:// URLs, split like WebSocket URLs (`tls` for https, port 80 / 443 by
// default). Any other scheme is bad_scheme.
url_parse_result parse_http_url(std::string_view text);

// %XX escapes decoded into `out` (cleared first); with `plus_is_space`, '+' is a space as in an
// HTML form's query (application/x-www-form-urlencoded). False on a broken escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space = false);

}  // namespace tickerd
