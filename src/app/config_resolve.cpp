// resolve_config: the checks that need the machine, not just the text (host names).
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <memory>

#include <boost/asio/ip/address.hpp>

#include "tickerd/app/config.hpp"

namespace tickerd {
namespace {

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

}  // namespace

void resolve_config(config& cfg) {
  auto& s = cfg.server;
  s.listen_addresses = resolve_host(s.listen.host, "server.listen");
}

}  // namespace tickerd
