#include "load/client_pool.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <string_view>
#include <unordered_map>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "load/core/message_scan.hpp"
#include "load/core/ws_frame.hpp"
#include "load/tls_client.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/net.hpp"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // linux/in.h: pick the port at connect(), per 4-tuple
#endif

namespace tickerd::bench {
namespace {

using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

constexpr std::size_t read_buffer_bytes = 256 * 1024;  // shared by every connection
constexpr std::size_t max_handshake_bytes = 16 * 1024;
constexpr std::size_t idle_carry_bytes = 4096;  // a larger leftover buffer is freed when empty
constexpr std::uint16_t close_normal = 1000;
constexpr std::uint16_t close_protocol_error = 1002;
constexpr auto close_handshake_timeout = std::chrono::seconds(2);
constexpr std::size_t max_error_text = 300;

enum class conn_state : std::uint8_t { idle, connecting, handshaking, open, closing, closed };
// A slow reader's stall: armed once subscribed, parked (not reading) at the next readable
// event, woken by housekeeping when its time is up.
enum class stall_state : std::uint8_t { none, armed, parked, woken };
// A dropped reader's connection ends once it has read what the kernel still held for it (up
// to a few MB, slow to drain from a busy load generator); a live one never ends.
constexpr auto stall_survive_grace = std::chrono::seconds(60);
constexpr int woken_receive_buffer = 256 * 1024;  // drain the backlog in larger reads

// Malformed requests and the error each must get (docs/PROTOCOL.md, `error` codes).
constexpr std::array<std::string_view, 5> bad_requests{
    "this is not json",                                                    // bad_json
    R"({"op":"fly","id":"bad-1"})",                                        // unknown_op
    R"({"op":"subscribe","id":"bad-2","channels":["ticker.NOPE-NOPE"]})",  // unknown_channel
    R"({"op":"subscribe","id":"bad-3","channels":"ticker.*"})",            // bad_request
    R"({"op":"unsubscribe","id":"bad-4"})",                                // bad_request
};

// Channel names seen by any connection, each given a small index for per-connection seq
// tracking (a vector per connection instead of a map).
struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

// A client moved by a drain retries a failed reconnect after this long.
constexpr auto move_retry_delay = std::chrono::milliseconds(200);

}  // namespace

struct client_pool::impl {
  using error_code = boost::system::error_code;

  struct conn {
    explicit conn(net::io_context& ioc) : sock(ioc) {}
    tcp::socket sock;
    std::uint32_t index = 0;
    std::uint32_t generation = 0;  // bumped per connection attempt: stale handlers return
    conn_state state = conn_state::idle;
    bool churn = false;
    bool ready = false;
    bool counted_open = false;
    bool writing = false;  // async_write in flight, or (TLS) waiting to be writable
    SSL* ssl = nullptr;    // wss://: the session on sock
    bool tls_done = false;
    bool told_to_move = false;  // the server sent `reconnect`: its close is planned
    bool moving = false;        // reconnecting after that close: retried until subscribed
    stall_state stall = stall_state::none;
    steady::time_point stall_until;
    steady::time_point woken_at;
    steady::time_point last_byte_at;  // a survivor's report: did the server keep sending?
    std::uint64_t bytes_since_wake = 0;
    bool parked_at_wake = false;
    steady::time_point started;
    steady::time_point closing_since;
    std::string carry;    // bytes not parsed yet (an incomplete head or frame)
    std::string message;  // a fragmented message being assembled
    std::string outbox;   // client frames waiting for the socket (rare)
    std::string in_flight;
    channel_seqs seqs;
    std::vector<std::string> epochs;  // resume mode: each channel's epoch, by channel index
  };

  impl(net::io_context& io, pool_options o) : ioc(io), options(std::move(o)) {
    buffer.resize(read_buffer_bytes);
    server = tcp::endpoint(net::ip::make_address(options.host), options.port);
    host_header = options.host + ":" + std::to_string(options.port);
  }

