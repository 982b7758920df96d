#include "gateway/ws_session.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>

#include <array>
#include <bit>
#include <cerrno>
#include <utility>

#include "gateway/tls_io.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd {

namespace {

constexpr std::size_t max_write_bytes = 1u << 20;  // per gathered frame
constexpr std::size_t max_unsent_control_bytes = 64 * 1024;
constexpr std::size_t max_reads_per_turn = 16;  // of the shard's 64 KiB buffer
// Plain new/delete for an operation's memory, sized to it. (Asio treats std::allocator as "no
// allocator" and recycles its per-thread blocks, so this must be a type of its own.)
template <typename T>
struct exact_allocator {
  using value_type = T;
  exact_allocator() noexcept = default;
  template <typename U>
  exact_allocator(const exact_allocator<U>& /*other*/) noexcept {
  }  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t /*n*/) noexcept { ::operator delete(p); }
  template <typename U>
  bool operator==(const exact_allocator<U>& /*other*/) const noexcept {
    return true;
  }
};

constexpr std::size_t max_kept_out_bytes = 256;
constexpr std::size_t max_kept_queue_entries = 8;
constexpr std::size_t max_kept_tls_out_bytes = 16 * 1024;
// Per gathered write: 3 iovecs each (a WebSocket frame needs 2), within IOV_MAX.
constexpr std::size_t max_messages_per_write = 256;
constexpr char message_separator = '\n';
constexpr std::int64_t milli = 1000;

void append_id(std::string& out, const std::string& id_json) {
  if (id_json.empty()) return;
  json::append_key(out, "id");
  out.append(id_json);
}

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = [] {
    auto l = spdlog::get("gateway");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

}  // namespace

namespace {

// The accepted socket's descriptor, moved onto the shard's io_context executor. On failure the
// session starts closed, and its first read or write ends it.
template <typename Socket>
Socket rehome(net::io_context& ioc, net::ip::tcp::socket& from) {
  Socket to(ioc.get_executor());
  beast::error_code ec;
  const auto local = from.local_endpoint(ec);
  const auto protocol = ec ? net::ip::tcp::v4() : local.protocol();
  const auto fd = from.release(ec);
  if (ec) return to;
  to.assign(protocol, fd, ec);
  if (ec) ::close(fd);
  return to;
}

}  // namespace

ws_session::ws_session(shard& owner, net::ip::tcp::socket&& socket, ssl_handle tls,
                       std::string address, session_auth auth)
    : shard_(owner),
      socket_(rehome<client_socket>(owner.context(), socket)),
      tls_(std::move(tls)),
      reader_(owner.limits().max_message_bytes),
      address_(std::move(address)),
      counted_(true),
      auth_(auth.required ? std::make_unique<session_auth>(std::move(auth)) : nullptr) {}

ws_session::~ws_session() {
  if (counted_) shard_.shared().limiter.release(address_);
}

void ws_session::run(const http_request& req, std::string_view early) {
  out_ =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  out_.append(ws::accept_key(req[http::field::sec_websocket_key]));
  out_.append("\r\nServer: tickerd/" TICKERD_VERSION "\r\n\r\n");
  last_read_ms_ = mono_ms();
  tokens_ = static_cast<std::int64_t>(shard_.limits().max_requests_per_second) * milli;
  refilled_at_ms_ = last_read_ms_;
  if (awaiting_auth())
    auth_->deadline_ms = last_read_ms_ + shard_.limits().handshake_timeout.count();
  shard_.adopt(shared_from_this());
  if (shard_.stopping()) close(ws::close_code::going_away, "server shutting down");
  flush();  // the 101, at once
  if (finished_) return;
  // Taken whole (almost always): its buffer goes now, not at a later sweep, so a connect burst
  // leaves no hole of it between the sessions that stay.
  if (out_.empty()) std::string().swap(out_);
  if (!early.empty()) {
    std::string copy(early);  // the reader unmasks in place; `early` is the HTTP buffer's
    handle_input(copy.data(), copy.size());
  }
  // Whatever came before the first wait: readiness is edge-triggered and may have passed.
  read_then_wait();
}

void ws_session::run_sse(const client_request& subscription, std::unique_ptr<sse_stream> stream) {
  sse_ = std::move(stream);
  out_ = sse_stream::response_head();
  last_read_ms_ = mono_ms();
  sse_->last_sent_ms = last_read_ms_;
  shard_.adopt(shared_from_this());
  if (shard_.stopping()) {
    close(ws::close_code::going_away, "server shutting down");
  } else {
    handle_subscribe(subscription);
  }
  flush();  // the head, the ack and the snapshots, at once
  if (finished_) return;
  // The client sends nothing more; reading is only to see it leave.
  read_then_wait();
}

// The wait is what an idle connection holds for as long as it is idle. Asio would place its
// operation in a recycled block, which is as big as the largest operation this thread ran
// before (an accept's, an HTTP read's: 300 to 600 bytes); exact_allocator gives it its own size.
void ws_session::wait_readable() {
  socket_.async_wait(net::socket_base::wait_read,
                     net::bind_allocator(exact_allocator<void>(),
                                         [self = shared_from_this()](beast::error_code ec) {
                                           if (self->finished_) return;
                                           if (ec) return self->fail(ec, "read");
                                           self->read_then_wait();
                                         }));
}

// Reads everything the socket holds into the shard's buffer, a chunk at a time. Stops at a
// short read: the socket is drained, and a later arrival is a new edge for the next wait.
// At most max_reads_per_turn buffers, then true: more may be waiting, and the session goes
// to the back of the shard's queue so one fast sender cannot hold the shard.
bool ws_session::read_available() {
  if (tls_) return read_available_tls();
  auto buffer = shard_.read_buffer();
  for (std::size_t reads = 0; reads < max_reads_per_turn;) {
    const auto n = ::recv(socket_.native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) {
      last_read_ms_ = mono_ms();
      ping_sent_ms_ = 0;
      // An SSE client has nothing to say after its request: what it sends is dropped.
      if (!draining_ && !sse_) handle_input(buffer.data(), static_cast<std::size_t>(n));
      if (finished_ || static_cast<std::size_t>(n) < buffer.size()) return false;
      ++reads;
      continue;
    }
    if (n == 0) {
      finish();  // the client closed its side
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      fail(beast::error_code(errno, boost::system::system_category()), "read");
    }
    return false;
  }
  return true;
}

