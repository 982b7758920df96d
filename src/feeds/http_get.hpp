// One HTTP(S) GET as a coroutine on the ingest io_context: resolve, connect, TLS with SNI and
// certificate checks (https), the request, the response, all within a deadline. Shared by the
// sources that poll a REST API (fng_source) and by the feeds' REST depth snapshots (book_feed's
// requests, run by feed_session). An I/O header: include it from .cpp files only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "tickerd/core/url.hpp"
#include "tickerd/net.hpp"

namespace tickerd {

struct http_get_options {
  std::chrono::milliseconds timeout{10'000};  // the whole exchange
  std::size_t max_body_bytes = 1 << 20;
  bool verify_tls = true;
};

struct http_get_result {
  unsigned status = 0;  // the HTTP status; 0 when there was no response
  std::string body;
  std::string error;  // why there is no response ("no answer within 10000 ms", a socket error)
  bool ok() const noexcept { return error.empty() && status == 200; }
};

// The request in flight, so that its owner can abort it (stop()).
class http_get_call {
 public:
  virtual ~http_get_call() = default;
  virtual void abort() = 0;
};

// GET `target` (path and query) from `url`'s host. `tls` must be set for an https:// url.
// `current`, when given, holds the call while it runs.
net::awaitable<http_get_result> http_get(net::io_context& ioc, net::ssl::context* tls,
                                         const ws_url& url, std::string target,
                                         http_get_options options,
                                         std::shared_ptr<http_get_call>* current = nullptr);

}  // namespace tickerd
