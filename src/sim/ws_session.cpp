#include "sim/ws_session.hpp"

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>

#include "sim/sim_log.hpp"

namespace tickerd::sim {
namespace websocket = beast::websocket;
namespace http = beast::http;

namespace {

// Read buffers above this are given back after each message, so idle connections stay small.
constexpr std::size_t read_buffer_keep = 4096;
constexpr auto rate_window = std::chrono::seconds(1);

bool is_quiet_error(beast::error_code ec) {
  return ec == net::error::operation_aborted || ec == websocket::error::closed ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == beast::error::timeout;
}

}  // namespace

ws_session::ws_session(beast::tcp_stream&& stream, std::unique_ptr<connection_handler> handler,
                       std::shared_ptr<server_core> core, std::string_view venue)
    : ws_(std::move(stream)),
      handler_(std::move(handler)),
      core_(std::move(core)),
      id_(core_->next_id++),
      faults_(core_->faults_for(venue)),
      ping_timer_(ws_.get_executor()),
      pong_timer_(ws_.get_executor()),
      age_timer_(ws_.get_executor()),
      close_timer_(ws_.get_executor()),
      drip_timer_(ws_.get_executor()) {
  venue_ = core_->faults.find(venue)->first;  // the map's key: lives as long as core_
}

ws_session::~ws_session() = default;

void ws_session::run(const request& req) {
  const auto& limits = core_->limits;
  beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timeouts
  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = limits.handshake_timeout;  // opening and closing handshakes
  opt.idle_timeout = websocket::stream_base::none();
  opt.keep_alive_pings = false;  // pings are ours: fixed interval, pong deadline
  ws_.set_option(opt);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "tickerd-sim"); }));
  ws_.read_message_max(limits.max_message_bytes);
  ws_.auto_fragment(false);
  ws_.control_callback(
      [this](websocket::frame_type kind, std::string_view payload) { on_control(kind, payload); });
  core_->sessions.emplace(id_, weak_from_this());
  ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) {
    log().debug("ws {}: handshake failed: {}", id_, ec.message());
    return finish();
  }
  open_ = true;
  ++core_->stats.upgraded;
  ++core_->stats.open;
  window_start_ = std::chrono::steady_clock::now();
  opened_at_ = window_start_;
  arm_age_timer();
  schedule_ping();
  handler_->on_open(*this);
  if (core_->stopping) shutdown();
  do_read();
}

void ws_session::arm_age_timer() {
  const auto max_age = faults_.max_age.value_or(core_->limits.max_age);
  const auto generation = ++age_generation_;
  if (max_age.count() <= 0) {
    age_timer_.cancel();
    return;
  }
  // A connection already older than a new limit is closed at once (the deadline has passed).
  age_timer_.expires_at(opened_at_ + max_age);
  age_timer_.async_wait([self = shared_from_this(), generation](beast::error_code e) {
    if (e || self->finished_ || generation != self->age_generation_) return;
    ++self->core_->stats.aged_out;
    if (self->faults_.max_age && !self->closing_) ++self->faults_.closes;
    self->close(close_code::normal, "connection age limit");
  });
}

void ws_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (!is_quiet_error(ec)) log().debug("ws {}: read: {}", id_, ec.message());
    return finish();
  }
  if (count_incoming() && !closing_ && ws_.got_text()) {
    const auto data = buffer_.cdata();
    handler_->on_text(std::string_view(static_cast<const char*>(data.data()), data.size()));
  }
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > read_buffer_keep) buffer_.shrink_to_fit();
  do_read();
}

bool ws_session::count_incoming() {
  const unsigned limit = handler_ ? handler_->max_incoming_per_sec() : 0;
  if (limit == 0) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= rate_window) {
    window_start_ = now;
    window_count_ = 0;
  }
  if (++window_count_ <= limit) return true;
  if (!closing_) {
    ++core_->stats.rate_drops;
    log().info("ws {}: more than {} messages per second, closing", id_, limit);
    close(close_code::policy_violation, "too many messages");
  }
  return false;
}

void ws_session::on_control(websocket::frame_type kind, std::string_view payload) {
  if (kind == websocket::frame_type::close) return;
  count_incoming();
  if (kind != websocket::frame_type::pong || !pong_due_) return;
  // Only a pong echoing one of our pings counts; unsolicited pongs do not keep a client alive.
  std::uint64_t seq = 0;
  const auto r = std::from_chars(payload.data(), payload.data() + payload.size(), seq);
  if (r.ec != std::errc() || r.ptr != payload.data() + payload.size() || seq == 0 ||
      seq > ping_seq_) {
    return;
  }
  pong_due_ = false;
  pong_timer_.cancel();
}

