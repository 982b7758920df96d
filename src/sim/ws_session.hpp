// One accepted WebSocket connection of the sim (Beast): a bounded send queue of shared
// frames, server pings with a pong deadline, an age limit, an incoming-message rate limit,
// a venue connection_handler that speaks the protocol, and the venue's injected faults
// (fault.hpp). Internal to the sim's server (includes Beast): only listener.cpp and
// ws_session.cpp include it.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sim/connection.hpp"
#include "sim/fault.hpp"
#include "sim/server.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim {

class ws_session;
class http_session;

// State shared by the listener and every session; outlives them through shared_ptr.
struct server_core {
  session_limits limits;
  server_stats stats;
  std::unordered_map<std::uint64_t, std::weak_ptr<ws_session>> sessions;
  std::unordered_map<std::uint64_t, std::weak_ptr<http_session>> http_sessions;
  std::uint64_t next_id = 1;
  bool stopping = false;
  // Per venue, by name; entries are never erased, so sessions keep references to them.
  std::map<std::string, venue_fault_state, std::less<>> faults;
  control_handler control;

  venue_fault_state& faults_for(std::string_view venue) {
    auto it = faults.find(venue);
    if (it == faults.end()) it = faults.emplace(std::string(venue), venue_fault_state{}).first;
    return it->second;
  }
};

class ws_session final : public std::enable_shared_from_this<ws_session>, public connection {
 public:
  using request = beast::http::request<beast::http::string_body>;

  // `venue` names the routed venue (a key of core->faults, which outlives the session).
  ws_session(beast::tcp_stream&& stream, std::unique_ptr<connection_handler> handler,
             std::shared_ptr<server_core> core, std::string_view venue);
  ~ws_session();

  void run(const request& req);  // completes the upgrade
  void shutdown();               // the server stops: venue notice, then close 1001

  std::uint64_t id() const noexcept override { return id_; }
  bool send(frame_ptr frame) override;
  void close(std::uint16_t code, std::string_view reason) override;

  std::string_view venue() const noexcept { return venue_; }
  bool is_open() const noexcept { return open_ && !closing_; }  // handshake done, not closing
  // What fault `f` does to this connection; the venue's state already has it (server.hpp).
  void apply_fault(const fault& f);

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  bool enqueue(frame_ptr frame);  // send() without the stall and invalid_json faults
  void do_write();
  // A write finished: `bytes` more of the front frame are out, in one fragment or all of it.
  void on_write(beast::error_code ec, std::size_t bytes, bool fragment);
  void continue_writing();  // after a drip pause
  void start_close();
  void reset_now();      // RST: SO_LINGER {on, 0}, then close
  void arm_age_timer();  // (re)starts the age limit: the venue's max_age fault, else the server's
  void on_control(beast::websocket::frame_type kind, std::string_view payload);
  bool count_incoming();  // false when the client exceeded its message rate
  void schedule_ping();
  void on_ping_timer();
  void drop(std::uint64_t server_stats::*counter, const char* why);  // abrupt disconnect
  void finish();  // the read loop ended: unregister, release the handler, cancel timers

  beast::websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::unique_ptr<connection_handler> handler_;
  std::shared_ptr<server_core> core_;
  std::uint64_t id_;
  std::string_view venue_;
  venue_fault_state& faults_;

  std::deque<frame_ptr> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t write_offset_ = 0;  // bytes of the front frame already sent as fragments (drip)
  beast::websocket::close_reason close_reason_;
  std::uint64_t invalid_json_left_ = 0;  // frames still to send truncated
  std::chrono::steady_clock::time_point opened_at_;
  std::uint64_t age_generation_ = 0;  // a re-armed age timer ignores its old expiry

  net::steady_timer ping_timer_;
  net::steady_timer pong_timer_;
  net::steady_timer age_timer_;
  net::steady_timer close_timer_;
  net::steady_timer drip_timer_;
  std::uint64_t ping_seq_ = 0;  // payload of the last ping sent
  std::chrono::steady_clock::time_point window_start_;
  unsigned window_count_ = 0;

  bool open_ = false;
  bool writing_ = false;  // a write is in flight, or a drip pause before the next fragment
  bool drip_waiting_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool dropped_ = false;
  bool finished_ = false;
  bool ping_in_flight_ = false;
  bool pong_due_ = false;  // a ping is unanswered and pong_timer_ runs
};

}  // namespace tickerd::sim