// TLS: OpenSSL holds decrypted bytes the socket no longer shows, so a short read proves
// nothing; read until it wants more from the socket.
bool ws_session::read_available_tls() {
  auto buffer = shard_.read_buffer();
  for (std::size_t reads = 0; reads < max_reads_per_turn; ++reads) {
    const auto r = tls_read(tls_.get(), buffer.data(), buffer.size());
    switch (r.status) {
      case tls_status::ok:
        last_read_ms_ = mono_ms();
        ping_sent_ms_ = 0;
        if (!draining_) handle_input(buffer.data(), r.bytes);
        if (finished_) return false;
        continue;
      case tls_status::want_read:
        return false;
      case tls_status::want_write:  // a post-handshake message to answer first
        read_wants_write_ = true;
        return false;
      case tls_status::closed:
        finish();
        return false;
      case tls_status::error:
        if (!r.reason.empty()) log()->debug("client {}: TLS: {}", address_, r.reason);
        fail(r.ec, "read");
        return false;
    }
  }
  return true;
}

void ws_session::read_then_wait() {
  if (read_available()) {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      if (!self->finished_) self->read_then_wait();
    });
    return;
  }
  if (finished_) return;
  if (read_wants_write_) {
    read_wants_write_ = false;
    socket_.async_wait(net::socket_base::wait_write,
                       [self = shared_from_this()](beast::error_code ec) {
                         if (self->finished_) return;
                         if (ec) return self->fail(ec, "read");
                         self->read_then_wait();
                       });
    return;
  }
  wait_readable();
}

void ws_session::handle_input(char* data, std::size_t size) {
  reader_.feed(data, size);
  std::size_t pong_at = std::string::npos;  // where this read's pong starts in out_
  while (const auto* e = reader_.next()) {
    switch (e->what) {
      case ws::frame_event::kind::text:
        if (!closing_) handle_message(e->payload);
        break;
      case ws::frame_event::kind::binary:
        if (!closing_ && within_rate_limit()) {
          reply_error({}, "binary_not_supported", "send JSON requests in text frames");
        }
        break;
      case ws::frame_event::kind::ping:
        // Only the latest ping of a read is answered (RFC 6455 5.5.3 allows it): a flood costs
        // one pong per read. None while a client that reads nothing has 64 KiB unsent.
        if (!closing_ && out_.size() < max_unsent_control_bytes) {
          if (pong_at != std::string::npos) out_.resize(pong_at);
          pong_at = out_.size();
          out_.append(ws::server_control_frame(ws::opcode::pong, e->payload));
        }
        break;
      case ws::frame_event::kind::pong:
        break;
      case ws::frame_event::kind::close:
        on_client_close(e->code);
        break;
      case ws::frame_event::kind::error:
        log()->debug("client {}: {}", address_, e->payload);
        close(e->code, e->payload);
        break;
    }
  }
  reader_.keep_rest();
  flush();
}

void ws_session::on_client_close(std::uint16_t code) {
  peer_closed_ = true;
  if (!closing_) {
    closing_ = true;
    closing_at_ms_ = mono_ms();
    queue_.clear();
    recount();
    // Echo the client's code (RFC 6455 5.5.1); an empty close for a close without one.
    out_.append(code == ws::close_code::no_status ? ws::server_control_frame(ws::opcode::close, {})
                                                  : ws::server_close_frame(code, {}));
  }
  maybe_shut_down();
}

bool ws_session::within_rate_limit() {
  const auto rate = static_cast<std::int64_t>(shard_.limits().max_requests_per_second);
  const auto now = mono_ms();
  tokens_ = std::min(rate * milli, tokens_ + (now - refilled_at_ms_) * rate);
  refilled_at_ms_ = now;
  if (tokens_ >= milli) {
    tokens_ -= milli;
    rejected_in_row_ = 0;
    return true;
  }
  // A client that keeps going far past the limit is not listening to the errors.
  if (++rejected_in_row_ > 4 * rate + 10) {
    // The replies and errors before this one go out first: they say why the close comes.
    frame_queued();
    close(ws::close_code::policy_violation, "request rate limit exceeded");
  } else {
    reply_error({}, "rate_limited", "too many requests per second; request ignored");
  }
  return false;
}

void ws_session::handle_message(std::string_view text) {
  if (!within_rate_limit()) return;
  client_request req;
  request_error err;
  if (!shard_.request_parser().parse(text, req, err)) {
    return reply_error(req.id_json, err.code, err.message);
  }
  if (awaiting_auth() && req.op != client_op::auth) {
    return reply_error(req.id_json, "auth_required", R"(send {"op":"auth","token":"<JWT>"} first)");
  }
  switch (req.op) {
    case client_op::ping: {
      std::string pong = R"({"type":"pong")";
      append_id(pong, req.id_json);
      json::append_key(pong, "ts");
      json::append_int(pong, wall_us());
      pong.push_back('}');
      return push_owned(std::move(pong));
    }
    case client_op::subscribe:
      return handle_subscribe(req);
    case client_op::unsubscribe:
      return handle_unsubscribe(req);
    case client_op::auth:
      return handle_auth(req);
    case client_op::refresh:
      return handle_refresh(req);
  }
}

// Only `auth` is accepted until a token verifies, when a token is needed for every channel.
bool ws_session::awaiting_auth() const noexcept {
  return auth_ != nullptr && !auth_->authenticated && shard_.shared().anonymous.empty();
}

bool ws_session::permitted(std::string_view channel) const noexcept {
  if (auth_ == nullptr) return true;
  return (auth_->authenticated ? auth_->channels : shard_.shared().anonymous).allows(channel);
}

void ws_session::auth_error(const std::string& id_json, auth_failure f, std::string_view detail) {
  bump(shard_.stats(), f);
  std::string e = R"({"type":"error")";
  append_id(e, id_json);
  json::append_key(e, "code");
  json::append_string(e, "auth_failed");
  json::append_key(e, "reason");
  json::append_string(e, to_string(f));
  json::append_key(e, "message");
  json::append_string(e, detail);
  e.push_back('}');
  push_owned(std::move(e));
}

void ws_session::auth_ack(const client_request& req) {
  std::string ack = R"({"type":"ack")";
  append_id(ack, req.id_json);
  json::append_key(ack, "op");
  json::append_string(ack, to_string(req.op));
  json::append_key(ack, "exp");
  json::append_int(ack, auth_->expires_ms / milli);
  ack.push_back('}');
  push_owned(std::move(ack));
}

void ws_session::handle_auth(const client_request& req) {
  if (auth_ == nullptr) {
    return reply_error(req.id_json, "bad_request", "authentication is off on this server");
  }
  if (auth_->authenticated || auth_->auth_op_seen) {
    bump(shard_.stats(), auth_failure::duplicate);
    return reply_error(req.id_json, "already_authenticated",
                       "a connection authenticates once; send refresh for a new token");
  }
  auth_->auth_op_seen = true;
  const bool required_now = awaiting_auth();
  const auto verifier = shard_.shared().verifier();
  verified_token t;
  if (const auto r = verifier->verify(req.token, wall_ms(), t); !r.ok) {
    auth_error(req.id_json, r.failure, r.detail);
    if (required_now) {
      frame_queued();  // the error says why the close comes
      close(auth_close::auth_failed, "authentication failed");
    }
    return;
  }
  auth_->accept(std::move(t), shard_.shared().anonymous);
  auth_->deadline_ms = 0;
  auth_ack(req);
}

// A new token for the same subject before the old one expires. Its channels replace the old
// ones: subscriptions it no longer allows end (an unsubscribe ack without id says which).
void ws_session::handle_refresh(const client_request& req) {
  if (auth_ == nullptr) {
    return reply_error(req.id_json, "bad_request", "authentication is off on this server");
  }
  if (!auth_->authenticated) {
    return reply_error(req.id_json, "not_authenticated", "refresh replaces a token: send auth");
  }
  const auto verifier = shard_.shared().verifier();
  verified_token t;
  if (const auto r = verifier->verify(req.token, wall_ms(), t); !r.ok) {
    return auth_error(req.id_json, r.failure, r.detail);
  }
  if (t.subject != auth_->subject) {
    return auth_error(req.id_json, auth_failure::subject_mismatch,
                      "a refresh must be for the same sub as the token it replaces");
  }
  auth_->accept(std::move(t), shard_.shared().anonymous);
  auth_ack(req);
  drop_forbidden();
}

void ws_session::drop_forbidden() {
  if (subscriber_ == no_subscriber) return;
  const auto& registry = shard_.channels();
  const auto& index = shard_.subscriptions();
  client_request gone;
  gone.op = client_op::unsubscribe;
  for (auto bits = index.wildcards(subscriber_); bits != 0; bits &= bits - 1) {
    const auto& name = registry.wildcard(static_cast<wildcard_id>(std::countr_zero(bits))).name;
    if (!permitted(name)) gone.channels.push_back(name);
  }
  for (const auto id : index.channels(subscriber_)) {
    const auto& name = registry.info(id).name;
    if (!permitted(name)) gone.channels.push_back(name);
  }
  if (!gone.channels.empty()) handle_unsubscribe(gone);
}

// From the keepalive sweep (at most a second late): the notice before exp, the close after.
void ws_session::check_token(std::int64_t now_ms) {
  if (auth_->deadline_ms != 0 && now_ms >= auth_->deadline_ms) {
    auth_->deadline_ms = 0;
    bump(shard_.stats(), auth_failure::timeout);
    return close(auth_close::auth_timeout, "no auth within the handshake timeout");
  }
  if (!auth_->authenticated) return;
  const auto& options = shard_.shared().options.auth;
  const auto now = wall_ms();
  if (now >= auth_->expires_ms + options.leeway.count()) {
    bump(shard_.stats(), auth_failure::expired);
    return close(auth_close::token_expired, "token expired");
  }
  if (!auth_->notice_sent && now >= auth_->expires_ms - options.expiry_notice.count()) {
    auth_->notice_sent = true;
    std::string notice = R"({"type":"token_expiring","exp":)";
    json::append_int(notice, auth_->expires_ms / milli);
    json::append_key(notice, "expires_in_ms");
    json::append_int(notice, std::max<std::int64_t>(0, auth_->expires_ms - now));
    notice.push_back('}');
    push_owned(std::move(notice));
    flush();
  }
}

namespace {

std::string ack_text(const client_request& req) {
  std::string ack = R"({"type":"ack")";
  append_id(ack, req.id_json);
  json::append_key(ack, "op");
  json::append_string(ack, to_string(req.op));
  json::append_key(ack, "channels");
  ack.push_back('[');
  for (std::size_t i = 0; i < req.channels.size(); ++i) {
    if (i != 0) ack.push_back(',');
    json::append_string(ack, req.channels[i]);
  }
  ack.append("]}");
  return ack;
}

}  // namespace

void ws_session::handle_subscribe(const client_request& req) {
  if (subscriber_ == no_subscriber) return;  // finished: the shard has forgotten it
  const auto& registry = shard_.channels();
  auto& index = shard_.subscriptions();
  for (const auto& name : req.channels) {
    if (!permitted(name)) {
      bump(shard_.stats(), auth_failure::forbidden);
      return reply_error(
          req.id_json, "forbidden",
          (auth_->authenticated ? "the token does not allow '" : "a token is needed for '") +
              name.substr(0, 128) + "'");
    }
  }
  resolved_channels wanted;
  std::string unknown;
  if (!resolve_channels(registry, req.channels, wanted, unknown)) {
    return reply_error(req.id_json, "unknown_channel", "unknown channel '" + unknown + "'");
  }
  std::size_t added = 0;
  for (const auto w : wanted.wildcards) {
    if (!index.subscribed(subscriber_, w)) ++added;
  }
  for (const auto id : wanted.ids) {
    if (!index.subscribed(subscriber_, id)) ++added;
  }
  const std::size_t current = index.subscription_count(subscriber_);
  if (current + added > shard_.limits().max_subscriptions) {
    return reply_error(req.id_json, "too_many_subscriptions",
                       "at most " + std::to_string(shard_.limits().max_subscriptions) +
                           " subscriptions per connection");
  }
  if (req.format != data_format::native) {
    std::string why;
    if (!format_available(registry, wanted, req.format, why)) {
      return reply_error(req.id_json, "format_unavailable", why);
    }
  }
  // The request's format holds for every channel it names, from the next message on (a channel
  // already received gets no new snapshot, so one queued before this keeps its form).
  for (const auto id : wanted.ids) set_format(id, req.format);
  for (const auto w : wanted.wildcards) {
    for (const auto id : registry.wildcard(w).members) set_format(id, req.format);
  }
  // One allocation for the ack and the snapshots, not one per doubling: the queue is given back
  // after their write, and each size left behind would be a hole in a connect burst.
  std::size_t snapshots = wanted.ids.size();
  for (const auto w : wanted.wildcards) snapshots += registry.wildcard(w).members.size();
  queue_.reserve(queue_.size() + 2 + snapshots);
  push_owned(ack_text(req));
  if (shard_.upstream_lost()) push_owned(shard_.status_notice());

  // A snapshot for every channel this request starts delivering; none for channels the
  // client already receives (it would show an older seq after queued updates).
  for (const auto w : wanted.wildcards) {
    if (index.subscribed(subscriber_, w)) continue;
    for (const auto id : registry.wildcard(w).members) {
      if (!index.receives(subscriber_, id)) push_snapshot(id);
    }
    index.subscribe(subscriber_, w);
  }
  for (const auto id : wanted.ids) {
    if (index.receives(subscriber_, id)) {
      index.subscribe(subscriber_, id);  // no-op when already exact
      continue;
    }
    const auto point = std::find_if(req.since.begin(), req.since.end(), [&](const auto& p) {
      return p.channel == registry.info(id).name;
    });
    if (point == req.since.end()) {
      push_snapshot(id);
    } else {
      resume(id, *point);
    }
    index.subscribe(subscriber_, id);
  }
  if (req.throttle_ms >= 0) {
    for (const auto id : wanted.ids) set_throttle(id, req.throttle_ms);
    for (const auto w : wanted.wildcards) {
      for (const auto id : registry.wildcard(w).members) set_throttle(id, req.throttle_ms);
    }
  }
}

// What the client missed since `point`, from this shard's history: the updates after it, in
// order, and no snapshot; or, when that is not possible, a `reset` and a fresh snapshot.
void ws_session::resume(channel_id id, const resume_point& point) {
  const auto& latest = shard_.latest(id);
  std::string_view reason;
  if (!latest) {
    reason = "no_data";
  } else if (point.epoch != latest->epoch) {
    reason = "epoch_changed";
  } else if (point.seq > latest->seq) {
    reason = "ahead";
  } else if (point.seq == latest->seq) {
    return;  // nothing missed
  } else {
    // None kept when [node] resume_history = 0.
    if (const auto* history = shard_.history(id)) {
      // The history is contiguous unless an edge lost bus messages: check while collecting.
      auto it = std::find_if(history->begin(), history->end(),
                             [&](const update_ptr& u) { return u->seq == point.seq + 1; });
      std::uint64_t expect = point.seq + 1;
      bool whole = it != history->end();
      for (auto check = it; whole && check != history->end(); ++check, ++expect) {
        whole = (*check)->seq == expect;
      }
      if (whole && expect == latest->seq + 1) {
        for (; it != history->end(); ++it) enqueue_update(*it);
        return;
      }
    }
    reason = "history_gone";
  }
  std::string reset = R"({"type":"reset")";
  json::append_key(reset, "channel");
  json::append_string(reset, shard_.channels().info(id).name);
  json::append_key(reset, "epoch");
  if (latest && !latest->epoch.empty()) {
    json::append_string(reset, latest->epoch);
  } else {
    reset.append("null");
  }
  json::append_key(reset, "reason");
  json::append_string(reset, reason);
  reset.push_back('}');
  push_owned(std::move(reset));
  push_snapshot(id);
}

void ws_session::handle_unsubscribe(const client_request& req) {
  if (subscriber_ == no_subscriber) return;
  const auto& registry = shard_.channels();
  auto& index = shard_.subscriptions();
  resolved_channels gone;
  std::string unknown;
  if (!resolve_channels(registry, req.channels, gone, unknown)) {
    return reply_error(req.id_json, "unknown_channel", "unknown channel '" + unknown + "'");
  }
  for (const auto w : gone.wildcards) index.unsubscribe(subscriber_, w);
  for (const auto id : gone.ids) index.unsubscribe(subscriber_, id);
  if (options_) {
    std::erase_if(options_->entries, [&](const throttle& t) {
      const auto w = registry.wildcard_of(t.channel);
      return std::binary_search(gone.ids.begin(), gone.ids.end(), t.channel) ||
             (w != no_wildcard &&
              std::find(gone.wildcards.begin(), gone.wildcards.end(), w) != gone.wildcards.end());
    });
    std::erase_if(options_->ccxt, [&](channel_id c) { return !index.receives(subscriber_, c); });
  }
  // Drop queued updates the client no longer wants, so nothing arrives after the ack.
  std::erase_if(queue_, [&](const out_message& m) {
    if (m.what == kind::owned || index.receives(subscriber_, m.shared->channel)) return false;
    queued_bytes_ -= m.text().size();
    if (m.what == kind::update) --queued_updates_;
    return true;
  });
  push_owned(ack_text(req));
  if (shard_.upstream_lost()) push_owned(shard_.status_notice());
}

