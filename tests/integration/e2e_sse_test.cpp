// GET /v1/sse (docs/PROTOCOL.md "Server-sent events") against a real tickerd fed by
// tickerd-sim: read by curl (-N) and by a raw socket client that records every event.
// Snapshot then updates with ids, throttle, resume from Last-Event-ID and `since` without gap
// or duplicate, reset when the history does not reach back, refusals with 400/429, heartbeat
// comments on a quiet stream, and the close event at shutdown.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;

struct sse_event {
  bool has_id = false;
  std::string id;    // as sent, when has_id
  std::string data;  // the JSON text
  json_value json;
  const std::string& type() const { return json["type"].str(); }
  const std::string& channel() const { return json["channel"].str(); }
  std::int64_t seq() const { return json["seq"].integer(); }
};

// An SSE stream's body, parsed as EventSource does (fields per line, an event per blank line,
// comments counted). Keeps the unfinished rest.
struct sse_parser {
  std::string rest;
  std::vector<sse_event> events;
  std::size_t comments = 0;
  sse_event current;
  bool has_data = false;

  void feed(std::string_view bytes) {
    rest.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl; (nl = rest.find('\n', start)) != std::string::npos; start = nl + 1) {
      line(std::string_view(rest).substr(start, nl - start));
    }
    rest.erase(0, start);
  }

  void line(std::string_view l) {
    if (l.empty()) {
      if (has_data) {
        current.json = json_value::parse(current.data).value_or(json_value{});
        events.push_back(std::move(current));
      }
      current = {};
      has_data = false;
      return;
    }
    if (l.front() == ':') {
      ++comments;
      return;
    }
    const auto colon = l.find(':');
    const auto field = l.substr(0, colon);
    auto value = colon == std::string_view::npos ? std::string_view{} : l.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "id") {
      current.has_id = true;
      current.id = std::string(value);
    } else if (field == "data") {
      if (has_data) current.data.push_back('\n');
      current.data.append(value);
      has_data = true;
    }
  }
};

// A raw socket client for one stream, reading on its own thread.
class sse_client {
 public:
  ~sse_client() { disconnect(); }

  testing::AssertionResult connect(std::uint16_t port, const std::string& target,
                                   const std::string& extra_headers = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer_ > 0) {
      // Fixed and small (no autotuning): a client that stops reading backs the server up.
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_, sizeof receive_buffer_);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return testing::AssertionFailure() << "connect failed";
    }
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                            "Accept: text/event-stream\r\n" + extra_headers + "\r\n";
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      return testing::AssertionFailure() << "send failed";
    }
    reader_ = std::thread([this] { read_loop(); });
    return testing::AssertionSuccess();
  }

  void set_receive_buffer(int bytes) { receive_buffer_ = bytes; }
  void pause_reading() { paused_ = true; }
  void resume_reading() { paused_ = false; }

  void disconnect() {
    stop_ = true;
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Waits until the head is in; its status code (0 if none came).
  int status(duration timeout = default_timeout) {
    wait([&] { return !head_.empty() || closed_; }, timeout);
    std::lock_guard lock(mutex_);
    if (head_.size() < 12) return 0;
    return std::stoi(head_.substr(9, 3));
  }
  std::string head() const {
    std::lock_guard lock(mutex_);
    return head_;
  }
  std::string body() const {
    std::lock_guard lock(mutex_);
    return parser_.rest;
  }

  // Waits until `pred` holds for the events so far (under the lock).
  bool wait_until(const std::function<bool(const std::vector<sse_event>&)>& pred,
                  duration timeout = default_timeout) {
    return wait([&] { return pred(parser_.events); }, timeout);
  }
  bool wait_comments(std::size_t n, duration timeout = default_timeout) {
    return wait([&] { return parser_.comments >= n; }, timeout);
  }
  bool wait_closed(duration timeout = default_timeout) {
    return wait([&] { return closed_; }, timeout);
  }
  std::vector<sse_event> events() const {
    std::lock_guard lock(mutex_);
    return parser_.events;
  }
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  bool wait(const std::function<bool()>& pred, duration timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, pred);
  }

  void read_loop() {
    char buf[16384];
    std::string pending_head;
    while (!stop_) {
      if (paused_) {
        std::this_thread::sleep_for(milliseconds(20));  // not reading is the point
        continue;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      std::lock_guard lock(mutex_);
      if (n <= 0) {
        closed_ = true;
        changed_.notify_all();
        return;
      }
      std::string_view in(buf, static_cast<std::size_t>(n));
      if (head_.empty()) {
        pending_head.append(in);
        const auto end = pending_head.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        head_ = pending_head.substr(0, end + 4);
        parser_.feed(std::string_view(pending_head).substr(end + 4));
      } else {
        parser_.feed(in);
      }
      changed_.notify_all();
    }
  }

  int fd_ = -1;
  std::thread reader_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  int receive_buffer_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string head_;
  sse_parser parser_;
  bool closed_ = false;
};

