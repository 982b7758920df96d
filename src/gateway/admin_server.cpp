#include "tickerd/gateway/admin_server.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

#include <openssl/crypto.h>
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

#include "tickerd/net.hpp"

namespace tickerd {
namespace {

namespace http = beast::http;

constexpr auto io_timeout = std::chrono::seconds(10);  // per read or write
constexpr std::size_t max_header_bytes = 8 * 1024;
constexpr std::size_t max_body_bytes = 1024;  // the routes take no body; a small one is ignored

// Constant time: the comparison does not tell an attacker how much of a guess was right.
bool same_secret(std::string_view given, std::string_view expected) {
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

class admin_session : public std::enable_shared_from_this<admin_session> {
 public:
  admin_session(net::ip::tcp::socket&& socket, const admin_server::handlers& h,
                const std::string& token)
      : stream_(std::move(socket)), handlers_(h), token_(token) {}

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

  void answer(admin_server::reply r) {
    res_.result(static_cast<http::status>(r.status));
    res_.set(http::field::content_type, "application/json");
    res_.body() = std::move(r.body);
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
    constexpr std::string_view bearer = "Bearer ";
    const std::string_view auth = req[http::field::authorization];
    if (!token_.empty() &&
        !(auth.starts_with(bearer) && same_secret(auth.substr(bearer.size()), token_))) {
      answer({401,
              R"({"error":"unauthorized","message":"send Authorization: Bearer <admin.token>"})"});
      res_.set(http::field::www_authenticate, "Bearer");
    } else if (path == "/admin/drain") {
      if (req.method() == http::verb::post) {
        answer(handlers_.drain());
      } else {
        answer({405, R"({"error":"method_not_allowed","message":"use POST"})"});
        res_.set(http::field::allow, "POST");
      }
    } else if (path == "/admin/status") {
      if (req.method() == http::verb::get) {
        answer(handlers_.status());
      } else {
        answer({405, R"({"error":"method_not_allowed","message":"use GET"})"});
        res_.set(http::field::allow, "GET");
      }
    } else {
      answer({404, R"({"error":"not_found","message":"POST /admin/drain, GET /admin/status"})"});
    }
    res_.prepare_payload();
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
  const admin_server::handlers& handlers_;
  const std::string& token_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
};

}  // namespace

struct admin_server::impl {
  impl(handlers h, std::string t) : on(std::move(h)), token(std::move(t)) {}

  void do_accept() {
    acceptor.async_accept([this](beast::error_code ec, net::ip::tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<admin_session>(std::move(socket), on, token)->run();
      do_accept();
    });
  }

  handlers on;
  std::string token;
  net::io_context ioc{1};
  net::ip::tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::uint16_t port = 0;
};

admin_server::admin_server(handlers h, std::string token)
    : impl_(std::make_unique<impl>(std::move(h), std::move(token))) {}

admin_server::~admin_server() {
  stop();
}

void admin_server::start(const std::vector<std::string>& addresses, std::uint16_t port) {
  auto& d = *impl_;
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
    auto log = spdlog::get("tickerd");
    if (!log) log = spdlog::default_logger();
    log->info("admin on {}:{}{}", candidate, d.port, d.token.empty() ? "" : " (token required)");
    return;
  }
  throw std::runtime_error("admin.listen: " + last_error);
}

std::uint16_t admin_server::port() const noexcept {
  return impl_->port;
}

void admin_server::stop() {
  auto& d = *impl_;
  if (!d.thread.joinable()) return;
  d.ioc.stop();  // ends every session with it (their sockets close when destroyed)
  d.thread.join();
  beast::error_code ec;
  d.acceptor.close(ec);
}

}  // namespace tickerd
