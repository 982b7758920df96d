// One HTTP connection (plain, or TLS after tls_handshake): reads requests (with size and time
// limits), answers the REST routes and static files, or hands the socket (and its TLS state)
// to a ws_session on `GET /ws` upgrade or on `GET /v1/sse` (an event stream).
#pragma once

#include <memory>
#include <optional>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "gateway/client_stream.hpp"
#include "gateway/session_auth.hpp"
#include "gateway/shard.hpp"

namespace tickerd {

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(shard& owner, net::ip::tcp::socket&& socket, ssl_handle tls = {});
  ~http_session();

  void run();
  void close();  // shutdown: drop the connection

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void refuse(http::status status, std::string_view code, std::string_view message);
  void upgrade(const http_request& req);
  bool authorize(const http_request& req, session_auth& auth);
  void serve_sse(const http_request& req);
  void serve_candles(const http_request& req);
  void send(http_response res);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
  void linger();
  void drain();

  shard& shard_;
  client_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http_response> response_;
  // The request's deadline. Not the stream's own timeout: that closes the socket, and a
  // client that sent part of a request in time gets a 408 first.
  net::steady_timer deadline_;
  bool reading_ = false;
  bool timed_out_ = false;
  // GET /v1/candles: the request waiting for the server's answer (answered by the reply or by
  // the deadline, whichever comes first; the other finds the number moved on).
  std::uint64_t reply_number_ = 0;
};

}  // namespace tickerd
