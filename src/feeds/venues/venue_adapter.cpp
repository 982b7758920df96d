#include "tickerd/feeds/venue_adapter.hpp"

#include <stdexcept>
#include <string>

#include "feeds/venues/binance_adapter.hpp"
#include "feeds/venues/venue_factories.hpp"
#include "tickerd/feeds/feed_stats.hpp"

namespace tickerd {

std::unique_ptr<venue_adapter> make_venue_adapter(venue_id venue, const symbol_map& symbols,
                                                  feed_streams streams) {
  switch (venue) {
    case venue_id::binance:
      return std::make_unique<binance_adapter>(symbols, streams);
    case venue_id::okx:
      return make_okx_adapter(symbols, streams);
    case venue_id::coinbase:
      return make_coinbase_adapter(symbols, streams);
    case venue_id::bybit:
      return make_bybit_adapter(symbols, streams);
    case venue_id::kraken:
      return make_kraken_adapter(symbols, streams);
  }
  throw std::invalid_argument("unknown venue");
}

parse_result upstream_adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
                                     std::vector<tick>& ticks) noexcept {
  // Ticks only: the caller's vector is lent to a scratch market_events and handed back.
  market_events events;
  events.ticks.swap(ticks);
  const parse_result result = parse(frame, recv_ts_us, events);
  ticks.swap(events.ticks);
  return result;
}

feed_stream feed_stream_from_name(std::string_view name) noexcept {
  if (name == "ticker") return fs_ticker;
  if (name == "trades") return fs_trades;
  if (name == "bbo") return fs_bbo;
  if (name == "book") return fs_book;
  return static_cast<feed_stream>(0);
}

std::string_view to_string(feed_errc e) noexcept {
  switch (e) {
    case feed_errc::ok:
      return "ok";
    case feed_errc::invalid_json:
      return "invalid_json";
    case feed_errc::unexpected_shape:
      return "unexpected_shape";
    case feed_errc::bad_number:
      return "bad_number";
    case feed_errc::venue_error:
      return "venue_error";
    case feed_errc::too_large:
      return "too_large";
  }
  return "unknown";
}

std::string_view to_string(feed_state s) noexcept {
  switch (s) {
    case feed_state::connecting:
      return "connecting";
    case feed_state::up:
      return "up";
    case feed_state::stale:
      return "stale";
    case feed_state::down:
      return "down";
  }
  return "unknown";
}

}  // namespace tickerd
