#include "tickerd/core/url.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace tickerd {
namespace {

ws_url parsed(std::string_view text) {
  const auto r = parse_ws_url(text);
  EXPECT_TRUE(r) << "'" << text << "': " << to_string(r.error);
  return r.url;
}

url_errc error_of(std::string_view text) {
  return parse_ws_url(text).error;
}

TEST(url, wss_with_default_port_and_path) {
  const auto u = parsed("wss://stream.binance.com/stream");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "stream.binance.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_TRUE(u.default_port);
  EXPECT_EQ(u.target, "/stream");
  EXPECT_EQ(u.host_header(), "stream.binance.com");
  EXPECT_FALSE(u.host_is_ip());
  EXPECT_FALSE(u.ipv6_literal);
}

TEST(url, ws_with_explicit_port_query_and_no_fragment) {
  const auto u = parsed("ws://127.0.0.1:9443/ws/v5/public?x=1&y=2#frag");
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 9443);
  EXPECT_FALSE(u.default_port);
  EXPECT_EQ(u.target, "/ws/v5/public?x=1&y=2");
  EXPECT_EQ(u.host_header(), "127.0.0.1:9443");
  EXPECT_TRUE(u.host_is_ip());
}

TEST(url, ws_default_port_is_80_and_empty_path_is_slash) {
  const auto u = parsed("ws://example.org");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/");
  EXPECT_EQ(u.host_header(), "example.org");
}

TEST(url, query_without_path_gets_a_slash) {
  EXPECT_EQ(parsed("wss://ws.kraken.com?v=2").target, "/?v=2");
}

TEST(url, naming_the_default_port_keeps_it_out_of_the_host_header) {
  const auto u = parsed("wss://ws.okx.com:443/ws");
  EXPECT_EQ(u.port, 443);
  EXPECT_TRUE(u.default_port);
  EXPECT_EQ(u.host_header(), "ws.okx.com");
  const auto v = parsed("ws://ws.okx.com:443/ws");
  EXPECT_FALSE(v.default_port);
  EXPECT_EQ(v.host_header(), "ws.okx.com:443");
}

TEST(url, scheme_is_case_insensitive) {
  EXPECT_TRUE(parsed("WSS://Host.Example/x").tls);
  EXPECT_FALSE(parsed("Ws://host/x").tls);
}

TEST(url, ipv6_literal) {
  const auto u = parsed("ws://[::1]:8080/feed");
  EXPECT_TRUE(u.ipv6_literal);
  EXPECT_TRUE(u.host_is_ip());
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.host_header(), "[::1]:8080");
  EXPECT_EQ(u.target, "/feed");

  const auto v = parsed("wss://[2001:db8::42]");
  EXPECT_EQ(v.host, "2001:db8::42");
  EXPECT_EQ(v.port, 443);
  EXPECT_EQ(v.host_header(), "[2001:db8::42]");
  EXPECT_EQ(v.target, "/");
}

TEST(url, bad_schemes) {
  EXPECT_EQ(error_of("http://host/"), url_errc::bad_scheme);
  EXPECT_EQ(error_of("https://host/"), url_errc::bad_scheme);
  EXPECT_EQ(error_of("host:443/path"), url_errc::bad_scheme);
  EXPECT_EQ(error_of(""), url_errc::bad_scheme);
  EXPECT_EQ(error_of("wss:/host"), url_errc::bad_scheme);
}

TEST(url, missing_or_bad_host) {
  EXPECT_EQ(error_of("wss://"), url_errc::missing_host);
  EXPECT_EQ(error_of("wss:///path"), url_errc::missing_host);
  EXPECT_EQ(error_of("wss://:443/path"), url_errc::missing_host);
  EXPECT_EQ(error_of("wss://ho st/"), url_errc::bad_host);
  EXPECT_EQ(error_of("wss://host%20x/"), url_errc::bad_host);
}

TEST(url, bad_ipv6_literals) {
  EXPECT_EQ(error_of("ws://[::1/x"), url_errc::bad_ipv6_literal);
  EXPECT_EQ(error_of("ws://[]/x"), url_errc::bad_ipv6_literal);
  EXPECT_EQ(error_of("ws://[not:an:address:zz]/x"), url_errc::bad_ipv6_literal);
  EXPECT_EQ(error_of("ws://[::1]8080/x"), url_errc::bad_ipv6_literal);
  EXPECT_EQ(error_of("ws://[::1]:/x"), url_errc::bad_port);
}

TEST(url, bad_ports) {
  EXPECT_EQ(error_of("ws://host:/x"), url_errc::bad_port);
  EXPECT_EQ(error_of("ws://host:0/x"), url_errc::bad_port);
  EXPECT_EQ(error_of("ws://host:65536/x"), url_errc::bad_port);
  EXPECT_EQ(error_of("ws://host:99999999999999999999/x"), url_errc::bad_port);
  EXPECT_EQ(error_of("ws://host:+80/x"), url_errc::bad_port);
  EXPECT_EQ(error_of("ws://host:-1/x"), url_errc::bad_port);
  EXPECT_EQ(error_of("ws://host:80a/x"), url_errc::bad_port);
  EXPECT_EQ(parsed("ws://host:65535/x").port, 65535);
  EXPECT_EQ(parsed("ws://host:1").port, 1);
}

TEST(url, userinfo_is_rejected) {
  EXPECT_EQ(error_of("wss://user:secret@host/x"), url_errc::userinfo);
}

TEST(url, control_characters_in_target_are_rejected) {
  EXPECT_EQ(error_of("wss://host/a b"), url_errc::bad_target);
  EXPECT_EQ(error_of("wss://host/a\r\nX-Injected: 1"), url_errc::bad_target);
}

TEST(url, a_failed_parse_returns_an_empty_url_and_a_message) {
  const auto r = parse_ws_url("wss://host:0/");
  EXPECT_FALSE(r);
  EXPECT_TRUE(r.url.host.empty());
  EXPECT_FALSE(to_string(r.error).empty());
  EXPECT_NE(to_string(r.error), to_string(url_errc::ok));
}

}  // namespace
}  // namespace tickerd
