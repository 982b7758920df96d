#include "tickerd/gateway/gateway.hpp"

#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/shard.hpp"

namespace tickerd {

struct gateway::impl {
  explicit impl(gateway_options options) : shared(std::move(options)) {}

  gateway_shared shared;
  std::vector<std::unique_ptr<shard>> shards;
  std::uint16_t port = 0;
};

gateway::gateway(gateway_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

gateway::~gateway() {
  stop();
}

void gateway::start() {
  auto& shared = impl_->shared;
  const auto& server = shared.options.server;
  shared.files = static_files::load(server.web_root);
  auto log = spdlog::get("gateway");
  if (!log) log = spdlog::default_logger();
  if (shared.files->size() == 0) {
    log->warn("no dashboard files under '{}' (server.web_root); GET / will be 404",
              server.web_root);
  }

  unsigned count = server.shards != 0 ? server.shards : std::thread::hardware_concurrency();
  if (count == 0) count = 1;

  beast::error_code ec;
  const auto address = net::ip::make_address(server.listen.host, ec);
  if (ec) {
    throw std::runtime_error("server.listen: '" + server.listen.host +
                             "' is not an IP address: " + ec.message());
  }
  net::ip::tcp::endpoint endpoint(address, server.listen.port);
  const auto listen_error = [&](const beast::error_code& e) {
    return std::runtime_error("server.listen: cannot listen on " + server.listen.host + ":" +
                              std::to_string(endpoint.port()) + ": " + e.message());
  };
  {
    // SO_REUSEPORT would let this process share a port another tickerd already serves (the
    // kernel spreads connections over both): bind once without it first, so a taken port fails.
    net::io_context probe_context;
    net::ip::tcp::acceptor probe(probe_context);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec) throw listen_error(ec);
    endpoint.port(probe.local_endpoint().port());
  }
  shared.stats.clear();
  shared.stats_view.clear();
  for (unsigned i = 0; i < count; ++i) {
    shared.stats.push_back(std::make_unique<shard_stats>());
    shared.stats_view.push_back(shared.stats.back().get());
  }
  for (unsigned i = 0; i < count; ++i) {
    auto s = std::make_unique<shard>(i, shared);
    try {
      s->listen(endpoint);
    } catch (const boost::system::system_error& e) {
      throw listen_error(e.code());
    }
    impl_->shards.push_back(std::move(s));
  }
  impl_->port = endpoint.port();
  for (auto& s : impl_->shards) s->start();
  log->info("listening on {}:{} with {} shard(s)", server.listen.host, impl_->port, count);
}

std::uint16_t gateway::port() const noexcept {
  return impl_->port;
}

// By value as declared in the public header: one shared_ptr copy per batch, not per client.
void gateway::deliver(update_batch batch) {  // NOLINT(performance-unnecessary-value-param)
  for (auto& s : impl_->shards) s->deliver(batch);
}

void gateway::stop() {
  for (auto& s : impl_->shards) s->begin_stop();
  for (auto& s : impl_->shards) s->join();
  impl_->shards.clear();
}

}  // namespace tickerd
