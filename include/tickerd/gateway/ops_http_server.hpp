// A small HTTP/1.1 server on its own thread for operators: `[metrics] listen` (GET /metrics) and
// `[admin]` (POST /admin/drain, GET /admin/status) are each one of these with their own routes.
// It stands apart from the client port (no shard, no client limit), so a scrape or a drain never
// waits behind clients. Each connection is bounded by a timeout and a request size; a route's
// handler runs on this server's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd {

class ops_http_server {
 public:
  enum class method : std::uint8_t { get, post };  // a GET route also answers HEAD

  struct response {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
  };

  struct route {
    std::string path;  // exact, without the query
    method verb = method::get;
    std::function<void(response&)> handle;
  };

  struct options {
    std::string name;  // "metrics", "admin": in logs and in start()'s error ("admin.listen")
    std::string bearer_token;  // non-empty: every request needs `Authorization: Bearer <token>`
    bool json_errors = false;  // refusals as {"error":…,"message":…} rather than plain text
    std::string not_found;     // the 404 message: what is served here
  };

  ops_http_server(options opts, std::vector<route> routes);
  ~ops_http_server();
  ops_http_server(const ops_http_server&) = delete;
  ops_http_server& operator=(const ops_http_server&) = delete;

  // Binds the first of `addresses` that can be bound, on `port`, and starts the thread.
  // Throws std::runtime_error naming "<name>.listen" when none can be.
  void start(const std::vector<std::string>& addresses, std::uint16_t port);
  std::uint16_t port() const noexcept;
  void stop();  // closes the listener and every connection, joins the thread

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd
