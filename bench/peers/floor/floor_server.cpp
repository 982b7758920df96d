// floor-server: the bare fan-out floor tickerd-bench measures tickerd against (issue 13).
//
// What any WebSocket ticker fan-out must do, and nothing else: one thread, one epoll, the HTTP
// upgrade, one text subscribe per client (answered with an `ack`; its channels are ignored: every
// client gets every ticker), tickerd-sim's Binance combined stream read upstream, each ticker
// turned into the same `update` text tickerd sends (same fields, same sizes), and a 1 ms tick that
// frames the tick's due updates once (several messages in one frame, `\n`-separated, as tickerd
// does when busy) and writes that frame to each client with one write (writev when a client has a
// backlog). No limits, no conflation, no resume, no snapshots, no slow-consumer close, no throttle,
// no TLS: what tickerd costs beyond this is tickerd's own. Not a product component.
//
// Issue 17: the same for trades and top of book. A `<sym>@trade` frame becomes one update of
// the tape `trades.<SYM>` carrying its trade (one update per upstream frame, with `first` and
// `count`, as tickerd does), a `<sym>@bookTicker` frame one update of `bbo.<SYM>` (the one-venue
// consolidated book, spread computed exactly). Which streams it reads is the upstream URL's
// choice: tickerd-bench asks for the streams of the channels its clients subscribe to.
//
// Issue 18: a `<sym>@depth@100ms` frame (`depthUpdate`) is applied to the floor's book of that
// symbol (a price-ordered map a side; size 0 removes the level) and becomes one update carrying
// the top 20 a side, as tickerd's `book20` (`--book venue`: `book20.<SYM>@binance`; `--book
// composed`: the one-venue composed `book20.<SYM>`, each level naming binance). It does not
// fetch the REST snapshot, check `U`/`u`, resync, or skip a frame that left the top 20 alone:
// its book holds the levels the stream named since it connected, so it is the floor's cost of
// applying and framing a depth stream, not a correct book.
//
//   floor-server --port 8091 --upstream 'ws://127.0.0.1:9001/stream?streams=btcusdt@ticker/...'
//   floor-server --port 8091 --upstream 'ws://127.0.0.1:9001/stream?streams=btcusdt@trade'
//   floor-server --port 8091 --upstream '...?streams=btcusdt@depth@100ms' --book composed
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t backlog_limit = 8u << 20;  // a client this far behind is cut (memory bound)
constexpr std::string_view epoch = "f100f100";

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_stop(int) {
  stop_requested = 1;
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void set_nodelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Server frame header (FIN, opcode, unmasked length) for a payload of `n` bytes.
void append_header(std::string& out, std::uint8_t opcode, std::size_t n) {
  out.push_back(static_cast<char>(0x80 | opcode));
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
}

struct frame_view {
  std::uint8_t opcode = 0;
  std::string_view payload;  // unmasked in place
  std::size_t size = 0;      // whole frame; 0: incomplete
};

// One frame at the start of `buf` (masked or not); unmasks the payload in place.
frame_view next_frame(std::string& buf) {
  frame_view f;
  if (buf.size() < 2) return f;
  const auto* p = reinterpret_cast<unsigned char*>(buf.data());
  const bool masked = (p[1] & 0x80) != 0;
  std::size_t len = p[1] & 0x7f;
  std::size_t at = 2;
  if (len == 126) {
    if (buf.size() < 4) return f;
    len = (std::size_t{p[2]} << 8) | p[3];
    at = 4;
  } else if (len == 127) {
    if (buf.size() < 10) return f;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
    at = 10;
  }
  const std::size_t mask_at = at;
  if (masked) at += 4;
  if (buf.size() < at + len) return f;
  if (masked) {
    for (std::size_t i = 0; i < len; ++i)
      buf[at + i] = static_cast<char>(p[at + i] ^ p[mask_at + (i & 3)]);
  }
  f.opcode = p[0] & 0x0f;
  f.payload = std::string_view(buf).substr(at, len);
  f.size = at + len;
  return f;
}

std::string accept_key(std::string_view key) {
  std::string in(key);
  in += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  unsigned char b64[64];
  const int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
}

std::string_view header_value(std::string_view head, std::string_view name) {
  // Case-sensitive on the names our clients and tickerd-sim send: this is a bench tool.
  const auto at = head.find(name);
  if (at == std::string_view::npos) return {};
  auto rest = head.substr(at + name.size());
  while (!rest.empty() && (rest.front() == ':' || rest.front() == ' ')) rest.remove_prefix(1);
  return rest.substr(0, rest.find("\r\n"));
}

// `"k":"value"` or `"k":value` from a flat Binance ticker object; empty if absent.
std::string_view field(std::string_view obj, std::string_view key) {
  std::string pat = "\"";
  pat += key;
  pat += "\":";
  const auto at = obj.find(pat);
  if (at == std::string_view::npos) return {};
  auto v = obj.substr(at + pat.size());
  if (!v.empty() && v.front() == '"') {
    v.remove_prefix(1);
    return v.substr(0, v.find('"'));
  }
  return v.substr(0, v.find_first_of(",}"));
}

struct client {
  int fd = -1;
  bool upgraded = false;
  bool subscribed = false;
  std::string in;       // request bytes not yet handled
  std::string backlog;  // bytes of earlier ticks the socket did not take
};

class floor_server {
 public:
  floor_server(std::uint16_t port, std::string up_host, std::uint16_t up_port,
               std::string up_target, bool composed_book)
      : up_host_(std::move(up_host)),
        up_port_(up_port),
        up_target_(std::move(up_target)),
        composed_book_(composed_book) {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 4096) != 0) {
      std::perror("floor-server: bind/listen");
      std::exit(2);
    }
    watch(listen_fd_, EPOLLIN);
    timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    itimerspec every_ms{};
    every_ms.it_interval.tv_nsec = 1'000'000;
    every_ms.it_value.tv_nsec = 1'000'000;
    ::timerfd_settime(timer_fd_, 0, &every_ms, nullptr);
    watch(timer_fd_, EPOLLIN);
    std::printf("floor-server listening on 127.0.0.1:%u\n", static_cast<unsigned>(port));
    std::fflush(stdout);
  }

  void run() {
    std::array<epoll_event, 256> events{};
    while (stop_requested == 0) {
      const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == listen_fd_) {
          accept_all();
        } else if (fd == timer_fd_) {
          std::uint64_t expirations = 0;
          (void)::read(timer_fd_, &expirations, sizeof expirations);
          tick();
        } else if (fd == up_fd_) {
          read_upstream();
        } else {
          read_client(fd);
        }
      }
    }
  }

 private:
  void watch(int fd, std::uint32_t what) {
    epoll_event ev{};
    ev.events = what;
    ev.data.fd = fd;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }

  void accept_all() {
    while (true) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      set_nodelay(fd);
      if (static_cast<std::size_t>(fd) >= clients_.size())
        clients_.resize(static_cast<std::size_t>(fd) + 1);
      clients_[static_cast<std::size_t>(fd)] = std::make_unique<client>();
      clients_[static_cast<std::size_t>(fd)]->fd = fd;
      watch(fd, EPOLLIN);
    }
  }

  void drop(client& c) {
    ::close(c.fd);  // also leaves the epoll set
    clients_[static_cast<std::size_t>(c.fd)].reset();
  }

  // A direct write for replies (101, ack): small, and a client's socket takes them whole.
  void reply(client& c, std::string_view bytes) {
    if (!c.backlog.empty()) {
      c.backlog.append(bytes);
      return;
    }
    const auto n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) return drop(c);
    if (n < static_cast<ssize_t>(bytes.size()))
      c.backlog.append(bytes.substr(n < 0 ? 0 : static_cast<std::size_t>(n)));
  }

  void read_client(int fd) {
    auto& slot = clients_[static_cast<std::size_t>(fd)];
    if (!slot) return;
    client& c = *slot;
    char buf[4096];
    while (true) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN)) return drop(c);
      if (n < 0) break;
      c.in.append(buf, static_cast<std::size_t>(n));
    }
    if (!c.upgraded) {
      const auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      const auto key = header_value(std::string_view(c.in).substr(0, end), "Sec-WebSocket-Key");
      if (key.empty()) return drop(c);
      std::string resp =
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: ";
      resp += accept_key(key);
      resp += "\r\n\r\n";
      c.in.erase(0, end + 4);
      c.upgraded = true;
      reply(c, resp);
    }
    while (true) {
      const auto f = next_frame(c.in);
      if (f.size == 0) return;
      if (f.opcode == 0x8) return drop(c);
      if (f.opcode == 0x1 && !c.subscribed) {
        c.subscribed = true;
        std::string ack;
        constexpr std::string_view text =
            R"({"type":"ack","op":"subscribe","channels":["ticker.*"]})";
        append_header(ack, 0x1, text.size());
        ack += text;
        reply(c, ack);
      }
      c.in.erase(0, f.size);
    }
  }

  // ---- upstream: tickerd-sim's Binance combined stream ---------------------------------------
  void connect_upstream() {
    up_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(up_port_);
    ::inet_pton(AF_INET, up_host_.c_str(), &a.sin_addr);
    if (::connect(up_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(up_fd_);
      up_fd_ = -1;
      return;  // retried by the tick
    }
    const std::string req = "GET " + up_target_ + " HTTP/1.1\r\nHost: " + up_host_ + ":" +
                            std::to_string(up_port_) +
                            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n";
    (void)::send(up_fd_, req.data(), req.size(), MSG_NOSIGNAL);
    up_in_.clear();
    up_upgraded_ = false;
    ::fcntl(up_fd_, F_SETFL, ::fcntl(up_fd_, F_GETFL) | O_NONBLOCK);
    const int on = 1;
    ::setsockopt(up_fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    watch(up_fd_, EPOLLIN);
  }

  void close_upstream() {
    ::close(up_fd_);
    up_fd_ = -1;
  }

  // recv_ts is the kernel's arrival time of the bytes (SO_TIMESTAMPNS), not the time of the
  // read: this single thread reads upstream only between its write rounds, and a stamp taken
  // at the read would hide the wait in the socket buffer. (tickerd reads on its own ingest
  // thread, woken by the arrival, so its stamp at the read is close to the arrival.)
  void read_upstream() {
    char buf[65536];
    std::int64_t recv_ts = 0;
    while (true) {
      iovec iov{buf, sizeof buf};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const auto n = ::recvmsg(up_fd_, &msg, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN)) return close_upstream();
      if (n < 0) break;
      for (auto* c = CMSG_FIRSTHDR(&msg); c != nullptr && recv_ts == 0; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts{};
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          recv_ts = std::int64_t{ts.tv_sec} * 1'000'000 + ts.tv_nsec / 1000;
        }
      }
      if (recv_ts == 0) recv_ts = now_us();
      up_in_.append(buf, static_cast<std::size_t>(n));
    }
    if (!up_upgraded_) {
      const auto end = up_in_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      up_in_.erase(0, end + 4);
      up_upgraded_ = true;
    }
    while (true) {
      const auto f = next_frame(up_in_);
      if (f.size == 0) return;
      if (f.opcode == 0x1) on_frame(f.payload, recv_ts);
      if (f.opcode == 0x9) pong(f.payload);
      if (f.opcode == 0x8) return close_upstream();
      up_in_.erase(0, f.size);
    }
  }

  void pong(std::string_view payload) {
    std::string out;
    out.push_back(static_cast<char>(0x8A));
    out.push_back(static_cast<char>(0x80 | payload.size()));  // control frames are < 126 bytes
    out.append(4, '\0');                                      // a zero mask: payload as is
    out.append(payload);
    (void)::send(up_fd_, out.data(), out.size(), MSG_NOSIGNAL);
  }

  static std::string symbol_of(std::string_view native) {
    for (std::string_view quote : {"USDT", "USDC", "USD", "BTC", "ETH"}) {
      if (native.size() > quote.size() && native.ends_with(quote)) {
        std::string s(native.substr(0, native.size() - quote.size()));
        s += '-';
        s += quote;
        return s;
      }
    }
    return std::string(native);
  }

  // One combined-stream frame: {"stream":"btcusdt@trade","data":{...}}.
  void on_frame(std::string_view msg, std::int64_t recv_ts) {
    const auto data_at = msg.find("\"data\":");
    if (data_at == std::string_view::npos) return;
    const auto d = msg.substr(data_at);
    const auto stream = field(msg, "stream");
    if (stream.ends_with("@bookTicker")) return on_book(d, recv_ts);
    if (stream.find("@depth") != std::string_view::npos) return on_depth(d, recv_ts);
    const auto e = field(d, "e");
    if (e == "24hrTicker") return on_ticker(d, recv_ts);
    if (e == "trade") return on_trade(d, recv_ts);
  }

  // {"type":"update","channel":"<kind>.<SYM>","seq":N,"epoch":…,"data":{"symbol":"<SYM>" — the
  // head of every update, queued for the next tick (the caller writes the rest of `data`).
  std::string& begin_update(std::string_view kind, const std::string& symbol,
                            std::string_view venue_suffix = {}) {
    std::string channel(kind);
    channel += '.';
    channel += symbol;
    channel += venue_suffix;
    const auto seq = ++seqs_[channel];
    std::string& o = due_;
    if (!o.empty()) o += '\n';
    o += R"({"type":"update","channel":")";
    o += channel;
    o += R"(","seq":)";
    o += std::to_string(seq);
    o += R"(,"epoch":")";
    o += epoch;
    o += R"(","data":{"symbol":")";
    o += symbol;
    return o;
  }

  // The tape's update for one trade, as tickerd's trade_json encodes it (docs/PROTOCOL.md).
  void on_trade(std::string_view d, std::int64_t recv_ts) {
    const auto symbol = symbol_of(field(d, "s"));
    auto& first = trade_counts_[symbol];
    ++first;
    std::string& o = begin_update("trades", symbol);
    o += R"(","first":)";
    o += std::to_string(first);
    o += R"(,"count":1,"trades":[{"id":")";
    o += field(d, "t");
    o += R"(","price":")";
    o += field(d, "p");
    o += R"(","qty":")";
    o += field(d, "q");
    o += field(d, "m") == "true" ? R"(","side":"sell","ts":)" : R"(","side":"buy","ts":)";
    o += field(d, "T");
    o += "000";  // ms as µs
    o += R"(,"recv_ts":)";
    o += std::to_string(recv_ts);
    o += R"(,"venue":"binance"}]}})";
  }

  // The consolidated top of book of one venue, as tickerd's consolidated_bbo encodes it.
  void on_book(std::string_view d, std::int64_t recv_ts) {
    const auto symbol = symbol_of(field(d, "s"));
    const auto bid = field(d, "b");
    const auto ask = field(d, "a");
    std::string& o = begin_update("bbo", symbol);
    o += R"(","bid":")";
    o += bid;
    o += R"(","bid_qty":")";
    o += field(d, "B");
    o += R"(","bid_venue":"binance","ask":")";
    o += ask;
    o += R"(","ask_qty":")";
    o += field(d, "A");
    o += R"(","ask_venue":"binance","spread":")";
    o += difference(ask, bid);
    o += R"(","crossed":false,"locked":false,"recv_ts":)";  // bookTicker has no event time
    o += std::to_string(recv_ts);
    o += R"(,"venues":["binance"],"stale":false}})";
  }

  // One side of the floor's book: price (as an integer at 1e-8) to the level's [price, size]
  // texts, as the venue wrote them.
  using book_side = std::map<long long, std::pair<std::string, std::string>>;
  struct depth_book {
    book_side bids;
    book_side asks;
  };

  static long long price_key(std::string_view px) {
    long long m = 0;
    int scale = -1;
    for (const char c : px) {
      if (c == '.') {
        scale = 0;
        continue;
      }
      if (scale >= 8) break;
      m = m * 10 + (c - '0');
      if (scale >= 0) ++scale;
    }
    for (scale = scale < 0 ? 0 : scale; scale < 8; ++scale) m *= 10;
    return m;
  }

  // Applies the ["px","qty"] pairs of the array `key` in `d` to `side` (qty 0: removed).
  static void apply_levels(std::string_view d, std::string_view key, book_side& side) {
    std::string pat = "\"";
    pat += key;
    pat += "\":[";
    auto at = d.find(pat);
    if (at == std::string_view::npos) return;
    at += pat.size();
    while (at < d.size() && d[at] == '[') {
      const auto px_begin = d.find('"', at) + 1;
      const auto px_end = d.find('"', px_begin);
      const auto qty_begin = d.find('"', px_end + 1) + 1;
      const auto qty_end = d.find('"', qty_begin);
      const auto close = d.find(']', qty_end);
      if (px_end == std::string_view::npos || qty_end == std::string_view::npos ||
          close == std::string_view::npos)
        return;
      const auto px = d.substr(px_begin, px_end - px_begin);
      const auto qty = d.substr(qty_begin, qty_end - qty_begin);
      const bool zero = qty.find_first_not_of("0.") == std::string_view::npos;
      if (zero) {
        side.erase(price_key(px));
      } else {
        side[price_key(px)] = {std::string(px), std::string(qty)};
      }
      at = close + 1;
      if (at < d.size() && d[at] == ',') ++at;
    }
  }

  // The top 20 of one side as `[["px","qty"],…]` (composed: `[["px","qty",{"binance":"qty"}],…]`).
  template <typename It>
  void append_side(std::string& o, It it, It end) const {
    o += '[';
    for (int n = 0; it != end && n < 20; ++it, ++n) {
      if (n) o += ',';
      o += "[\"";
      o += it->second.first;
      o += "\",\"";
      o += it->second.second;
      if (composed_book_) {
        o += R"(",{"binance":")";
        o += it->second.second;
        o += "\"}]";
      } else {
        o += "\"]";
      }
    }
    o += ']';
  }

  // A Binance depthUpdate applied to the symbol's book, then its top 20 as one update.
  void on_depth(std::string_view d, std::int64_t recv_ts) {
    const auto symbol = symbol_of(field(d, "s"));
    auto& book = books_[symbol];
    apply_levels(d, "b", book.bids);
    apply_levels(d, "a", book.asks);
    std::string& o = begin_update("book20", symbol, composed_book_ ? "" : "@binance");
    o += composed_book_ ? R"(","depth":20,"status":"ready","bids":)"
                        : R"(","venue":"binance","depth":20,"status":"ready","bids":)";
    append_side(o, book.bids.rbegin(), book.bids.rend());
    o += R"(,"asks":)";
    append_side(o, book.asks.begin(), book.asks.end());
    if (composed_book_) {
      if (!book.bids.empty() && !book.asks.empty()) {
        o += R"(,"spread":")";
        o += difference(book.asks.begin()->second.first, book.bids.rbegin()->second.first);
        o += R"(","crossed":false,"locked":false)";
      }
    } else {
      o += R"(,"update_id":)";
      o += field(d, "u");
    }
    o += R"(,"ts":)";
    o += field(d, "E");
    o += "000";  // ms as µs
    o += R"(,"recv_ts":)";
    o += std::to_string(recv_ts);
    o += composed_book_ ? R"(,"venues":["binance"]}})" : R"(,"stale":false}})";
  }

  // a - b of two non-negative decimal texts, exact, at the larger scale ("0.10000000").
  static std::string difference(std::string_view a, std::string_view b) {
    const auto parse = [](std::string_view t, long long& m, int& scale) {
      m = 0;
      scale = -1;
      for (const char c : t) {
        if (c == '.') {
          scale = 0;
          continue;
        }
        m = m * 10 + (c - '0');
        if (scale >= 0) ++scale;
      }
      if (scale < 0) scale = 0;
    };
    long long ma = 0;
    long long mb = 0;
    int sa = 0;
    int sb = 0;
    parse(a, ma, sa);
    parse(b, mb, sb);
    for (; sa < sb; ++sa) ma *= 10;
    for (; sb < sa; ++sb) mb *= 10;
    long long m = ma - mb;
    std::string out = m < 0 ? "-" : "";
    if (m < 0) m = -m;
    std::string digits = std::to_string(m);
    if (sa > 0) {
      if (digits.size() <= static_cast<std::size_t>(sa))
        digits.insert(0, static_cast<std::size_t>(sa) + 1 - digits.size(), '0');
      digits.insert(digits.size() - static_cast<std::size_t>(sa), 1, '.');
    }
    return out + digits;
  }

  // The same `update` tickerd sends for a one-venue composite ticker (docs/PROTOCOL.md).
  void on_ticker(std::string_view d, std::int64_t recv_ts) {
    const auto symbol = symbol_of(field(d, "s"));
    std::string& o = begin_update("ticker", symbol);
    const auto str = [&](std::string_view name, std::string_view key) {
      o += "\",\"";
      o += name;
      o += "\":\"";
      o += field(d, key);
    };
    str("last", "c");
    str("open_24h", "o");
    str("high_24h", "h");
    str("low_24h", "l");
    str("change_pct", "P");
    str("volume_base", "v");
    str("volume_quote", "q");
    str("bid", "b");
    str("bid_qty", "B");
    str("ask", "a");
    str("ask_qty", "A");
    o += R"(","ts":)";
    o += field(d, "E");
    o += "000";  // Binance's ms as tickerd's µs (docs/PROTOCOL.md, Conventions)
    o += R"(,"recv_ts":)";
    o += std::to_string(recv_ts);
    o += R"(,"venues":["binance"],"stale":false}})";
  }

  // Every due update in one frame, framed once, one write per client.
  void tick() {
    if (up_fd_ < 0 && ++reconnect_ticks_ >= 50) {
      reconnect_ticks_ = 0;
      connect_upstream();
    }
    if (due_.empty()) return;
    frame_.clear();
    append_header(frame_, 0x1, due_.size());
    frame_ += due_;
    due_.clear();
    for (auto& slot : clients_) {
      if (!slot || !slot->subscribed) continue;
      client& c = *slot;
      iovec iov[2];
      int count = 0;
      if (!c.backlog.empty()) iov[count++] = {c.backlog.data(), c.backlog.size()};
      iov[count++] = {frame_.data(), frame_.size()};
      const auto n = ::writev(c.fd, iov, count);
      if (n < 0 && errno != EAGAIN) {
        drop(c);
        continue;
      }
      auto taken = static_cast<std::size_t>(n < 0 ? 0 : n);
      if (!c.backlog.empty()) {
        const auto from_backlog = std::min(taken, c.backlog.size());
        c.backlog.erase(0, from_backlog);
        taken -= from_backlog;
      }
      if (taken < frame_.size()) c.backlog.append(frame_, taken);
      if (c.backlog.size() > backlog_limit) drop(c);
    }
  }

  int ep_ = -1;
  int listen_fd_ = -1;
  int timer_fd_ = -1;
  int up_fd_ = -1;
  int reconnect_ticks_ = 1000;
  bool up_upgraded_ = false;
  std::string up_host_;
  std::uint16_t up_port_;
  std::string up_target_;
  std::string up_in_;
  std::string due_;
  std::string frame_;
  std::map<std::string, std::uint64_t> seqs_;          // by channel
  std::map<std::string, std::uint64_t> trade_counts_;  // by symbol: the tape's `first`
  std::map<std::string, depth_book> books_;            // by symbol
  bool composed_book_ = false;  // --book composed: book20.<SYM>, else book20.<SYM>@binance
  std::vector<std::unique_ptr<client>> clients_;  // by descriptor
};

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  std::string upstream;
  bool composed_book = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k = argv[i];
    if (k == "--port") port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    if (k == "--upstream") upstream = argv[i + 1];
    if (k == "--book") composed_book = std::string_view(argv[i + 1]) == "composed";
  }
  constexpr std::string_view scheme = "ws://";
  const auto slash = upstream.find('/', scheme.size());
  const auto colon = upstream.rfind(':', slash);
  if (port == 0 || !upstream.starts_with(scheme) || slash == std::string::npos ||
      colon == std::string::npos || colon < scheme.size()) {
    std::fprintf(
        stderr,
        "usage: floor-server --port N --upstream ws://HOST:PORT/PATH [--book venue|composed]\n");
    return 2;
  }
  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  std::signal(SIGPIPE, SIG_IGN);
  floor_server s(port, upstream.substr(scheme.size(), colon - scheme.size()),
                 static_cast<std::uint16_t>(std::atoi(upstream.c_str() + colon + 1)),
                 upstream.substr(slash), composed_book);
  s.run();
  return 0;
}
