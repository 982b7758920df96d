// An installed tickerd finds its dashboard: `cmake --install` into a temporary prefix, run the
// installed binary from an unrelated working directory with no web_root, and GET / serves
// web/index.html; the same after the whole prefix is moved (the lookup is relative to the
// executable, not the configured install prefix).
#include <filesystem>
#include <string>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

testing::AssertionResult serves_dashboard(const std::filesystem::path& bin, const temp_dir& dir,
                                          const std::string& name) {
  const auto cwd = dir.path() / (name + "-cwd");
  std::filesystem::create_directories(cwd);
  const auto port = free_port();
  const auto config =
      dir.write(name + ".toml",
                "[server]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\nshards = 1\n");
  child_process p;
  if (auto r = p.spawn({bin.string(), "--config", config.string()}, cwd, name); !r) return r;
  if (auto r = wait_for_http_200(port, "/healthz", start_timeout, &p); !r) return r;
  const auto page = http_get(port, "/");
  const auto expected =
      read_text_file(std::filesystem::path(TICKERD_SOURCE_DIR) / "web/index.html");
  if (page.status != 200 || page.body != expected) {
    return testing::AssertionFailure()
           << name << ": GET / answered " << page.status << " (" << page.body.size() << " bytes)\n"
           << p.logs();
  }
  return testing::AssertionSuccess();
}

TEST(Install, InstalledTickerdServesItsDashboardFromAnyDirectory) {
  temp_dir dir("install");
  const auto prefix = dir.path() / "prefix";
  const auto r = run_to_exit(
      {TICKERD_CMAKE_COMMAND, "--install", TICKERD_BUILD_DIR, "--prefix", prefix.string()},
      dir.path(), "cmake-install", std::chrono::milliseconds(120'000));
  ASSERT_FALSE(r.timed_out);
  ASSERT_TRUE(r.exit.exited && r.exit.code == 0) << r.exit.str() << r.out << r.err;
  ASSERT_TRUE(std::filesystem::exists(prefix / "share/tickerd/web/index.html"));
  EXPECT_TRUE(serves_dashboard(prefix / "bin/tickerd", dir, "installed"));

  const auto moved = dir.path() / "elsewhere";
  std::filesystem::rename(prefix, moved);
  EXPECT_TRUE(serves_dashboard(moved / "bin/tickerd", dir, "relocated"));
}

}  // namespace
}  // namespace tickerd::e2e
