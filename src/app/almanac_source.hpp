// Publishes channel `almanac`: the day's almanac for the configured time zone (recomputed when
// the local day ends) with a fortune and month mood from the composites (refreshed each
// minute, published only when the text changes). Lives on the ingest io_context.
#pragma once

#include <memory>
#include <vector>

#include "almanac/time_zone.hpp"
#include "tickerd/core/instrument.hpp"
#include "tickerd/hub/channel_registry.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd {

class aggregator;
class publisher;
namespace almanac {
struct market_summary;
}

// What the composites say, in the almanac's terms (pure, unit-tested).
almanac::market_summary summarize_market(const std::vector<instrument>& instruments,
                                         const aggregator& market);

class almanac_source {
 public:
  almanac_source(boost::asio::io_context& ioc, almanac::time_zone tz,
                 const std::vector<instrument>& instruments, const aggregator& market,
                 publisher& out, channel_id channel);
  ~almanac_source();
  almanac_source(const almanac_source&) = delete;
  almanac_source& operator=(const almanac_source&) = delete;

  void start();
  void stop();

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd
