// The simulator's one named spdlog logger ("sim"); created on first use, writing to stderr
// so stdout stays free for the "listening on" line tests parse.
#pragma once

#include <spdlog/spdlog.h>

namespace tickerd::sim {

spdlog::logger& log();

}  // namespace tickerd::sim
