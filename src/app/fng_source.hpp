// Publishes channel `fng`: the alternative.me Fear & Greed index, polled over HTTP(S) with
// retries, and the index computed from the composites (docs/FNG.md), which becomes the main
// value while the API is unreachable or stale. Lives on the ingest io_context; Beast stays in
// the .cpp.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "feeds/sources/fng.hpp"
#include "tickerd/app/config.hpp"
#include "tickerd/core/url.hpp"
#include "tickerd/hub/channel_registry.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace tickerd {

class aggregator;
class publisher;

// The composites as the computed index reads them: fresh ones only (pure, unit-tested).
std::vector<fng::coin> fng_coins(const std::vector<instrument>& instruments,
                                 const aggregator& market);

class fng_source {
 public:
  // `tls` may be null when the API's url is http:// (see feed_session).
  fng_source(boost::asio::io_context& ioc, boost::asio::ssl::context* tls, const fng_config& config,
             const std::vector<instrument>& instruments, const aggregator& market, publisher& out,
             channel_id channel);
  ~fng_source();
  fng_source(const fng_source&) = delete;
  fng_source& operator=(const fng_source&) = delete;

  void start();
  void stop();  // cancels the poll in flight; nothing is published afterwards

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace tickerd
