// One client WebSocket connection, owned by its shard, after the opening handshake. Reads
// requests, replies, and writes everything pending for the client in one gathered frame per
// write ("\n"-separated messages), so a delivery costs a pointer push and, per loop turn, at
// most one system call: a sendmsg of the frame header and the shared, already encoded texts,
// made at once, with no write operation unless the kernel's buffer is full.
//
// Over TLS the same, through OpenSSL on the same non-blocking socket (tls_io.hpp): reads until
// OpenSSL wants more bytes, and each write frames the queue into out_ (one copy, which the
// encryption makes anyway) for one SSL_write. The plain path is untouched but for a test of
// tls_ per read and write turn.
//
// The framing is our own (ws_frame.hpp) on the bare socket: an idle client holds no read
// buffer and no pending read (readiness is awaited, then read into the shard's buffer), and
// pings and idle timeouts come from the shard's once-per-tick keepalive sweep, not a timer
// per connection.
//
// With an sse_stream (`GET /v1/sse`) the same session speaks server-sent events instead: the
// subscriptions come from the query, the client sends nothing, and each message goes out as an
// event around the same shared text (sse_stream.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <sys/uio.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/session_auth.hpp"
#include "gateway/shard.hpp"
#include "gateway/sse_stream.hpp"
#include "gateway/ws_frame.hpp"
#include "tickerd/gateway/server_tls.hpp"
#include "tickerd/hub/data_format.hpp"

namespace tickerd {

class ws_session : public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(shard& owner, net::ip::tcp::socket&& socket, ssl_handle tls, std::string address,
             session_auth auth);
  ~ws_session();

  // Answers the upgrade request (checked by http_session) with 101 and starts reading;
  // `early` is what the client sent after its request, if anything.
  void run(const http_request& req, std::string_view early);
  // Answers `GET /v1/sse` (checked by http_session) with the event stream: subscribes as
  // `subscription` says and streams until either side ends it.
  void run_sse(const client_request& subscription, std::unique_ptr<sse_stream> stream);

  // From the shard's delivery loop. True: nothing is queued or unsent before `u`, so the shard
  // may hand it to write_updates with the rest of its batch instead (allowed by `straight`);
  // false: it was queued here (or held back by throttle_ms), for flush().
  bool offer_update(const update_ptr& u, bool straight);
  void enqueue_update(const update_ptr& u) { offer_update(u, false); }
  // The updates of `batch` marked in `bits` (bit i: batch[i]), all offered with true, as one
  // frame of their shared texts in one sendmsg from here: no queue entry unless the kernel
  // does not take it all (the idea of uWebSockets' pub/sub drain).
  void write_updates(std::span<const update_ptr> batch, std::uint64_t bits);
  void flush();
  // A message for this client alone (the node's `status`), written now.
  void notify(std::string text);
  // Starts the closing handshake: nothing more is sent but the close frame.
  void close(std::uint16_t code, std::string_view reason);
  // From the shard's keepalive sweep: pings a client quiet for half the idle timeout, drops
  // one quiet for all of it, and one whose closing handshake takes too long.
  void keepalive(std::int64_t now_ms);

  // For /v1/stats, read by the shard's keepalive sweep.
  std::size_t queued_messages() const noexcept { return queue_.size(); }
  std::size_t queued_bytes() const noexcept { return queued_bytes_ + out_.size(); }
  bool throttle_armed() const noexcept { return options_ && options_->due_ms != 0; }

  // The session's handle in the shard's subscriber_index, given by shard::adopt.
  subscriber_id subscriber() const noexcept { return subscriber_; }
  void set_subscriber(subscriber_id id) noexcept { subscriber_ = id; }

 private:
  enum class kind : std::uint8_t { update, snapshot, owned };
  struct out_message {
    update_ptr shared;
    std::string owned;
    kind what = kind::owned;
    data_format format = data_format::native;  // of an update or snapshot: which shared text
    std::string_view text() const {
      if (what == kind::owned) return owned;
      return shared->text(format);
    }
  };

  // The text of an update this client is sent, queued or straight: the one place that says
  // (the form this client reads the channel in).
  std::string_view written_text(const published_update& u) const {
    return shard_.text_of(u, format_of(u.channel));
  }
  bool writes_straight() const noexcept;
  void keep_unsent(const iovec* iov, std::size_t count, std::size_t skip);