  net::io_context& ioc;
  pool_options options;
  tcp::endpoint server;
  std::string host_header;
  std::vector<char> buffer;
  std::vector<std::unique_ptr<conn>> conns;
  std::deque<conn*> waiting;     // to connect
  std::vector<conn*> moves_due;  // moved clients whose reconnect failed: retried together
  net::steady_timer move_timer{ioc};
  std::size_t in_flight = 0;  // connecting or handshaking
  std::size_t open_count = 0;
  std::size_t ready_count = 0;
  std::size_t settled_count = 0;
  bool churning = true;
  bool measuring = false;
  bool stopping = false;
  pool_counters c;
  std::string first_error;
  histogram window;
  histogram second;
  histogram connect_us;
  histogram ready_us;
  std::unordered_map<std::string, std::uint32_t, string_hash, std::equal_to<>> channel_index;
  std::vector<std::string> channel_names;  // by index
  seq_counts seq_c;
  std::int64_t now_us = 0;  // wall clock at the current read
  std::size_t recycle_cursor = 0;
  std::size_t bad_cursor = 0;

  bool resuming() const noexcept { return !options.resume_channels.empty(); }
  bool stalling() const noexcept { return options.stall_for.count() > 0; }
  // The classic churn client closes after its first snapshot; resuming churners and slow
  // readers end their cycles otherwise (recycle(), the server's close).
  bool cycle_on_snapshot() const noexcept { return !resuming() && !stalling(); }

  // {"op":"subscribe",...,"since":{...}} for the channels this client has a seq and epoch of.
  std::string resume_request(conn& k) {
    std::string out = R"({"op":"subscribe","id":1,"channels":[)";
    std::string since;
    for (std::size_t i = 0; i < options.resume_channels.size(); ++i) {
      const auto& name = options.resume_channels[i];
      out += (i ? ",\"" : "\"") + name + "\"";
      const auto id = index_of(name);
      const auto seq = k.seqs.last(id);
      if (seq <= 0 || id >= k.epochs.size() || k.epochs[id].empty()) continue;
      since += (since.empty() ? "\"" : ",\"") + name + R"(":{"seq":)" + std::to_string(seq) +
               R"(,"epoch":")" + k.epochs[id] + "\"}";
    }
    out += "]";
    if (!since.empty()) {
      out += ",\"since\":{" + since + "}";
      ++c.resumes;
    }
    out += "}";
    return out;
  }

  void note_epoch(conn& k, const scanned_message& m) {
    if (!resuming() || m.channel.empty() || m.epoch.empty()) return;
    const auto id = index_of(m.channel);
    if (k.epochs.size() <= id) k.epochs.resize(id + 1);
    if (k.epochs[id] != m.epoch) k.epochs[id].assign(m.epoch);
  }

  void note_error(std::string text) {
    if (first_error.empty()) first_error = text.substr(0, max_error_text);
  }

  std::uint32_t index_of(std::string_view channel) {
    if (const auto it = channel_index.find(channel); it != channel_index.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(channel_index.size());
    channel_index.emplace(std::string(channel), id);
    channel_names.emplace_back(channel);
    return id;
  }

  // ---- connecting ------------------------------------------------------------------------

  void pump() {
    while (!stopping && in_flight < options.connect_concurrency && !waiting.empty()) {
      conn* k = waiting.front();
      waiting.pop_front();
      start_connect(*k);
    }
  }

  void start_connect(conn& k) {
    ++in_flight;
    ++k.generation;
    k.state = conn_state::connecting;
    k.ready = false;
    k.carry.clear();
    k.message.clear();
    k.outbox.clear();
    if (!resuming()) k.seqs.clear();
    k.stall = stall_state::none;
    k.told_to_move = false;
    k.started = steady::now();
    error_code ec;
    k.sock = tcp::socket(ioc);
    k.sock.open(tcp::v4(), ec);
    if (!ec && options.source_addresses > 1) {
      const int one = 1;
      ::setsockopt(k.sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      const auto octet = 1 + k.index % options.source_addresses;
      const net::ip::address_v4 source((127u << 24) | octet);
      k.sock.bind(tcp::endpoint(source, 0), ec);
    }
    if (!ec && options.receive_buffer_bytes > 0) {
      k.sock.set_option(net::socket_base::receive_buffer_size(options.receive_buffer_bytes), ec);
    }
    if (ec) return connect_failed(k, "socket: " + ec.message());
    k.sock.set_option(tcp::no_delay(true), ec);
    const auto gen = k.generation;
    k.sock.async_connect(server, [this, &k, gen](const error_code& cec) {
      if (gen != k.generation) return;
      if (cec) return connect_failed(k, "connect: " + cec.message());
      on_connected(k);
    });
  }

  void connect_failed(conn& k, const std::string& why) {
    ++c.connect_errors;
    note_error(why);
    --in_flight;
    drop(k);
    retry_or_settle(k);
    pump();
  }

  void retry_or_settle(conn& k) {
    if (k.moving && !stopping) {
      // As a client moved by a drain does: try again shortly (the balancer may still point at
      // the draining node, or the new one may not listen yet).
      moves_due.push_back(&k);
      if (moves_due.size() == 1) {
        move_timer.expires_after(move_retry_delay);
        move_timer.async_wait([this](const error_code& ec) {
          if (ec || stopping) return;  // ec first: after destruction only ec is read
          waiting.insert(waiting.end(), moves_due.begin(), moves_due.end());
          moves_due.clear();
          pump();
        });
      }
      return;
    }
    if (k.churn && churning && !stopping) {
      waiting.push_back(&k);
    } else {
      ++settled_count;
    }
  }

  void on_connected(conn& k) {
    error_code ec;
    k.sock.non_blocking(true, ec);
    k.state = conn_state::handshaking;
    if (options.tls) {
      k.ssl = options.tls->new_session(k.sock.native_handle(), options.host);
      if (k.ssl == nullptr) return handshake_failed(k, "tls: " + tls_error_text(nullptr, 0));
      k.tls_done = false;
      return drive_tls_handshake(k);
    }
    start_upgrade(k);
  }

  void start_upgrade(conn& k) {
    send(k, ws::handshake_request(host_header, options.target, ws::make_key(key_seed(k))));
    arm_read(k);
  }

  // One step of the TLS handshake; the socket's readiness drives the next.
  void drive_tls_handshake(conn& k) {
    ERR_clear_error();
    const int rc = SSL_do_handshake(k.ssl);
    if (rc == 1) {
      k.tls_done = true;
      if (!options.tls_handshake_only) return start_upgrade(k);
      send(k, "GET /healthz HTTP/1.1\r\nHost: " + host_header + "\r\n\r\n");
      return arm_read(k);
    }
    const int err = SSL_get_error(k.ssl, rc);
    if (err == SSL_ERROR_WANT_READ) return arm_read(k);
    if (err == SSL_ERROR_WANT_WRITE) return wait_writable(k, &impl::drive_tls_handshake);
    handshake_failed(k, "tls: " + tls_error_text(k.ssl, rc));
  }

  void wait_writable(conn& k, void (impl::*then)(conn&)) {
    const auto gen = k.generation;
    k.sock.async_wait(tcp::socket::wait_write, [this, &k, gen, then](const error_code& ec) {
      if (gen != k.generation || k.state == conn_state::closed) return;
      if (ec) return lost(k, "wait: " + ec.message());
      (this->*then)(k);
    });
  }

  // A handshake-only cycle is over (the server answered on the new session): reset the
  // connection (no TIME_WAIT left behind) and start the next one once this read is unwound.
  void handshake_cycle_done(conn& k) {
    --in_flight;
    connect_us.record(
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - k.started).count());
    ++c.cycles;
    error_code ec;
    k.sock.set_option(net::socket_base::linger(true, 0), ec);
    drop(k);
    net::post(ioc, [this, &k] {
      retry_or_settle(k);
      pump();
    });
  }

  static std::uint64_t key_seed(const conn& k) {
    return (static_cast<std::uint64_t>(k.index) << 32) | k.generation;
  }

  void on_open(conn& k) {
    --in_flight;
    const auto now = steady::now();
    connect_us.record(
        std::chrono::duration_cast<std::chrono::microseconds>(now - k.started).count());
    k.state = conn_state::open;
    k.counted_open = true;
    ++open_count;
    if (resuming()) {
      send(k, ws::client_frame(ws::opcode::text, resume_request(k), mask_of(k)));
    } else if (options.subscribe_text.empty()) {
      mark_ready(k);
    } else {
      send(k, ws::client_frame(ws::opcode::text, options.subscribe_text, mask_of(k)));
    }
    pump();
  }

  void mark_ready(conn& k) {
    if (k.ready) return;
    k.ready = true;
    k.moving = false;
    ready_us.record(
        std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - k.started).count());
    if (stalling()) {
      k.stall = stall_state::armed;
      k.stall_until = steady::now() + options.stall_for;
      ++c.stalls;
    }
    if (k.churn) {
      // Nothing to wait for: the cycle ends here when there is no subscription.
      if (options.subscribe_text.empty() && cycle_on_snapshot()) finish_cycle(k);
      return;
    }
    ++ready_count;
    ++settled_count;
  }

  static std::uint32_t mask_of(const conn& k) { return 0x9E3779B9u * (k.index + 1) ^ k.generation; }

  // ---- writing (client frames are tiny: this nearly always completes at once) ---------------

  void send(conn& k, std::string bytes) {
    if (k.writing || !k.outbox.empty()) {
      k.outbox.append(bytes);
      return;
    }
    error_code ec;
    const std::size_t n = write_some(k, bytes, ec);
    if (ec && ec != net::error::would_block && ec != net::error::try_again) return;
    if (n < bytes.size()) {
      k.outbox.assign(bytes, ec ? 0 : n);
      flush_outbox(k);
    }
  }

  std::size_t write_some(conn& k, std::string_view bytes, error_code& ec) {
    if (k.ssl == nullptr) return k.sock.write_some(net::buffer(bytes.data(), bytes.size()), ec);
    ERR_clear_error();
    const int rc = SSL_write(k.ssl, bytes.data(), static_cast<int>(bytes.size()));
    if (rc > 0) return static_cast<std::size_t>(rc);
    const int err = SSL_get_error(k.ssl, rc);
    ec = err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ
             ? error_code(net::error::would_block)
             : error_code(net::error::connection_reset);
    return 0;
  }

  // TLS: SSL_write the outbox whenever the socket takes more (the same bytes first, as
  // OpenSSL requires after a WANT_WRITE; SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets them move).
  void flush_tls(conn& k) {
    k.writing = false;
    while (!k.outbox.empty()) {
      error_code ec;
      const std::size_t n = write_some(k, k.outbox, ec);
      if (ec == net::error::would_block) {
        k.writing = true;
        return wait_writable(k, &impl::flush_tls);
      }
      if (ec) return;  // the read side sees the end
      k.outbox.erase(0, n);
    }
  }

  void flush_outbox(conn& k) {
    if (k.writing || k.outbox.empty()) return;
    if (k.ssl != nullptr) return flush_tls(k);
    k.writing = true;
    k.in_flight.swap(k.outbox);
    k.outbox.clear();
    const auto gen = k.generation;
    net::async_write(k.sock, net::buffer(k.in_flight),
                     [this, &k, gen](const error_code& ec, std::size_t) {
                       if (gen != k.generation) return;
                       k.writing = false;
                       k.in_flight.clear();
                       if (!ec) flush_outbox(k);
                     });
  }

  // ---- reading --------------------------------------------------------------------------------

  void arm_read(conn& k) {
    const auto gen = k.generation;
    k.sock.async_wait(tcp::socket::wait_read, [this, &k, gen](const error_code& ec) {
      if (gen != k.generation || k.state == conn_state::closed) return;
      if (ec) return lost(k, "wait: " + ec.message());
      on_readable(k);
    });
  }

  // Reads until a read comes back short. Asio's epoll is edge-triggered, but on this one
  // thread the wait is re-armed before the reactor polls again, so data arriving after the
  // short read raises a fresh event; only a full buffer means more may be waiting already.
  // (Reading on to EAGAIN would cost a system call per wake-up for nothing.)
  void on_readable(conn& k) {
    if (k.stall == stall_state::armed) {
      k.stall = stall_state::parked;  // the read stays unarmed until housekeeping wakes it
      return;
    }
    if (k.ssl != nullptr && !k.tls_done) return drive_tls_handshake(k);
    const auto gen = k.generation;
    while (true) {
      error_code ec;
      const std::size_t n = read_some(k, ec);
      if (ec == net::error::would_block || ec == net::error::try_again) break;
      if (ec) {
        if (k.state == conn_state::closing) return closed(k);
        return lost(k, ec == net::error::eof ? std::string("server closed the connection")
                                             : "read: " + ec.message());
      }
      now_us = wall_us();
      if (k.stall == stall_state::woken) {
        k.bytes_since_wake += n;
        k.last_byte_at = steady::now();
      }
      consume(k, std::string_view(buffer.data(), n));
      if (gen != k.generation || k.state == conn_state::closed) return;
      // OpenSSL may hold decrypted bytes the socket no longer signals: TLS reads to WANT_READ.
      if (n < buffer.size() && k.ssl == nullptr) break;
    }
    arm_read(k);
  }

  std::size_t read_some(conn& k, error_code& ec) {
    if (k.ssl == nullptr) return k.sock.read_some(net::buffer(buffer), ec);
    ERR_clear_error();
    const int rc = SSL_read(k.ssl, buffer.data(), static_cast<int>(buffer.size()));
    if (rc > 0) return static_cast<std::size_t>(rc);
    const int err = SSL_get_error(k.ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      ec = net::error::would_block;
    } else if (err == SSL_ERROR_ZERO_RETURN ||
               (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
      ec = net::error::eof;
    } else {
      note_error("tls read: " + tls_error_text(k.ssl, rc));
      ec = net::error::connection_reset;
    }
    return 0;
  }

  void consume(conn& k, std::string_view fresh) {
    if (k.carry.empty()) {
      const std::size_t used = parse(k, fresh);
      if (k.state != conn_state::closed && used < fresh.size()) k.carry.assign(fresh.substr(used));
      return;
    }
    k.carry.append(fresh);
    const std::size_t used = parse(k, k.carry);
    if (k.state == conn_state::closed) return;
    k.carry.erase(0, used);
    if (k.carry.empty() && k.carry.capacity() > idle_carry_bytes) std::string().swap(k.carry);
  }

  // Handles every complete unit in `bytes`; returns how many bytes were used.
  std::size_t parse(conn& k, std::string_view bytes) {
    std::size_t used = 0;
    const auto gen = k.generation;
    if (k.state == conn_state::handshaking) {
      const auto end = bytes.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (bytes.size() > max_handshake_bytes) handshake_failed(k, "response head too long");
        return 0;
      }
      if (options.tls_handshake_only) {
        handshake_cycle_done(k);
        return 0;
      }
      const auto head = bytes.substr(0, end + 4);
      const auto why = ws::check_handshake_response(head, ws::make_key(key_seed(k)));
      if (!why.empty()) {
        handshake_failed(k, why);
        return 0;
      }
      used = head.size();
      on_open(k);
    }
    while (used < bytes.size() && gen == k.generation && k.state != conn_state::closed) {
      ws::frame_header h;
      const auto rest = bytes.substr(used);
      const auto status = ws::parse_header(rest, h);
      if (status == ws::parse_status::need_more) break;
      if (status == ws::parse_status::bad || h.masked) {
        protocol_error(k, "bad frame from the server");
        return used;
      }
      if (rest.size() - h.header_size < h.payload_size) break;
      const auto payload = rest.substr(h.header_size, static_cast<std::size_t>(h.payload_size));
      used += h.header_size + payload.size();
      on_frame(k, h, payload);
    }
    return used;
  }

  void on_frame(conn& k, const ws::frame_header& h, std::string_view payload) {
    switch (h.op) {
      case ws::opcode::text:
      case ws::opcode::binary:
      case ws::opcode::continuation:
        ++c.frames;
        c.bytes += payload.size();
        if (h.op == ws::opcode::binary) ++c.invalid_messages;
        if (!h.fin || !k.message.empty()) {
          k.message.append(payload);
          if (!h.fin) return;
          std::string whole;
          whole.swap(k.message);
          return on_payload(k, whole);
        }
        return on_payload(k, payload);
      case ws::opcode::ping:
        return send(k, ws::client_frame(ws::opcode::pong, payload, mask_of(k)));
      case ws::opcode::pong:
        return;
      case ws::opcode::close: {
        if (k.state == conn_state::closing) return closed(k);
        std::uint16_t code = 0;
        if (payload.size() >= 2) {
          code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                            static_cast<std::uint8_t>(payload[1]));
        }
        send(k, ws::client_close_frame(close_normal, mask_of(k)));
        return lost(k, "server closed with " + std::to_string(code) + " " +
                           std::string(payload.substr(std::min<std::size_t>(2, payload.size()))));
      }
    }
  }

  void on_payload(conn& k, std::string_view payload) {
    for_each_message(payload, [&](std::string_view text) { on_message(k, text); });
  }

  void on_message(conn& k, std::string_view text) {
    ++c.messages;
    const auto m = scan_message(text);
    switch (m.type) {
      case message_type::update: {
        ++c.updates;
        check_seq(k, m);
        note_epoch(k, m);
        if (m.recv_ts > 0) {
          std::int64_t d = now_us - m.recv_ts;
          if (d < 0) {
            ++c.negative_latencies;
            d = 0;
          }
          second.record(static_cast<std::uint64_t>(d));
          if (measuring) window.record(static_cast<std::uint64_t>(d));
        }
        return;
      }
      case message_type::snapshot:
        ++c.snapshots;
        if (!m.channel.empty()) k.seqs.snapshot(index_of(m.channel), m.seq);
        note_epoch(k, m);
        if (k.churn && k.ready && cycle_on_snapshot()) finish_cycle(k);
        return;
      case message_type::conflated:
        ++c.conflated_notices;
        c.conflated_dropped += static_cast<std::uint64_t>(std::max<std::int64_t>(0, m.dropped));
        k.seqs.conflated(m.dropped);
        return;
      case message_type::ack:
        return mark_ready(k);
      case message_type::error:
        ++c.error_messages;
        note_error("error message: " + std::string(text));
        if (!k.ready) mark_ready(k);  // it will not get an ack: do not wait for it
        return;
      case message_type::invalid:
        ++c.invalid_messages;
        note_error("unreadable message: " + std::string(text.substr(0, 200)));
        return;
      case message_type::reset:
        // The resume was refused (history gone, new epoch...): a snapshot follows.
        ++c.resets;
        if (!m.channel.empty()) k.seqs.forget(index_of(m.channel));
        return;
      case message_type::reconnect:
        // A draining server closes us with 1001 after `after_ms`: reconnect then (to the same
        // URL: a balancer in front sends us to another node), resuming when resuming.
        k.told_to_move = true;
        return;
      case message_type::pong:
      case message_type::other:
        return;
    }
  }

  void check_seq(conn& k, const scanned_message& m) {
    if (m.channel.empty() || m.seq < 0) return;
    k.seqs.update(index_of(m.channel), m.seq, options.throttled, seq_c);
    c.gaps = seq_c.gaps;
    c.gap_events = seq_c.gap_events;
    c.seq_regressions = seq_c.regressions;
    c.skipped = seq_c.skipped;
  }

  // ---- closing --------------------------------------------------------------------------------

  void finish_cycle(conn& k) {
    ++c.cycles;
    begin_close(k);
  }

  void begin_close(conn& k) {
    if (k.state != conn_state::open) {
      if (k.state == conn_state::connecting || k.state == conn_state::handshaking) {
        --in_flight;
        drop(k);
        ++settled_count;
      }
      return;
    }
    k.state = conn_state::closing;
    k.closing_since = steady::now();
    send(k, ws::client_close_frame(close_normal, mask_of(k)));
  }

  // The close handshake is done (or timed out): close the socket.
  void closed(conn& k) {
    const bool churn_again = k.churn && churning && !stopping;
    drop(k);
    if (churn_again) {
      waiting.push_back(&k);
      pump();
    }
  }

  // Closed by the server or the network while we did not ask for it.
  void lost(conn& k, std::string why) {
    if (k.state == conn_state::handshaking || k.state == conn_state::connecting) {
      ++c.handshake_errors;
      note_error("handshake: " + why);
      --in_flight;
      drop(k);
      retry_or_settle(k);
      return pump();
    }
    if (k.state == conn_state::closing) return closed(k);
    if (k.state == conn_state::closed) return;
    if (k.told_to_move && !stopping && k.stall == stall_state::none) {
      ++c.moved;
      if (k.ready && !k.churn) --settled_count;  // it settles again once resubscribed
      drop(k);
      k.moving = true;
      waiting.push_back(&k);
      return pump();
    }
    if (k.stall != stall_state::none) {
      ++c.stall_closed;  // what a slow reader is expected to find
    } else if (!stopping) {
      ++c.disconnects;
      note_error(why);
    }
    const bool was_ready = k.ready;
    drop(k);
    if (k.churn && churning && !stopping) {
      waiting.push_back(&k);
      pump();
    } else if (!was_ready) {
      ++settled_count;
    }
  }

  void handshake_failed(conn& k, const std::string& why) {
    ++c.handshake_errors;
    note_error("handshake: " + why);
    --in_flight;
    drop(k);
    retry_or_settle(k);
    pump();
  }

  void protocol_error(conn& k, const std::string& why) {
    note_error(why);
    send(k, ws::client_close_frame(close_protocol_error, mask_of(k)));
    ++c.disconnects;
    drop(k);
  }

  // Closes the socket and forgets the connection's buffers; counts stay.
  void drop(conn& k) {
    if (k.counted_open) {
      k.counted_open = false;
      --open_count;
      if (k.ready && !k.churn) --ready_count;
    }
    ++k.generation;  // pending handlers for the old socket see a stale generation
    k.state = conn_state::closed;
    k.ready = false;
    k.writing = false;
    if (k.ssl != nullptr) {
      SSL_free(k.ssl);  // the descriptor stays ours (SSL_set_fd does not close it)
      k.ssl = nullptr;
    }
    error_code ec;
    k.sock.close(ec);
    std::string().swap(k.carry);
    std::string().swap(k.message);
    std::string().swap(k.outbox);
    std::string().swap(k.in_flight);
    if (!resuming()) k.seqs.clear();
  }
};

