// One gateway shard: an io_context on its own thread that owns its listener, its sessions,
// its subscriber index and its copy of every channel's latest update. Nothing here is
// touched by another thread except through net::post.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "auth/channel_permissions.hpp"
#include "auth/origin_allowlist.hpp"
#include "auth/token_verifier.hpp"
#include "auth/trusted_proxies.hpp"
#include "gateway/ccxt_form.hpp"
#include "gateway/client_request.hpp"
#include "gateway/connection_limiter.hpp"
#include "gateway/static_files.hpp"
#include "tickerd/gateway/gateway.hpp"
#include "tickerd/gateway/server_tls.hpp"
#include "tickerd/hub/subscriber_index.hpp"
#include "tickerd/net.hpp"

namespace tickerd {

class ws_session;
class http_session;
class tls_handshake;
struct history_query;
struct history_query_error;

namespace http = beast::http;
using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

// What every shard reads and nobody changes after start-up, but the TLS context (SIGHUP),
// behind its own mutex.
struct gateway_shared {
  explicit gateway_shared(gateway_options o)
      : options(std::move(o)),
        limiter(options.limits.max_connections, options.limits.max_connections_per_ip),
        origins(options.server.allowed_origins),
        anonymous(options.auth.anonymous_channels) {
    for (const auto& cidr : options.server.trusted_proxies) proxies.add(cidr);  // checked
  }

  // The verifier ([auth] mode "jwt"), null otherwise. Replaced on SIGHUP by another thread:
  // read once per handshake or auth message, never per delivered message, so a mutex costs
  // nothing that matters (and every sanitizer understands it).
  std::shared_ptr<const token_verifier> verifier() const {
    std::lock_guard lock(verifier_mutex_);
    return verifier_;
  }
  void set_verifier(std::shared_ptr<const token_verifier> v) {
    std::lock_guard lock(verifier_mutex_);
    verifier_ = std::move(v);
  }

  gateway_options options;
  std::shared_ptr<const static_files> files;
  connection_limiter limiter;
  origin_allowlist origins;
  trusted_proxies proxies;
  channel_permissions anonymous;  // [auth] anonymous_channels
  // One per shard, made before the shards start (never moved): each shard writes its own,
  // /v1/stats on any shard reads them all.
  std::vector<std::unique_ptr<shard_stats>> stats;
  std::vector<const shard_stats*> stats_view;

  // [server.tls]: the context new connections take (null: plain). SIGHUP replaces it; a
  // connection keeps the one it began with (OpenSSL counts the references).
  ssl_ctx_ptr tls_context() const {
    const std::lock_guard lock(tls_mutex_);
    return tls_context_;
  }
  void set_tls_context(ssl_ctx_ptr ctx) {
    const std::lock_guard lock(tls_mutex_);
    tls_context_ = std::move(ctx);
  }

 private:
  mutable std::mutex tls_mutex_;  // taken once per accepted connection, never per message
  ssl_ctx_ptr tls_context_;
  mutable std::mutex verifier_mutex_;
  std::shared_ptr<const token_verifier> verifier_;
};

class shard {
 public:
  shard(unsigned index, gateway_shared& shared);
  ~shard();  // NOLINT(bugprone-exception-escape): see the definition

  void listen(const net::ip::tcp::endpoint& endpoint);  // throws on failure
  std::uint16_t port() const;
  void start();                      // runs the io_context on a new thread
  void deliver(update_batch batch);  // any thread
  void begin_stop();                 // any thread: stop accepting, close every client with 1001
  // Any thread: stop accepting, send every client a `reconnect` notice with its own after_ms,
  // drawn uniformly from [0, window], and close each with 1001 once that has passed.
  // `on_empty` runs once (on this shard's thread) when the shard has no client left.
  void begin_drain(std::chrono::milliseconds window, std::function<void()> on_empty);
  void set_health(node_health health);  // any thread
  void join();                          // waits for the shard's thread (at most the grace period)
  // Any thread (SIGHUP): sessions read the new limits from the next check on; shared, never
  // changed, so the per-message path reads them without a lock.
  void set_limits(std::shared_ptr<const limits_config> limits);
  // Ingest thread (systemd watchdog): whether this shard's loop ran the probe the previous
  // call posted (the first call: true); posts the next one only then.
  bool answered_probe();

  // --- used by sessions, on this shard's thread ---
  gateway_shared& shared() const noexcept { return shared_; }
  const limits_config& limits() const noexcept { return *limits_; }
  const channel_registry& channels() const noexcept { return *shared_.options.channels; }
  net::io_context& context() noexcept { return ioc_; }
  client_request_parser& request_parser() noexcept { return parser_; }
  bool stopping() const noexcept { return stopping_; }
  bool draining() const noexcept { return draining_; }
  shard_stats& stats() noexcept { return stats_; }

  http_response handle_http(const http_request& req) const;
  // GET /v1/candles/<SYM>: the checked query for gateway_options::candles, or the reply
  // refusing it (400, 404, 405).
  std::variant<candles_query, http_response> candles_request(const http_request& req) const;
  // A JSON reply as every route sends it (HEAD: the headers alone).
  static http_response json_response(unsigned version, bool keep_alive, bool head,
                                     http::status status, std::string body);
  void adopt(std::shared_ptr<ws_session> session);
  void forget(ws_session* session);
  void adopt(http_session* session) {
    http_sessions_.insert(session);
    set(stats_.http_connections, http_sessions_.size());
  }
  void forget(http_session* session);
  void adopt(tls_handshake* handshake);
  void forget(tls_handshake* handshake);

  // Who receives what on this shard; a session is subscriber `session.subscriber()` from
  // adopt() to forget().
  subscriber_index& subscriptions() noexcept { return subscriptions_; }
  const update_ptr& latest(channel_id id) const { return latest_[id]; }
  // The channel's recent updates, oldest first, all of the latest's epoch (for resumes); null
  // until the channel's first update.
  const std::deque<update_ptr>* history(channel_id id) const { return history_[id].get(); }
  // The snapshot of the channel's latest update (make_snapshot), made at the first subscribe
  // after it and shared by the clients that subscribe until the next; null before the first.
  const update_ptr& snapshot(channel_id id);
  // The snapshot text for a channel (its latest update, or seq 0 and null data).
  std::string snapshot_text(channel_id id) const;
  // While this node's upstream is lost every snapshot says so ("stale":true), and a client
  // that subscribes is told why first (the `status` message every client got at the change).
  bool upstream_lost() const noexcept { return !health_.upstream_lost.empty(); }
  std::string stale_snapshot_text(channel_id id, data_format format = data_format::native);
  // The message of `u` (an update, or a snapshot) a client reading `format` is sent; the CCXT
  // form is made here on first use (ccxt_form.hpp).
  const std::string& text_of(const published_update& u, data_format format) const {
    if (format == data_format::ccxt) return ccxt_.of(u).text;
    return u.native_text();
  }
  std::string status_notice() const;
  // {"type":"reconnect","after_ms":N,"reason":"draining"} (docs/PROTOCOL.md).
  static std::string reconnect_notice(std::int64_t after_ms);

  // While a batch is delivered: the updates marked to go straight to `s` (bit i: delivering()[i]),
  // taken back by a session that must queue something behind them (they go first).
  std::uint64_t take_straight(subscriber_id s) noexcept {
    return s < straight_.size() ? std::exchange(straight_[s], 0) : 0;
  }
  std::span<const update_ptr> delivering() const noexcept { return delivering_; }

  // A session gave its idle buffers back (trim_after_burst counts them per sweep).
  void note_buffers_released() noexcept { ++released_in_sweep_; }

  // Scratch space for conflation: one flag per channel, all false between uses.
  std::vector<bool>& conflation_scratch() noexcept { return scratch_; }
  // Where every session reads its socket: one buffer per shard, not one per connection.
  std::span<char> read_buffer() noexcept { return {read_buffer_.get(), read_buffer_bytes}; }

