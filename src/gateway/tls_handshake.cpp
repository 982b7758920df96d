#include "gateway/tls_handshake.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "gateway/http_session.hpp"
#include "gateway/tls_io.hpp"

namespace tickerd {
namespace {

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = [] {
    auto l = spdlog::get("gateway");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

}  // namespace

tls_handshake::tls_handshake(shard& owner, net::ip::tcp::socket&& socket, ssl_handle ssl)
    : shard_(owner),
      socket_(std::move(socket)),
      ssl_(std::move(ssl)),
      deadline_(socket_.get_executor()) {}

tls_handshake::~tls_handshake() {
  shard_.forget(this);
}

void tls_handshake::run() {
  shard_.adopt(this);
  beast::error_code ec;
  socket_.non_blocking(true, ec);  // OpenSSL reads and writes the descriptor itself
  if (ec || !ssl_ || !tls_attach(ssl_.get(), socket_.native_handle())) {
    bump(shard_.stats().tls_handshake_failures);
    return drop();
  }
  deadline_.expires_after(shard_.limits().handshake_timeout);
  deadline_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
    if (wait_ec || self->done_) return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->socket_.cancel(ignored);  // the pending wait ends with operation_aborted
  });
  step();
}

void tls_handshake::close() {
  done_ = true;
  drop();
}

void tls_handshake::step() {
  // The socket never blocks, so this is the handshake's CPU time (its public-key operations).
  const auto started = std::chrono::steady_clock::now();
  const auto r = tls_accept(ssl_.get());
  bump(shard_.stats().tls_handshake_us,
       static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - started)
                                      .count()));
  switch (r.status) {
    case tls_status::ok: {
      done_ = true;
      deadline_.cancel();
      bump(shard_.stats().tls_handshakes);
      log()->trace("TLS handshake done: {}", tls_describe(ssl_.get()));
      std::make_shared<http_session>(shard_, std::move(socket_), std::move(ssl_))->run();
      return;
    }
    case tls_status::want_read:
      return wait(net::socket_base::wait_read);
    case tls_status::want_write:
      return wait(net::socket_base::wait_write);
    case tls_status::closed:
    case tls_status::error:
      done_ = true;
      bump(shard_.stats().tls_handshake_failures);
      beast::error_code ignored;
      log()->debug("TLS handshake with {} failed: {}",
                   socket_.remote_endpoint(ignored).address().to_string(),
                   !r.reason.empty()                ? r.reason
                   : r.status == tls_status::closed ? std::string("the client closed")
                                                    : r.ec.message());
      return drop();
  }
}

void tls_handshake::wait(net::socket_base::wait_type what) {
  socket_.async_wait(what, [self = shared_from_this()](beast::error_code ec) {
    if (self->done_) return;
    if (self->timed_out_) {
      self->done_ = true;
      bump(self->shard_.stats().tls_handshake_timeouts);
      return self->drop();
    }
    if (ec) {
      self->done_ = true;
      bump(self->shard_.stats().tls_handshake_failures);
      return self->drop();
    }
    self->step();
  });
}

void tls_handshake::drop() {
  deadline_.cancel();
  beast::error_code ignored;
  socket_.close(ignored);
}

}  // namespace tickerd
