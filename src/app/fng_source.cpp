// fng_source: two loops on the ingest io_context. A coroutine polls the API (each request
// bounded by fng.timeout_ms, failures retried with a jittered backoff); a timer recomputes the
// index from the composites every fng.compute_interval_ms. Either may publish; an update goes
// out only when what it says changes (not for the clock alone).
#include "app/fng_source.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "feeds/http_get.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/feeds/backoff.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/aggregator.hpp"
#include "tickerd/net.hpp"

namespace tickerd {

namespace {

using std::chrono::milliseconds;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
// The first computed index: soon after start-up, once the feeds have had time to speak.
constexpr milliseconds first_compute{3'000};
// The API publishes once a day; a value older than this is stale however recently polled.
constexpr std::int64_t api_max_age_ms = 48LL * 3600 * 1000;
constexpr std::int64_t us_per_s = 1'000'000;

std::shared_ptr<spdlog::logger> logger() {
  if (auto l = spdlog::get("feeds")) return l;
  return spdlog::default_logger();
}

struct fetch_result {
  std::optional<fng::api_reading> reading;
  std::string error;  // why there is no reading
};

std::int64_t seconds_up(milliseconds ms) {
  return (ms.count() + 999) / 1000;
}

}  // namespace

std::vector<fng::coin> fng_coins(const std::vector<instrument>& instruments,
                                 const aggregator& market) {
  std::vector<fng::coin> out;
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const composite_ticker* c = market.last_composite(static_cast<instrument_id>(i));
    if (c == nullptr || c->stale) continue;  // no fresh venue: not market data now
    fng::coin coin;
    coin.base = instruments[i].base;
    if (c->has_change) coin.change_pct = c->change_pct;
    const tick& v = c->value;
    if (v.has(tf_high) && v.has(tf_low)) {
      coin.high_24h = v.high_24h;
      coin.low_24h = v.low_24h;
    }
    if (v.has(tf_volume_quote)) coin.volume_quote = v.volume_quote;
    out.push_back(std::move(coin));
  }
  return out;
}

struct fng_source::impl : std::enable_shared_from_this<impl> {
  impl(net::io_context& io, net::ssl::context* t, fng_config c, const std::vector<instrument>& i,
       const aggregator& a, publisher& p, channel_id ch)
      : ioc(io),
        tls(t),
        cfg(std::move(c)),
        url(parse_http_url(cfg.url).url),  // checked by load_config
        instruments(i),
        market(a),
        out(p),
        channel(ch),
        poll_timer(io),
        compute_timer(io),
        retry(cfg.backoff_initial, cfg.backoff_max, cfg.poll_interval, std::random_device{}()),
        log(logger()) {}

  void start() {
    if (!cfg.url.empty()) {
      log->info("fng: polling {} every {} ms", cfg.url, cfg.poll_interval.count());
      spawn(poll_loop());
    }
    schedule_compute(std::min(first_compute, cfg.compute_interval));
  }

  void stop() {
    stopped = true;
    poll_timer.cancel();
    compute_timer.cancel();
    if (current) current->abort();
  }

  void spawn(net::awaitable<void> task) {
    net::co_spawn(ioc, std::move(task), [self = shared_from_this()](const std::exception_ptr& e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        self->log->error("fng: internal error: {}", ex.what());
      }
    });
  }

  // Poll, publish, wait: the poll interval after a success, a jittered backoff after a failure.
  net::awaitable<void> poll_loop() {
    const auto self = shared_from_this();
    while (!stopped) {
      auto result = co_await fetch();
      if (stopped) co_return;
      milliseconds wait = cfg.poll_interval;
      if (result.reading) {
        if (failures > 0) log->info("fng: {} answers again", url.host);
        failures = 0;
        retry.reset();
        api = std::move(result.reading);
        api_polled_ms = mono_ms();
      } else {
        // One warning per outage; the retries that follow log at debug.
        if (failures++ == 0) {
          log->warn("fng: {}: {}", cfg.url, result.error);
        } else {
          log->debug("fng: {}: {} (attempt {})", cfg.url, result.error, failures);
        }
        wait = std::min(retry.next(), cfg.poll_interval);
      }
      publish();
      poll_timer.expires_after(wait);
      co_await poll_timer.async_wait(use_tuple);
    }
  }