 private:
  http_response route(const http_request& req) const;
  http_response ticker(const http_request& req, std::string_view symbol) const;
  http_response readiness(const http_request& req) const;
  http_response recent_trades(const http_request& req) const;
  http_response book(const http_request& req) const;
  // The query of GET /v1/trades or /v1/candles (`parse` reads it into `q`) and the instrument
  // it names, or the refusal: 400 for a bad query, 404 for an unknown symbol.
  using history_parser = bool (*)(std::string_view target, std::string_view route, history_query& q,
                                  history_query_error& err);
  std::variant<instrument_id, http_response> history_instrument(const http_request& req,
                                                                std::string_view route,
                                                                history_parser parse,
                                                                history_query& q) const;
  bool any_feed_up() const;
  void do_accept();
  void on_deliver(const std::vector<update_ptr>& batch, bool more_queued);
  void close_all();
  void close_due_drains();
  void maybe_report_drained();
  void maybe_finish_stop();
  void arm_keepalive();
  void sample_stats();
  void trim_after_burst();

  unsigned index_;
  gateway_shared& shared_;
  shard_stats& stats_;
  net::io_context ioc_;
  net::ip::tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;      // accept back-off when out of descriptors
  net::steady_timer grace_timer_;      // bounds how long stop() waits for clients to close
  net::steady_timer keepalive_timer_;  // pings, idle and closing timeouts, for all sessions
  std::thread thread_;
  std::shared_ptr<const limits_config> limits_;  // replaced whole on this thread (SIGHUP)
  bool stopping_ = false;
  // The drain: one schedule for the shard, sorted by due time, walked by one timer (no timer
  // per client). A session that left on its own is skipped (weak).
  struct drain_entry {
    std::chrono::steady_clock::time_point due;
    std::weak_ptr<ws_session> session;
  };
  bool draining_ = false;
  std::vector<drain_entry> drain_order_;
  std::size_t drain_next_ = 0;
  net::steady_timer drain_timer_;
  std::function<void()> on_drained_;  // called once the drain has no client left
  std::minstd_rand drain_random_;     // seeded per shard at the drain; not security relevant
  node_health health_;
  std::int64_t health_changed_us_ = 0;  // wall time (µs) of the last upstream change
  bool retry_armed_ = false;
  bool accept_paused_ = false;         // server.tls.max_handshakes in progress
  std::size_t sessions_at_sweep_ = 0;  // trim_after_burst: the count at the last sweep
  std::size_t sessions_at_trim_ = 0;   // and at the last trim
  std::size_t released_in_sweep_ = 0;  // sessions that gave their idle buffers back
  std::int64_t trimmed_at_ms_ = 0;     // mono_ms of the last malloc_trim

  // By channel. A channel costs 24 bytes here until its first update: an empty std::deque
  // allocates ~600 bytes, and most of the ~700 channels of 11 symbols on 5 venues with every
  // family on may never see one (bench/RESULTS.md, "Floor", memory at start).
  std::vector<update_ptr> latest_;
  std::vector<update_ptr> snapshots_;  // see snapshot(): at most one, not always the latest's
  std::vector<std::unique_ptr<std::deque<update_ptr>>> history_;  // capped: hub/history_depth.hpp
  subscriber_index subscriptions_;
  std::vector<ws_session*> by_subscriber_;  // by subscriber_id; null: a free handle
  // By subscriber_id: the updates of the batch being delivered (bit i: batch[i]) that go out
  // straight from the batch at its write loop (ws_session::write_updates); 0 between batches.
  std::vector<std::uint64_t> straight_;
  std::span<const update_ptr> delivering_;        // the batch on_deliver is delivering
  std::vector<std::int64_t> unsent_made_ns_;      // updates delivered since the last write loop
  std::atomic<std::uint32_t> queued_batches_{0};  // posted by deliver(), not yet delivered
  std::atomic<bool> probe_answered_{true};        // see answered_probe()
  std::unordered_map<ws_session*, std::shared_ptr<ws_session>> sessions_;
  std::unordered_set<http_session*> http_sessions_;
  std::unordered_set<tls_handshake*> handshakes_;  // TLS handshakes in progress
  client_request_parser parser_;
  std::vector<bool> scratch_;
  static constexpr std::size_t read_buffer_bytes = 64 * 1024;
  std::unique_ptr<char[]> read_buffer_;
  // Makes the CCXT texts this shard's clients read first; scratch, hence mutable (REST reads).
  mutable ccxt_form ccxt_;
};

}  // namespace tickerd
