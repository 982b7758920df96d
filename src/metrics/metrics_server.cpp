#include "tickerd/metrics/metrics_server.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "metrics/prometheus_text.hpp"
#include "tickerd/net.hpp"

namespace tickerd {
namespace {

namespace http = beast::http;

constexpr auto io_timeout = std::chrono::seconds(10);  // per read or write of a scrape
constexpr std::size_t max_header_bytes = 8 * 1024;

class scrape_session : public std::enable_shared_from_this<scrape_session> {
 public:
  scrape_session(net::ip::tcp::socket&& socket, const metrics_server::body_writer& write)
      : stream_(std::move(socket)), write_(write) {}

  void run() { do_read(); }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(max_header_bytes);
    parser_->body_limit(0);  // a GET has no body
    stream_.expires_after(io_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return close();
    const auto& req = parser_->get();
    std::string_view path = req.target();
    if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
    res_ = {};
    res_.version(req.version());
    res_.set(http::field::server, "tickerd/" TICKERD_VERSION);
    res_.keep_alive(req.keep_alive());
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res_.result(http::status::method_not_allowed);
      res_.set(http::field::allow, "GET, HEAD");
      res_.set(http::field::content_type, "text/plain");
      res_.body() = "use GET\n";
    } else if (path != "/metrics") {
      res_.result(http::status::not_found);
      res_.set(http::field::content_type, "text/plain");
      res_.body() = "only /metrics is served here\n";
    } else {
      res_.result(http::status::ok);
      res_.set(http::field::content_type, metrics::content_type);
      res_.set(http::field::cache_control, "no-store");
      write_(res_.body());
    }
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
  const metrics_server::body_writer& write_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> res_;
};

}  // namespace

struct metrics_server::impl {
  explicit impl(body_writer w) : write(std::move(w)) {}

  void do_accept() {
    acceptor.async_accept([this](beast::error_code ec, net::ip::tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<scrape_session>(std::move(socket), write)->run();
      do_accept();
    });
  }

  body_writer write;
  net::io_context ioc{1};
  net::ip::tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::uint16_t port = 0;
};

metrics_server::metrics_server(body_writer write)
    : impl_(std::make_unique<impl>(std::move(write))) {}

metrics_server::~metrics_server() {
  stop();
}

void metrics_server::start(const std::vector<std::string>& addresses, std::uint16_t port) {
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
    auto log = spdlog::get("gateway");
    if (!log) log = spdlog::default_logger();
    log->info("metrics on {}:{}", candidate, d.port);
    return;
  }
  throw std::runtime_error("metrics.listen: " + last_error);
}

std::uint16_t metrics_server::port() const noexcept {
  return impl_->port;
}

void metrics_server::stop() {
  auto& d = *impl_;
  if (!d.thread.joinable()) return;
  // Stopping the context ends every session with it (their sockets close when destroyed).
  d.ioc.stop();
  d.thread.join();
  beast::error_code ec;
  d.acceptor.close(ec);
}

}  // namespace tickerd