void ws_session::reply_error(const std::string& id_json, std::string_view code,
                             std::string_view message) {
  std::string e = R"({"type":"error")";
  append_id(e, id_json);
  json::append_key(e, "code");
  json::append_string(e, code);
  json::append_key(e, "message");
  json::append_string(e, message);
  e.push_back('}');
  push_owned(std::move(e));
}

void ws_session::push_owned(std::string text) {
  queued_bytes_ += text.size();
  queue_.push_back({nullptr, std::move(text), kind::owned});
  after_push();
}

void ws_session::notify(std::string text) {
  if (closing_) return;
  push_owned(std::move(text));
  flush();
}

void ws_session::push_snapshot(channel_id id) {
  const auto& latest = shard_.latest(id);
  const auto format = format_of(id);
  if (shard_.upstream_lost()) {
    // Owned text, but it shows `latest`'s state: an SSE event id needs its position.
    auto text = shard_.stale_snapshot_text(id, format);
    queued_bytes_ += text.size();
    queue_.push_back({latest, std::move(text), kind::owned});
    return after_push();
  }
  if (latest) {
    const auto& snapshot = shard_.snapshot(id);
    queued_bytes_ += shard_.text_of(*snapshot, format).size();  // the CCXT form made here
    queue_.push_back({snapshot, {}, kind::snapshot, format});
    return after_push();
  }
  push_owned(shard_.snapshot_text(id));
}

bool ws_session::offer_update(const update_ptr& u, bool straight) {
  if (closing_) return false;
  if (options_ && !options_->entries.empty()) {
    auto& entries = options_->entries;
    const auto t = std::find_if(entries.begin(), entries.end(),
                                [&](const throttle& x) { return x.channel == u->channel; });
    if (t != entries.end()) {
      const auto now = mono_ms();
      if (!u->conflatable) {
        // Final (a closed candle): never held back or replaced. What was held goes first,
        // keeping the channel's order.
        if (t->pending) push_update(std::exchange(t->pending, nullptr));
        t->sent_at_ms = now;
        push_update(u);
        return false;
      }
      if (t->pending || now - t->sent_at_ms < t->interval_ms) {
        t->pending = u;  // latest wins; sent when the interval is over
        arm_throttle();
        return false;
      }
      t->sent_at_ms = now;
    }
  }
  if (straight && writes_straight()) return true;
  push_update(u);
  return false;
}

// Nothing before a new message: no queue, no unsent bytes, no write waiting. A plain WebSocket
// only (TLS frames into out_ for OpenSSL; SSE frames each event around its own prefix).
bool ws_session::writes_straight() const noexcept {
  return !writing_ && !finished_ && !closing_ && tls_ == nullptr && sse_ == nullptr &&
         queue_.empty() && out_.empty();
}

void ws_session::write_updates(std::span<const update_ptr> batch, std::uint64_t bits) {
  const auto each = [&](auto&& f) {
    for (auto b = bits; b != 0; b &= b - 1) f(batch[static_cast<std::size_t>(std::countr_zero(b))]);
  };
  const auto count = static_cast<std::size_t>(std::popcount(bits));
  std::size_t payload = count - 1;  // the separators
  each([&](const update_ptr& u) { payload += written_text(*u).size(); });
  // Through the queue instead, in order: a close for a slow client may end the session (and
  // the shard's reference) on the way, hence the one held here.
  const auto queue_all = [&] {
    const auto self = shared_from_this();
    each([&](const update_ptr& u) {
      if (!closing_) push_update(u);
    });
    flush();
  };
  // What the queue would do with these (conflate, or close a slow client) it still does.
  const auto& limits = shard_.limits();
  if (!writes_straight() || count > limits.conflate_after_messages ||
      payload > limits.max_queued_bytes) {
    return queue_all();
  }
  static constexpr char separator = message_separator;
  std::array<iovec, 1 + 2 * 64> iov;  // NOLINT(cppcoreguidelines-pro-type-member-init): as below
  std::array<char, ws::max_frame_header_bytes>
      header;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::size_t used = 0;
  iov[used++] = {header.data(), ws::server_frame_header(ws::opcode::text, payload, header.data())};
  const std::size_t total = iov[0].iov_len + payload;
  each([&](const update_ptr& u) {
    if (used != 1) iov[used++] = {const_cast<char*>(&separator), 1};
    const auto text = written_text(*u);
    iov[used++] = {const_cast<char*>(text.data()), text.size()};
  });
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = used;
  ssize_t n = -1;
  do {
    n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return fail(beast::error_code(errno, boost::system::system_category()), "write");
    }
    return queue_all();  // the kernel took nothing: conflation reaches them while it is slow
  }
  const auto sent = static_cast<std::size_t>(n);
  bump(shard_.stats().bytes_sent, sent);
  bump(shard_.stats().messages_sent, count);
  if (sent == total) return;
  pushed_since_sweep_ = true;
  keep_unsent(iov.data(), used, sent);  // part of the frame: the rest goes before anything else
  wait_writable();
}

