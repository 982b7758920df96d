// Hub fan-out to 10,000 in-process subscribers, without sockets: the publisher encodes each
// update once, the batch crosses to a real gateway shard (net::post onto its io_context, run
// here with poll()), and the shard's delivery loop queues the shared update on 10,000 real
// ws_session objects and asks each to flush.
//
// The seam: every session's socket is a descriptor of one connected socket pair whose buffer
// is full (its peer never reads). A session's first flush gets EAGAIN and waits for the socket
// to become writable on an io_context that is not run while timing, so every session then
// holds its queue, as a session does while the kernel's buffer is full. A delivery is the shard
// loop, enqueue_update (a shared_ptr copy and a vector push), the dirty list and a flush that
// finds the session waiting; every `conflate_after` updates a session conflates its queue (keeps
// the newest per channel), amortized in the figure. Not measured here: building the gathered
// frame and the sendmsg of each write (tickerd-bench measures those, over loopback).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/shard.hpp"
#include "gateway/ws_session.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/publisher.hpp"

namespace tickerd::bench {
namespace {

constexpr std::size_t subscriber_count = 10'000;
// Queued updates before a session conflates. Lower than tickerd's default (1024) so that 10,000
// busy sessions hold 70 MB of queue instead of 1.1 GB; the cost per delivery hardly moves.
constexpr std::size_t conflate_after = 64;
constexpr const char* instrument_bases[] = {"BTC",  "ETH", "SOL", "XRP",  "BNB",
                                            "DOGE", "ADA", "TRX", "AVAX", "LINK"};
// A ticker `data` object of the size tickerd publishes (about 330 bytes).
constexpr std::string_view ticker_data =
    R"({"symbol":"BTC-USDT","last":"85205.70","open_24h":"86056.10","high_24h":"86800.00",)"
    R"("low_24h":"84500.10","change_pct":"-0.99","volume_base":"12345.67890000",)"
    R"("volume_quote":"1051234567.12345600","bid":"85205.60","bid_qty":"0.51200",)"
    R"("ask":"85205.70","ask_qty":"1.20000","ts":1764061234000000,"recv_ts":1764061234001234,)"
    R"("venues":["binance","okx","coinbase"],"stale":false})";

std::vector<instrument> instruments() {
  std::vector<instrument> out;
  for (const char* base : instrument_bases) out.push_back(instrument{base, "USDT"});
  return out;
}

bool add_stats_slot(gateway_shared& shared) {
  shared.stats.push_back(std::make_unique<shard_stats>());
  shared.stats_view.push_back(shared.stats.back().get());
  return true;
}

gateway_options options(const channel_registry& registry) {
  gateway_options o;
  o.channels = &registry;
  o.limits.conflate_after_messages = conflate_after;
  return o;
}

// One shard with `sessions` sessions, each subscribed to the first ticker channel or to
// ticker.* (every composite ticker).
class fanout_fixture {
 public:
  fanout_fixture(bool wildcard, std::size_t sessions)
      : registry_(instruments()),
        shared_(options(registry_)),
        shard_(0, shared_),
        publisher_(registry_, [this](update_ptr u) { pending_.push_back(std::move(u)); }) {
    // One descriptor per session: 10,000 is above the usual soft limit of 1,024.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair_) != 0) {
      throw std::runtime_error("socketpair failed");
    }
    static constexpr char filler[4096] = {};
    while (::send(pair_[0], filler, sizeof filler, MSG_DONTWAIT) > 0) {
    }
    sessions_.reserve(sessions);
    for (std::size_t i = 0; i < sessions; ++i) {
      net::ip::tcp::socket socket(writes_);
      const int fd = ::dup(pair_[0]);
      if (fd < 0) throw std::runtime_error("dup failed: too many open files?");
      socket.assign(net::ip::tcp::v4(), fd);
      auto s =
          std::make_shared<ws_session>(shard_, std::move(socket), ssl_handle{},
                                       "127.0.0." + std::to_string(i % 250 + 1), session_auth{});
      shard_.adopt(s);  // as run() does: the session becomes a subscriber of the shard
      auto& index = shard_.subscriptions();
      if (wildcard) {
        index.subscribe(s->subscriber(),
                        *registry_.find_wildcard(channel_registry::ticker_wildcard));
      } else {
        index.subscribe(s->subscriber(), registry_.ticker(0));
      }
      sessions_.push_back(std::move(s));
    }
  }

