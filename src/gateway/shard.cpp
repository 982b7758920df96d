#include "gateway/shard.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>

#include "gateway/book_request.hpp"
#include "gateway/error_body.hpp"
#include "gateway/history_query.hpp"
#include "gateway/http_session.hpp"
#include "gateway/query_params.hpp"
#include "gateway/tls_handshake.hpp"
#include "gateway/trades_page.hpp"
#include "gateway/ws_session.hpp"
#include "metrics/prometheus_text.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/core/url.hpp"
#include "tickerd/hub/history_depth.hpp"

namespace tickerd {
namespace {

constexpr auto stop_grace = std::chrono::seconds(2);
constexpr auto accept_retry = std::chrono::milliseconds(100);

using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = [] {
    auto l = spdlog::get("gateway");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

http_response json_reply(const http_request& req, http::status status, std::string body) {
  return shard::json_response(req.version(), req.keep_alive(), false, status, std::move(body));
}

}  // namespace

shard::shard(unsigned index, gateway_shared& shared)
    : index_(index),
      shared_(shared),
      stats_(*shared.stats.at(index)),
      ioc_(1),
      acceptor_(ioc_),
      retry_timer_(ioc_),
      grace_timer_(ioc_),
      keepalive_timer_(ioc_),
      limits_(std::make_shared<const limits_config>(shared.options.limits)),
      drain_timer_(ioc_),
      subscriptions_(*shared.options.channels),
      read_buffer_(std::make_unique_for_overwrite<char[]>(read_buffer_bytes)),
      ccxt_(*shared.options.channels) {
  const auto n = channels().size();
  latest_.resize(n);
  snapshots_.resize(n);
  history_.resize(n);
  scratch_.resize(n, false);
}

// Only allocation (the post) or a failing join can throw here; terminating is the right outcome.
shard::~shard() {  // NOLINT(bugprone-exception-escape)
  if (thread_.joinable()) {
    begin_stop();
    join();
  }
}

void shard::listen(const net::ip::tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  // Every shard listens on the same port; the kernel spreads new connections among them.
  acceptor_.set_option(reuse_port(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

std::uint16_t shard::port() const {
  return acceptor_.local_endpoint().port();
}

void shard::start() {
  do_accept();
  arm_keepalive();
  thread_ = std::thread([this] { ioc_.run(); });
}

void shard::deliver(update_batch batch) {
  queued_batches_.fetch_add(1, std::memory_order_relaxed);
  net::post(ioc_, [this, batch = std::move(batch)] {
    const bool more = queued_batches_.fetch_sub(1, std::memory_order_relaxed) > 1;
    on_deliver(*batch, more);
  });
}

void shard::begin_stop() {
  net::post(ioc_, [this] {
    if (stopping_) return;
    stopping_ = true;
    beast::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
    drain_timer_.cancel();
    on_drained_ = nullptr;
    grace_timer_.expires_after(stop_grace);
    grace_timer_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) ioc_.stop();  // clients that did not finish closing in time are dropped
    });
    close_all();
    maybe_finish_stop();
  });
}

void shard::begin_drain(std::chrono::milliseconds window, std::function<void()> on_empty) {
  net::post(ioc_, [this, window, on_empty = std::move(on_empty)]() mutable {
    if (stopping_ || draining_) return;
    draining_ = true;
    on_drained_ = std::move(on_empty);
    beast::error_code ec;
    acceptor_.close(ec);  // new connections are refused: the load balancer tries another node
    retry_timer_.cancel();
    drain_random_.seed(std::random_device{}() + index_);
    std::uniform_int_distribution<std::int64_t> pick(0, window.count());
    std::vector<std::pair<std::int64_t, std::shared_ptr<ws_session>>> plan;
    plan.reserve(sessions_.size());
    for (const auto& [raw, owner] : sessions_) plan.emplace_back(pick(drain_random_), owner);
    std::sort(plan.begin(), plan.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [after_ms, s] : plan) s->notify(reconnect_notice(after_ms));
    // Due times count from after every notice went out: no client is closed before its
    // after_ms has passed since its notice was sent.
    const auto sent = std::chrono::steady_clock::now();
    drain_order_.reserve(plan.size());
    for (const auto& [after_ms, s] : plan) {
      drain_order_.push_back({sent + std::chrono::milliseconds(after_ms), s});
    }
    log()->info("shard {}: draining {} client(s) over {} ms", index_, plan.size(), window.count());
    close_due_drains();
    maybe_report_drained();
  });
}

std::string shard::reconnect_notice(std::int64_t after_ms) {
  std::string out = R"({"type":"reconnect","after_ms":)";
  json::append_int(out, after_ms);
  out.append(R"(,"reason":"draining"})");
  return out;
}

// Closes every client whose time has come, then waits for the next one's.
void shard::close_due_drains() {
  const auto now = std::chrono::steady_clock::now();
  while (drain_next_ < drain_order_.size() && drain_order_[drain_next_].due <= now) {
    const auto s = drain_order_[drain_next_++].session.lock();
    if (s) s->close(ws::close_code::going_away, "draining");
  }
  if (drain_next_ == drain_order_.size()) {
    drain_order_ = {};
    return;
  }
  drain_timer_.expires_at(drain_order_[drain_next_].due);
  drain_timer_.async_wait([this](beast::error_code ec) {
    if (!ec && !stopping_) close_due_drains();
  });
}

void shard::maybe_report_drained() {
  if (!draining_ || !on_drained_ || !sessions_.empty()) return;
  const auto report = std::move(on_drained_);
  on_drained_ = nullptr;
  report();
}

void shard::set_limits(std::shared_ptr<const limits_config> limits) {
  net::post(ioc_, [this, limits = std::move(limits)]() mutable { limits_ = std::move(limits); });
}

bool shard::answered_probe() {
  if (!probe_answered_.load(std::memory_order_acquire)) return false;
  probe_answered_.store(false, std::memory_order_relaxed);
  net::post(ioc_, [this] { probe_answered_.store(true, std::memory_order_release); });
  return true;
}

void shard::set_health(node_health health) {
  net::post(ioc_, [this, health = std::move(health)]() mutable {
    const bool changed = health.upstream_lost != health_.upstream_lost;
    health_ = std::move(health);
    if (!changed) return;
    health_changed_us_ = wall_us();
    const std::string notice = status_notice();
    // Copies: a failed write may end a session, which edits the map.
    std::vector<std::shared_ptr<ws_session>> ws;
    ws.reserve(sessions_.size());
    for (const auto& [ptr, owner] : sessions_) ws.push_back(owner);
    for (const auto& s : ws) s->notify(notice);
  });
}

std::string shard::status_notice() const {
  std::string out = R"({"type":"status","stale":)";
  if (health_.upstream_lost.empty()) {
    out.append("false");
  } else {
    out.append(R"(true,"reason":)");
    json::append_string(out, health_.upstream_lost);
    out.append(R"(,"message":)");
    json::append_string(out, health_.upstream_message);
  }
  out.append(R"(,"since":)");
  json::append_int(out, health_changed_us_);
  out.push_back('}');
  return out;
}

std::string shard::stale_snapshot_text(channel_id id, data_format format) {
  // Every snapshot text starts {"type":"snapshot",... (hub/update.cpp).
  constexpr std::string_view head = R"({"type":"snapshot")";
  const std::string text = latest_[id] ? text_of(*snapshot(id), format) : snapshot_text(id);
  std::string out;
  out.reserve(text.size() + 16);
  out.append(head).append(R"(,"stale":true)").append(std::string_view(text).substr(head.size()));
  return out;
}

void shard::join() {
  if (thread_.joinable()) thread_.join();
}

void shard::close_all() {
  // Copies: closing may end sessions, which edits the sets.
  std::vector<std::shared_ptr<ws_session>> ws;
  ws.reserve(sessions_.size());
  for (const auto& [ptr, owner] : sessions_) ws.push_back(owner);
  for (const auto& s : ws) s->close(ws::close_code::going_away, "server shutting down");
  const std::vector<http_session*> plain(http_sessions_.begin(), http_sessions_.end());
  for (auto* s : plain) s->close();
  const std::vector<tls_handshake*> hellos(handshakes_.begin(), handshakes_.end());
  for (auto* h : hellos) h->close();
}

void shard::maybe_finish_stop() {
  if (stopping_ && sessions_.empty() && http_sessions_.empty() && handshakes_.empty()) {
    grace_timer_.cancel();
    keepalive_timer_.cancel();
  }
}

// One timer for every session's keepalive: a tick of a quarter of the idle timeout (at most a
// second) bounds how late a ping or a drop comes, for a few nanoseconds per session per tick.
void shard::arm_keepalive() {
  const auto idle = limits().idle_timeout;
  const auto tick = std::clamp<std::chrono::milliseconds>(idle / 4, std::chrono::milliseconds(25),
                                                          std::chrono::milliseconds(1000));
  keepalive_timer_.expires_after(tick);
  keepalive_timer_.async_wait([this](beast::error_code ec) {
    if (ec) return;
    const auto now = mono_ms();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      auto* s = (it++)->first;  // keepalive() may end the session, erasing its entry
      s->keepalive(now);
    }
    sample_stats();
    trim_after_burst();
    if (!(stopping_ && sessions_.empty())) arm_keepalive();
  });
}

// A burst of connects leaves the memory of its handshakes (HTTP parsers, buffers) free but
// spread between the sessions that stay, and so does a burst of messages to many idle clients
// (their snapshots, a status notice) once the sweep takes their queues back; the process keeps
// it all resident. After such a burst (at least trim_burst_sessions connects or closes, once the
// count held still for a sweep, or as many sessions giving buffers back in one sweep),
// malloc_trim hands the whole free pages back, so an idle connection costs what it holds
// (bench/RESULTS.md, "Floor"). Rare by construction, and never on the delivery path.
void shard::trim_after_burst() {
  constexpr std::size_t trim_burst_sessions = 1024;
  constexpr std::int64_t trim_interval_ms = 10'000;
  const std::size_t now = sessions_.size();
  const std::size_t last = std::exchange(sessions_at_sweep_, now);
  const std::size_t released = std::exchange(released_in_sweep_, 0);
  const auto moved = [](std::size_t a, std::size_t b) { return a > b ? a - b : b - a; };
  const bool connects_settled =
      moved(now, sessions_at_trim_) >= trim_burst_sessions && moved(now, last) <= now / 100;
  if (!connects_settled && released < trim_burst_sessions) return;
  // A trim walks the free lists (a millisecond or two with 20,000 clients): at most one per
  // trim_interval, so a server that bursts every second does not pay it every second.
  const auto now_ms = mono_ms();
  if (trimmed_at_ms_ != 0 && now_ms - trimmed_at_ms_ < trim_interval_ms) return;
  trimmed_at_ms_ = now_ms;
  sessions_at_trim_ = now;
  ::malloc_trim(0);
}

// Queue depths and armed timers for /v1/stats, summed here rather than kept up to date on the
// per-message path: one pass over the sessions per keepalive tick (at most a second).
void shard::sample_stats() {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t timers = 1;  // the keepalive timer, re-armed after this sweep
  std::array<std::uint64_t, subscription_families> subscriptions{};
  for (channel_id id = 0; id < channels().size(); ++id) {
    subscriptions[static_cast<std::size_t>(channels().info(id).kind)] +=
        subscriptions_.exact_subscribers(id);
  }
  const auto ticker_star = channels().find_wildcard(channel_registry::ticker_wildcard);
  for (std::size_t w = 0; w < channels().wildcard_count(); ++w) {
    subscriptions[w == ticker_star ? ticker_wildcard_family : other_wildcard_family] +=
        subscriptions_.wildcard_subscribers(static_cast<wildcard_id>(w));
  }
  for (std::size_t f = 0; f < subscriptions.size(); ++f) {
    set(stats_.subscriptions[f], subscriptions[f]);
  }
  for (const auto& [raw, owner] : sessions_) {
    messages += raw->queued_messages();
    bytes += raw->queued_bytes();
    if (raw->throttle_armed()) ++timers;
  }
  if (retry_armed_) ++timers;
  if (stopping_) ++timers;                          // the grace timer
  if (drain_next_ < drain_order_.size()) ++timers;  // the drain schedule's
  set(stats_.queued_messages, messages);
  set(stats_.queued_bytes, bytes);
  set(stats_.pending_timers, timers);
  set(stats_.queued_batches, queued_batches_.load(std::memory_order_relaxed));
}

void shard::do_accept() {
  acceptor_.async_accept([this](beast::error_code ec, net::ip::tcp::socket socket) {
    if (stopping_ || ec == net::error::operation_aborted) return;
    if (ec) {
      // Usually out of descriptors: wait instead of spinning, then try again.
      log()->warn("shard {}: accept: {}", index_, ec.message());
      retry_timer_.expires_after(accept_retry);
      retry_armed_ = true;
      retry_timer_.async_wait([this](beast::error_code wait_ec) {
        retry_armed_ = false;
        if (!wait_ec) do_accept();
      });
      return;
    }
    beast::error_code opt_ec;
    socket.set_option(net::ip::tcp::no_delay(true), opt_ec);
    if (const auto tls = shared_.tls_context()) {
      std::make_shared<tls_handshake>(*this, std::move(socket), new_server_ssl(tls.get()))->run();
      // At the limit, new connections wait in the kernel's backlog until a handshake ends.
      if (handshakes_.size() >= shared_.options.server.tls.max_handshakes) {
        accept_paused_ = true;
        bump(stats_.tls_accept_pauses);
        return;
      }
    } else {
      std::make_shared<http_session>(*this, std::move(socket))->run();
    }
    do_accept();
  });
}

void shard::adopt(tls_handshake* handshake) {
  handshakes_.insert(handshake);
  set(stats_.tls_handshakes_in_progress, handshakes_.size());
}

void shard::forget(tls_handshake* handshake) {
  handshakes_.erase(handshake);
  set(stats_.tls_handshakes_in_progress, handshakes_.size());
  if (accept_paused_ && !stopping_ &&
      handshakes_.size() < shared_.options.server.tls.max_handshakes) {
    accept_paused_ = false;
    do_accept();
  }
  maybe_finish_stop();
}

void shard::on_deliver(const std::vector<update_ptr>& batch, bool more_queued) {
  const std::size_t resume_history = shared_.options.resume_history;
  // An idle or keeping-up client is written this batch straight from its shared texts, with no
  // queue entry (the queue's growth for one burst was most of what a burst left behind on an
  // idle server: bench/RESULTS.md, "Floor"). Not when batches are waiting (their writes are
  // merged through the queues) or for more updates than one word marks.
  const bool straight = !more_queued && batch.size() <= 64;
  delivering_ = batch;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& u = batch[i];
    latest_[u->channel] = u;
    const std::size_t keep = history_depth(channels().info(u->channel).kind, resume_history);
    if (keep > 0) {
      auto& slot = history_[u->channel];
      if (!slot) slot = std::make_unique<std::deque<update_ptr>>();
      auto& h = *slot;
      if (!h.empty() && h.back()->epoch != u->epoch) h.clear();  // a new stream
      h.push_back(u);
      if (h.size() > keep) h.pop_front();
    }
    if (subscriptions_.has_receivers(u->channel)) unsent_made_ns_.push_back(u->made_mono_ns);
    subscriptions_.for_each_receiver(u->channel, [&](subscriber_id s) {
      if (by_subscriber_[s]->offer_update(u, straight)) straight_[s] |= std::uint64_t{1} << i;
      subscriptions_.mark_dirty(s);
    });
  }
  // One write per client for the whole batch; while more batches wait behind this one (the
  // shard is behind), for all of them: a busy shard sends fewer, fuller frames and catches up.
  if (more_queued) {
    delivering_ = {};
    return;
  }
  subscriptions_.drain_dirty([&](subscriber_id s) {
    if (const auto bits = std::exchange(straight_[s], 0); bits != 0) {
      by_subscriber_[s]->write_updates(batch, bits);
    } else {
      by_subscriber_[s]->flush();
    }
  });
  delivering_ = {};
  // One clock read per write loop, not per client: the latency of the shard's last write.
  if (unsent_made_ns_.empty()) return;
  const auto now = mono_ns();
  for (const auto made : unsent_made_ns_) stats_.delivery_latency.observe(now - made);
  unsent_made_ns_.clear();
}

