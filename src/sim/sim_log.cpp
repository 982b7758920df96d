#include "sim/sim_log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace tickerd::sim {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("sim")) return existing;
    auto created = std::make_shared<spdlog::logger>(
        "sim", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    spdlog::register_logger(created);
    return created;
  }();
  return *logger;
}

}  // namespace tickerd::sim
