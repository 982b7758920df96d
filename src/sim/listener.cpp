// The sim's listener and plain-HTTP handling: accepts TCP connections, reads one request at
// a time, answers GET /healthz, offers other requests to the control handler (faults), and
// hands WebSocket upgrades to the routed venue, unless a `refuse` fault answers them 503.
#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>
#include <system_error>
#include <vector>

#include "sim/server.hpp"
#include "sim/sim_log.hpp"
#include "sim/ws_session.hpp"

namespace tickerd::sim {
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t header_limit = 8 * 1024;
constexpr std::size_t body_limit = 8 * 1024;
constexpr auto request_timeout = std::chrono::seconds(10);
constexpr auto accept_retry = std::chrono::milliseconds(100);

}  // namespace

class http_session final : public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, std::shared_ptr<server_core> core, const router& routes)
      : stream_(std::move(socket)),
        core_(std::move(core)),
        routes_(routes),
        id_(core_->next_id++) {}

  void run() {
    core_->http_sessions.emplace(id_, weak_from_this());
    do_read();
  }

  void cancel() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  ~http_session() {
    if (!upgraded_) core_->http_sessions.erase(id_);
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(body_limit);
    stream_.expires_after(request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      if (ec != http::error::end_of_stream && ec != net::error::operation_aborted &&
          ec != beast::error::timeout) {
        log().debug("http {}: read: {}", id_, ec.message());
      }
      return close();
    }
    auto req = parser_->release();
    if (websocket::is_upgrade(req)) return upgrade(req);
    handle(req);
  }

  void upgrade(ws_session::request& req) {
    if (core_->stopping) return respond(req, http::status::service_unavailable, "stopping\n");
    const auto match = routes_.route(req.target());
    if (!match) return respond(req, http::status::not_found, "no venue serves this path\n");
    auto& faults = core_->faults_for(match->endpoint->venue());
    if (faults.refusing(std::chrono::steady_clock::now())) {
      ++faults.upgrades_refused;
      return respond(req, http::status::service_unavailable,
                     R"({"error":"refused by fault injection"})", "application/json");
    }
    http_reject reject;
    auto handler = match->endpoint->accept(match->target, reject);
    if (!handler) {
      return respond(req, static_cast<http::status>(reject.status), reject.body,
                     "application/json");
    }
    upgraded_ = true;
    core_->http_sessions.erase(id_);
    auto ws = std::make_shared<ws_session>(std::move(stream_), std::move(handler), core_,
                                           match->endpoint->venue());
    log().debug("ws {}: {} {}", ws->id(), match->endpoint->venue(), match->target);
    ws->run(req);
  }

  void handle(const ws_session::request& req) {
    const auto target = req.target();
    const auto path = target.substr(0, target.find('?'));
    if (core_->control && path != "/healthz") {
      const control_request creq{req.method_string(), target, req.body()};
      if (auto reply = core_->control(creq)) {
        return respond(req, static_cast<http::status>(reply->status), reply->body,
                       reply->content_type);
      }
    }
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      return respond(req, http::status::method_not_allowed, "method not allowed\n");
    }
    if (path == "/healthz") return respond(req, http::status::ok, "ok");
    if (routes_.route(target)) {
      return respond(req, http::status::upgrade_required, "WebSocket endpoint\n");
    }
    respond(req, http::status::not_found, "not found\n");
  }

  void respond(const ws_session::request& req, http::status status, std::string_view body,
               std::string_view content_type = "text/plain") {
    res_.emplace(status, req.version());
    res_->set(http::field::server, "tickerd-sim");
    res_->set(http::field::content_type, content_type);
    res_->keep_alive(req.keep_alive() && !core_->stopping);
    if (req.method() != http::verb::head) res_->body() = body;
    res_->prepare_payload();
    if (req.method() == http::verb::head) res_->content_length(body.size());
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&http_session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    const bool keep = res_ && res_->keep_alive();
    res_.reset();
    if (ec || !keep) return close();
    do_read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  std::shared_ptr<server_core> core_;
  const router& routes_;
  std::uint64_t id_;
  bool upgraded_ = false;
};

struct server::impl : std::enable_shared_from_this<server::impl> {
  impl(net::io_context& ioc, const router& r, server_options o)
      : acceptor(ioc),
        retry(ioc),
        routes(r),
        options(std::move(o)),
        core(std::make_shared<server_core>()) {
    core->limits = options.limits;
  }