void shard::adopt(std::shared_ptr<ws_session> session) {
  auto* raw = session.get();
  const subscriber_id id = subscriptions_.add();
  if (id >= by_subscriber_.size()) {
    by_subscriber_.resize(id + 1, nullptr);
    straight_.resize(id + 1, 0);
  }
  by_subscriber_[id] = raw;
  straight_[id] = 0;
  raw->set_subscriber(id);
  sessions_.emplace(raw, std::move(session));
  bump(stats_.accepted);
  set(stats_.connections, sessions_.size());
}

void shard::forget(ws_session* session) {
  // Safe during a delivery walk: the index stops reaching the session at once. The dirty
  // list may outlive a turn (on_deliver), and the session leaves it too.
  if (const auto id = session->subscriber(); id != no_subscriber) {
    subscriptions_.remove(id);
    by_subscriber_[id] = nullptr;
    straight_[id] = 0;
    session->set_subscriber(no_subscriber);
  }
  sessions_.erase(session);  // may destroy the session once its handler returns
  set(stats_.connections, sessions_.size());
  maybe_finish_stop();
  maybe_report_drained();
}

void shard::forget(http_session* session) {
  http_sessions_.erase(session);
  set(stats_.http_connections, http_sessions_.size());
  maybe_finish_stop();
}

// Made when asked (a subscribe to a channel with no data yet is rare) rather than kept per
// channel.
std::string shard::snapshot_text(channel_id id) const {
  if (latest_[id]) return snapshot_text_of(*latest_[id]);
  return empty_snapshot_text(channels().info(id).name);
}

// Updates hold no snapshot text (hub/update.hpp); a channel's is made once per update that a
// client subscribes after, not once per client. Kept until the next such subscribe.
const update_ptr& shard::snapshot(channel_id id) {
  const auto& latest = latest_[id];
  auto& kept = snapshots_[id];
  if (latest && (!kept || kept->seq != latest->seq || kept->epoch != latest->epoch)) {
    kept = make_snapshot(*latest);
  }
  return kept;
}

namespace {

void append_channel_state(std::string& out, const channel_info& info, const update_ptr& latest,
                          bool stale, data_format format = data_format::native) {
  out.append(R"({"channel":)");
  json::append_string(out, info.name);
  out.append(R"(,"seq":)");
  json::append_int(out, latest ? static_cast<std::int64_t>(latest->seq) : 0);
  out.append(R"(,"data":)");
  const auto data = !latest                       ? std::string_view{}
                    : format == data_format::ccxt ? latest->ccxt_data()
                                                  : latest->data();
  out.append(data.empty() ? std::string_view("null") : data);
  if (stale) out.append(R"(,"stale":true)");
  out.push_back('}');
}

// 405 for anything but GET and HEAD: the REST routes only read.
std::optional<http_response> method_refusal(const http_request& req) {
  if (req.method() == http::verb::get || req.method() == http::verb::head) return std::nullopt;
  auto res = json_reply(req, http::status::method_not_allowed,
                        R"({"error":"method_not_allowed","message":"use GET or HEAD"})");
  res.set(http::field::allow, "GET, HEAD");
  return res;
}

// 404 for a trades or candles channel this node does not have ("this node publishes no
// trades.BTC-USDT@okx"); `suffix` ends the channel's name after the symbol and venue.
http_response unserved_channel(const http_request& req, std::string_view what,
                               const history_query& q, std::string_view suffix) {
  std::string message = "this node " + std::string(what) + "." + q.symbol;
  if (q.venue) message.append("@").append(to_string(*q.venue));
  message.append(suffix);
  return json_reply(req, http::status::not_found, error_body("unknown_channel", message));
}

}  // namespace

