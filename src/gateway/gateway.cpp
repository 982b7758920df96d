#include "tickerd/gateway/gateway.hpp"

#include <atomic>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "auth/verifier_loader.hpp"
#include "gateway/shard.hpp"
#include "tickerd/gateway/server_tls.hpp"

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
  if (shared.options.auth.mode == auth_mode::jwt) {
    auto loaded = load_token_verifier(shared.options.auth);
    if (!loaded.verifier) throw std::runtime_error(loaded.key + ": " + loaded.error);
    shared.set_verifier(std::move(loaded.verifier));
  }
  if (server.web_root.empty()) {
    log->warn("no dashboard installed and server.web_root not set; GET / will be 404");
  } else if (shared.files->size() == 0) {
    log->warn("no dashboard files under '{}' (server.web_root); GET / will be 404",
              server.web_root);
  }

  if (server.tls.enabled()) {
    server_tls_error error;
    auto ctx = make_server_tls_context(server.tls, error);
    if (!ctx) throw config_error(error.key + ": " + error.reason);  // resolve_config checked
    log->info("TLS on: {}", describe_certificate(ctx.get()));
    shared.set_tls_context(std::move(ctx));
  }

  unsigned count = server.shards != 0 ? server.shards : std::thread::hardware_concurrency();
  if (count == 0) count = 1;

  // The first of the host's addresses that can be bound (resolve_config filled them in, in the
  // resolver's order; a caller that skipped it passes an IP literal as the host).
  std::vector<std::string> candidates = server.listen_addresses;
  if (candidates.empty()) candidates.push_back(server.listen.host);
  beast::error_code ec;
  net::ip::tcp::endpoint endpoint;
  std::string bound;
  std::runtime_error last_error("server.listen: no address to listen on");
  for (const auto& candidate : candidates) {
    const auto address = net::ip::make_address(candidate, ec);
    if (ec) {
      last_error = std::runtime_error("server.listen: '" + candidate +
                                      "' is not an IP address: " + ec.message());
      continue;
    }
    endpoint = net::ip::tcp::endpoint(address, server.listen.port);
    // SO_REUSEPORT would let this process share a port another tickerd already serves (the
    // kernel spreads connections over both): bind once without it first, so a taken port fails.
    net::io_context probe_context;
    net::ip::tcp::acceptor probe(probe_context);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec) {
      last_error = std::runtime_error("server.listen: cannot listen on " + candidate + ":" +
                                      std::to_string(server.listen.port) + ": " + ec.message());
      continue;
    }
    endpoint.port(probe.local_endpoint().port());
    bound = candidate;
    break;
  }
  if (bound.empty()) throw last_error;
  const auto listen_error = [&](const beast::error_code& e) {
    return std::runtime_error("server.listen: cannot listen on " + bound + ":" +
                              std::to_string(endpoint.port()) + ": " + e.message());
  };
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
  log->info("listening on {}:{} ({}) with {} shard(s)", server.listen.host, impl_->port, bound,
            count);
}

std::uint16_t gateway::port() const noexcept {
  return impl_->port;
}

std::span<const shard_stats* const> gateway::stats() const noexcept {
  return impl_->shared.stats_view;
}

// By value as declared in the public header: one shared_ptr copy per batch, not per client.
void gateway::deliver(update_batch batch) {  // NOLINT(performance-unnecessary-value-param)
  for (auto& s : impl_->shards) s->deliver(batch);
}

void gateway::set_health(const node_health& health) {
  for (auto& s : impl_->shards) s->set_health(health);
}

bool gateway::reload_tls() {
  auto& shared = impl_->shared;
  const auto& tls = shared.options.server.tls;
  auto log = spdlog::get("gateway");
  if (!log) log = spdlog::default_logger();
  if (!tls.enabled()) return false;
  server_tls_error error;
  auto ctx = make_server_tls_context(tls, error);
  if (!ctx) {
    log->error("TLS reload failed, keeping the current certificate: {}: {}", error.key,
               error.reason);
    return false;
  }
  log->info("TLS reloaded: {}", describe_certificate(ctx.get()));
  shared.set_tls_context(std::move(ctx));
  return true;
}

void gateway::reload_auth_keys() {
  const auto& auth = impl_->shared.options.auth;
  if (auth.mode != auth_mode::jwt) return;
  auto log = spdlog::get("gateway");
  if (!log) log = spdlog::default_logger();
  auto loaded = load_token_verifier(auth);
  if (!loaded.verifier) {
    log->warn("{}: {}; keeping the keys loaded before", loaded.key, loaded.error);
    return;
  }
  impl_->shared.set_verifier(std::move(loaded.verifier));
  log->info("auth keys reloaded from {}", auth.jwks_file.empty() ? auth.key_file : auth.jwks_file);
}

std::size_t gateway::drain(std::chrono::milliseconds window, std::function<void()> on_empty) {
  const auto told = clients();
  auto& shards = impl_->shards;
  if (shards.empty()) {
    if (on_empty) on_empty();
    return 0;
  }
  // The last shard to empty calls on_empty.
  auto left = std::make_shared<std::atomic<std::size_t>>(shards.size());
  auto done = std::make_shared<std::function<void()>>(std::move(on_empty));
  for (auto& s : shards) {
    s->begin_drain(window, [left, done] {
      if (left->fetch_sub(1) == 1 && *done) (*done)();
    });
  }
  return told;
}

std::size_t gateway::clients() const noexcept {
  std::size_t n = 0;
  for (const auto* s : impl_->shared.stats_view) n += read(s->connections);
  return n;
}

void gateway::set_limits(const limits_config& limits) {
  auto& shared = impl_->shared;
  shared.limiter.set_limits(limits.max_connections, limits.max_connections_per_ip);
  // Before start() no shard thread reads the options: the shards will copy these.
  if (impl_->shards.empty()) shared.options.limits = limits;
  auto copy = std::make_shared<const limits_config>(limits);
  for (auto& s : impl_->shards) s->set_limits(copy);
}

bool gateway::shards_alive() {
  bool all = true;
  for (auto& s : impl_->shards) all = s->answered_probe() && all;  // probe every shard
  return all;
}

void gateway::stop() {
  for (auto& s : impl_->shards) s->begin_stop();
  for (auto& s : impl_->shards) s->join();
  impl_->shards.clear();
}

}  // namespace tickerd