void ws_session::schedule_ping() {
  const auto interval = core_->limits.ping_interval;
  if (interval.count() <= 0 || finished_) return;
  ping_timer_.expires_after(interval);
  ping_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
    if (e || self->finished_) return;
    self->on_ping_timer();
  });
}

void ws_session::on_ping_timer() {
  if (closing_) return;
  // A stalled venue sends nothing, pings included (Beast still answers the client's pings).
  if (!ping_in_flight_ && !faults_.stalled(std::chrono::steady_clock::now())) {
    ping_in_flight_ = true;
    ++ping_seq_;
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, ping_seq_);
    ws_.async_ping(
        websocket::ping_data(buf, static_cast<std::size_t>(r.ptr - buf)),
        [self = shared_from_this()](beast::error_code) { self->ping_in_flight_ = false; });
    if (!pong_due_) {
      pong_due_ = true;
      pong_timer_.expires_after(core_->limits.pong_timeout);
      pong_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (e || self->finished_ || !self->pong_due_) return;
        self->drop(&server_stats::pong_drops, "no pong");
      });
    }
  }
  schedule_ping();
}

bool ws_session::send(frame_ptr frame) {
  if (closing_ || !open_) return false;
  if (faults_.stalled(std::chrono::steady_clock::now())) {
    ++faults_.frames_discarded;
    return true;  // accepted and lost, as by a venue that stopped sending: not a slow client
  }
  if (invalid_json_left_ > 0) {
    --invalid_json_left_;
    ++faults_.frames_truncated;
    frame = make_frame(truncated_frame(*frame));
  }
  return enqueue(std::move(frame));
}

bool ws_session::enqueue(frame_ptr frame) {
  if (closing_ || !open_) return false;
  const auto& limits = core_->limits;
  if (queue_.size() >= limits.max_queue_frames ||
      queued_bytes_ + frame->size() > limits.max_queue_bytes) {
    drop(&server_stats::slow_drops, "send queue overflow (slow client)");
    return false;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (!writing_) do_write();
  return true;
}

void ws_session::do_write() {
  writing_ = true;
  const std::string& frame = *queue_.front();
  if (write_offset_ == 0 && !faults_.drip) {
    ws_.text(true);
    ws_.async_write(net::buffer(frame),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->on_write(ec, self->queue_.front()->size() - self->write_offset_, false);
                    });
    return;
  }
  // Drip: the frame goes out as a text frame and continuation frames of `bytes` each. When
  // the drip ends mid-frame, the rest goes out as one last fragment.
  const std::size_t left = frame.size() - write_offset_;
  const std::size_t n = faults_.drip ? std::min(faults_.drip->bytes, left) : left;
  if (write_offset_ == 0) ws_.text(true);
  ws_.async_write_some(n == left, net::buffer(frame.data() + write_offset_, n),
                       [self = shared_from_this(), n](beast::error_code ec, std::size_t) {
                         self->on_write(ec, n, true);
                       });
}

void ws_session::on_write(beast::error_code ec, std::size_t bytes, bool fragment) {
  writing_ = false;
  if (ec) {
    if (!is_quiet_error(ec)) log().debug("ws {}: write: {}", id_, ec.message());
    queue_.clear();  // nothing more can be written; the read side finishes the session
    queued_bytes_ = 0;
    write_offset_ = 0;
    return;
  }
  if (fragment) ++faults_.fragments_sent;
  write_offset_ += bytes;
  if (write_offset_ >= queue_.front()->size()) {
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
    write_offset_ = 0;
  }
  if (dropped_) return;
  if (fragment && faults_.drip && faults_.drip->interval.count() > 0 && !closing_ &&
      !queue_.empty()) {
    writing_ = true;  // the pause belongs to the write: nothing else starts meanwhile
    drip_waiting_ = true;
    drip_timer_.expires_after(faults_.drip->interval);
    drip_timer_.async_wait([self = shared_from_this()](beast::error_code) {
      // Cancelled by clear or close: go on at once.
      self->drip_waiting_ = false;
      self->writing_ = false;
      if (self->finished_ || self->dropped_) return;
      self->continue_writing();
    });
    return;
  }
  continue_writing();
}

void ws_session::continue_writing() {
  const bool stalled = faults_.stalled(std::chrono::steady_clock::now());
  if ((closing_ && (write_offset_ > 0 || faults_.drip)) || (stalled && write_offset_ == 0)) {
    // A close while dripping goes out at the next fragment boundary (a close frame may come
    // between fragments): the backlog could take minutes to drip out. A stall that began
    // during a write discards what was queued behind it.
    if (stalled && !closing_) faults_.frames_discarded += queue_.size();
    queue_.clear();
    queued_bytes_ = 0;
    write_offset_ = 0;
  }
  if (!queue_.empty()) return do_write();
  if (closing_ && !close_sent_) start_close();
}

