// tickerd-sim refusing its command line (the replay tests): it exits with status 2 before it
// listens, and stderr names the reason.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {

// Runs tickerd-sim with `args` (after --listen) in `dir`; `name` labels the failures.
inline void expect_sim_refuses(const std::string& name, const std::vector<std::string>& args,
                               const std::string& stderr_part, const std::filesystem::path& dir) {
  std::vector<std::string> argv{TICKERD_SIM_BIN, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto result = run_to_exit(argv, dir, "sim", std::chrono::seconds(30));
  EXPECT_FALSE(result.timed_out) << name;
  EXPECT_TRUE(result.exit.exited && result.exit.code == 2)
      << name << ": " << result.exit.str() << "\n"
      << result.err;
  EXPECT_NE(result.err.find(stderr_part), std::string::npos)
      << name << ": stderr was: " << result.err;
  EXPECT_EQ(result.out.find("listening"), std::string::npos) << name;
}

}  // namespace tickerd::e2e