  void wait_readable();
  bool read_available();
  bool read_available_tls();
  void read_then_wait();
  void handle_input(char* data, std::size_t size);
  void on_client_close(std::uint16_t code);
  void handle_message(std::string_view text);
  void handle_subscribe(const client_request& req);
  void handle_unsubscribe(const client_request& req);
  void handle_auth(const client_request& req);
  void handle_refresh(const client_request& req);
  bool awaiting_auth() const noexcept;
  bool permitted(std::string_view channel) const noexcept;
  void drop_forbidden();
  void auth_error(const std::string& id_json, auth_failure f, std::string_view detail);
  void auth_ack(const client_request& req);
  void check_token(std::int64_t now_ms);
  bool within_rate_limit();
  void reply_error(const std::string& id_json, std::string_view code, std::string_view message);
  void push_owned(std::string text);
  void push_snapshot(channel_id id);
  void resume(channel_id id, const resume_point& point);
  void set_throttle(channel_id id, std::int32_t ms);
  void set_format(channel_id id, data_format format);
  data_format format_of(channel_id id) const noexcept;
  void push_update(const update_ptr& u);
  void arm_throttle();
  void on_throttle_timer();
  void after_push();
  void release_idle_buffers();
  void conflate();
  void recount();
  void write_pending();
  void write_pending_tls();
  std::size_t frame_websocket(std::size_t taken, std::size_t payload, char* header, iovec* iov);
  std::size_t frame_sse(std::size_t taken, iovec* iov);
  void frame_queued_sse();
  void keepalive_sse(std::int64_t now_ms);
  void frame_queued();
  void wait_writable();
  void maybe_shut_down();
  void fail(beast::error_code ec, const char* what);
  void finish();

  shard& shard_;
  // On the io_context's own executor, not any_io_executor: the socket and the readiness wait an
  // idle connection always holds are each about 100 bytes smaller (bench/RESULTS.md, "Floor").
  using client_socket = net::basic_stream_socket<net::ip::tcp, net::io_context::executor_type>;
  client_socket socket_;
  ssl_handle tls_;  // null for a plain connection
  ws::frame_reader reader_;
  std::string address_;
  // Bytes that go out before any queued message: the 101, control frames, and the rest of a
  // frame the kernel took only part of. Empty (no allocation) almost always.
  std::string out_;
  std::unique_ptr<sse_stream> sse_;  // set: this is an SSE stream, not a WebSocket
  bool counted_ = false;             // holds a slot in the connection limiter
  bool closing_ = false;             // our close frame is queued or sent: no more messages
  bool peer_closed_ = false;         // the client's close frame arrived
  bool draining_ = false;            // both close frames done, send side shut: reading to EOF
  bool writing_ = false;             // waiting for the socket to take more
  bool finished_ = false;
  bool read_wants_write_ = false;    // TLS: OpenSSL must write before it can read on
  bool pushed_since_sweep_ = false;  // a message was queued since the last keepalive sweep
  std::int64_t last_read_ms_ = 0;    // mono_ms of the last bytes from the client
  std::int64_t ping_sent_ms_ = 0;    // our keepalive ping, unanswered; 0 = none
  std::int64_t closing_at_ms_ = 0;   // when the closing handshake began

  std::vector<out_message> queue_;  // not yet handed to the kernel
  std::size_t queued_bytes_ = 0;
  std::size_t queued_updates_ = 0;

  // Channels subscribed with throttle_ms: at most one update per interval, the latest held
  // back meanwhile. Few per client, so a vector; empty (no cost) for everyone else.
  struct throttle {
    channel_id channel;
    std::int64_t interval_ms;
    std::int64_t sent_at_ms = 0;  // mono_ms of the last update let through
    update_ptr pending;           // the newest update held back
  };
  // What a subscribe's options set per channel: throttles, and the channels read in the CCXT
  // format (`"format":"ccxt"`). Made by the first subscribe with either; null for a client that
  // uses neither, so an idle connection pays one pointer for both.
  struct channel_options {
    explicit channel_options(const client_socket::executor_type& ex) : timer(ex) {}
    std::vector<throttle> entries;
    net::steady_timer timer;
    std::int64_t due_ms = 0;       // when the timer fires; 0 = not armed
    std::vector<channel_id> ccxt;  // ascending
  };
  std::unique_ptr<channel_options> options_;
  channel_options& options();  // options_, made on first use

  // Token bucket for requests: milli-tokens, refilled per millisecond.
  std::int64_t tokens_ = 0;
  std::int64_t refilled_at_ms_ = 0;
  std::uint32_t rejected_in_row_ = 0;
  subscriber_id subscriber_ = no_subscriber;  // beside a 4-byte member: no padding

  // Null unless [auth] needs tokens: most deployments have none, and every connection
  // would carry the empty state.
  std::unique_ptr<session_auth> auth_;
};

}  // namespace tickerd
