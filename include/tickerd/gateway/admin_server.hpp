// The `[admin]` listener: a small HTTP server on its own thread for operators, apart from the
// client port (no shard, no client limit), shaped like metrics_server. `POST /admin/drain`
// starts the graceful drain and `GET /admin/status` says where the node is. With a token every
// request must carry `Authorization: Bearer <token>` (401 otherwise); without one the server
// only listens on loopback (resolve_config refuses anything else).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tickerd {

class admin_server {
 public:
  struct reply {
    unsigned status = 200;
    std::string body;  // JSON
  };
  // Both run on the admin server's thread.
  struct handlers {
    std::function<reply()> drain;
    std::function<reply()> status;
  };

  admin_server(handlers h, std::string token);
  ~admin_server();
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  // Binds the first of `addresses` that can be bound, on `port`, and starts the thread.
  // Throws std::runtime_error naming admin.listen when none can be.
  void start(const std::vector<std::string>& addresses, std::uint16_t port);
  std::uint16_t port() const noexcept;
  void stop();  // closes the listener and every connection, joins the thread

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd
