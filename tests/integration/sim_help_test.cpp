// tickerd-sim --help describes everything the sim serves: every venue tickerd reads, the
// Ethereum node and the Fear & Greed API, both modes, faults and the market control endpoints.
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "tickerd/core/venue.hpp"

namespace tickerd::e2e {
namespace {

TEST(SimHelp, NamesEveryVenueAndMode) {
  temp_dir dir("sim_help");
  const auto r = run_to_exit({TICKERD_SIM_BIN, "--help"}, dir.path(), "sim_help");
  ASSERT_FALSE(r.timed_out);
  ASSERT_TRUE(r.exit.exited && r.exit.code == 0) << r.exit.str() << "\n" << r.err;
  const std::string& help = r.out;
  for (std::size_t v = 0; v < venue_count; ++v) {
    const auto name = to_string(static_cast<venue_id>(v));
    EXPECT_NE(help.find(name), std::string::npos) << "venue " << name << " missing:\n" << help;
  }
  for (const std::string_view word :
       {"/eth", "Ethereum", "/fng/", "Fear & Greed", "--fault", "/faults/", "--replay", "--venue",
        "--speed", "--replay-loop", "/market/pause", "/market/resume", "/market/rate",
        "/market/trades", "--trade-scale", "--block-interval-ms", "--fng-down", "--seed",
        "--rate"}) {
    EXPECT_NE(help.find(word), std::string::npos) << "'" << word << "' missing:\n" << help;
  }
  for (const std::string_view kind : {"reset", "close", "stall", "garbage", "invalid_json", "gap",
                                      "drip", "refuse", "max_age", "clear"}) {
    EXPECT_NE(help.find(kind), std::string::npos) << "fault " << kind << " missing:\n" << help;
  }
  // No longer "Binance only": the first line names more than one venue.
  const auto first_line = help.substr(0, help.find('\n'));
  EXPECT_EQ(first_line.find("Binance spot WebSocket streams"), std::string::npos) << first_line;
}

}  // namespace
}  // namespace tickerd::e2e
