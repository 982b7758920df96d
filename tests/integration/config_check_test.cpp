// --check-config and a real start-up run the same validation: for every configuration below,
// either both accept it (check says "configuration ok", the server reaches "listening") or both
// refuse it with exit status 2 and the same message.
#include <string>
#include <vector>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using namespace std::chrono_literals;

struct config_case {
  std::string name;
  std::string toml;
  bool ok;
  std::string key;  // named in the error when !ok
};

std::vector<config_case> cases() {
  const std::string web = std::string("web_root = \"") + TICKERD_SOURCE_DIR + "/web\"\n";
  return {
      {"ip_literal", "[server]\nlisten = \"127.0.0.1:0\"\n" + web, true, ""},
      {"host_name", "[server]\nlisten = \"localhost:0\"\n" + web, true, ""},
      {"no_web_root_given", "[server]\nlisten = \"127.0.0.1:0\"\n", true, ""},
      {"unresolvable_host", "[server]\nlisten = \"no-such-host.invalid:0\"\n" + web, false,
       "server.listen"},
      {"bad_port", "[server]\nlisten = \"127.0.0.1:70000\"\n", false, "server.listen"},
      {"missing_web_root", "[server]\nlisten = \"127.0.0.1:0\"\nweb_root = \"no/such/dir\"\n",
       false, "server.web_root"},
      {"bus_silence_too_short",
       "[server]\nlisten = \"127.0.0.1:0\"\n[node]\nheartbeat_interval_ms = 500\n"
       "bus_silence_ms = 600\n",
       false, "node.bus_silence_ms"},
      {"edge_without_redis", "[server]\nlisten = \"127.0.0.1:0\"\n[node]\nrole = \"edge\"\n", false,
       "node.role"},
      {"bad_log_level", "[server]\nlisten = \"127.0.0.1:0\"\n[log]\nlevel = \"loud\"\n", false,
       "log.level"},
      {"auth_key_file_missing",
       "[server]\nlisten = \"127.0.0.1:0\"\n[auth]\nmode = \"jwt\"\nkey_file = \"/no/such/key\"\n",
       false, "auth.key_file"},
      {"auth_jwks_not_json",
       "[server]\nlisten = \"127.0.0.1:0\"\n[auth]\nmode = \"jwt\"\njwks_file = \"" +
           std::string(TICKERD_SOURCE_DIR) + "/README.md\"\n",
       false, "auth.jwks_file"},
      {"auth_jwt_without_keys", "[server]\nlisten = \"127.0.0.1:0\"\n[auth]\nmode = \"jwt\"\n",
       false, "auth.key_file"},
      {"auth_bad_algorithm",
       "[server]\nlisten = \"127.0.0.1:0\"\n[auth]\nalgorithms = [\"none\"]\n", false,
       "auth.algorithms"},
      {"bad_origin", "[server]\nlisten = \"127.0.0.1:0\"\nallowed_origins = [\"https://*evil\"]\n",
       false, "server.allowed_origins[0]"},
      {"bad_proxy", "[server]\nlisten = \"127.0.0.1:0\"\ntrusted_proxies = [\"10.0.0.0/33\"]\n",
       false, "server.trusted_proxies[0]"},
  };
}

// Runs tickerd until its log says it listens (then stops it) or it exits by itself.
struct startup_result {
  bool listening = false;
  std::optional<exit_info> exit;
  std::string err;
};

startup_result start_up(const std::filesystem::path& config, const temp_dir& dir,
                        const std::string& name) {
  startup_result r;
  child_process p;
  if (auto s = p.spawn({TICKERD_BIN, "--config", config.string()}, dir.path(), name); !s) {
    r.err = s.message();
    return r;
  }
  const auto deadline = steady_clock::now() + start_timeout;
  while (steady_clock::now() < deadline) {
    if (p.stderr_text().find("listening on") != std::string::npos) {
      r.listening = true;
      r.exit = p.stop();
      break;
    }
    if (!p.running()) {
      r.exit = p.exit_status();
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  r.err = p.stderr_text();
  return r;
}

TEST(ConfigCheck, CheckConfigAndStartUpAgree) {
  temp_dir dir("config_check");
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto config = dir.write(c.name + ".toml", c.toml);
    const auto check = run_to_exit({TICKERD_BIN, "--check-config", "--config", config.string()},
                                   dir.path(), c.name + ".check");
    ASSERT_FALSE(check.timed_out);
    const auto start = start_up(config, dir, c.name + ".start");
    if (c.ok) {
      EXPECT_TRUE(check.exit.exited && check.exit.code == 0) << check.exit.str() << check.err;
      EXPECT_EQ(check.out, "configuration ok\n");
      EXPECT_TRUE(start.listening) << start.err;
      continue;
    }
    EXPECT_TRUE(check.exit.exited && check.exit.code == 2) << check.exit.str() << check.err;
    EXPECT_FALSE(start.listening) << start.err;
    ASSERT_TRUE(start.exit.has_value()) << start.err;
    EXPECT_TRUE(start.exit->exited && start.exit->code == 2) << start.exit->str() << start.err;
    EXPECT_EQ(check.err, start.err);
    EXPECT_NE(check.err.find("tickerd: configuration error: " + c.key + ": "), std::string::npos)
        << check.err;
  }
}

}  // namespace
}  // namespace tickerd::e2e
