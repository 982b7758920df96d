// The upgrade's checks that need no key: allowed_origins, trusted_proxies with
// X-Forwarded-For, where a token is found on the request; and the auth/refresh requests.
#include <gtest/gtest.h>

#include "auth/origin_allowlist.hpp"
#include "auth/request_token.hpp"
#include "auth/trusted_proxies.hpp"
#include "gateway/client_request.hpp"

namespace tickerd {
namespace {

TEST(OriginAllowlist, ExactOriginsAndWildcardHosts) {
  const origin_allowlist o({"https://App.Example.com", "*.example.org", "https://*.secure.net"});
  EXPECT_TRUE(o.allows("https://app.example.com"));
  EXPECT_TRUE(o.allows("HTTPS://APP.EXAMPLE.COM"));
  EXPECT_FALSE(o.allows("http://app.example.com"));
  EXPECT_FALSE(o.allows("https://app.example.com:8443"));
  EXPECT_TRUE(o.allows("http://a.example.org"));
  EXPECT_TRUE(o.allows("https://a.b.example.org:8080"));
  EXPECT_FALSE(o.allows("https://example.org"));
  EXPECT_FALSE(o.allows("https://evilexample.org"));
  EXPECT_FALSE(o.allows("https://a.example.org.evil.com"));
  EXPECT_TRUE(o.allows("https://x.secure.net"));
  EXPECT_FALSE(o.allows("http://x.secure.net"));
  EXPECT_FALSE(o.allows("null"));
  EXPECT_FALSE(o.allows(""));
  EXPECT_TRUE(origin_allowlist().allows("https://anything.example"));
}

TEST(OriginAllowlist, ExplainsBadEntries) {
  EXPECT_EQ(origin_allowlist::check_entry("https://app.example.com"), "");
  EXPECT_EQ(origin_allowlist::check_entry("http://localhost:8080"), "");
  EXPECT_EQ(origin_allowlist::check_entry("*.example.com"), "");
  EXPECT_EQ(origin_allowlist::check_entry("https://*.example.com"), "");
  for (const char* bad : {"", "example.com", "https://app.example.com/path", "ftp://x.com",
                          "https://*evil", "*example.com", "https://a.*.com", "*.", "a b"}) {
    EXPECT_NE(origin_allowlist::check_entry(bad), "") << bad;
  }
}

TEST(TrustedProxies, UsesForwardedForOnlyFromATrustedPeer) {
  trusted_proxies p;
  ASSERT_EQ(p.add("10.0.0.0/8"), "");
  ASSERT_EQ(p.add("192.168.1.1"), "");
  ASSERT_EQ(p.add("fd00::/8"), "");
  EXPECT_TRUE(p.trusts("10.200.3.4"));
  EXPECT_TRUE(p.trusts("::ffff:10.1.1.1"));
  EXPECT_FALSE(p.trusts("11.0.0.1"));
  EXPECT_TRUE(p.trusts("192.168.1.1"));
  EXPECT_FALSE(p.trusts("192.168.1.2"));
  EXPECT_TRUE(p.trusts("fd12::1"));
  EXPECT_FALSE(p.trusts("fe80::1"));

  EXPECT_EQ(p.client_address("203.0.113.5", "198.51.100.1"), "203.0.113.5") << "untrusted peer";
  EXPECT_EQ(p.client_address("10.0.0.1", ""), "10.0.0.1");
  EXPECT_EQ(p.client_address("10.0.0.1", "198.51.100.1"), "198.51.100.1");
  // Right to left past the trusted hops; what the client wrote further left is not believed.
  EXPECT_EQ(p.client_address("10.0.0.1", "1.1.1.1, 198.51.100.1, 10.9.9.9"), "198.51.100.1");
  EXPECT_EQ(p.client_address("10.0.0.1", "2001:db8::1"), "2001:db8::1");
  // A malformed entry ends the walk at the last good address.
  EXPECT_EQ(p.client_address("10.0.0.1", "198.51.100.1, garbage"), "10.0.0.1");
  EXPECT_EQ(p.client_address("10.0.0.1", "garbage, 198.51.100.1"), "198.51.100.1");
  // Only trusted hops: the left-most of them.
  EXPECT_EQ(p.client_address("10.0.0.1", "10.0.0.7, 10.0.0.8"), "10.0.0.7");
  EXPECT_TRUE(trusted_proxies().client_address("10.0.0.1", "1.2.3.4") == "10.0.0.1");
}

TEST(TrustedProxies, ExplainsBadCidrs) {
  trusted_proxies p;
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8x", "host.name",
                          "10.0.0.256", "10.0.0.0/-1"}) {
    EXPECT_NE(p.add(bad), "") << bad;
  }
  EXPECT_EQ(p.add("0.0.0.0/0"), "");
  EXPECT_TRUE(p.trusts("8.8.8.8"));
  EXPECT_FALSE(p.trusts("2001:db8::1")) << "an IPv4 /0 is not every IPv6 address";
}

TEST(RequestToken, BearerHeaderFirstThenTheQuery) {
  EXPECT_EQ(token_from_request("/ws", "Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(token_from_request("/ws", "bearer   abc "), "abc");
  EXPECT_EQ(token_from_request("/ws?token=q.q.q", "Bearer h.h.h"), "h.h.h");
  EXPECT_EQ(token_from_request("/ws?token=q.q.q", "Basic dXNlcg=="), "q.q.q");
  EXPECT_EQ(token_from_request("/ws?x=1&token=a%2Eb.c&y=2", ""), "a.b.c");
  EXPECT_EQ(token_from_request("/ws?notoken=1", ""), "");
  EXPECT_EQ(token_from_request("/ws", ""), "");
  EXPECT_EQ(token_from_request("/ws?token=%zz%4", ""), "%zz%4");
}

TEST(ClientRequestAuth, AuthAndRefreshCarryAToken) {
  client_request_parser parser;
  client_request req;
  request_error err;
  ASSERT_TRUE(parser.parse(R"({"op":"auth","id":1,"token":"a.b.c"})", req, err));
  EXPECT_EQ(req.op, client_op::auth);
  EXPECT_EQ(req.token, "a.b.c");
  ASSERT_TRUE(parser.parse(R"({"op":"refresh","token":"x"})", req, err));
  EXPECT_EQ(req.op, client_op::refresh);
  EXPECT_EQ(req.token, "x");
  ASSERT_TRUE(parser.parse(R"({"op":"ping"})", req, err));
  EXPECT_EQ(req.token, "") << "a previous message's token is not kept";
  EXPECT_FALSE(parser.parse(R"({"op":"auth"})", req, err));
  EXPECT_EQ(err.code, "bad_request");
  EXPECT_FALSE(parser.parse(R"({"op":"auth","token":42})", req, err));
  EXPECT_EQ(err.code, "bad_request");
  const std::string huge = R"({"op":"auth","token":")" + std::string(100'000, 'a') + "\"}";
  ASSERT_TRUE(parser.parse(huge, req, err));
  EXPECT_EQ(req.token.size(), client_request_parser::max_token_chars);
}

}  // namespace
}  // namespace tickerd
