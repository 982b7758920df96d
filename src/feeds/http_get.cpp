#include "feeds/http_get.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <utility>

namespace tickerd {

namespace {

namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::string_view user_agent = "tickerd/" TICKERD_VERSION;
constexpr std::size_t header_limit = 16 * 1024;

// One request's I/O objects, shared by the coroutine and the deadline's handler so that a late
// deadline never touches a dead socket.
struct http_exchange final : http_get_call {
  http_exchange(net::io_context& ioc, net::ssl::context* tls, bool use_tls)
      : resolver(ioc), deadline(ioc) {
    if (use_tls) {
      secure.emplace(ioc, *tls);  // an https:// url comes with a context (server.cpp)
    } else {
      plain.emplace(ioc);
    }
  }

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }
  void abort() override {
    resolver.cancel();
    beast::error_code ignored;
    lowest().socket().close(ignored);
  }

  tcp::resolver resolver;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  net::steady_timer deadline;
  bool timed_out = false;
};

// GCC 12 sees Asio's coroutine frame allocated with aligned_alloc and freed by the frame's own
// operator delete (which frees it the matching way) as mismatched, in free-function coroutines.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Resolve, connect, TLS (https), one GET, the response. Fills r on success.
net::awaitable<beast::error_code> exchange(http_exchange& x, const ws_url& url,
                                           const std::string& target,
                                           const http_get_options& options, http_get_result& r) {
  auto [resolve_ec, endpoints] = co_await x.resolver.async_resolve(
      url.host, std::to_string(url.port), tcp::resolver::numeric_service, use_tuple);
  if (resolve_ec) co_return resolve_ec;
  auto [connect_ec, endpoint] = co_await x.lowest().async_connect(endpoints, use_tuple);
  if (connect_ec) co_return connect_ec;

  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, url.host_header());
  req.set(http::field::user_agent, user_agent);
  req.set(http::field::accept, "application/json");
  req.keep_alive(false);
  beast::flat_buffer read_buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(options.max_body_bytes);

  if (x.secure) {
    auto& s = *x.secure;
    // SNI carries names only (RFC 6066 §3); an IP literal is verified against the SAN IPs.
    if (!url.host_is_ip() && SSL_set_tlsext_host_name(s.native_handle(), url.host.c_str()) != 1) {
      co_return beast::error_code(static_cast<int>(::ERR_get_error()),
                                  net::error::get_ssl_category());
    }
    if (options.verify_tls) {
      s.set_verify_mode(net::ssl::verify_peer);
      s.set_verify_callback(net::ssl::host_name_verification(url.host));
    } else {
      s.set_verify_mode(net::ssl::verify_none);
    }
    auto [tls_ec] = co_await s.async_handshake(net::ssl::stream_base::client, use_tuple);
    if (tls_ec) co_return tls_ec;
    auto [write_ec, written] = co_await http::async_write(s, req, use_tuple);
    if (write_ec) co_return write_ec;
    auto [read_ec, read] = co_await http::async_read(s, read_buffer, parser, use_tuple);
    // A body delimited by the end of the connection, from a server that closes without TLS's
    // close_notify: what arrived is the body, as browsers take it.
    if (read_ec == net::ssl::error::stream_truncated && parser.is_header_done() &&
        parser.need_eof()) {
      beast::error_code eof_ec;
      parser.put_eof(eof_ec);
      if (eof_ec) co_return eof_ec;
    } else if (read_ec) {
      co_return read_ec;
    }
  } else {
    auto& s = *x.plain;
    auto [write_ec, written] = co_await http::async_write(s, req, use_tuple);
    if (write_ec) co_return write_ec;
    auto [read_ec, read] = co_await http::async_read(s, read_buffer, parser, use_tuple);
    if (read_ec) co_return read_ec;
  }
  beast::error_code ignored;
  x.lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);

  auto res = parser.release();
  r.status = res.result_int();
  r.body = std::move(res.body());
  co_return beast::error_code{};
}

}  // namespace

net::awaitable<http_get_result> http_get(net::io_context& ioc, net::ssl::context* tls,
                                         const ws_url& url, std::string target,
                                         http_get_options options,
                                         std::shared_ptr<http_get_call>* current) {
  auto x = std::make_shared<http_exchange>(ioc, tls, url.tls);
  if (current != nullptr) *current = x;
  x->deadline.expires_after(options.timeout);
  x->deadline.async_wait([x](beast::error_code ec) {
    if (ec) return;
    x->timed_out = true;
    x->abort();
  });
  http_get_result r;
  const auto ec = co_await exchange(*x, url, target, options, r);
  x->deadline.cancel();
  if (current != nullptr && *current == x) current->reset();
  if (x->timed_out) {
    r.error = "no answer within " + std::to_string(options.timeout.count()) + " ms";
  } else if (ec) {
    r.error = ec.message();
  }
  if (!r.error.empty()) {
    r.status = 0;
    r.body.clear();
  }
  co_return r;
}

}  // namespace tickerd
