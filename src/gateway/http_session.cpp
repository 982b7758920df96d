#include "gateway/http_session.hpp"

#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "auth/request_token.hpp"
#include "gateway/error_body.hpp"
#include "gateway/sse_query.hpp"
#include "gateway/ws_frame.hpp"
#include "gateway/ws_session.hpp"
#include "tickerd/core/clock.hpp"

namespace tickerd {
namespace {

constexpr std::size_t max_header_bytes = 8 * 1024;  // request line and header fields
constexpr std::size_t drain_chunk_bytes = 4 * 1024;
constexpr std::chrono::seconds write_timeout{5};

http_response plain_reply(const http_request& req, http::status status, std::string_view code,
                          std::string_view message) {
  http_response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::server, "tickerd/" TICKERD_VERSION);
  res.body() = error_body(code, message);
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

// Every X-Forwarded-For field, in order, as one list (a proxy may add a field of its own).
std::string forwarded_for(const http_request& req) {
  std::string out;
  const auto [first, last] = req.equal_range("X-Forwarded-For");
  for (auto it = first; it != last; ++it) {
    if (!out.empty()) out.push_back(',');
    const auto value = it->value();
    out.append(value.data(), value.size());
  }
  return out;
}

// A place in the connection limits for a client at `address` (WebSocket or event stream), or
// the reply refusing it.
std::optional<http_response> take_connection_slot(shard& owner, const http_request& req,
                                                  const std::string& address) {
  switch (owner.shared().limiter.acquire(address)) {
    case connection_limiter::verdict::too_many_total:
      bump(owner.stats(), refusal::total_limit);
      return plain_reply(req, http::status::service_unavailable, "too_many_connections",
                         "the server holds its maximum number of connections");
    case connection_limiter::verdict::too_many_from_address:
      bump(owner.stats(), refusal::per_ip_limit);
      return plain_reply(req, http::status::too_many_requests, "too_many_connections",
                         "too many connections from this address");
    case connection_limiter::verdict::ok:
      break;
  }
  return std::nullopt;
}

std::string_view path_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

}  // namespace

http_session::http_session(shard& owner, net::ip::tcp::socket&& socket, ssl_handle tls)
    : shard_(owner),
      stream_(std::move(socket), std::move(tls)),
      deadline_(stream_.get_executor()) {}

http_session::~http_session() {
  shard_.forget(this);
}

void http_session::run() {
  shard_.adopt(this);
  do_read();
}

void http_session::close() {
  deadline_.cancel();
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  stream_.close();
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(shard_.limits().max_http_request_bytes);
  parser_->header_limit(max_header_bytes);
  stream_.expires_never();
  timed_out_ = false;
  reading_ = true;
  deadline_.expires_after(shard_.limits().handshake_timeout);
  deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->reading_) return;  // the read ended as the timer fired
    self->timed_out_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);  // on_read sees operation_aborted
  });
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  reading_ = false;
  deadline_.cancel();
  if (timed_out_ && ec) {
    // Slowloris: a started request not finished in time gets 408 (RFC 9110 15.5.9); an idle
    // connection is closed without a word (a reply could cross a new request in flight).
    if (parser_->got_some()) {
      return refuse(http::status::request_timeout, "timeout",
                    "the request was not complete within the time limit");
    }
    return close();
  }
  if (ec == http::error::header_limit) {
    return refuse(http::status::request_header_fields_too_large, "headers_too_large",
                  "the request line and headers exceed 8 KiB");
  }
  if (ec == http::error::body_limit) {
    return refuse(http::status::payload_too_large, "too_large", "request exceeds the size limit");
  }
  // A request that is not HTTP/1.1 as RFC 9112 spells it: 400, then close (RFC 9112 2.2).
  // A client that hung up mid-request (end of stream, partial message) gets nothing.
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return refuse(http::status::bad_request, "bad_request", "malformed HTTP request");
  }
  if (ec) return close();  // end of stream, reset: just drop it
  http_request req = parser_->release();
  if (beast::websocket::is_upgrade(req)) return upgrade(req);
  if (path_of(req.target()) == "/v1/sse") return serve_sse(req);
  if (path_of(req.target()).starts_with("/v1/candles/")) return serve_candles(req);
  send(shard_.handle_http(req));
}

void http_session::refuse(http::status status, std::string_view code, std::string_view message) {
  const http_request req;
  send(plain_reply(req, status, code, message));
}

