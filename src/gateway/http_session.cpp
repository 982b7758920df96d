#include "gateway/http_session.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "gateway/ws_frame.hpp"
#include "gateway/ws_session.hpp"

namespace tickerd {
namespace {

constexpr std::size_t max_header_bytes = 8 * 1024;

http_response plain_reply(const http_request& req, http::status status, std::string_view code,
                          std::string_view message) {
  http_response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::server, "tickerd/" TICKERD_VERSION);
  res.body() =
      R"({"error":")" + std::string(code) + R"(","message":")" + std::string(message) + "\"}";
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

std::string_view path_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

}  // namespace

http_session::http_session(shard& owner, net::ip::tcp::socket&& socket)
    : shard_(owner), stream_(std::move(socket)) {}

http_session::~http_session() {
  shard_.forget(this);
}

void http_session::run() {
  shard_.adopt(this);
  do_read();
}

void http_session::close() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  stream_.close();
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(shard_.limits().max_http_request_bytes);
  parser_->header_limit(max_header_bytes);
  stream_.expires_after(shard_.limits().handshake_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec == http::error::body_limit || ec == http::error::header_limit) {
    http_request req;
    return send(plain_reply(req, http::status::payload_too_large, "too_large",
                            "request exceeds the size limit"));
  }
  if (ec) return close();  // end of stream, timeout, malformed request: just drop it
  http_request req = parser_->release();
  if (beast::websocket::is_upgrade(req)) return upgrade(req);
  send(shard_.handle_http(req));
}

void http_session::upgrade(const http_request& req) {
  if (path_of(req.target()) != "/ws") {
    return send(plain_reply(req, http::status::not_found, "not_found", "WebSocket path is /ws"));
  }
  if (shard_.stopping()) {
    return send(plain_reply(req, http::status::service_unavailable, "shutting_down",
                            "the server is shutting down"));
  }
  if (req[http::field::sec_websocket_version] != "13") {
    auto res = plain_reply(req, http::status::upgrade_required, "bad_version",
                           "only WebSocket version 13 is supported");
    res.set(http::field::sec_websocket_version, "13");
    return send(std::move(res));
  }
  if (!ws::valid_client_key(req[http::field::sec_websocket_key])) {
    return send(plain_reply(req, http::status::bad_request, "bad_key",
                            "Sec-WebSocket-Key must be base64 of 16 bytes"));
  }
  beast::error_code ec;
  auto address = stream_.socket().remote_endpoint(ec).address().to_string();
  if (ec) return close();
  switch (shard_.shared().limiter.acquire(address)) {
    case connection_limiter::verdict::too_many_total:
      return send(plain_reply(req, http::status::service_unavailable, "too_many_connections",
                              "the server holds its maximum number of connections"));
    case connection_limiter::verdict::too_many_from_address:
      return send(plain_reply(req, http::status::too_many_requests, "too_many_connections",
                              "too many connections from this address"));
    case connection_limiter::verdict::ok:
      break;
  }
  stream_.expires_never();
  const auto early = buffer_.cdata();
  std::make_shared<ws_session>(shard_, stream_.release_socket(), std::move(address))
      ->run(req, std::string_view(static_cast<const char*>(early.data()), early.size()));
}

void http_session::send(http_response res) {
  const bool keep_alive = res.keep_alive();
  response_ = std::move(res);
  http::async_write(
      stream_, *response_,
      beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
  response_.reset();
  if (ec || !keep_alive || shard_.stopping()) return close();
  do_read();
}

}  // namespace tickerd