std::size_t count_type(const std::vector<sse_event>& events, std::string_view type,
                       std::string_view channel = {}) {
  std::size_t n = 0;
  for (const auto& e : events) {
    if (e.type() == type && (channel.empty() || e.channel() == channel)) ++n;
  }
  return n;
}

std::string tail(const std::vector<sse_event>& events, std::size_t n = 8) {
  std::string out;
  for (std::size_t i = events.size() > n ? events.size() - n : 0; i < events.size(); ++i) {
    out += "  id=" + (events[i].has_id ? events[i].id : "(none)") + " " + events[i].data + "\n";
  }
  return out;
}

// The positions an id names, one "epoch:seq" or "-" per channel.
std::vector<std::string> split_id(const std::string& id) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t c; (c = id.find(',', start)) != std::string::npos; start = c + 1) {
    out.push_back(id.substr(start, c - start));
  }
  out.push_back(id.substr(start));
  return out;
}

// Every event showing a channel's state carries an id whose position for that channel is its
// own epoch:seq, and per channel a snapshot comes first, then seq rises by exactly one.
// With `conflated`, seq may skip ahead after a `conflated` notice.
testing::AssertionResult check_stream(const std::vector<sse_event>& events,
                                      const std::vector<std::string>& channels,
                                      bool conflated = false) {
  std::map<std::string, std::int64_t> last;
  bool notice = false;
  for (const auto& e : events) {
    notice = notice || e.type() == "conflated";
    if (e.type() != "snapshot" && e.type() != "update") {
      if (e.has_id) return testing::AssertionFailure() << "id on a " << e.type() << ": " << e.data;
      continue;
    }
    if (!e.has_id) {
      // A channel nothing was published on yet: no position to name.
      if (e.type() == "snapshot" && e.seq() == 0 && e.json["data"].is_null()) {
        last[e.channel()] = 0;
        continue;
      }
      return testing::AssertionFailure() << "no id: " << e.data;
    }
    const auto parts = split_id(e.id);
    if (parts.size() != channels.size()) {
      return testing::AssertionFailure() << "id " << e.id << " for " << channels.size();
    }
    std::size_t index = 0;
    while (index < channels.size() && channels[index] != e.channel()) ++index;
    if (index == channels.size()) return testing::AssertionFailure() << "channel " << e.channel();
    const auto own = e.json["epoch"].str() + ":" + std::to_string(e.seq());
    if (parts[index] != own) {
      return testing::AssertionFailure() << "id " << e.id << " does not show " << own;
    }
    const auto it = last.find(e.channel());
    if (e.type() == "update") {
      if (it == last.end()) return testing::AssertionFailure() << "update before snapshot";
      if (e.seq() != it->second + 1 && !(conflated && notice && e.seq() > it->second)) {
        return testing::AssertionFailure()
               << e.channel() << " seq " << it->second << " then " << e.seq();
      }
    }
    last[e.channel()] = e.seq();
  }
  return testing::AssertionSuccess();
}

// Debian's curl (scripts/install-deps.sh test).
const std::string curl_path = "/usr/bin/curl";

