#include "tickerd/core/url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>

namespace tickerd {

namespace {

constexpr std::uint16_t ws_default_port = 80;
constexpr std::uint16_t wss_default_port = 443;

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// RFC 3986 reg-name without percent-encoding: letters, digits and "-._~".
bool is_host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool is_ipv4(const std::string& host) noexcept {
  in_addr addr{};
  return inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool is_ipv6(const std::string& host) noexcept {
  in6_addr addr{};
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

}  // namespace

std::string_view to_string(url_errc e) noexcept {
  switch (e) {
    case url_errc::ok:
      return "ok";
    case url_errc::bad_scheme:
      return "scheme must be ws:// or wss://";
    case url_errc::missing_host:
      return "missing host";
    case url_errc::bad_host:
      return "invalid character in host";
    case url_errc::bad_ipv6_literal:
      return "invalid IPv6 literal";
    case url_errc::bad_port:
      return "port must be 1..65535";
    case url_errc::userinfo:
      return "user:password@ in URLs is not supported";
    case url_errc::bad_target:
      return "space or control character in path or query";
  }
  return "unknown";
}

std::string ws_url::host_header() const {
  std::string out;
  out.reserve(host.size() + 8);
  if (ipv6_literal) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  if (!default_port) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

bool ws_url::host_is_ip() const noexcept {
  return ipv6_literal || is_ipv4(host);
}

url_parse_result parse_ws_url(std::string_view text) {
  url_parse_result r;
  ws_url& u = r.url;
  const auto fail = [&r](url_errc e) {
    r.error = e;
    r.url = {};
    return r;
  };

  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return fail(url_errc::bad_scheme);
  const auto scheme = text.substr(0, scheme_end);
  if (iequals(scheme, "ws")) {
    u.tls = false;
  } else if (iequals(scheme, "wss")) {
    u.tls = true;
  } else {
    return fail(url_errc::bad_scheme);
  }
  const std::uint16_t default_port = u.tls ? wss_default_port : ws_default_port;
  text.remove_prefix(scheme_end + 3);

  // The fragment is never sent to a server.
  if (const auto hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);

  const auto authority_end = text.find_first_of("/?");
  auto authority = text.substr(0, authority_end);
  const auto rest =
      authority_end == std::string_view::npos ? std::string_view{} : text.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return fail(url_errc::userinfo);
  if (authority.empty()) return fail(url_errc::missing_host);

  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(url_errc::bad_ipv6_literal);
    u.host.assign(authority.substr(1, close - 1));
    if (u.host.empty() || !is_ipv6(u.host)) return fail(url_errc::bad_ipv6_literal);
    u.ipv6_literal = true;
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(url_errc::bad_ipv6_literal);
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const auto colon = authority.find(':');
    u.host.assign(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (u.host.empty()) return fail(url_errc::missing_host);
    for (const char c : u.host) {
      if (!is_host_char(c)) return fail(url_errc::bad_host);
    }
  }

  u.port = default_port;
  if (has_port) {
    unsigned value = 0;
    const auto* first = port_text.data();
    const auto* last = first + port_text.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (port_text.empty() || ec != std::errc{} || end != last || value == 0 || value > 65535) {
      return fail(url_errc::bad_port);
    }
    u.port = static_cast<std::uint16_t>(value);
  }
  u.default_port = u.port == default_port;

  for (const char c : rest) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return fail(url_errc::bad_target);
  }
  if (rest.empty()) {
    u.target = "/";
  } else if (rest.front() == '?') {
    u.target.reserve(rest.size() + 1);
    u.target = "/";
    u.target += rest;
  } else {
    u.target.assign(rest);
  }
  return r;
}

url_parse_result parse_http_url(std::string_view text) {
  constexpr std::string_view http_scheme = "http://";
  constexpr std::string_view https_scheme = "https://";
  // The same grammar as ws:// and wss:// after the scheme, so the WebSocket parser does the work.
  std::string as_ws;
  if (text.starts_with(https_scheme)) {
    as_ws = "wss://" + std::string(text.substr(https_scheme.size()));
  } else if (text.starts_with(http_scheme)) {
    as_ws = "ws://" + std::string(text.substr(http_scheme.size()));
  } else {
    return {url_errc::bad_scheme, {}};
  }
  return parse_ws_url(as_ws);
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  const auto hex_value = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace tickerd