http_response shard::json_response(unsigned version, bool keep_alive, bool head,
                                   http::status status, std::string body) {
  http_response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::server, "tickerd/" TICKERD_VERSION);
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::access_control_allow_origin, "*");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  if (head) {
    // Same headers, Content-Length included, and no body.
    const auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  return res;
}

std::variant<instrument_id, http_response> shard::history_instrument(const http_request& req,
                                                                     std::string_view route,
                                                                     history_parser parse,
                                                                     history_query& q) const {
  history_query_error err;
  if (!parse(req.target(), route, q, err)) {
    return json_reply(req, http::status::bad_request, error_body(err.code, err.message));
  }
  const auto ticker = channels().find("ticker." + q.symbol);
  if (!ticker) {
    return json_reply(
        req, http::status::not_found,
        error_body("unknown_symbol", "no such instrument '" + q.symbol.substr(0, 64) + "'"));
  }
  return channels().info(*ticker).instrument;
}

// GET /v1/trades/<SYM>: from this shard's history of the channel (no other thread involved).
http_response shard::recent_trades(const http_request& req) const {
  history_query q;
  auto found = history_instrument(req, "/v1/trades/", parse_trades_query, q);
  if (auto* refusal = std::get_if<http_response>(&found)) return std::move(*refusal);
  const auto instrument = std::get<instrument_id>(found);
  const auto id =
      q.venue ? channels().venue_trades(instrument, *q.venue) : channels().trades(instrument);
  if (!id) return unserved_channel(req, "publishes no trades", q, "");
  std::string body;
  // A channel's history is made at its first update: none yet is an empty page.
  static const std::deque<update_ptr> no_history;
  const auto* history = history_[*id] ? history_[*id].get() : &no_history;
  encode_trades_page(body, q.symbol, q.venue, collect_trades(*history, q.limit));
  return json_reply(req, http::status::ok, std::move(body));
}

