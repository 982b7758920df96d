// tickerd: the streaming ticker server. Exit status: 0 after a clean stop, 2 for a bad
// command line or configuration (the message names the key), 1 for a runtime failure.
#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "tickerd/app/config.hpp"
#include "tickerd/app/server.hpp"

namespace {
constexpr int exit_runtime_error = 1;
constexpr int exit_usage_error = 2;
}  // namespace

// Configuration and runtime errors are caught below; anything else (allocation failure, a
// CLI11 set-up error) terminates, which is the right outcome.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"tickerd " TICKERD_VERSION " - real-time streaming ticker server"};
  std::string config_path;
  std::string listen;
  std::string log_level;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "TOML configuration file (see docs/OPERATIONS.md)");
  app.add_option("-l,--listen", listen,
                 "host:port to serve HTTP and WebSocket on (overrides "
                 "server.listen)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error (overrides log.level)");
  app.add_flag("--check-config", check_only, "validate the configuration and exit");
  app.set_version_flag("-V,--version", "tickerd " TICKERD_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_usage_error;
  }

  // Start-up and SIGHUP load the same way: the file, the command line's overrides, the checks.
  const auto load = [&]() {
    auto c = config_path.empty() ? tickerd::load_config_string("", "defaults")
                                 : tickerd::load_config_file(config_path);
    if (!listen.empty()) c.server.listen = tickerd::parse_endpoint(listen, "--listen");
    if (!log_level.empty()) {
      if (!tickerd::is_log_level(log_level)) {
        throw tickerd::config_error("--log-level: '" + log_level +
                                    "' is not one of trace, debug, info, warn, error, off");
      }
      c.log.level = log_level;
    }
    // The same checks for --check-config as for a start: what one refuses, both refuse.
    tickerd::resolve_config(c);
    return c;
  };
  tickerd::config cfg;
  try {
    cfg = load();
  } catch (const tickerd::config_error& e) {
    std::cerr << "tickerd: configuration error: " << e.what() << "\n";
    return exit_usage_error;
  }
  if (check_only) {
    std::cout << "configuration ok\n";
    return 0;
  }

  tickerd::setup_logging(cfg.log);
  // From here a failure goes through the log too, so a JSON log stays one object per line.
  const bool json_log = cfg.log.format == "json";
  const auto report = [json_log](const std::string& text) {
    if (json_log) {
      spdlog::critical(text);
    } else {
      std::cerr << "tickerd: " << text << "\n";
    }
  };
  try {
    tickerd::server server(std::move(cfg), load);
    server.run();
  } catch (const tickerd::config_error& e) {
    report(std::string("configuration error: ") + e.what());
    return exit_usage_error;
  } catch (const std::exception& e) {
    report(e.what());
    return exit_runtime_error;
  }
  return 0;
}