client_pool::client_pool(net::io_context& ioc, pool_options options)
    : impl_(std::make_unique<impl>(ioc, std::move(options))) {}

client_pool::~client_pool() {
  impl_->stopping = true;
  for (auto& k : impl_->conns) impl_->drop(*k);
}

void client_pool::add_clients(std::size_t n, bool churn) {
  auto& d = *impl_;
  for (std::size_t i = 0; i < n; ++i) {
    auto k = std::make_unique<impl::conn>(d.ioc);
    k->index = static_cast<std::uint32_t>(d.conns.size());
    k->churn = churn;
    d.waiting.push_back(k.get());
    d.conns.push_back(std::move(k));
  }
  d.pump();
}

void client_pool::stop_churn() {
  impl_->churning = false;
  std::erase_if(impl_->waiting, [](const impl::conn* k) { return k->churn; });
}

void client_pool::close_all(std::chrono::milliseconds grace) {
  auto& d = *impl_;
  d.stopping = true;
  d.churning = false;
  d.waiting.clear();
  for (auto& k : d.conns) d.begin_close(*k);
  const auto deadline = steady::now() + grace;
  while (steady::now() < deadline && d.open_count > 0) {
    d.ioc.run_for(std::chrono::milliseconds(20));
  }
  for (auto& k : d.conns) d.drop(*k);
}

