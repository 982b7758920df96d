// Publishes channel gas.ETH: one gas reading per new block from an Ethereum node, read by a
// feed_session (reconnects, backoff, staleness, /v1/feeds as "eth") through gas::adapter.
// While the feed is not up the last reading is republished with "stale":true, as tickers are.
// Lives on the ingest io_context.
#pragma once

#include <functional>
#include <memory>

#include "tickerd/app/config.hpp"
#include "tickerd/feeds/feed_stats.hpp"
#include "tickerd/hub/channel_registry.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace tickerd {

class publisher;

class gas_source {
 public:
  // `on_state` runs after each change of the feed's state (the status channel's cue).
  // `tls` may be null when the node's url is ws:// (see feed_session).
  gas_source(boost::asio::io_context& ioc, boost::asio::ssl::context* tls, const gas_config& config,
             feed_stats& stats, publisher& out, channel_id channel, std::function<void()> on_state);
  ~gas_source();
  gas_source(const gas_source&) = delete;
  gas_source& operator=(const gas_source&) = delete;

  void start();
  void stop();  // no publish after this returns

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace tickerd
