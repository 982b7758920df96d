// Keeps the latest tick of every venue for every instrument, composes each instrument's
// ticker from the venues that are fresh, and publishes it. Lives on the ingest thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/tick.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/hub/publisher.hpp"
#include "tickerd/market/composite.hpp"

namespace tickerd {

class aggregator {
 public:
  aggregator(const std::vector<instrument>& instruments, const channel_registry& channels,
             publisher& out, compose_options options = {});

  // Merges ticks (partial ticks update only the fields they carry) and publishes every
  // instrument they touched, once.
  void on_ticks(std::span<const tick> ticks);

  // A venue going stale or down leaves the composites; coming back up rejoins them. Every
  // instrument the venue quotes is republished so clients see `stale` and `venues` change.
  void on_venue_fresh(venue_id venue, bool fresh);

  // The latest merged tick of one venue, for tests and per-venue views.
  const tick* venue_tick(instrument_id instrument, venue_id venue) const;
  // The composite last published for an instrument; null before its first.
  const composite_ticker* last_composite(instrument_id instrument) const;

  // Venues in an instrument's composite as last published (fresh ones, outliers left out);
  // 0 while none is fresh (the ticker is stale) and before any venue quoted it. Any thread
  // may read it (/metrics); the ingest thread writes it at each publish.
  std::uint32_t composite_venues(instrument_id instrument) const noexcept {
    return composite_venues_[instrument].load(std::memory_order_relaxed);
  }
  std::size_t instrument_count() const noexcept { return symbols_.size(); }
  const std::string& symbol(instrument_id instrument) const { return symbols_[instrument]; }

 private:
  struct instrument_state {
    std::array<tick, venue_count> by_venue{};
    venue_mask present = 0;
    venue_mask dirty_venues = 0;  // venue channels to republish
    bool dirty = false;
    bool published = false;
    composite_ticker last;  // as last published
  };

  void publish(instrument_id id);
  void publish_venue(instrument_id id, venue_id venue);

  std::vector<instrument> instruments_;
  std::vector<std::string> symbols_;
  const channel_registry& channels_;
  publisher& out_;
  compose_options options_;
  std::vector<instrument_state> state_;
  std::vector<instrument_id> dirty_;
  venue_mask fresh_ = static_cast<venue_mask>(~0u);  // venues start fresh until told otherwise
  std::unique_ptr<std::atomic<std::uint32_t>[]> composite_venues_;
  std::string buffer_;
};

}  // namespace tickerd