std::size_t client_pool::planned() const noexcept {
  return impl_->conns.size();
}
std::size_t client_pool::open() const noexcept {
  return impl_->open_count;
}
std::size_t client_pool::ready() const noexcept {
  return impl_->ready_count;
}
std::size_t client_pool::settled() const noexcept {
  return impl_->settled_count;
}
const pool_counters& client_pool::counters() const noexcept {
  return impl_->c;
}
const std::string& client_pool::first_error() const noexcept {
  return impl_->first_error;
}
void client_pool::set_measuring(bool on) noexcept {
  impl_->measuring = on;
}
histogram& client_pool::window_latency() noexcept {
  return impl_->window;
}
histogram& client_pool::second_latency() noexcept {
  return impl_->second;
}
histogram& client_pool::connect_times() noexcept {
  return impl_->connect_us;
}
histogram& client_pool::ready_times() noexcept {
  return impl_->ready_us;
}

latest_check client_pool::check_latest(const std::vector<published_seq>& published) {
  auto& d = *impl_;
  std::vector<std::pair<std::uint32_t, std::int64_t>> by_index;
  by_index.reserve(published.size());
  for (const auto& p : published) by_index.emplace_back(d.index_of(p.channel), p.seq);
  latest_check out;
  for (const auto& k : d.conns) {
    if (k->churn || !k->ready || k->state != conn_state::open) continue;
    bench::check_latest(k->seqs, k->index, by_index, d.channel_names, out);
  }
  return out;
}

void client_pool::housekeeping() {
  auto& d = *impl_;
  const auto now = steady::now();
  for (auto& k : d.conns) {
    if (k->state == conn_state::closing && now - k->closing_since > close_handshake_timeout) {
      d.closed(*k);
      continue;
    }
    if (k->state != conn_state::open) continue;
    if ((k->stall == stall_state::armed || k->stall == stall_state::parked) &&
        now >= k->stall_until) {
      const bool parked = k->stall == stall_state::parked;
      k->stall = stall_state::woken;
      k->woken_at = now;
      k->bytes_since_wake = 0;
      k->last_byte_at = now;
      k->parked_at_wake = parked;
      boost::system::error_code ec;
      k->sock.set_option(net::socket_base::receive_buffer_size(woken_receive_buffer), ec);
      if (parked) d.on_readable(*k);  // reads what waited, then arms the read again
    } else if (k->stall == stall_state::woken && now - k->woken_at > stall_survive_grace) {
      ++d.c.stall_survived;
      // Rare enough to print: whether tickerd kept the session (bytes still arriving) or the
      // connection went quiet without an end.
      std::fprintf(stderr,
                   "slow reader %u survived its stall: %s at wake, %llu bytes read since, last "
                   "byte %.1f s ago\n",
                   k->index, k->parked_at_wake ? "parked" : "armed",
                   static_cast<unsigned long long>(k->bytes_since_wake),
                   std::chrono::duration<double>(now - k->last_byte_at).count());
      k->stall = stall_state::none;
      d.finish_cycle(*k);
    }
  }
}

std::size_t client_pool::recycle(std::size_t n) {
  auto& d = *impl_;
  std::size_t done = 0;
  for (std::size_t seen = 0; seen < d.conns.size() && done < n; ++seen) {
    auto& k = *d.conns[d.recycle_cursor++ % d.conns.size()];
    if (!k.churn || !k.ready || k.state != conn_state::open) continue;
    d.finish_cycle(k);
    ++done;
  }
  return done;
}

std::size_t client_pool::send_bad(std::size_t n) {
  auto& d = *impl_;
  std::size_t done = 0;
  for (std::size_t seen = 0; seen < d.conns.size() && done < n; ++seen) {
    auto& k = *d.conns[d.bad_cursor++ % d.conns.size()];
    if (!k.ready || k.state != conn_state::open) continue;
    const auto text = bad_requests[d.c.bad_sent % bad_requests.size()];
    d.send(k, ws::client_frame(ws::opcode::text, text, d.mask_of(k)));
    ++d.c.bad_sent;
    ++done;
  }
  return done;
}

}  // namespace tickerd::bench