const std::vector<std::string> two = {"ticker.BTC-USDT", "ticker.ETH-USDT"};
const std::string two_target = "/v1/sse?channels=ticker.BTC-USDT,ticker.ETH-USDT";

// What curl -N prints of a stream, parsed, until `pred` holds or the deadline.
testing::AssertionResult curl_until(child_process& curl,
                                    const std::function<bool(const sse_parser&)>& pred,
                                    sse_parser& out, duration timeout = default_timeout) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    out = {};
    out.feed(curl.stdout_text());
    if (pred(out)) return testing::AssertionSuccess();
    if (steady_clock::now() > deadline || !curl.running()) {
      return testing::AssertionFailure() << "curl output so far:\n"
                                         << tail(out.events) << "\n"
                                         << curl.logs();
    }
    std::this_thread::sleep_for(milliseconds(50));  // polling a file, with a deadline
  }
}

TEST(e2e_sse, curl_gets_snapshots_then_updates_with_ids_and_the_stream_headers) {
  stack s;
  ASSERT_TRUE(s.start());
  child_process curl;
  const auto headers = s.dir().path() / "curl.headers";
  ASSERT_TRUE(curl.spawn({curl_path, "-sS", "-N", "-D", headers.string(),
                          "http://127.0.0.1:" + std::to_string(s.port()) + two_target},
                         s.dir().path(), "curl"));
  sse_parser p;
  ASSERT_TRUE(curl_until(
      curl,
      [](const sse_parser& q) {
        return count_type(q.events, "update", two[0]) >= 3 &&
               count_type(q.events, "update", two[1]) >= 3;
      },
      p));
  curl.stop();
  EXPECT_EQ(p.events.front().type(), "ack") << tail(p.events);
  EXPECT_FALSE(p.events.front().has_id);
  EXPECT_EQ(count_type(p.events, "snapshot"), 2u) << tail(p.events);
  EXPECT_TRUE(check_stream(p.events, two));
  const auto head = read_text_file(headers);
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-cache"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Accel-Buffering: no"), std::string::npos) << head;
}

// A client that left after the event with id X and comes back with Last-Event-ID: X gets
// exactly what came after X in every channel: no snapshot, no gap, no duplicate.
TEST(e2e_sse, resume_from_last_event_id_has_no_gap_and_no_duplicate) {
  stack s;
  ASSERT_TRUE(s.start());
  sse_client first;
  ASSERT_TRUE(first.connect(s.port(), two_target));
  ASSERT_EQ(first.status(), 200);
  ASSERT_TRUE(first.wait_until([](const auto& all) {
    return count_type(all, "update", two[0]) >= 4 && count_type(all, "update", two[1]) >= 4;
  })) << tail(first.events());
  first.disconnect();
  const auto seen = first.events();
  ASSERT_TRUE(check_stream(seen, two));
  // Leave after the third update, wherever it is.
  std::size_t cut = 0;
  for (std::size_t i = 0, updates = 0; i < seen.size(); ++i) {
    if (seen[i].type() == "update" && ++updates == 3) cut = i;
  }
  const auto last_id = seen[cut].id;
  const auto positions = split_id(last_id);

  sse_client again;
  ASSERT_TRUE(again.connect(s.port(), two_target, "Last-Event-ID: " + last_id + "\r\n"));
  ASSERT_EQ(again.status(), 200);
  ASSERT_TRUE(again.wait_until([&](const auto& all) {
    return count_type(all, "update", two[0]) >= 2 && count_type(all, "update", two[1]) >= 2;
  })) << tail(again.events());
  const auto resumed = again.events();
  EXPECT_EQ(count_type(resumed, "snapshot"), 0u) << tail(resumed);
  EXPECT_EQ(count_type(resumed, "reset"), 0u) << tail(resumed);
  for (std::size_t c = 0; c < two.size(); ++c) {
    const auto seq_at = std::stoll(positions[c].substr(positions[c].find(':') + 1));
    std::int64_t expect = seq_at + 1;
    for (const auto& e : resumed) {
      if (e.channel() != two[c]) continue;
      EXPECT_EQ(e.seq(), expect) << two[c] << " after " << last_id << "\n" << tail(resumed);
      // The same update as the first stream carried, where it got that far.
      for (const auto& old : seen) {
        if (old.type() == "update" && old.channel() == two[c] && old.seq() == e.seq()) {
          EXPECT_EQ(old.data, e.data);
        }
      }
      ++expect;
    }
  }
}

