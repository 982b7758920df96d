#include "tickerd/feeds/venue_adapter.hpp"

#include <stdexcept>
#include <string>

#include "feeds/venues/binance_adapter.hpp"
#include "feeds/venues/venue_factories.hpp"
#include "tickerd/feeds/feed_stats.hpp"

namespace tickerd {

std::unique_ptr<venue_adapter> make_venue_adapter(venue_id venue, const symbol_map& symbols) {
  switch (venue) {
    case venue_id::binance:
      return std::make_unique<binance_adapter>(symbols);
    case venue_id::okx:
      return make_okx_adapter(symbols);
    case venue_id::coinbase:
      return make_coinbase_adapter(symbols);
    case venue_id::bybit:
      return make_bybit_adapter(symbols);
    case venue_id::kraken:
      return make_kraken_adapter(symbols);
  }
  throw std::invalid_argument("unknown venue");
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
