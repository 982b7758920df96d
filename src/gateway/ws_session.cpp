#include "gateway/ws_session.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>

#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace websocket = beast::websocket;

namespace {

constexpr std::size_t idle_read_buffer_bytes = 4096;  // release bigger read buffers when idle
constexpr std::size_t max_write_bytes = 1u << 20;     // per gathered frame
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

ws_session::ws_session(shard& owner, beast::tcp_stream&& stream, std::string address)
    : shard_(owner), ws_(std::move(stream)), address_(std::move(address)), counted_(true) {}

ws_session::~ws_session() {
  if (counted_) shard_.shared().limiter.release(address_);
}

void ws_session::run(http_request req) {
  const auto& limits = shard_.limits();
  // Beast pings an idle client and closes it if nothing comes back within the idle timeout.
  ws_.set_option(
      websocket::stream_base::timeout{limits.handshake_timeout, limits.idle_timeout, true});
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "tickerd/" TICKERD_VERSION);
  }));
  ws_.read_message_max(limits.max_message_bytes);
  ws_.auto_fragment(false);
  ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) return fail(ec, "accept");
  shard_.adopt(shared_from_this());
  tokens_ = static_cast<std::int64_t>(shard_.limits().max_requests_per_second) * milli;
  refilled_at_ms_ = mono_ms();
  if (shard_.stopping()) return close(websocket::close_code::going_away, "server shutting down");
  do_read();
}

void ws_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) return fail(ec, "read");
  if (!closing_) {
    if (!ws_.got_text()) {
      if (within_rate_limit()) {
        reply_error({}, "binary_not_supported", "send JSON requests in text frames");
      }
    } else {
      const auto data = buffer_.cdata();
      handle_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    flush();
  }
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > idle_read_buffer_bytes) buffer_.shrink_to_fit();
  do_read();
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
    close(websocket::close_code::policy_error, "request rate limit exceeded");
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
  switch (req.op) {
    case client_op::ping: {
      std::string pong = R"({"type":"pong")";
      append_id(pong, req.id_json);
      json::append_key(pong, "ts");
      json::append_int(pong, wall_ms());
      pong.push_back('}');
      return push_owned(std::move(pong));
    }
    case client_op::subscribe:
      return handle_subscribe(req);
    case client_op::unsubscribe:
      return handle_unsubscribe(req);
  }
}

