// Tens of thousands of WebSocket clients on one thread and one io_context. Each connection is
// a socket and a few counters: readiness is awaited with async_wait, and every readable
// socket is read into one shared buffer and decoded in place (load/core/ws_frame.hpp), so an
// idle connection holds no buffer at all and a busy one holds only an incomplete frame.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "load/core/histogram.hpp"
#include "load/core/message_scan.hpp"
#include "load/core/seq_check.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd::bench {

class tls_client;

struct pool_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string target = "/ws";
  std::string subscribe_text;  // sent once the handshake is done; empty: connect only
  std::size_t connect_concurrency = 256;
  // The subscribe carries throttle_ms: seq jumps are skips by design, not gaps.
  bool throttled = false;
  // Source addresses 127.0.0.1 ... 127.0.0.<n>, round robin (bind before connect): each
  // holds ~28k ephemeral ports towards one server port. 1 = let the kernel choose.
  unsigned source_addresses = 1;
  // Churn clients that resume (the soak's churners): they stay until recycle() closes them,
  // keep each channel's seq and epoch, and subscribe again to these channels with `since`
  // (docs/PROTOCOL.md), so seq continuity is checked across the reconnect. Replaces
  // subscribe_text.
  std::vector<std::string> resume_channels;
  // Slow readers (the soak's): once subscribed a client stops reading, and so answers no ping,
  // for this long; then it reads again to find what the server did (close 1013, or the drop
  // after limits.idle_timeout_ms). 0: read as usual.
  std::chrono::milliseconds stall_for{0};
  // SO_RCVBUF before connecting (0: the kernel's autotuning). A small one keeps what a client
  // that stops reading parks in the kernel small, so the server's queue is what fills.
  int receive_buffer_bytes = 0;
  // wss://: each connection does a TLS handshake on its non-blocking socket before the
  // upgrade, then reads and writes through it. nullptr: plain ws://, untouched.
  std::shared_ptr<const tls_client> tls;
  // With tls, churn clients that only measure handshakes: each completes a full TLS handshake
  // and one GET /healthz (so the server has finished its side too), then resets the
  // connection and starts over; counters().cycles counts them, connect_times() their times.
  bool tls_handshake_only = false;
};

// Cumulative counts since the pool was made; the caller takes differences.
struct pool_counters {
  std::uint64_t messages = 0;
  std::uint64_t updates = 0;
  std::uint64_t snapshots = 0;
  std::uint64_t bytes = 0;  // payload bytes of data frames
  std::uint64_t frames = 0;
  std::uint64_t gaps = 0;  // updates missing from seq and not announced by `conflated`
  std::uint64_t gap_events = 0;
  std::uint64_t skipped = 0;  // updates a throttled subscription skipped (not losses)
  std::uint64_t seq_regressions = 0;
  std::uint64_t conflated_notices = 0;
  std::uint64_t conflated_dropped = 0;
  std::uint64_t error_messages = 0;
  std::uint64_t invalid_messages = 0;
  std::uint64_t negative_latencies = 0;
  std::uint64_t connect_errors = 0;
  std::uint64_t handshake_errors = 0;
  std::uint64_t disconnects = 0;     // closed by the server or the network, not by us
  std::uint64_t moved = 0;           // told `reconnect` (a draining server), closed, reconnected
  std::uint64_t cycles = 0;          // churn cycles completed
  std::uint64_t resumes = 0;         // subscribes sent with `since`
  std::uint64_t resets = 0;          // `reset` messages (a resume the server could not honour)
  std::uint64_t bad_sent = 0;        // send_bad() messages
  std::uint64_t stalls = 0;          // slow readers that stopped reading
  std::uint64_t stall_closed = 0;    // ... and found their connection closed by the server
  std::uint64_t stall_survived = 0;  // ... and found it still open (closed by us then)
};

class client_pool {
 public:
  client_pool(boost::asio::io_context& ioc, pool_options options);
  ~client_pool();
  client_pool(const client_pool&) = delete;
  client_pool& operator=(const client_pool&) = delete;

  // Adds `n` clients and starts connecting them (at most connect_concurrency at a time).
  // Churn clients close after their first snapshot (or their ack, or the handshake when
  // there is nothing to subscribe to) and connect again, until stop_churn().
  void add_clients(std::size_t n, bool churn = false);
  void stop_churn();
  // Close handshake with every client; sockets still open after `grace` are closed.
  void close_all(std::chrono::milliseconds grace);

  std::size_t planned() const noexcept;
  std::size_t open() const noexcept;  // handshake done and not closed
  std::size_t ready()
      const noexcept;  // open and subscribed (ack seen), or open with nothing to subscribe
  std::size_t settled() const noexcept;  // finished trying: ready, failed or closed
  const pool_counters& counters() const noexcept;
  const std::string& first_error() const noexcept;

  // Latency (µs, recv_ts to receipt): the window histogram records only while measuring;
  // the per-second one always, and is reset by whoever reads it.
  void set_measuring(bool on) noexcept;
  histogram& window_latency() noexcept;
  histogram& second_latency() noexcept;
  histogram& connect_times() noexcept;  // µs, connect start to 101
  histogram& ready_times() noexcept;    // µs, connect start to ack

  // Once a second: closes sockets stuck in a close handshake; wakes slow readers whose stall
  // is over, and closes those still open that long after (counted as stall_survived).
  void housekeeping();

  // Resuming churn clients: closes up to `n` open, subscribed ones (round robin); each comes
  // back with `since`. Returns how many were closed.
  std::size_t recycle(std::size_t n);
  // Sends one malformed request on up to `n` open clients (round robin over a few kinds, each
  // answered by an `error`: bad_json, unknown_op, unknown_channel, bad_request). Returns how
  // many were sent; counters().bad_sent and error_messages count both sides.
  std::size_t send_bad(std::size_t n);

  // Compares every ready (non-churn) client's last seq per channel with what the server
  // published (channels no client has heard of count as missing for everyone).
  latest_check check_latest(const std::vector<published_seq>& published);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd::bench
