#include "tickerd/gateway/ops_http_server.hpp"

#include <openssl/crypto.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "gateway/error_body.hpp"
#include "tickerd/net.hpp"

namespace tickerd {
namespace {

namespace http = beast::http;
using server = ops_http_server;

constexpr auto io_timeout = std::chrono::seconds(10);  // per read or write
constexpr std::size_t max_header_bytes = 8 * 1024;
constexpr std::size_t max_body_bytes = 1024;  // the routes take no body; a small one is ignored

// Constant time: the comparison does not tell an attacker how much of a guess was right.
bool same_secret(std::string_view given, std::string_view expected) {
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

std::string_view method_name(server::method m) {
  return m == server::method::post ? "POST" : "GET";
}

// What one listener shares with its connections; outlives them (stop() joins the thread).
struct listener_state {
  server::options opts;
  std::vector<server::route> routes;
};

class ops_session : public std::enable_shared_from_this<ops_session> {
 public:
  ops_session(net::ip::tcp::socket&& socket, const listener_state& state)
      : stream_(std::move(socket)), state_(state) {}

  void run() { do_read(); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(max_header_bytes);
    parser_->body_limit(max_body_bytes);
    stream_.expires_after(io_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void refuse(server::response& r, unsigned status, std::string_view code,
              std::string_view message) const {
    r.status = status;
    if (state_.opts.json_errors) {
      r.content_type = "application/json";
      r.body = error_body(code, message);
    } else {
      r.content_type = "text/plain";
      r.body.assign(message);
      r.body.push_back('\n');
    }
  }

  // Fills `r` for the request; returns the Allow header a 405 needs (else empty).
  std::string_view answer(const http::request<http::string_body>& req, std::string_view path,
                          server::response& r) {
    const auto& opts = state_.opts;
    constexpr std::string_view bearer = "Bearer ";
    const std::string_view auth = req[http::field::authorization];
    if (!opts.bearer_token.empty() &&
        !(auth.starts_with(bearer) && same_secret(auth.substr(bearer.size()), opts.bearer_token))) {
      refuse(r, 401, "unauthorized", "send Authorization: Bearer <" + opts.name + ".token>");
      res_.set(http::field::www_authenticate, "Bearer");
      return {};
    }
    for (const auto& route : state_.routes) {
      if (route.path != path) continue;
      const bool get_like = req.method() == http::verb::get || req.method() == http::verb::head;
      const bool allowed =
          route.verb == server::method::get ? get_like : req.method() == http::verb::post;
      if (!allowed) {
        refuse(r, 405, "method_not_allowed", "use " + std::string(method_name(route.verb)));
        return route.verb == server::method::get ? "GET, HEAD" : "POST";
      }
      route.handle(r);
      return {};
    }
    refuse(r, 404, "not_found", opts.not_found);
    return {};
  }

  void on_read(beast::error_code ec) {
    if (ec) return close();
    const auto& req = parser_->get();
    std::string_view path = req.target();
    if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    res_ = {};
    res_.version(req.version());
    res_.set(http::field::server, "tickerd/" TICKERD_VERSION);
    res_.set(http::field::cache_control, "no-store");
    res_.keep_alive(req.keep_alive());
    server::response r;
    const auto allow = answer(req, path, r);
    if (!allow.empty()) res_.set(http::field::allow, allow);
    res_.result(static_cast<http::status>(r.status));
    res_.set(http::field::content_type, r.content_type);
    res_.body() = std::move(r.body);
    res_.prepare_payload();
    if (req.method() == http::verb::head) {
      const auto length = res_.body().size();
      res_.body().clear();
      res_.content_length(length);
    }
    stream_.expires_after(io_timeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                        if (write_ec || !self->res_.keep_alive()) return self->close();
                        self->do_read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  const listener_state& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

}  // namespace

struct ops_http_server::impl {
  explicit impl(listener_state s) : state(std::move(s)) {}

  void do_accept() {
    acceptor.async_accept([this](beast::error_code ec, net::ip::tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<ops_session>(std::move(socket), state)->run();
      do_accept();
    });
  }

  listener_state state;
  net::io_context ioc{1};
  net::ip::tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::uint16_t port = 0;
};

ops_http_server::ops_http_server(options opts, std::vector<route> routes)
    : impl_(std::make_unique<impl>(listener_state{std::move(opts), std::move(routes)})) {}

ops_http_server::~ops_http_server() {
  stop();
}

void ops_http_server::start(const std::vector<std::string>& addresses, std::uint16_t port) {
  auto& d = *impl_;
  const auto& name = d.state.opts.name;
  std::string last_error = "no address to listen on";
  for (const auto& candidate : addresses) {
    beast::error_code ec;
    const auto address = net::ip::make_address(candidate, ec);
    if (ec) {
      last_error = "'" + candidate + "' is not an IP address";
      continue;
    }
    const net::ip::tcp::endpoint endpoint(address, port);
    d.acceptor.open(endpoint.protocol(), ec);
    if (!ec) d.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) d.acceptor.bind(endpoint, ec);
    if (!ec) d.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      last_error =
          "cannot listen on " + candidate + ":" + std::to_string(port) + ": " + ec.message();
      beast::error_code close_ec;
      d.acceptor.close(close_ec);
      continue;
    }
    d.port = d.acceptor.local_endpoint().port();
    d.do_accept();
    d.thread = std::thread([&d] { d.ioc.run(); });
    auto log = spdlog::get("gateway");
    if (!log) log = spdlog::default_logger();
    log->info("{} on {}:{}{}", name, candidate, d.port,
              d.state.opts.bearer_token.empty() ? "" : " (token required)");
    return;
  }
  throw std::runtime_error(name + ".listen: " + last_error);
}

std::uint16_t ops_http_server::port() const noexcept {
  return impl_->port;
}

void ops_http_server::stop() {
  auto& d = *impl_;
  if (!d.thread.joinable()) return;
  // Stopping the context ends every session with it (their sockets close when destroyed).
  d.ioc.stop();
  d.thread.join();
  beast::error_code ec;
  d.acceptor.close(ec);
}

}  // namespace tickerd