void http_session::upgrade(const http_request& req) {
  if (path_of(req.target()) != "/ws") {
    return send(plain_reply(req, http::status::not_found, "not_found", "WebSocket path is /ws"));
  }
  if (shard_.stopping()) {
    return send(plain_reply(req, http::status::service_unavailable, "shutting_down",
                            "the server is shutting down"));
  }
  if (shard_.draining()) {
    return send(plain_reply(req, http::status::service_unavailable, "draining",
                            "this node is draining: connect to another"));
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
  auto& shared = shard_.shared();
  if (const auto origin = req[http::field::origin];
      !origin.empty() && !shared.origins.allows(origin)) {
    bump(shard_.stats(), refusal::origin);
    return send(plain_reply(req, http::status::forbidden, "origin_not_allowed",
                            "this page's origin may not connect (server.allowed_origins)"));
  }
  session_auth auth;
  if (!authorize(req, auth)) return;
  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec).address().to_string();
  if (ec) return close();
  auto address = shared.proxies.client_address(peer, forwarded_for(req));
  if (auto full = take_connection_slot(shard_, req, address)) return send(std::move(*full));
  stream_.expires_never();
  const auto early = buffer_.cdata();
  auto tls = stream_.release_tls();
  std::make_shared<ws_session>(shard_, stream_.release_socket(), std::move(tls), std::move(address),
                               std::move(auth))
      ->run(req, std::string_view(static_cast<const char*>(early.data()), early.size()));
}

// With [auth] mode "jwt": a token on the upgrade must verify (else 401, and nothing more is
// read); without one the session starts anonymous, or waits for an `auth` message when
// there are no anonymous channels.
bool http_session::authorize(const http_request& req, session_auth& auth) {
  const auto verifier = shard_.shared().verifier();
  if (!verifier) return true;
  auth.required = true;
  const auto token = token_from_request(req.target(), req[http::field::authorization]);
  if (token.empty()) return true;
  verified_token t;
  const auto r = verifier->verify(token, wall_ms(), t);
  if (!r.ok) {
    bump(shard_.stats(), refusal::auth);
    bump(shard_.stats(), r.failure);
    auto res = plain_reply(req, http::status::unauthorized, to_string(r.failure), r.detail);
    res.set(http::field::www_authenticate, R"(Bearer error="invalid_token")");
    send(std::move(res));
    return false;
  }
  auth.accept(std::move(t), shard_.shared().anonymous);
  return true;
}

// `GET /v1/sse?channels=...`: everything that can be refused is refused here, with a status and
// a reason, before the 200; then the socket becomes an SSE ws_session's.
void http_session::serve_sse(const http_request& req) {
  if (req.method() != http::verb::get) {
    auto res = plain_reply(req, http::status::method_not_allowed, "method_not_allowed",
                           "an event stream is GET only");
    res.set(http::field::allow, "GET");
    return send(std::move(res));
  }
  if (shard_.stopping()) {
    return send(plain_reply(req, http::status::service_unavailable, "shutting_down",
                            "the server is shutting down"));
  }
  if (shard_.draining()) {
    return send(plain_reply(req, http::status::service_unavailable, "draining",
                            "this node is draining: connect to another"));
  }
  sse_query query;
  sse_query_error err;
  if (!parse_sse_query(req.target(), req["Last-Event-ID"], query, err)) {
    return send(plain_reply(req, http::status::bad_request, err.code, err.message));
  }
  const auto& registry = shard_.channels();
  std::vector<channel_id> ids;
  ids.reserve(query.channels.size());
  for (const auto& name : query.channels) {
    if (registry.find_wildcard(name)) {
      return send(
          plain_reply(req, http::status::bad_request, "bad_request",
                      "'" + name + "' is not available as an event stream: name the channels"));
    }
    const auto id = registry.find(name);
    if (!id) {
      return send(plain_reply(req, http::status::bad_request, "unknown_channel",
                              "unknown channel '" + name.substr(0, 128) + "'"));
    }
    ids.push_back(*id);
  }
  if (query.format != data_format::native) {
    resolved_channels named;
    named.ids = ids;
    std::string why;
    if (!format_available(registry, named, query.format, why)) {
      return send(plain_reply(req, http::status::bad_request, "format_unavailable", why));
    }
  }
  if (ids.size() > shard_.limits().max_subscriptions) {
    return send(plain_reply(
        req, http::status::bad_request, "too_many_subscriptions",
        "at most " + std::to_string(shard_.limits().max_subscriptions) + " channels per stream"));
  }
  auto& shared = shard_.shared();
  if (const auto origin = req[http::field::origin];
      !origin.empty() && !shared.origins.allows(origin)) {
    bump(shard_.stats(), refusal::origin);
    return send(plain_reply(req, http::status::forbidden, "origin_not_allowed",
                            "this page's origin may not read (server.allowed_origins)"));
  }
  // The token comes with the request (`token` or `Authorization: Bearer`): an event stream
  // cannot send `auth`. Every channel must be allowed before the 200.
  session_auth auth;
  if (!authorize(req, auth)) return;
  if (auth.required) {
    const auto& allowed = auth.authenticated ? auth.channels : shared.anonymous;
    for (const auto& name : query.channels) {
      if (allowed.allows(name)) continue;
      if (auth.authenticated) {
        bump(shard_.stats(), auth_failure::forbidden);
        return send(plain_reply(req, http::status::forbidden, "forbidden",
                                "the token does not allow '" + name.substr(0, 128) + "'"));
      }
      bump(shard_.stats(), refusal::auth);
      bump(shard_.stats(), auth_failure::missing);
      auto res = plain_reply(req, http::status::unauthorized, "missing",
                             "a token is needed for '" + name.substr(0, 128) + "'");
      res.set(http::field::www_authenticate, "Bearer");
      return send(std::move(res));
    }
  }

  beast::error_code ec;
  const auto peer = stream_.socket().remote_endpoint(ec).address().to_string();
  if (ec) return close();
  auto address = shared.proxies.client_address(peer, forwarded_for(req));
  if (auto full = take_connection_slot(shard_, req, address)) return send(std::move(*full));
  // Where the client is in each channel, in the stream's order; nothing for a fresh start.
  std::vector<sse_position> positions(query.channels.size());
  for (std::size_t i = 0; i < query.channels.size(); ++i) {
    for (const auto& p : query.since) {
      if (p.channel == query.channels[i]) positions[i] = {p.epoch, p.seq};
    }
  }
  client_request subscription;
  subscription.op = client_op::subscribe;
  subscription.channels = std::move(query.channels);
  subscription.since = std::move(query.since);
  subscription.throttle_ms = query.throttle_ms;
  subscription.format = query.format;
  stream_.expires_never();
  auto tls = stream_.release_tls();
  std::make_shared<ws_session>(shard_, stream_.release_socket(), std::move(tls), std::move(address),
                               std::move(auth))
      ->run_sse(subscription, std::make_unique<sse_stream>(std::move(ids), std::move(positions)));
}

