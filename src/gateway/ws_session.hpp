// One client WebSocket connection, owned by its shard. Reads requests, replies, and writes
// everything pending for the client in one gathered frame per write ("\n"-separated
// messages), so a delivery costs a pointer push and, per loop turn, at most one system call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "gateway/shard.hpp"

namespace tickerd {

class ws_session : public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(shard& owner, beast::tcp_stream&& stream, std::string address);
  ~ws_session();

  void run(http_request req);

  // From the shard's delivery loop: queue without writing; flush() once per batch.
  void enqueue_update(const update_ptr& u);
  void flush();
  void close(beast::websocket::close_code code, std::string_view reason);

  // Subscription state, maintained by the shard.
  std::vector<channel_id>& channels() noexcept { return channels_; }
  bool ticker_wildcard = false;
  bool dirty = false;

 private:
  enum class kind : std::uint8_t { update, snapshot, owned };
  struct out_message {
    update_ptr shared;
    std::string owned;
    kind what = kind::owned;
    std::string_view text() const {
      if (what == kind::update) return shared->update_text;
      if (what == kind::snapshot) return shared->snapshot_text;
      return owned;
    }
  };

  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle_message(std::string_view text);
  void handle_subscribe(const client_request& req);
  void handle_unsubscribe(const client_request& req);
  bool within_rate_limit();
  void reply_error(const std::string& id_json, std::string_view code, std::string_view message);
  void push_owned(std::string text);
  void push_snapshot(channel_id id);
  void resume(channel_id id, const resume_point& point);
  void set_throttle(channel_id id, std::int32_t ms);
  void push_update(const update_ptr& u);
  void arm_throttle();
  void on_throttle_timer();
  void after_push();
  void conflate();
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void fail(beast::error_code ec, const char* what);
  void finish();

  shard& shard_;
  beast::websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::string address_;
  bool counted_ = false;  // holds a slot in the connection limiter
  bool closing_ = false;
  bool writing_ = false;
  bool finished_ = false;

  std::vector<channel_id> channels_;  // sorted
  std::vector<out_message> queue_;
  std::vector<out_message> inflight_;
  std::vector<net::const_buffer> buffers_;
  std::size_t queued_bytes_ = 0;
  std::size_t queued_updates_ = 0;
  std::uint64_t conflated_ = 0;  // dropped since the last notice

  // Channels subscribed with throttle_ms: at most one update per interval, the latest held
  // back meanwhile. Few per client, so a vector; empty (no cost) for everyone else.
  struct throttle {
    channel_id channel;
    std::int64_t interval_ms;
    std::int64_t sent_at_ms = 0;  // mono_ms of the last update let through
    update_ptr pending;           // the newest update held back
  };
  std::vector<throttle> throttles_;
  std::unique_ptr<net::steady_timer> throttle_timer_;  // created on first use
  std::int64_t throttle_due_ms_ = 0;                   // when the timer fires; 0 = not armed

  // Token bucket for requests: milli-tokens, refilled per millisecond.
  std::int64_t tokens_ = 0;
  std::int64_t refilled_at_ms_ = 0;
  std::uint32_t rejected_in_row_ = 0;
};

}  // namespace tickerd