void ws_session::push_update(const update_ptr& u) {
  // This batch's updates marked to go straight are older than `u`: they are queued first.
  if (const auto bits = shard_.take_straight(subscriber_); bits != 0) {
    const auto batch = shard_.delivering();
    for (auto b = bits; b != 0; b &= b - 1) {
      push_update(batch[static_cast<std::size_t>(std::countr_zero(b))]);
    }
  }
  const auto format = format_of(u->channel);
  queued_bytes_ += shard_.text_of(*u, format).size();  // the CCXT form made on first use
  queue_.push_back({u, {}, kind::update, format});
  ++queued_updates_;
  if (queued_updates_ > shard_.limits().conflate_after_messages) conflate();
  after_push();
}

ws_session::channel_options& ws_session::options() {
  if (!options_) options_ = std::make_unique<channel_options>(socket_.get_executor());
  return *options_;
}

// The one place a client's choice of text is kept: which form of `id`'s data it reads.
data_format ws_session::format_of(channel_id id) const noexcept {
  if (!options_ || options_->ccxt.empty()) return data_format::native;
  return std::binary_search(options_->ccxt.begin(), options_->ccxt.end(), id) ? data_format::ccxt
                                                                              : data_format::native;
}

void ws_session::set_format(channel_id id, data_format format) {
  if (format == data_format::native && !options_) return;  // the common case: nothing to keep
  auto& ccxt = options().ccxt;
  const auto at = std::lower_bound(ccxt.begin(), ccxt.end(), id);
  const bool listed = at != ccxt.end() && *at == id;
  if (format == data_format::ccxt && !listed) ccxt.insert(at, id);
  if (format == data_format::native && listed) ccxt.erase(at);
}

void ws_session::set_throttle(channel_id id, std::int32_t ms) {
  if (!options_ && ms <= 0) return;
  auto& entries = options().entries;
  const auto t = std::find_if(entries.begin(), entries.end(),
                              [&](const throttle& x) { return x.channel == id; });
  if (ms <= 0) {
    if (t == entries.end()) return;
    if (t->pending) push_update(t->pending);  // nothing held back is lost
    entries.erase(t);
    return;
  }
  if (t != entries.end()) {
    t->interval_ms = ms;
  } else {
    entries.push_back({id, ms, mono_ms(), nullptr});  // the snapshot just sent counts
  }
}

void ws_session::arm_throttle() {
  std::int64_t due = 0;
  for (const auto& t : options_->entries) {
    if (t.pending && (due == 0 || t.sent_at_ms + t.interval_ms < due)) {
      due = t.sent_at_ms + t.interval_ms;
    }
  }
  if (due == 0 || (options_->due_ms != 0 && options_->due_ms <= due)) return;
  options_->due_ms = due;
  options_->timer.expires_after(
      std::chrono::milliseconds(std::max<std::int64_t>(0, due - mono_ms())));
  options_->timer.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->finished_) return;
    self->on_throttle_timer();
  });
}

void ws_session::on_throttle_timer() {
  options_->due_ms = 0;
  if (closing_) return;
  const auto now = mono_ms();
  for (auto& t : options_->entries) {
    if (t.pending && now - t.sent_at_ms >= t.interval_ms) {
      t.sent_at_ms = now;
      push_update(t.pending);
      t.pending.reset();
    }
  }
  flush();
  arm_throttle();
}

void ws_session::after_push() {
  pushed_since_sweep_ = true;
  if (queued_bytes_ > shard_.limits().max_queued_bytes) {
    queue_.clear();
    queued_bytes_ = 0;
    queued_updates_ = 0;
    bump(shard_.stats().slow_closes);
    close(ws::close_code::try_again_later, "client too slow");
  }
}

// Ticker data is last-value data: a client that falls behind gets the newest update per
// channel, and a notice saying how many it missed. Final updates (closed candles) stay.
void ws_session::conflate() {
  auto& seen = shard_.conflation_scratch();
  std::size_t dropped = 0;
  // Newest first, so the update kept per channel is the latest one.
  for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {  // NOLINT(modernize-loop-convert)
    if (it->what != kind::update || !it->shared->conflatable) continue;
    if (seen[it->shared->channel]) {
      it->what = kind::owned;  // marked for removal below
      it->shared.reset();
      ++dropped;
    } else {
      seen[it->shared->channel] = true;
    }
  }
  std::erase_if(queue_, [](const out_message& m) {
    return m.what == kind::owned && m.shared == nullptr && m.owned.empty();
  });
  queued_bytes_ = 0;
  queued_updates_ = 0;
  for (const auto& m : queue_) {
    queued_bytes_ += m.text().size();
    if (m.what == kind::update) {
      ++queued_updates_;
      seen[m.shared->channel] = false;
    }
  }
  if (dropped == 0) return;
  bump(shard_.stats().conflations);
  bump(shard_.stats().conflated_dropped, dropped);
  std::string notice = R"({"type":"conflated","dropped":)";
  json::append_int(notice, static_cast<std::int64_t>(dropped));
  notice.push_back('}');
  queued_bytes_ += notice.size();
  queue_.insert(queue_.begin(), out_message{nullptr, std::move(notice), kind::owned});
}

void ws_session::flush() {
  if (!writing_ && !finished_) write_pending();
}

void ws_session::recount() {
  queued_bytes_ = 0;
  queued_updates_ = 0;
  for (const auto& m : queue_) {
    queued_bytes_ += m.text().size();
    if (m.what == kind::update) ++queued_updates_;
  }
}

