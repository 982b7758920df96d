// The sim's main loop, shared by live and replay mode: runs the io_context until SIGINT or
// SIGTERM, then stops the server and waits (briefly) for its connections to close. Included
// only by the two run functions (Asio headers).
#pragma once

#include <cstdint>
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace tickerd::sim {

// `signals` must be created before the "listening" line is printed, so a signal sent as soon
// as it is seen is handled. `open` counts open connections; `stop` closes them politely.
void run_until_signal(boost::asio::io_context& ioc, boost::asio::signal_set& signals,
                      const std::function<std::uint64_t()>& open,
                      const std::function<void()>& stop);

}  // namespace tickerd::sim
