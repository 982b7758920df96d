// One upstream WebSocket feed: connects (ws:// or wss:// with SNI and certificate checks),
// subscribes, answers pings, parses every frame through its adapter (sending what the adapter
// asks to send in reply), detects silence, and reconnects by itself with capped exponential
// backoff and full jitter.
//
// Planned rollover: when max_connection_age is set (Binance closes every connection after
// 24 h), a second connection is opened before the age is reached and the old one is closed
// only once the new one delivers data, so there is no gap.
//
// Books (streams "book"): a book_feed given at construction keeps the venue's books; the
// session routes the depth frames to it, sends its resubscribe frames on the same connection,
// runs its REST snapshot requests on the same io_context (never blocking it), and hands its
// book_changes on with the frame's other events. A lost connection (or a rollover) resets the
// books and reports each book that was ready as resyncing.
//
// Runs entirely on the io_context it is given (the ingest thread); handlers are called there.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "tickerd/core/tick.hpp"
#include "tickerd/feeds/book_feed.hpp"
#include "tickerd/feeds/feed_stats.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace tickerd {

struct feed_config {
  venue_id venue = venue_id::binance;
  std::string name;  // for logs and errors; empty = the venue's name ("eth" for the gas feed)
  std::string url;   // ws://host:port/path or wss://host[:port]/path
  feed_streams streams = default_feed_streams;  // which public streams a venue feed reads
  // http(s)://host[:port]: the venue's REST API, for the depth snapshots a book needs (Binance).
  // Empty: none (a book that needs one waits; app/config fills it for a configured feed).
  std::string rest_url;
  std::chrono::milliseconds stale_after{10'000};
  std::chrono::milliseconds connect_timeout{10'000};  // TCP + TLS + WebSocket handshake
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds healthy_after{60'000};  // backoff resets after this long up
  std::chrono::milliseconds max_connection_age{0};  // 0 = never roll over
  std::chrono::milliseconds rollover_lead{60'000};  // open the replacement this long before
  std::size_t max_frame_bytes = 4u << 20;
  bool verify_tls = true;
};

class feed_session {
 public:
  // Everything one frame yielded (ticks, trades, quotes), valid only during the call.
  using events_handler = std::function<void(const market_events&)>;
  using state_handler = std::function<void(feed_state)>;

  // `tls`: the TLS client context for a wss:// url; may be null for a ws:// one (a process
  // with no TLS upstream makes none: OpenSSL's set-up is a third of tickerd's memory at start).
  feed_session(boost::asio::io_context& ioc, boost::asio::ssl::context* tls, feed_config config,
               std::unique_ptr<upstream_adapter> adapter, feed_stats& stats,
               events_handler on_events, state_handler on_state,
               std::unique_ptr<book_feed> books = nullptr);
  ~feed_session();  // NOLINT(bugprone-exception-escape): see the definition
  feed_session(const feed_session&) = delete;
  feed_session& operator=(const feed_session&) = delete;

  void start();
  void stop();  // closes the connection politely; no handler runs after stop() returns

  const feed_config& config() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace tickerd
