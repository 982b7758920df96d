// The byte stream under an http_session: the bare TCP socket, or TLS on it (tls_io: OpenSSL on
// the non-blocking descriptor, driven by readiness waits). Beast's AsyncReadStream and
// AsyncWriteStream, with tcp_stream's expires_after/expires_never. After a WebSocket upgrade
// the socket and the SSL object move to ws_session, which reads and writes them directly.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include "gateway/tls_io.hpp"
#include "tickerd/net.hpp"

namespace tickerd {

class client_stream {
 public:
  using executor_type = net::ip::tcp::socket::executor_type;

  explicit client_stream(net::ip::tcp::socket&& socket, ssl_handle tls = {})
      : socket_(std::move(socket)), tls_(std::move(tls)), timer_(socket_.get_executor()) {}

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  net::ip::tcp::socket& socket() noexcept { return socket_; }
  bool secure() const noexcept { return tls_ != nullptr; }

  // Pending reads and writes end with operation_aborted once `d` has passed.
  void expires_after(std::chrono::steady_clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;  // re-armed, cancelled, or the stream is gone
      beast::error_code ignored;
      socket_.cancel(ignored);
    });
  }
  void expires_never() { timer_.cancel(); }
  void close() {
    timer_.cancel();
    beast::error_code ignored;
    socket_.close(ignored);
  }
  net::ip::tcp::socket release_socket() {
    timer_.cancel();
    return std::move(socket_);
  }
  ssl_handle release_tls() noexcept { return std::move(tls_); }
  // TLS: says goodbye (close_notify) before the send side is shut; plain: nothing.
  void close_notify() {
    if (tls_) tls_close_notify(tls_.get());
  }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return net::async_compose<Token, void(beast::error_code, std::size_t)>(
        read_op<MutableBuffers>{*this, buffers, false}, token, socket_);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return net::async_compose<Token, void(beast::error_code, std::size_t)>(
        write_op<ConstBuffers>{*this, buffers, false, {}}, token, socket_);
  }

 private:
  // At most one TLS record's worth per write: the serializer's pieces (header, body) go out
  // as one record rather than one each.
  static constexpr std::size_t max_tls_write_bytes = 16 * 1024;

  // The next step after a TLS call that could not finish: wait, or complete.
  template <typename Self>
  void continue_or_complete(Self& self, const tls_result& r) {
    switch (r.status) {
      case tls_status::ok:
        return self.complete({}, r.bytes);
      case tls_status::want_read:
        return socket_.async_wait(net::socket_base::wait_read, std::move(self));
      case tls_status::want_write:
        return socket_.async_wait(net::socket_base::wait_write, std::move(self));
      case tls_status::closed:
        return self.complete(net::error::eof, 0);
      case tls_status::error:
        return self.complete(r.ec, 0);
    }
  }

  template <typename MutableBuffers>
  struct read_op {
    client_stream& s;
    MutableBuffers buffers;
    bool started = false;

    template <typename Self>
    void operator()(Self& self, beast::error_code ec = {}, std::size_t n = 0) {
      if (!s.tls_) {
        if (started) return self.complete(ec, n);
        started = true;
        return s.socket_.async_read_some(buffers, std::move(self));
      }
      if (!started) {  // never complete inside the initiating call
        started = true;
        return net::post(s.socket_.get_executor(), std::move(self));
      }
      if (ec) return self.complete(ec, 0);
      for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
           ++it) {
        const net::mutable_buffer b = *it;
        if (b.size() == 0) continue;
        return s.continue_or_complete(
            self, tls_read(s.tls_.get(), static_cast<char*>(b.data()), b.size()));
      }
      self.complete({}, 0);
    }
  };

  template <typename ConstBuffers>
  struct write_op {
    client_stream& s;
    ConstBuffers buffers;
    bool started = false;
    std::string gathered;  // the same bytes on every retry, as OpenSSL requires

    template <typename Self>
    void operator()(Self& self, beast::error_code ec = {}, std::size_t n = 0) {
      if (!s.tls_) {
        if (started) return self.complete(ec, n);
        started = true;
        return s.socket_.async_write_some(buffers, std::move(self));
      }
      if (!started) {
        started = true;
        for (auto it = net::buffer_sequence_begin(buffers);
             it != net::buffer_sequence_end(buffers) && gathered.size() < max_tls_write_bytes;
             ++it) {
          const net::const_buffer b = *it;
          gathered.append(static_cast<const char*>(b.data()),
                          std::min(b.size(), max_tls_write_bytes - gathered.size()));
        }
        return net::post(s.socket_.get_executor(), std::move(self));
      }
      if (ec) return self.complete(ec, 0);
      if (gathered.empty()) return self.complete({}, 0);
      s.continue_or_complete(self, tls_write(s.tls_.get(), gathered.data(), gathered.size()));
    }
  };

  net::ip::tcp::socket socket_;
  ssl_handle tls_;
  net::steady_timer timer_;
};

}  // namespace tickerd