// Hands the kernel what is pending: out_ first, then the queued messages as one text frame,
// in one sendmsg, and again while it takes everything. What it leaves of a frame moves to
// out_ (a copy, only when the client is slow); messages not yet in a frame stay queued, where
// conflation still reaches them.
void ws_session::write_pending() {
  if (tls_) return write_pending_tls();
  // Left uninitialised: every entry used is written first, and zeroing 12 KiB per write was
  // 1.5 % of the shard's time at 500k deliveries/s (perf, bench/RESULTS.md "Floor").
  std::array<iovec, 1 + 3 * max_messages_per_write>
      iov;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::array<char, ws::max_frame_header_bytes>
      header;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  for (;;) {
    std::size_t count = 0;
    std::size_t total = 0;
    if (!out_.empty()) {
      iov[count++] = {out_.data(), out_.size()};
      total += out_.size();
    }
    std::size_t taken = 0;
    std::size_t frame_bytes = 0;
    if (!closing_ && !queue_.empty()) {
      std::size_t payload = 0;
      for (; taken < queue_.size() && taken < max_messages_per_write &&
             (taken == 0 || payload < max_write_bytes);
           ++taken) {
        payload += queue_[taken].text().size() + (taken != 0 ? 1 : 0);
      }
      const std::size_t first = count;
      count += sse_ ? frame_sse(taken, &iov[count])
                    : frame_websocket(taken, payload, header.data(), &iov[count]);
      for (std::size_t i = first; i < count; ++i) frame_bytes += iov[i].iov_len;
      total += frame_bytes;
    }
    if (count == 0) break;

    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    const auto n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return wait_writable();
      return fail(beast::error_code(errno, boost::system::system_category()), "write");
    }
    auto sent = static_cast<std::size_t>(n);
    if (sse_ && n > 0) sse_->last_sent_ms = mono_ms();
    bump(shard_.stats().bytes_sent, sent);
    const std::size_t frame_first = out_.empty() ? 0 : 1;  // the frame's first iovec
    const std::size_t from_out = std::min(sent, out_.size());
    out_.erase(0, from_out);
    sent -= from_out;
    if (taken != 0 && sent != 0) {
      if (sent < frame_bytes) {
        // The kernel took part of the frame: keep the rest, in order, before anything else.
        keep_unsent(&iov[frame_first], count - frame_first, sent);
      }
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
      bump(shard_.stats().messages_sent, taken);
      recount();
      if (sse_) sse_->commit();  // the events are the client's now, sent or in out_
    }
    if (static_cast<std::size_t>(n) < total) return wait_writable();
  }
  // Give back what a burst or a slow client grew; keep the small buffers every delivery reuses
  // (freeing them here would cost an allocation per update per client).
  if (out_.empty() && out_.capacity() > max_kept_out_bytes) std::string().swap(out_);
  if (queue_.empty() && queue_.capacity() > max_kept_queue_entries) {
    std::vector<out_message>().swap(queue_);
  }
  maybe_shut_down();
}

// Appends to out_ what is left of `iov` after its first `skip` bytes.
void ws_session::keep_unsent(const iovec* iov, std::size_t count, std::size_t skip) {
  std::size_t rest = 0;
  for (std::size_t i = 0; i < count; ++i) rest += iov[i].iov_len;
  out_.reserve(out_.size() + rest - skip);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view piece(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    if (skip >= piece.size()) {
      skip -= piece.size();
      continue;
    }
    out_.append(piece.substr(skip));
    skip = 0;
  }
}

// TLS: the queue becomes one frame at the end of out_, and out_ goes to OpenSSL whole. After
// want_write out_ is offered again from the same first byte (only ever appended to meanwhile),
// as OpenSSL requires; messages queued meanwhile wait in queue_, where conflation reaches them.
void ws_session::write_pending_tls() {
  for (;;) {
    if (!closing_ && !queue_.empty()) bump(shard_.stats().messages_sent, queue_.size());
    frame_queued();
    if (out_.empty()) break;
    const auto r = tls_write(tls_.get(), out_.data(), out_.size());
    switch (r.status) {
      case tls_status::ok:
        out_.erase(0, r.bytes);
        bump(shard_.stats().bytes_sent, r.bytes);  // before encryption: what the client reads
        if (sse_ && r.bytes != 0) sse_->last_sent_ms = mono_ms();
        continue;
      case tls_status::want_write:
        return wait_writable();
      case tls_status::closed:
        return finish();
      case tls_status::want_read:  // renegotiation, which the context refuses
      case tls_status::error:
        if (!r.reason.empty()) log()->debug("client {}: TLS: {}", address_, r.reason);
        return fail(r.ec ? r.ec : beast::error_code(EPROTO, boost::system::system_category()),
                    "write");
    }
  }
  // Every write passes through out_ here: keep a record's worth rather than reallocate.
  if (out_.capacity() > max_kept_tls_out_bytes) std::string().swap(out_);
  if (queue_.empty() && queue_.capacity() > max_kept_queue_entries) {
    std::vector<out_message>().swap(queue_);
  }
  maybe_shut_down();
}

// One text frame of `taken` queued messages, "\n"-separated: its header (into `header`), then
// the shared texts. Returns the iovecs used.
std::size_t ws_session::frame_websocket(std::size_t taken, std::size_t payload, char* header,
                                        iovec* iov) {
  static constexpr char separator = message_separator;
  std::size_t count = 0;
  iov[count++] = {header, ws::server_frame_header(ws::opcode::text, payload, header)};
  for (std::size_t i = 0; i < taken; ++i) {
    if (i != 0) iov[count++] = {const_cast<char*>(&separator), 1};
    const auto text = queue_[i].text();
    iov[count++] = {const_cast<char*>(text.data()), text.size()};
  }
  return count;
}

// One event per queued message: its `id:`/`data:` prefix, the shared text, the blank line.
std::size_t ws_session::frame_sse(std::size_t taken, iovec* iov) {
  std::array<std::size_t, max_messages_per_write> ends{};
  sse_->begin();
  for (std::size_t i = 0; i < taken; ++i) ends[i] = sse_->prefix(queue_[i].shared.get());
  // Only now: the scratch buffer has stopped growing (moving).
  const char* scratch = sse_->scratch();
  std::size_t count = 0;
  for (std::size_t i = 0; i < taken; ++i) {
    const std::size_t start = i == 0 ? 0 : ends[i - 1];
    iov[count++] = {const_cast<char*>(scratch + start), ends[i] - start};
    const auto text = queue_[i].text();
    iov[count++] = {const_cast<char*>(text.data()), text.size()};
    iov[count++] = {const_cast<char*>(sse_stream::event_end.data()), sse_stream::event_end.size()};
  }
  return count;
}