void ws_session::close(std::uint16_t code, std::string_view reason) {
  if (closing_ || finished_ || !open_) return;
  closing_ = true;
  close_reason_.code = code;
  close_reason_.reason.assign(reason.data(),
                              std::min(reason.size(), close_reason_.reason.max_size()));
  close_timer_.expires_after(core_->limits.close_timeout);
  close_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
    if (e || self->finished_) return;
    self->drop(nullptr, "close handshake timed out");
  });
  if (drip_waiting_) drip_timer_.cancel();  // its handler closes at the fragment boundary
  if (!writing_) start_close();
}

void ws_session::start_close() {
  close_sent_ = true;
  ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code ec) {
    if (ec && !is_quiet_error(ec)) log().debug("ws {}: close: {}", self->id_, ec.message());
  });
}

void ws_session::shutdown() {
  if (closing_ || finished_) return;
  if (!open_) return;  // on_accept checks core_->stopping once the handshake completes
  handler_->on_server_shutdown();
  close(close_code::going_away, "server shutdown");
}

void ws_session::apply_fault(const fault& f) {
  switch (f.kind) {
    case fault_kind::reset:
    case fault_kind::refuse:
      return reset_now();
    case fault_kind::close:
      if (!open_ || closing_ || finished_) return;
      ++faults_.closes;
      return close(f.code, "fault injection");
    case fault_kind::stall: {
      // Discarded, not delayed: what is queued and not yet being written goes too (a frame
      // being dripped is finished first, or the stream would be corrupt).
      const std::size_t keep = (writing_ || write_offset_ > 0) ? 1 : 0;
      while (queue_.size() > keep) {
        queued_bytes_ -= queue_.back()->size();
        queue_.pop_back();
        ++faults_.frames_discarded;
      }
      return;
    }
    case fault_kind::garbage:
      for (std::uint64_t i = 0; i < f.count; ++i) {
        if (!open_ || closing_) return;
        if (faults_.stalled(std::chrono::steady_clock::now())) {
          ++faults_.frames_discarded;
          continue;
        }
        if (!enqueue(make_frame(garbage_text(faults_.garbage_sent++)))) return;
      }
      return;
    case fault_kind::invalid_json:
      invalid_json_left_ += f.count;
      return;
    case fault_kind::max_age:
      if (open_) arm_age_timer();
      return;
    case fault_kind::clear:
      invalid_json_left_ = 0;
      if (open_) arm_age_timer();
      if (drip_waiting_) drip_timer_.cancel();  // the rest of the frame goes out at once
      return;
    case fault_kind::drip:       // venue state only: the next write sees it
    case fault_kind::gap:        // Coinbase's protocol state
    case fault_kind::trade_gap:  // the venue endpoint's stream state (trade_faults.hpp)
    case fault_kind::trade_dup:
    case fault_kind::trade_reorder:
    case fault_kind::bbo_stall:
    case fault_kind::book_drop:
    case fault_kind::book_stale:
    case fault_kind::book_cross:
    case fault_kind::book_checksum:
      return;
  }
}

void ws_session::reset_now() {
  if (dropped_ || finished_) return;
  dropped_ = true;
  closing_ = true;
  ++faults_.resets;
  log().info("ws {}: reset by fault injection", id_);
  auto& stream = beast::get_lowest_layer(ws_);
  beast::error_code ignored;
  // Linger on with a zero timeout: close() sends RST instead of FIN. Pending operations end
  // with operation_aborted and the read side finishes the session.
  stream.socket().set_option(net::socket_base::linger(true, 0), ignored);
  stream.close();
}

void ws_session::drop(std::uint64_t server_stats::*counter, const char* why) {
  if (dropped_ || finished_) return;
  dropped_ = true;
  closing_ = true;
  if (counter) ++(core_->stats.*counter);
  log().info("ws {}: dropped: {}", id_, why);
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(net::socket_base::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).cancel();
}

void ws_session::finish() {
  if (finished_) return;
  finished_ = true;
  closing_ = true;
  if (open_) --core_->stats.open;
  core_->sessions.erase(id_);
  ping_timer_.cancel();
  pong_timer_.cancel();
  age_timer_.cancel();
  close_timer_.cancel();
  drip_timer_.cancel();
  handler_.reset();  // drops the venue subscriptions; nothing is delivered from now on
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace tickerd::sim