// `since` in the query does the same for a client that cannot send headers (curl here), and
// Last-Event-ID wins over it: a reconnecting EventSource keeps its URL.
TEST(e2e_sse, since_resumes_and_a_position_the_history_lost_gets_reset_and_snapshot) {
  stack_options o;
  o.extra_toml = "[node]\nresume_history = 16";
  stack s(o);
  ASSERT_TRUE(s.start());
  sse_client first;
  ASSERT_TRUE(first.connect(s.port(), "/v1/sse?channels=ticker.BTC-USDT"));
  ASSERT_TRUE(first.wait_until([](const auto& all) {
    return count_type(all, "update", "ticker.BTC-USDT") >= 20;
  })) << tail(first.events());
  first.disconnect();
  const auto seen = first.events();
  const auto& latest = seen.back();
  ASSERT_EQ(latest.type(), "update");
  const auto epoch = latest.json["epoch"].str();

  // Right at the newest: the next updates follow on, via `since` through curl.
  child_process curl;
  ASSERT_TRUE(curl.spawn({curl_path, "-sS", "-N",
                          "http://127.0.0.1:" + std::to_string(s.port()) +
                              "/v1/sse?channels=ticker.BTC-USDT&since=" + latest.id},
                         s.dir().path(), "curl"));
  sse_parser p;
  ASSERT_TRUE(curl_until(
      curl, [](const sse_parser& q) { return count_type(q.events, "update") >= 2; }, p));
  curl.stop();
  EXPECT_EQ(count_type(p.events, "snapshot"), 0u) << tail(p.events);
  std::int64_t expect = latest.seq() + 1;
  for (const auto& e : p.events) {
    if (e.type() != "update") continue;
    EXPECT_EQ(e.seq(), expect++) << tail(p.events);
  }

  // Further back than 16 updates: reset (history_gone), then a snapshot, then updates.
  sse_client old;
  ASSERT_TRUE(old.connect(s.port(), "/v1/sse?channels=ticker.BTC-USDT&since=" + epoch + ":1"));
  ASSERT_TRUE(old.wait_until([](const auto& all) { return count_type(all, "update") >= 1; }))
      << tail(old.events());
  auto events = old.events();
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[1].type(), "reset") << tail(events);
  EXPECT_EQ(events[1].json["reason"].str(), "history_gone") << tail(events);
  EXPECT_EQ(events[2].type(), "snapshot") << tail(events);
  EXPECT_TRUE(check_stream(events, {"ticker.BTC-USDT"}));

  // Another epoch (the server restarted without Redis): reset epoch_changed, and the header
  // wins over the query's since.
  sse_client other;
  ASSERT_TRUE(other.connect(s.port(), "/v1/sse?channels=ticker.BTC-USDT&since=" + latest.id,
                            "Last-Event-ID: 0ther:5\r\n"));
  ASSERT_TRUE(other.wait_until([](const auto& all) { return count_type(all, "snapshot") >= 1; }))
      << tail(other.events());
  events = other.events();
  EXPECT_EQ(events[1].type(), "reset") << tail(events);
  EXPECT_EQ(events[1].json["reason"].str(), "epoch_changed") << tail(events);
}