std::variant<candles_query, http_response> shard::candles_request(const http_request& req) const {
  if (auto refusal = method_refusal(req)) return std::move(*refusal);
  history_query q;
  auto found = history_instrument(req, "/v1/candles/", parse_candles_query, q);
  if (auto* refusal = std::get_if<http_response>(&found)) return std::move(*refusal);
  const auto instrument = std::get<instrument_id>(found);
  const auto interval = static_cast<candle_interval_index>(q.interval);
  const auto id = q.venue ? channels().venue_candles(instrument, *q.venue, interval)
                          : channels().candles(instrument, interval);
  if (!id || !shared_.options.candles) {
    return unserved_channel(req, "serves no candles", q, "." + std::string(to_string(q.interval)));
  }
  candles_query out;
  out.instrument = instrument;
  out.symbol = std::move(q.symbol);
  out.venue = q.venue;
  out.interval = q.interval;
  out.channel = *id;
  out.page.start_us = q.start_us;
  out.page.end_us = q.end_us;
  out.page.limit = q.limit;
  out.latest = latest_[*id];
  return out;
}

http_response shard::handle_http(const http_request& req) const {
  auto res = route(req);
  if (req.method() == http::verb::head) {
    // Same headers, Content-Length included, and no body.
    const auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  return res;
}

http_response shard::route(const http_request& req) const {
  if (auto refusal = method_refusal(req)) return std::move(*refusal);
  std::string_view path = req.target();
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  const auto& registry = channels();
  const auto& feeds = shared_.options.feeds;

  if (path == "/readyz") return readiness(req);
  if (path == "/healthz" || path == "/v1/feeds") {
    std::string body;
    if (path == "/healthz") body = R"({"status":"ok",)";
    std::string feeds_json;
    if (!shared_.options.feeds_from_status_channel) {
      encode_feed_status(feeds_json, feeds, wall_ms());
    } else if (const auto& status = latest_[registry.status()]) {
      feeds_json = std::string(status->data());
    } else {
      feeds_json = R"({"feeds":[]})";
    }
    if (path == "/healthz") {
      body.append(feeds_json.substr(1));  // splice {"feeds":[…]} into the object
    } else {
      body = std::move(feeds_json);
    }
    return json_reply(req, http::status::ok, std::move(body));
  }
  if (path == "/v1/stats") {
    std::string body;
    encode_server_stats(body, shared_.stats_view, shared_.options.redis, wall_us());
    return json_reply(req, http::status::ok, std::move(body));
  }
  if (path == "/metrics" && shared_.options.metrics) {
    http_response res{http::status::ok, req.version()};
    res.set(http::field::content_type, metrics::content_type);
    res.set(http::field::server, "tickerd/" TICKERD_VERSION);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    shared_.options.metrics(res.body(), shared_.stats_view);
    res.prepare_payload();
    return res;
  }
  if (path == "/v1/snapshot") {
    std::string body = R"({"ts":)";
    json::append_int(body, wall_us());
    body.append(R"(,"channels":[)");
    bool first = true;
    for (const auto id : registry.tickers()) {
      if (!first) body.push_back(',');
      first = false;
      append_channel_state(body, registry.info(id), latest_[id], upstream_lost());
    }
    body.append("]}");
    return json_reply(req, http::status::ok, std::move(body));
  }
  constexpr std::string_view ticker_prefix = "/v1/ticker/";
  if (path.starts_with(ticker_prefix)) return ticker(req, path.substr(ticker_prefix.size()));
  if (path.starts_with("/v1/trades/")) return recent_trades(req);
  if (path.starts_with("/v1/book/")) return book(req);
  if (const auto* file = shared_.files->find(path)) {
    http_response res{http::status::ok, req.version()};
    res.set(http::field::content_type, file->content_type);
    res.set(http::field::server, "tickerd/" TICKERD_VERSION);
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(req.keep_alive());
    res.body() = file->body;
    res.prepare_payload();
    return res;
  }
  return json_reply(req, http::status::not_found,
                    R"({"error":"not_found","message":"no such route"})");
}

// `GET /v1/ticker/<SYM>[?venue=<v>][&format=ccxt]`: the composite's or one venue's ticker, in
// tickerd's own form or CCXT's (the data subscribers get, the CCXT form made here if no client
// of this shard has been sent it yet).
http_response shard::ticker(const http_request& req, std::string_view symbol) const {
  const auto& registry = channels();
  const std::string composite = "ticker." + std::string(symbol);
  auto id = registry.find(composite);
  if (!id) {
    return json_reply(req, http::status::not_found,
                      R"({"error":"unknown_symbol","message":"no such instrument"})");
  }
  std::optional<std::string> venue;
  std::optional<std::string> format_name;
  std::string broken;
  const bool walked =
      for_each_query_param(req.target(), broken, [&](std::string_view k, std::string_view v) {
        if (k == "venue") venue = std::string(v);
        if (k == "format") format_name = std::string(v);
        return true;  // the last of a repeated key counts
      });
  if (!walked) return json_reply(req, http::status::bad_request, error_body("bad_request", broken));
  if (venue) {
    id = registry.find(composite + "@" + *venue);
    if (!id) {
      return json_reply(req, http::status::not_found,
                        error_body("unknown_venue", "no venue '" + venue->substr(0, 64) +
                                                        "' quotes " + std::string(symbol)));
    }
  }
  auto format = data_format::native;
  if (const auto& name = format_name) {
    const auto f = parse_data_format(*name);
    if (!f) {
      return json_reply(req, http::status::bad_request,
                        error_body("bad_request", "unknown format '" + name->substr(0, 64) +
                                                      R"(': "native" or "ccxt")"));
    }
    format = *f;
  }
  if (format == data_format::ccxt && latest_[*id]) ccxt_.of(*latest_[*id]);
  std::string body;
  append_channel_state(body, registry.info(*id), latest_[*id], upstream_lost(), format);
  return json_reply(req, http::status::ok, std::move(body));
}

// `GET /v1/book/<SYM>[?venue=<v>][&depth=<n>]`: the latest update of that book channel, as a
// subscriber got it (no other thread involved).
http_response shard::book(const http_request& req) const {
  auto found = book_channel_for(req.target(), channels());
  if (auto* refusal = std::get_if<book_request_error>(&found)) {
    return json_reply(req, static_cast<http::status>(refusal->status), std::move(refusal->body));
  }
  const auto id = std::get<channel_id>(found);
  std::string body;
  append_channel_state(body, channels().info(id), latest_[id], upstream_lost());
  return json_reply(req, http::status::ok, std::move(body));
}

// Ready to take traffic: not draining, the upstream (an edge's ingest node) heard from, and at
// least one feed up (a node with no feeds configured has none to wait for).
http_response shard::readiness(const http_request& req) const {
  std::vector<std::string_view> reasons;
  if (health_.draining || draining_ || stopping_) reasons.emplace_back("draining");
  if (!health_.upstream_lost.empty()) reasons.emplace_back(health_.upstream_lost);
  if (!any_feed_up()) reasons.emplace_back("no_feed_up");
  if (reasons.empty()) return json_reply(req, http::status::ok, R"({"ready":true})");
  std::string body = R"({"ready":false,"reasons":[)";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    if (i != 0) body.push_back(',');
    json::append_string(body, reasons[i]);
  }
  body.append("]}");
  return json_reply(req, http::status::service_unavailable, std::move(body));
}

bool shard::any_feed_up() const {
  if (!shared_.options.feeds_from_status_channel) {
    const auto& feeds = shared_.options.feeds;
    return feeds.empty() || std::any_of(feeds.begin(), feeds.end(), [](const auto& f) {
             return f.stats->state.load(std::memory_order_relaxed) == feed_state::up;
           });
  }
  // An edge: the ingest node's feeds, as its latest status data (encode_feed_status) says.
  const auto& status = latest_[channels().status()];
  if (!status) return false;
  const auto data = status->data();
  return data.find(R"("feeds":[])") != std::string_view::npos ||
         data.find(R"("state":"up")") != std::string_view::npos;
}

}  // namespace tickerd