namespace {

// Resolves every name or reports the first unknown one. `wildcard` is set for "ticker.*".
bool resolve(const channel_registry& registry, const std::vector<std::string>& names,
             std::vector<channel_id>& ids, bool& wildcard, std::string& unknown) {
  for (const auto& name : names) {
    if (name == channel_registry::ticker_wildcard) {
      wildcard = true;
      continue;
    }
    const auto id = registry.find(name);
    if (!id) {
      unknown = name.substr(0, 128);
      return false;
    }
    ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return true;
}

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
  const auto& registry = shard_.channels();
  std::vector<channel_id> ids;
  bool wildcard = false;
  std::string unknown;
  if (!resolve(registry, req.channels, ids, wildcard, unknown)) {
    return reply_error(req.id_json, "unknown_channel", "unknown channel '" + unknown + "'");
  }
  std::size_t added = (wildcard && !ticker_wildcard) ? 1 : 0;
  for (const auto id : ids) {
    if (!std::binary_search(channels_.begin(), channels_.end(), id)) ++added;
  }
  const std::size_t current = channels_.size() + (ticker_wildcard ? 1 : 0);
  if (current + added > shard_.limits().max_subscriptions) {
    return reply_error(req.id_json, "too_many_subscriptions",
                       "at most " + std::to_string(shard_.limits().max_subscriptions) +
                           " subscriptions per connection");
  }
  push_owned(ack_text(req));

  // A snapshot for every channel this request starts delivering; none for channels the
  // client already receives (it would show an older seq after queued updates).
  const auto receiving = [&](channel_id id) {
    return std::binary_search(channels_.begin(), channels_.end(), id) ||
           (ticker_wildcard && registry.info(id).kind == channel_kind::ticker);
  };
  if (wildcard && !ticker_wildcard) {
    for (const auto id : registry.tickers()) {
      if (!receiving(id)) push_snapshot(id);
    }
    shard_.set_ticker_wildcard(*this, true);
  }
  for (const auto id : ids) {
    if (receiving(id)) {
      if (!std::binary_search(channels_.begin(), channels_.end(), id)) shard_.subscribe(*this, id);
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
    shard_.subscribe(*this, id);
  }
  if (req.throttle_ms >= 0) {
    for (const auto id : ids) set_throttle(id, req.throttle_ms);
    if (wildcard) {
      for (const auto id : registry.tickers()) set_throttle(id, req.throttle_ms);
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
    const auto& history = shard_.history(id);
    // The history is contiguous unless an edge lost bus messages: check while collecting.
    auto it = std::find_if(history.begin(), history.end(),
                           [&](const update_ptr& u) { return u->seq == point.seq + 1; });
    std::uint64_t expect = point.seq + 1;
    bool whole = it != history.end();
    for (auto check = it; whole && check != history.end(); ++check, ++expect) {
      whole = (*check)->seq == expect;
    }
    if (whole && expect == latest->seq + 1) {
      for (; it != history.end(); ++it) enqueue_update(*it);
      return;
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
  const auto& registry = shard_.channels();
  std::vector<channel_id> ids;
  bool wildcard = false;
  std::string unknown;
  if (!resolve(registry, req.channels, ids, wildcard, unknown)) {
    return reply_error(req.id_json, "unknown_channel", "unknown channel '" + unknown + "'");
  }
  if (wildcard) shard_.set_ticker_wildcard(*this, false);
  for (const auto id : ids) shard_.unsubscribe(*this, id);
  std::erase_if(throttles_, [&](const throttle& t) {
    return std::binary_search(ids.begin(), ids.end(), t.channel) ||
           (wildcard && registry.info(t.channel).kind == channel_kind::ticker);
  });
  // Drop queued updates the client no longer wants, so nothing arrives after the ack.
  const auto wanted = [&](channel_id id) {
    return std::binary_search(channels_.begin(), channels_.end(), id) ||
           (ticker_wildcard && registry.info(id).kind == channel_kind::ticker);
  };
  std::erase_if(queue_, [&](const out_message& m) {
    if (m.what == kind::owned || wanted(m.shared->channel)) return false;
    queued_bytes_ -= m.text().size();
    if (m.what == kind::update) --queued_updates_;
    return true;
  });
  push_owned(ack_text(req));
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

void ws_session::push_snapshot(channel_id id) {
  if (const auto& latest = shard_.latest(id)) {
    queued_bytes_ += latest->snapshot_text.size();
    queue_.push_back({latest, {}, kind::snapshot});
    return after_push();
  }
  push_owned(shard_.snapshot_text(id));
}

void ws_session::enqueue_update(const update_ptr& u) {
  if (closing_) return;
  if (!throttles_.empty()) {
    const auto t = std::find_if(throttles_.begin(), throttles_.end(),
                                [&](const throttle& x) { return x.channel == u->channel; });
    if (t != throttles_.end()) {
      const auto now = mono_ms();
      if (t->pending || now - t->sent_at_ms < t->interval_ms) {
        t->pending = u;  // latest wins; sent when the interval is over
        return arm_throttle();
      }
      t->sent_at_ms = now;
    }
  }
  push_update(u);
}

void ws_session::push_update(const update_ptr& u) {
  queued_bytes_ += u->update_text.size();
  ++queued_updates_;
  queue_.push_back({u, {}, kind::update});
  if (queued_updates_ > shard_.limits().conflate_after_messages) conflate();
  after_push();
}

void ws_session::set_throttle(channel_id id, std::int32_t ms) {
  const auto t = std::find_if(throttles_.begin(), throttles_.end(),
                              [&](const throttle& x) { return x.channel == id; });
  if (ms <= 0) {
    if (t == throttles_.end()) return;
    if (t->pending) push_update(t->pending);  // nothing held back is lost
    throttles_.erase(t);
    return;
  }
  if (t != throttles_.end()) {
    t->interval_ms = ms;
  } else {
    throttles_.push_back({id, ms, mono_ms(), nullptr});  // the snapshot just sent counts
  }
}

void ws_session::arm_throttle() {
  std::int64_t due = 0;
  for (const auto& t : throttles_) {
    if (t.pending && (due == 0 || t.sent_at_ms + t.interval_ms < due)) {
      due = t.sent_at_ms + t.interval_ms;
    }
  }
  if (due == 0 || (throttle_due_ms_ != 0 && throttle_due_ms_ <= due)) return;
  if (!throttle_timer_) throttle_timer_ = std::make_unique<net::steady_timer>(ws_.get_executor());
  throttle_due_ms_ = due;
  throttle_timer_->expires_after(
      std::chrono::milliseconds(std::max<std::int64_t>(0, due - mono_ms())));
  throttle_timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->finished_) return;
    self->on_throttle_timer();
  });
}

void ws_session::on_throttle_timer() {
  throttle_due_ms_ = 0;
  if (closing_) return;
  const auto now = mono_ms();
  for (auto& t : throttles_) {
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
  if (queued_bytes_ > shard_.limits().max_queued_bytes) {
    queue_.clear();
    queued_bytes_ = 0;
    queued_updates_ = 0;
    close(websocket::close_code::try_again_later, "client too slow");
  }
}

// Ticker data is last-value data: a client that falls behind gets the newest update per
// channel, and a notice saying how many it missed.
void ws_session::conflate() {
  auto& seen = shard_.conflation_scratch();
  std::size_t dropped = 0;
  for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
    if (it->what != kind::update) continue;
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
  conflated_ += dropped;
  std::string notice = R"({"type":"conflated","dropped":)";
  json::append_int(notice, static_cast<std::int64_t>(dropped));
  notice.push_back('}');
  queued_bytes_ += notice.size();
  queue_.insert(queue_.begin(), out_message{nullptr, std::move(notice), kind::owned});
}

void ws_session::flush() {
  if (!writing_ && !closing_ && !queue_.empty()) do_write();
}

void ws_session::do_write() {
  static constexpr char separator[] = {message_separator};
  inflight_.clear();
  buffers_.clear();
  // Everything pending goes out in one frame, up to max_write_bytes.
  std::size_t bytes = 0;
  std::size_t taken = 0;
  for (; taken < queue_.size() && (taken == 0 || bytes < max_write_bytes); ++taken) {
    bytes += queue_[taken].text().size();
  }
  if (taken == queue_.size()) {
    inflight_.swap(queue_);
  } else {
    inflight_.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(taken)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(taken));
  }
  queued_bytes_ = 0;
  queued_updates_ = 0;
  for (const auto& m : queue_) {
    queued_bytes_ += m.text().size();
    if (m.what == kind::update) ++queued_updates_;
  }
  for (std::size_t i = 0; i < inflight_.size(); ++i) {
    if (i != 0) buffers_.emplace_back(separator, sizeof separator);
    const auto text = inflight_[i].text();
    buffers_.emplace_back(text.data(), text.size());
  }
  writing_ = true;
  ws_.text(true);
  ws_.async_write(buffers_, beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::on_write(beast::error_code ec, std::size_t /*bytes*/) {
  writing_ = false;
  inflight_.clear();
  if (ec) return fail(ec, "write");
  flush();
}

void ws_session::close(websocket::close_code code, std::string_view reason) {
  if (closing_) return;
  closing_ = true;
  ws_.async_close(websocket::close_reason(code, reason),
                  [self = shared_from_this()](beast::error_code) {
                    // The pending read completes with `closed` and ends the session.
                  });
}

void ws_session::fail(beast::error_code ec, const char* what) {
  if (ec != net::error::operation_aborted && ec != websocket::error::closed &&
      ec != beast::error::timeout && ec != net::error::eof) {
    log()->debug("client {}: {}: {}", address_, what, ec.message());
  }
  finish();
}

void ws_session::finish() {
  if (finished_) return;
  finished_ = true;
  if (throttle_timer_) throttle_timer_->cancel();
  shard_.forget(this);
}

}  // namespace tickerd