// `GET /v1/candles/<SYM>`: checked here, answered by the server's hook on another thread. The
// reply comes back through this shard's loop and finds the session only if it still exists
// (a weak pointer: a session closed meanwhile, or at shutdown, is simply gone). Meanwhile the
// deadline timer keeps the session alive and bounds the wait.
void http_session::serve_candles(const http_request& req) {
  auto checked = shard_.candles_request(req);
  if (auto* refusal = std::get_if<http_response>(&checked)) return send(std::move(*refusal));
  const std::uint64_t number = ++reply_number_;
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  const bool head = req.method() == http::verb::head;
  deadline_.expires_after(shard_.shared().options.candles_timeout);
  deadline_.async_wait(
      [self = shared_from_this(), number, version, keep_alive, head](beast::error_code ec) {
        if (ec || self->reply_number_ != number) return;
        ++self->reply_number_;
        self->send(shard::json_response(
            version, keep_alive, head, http::status::service_unavailable,
            R"({"error":"timeout","message":"the candles were not read in time: try again"})"));
      });
  auto& loop = shard_.context();
  shard_.shared().options.candles(
      std::move(std::get<candles_query>(checked)),
      [weak = weak_from_this(), &loop, number, version, keep_alive, head](int status,
                                                                          std::string body) {
        net::post(loop, [weak, number, version, keep_alive, head, status,
                         body = std::move(body)]() mutable {
          const auto self = weak.lock();
          if (!self || self->reply_number_ != number) return;
          ++self->reply_number_;
          self->deadline_.cancel();
          self->send(shard::json_response(version, keep_alive, head,
                                          static_cast<http::status>(status), std::move(body)));
        });
      });
}

void http_session::send(http_response res) {
  const bool keep_alive = res.keep_alive();
  response_ = std::move(res);
  stream_.expires_after(write_timeout);
  http::async_write(
      stream_, *response_,
      beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
  response_.reset();
  if (ec || shard_.stopping()) return close();
  if (!keep_alive) return linger();
  do_read();
}

// Closing with unread request bytes in the kernel would send a reset, which can destroy the
// reply before the client reads it (RFC 9112 9.6): shut the send side, read and discard
// until the client closes or the handshake timeout, then close.
void http_session::linger() {
  stream_.close_notify();
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (ec) return close();
  buffer_.clear();
  stream_.expires_after(shard_.limits().handshake_timeout);
  drain();
}

void http_session::drain() {
  stream_.async_read_some(buffer_.prepare(drain_chunk_bytes),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) return self->close();
                            self->drain();
                          });
}

}  // namespace tickerd
