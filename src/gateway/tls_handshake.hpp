// A new TLS connection's handshake, on the shard that accepted it, before any HTTP: bounded by
// limits.handshake_timeout (a client that stalls mid-handshake is dropped) and counted in the
// shard's in-progress handshakes, which server.tls.max_handshakes caps. Done, it hands the
// socket and its SSL object to an http_session.
#pragma once

#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/shard.hpp"
#include "tickerd/gateway/server_tls.hpp"

namespace tickerd {

class tls_handshake : public std::enable_shared_from_this<tls_handshake> {
 public:
  tls_handshake(shard& owner, net::ip::tcp::socket&& socket, ssl_handle ssl);
  ~tls_handshake();

  void run();
  void close();  // shutdown: drop the connection

 private:
  void step();
  void wait(net::socket_base::wait_type what);
  void drop();

  shard& shard_;
  net::ip::tcp::socket socket_;
  ssl_handle ssl_;
  net::steady_timer deadline_;
  bool done_ = false;
  bool timed_out_ = false;
};

}  // namespace tickerd