void ws_session::wait_writable() {
  writing_ = true;
  socket_.async_wait(net::socket_base::wait_write,
                     [self = shared_from_this()](beast::error_code ec) {
                       self->writing_ = false;
                       if (self->finished_) return;
                       if (ec) return self->fail(ec, "write");
                       self->write_pending();
                     });
}

// Once both close frames are through, the send side is shut and the client's FIN awaited
// (the server closes TCP first, RFC 6455 7.1.1). After a protocol error, the client's close
// is not waited for: its frames can no longer be read.
void ws_session::maybe_shut_down() {
  if (!closing_ || draining_ || writing_ || finished_ || !out_.empty()) return;
  // An SSE stream has no closing handshake: its close event is the last word.
  if (!peer_closed_ && !reader_.failed() && !sse_) return;
  draining_ = true;
  if (tls_) tls_close_notify(tls_.get());
  beast::error_code ec;
  socket_.shutdown(net::socket_base::shutdown_send, ec);
  if (ec) finish();
}

// Moves the queued messages into out_ as one text frame, ahead of anything appended later.
// The queue is bounded by max_queued_bytes, so is this copy.
void ws_session::frame_queued() {
  if (closing_ || queue_.empty()) return;
  if (sse_) return frame_queued_sse();
  std::size_t payload = queue_.size() - 1;  // the separators
  for (const auto& m : queue_) payload += m.text().size();
  std::array<char, ws::max_frame_header_bytes> header{};
  out_.append(header.data(), ws::server_frame_header(ws::opcode::text, payload, header.data()));
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    if (i != 0) out_.push_back(message_separator);
    out_.append(queue_[i].text());
  }
  queue_.clear();
  recount();
}

// The SSE form of frame_queued: the same events write_pending gathers, copied into out_.
void ws_session::frame_queued_sse() {
  std::array<iovec, 3 * max_messages_per_write>
      iov;  // NOLINT(cppcoreguidelines-pro-type-member-init): as above
  while (!queue_.empty()) {
    const std::size_t taken = std::min(queue_.size(), max_messages_per_write);
    const std::size_t count = frame_sse(taken, iov.data());
    for (std::size_t i = 0; i < count; ++i) {
      out_.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
    sse_->commit();
  }
  recount();
}

void ws_session::close(std::uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  closing_at_ms_ = mono_ms();
  queue_.clear();
  recount();
  if (options_) options_->entries.clear();
  out_.append(sse_ ? sse_stream::close_event(code, reason) : ws::server_close_frame(code, reason));
  flush();
}

void ws_session::keepalive(std::int64_t now_ms) {
  if (finished_) return;
  const auto& limits = shard_.limits();
  if (closing_) {
    if (now_ms - closing_at_ms_ >= limits.handshake_timeout.count()) finish();
    return;
  }
  release_idle_buffers();
  if (sse_) return keepalive_sse(now_ms);
  const auto idle = limits.idle_timeout.count();
  if (now_ms - last_read_ms_ >= idle) {
    log()->debug("client {}: nothing received for {} ms", address_, idle);
    bump(shard_.stats().idle_closes);
    return finish();
  }
  if (auth_ != nullptr) {
    check_token(now_ms);
    if (closing_ || finished_) return;
  }
  if (ping_sent_ms_ == 0 && now_ms - last_read_ms_ >= idle / 2) {
    ping_sent_ms_ = now_ms;
    out_.append(ws::server_control_frame(ws::opcode::ping, {}));
    flush();
  }
}

// A client that was sent nothing since the last sweep gives back the queue and out_ capacity
// a burst (its snapshots, the 101) left: most connections are idle most of the time, and these
// were most of an idle connection's memory. A busy client keeps them (pushed_since_sweep_), so
// this costs it at most one regrowth per sweep, not one per delivery.
void ws_session::release_idle_buffers() {
  const bool quiet = !pushed_since_sweep_;
  pushed_since_sweep_ = false;
  if (!quiet || writing_ || !queue_.empty() || !out_.empty()) return;
  if (queue_.capacity() == 0 && out_.capacity() <= std::string().capacity()) return;
  std::vector<out_message>().swap(queue_);
  std::string().swap(out_);
  shard_.note_buffers_released();
}

// An SSE client never speaks, so idle means the other way round: a stream that has sent
// nothing for half the idle timeout sends a comment (proxies keep it open), and a client that
// has taken nothing for all of it while bytes wait is dropped.
void ws_session::keepalive_sse(std::int64_t now_ms) {
  if (auth_ != nullptr) {
    check_token(now_ms);  // `token_expiring`, then the close event (4001) at expiry
    if (closing_ || finished_) return;
  }
  const auto idle = shard_.limits().idle_timeout.count();
  const auto quiet = now_ms - sse_->last_sent_ms;
  if (writing_) {
    if (quiet < idle) return;
    log()->debug("client {}: took nothing for {} ms", address_, idle);
    bump(shard_.stats().idle_closes);
    return finish();
  }
  if (quiet >= idle / 2 && out_.empty() && queue_.empty()) {
    out_.append(sse_stream::heartbeat);
    flush();
  }
}

void ws_session::fail(beast::error_code ec, const char* what) {
  if (ec != net::error::operation_aborted && ec != net::error::eof &&
      ec != net::error::connection_reset && ec != net::error::broken_pipe) {
    log()->debug("client {}: {}: {}", address_, what, ec.message());
  }
  finish();
}

void ws_session::finish() {
  if (finished_) return;
  finished_ = true;
  if (options_) options_->timer.cancel();
  beast::error_code ec;
  socket_.close(ec);  // ends the pending waits
  queue_.clear();
  shard_.forget(this);
}

}  // namespace tickerd
