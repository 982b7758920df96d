#include "app/almanac_source.hpp"

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "almanac/almanac.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/aggregator.hpp"
#include "tickerd/net.hpp"

namespace tickerd {
namespace {

constexpr auto refresh_interval = std::chrono::seconds(60);
constexpr auto first_refresh = std::chrono::seconds(5);  // once the feeds have spoken

almanac::unix_seconds now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

almanac::market_summary summarize_market(const std::vector<instrument>& instruments,
                                         const aggregator& market) {
  almanac::market_summary m;
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto* c = market.last_composite(static_cast<instrument_id>(i));
    if (c == nullptr || !c->has_change) continue;
    ++m.coins_total;
    if (c->change_pct > decimal{}) ++m.coins_up;
    if (instruments[i].base != "BTC" || m.btc_change_pct) continue;
    m.btc_change_pct = c->change_pct;
    const auto& v = c->value;
    decimal range;
    if ((v.fields & tf_high) != 0 && (v.fields & tf_low) != 0 &&
        decimal::change_pct(v.high_24h, v.low_24h, 2, range)) {
      m.btc_range_pct = range;
    }
  }
  return m;
}

struct almanac_source::impl {
  impl(net::io_context& io, almanac::time_zone z, const std::vector<instrument>& i,
       const aggregator& a, publisher& p, channel_id ch)
      : tz(std::move(z)),
        instruments(i),
        market(a),
        out(p),
        channel(ch),
        day_timer(io),
        refresh_timer(io) {}

  void compute_day() {
    auto r = almanac::compute_almanac_at(now_seconds(), tz);
    if (!r) {
      spdlog::get("tickerd")->error("almanac: {}", almanac::to_string(r.error));
      return;
    }
    day = std::move(r.day);
    have_day = true;
    publish();
    // One second into the next local day: the new day's pillars, officer and moon.
    const auto wait =
        std::chrono::seconds(std::max<almanac::unix_seconds>(1, day.day_end - now_seconds() + 1));
    day_timer.expires_after(wait);
    day_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) compute_day();
    });
  }

  void schedule_refresh(std::chrono::seconds after) {
    refresh_timer.expires_after(after);
    refresh_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      publish();
      schedule_refresh(refresh_interval);
    });
  }

  void publish() {
    if (!have_day) return;
    const auto f = almanac::compute_fortune(day, summarize_market(instruments, market));
    buffer.clear();
    almanac::encode_almanac(buffer, day, f);
    if (buffer == last) return;  // nothing new: no update
    last = buffer;
    out.publish(channel, buffer);
  }

  almanac::time_zone tz;
  const std::vector<instrument>& instruments;
  const aggregator& market;
  publisher& out;
  channel_id channel;
  net::steady_timer day_timer;
  net::steady_timer refresh_timer;
  almanac::almanac_day day;
  bool have_day = false;
  std::string buffer;
  std::string last;
};

almanac_source::almanac_source(net::io_context& ioc, almanac::time_zone tz,
                               const std::vector<instrument>& instruments, const aggregator& market,
                               publisher& out, channel_id channel)
    : impl_(std::make_unique<impl>(ioc, std::move(tz), instruments, market, out, channel)) {}

almanac_source::~almanac_source() = default;

void almanac_source::start() {
  impl_->compute_day();
  impl_->schedule_refresh(first_refresh);
}

void almanac_source::stop() {
  impl_->day_timer.cancel();
  impl_->refresh_timer.cancel();
}

}  // namespace tickerd