  net::awaitable<fetch_result> fetch() {
    const auto self = shared_from_this();
    http_get_options options;
    options.timeout = cfg.timeout;
    options.max_body_bytes = cfg.max_response_bytes;
    options.verify_tls = cfg.verify_tls;
    auto response = co_await http_get(ioc, tls, url, url.target, options, &current);
    fetch_result r;
    if (!response.error.empty()) {
      r.error = std::move(response.error);
      co_return r;
    }
    if (response.status != 200) {
      r.error = "HTTP " + std::to_string(response.status);
      co_return r;
    }
    fng::api_reading reading;
    if (const auto e = fng::parse_api_response(response.body, reading); e != fng::api_errc::ok) {
      r.error = "unreadable response (" + std::string(fng::to_string(e)) + ")";
      co_return r;
    }
    r.reading = std::move(reading);
    co_return r;
  }

  void schedule_compute(milliseconds after) {
    compute_timer.expires_after(after);
    compute_timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped) return;
      self->compute();
      self->publish();
      // Until there is market data, look again soon rather than a whole interval later.
      self->schedule_compute(self->computed ? self->cfg.compute_interval
                                            : std::min(first_compute, self->cfg.compute_interval));
    });
  }

  void compute() {
    const auto index = fng::compute_index(fng_coins(instruments, market));
    const std::optional<int> value = index ? std::optional<int>(index->value) : std::nullopt;
    if (value != computed) computed_at_us = wall_us();
    computed = value;
  }

  bool api_fresh() const {
    if (!api) return false;
    const bool polled_recently = mono_ms() - api_polled_ms <= cfg.stale_after.count();
    return polled_recently && wall_ms() - api->timestamp_s * 1000 <= api_max_age_ms;
  }

  void publish() {
    if (stopped) return;
    fng::message m;
    if (api && (api_fresh() || !computed)) {
      m.value = api->value;
      m.classification = api->classification;
      m.from = fng::source::api;
      m.timestamp_us = api->timestamp_s * us_per_s;
      if (api->time_until_update_s) {
        const auto elapsed_s = (mono_ms() - api_polled_ms) / 1000;
        m.time_until_update_s = std::max<std::int64_t>(0, *api->time_until_update_s - elapsed_s);
      }
    } else if (computed) {
      m.value = *computed;
      m.classification = std::string(fng::classify(*computed));
      m.from = fng::source::computed;
      m.timestamp_us = computed_at_us;
      m.time_until_update_s = seconds_up(cfg.compute_interval);
    } else {
      return;  // nothing known yet: the channel stays null
    }
    m.computed = computed;
    // What the update says, without the clock: equal keys publish nothing.
    std::string key = std::to_string(m.value) + '|' + m.classification + '|' +
                      std::string(fng::to_string(m.from)) + '|' + std::to_string(m.timestamp_us) +
                      '|' + (computed ? std::to_string(*computed) : "-");
    if (key == last_key) return;
    last_key = std::move(key);
    if (m.from != last_source) {
      log->info("fng: main value from {}", fng::to_string(m.from));
      last_source = m.from;
    }
    m.ts_us = wall_us();
    buffer.clear();
    fng::encode(buffer, m);
    out.publish(channel, buffer);
  }

  net::io_context& ioc;
  net::ssl::context* tls;  // null when the url is http://
  const fng_config cfg;
  const ws_url url;
  const std::vector<instrument>& instruments;
  const aggregator& market;
  publisher& out;
  const channel_id channel;
  net::steady_timer poll_timer;
  net::steady_timer compute_timer;
  backoff retry;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<http_get_call> current;  // the request in flight, for stop()
  std::optional<fng::api_reading> api;     // the last good answer
  std::int64_t api_polled_ms = 0;          // mono_ms() of that answer
  std::optional<int> computed;
  std::int64_t computed_at_us = 0;  // when the computed value last changed
  std::uint64_t failures = 0;       // failed polls since the last success
  std::optional<fng::source> last_source;
  std::string last_key;
  std::string buffer;
  bool stopped = false;
};

fng_source::fng_source(net::io_context& ioc, net::ssl::context* tls, const fng_config& config,
                       const std::vector<instrument>& instruments, const aggregator& market,
                       publisher& out, channel_id channel)
    : impl_(std::make_shared<impl>(ioc, tls, config, instruments, market, out, channel)) {}

fng_source::~fng_source() {
  if (impl_) impl_->stop();
}

void fng_source::start() {
  impl_->start();
}

void fng_source::stop() {
  impl_->stop();
}

}  // namespace tickerd