  void do_accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      self->on_accept(ec, std::move(socket));
    });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // Typically out of file descriptors: wait a little instead of spinning.
      log().warn("accept: {}", ec.message());
      retry.expires_after(accept_retry);
      retry.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e && self->acceptor.is_open()) self->do_accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    ++core->stats.accepted;
    std::make_shared<http_session>(std::move(socket), core, routes)->run();
    do_accept();
  }

  tcp::acceptor acceptor;
  net::steady_timer retry;
  const router& routes;
  server_options options;
  std::shared_ptr<server_core> core;
  tcp::endpoint bound;
};

server::server(net::io_context& ioc, const router& routes, server_options options)
    : impl_(std::make_shared<impl>(ioc, routes, std::move(options))) {}

server::~server() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

void server::start() {
  auto& d = *impl_;
  const std::string& host = d.options.host;
  beast::error_code ec;
  const auto addr = host == "localhost" ? net::ip::make_address("127.0.0.1", ec)
                                        : net::ip::make_address(host, ec);
  if (ec) throw std::system_error(ec, "bad address");
  const tcp::endpoint ep(addr, d.options.port);
  d.acceptor.open(ep.protocol());
  d.acceptor.set_option(net::socket_base::reuse_address(true));
  d.acceptor.bind(ep, ec);
  if (ec) throw std::system_error(ec, "cannot bind");
  d.acceptor.listen(net::socket_base::max_listen_connections);
  d.bound = d.acceptor.local_endpoint();
  d.do_accept();
}

void server::stop() {
  auto& d = *impl_;
  d.core->stopping = true;
  beast::error_code ignored;
  d.acceptor.close(ignored);
  d.retry.cancel();
  // Snapshot first: closing changes the registries.
  std::vector<std::shared_ptr<ws_session>> ws;
  for (auto& [id, weak] : d.core->sessions) {
    if (auto s = weak.lock()) ws.push_back(std::move(s));
  }
  std::vector<std::shared_ptr<http_session>> plain;
  for (auto& [id, weak] : d.core->http_sessions) {
    if (auto s = weak.lock()) plain.push_back(std::move(s));
  }
  for (auto& s : ws) s->shutdown();
  for (auto& s : plain) s->cancel();
}

std::uint16_t server::port() const noexcept {
  return impl_->bound.port();
}

std::string server::address() const {
  const auto& ep = impl_->bound;
  const std::string host = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(ep.port());
}

const server_stats& server::stats() const noexcept {
  return impl_->core->stats;
}

void server::set_control_handler(control_handler handler) {
  impl_->core->control = std::move(handler);
}

namespace {

bool serves(const router& routes, std::string_view venue) {
  const auto names = routes.venues();
  return std::find(names.begin(), names.end(), venue) != names.end();
}

// The venue's open sessions, taken before any is touched: applying a fault changes the registry.
std::vector<std::shared_ptr<ws_session>> sessions_of(server_core& core, std::string_view venue) {
  std::vector<std::shared_ptr<ws_session>> out;
  for (auto& [id, weak] : core.sessions) {
    if (auto s = weak.lock(); s && s->venue() == venue) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::size_t server::apply_fault(std::string_view venue, const fault& f) {
  auto& d = *impl_;
  if (!serves(d.routes, venue)) return 0;
  auto& state = d.core->faults_for(venue);
  state.apply(f, std::chrono::steady_clock::now());
  const auto sessions = sessions_of(*d.core, venue);
  const auto open = static_cast<std::size_t>(
      std::count_if(sessions.begin(), sessions.end(), [](const auto& s) { return s->is_open(); }));
  for (const auto& s : sessions) s->apply_fault(f);
  return open;
}

std::size_t server::connections(std::string_view venue) const {
  const auto sessions = sessions_of(*impl_->core, venue);
  return static_cast<std::size_t>(
      std::count_if(sessions.begin(), sessions.end(), [](const auto& s) { return s->is_open(); }));
}

const venue_fault_state* server::fault_state(std::string_view venue) const {
  if (!serves(impl_->routes, venue)) return nullptr;
  return &impl_->core->faults_for(venue);
}

}  // namespace tickerd::sim