TEST(e2e_sse, throttle_ms_lets_at_most_one_update_per_interval) {
  stack_options o;
  o.sim_rate = 20;  // 20 BTC events a second, against one update per 400 ms
  stack s(o);
  ASSERT_TRUE(s.start());
  sse_client c;
  ASSERT_TRUE(c.connect(s.port(), "/v1/sse?channels=ticker.BTC-USDT&throttle_ms=400"));
  ASSERT_TRUE(c.wait_until([](const auto& all) { return count_type(all, "snapshot") == 1; }));
  const auto start = steady_clock::now();
  ASSERT_TRUE(c.wait_until([](const auto& all) { return count_type(all, "update") >= 6; }));
  const auto elapsed = std::chrono::duration_cast<duration>(steady_clock::now() - start);
  // Six updates need at least five full intervals after the snapshot (a lower bound only).
  EXPECT_GE(elapsed.count(), 5 * 400 - 100) << tail(c.events());
  std::int64_t prev = 0;
  bool jumped = false;
  for (const auto& e : c.events()) {
    if (e.channel() != "ticker.BTC-USDT") continue;
    if (prev != 0) {
      EXPECT_GT(e.seq(), prev);
      jumped = jumped || e.seq() > prev + 1;
    }
    prev = e.seq();
  }
  EXPECT_TRUE(jumped) << "at 20 events/s a 400 ms throttle must skip some";
}

TEST(e2e_sse, bad_queries_get_400_with_a_reason_and_limits_hold) {
  stack_options o;
  o.max_subscriptions = 2;
  o.extra_limits = "max_connections_per_ip = 1";
  stack s(o);
  ASSERT_TRUE(s.start());
  const auto refused = [&](const std::string& target, std::string_view code) {
    const auto r = http_get(s.port(), target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    const auto j = json_value::parse(r.body);
    ASSERT_TRUE(j) << r.body;
    EXPECT_EQ((*j)["error"].str(), code) << target << ": " << r.body;
    EXPECT_FALSE((*j)["message"].str().empty()) << r.body;
  };
  refused("/v1/sse", "bad_request");
  refused("/v1/sse?channels=", "bad_request");
  refused("/v1/sse?channels=ticker.BTC-USDT&throttle_ms=fast", "bad_request");
  refused("/v1/sse?channels=ticker.BTC-USDT&since=nonsense", "bad_request");
  refused("/v1/sse?channels=ticker.NOPE-USDT", "unknown_channel");
  refused("/v1/sse?channels=ticker.*", "bad_request");
  refused("/v1/sse?channels=ticker.BTC-USDT,ticker.ETH-USDT,fng", "too_many_subscriptions");
  EXPECT_EQ(http_request(s.port(), "POST", "/v1/sse?channels=fng").status, 405);

  sse_client bad_id;
  ASSERT_TRUE(bad_id.connect(s.port(), two_target, "Last-Event-ID: a:1\r\n"));
  EXPECT_EQ(bad_id.status(), 400);
  EXPECT_TRUE(bad_id.wait_closed());
  EXPECT_NE(bad_id.body().find("Last-Event-ID"), std::string::npos) << bad_id.body();

  // One stream per address here: a second is refused with 429, the first goes on.
  sse_client one;
  ASSERT_TRUE(one.connect(s.port(), "/v1/sse?channels=ticker.BTC-USDT"));
  ASSERT_EQ(one.status(), 200);
  sse_client second;
  ASSERT_TRUE(second.connect(s.port(), "/v1/sse?channels=ticker.BTC-USDT"));
  EXPECT_EQ(second.status(), 429) << second.head();
  const auto before = count_type(one.events(), "update");
  EXPECT_TRUE(one.wait_until([&](const auto& all) { return count_type(all, "update") > before; }));
}

// A quiet stream (market paused) sends comments so proxies keep it open, and is not dropped
// for idling: the client has nothing to say. Shutdown ends it with a close event.
TEST(e2e_sse, heartbeats_keep_a_quiet_stream_open_and_shutdown_says_why) {
  stack_options o;
  o.extra_limits = "idle_timeout_ms = 1000";
  stack s(o);
  ASSERT_TRUE(s.start());
  ASSERT_EQ(http_post(s.sim_port(), "/market/pause", "").status, 200);
  sse_client c;
  ASSERT_TRUE(c.connect(s.port(), "/v1/sse?channels=ticker.BTC-USDT"));
  ASSERT_EQ(c.status(), 200);
  // Four half-timeouts of quiet: comments, and still open after twice the idle timeout.
  EXPECT_TRUE(c.wait_comments(4)) << c.body();
  EXPECT_FALSE(c.closed());
  s.tickerd().send_signal(SIGTERM);
  ASSERT_TRUE(c.wait_closed());
  const auto events = c.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type(), "close") << tail(events);
  EXPECT_EQ(events.back().json["code"].integer(), 1001) << tail(events);
}

