#include "app/gas_source.hpp"

#include <spdlog/spdlog.h>
#include <optional>
#include <string>

#include "feeds/sources/gas_adapter.hpp"
#include "tickerd/feeds/feed_session.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/net.hpp"

namespace tickerd {

struct gas_source::impl {
  impl(publisher& p, channel_id ch, std::function<void()> state_cue)
      : out(p),
        channel(ch),
        on_state(std::move(state_cue)),
        log(spdlog::get("tickerd") ? spdlog::get("tickerd") : spdlog::default_logger()) {}

  void on_reading(const gas::reading& r) {
    last = r;
    publish(false);
  }

  void on_feed_state(feed_state s) {
    log->info("feed eth is {}", to_string(s));
    // Like a venue leaving the composites: stale at once on disconnect or silence, fresh again
    // (same values, then new blocks) when the feed is back up.
    const bool stale = s != feed_state::up;
    if (last && stale != published_stale) publish(stale);
    if (on_state) on_state();
  }

  void publish(bool stale) {
    if (stopped) return;
    buffer.clear();
    gas::encode_reading(buffer, *last, stale);
    published_stale = stale;
    out.publish(channel, buffer);
  }

  publisher& out;
  channel_id channel;
  std::function<void()> on_state;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<feed_session> session;
  std::optional<gas::reading> last;
  bool published_stale = false;
  bool stopped = false;
  std::string buffer;
};

gas_source::gas_source(net::io_context& ioc, net::ssl::context* tls, const gas_config& config,
                       feed_stats& stats, publisher& out, channel_id channel,
                       std::function<void()> on_state)
    : impl_(std::make_unique<impl>(out, channel, std::move(on_state))) {
  auto* self = impl_.get();
  auto adapter = std::make_unique<gas::adapter>([self](const gas::reading& r) {
    try {
      self->on_reading(r);
    } catch (const std::exception& e) {
      // The adapter's parse() is noexcept: a failure to publish is logged, never thrown there.
      self->log->error("gas: cannot publish block {}: {}", r.block, e.what());
    }
  });
  impl_->session =
      std::make_unique<feed_session>(ioc, tls, config.session, std::move(adapter), stats, nullptr,
                                     [self](feed_state s) { self->on_feed_state(s); });
}

gas_source::~gas_source() {
  stop();
}

void gas_source::start() {
  impl_->session->start();
}

void gas_source::stop() {
  impl_->stopped = true;
  impl_->session->stop();
}

}  // namespace tickerd