  ~fanout_fixture() {
    // The sessions' pending waits, and with them the sessions, go with writes_.
    sessions_.clear();
    ::close(pair_[0]);
    ::close(pair_[1]);
  }

  fanout_fixture(const fanout_fixture&) = delete;
  fanout_fixture& operator=(const fanout_fixture&) = delete;

  // What the ingest thread does for one loop turn: publish (encode once), then hand the batch to
  // the shard, whose io_context runs it.
  void publish_and_deliver(std::span<const channel_id> channels) {
    for (const auto id : channels) publisher_.publish(id, ticker_data);
    auto batch = std::make_shared<const std::vector<update_ptr>>(std::move(pending_));
    pending_.clear();
    shard_.deliver(std::move(batch));
    auto& ioc = shard_.context();
    ioc.restart();
    ioc.poll();
  }

  const channel_registry& registry() const { return registry_; }
  // How many hold the latest update of `id` (the shared update's use count).
  long holders(channel_id id) const { return publisher_.latest(id).use_count(); }

 private:
  channel_registry registry_;
  gateway_shared shared_;
  // The shard reads its stats slot at construction, as gateway::start gives it one.
  [[maybe_unused]] bool stats_slot_ = add_stats_slot(shared_);
  shard shard_;
  int pair_[2] = {-1, -1};  // [0] full, dup'ed into every session; [1] never read
  net::io_context writes_;  // session sockets live here; not run while timing
  std::vector<update_ptr> pending_;
  publisher publisher_;
  std::vector<std::shared_ptr<ws_session>> sessions_;
};

std::vector<channel_id> channels_of(const fanout_fixture& f, bool wildcard) {
  if (!wildcard) return {f.registry().ticker(0)};
  return {f.registry().tickers().begin(), f.registry().tickers().end()};
}

void run_fanout(benchmark::State& state, bool wildcard) {
  // The same turn without subscribers: who else holds an update (the publisher's and the shard's
  // latest, the shard's resume history) whatever the hub keeps.
  std::vector<long> others;
  {
    fanout_fixture bare(wildcard, 0);
    const auto channels = channels_of(bare, wildcard);
    bare.publish_and_deliver(channels);
    for (const auto id : channels) others.push_back(bare.holders(id));
  }
  fanout_fixture f(wildcard, subscriber_count);
  const auto channels = channels_of(f, wildcard);
  // One untimed turn starts every session's (never completing) write; each update must now be
  // held once more by every subscriber's queue.
  f.publish_and_deliver(channels);
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (f.holders(channels[i]) != others[i] + static_cast<long>(subscriber_count)) {
      state.SkipWithError("an update did not reach every subscriber");
      return;
    }
  }
  for (auto _ : state) f.publish_and_deliver(channels);
  const auto deliveries = static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(channels.size() * subscriber_count);
  state.SetItemsProcessed(deliveries);
  state.counters["subscribers"] = static_cast<double>(subscriber_count);
  state.counters["updates_per_turn"] = static_cast<double>(channels.size());
}

// Items are deliveries (one update queued for one subscriber).
void bm_fanout_one_channel(benchmark::State& state) {
  run_fanout(state, false);
}
BENCHMARK(bm_fanout_one_channel)->Name("fanout/10000_subscribers/1_channel");

void bm_fanout_wildcard(benchmark::State& state) {
  run_fanout(state, true);
}
BENCHMARK(bm_fanout_wildcard)->Name("fanout/10000_subscribers/ticker.*_10_updates");

}  // namespace
}  // namespace tickerd::bench
