// resolve_config: the checks that need the machine, not just the text (names, directories).
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <system_error>

#include <boost/asio/ip/address.hpp>

#include "auth/verifier_loader.hpp"
#include "tickerd/app/config.hpp"
#include "tickerd/gateway/server_tls.hpp"

#ifndef TICKERD_INSTALL_WEB_ROOT
#define TICKERD_INSTALL_WEB_ROOT "/usr/local/share/tickerd/web"
#endif

namespace tickerd {
namespace {

namespace fs = std::filesystem;

// Every address `host` names, as IP literals in the resolver's order (RFC 6724), once each.
std::vector<std::string> resolve_host(const std::string& host, std::string_view key) {
  boost::system::error_code ec;
  const auto literal = boost::asio::ip::make_address(host, ec);
  if (!ec) return {literal.to_string()};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    throw config_error(std::string(key) + ": '" + host + "' does not resolve (" +
                       ::gai_strerror(rc) + ")");
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  std::vector<std::string> out;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    std::array<char, NI_MAXHOST> text{};
    if (::getnameinfo(a->ai_addr, a->ai_addrlen, text.data(), text.size(), nullptr, 0,
                      NI_NUMERICHOST) != 0) {
      continue;
    }
    std::string ip(text.data());
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(std::move(ip));
  }
  if (out.empty()) throw config_error(std::string(key) + ": '" + host + "' has no address");
  return out;
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// The installed dashboard: beside the executable first, so a relocated install finds its own.
std::string find_default_web_root() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = exe.parent_path().parent_path() / "share" / "tickerd" / "web";
    if (is_dir(beside)) return beside.lexically_normal().string();
  }
  if (is_dir(TICKERD_INSTALL_WEB_ROOT)) return TICKERD_INSTALL_WEB_ROOT;
  if (is_dir("web")) return "web";  // a run from the source tree
  return {};
}

}  // namespace

void resolve_config(config& cfg) {
  if (cfg.auth.mode == auth_mode::jwt) {
    // Loaded again by the gateway; read here so a bad key file stops start-up and
    // --check-config the same way.
    const auto loaded = load_token_verifier(cfg.auth);
    if (!loaded.verifier) throw config_error(loaded.key + ": " + loaded.error);
  }
  auto& s = cfg.server;
  s.listen_addresses = resolve_host(s.listen.host, "server.listen");
  if (s.tls.enabled()) {
    if (const auto e = check_server_tls(s.tls)) throw config_error(e->key + ": " + e->reason);
  }
  if (cfg.metrics.separate) {
    cfg.metrics.listen_addresses = resolve_host(cfg.metrics.listen.host, "metrics.listen");
  }
  if (cfg.admin.enabled) {
    cfg.admin.listen_addresses = resolve_host(cfg.admin.listen.host, "admin.listen");
    // Anyone who reaches the admin port can drain the node: off loopback, only with a token.
    for (const auto& a : cfg.admin.listen_addresses) {
      if (!cfg.admin.token.empty() || boost::asio::ip::make_address(a).is_loopback()) continue;
      throw config_error("admin.listen: '" + cfg.admin.listen.host + "' (" + a +
                         ") is not a loopback address; set admin.token to serve it there");
    }
  }
  if (s.web_root.empty()) {
    s.web_root = find_default_web_root();
  } else if (!is_dir(s.web_root)) {
    std::error_code ec;
    const auto cwd = fs::current_path(ec);
    throw config_error("server.web_root: '" + s.web_root + "' is not a directory" +
                       (fs::path(s.web_root).is_relative() && !ec
                            ? " (relative to the working directory " + cwd.string() + ")"
                            : std::string()));
  }
}

}  // namespace tickerd