std::int64_t http_seq(std::uint16_t port) {
  const auto r = http_get(port, "/v1/ticker/BTC-USDT");
  const auto j = json_value::parse(r.body);
  return j ? (*j)["seq"].integer() : -1;
}

std::vector<std::string> ticker_channels() {
  std::vector<std::string> out;
  for (const auto& symbol : all_symbols()) out.push_back("ticker." + symbol);
  return out;
}

std::string stream_target(const std::vector<std::string>& channels) {
  std::string target = "/v1/sse?channels=";
  for (std::size_t i = 0; i < channels.size(); ++i) target += (i ? "," : "") + channels[i];
  return target;
}

// A stream whose client stops reading is conflated like a WebSocket client's queue: when it
// reads again it gets a `conflated` notice and the newest update per channel, and every id
// still names what the client was handed.
TEST(e2e_sse, a_client_that_stops_reading_gets_conflated_updates_with_true_ids) {
  stack_options o;
  o.sim_rate = 400;  // every channel's updates fill the socket buffers within seconds
  o.extra_limits = "conflate_after_messages = 64\nmax_queued_bytes = 67108864";
  stack s(o);
  ASSERT_TRUE(s.start());
  const auto channels = ticker_channels();
  sse_client slow;
  slow.set_receive_buffer(4096);
  ASSERT_TRUE(slow.connect(s.port(), stream_target(channels)));
  ASSERT_TRUE(slow.wait_until([](const auto& all) { return count_type(all, "update") >= 5; }));
  slow.pause_reading();
  // The five updates may all be other coins': BTC-USDT's ticker can still be unpublished (a 404
  // has no seq) on a loaded machine.
  const auto deadline = steady_clock::now() + std::chrono::seconds(90);
  auto paused_at = http_seq(s.port());
  while (paused_at <= 0 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));  // polling tickerd, with a deadline
    paused_at = http_seq(s.port());
  }
  ASSERT_GT(paused_at, 0);
  while (http_seq(s.port()) < paused_at + 2000 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));  // polling tickerd, with a deadline
  }
  ASSERT_GE(http_seq(s.port()), paused_at + 2000);
  slow.resume_reading();
  ASSERT_TRUE(slow.wait_until([](const auto& all) {
    return count_type(all, "conflated") >= 1 && all.back().type() == "update";
  })) << tail(slow.events());
  EXPECT_TRUE(check_stream(slow.events(), channels, /*conflated=*/true)) << tail(slow.events());
}

// An SSE client never speaks, so it is not dropped for silence; one that takes no bytes for the
// whole idle timeout while some wait is.
TEST(e2e_sse, a_client_that_takes_nothing_for_the_idle_timeout_is_dropped) {
  stack_options o;
  o.sim_rate = 400;
  o.extra_limits = "idle_timeout_ms = 2000";
  stack s(o);
  ASSERT_TRUE(s.start());
  sse_client stuck;
  stuck.set_receive_buffer(4096);
  ASSERT_TRUE(stuck.connect(s.port(), stream_target(ticker_channels())));
  ASSERT_TRUE(stuck.wait_until([](const auto& all) { return count_type(all, "update") >= 5; }));
  stuck.pause_reading();
  const auto deadline = steady_clock::now() + std::chrono::seconds(60);
  std::int64_t idle_closes = 0;
  while (idle_closes == 0 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(200));  // polling tickerd, with a deadline
    const auto j = json_value::parse(http_get(s.port(), "/v1/stats").body);
    if (j) idle_closes = (*j)["idle_closes"].integer();
  }
  EXPECT_EQ(idle_closes, 1);
  stuck.resume_reading();
  EXPECT_TRUE(stuck.wait_closed());
}

}  // namespace
}  // namespace tickerd::e2e
