#include "tickerd/app/config.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "almanac/time_zone.hpp"
#include "auth/channel_permissions.hpp"
#include "auth/origin_allowlist.hpp"
#include "auth/trusted_proxies.hpp"
#include "tickerd/core/url.hpp"
#include "tickerd/store/redis_tls.hpp"

namespace tickerd {
namespace {

[[noreturn]] void fail(std::string_view key, std::string_view reason) {
  throw config_error(std::string(key) + ": " + std::string(reason));
}

// Reads one TOML table, remembering which keys were used so that unknown keys (typos) are
// reported instead of silently ignored.
class table_reader {
 public:
  table_reader(const toml::table* table, std::string prefix)
      : table_(table), prefix_(std::move(prefix)) {}

  std::string key(std::string_view k) const {
    return prefix_.empty() ? std::string(k) : prefix_ + "." + std::string(k);
  }

  const toml::node* node(std::string_view k) {
    used_.insert(std::string(k));
    return table_ == nullptr ? nullptr : table_->get(k);
  }

  void string(std::string_view k, std::string& out) {
    if (const auto* n = node(k)) {
      const auto v = n->value<std::string>();
      if (!n->is_string() || !v) fail(key(k), "must be a string");
      out = *v;
    }
  }

  template <typename Int>
  void integer(std::string_view k, Int& out, std::int64_t min, std::int64_t max) {
    if (const auto* n = node(k)) {
      if (!n->is_integer()) fail(key(k), "must be an integer");
      const auto v = *n->value<std::int64_t>();
      if (v < min || v > max) {
        fail(key(k), "must be between " + std::to_string(min) + " and " + std::to_string(max));
      }
      out = static_cast<Int>(v);
    }
  }

  void millis(std::string_view k, std::chrono::milliseconds& out, std::int64_t min,
              std::int64_t max) {
    std::int64_t v = out.count();
    integer(k, v, min, max);
    out = std::chrono::milliseconds(v);
  }

  void boolean(std::string_view k, bool& out) {
    if (const auto* n = node(k)) {
      if (!n->is_boolean()) fail(key(k), "must be true or false");
      out = *n->value<bool>();
    }
  }

  const toml::table* table(std::string_view k) {
    const auto* n = node(k);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) fail(key(k), "must be a table");
    return n->as_table();
  }

  const toml::array* array(std::string_view k) {
    const auto* n = node(k);
    if (n == nullptr) return nullptr;
    if (!n->is_array()) fail(key(k), "must be an array");
    return n->as_array();
  }

  void strings(std::string_view k, std::vector<std::string>& out) {
    const auto* a = array(k);
    if (a == nullptr) return;
    out.clear();
    for (const auto& n : *a) {
      const auto v = n.value<std::string>();
      if (!n.is_string() || !v) fail(key(k), "must be an array of strings");
      out.push_back(*v);
    }
  }

  void reject_unknown() const {
    if (table_ == nullptr) return;
    for (const auto& [k, v] : *table_) {
      if (!used_.contains(std::string(k.str()))) fail(key(k.str()), "unknown key");
    }
  }

 private:
  const toml::table* table_;
  std::string prefix_;
  std::set<std::string, std::less<>> used_;
};

constexpr std::int64_t max_ms = 24LL * 3600 * 1000;
constexpr std::chrono::milliseconds binance_max_connection_age = std::chrono::hours(23);
constexpr std::int64_t max_age_ms = 7LL * 24 * 3600 * 1000;

// The files themselves are loaded by resolve_config (start-up and --check-config alike).
void read_server_tls(table_reader& server, server_tls_config& tls) {
  const auto* table = server.table("tls");
  if (table == nullptr) return;
  table_reader t(table, "server.tls");
  t.string("cert", tls.cert);
  t.string("key", tls.key);
  t.integer("max_handshakes", tls.max_handshakes, 1, 100'000);
  if (tls.cert.empty()) fail("server.tls.cert", "is required in [server.tls] (a PEM file)");
  if (tls.key.empty()) fail("server.tls.key", "is required in [server.tls] (a PEM file)");
  t.reject_unknown();
}

void read_server(table_reader& root, server_config& s) {
  table_reader t(root.table("server"), "server");
  if (t.node("listen") != nullptr) {
    std::string listen;
    t.string("listen", listen);
    s.listen = parse_endpoint(listen, "server.listen");  // "" is an error, not the default
  }
  t.integer("shards", s.shards, 0, 256);
  t.string("web_root", s.web_root);
  if (t.node("web_root") != nullptr && s.web_root.empty()) {
    fail("server.web_root", "must not be empty (leave it out for the installed dashboard)");
  }
  t.millis("drain_ms", s.drain, 0, 600'000);
  read_server_tls(t, s.tls);
  t.strings("allowed_origins", s.allowed_origins);
  for (std::size_t i = 0; i < s.allowed_origins.size(); ++i) {
    if (auto e = origin_allowlist::check_entry(s.allowed_origins[i]); !e.empty()) {
      fail("server.allowed_origins[" + std::to_string(i) + "]", e);
    }
  }
  t.strings("trusted_proxies", s.trusted_proxies);
  trusted_proxies proxies;
  for (std::size_t i = 0; i < s.trusted_proxies.size(); ++i) {
    if (auto e = proxies.add(s.trusted_proxies[i]); !e.empty()) {
      fail("server.trusted_proxies[" + std::to_string(i) + "]", e);
    }
  }
  t.reject_unknown();
}

// The key files are read by resolve_config (and on SIGHUP): here only the text.
void read_auth(table_reader& root, auth_config& a) {
  table_reader t(root.table("auth"), "auth");
  std::string mode = "none";
  t.string("mode", mode);
  if (mode == "jwt") {
    a.mode = auth_mode::jwt;
  } else if (mode != "none") {
    fail("auth.mode", "must be \"none\" or \"jwt\"");
  }
  t.string("key_file", a.key_file);
  t.string("jwks_file", a.jwks_file);
  t.strings("algorithms", a.algorithms);
  t.string("issuer", a.issuer);
  t.string("audience", a.audience);
  t.millis("leeway_ms", a.leeway, 0, 3'600'000);
  t.string("channels_claim", a.channels_claim);
  t.strings("anonymous_channels", a.anonymous_channels);
  t.millis("expiry_notice_ms", a.expiry_notice, 0, max_ms);
  t.reject_unknown();
  if (a.algorithms.empty()) fail("auth.algorithms", "must list at least one algorithm");
  for (const auto& alg : a.algorithms) {
    if (alg != "HS256" && alg != "RS256" && alg != "ES256" && alg != "EdDSA") {
      fail("auth.algorithms",
           "'" + alg.substr(0, 32) + "' is not one of HS256, RS256, ES256, EdDSA");
    }
  }
  if (a.channels_claim.empty()) fail("auth.channels_claim", "must not be empty");
  for (std::size_t i = 0; i < a.anonymous_channels.size(); ++i) {
    if (!channel_permissions::valid_pattern(a.anonymous_channels[i])) {
      fail("auth.anonymous_channels[" + std::to_string(i) + "]",
           "must be a channel name, or a prefix ending in '*' (\"ticker.*\")");
    }
  }
  if (a.mode == auth_mode::none) return;
  if (a.key_file.empty() == a.jwks_file.empty()) {
    fail(a.key_file.empty() ? "auth.key_file" : "auth.jwks_file",
         "mode \"jwt\" needs exactly one of key_file and jwks_file");
  }
}

void read_limits(table_reader& root, limits_config& l) {
  table_reader t(root.table("limits"), "limits");
  t.integer("max_message_bytes", l.max_message_bytes, 256, 16 << 20);
  t.integer("max_subscriptions", l.max_subscriptions, 1, 100'000);
  t.integer("max_requests_per_second", l.max_requests_per_second, 1, 100'000);
  t.integer("conflate_after_messages", l.conflate_after_messages, 1, 1'000'000);
  t.integer("max_queued_bytes", l.max_queued_bytes, 64 * 1024, std::int64_t{1} << 32);
  t.integer("max_connections", l.max_connections, 1, 10'000'000);
  t.integer("max_connections_per_ip", l.max_connections_per_ip, 1, 10'000'000);
  t.millis("handshake_timeout_ms", l.handshake_timeout, 10, max_ms);
  t.millis("idle_timeout_ms", l.idle_timeout, 100, max_ms);
  t.integer("max_http_request_bytes", l.max_http_request_bytes, 1024, 1 << 20);
  t.reject_unknown();
}

void read_log(table_reader& root, log_config& l) {
  table_reader t(root.table("log"), "log");
  t.string("level", l.level);
  if (!is_log_level(l.level)) {
    fail("log.level", "must be one of trace, debug, info, warn, error, critical, off");
  }
  t.string("format", l.format);
  if (l.format != "text" && l.format != "json") fail("log.format", "must be \"text\" or \"json\"");
  t.reject_unknown();
}

void read_metrics(table_reader& root, metrics_config& m) {
  table_reader t(root.table("metrics"), "metrics");
  t.boolean("enabled", m.enabled);
  if (t.node("listen") != nullptr) {
    std::string listen;
    t.string("listen", listen);
    m.listen = parse_endpoint(listen, "metrics.listen");
    m.separate = true;
    if (!m.enabled) fail("metrics.listen", "is set but metrics.enabled is false");
  }
  t.reject_unknown();
}

// A secret comes from exactly one of three keys: inline (`<key>`), a file (`<key>_file`: a
// secrets mount, systemd's LoadCredential) or an environment variable (`<key>_env`: systemd's
// EnvironmentFile, a container's env). False when none is set.
bool read_secret(table_reader& t, const std::string& table, const std::string& key,
                 std::string& out) {
  const std::string file_key = key + "_file";
  const std::string env_key = key + "_env";
  const std::string name = table + "." + key;
  std::string inline_value;
  std::string file;
  std::string env;
  t.string(key, inline_value);
  t.string(file_key, file);
  t.string(env_key, env);
  const int sources = int{t.node(key) != nullptr} + int{t.node(file_key) != nullptr} +
                      int{t.node(env_key) != nullptr};
  if (sources > 1) fail(name, "set only one of " + key + ", " + file_key + ", " + env_key);
  if (t.node(key) != nullptr) {
    if (inline_value.empty()) fail(name, "must not be empty");
    out = inline_value;
  } else if (t.node(file_key) != nullptr) {
    std::ifstream in(file, std::ios::binary);
    if (file.empty() || !in) fail(table + "." + file_key, "cannot read '" + file + "'");
    std::ostringstream text;
    text << in.rdbuf();
    out = text.str();
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (out.empty()) fail(table + "." + file_key, "'" + file + "' is empty");
  } else if (t.node(env_key) != nullptr) {
    const char* value = env.empty()
                            ? nullptr
                            : std::getenv(env.c_str());  // NOLINT(concurrency-mt-unsafe): start-up
    if (value == nullptr || *value == '\0') {
      fail(table + "." + env_key, "environment variable '" + env + "' is not set or empty");
    }
    out = value;
  }
  return sources == 1;
}

constexpr std::size_t min_admin_token_bytes = 16;

void read_admin(table_reader& root, admin_config& a) {
  const auto* table = root.table("admin");
  if (table == nullptr) return;
  a.enabled = true;
  table_reader t(table, "admin");
  if (t.node("listen") != nullptr) {
    std::string listen;
    t.string("listen", listen);
    a.listen = parse_endpoint(listen, "admin.listen");
  }
  if (read_secret(t, "admin", "token", a.token) && a.token.size() < min_admin_token_bytes) {
    fail("admin.token", "must be at least " + std::to_string(min_admin_token_bytes) +
                            " characters (a random secret)");
  }
  t.reject_unknown();
}

// A host name or an IP literal: resolved (asynchronously) on every connect, not here, so a
// name that does not resolve yet is retried rather than refused.
bool is_host_syntax(std::string_view host) {
  if (host.find(':') != std::string_view::npos) {  // an IPv6 literal (brackets already removed)
    return host.find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
  }
  if (host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
  return host.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
         std::string_view::npos;
}

void read_redis_password(table_reader& t, redis_endpoint& e) {
  read_secret(t, "redis", "password", e.password);
  t.string("username", e.username);
  if (t.node("username") != nullptr && e.username.empty())
    fail("redis.username", "must not be empty");
  if (!e.username.empty() && e.password.empty()) {
    fail("redis.username", "needs a password (password, password_file or password_env)");
  }
  if (e.password.find_first_of("\r\n") != std::string::npos) {
    fail("redis.password", "must not contain line breaks");
  }
  if (e.username.find_first_of(" \r\n") != std::string::npos) {
    fail("redis.username", "must not contain spaces or line breaks");
  }
}

void read_redis_tls(table_reader& t, redis_tls_options& tls) {
  t.boolean("tls", tls.enabled);
  t.string("tls_ca_file", tls.ca_file);
  t.string("tls_cert_file", tls.cert_file);
  t.string("tls_key_file", tls.key_file);
  t.string("tls_server_name", tls.server_name);
  t.boolean("tls_verify", tls.verify);
  if (!tls.enabled) {
    for (const auto* k :
         {"tls_ca_file", "tls_cert_file", "tls_key_file", "tls_server_name", "tls_verify"}) {
      if (t.node(k) != nullptr) fail(t.key(k), "needs tls = true");
    }
    return;
  }
  for (const auto* k : {"tls_ca_file", "tls_cert_file", "tls_key_file", "tls_server_name"}) {
    if (t.node(k) != nullptr && t.node(k)->value<std::string>()->empty())
      fail(t.key(k), "must not be empty");
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    fail(tls.cert_file.empty() ? "redis.tls_cert_file" : "redis.tls_key_file",
         "tls_cert_file and tls_key_file go together (the client certificate for mutual TLS)");
  }
  if (!tls.server_name.empty() && !is_host_syntax(tls.server_name)) {
    fail("redis.tls_server_name", "'" + tls.server_name + "' is not a host name or IP address");
  }
  if (const auto e = check_redis_tls(tls)) fail("redis." + e->key, e->reason);
}

void read_redis(table_reader& root, redis_config& r) {
  const auto* table = root.table("redis");
  if (table == nullptr) return;
  table_reader t(table, "redis");
  r.enabled = true;
  std::string address = r.endpoint.host + ":" + std::to_string(r.endpoint.port);
  t.string("address", address);
  const auto ep = parse_endpoint(address, "redis.address");
  if (!is_host_syntax(ep.host)) {
    fail("redis.address", "'" + address + "': '" + ep.host + "' is not a host name or IP address");
  }
  if (ep.port == 0) fail("redis.address", "'" + address + "': port 0 cannot be connected to");
  r.endpoint.host = ep.host;
  r.endpoint.port = ep.port;
  read_redis_password(t, r.endpoint);
  t.integer("db", r.endpoint.db, 0, std::numeric_limits<std::int32_t>::max());
  read_redis_tls(t, r.endpoint.tls);
  t.string("prefix", r.prefix);
  if (r.prefix.empty() || r.prefix.find_first_of(" \t\r\n*?[]") != std::string::npos) {
    fail("redis.prefix", "must be non-empty, without spaces or glob characters");
  }
  t.integer("history_length", r.history_length, 1, 10'000'000);
  t.integer("max_buffered", r.max_buffered, 16, 100'000'000);
  t.millis("flush_interval_ms", r.flush_interval, 0, 10'000);
  t.millis("connect_timeout_ms", r.endpoint.connect_timeout, 10, max_ms);
  t.millis("command_timeout_ms", r.endpoint.command_timeout, 10, max_ms);
  t.millis("backoff_initial_ms", r.endpoint.backoff_initial, 1, max_ms);
  t.millis("backoff_max_ms", r.endpoint.backoff_max, 1, max_ms);
  t.millis("lease_ttl_ms", r.lease_ttl, 100, max_ms);
  t.millis("warm_start_timeout_ms", r.warm_start_timeout, 0, max_ms);
  if (r.endpoint.backoff_max < r.endpoint.backoff_initial) {
    fail("redis.backoff_max_ms", "must not be below backoff_initial_ms");
  }
  t.reject_unknown();
}

void read_node(table_reader& root, node_config& n) {
  table_reader t(root.table("node"), "node");
  std::string role(to_string(n.role));
  t.string("role", role);
  if (role == "all") {
    n.role = node_role::all;
  } else if (role == "ingest") {
    n.role = node_role::ingest;
  } else if (role == "edge") {
    n.role = node_role::edge;
  } else {
    fail("node.role", R"(must be "all", "ingest" or "edge")");
  }
  t.string("id", n.id);
  if (n.id.find(' ') != std::string::npos) fail("node.id", "must not contain spaces");
  t.integer("resume_history", n.resume_history, 0, 1'000'000);
  t.millis("heartbeat_interval_ms", n.heartbeat_interval, 10, 600'000);
  t.millis("bus_silence_ms", n.bus_silence, 20, max_ms);
  if (n.bus_silence < 2 * n.heartbeat_interval) {
    fail("node.bus_silence_ms", "must be at least twice heartbeat_interval_ms (" +
                                    std::to_string(n.heartbeat_interval.count()) + ")");
  }
  t.reject_unknown();
}

void read_almanac(table_reader& root, almanac_config& a) {
  table_reader t(root.table("almanac"), "almanac");
  t.string("tz", a.tz);
  if (const auto z = almanac::load_time_zone(a.tz); !z) {
    fail("almanac.tz", "'" + a.tz + "': " + std::string(almanac::to_string(z.error)) +
                           " (an IANA zone such as \"Asia/Shanghai\" from /usr/share/zoneinfo, "
                           "or \"UTC+8\")");
  }
  t.reject_unknown();
}

void read_gas(table_reader& root, gas_config& g) {
  const auto* table = root.table("gas");
  if (table == nullptr) return;
  table_reader t(table, "gas");
  g.enabled = true;
  auto& s = g.session;
  t.string("url", s.url);
  if (s.url.empty()) fail("gas.url", "is required (the node's ws:// or wss:// JSON-RPC endpoint)");
  if (const auto url = parse_ws_url(s.url); !url) {
    fail("gas.url", "'" + s.url + "' is not a ws:// or wss:// URL (" +
                        std::string(to_string(url.error)) + ")");
  }
  t.millis("stale_after_ms", s.stale_after, 50, max_ms);
  t.millis("connect_timeout_ms", s.connect_timeout, 50, max_ms);
  t.millis("backoff_initial_ms", s.backoff_initial, 1, max_ms);
  t.millis("backoff_max_ms", s.backoff_max, 1, max_ms);
  t.millis("healthy_after_ms", s.healthy_after, 1, max_ms);
  t.integer("max_frame_bytes", s.max_frame_bytes, 1024, 64 << 20);
  t.boolean("verify_tls", s.verify_tls);
  if (s.backoff_max < s.backoff_initial) {
    fail("gas.backoff_max_ms", "must not be below backoff_initial_ms");
  }
  t.reject_unknown();
}

void read_fng(table_reader& root, fng_config& f) {
  const auto* table = root.table("fng");
  if (table == nullptr) return;  // no API: the computed index alone
  table_reader t(table, "fng");
  f.url = std::string(default_fng_url);
  t.string("url", f.url);
  if (!f.url.empty()) {
    if (const auto url = parse_http_url(f.url); !url) {
      fail("fng.url", "'" + f.url + "' is not an http:// or https:// URL (" +
                          std::string(to_string(url.error)) + "); \"\" turns polling off");
    }
  }
  t.millis("poll_interval_ms", f.poll_interval, 100, max_ms);
  t.millis("timeout_ms", f.timeout, 10, 600'000);
  t.millis("backoff_initial_ms", f.backoff_initial, 1, max_ms);
  t.millis("backoff_max_ms", f.backoff_max, 1, max_ms);
  t.millis("stale_after_ms", f.stale_after, 100, 7 * max_ms);
  t.millis("compute_interval_ms", f.compute_interval, 100, max_ms);
  t.integer("max_response_bytes", f.max_response_bytes, 1024, 16 << 20);
  t.boolean("verify_tls", f.verify_tls);
  if (f.backoff_max < f.backoff_initial) {
    fail("fng.backoff_max_ms", "must not be below backoff_initial_ms");
  }
  t.reject_unknown();
}

void read_market(table_reader& root, std::vector<instrument>& out, compose_options& composite,
                 std::chrono::milliseconds& quote_stale) {
  table_reader t(root.table("market"), "market");
  t.integer("outlier_band_bp", composite.outlier_band_bp, 0, 10'000);
  t.millis("quote_stale_ms", quote_stale, 0, max_ms);
  if (const auto* symbols = t.array("symbols")) {
    out.clear();
    std::size_t i = 0;
    for (const auto& n : *symbols) {
      const std::string key = "market.symbols[" + std::to_string(i++) + "]";
      const auto s = n.value<std::string>();
      if (!n.is_string() || !s) fail(key, "must be a string like \"BTC-USDT\"");
      auto parsed = instrument::parse(*s);
      if (!parsed) fail(key, "'" + *s + "' is not BASE-QUOTE (upper-case letters and digits)");
      for (const auto& existing : out) {
        if (existing.symbol() == *s) fail(key, "'" + *s + "' is listed twice");
      }
      out.push_back(std::move(*parsed));
    }
    if (out.empty()) fail("market.symbols", "must list at least one instrument");
    if (out.size() >= no_instrument) fail("market.symbols", "too many symbols");
  }
  t.reject_unknown();
}

// The venue's REST API when `rest_url` is not set: its public host for the venue's own
// WebSocket host, else the WebSocket's own host and port over http(s) (tickerd-sim serves both
// on one port).
std::string default_rest_url(venue_id venue, const std::string& ws) {
  const auto url = parse_ws_url(ws);
  if (!url) return {};
  const auto ends_with = [&](std::string_view suffix) {
    const std::string_view h = url.url.host;
    return h.size() >= suffix.size() && h.substr(h.size() - suffix.size()) == suffix;
  };
  if (venue == venue_id::binance && ends_with("binance.com")) return "https://api.binance.com";
  if (venue == venue_id::okx && ends_with("okx.com")) return "https://www.okx.com";
  return std::string(url.url.tls ? "https://" : "http://") + url.url.host_header();
}

void read_feed(const toml::table* table, const std::string& prefix,
               const std::vector<instrument>& instruments, feed_entry_config& f) {
  table_reader t(table, prefix);
  std::string venue;
  t.string("venue", venue);
  if (venue.empty()) fail(t.key("venue"), "is required (binance, okx, coinbase, bybit, kraken)");
  const auto v = parse_venue(venue);
  if (!v) fail(t.key("venue"), "unknown venue '" + venue + "'");
  auto& s = f.session;
  s.venue = *v;
  if (s.venue == venue_id::binance) {
    // Binance ends every connection after 24 h: replace it well before, without a gap.
    s.max_connection_age = binance_max_connection_age;
  }
  t.string("url", s.url);
  if (s.url.empty()) fail(t.key("url"), "is required");
  if (const auto url = parse_ws_url(s.url); !url) {
    fail(t.key("url"), "'" + s.url + "' is not a ws:// or wss:// URL (" +
                           std::string(to_string(url.error)) + ")");
  }
  t.millis("stale_after_ms", s.stale_after, 50, max_ms);
  t.millis("connect_timeout_ms", s.connect_timeout, 50, max_ms);
  t.millis("backoff_initial_ms", s.backoff_initial, 1, max_ms);
  t.millis("backoff_max_ms", s.backoff_max, 1, max_ms);
  t.millis("healthy_after_ms", s.healthy_after, 1, max_ms);
  t.millis("max_connection_age_ms", s.max_connection_age, 0, max_age_ms);
  t.millis("rollover_lead_ms", s.rollover_lead, 1, max_ms);
  t.integer("max_frame_bytes", s.max_frame_bytes, 1024, 64 << 20);
  t.boolean("verify_tls", s.verify_tls);
  std::vector<std::string> streams;
  t.strings("streams", streams);
  s.streams = all_feed_streams;
  if (t.array("streams") != nullptr) {
    if (streams.empty())
      fail(t.key("streams"), "must name at least one of ticker, trades, bbo, book");
    s.streams = 0;
    for (const auto& name : streams) {
      const feed_stream bit = feed_stream_from_name(name);
      if (bit == 0) {
        fail(t.key("streams"), "unknown stream '" + name + "' (ticker, trades, bbo, book)");
      }
      s.streams = static_cast<feed_streams>(s.streams | bit);
    }
  }
  t.string("rest_url", s.rest_url);
  if (s.rest_url.empty()) {
    s.rest_url = default_rest_url(s.venue, s.url);
  } else if (const auto url = parse_http_url(s.rest_url); !url) {
    fail(t.key("rest_url"), "'" + s.rest_url + "' is not an http:// or https:// URL (" +
                                std::string(to_string(url.error)) + ")");
  }
  if (s.backoff_max < s.backoff_initial) {
    fail(t.key("backoff_max_ms"), "must not be below backoff_initial_ms");
  }
  if (s.max_connection_age.count() != 0 && s.rollover_lead >= s.max_connection_age) {
    fail(t.key("rollover_lead_ms"), "must be below max_connection_age_ms");
  }
  if (const auto* symbols = t.table("symbols")) {
    for (const auto& [k, n] : *symbols) {
      // A plain variable, not the binding: clang 14 cannot capture structured bindings.
      const std::string_view canonical = k.str();
      const std::string key = t.key("symbols") + "." + std::string(canonical);
      const auto native = n.value<std::string>();
      if (!n.is_string() || !native || native->empty()) fail(key, "must be a non-empty string");
      const bool known = std::any_of(instruments.begin(), instruments.end(),
                                     [&](const instrument& i) { return i.symbol() == canonical; });
      if (!known) fail(key, "is not one of market.symbols");
      f.symbol_overrides.emplace_back(std::string(canonical), *native);
    }
  }
  if (const auto* quotes = t.table("quote_map")) {
    for (const auto& [k, n] : *quotes) {
      const std::string key = t.key("quote_map") + "." + std::string(k.str());
      const auto venue_quote = n.value<std::string>();
      if (!n.is_string() || !venue_quote || venue_quote->empty()) {
        fail(key, "must be a non-empty string (the venue's quote currency)");
      }
      f.quote_map.emplace_back(std::string(k.str()), *venue_quote);
    }
  }
  t.reject_unknown();
}

// toml++ 3.3.0 (Debian 12) asks whether a character is whitespace in a function that reaches
// __builtin_unreachable() for most non-ASCII code points (U+00A1-U+0499, U+2D6E-U+3167,
// U+FB36-U+FEFE; tomlplusplus issues 190 and 295, fixed upstream after 3.3.0). It asks where
// TOML allows only ASCII (outside strings and comments), and in a multi-line basic string right
// after a backslash. Such text is refused here, naming the place, before toml++ sees it. A
// quote opens a string only where TOML puts one (a key or a value): elsewhere, as in a date
// with quotes in it, toml++ reads on through a bare value.
void refuse_non_ascii_toml_breaks_on(std::string_view text, const std::string& source_name) {
  std::size_t line = 1;
  std::size_t line_start = 0;
  const auto refuse = [&](std::size_t at, std::string_view where) {
    throw config_error(source_name + ":" + std::to_string(line) + ":" +
                       std::to_string(at - line_start + 1) + ": non-ASCII character " +
                       std::string(where));
  };
  const auto non_ascii = [](char c) { return static_cast<unsigned char>(c) >= 0x80; };
  const auto at = [&](std::size_t i, std::string_view s) { return text.substr(i, s.size()) == s; };
  std::size_t i = at(0, "\xEF\xBB\xBF") ? 3 : 0;  // a byte order mark
  const auto next_line = [&](std::size_t newline) {
    ++line;
    line_start = newline + 1;
  };
  char before = '\n';  // the last character outside strings and comments, blanks aside
  const auto string_may_open = [&] {
    return std::string_view("=[{,.\r\n").find(before) != std::string_view::npos;
  };
  while (i < text.size()) {
    const char c = text[i];
    const bool opens = string_may_open();
    if (c != ' ' && c != '\t' && c != '#') before = c;
    if (c == '\n') {
      next_line(i++);
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (!opens && (c == '"' || c == '\'')) {
      ++i;
    } else if (at(i, R"(""")") || at(i, "'''")) {
      const std::string_view quotes = text.substr(i, 3);
      const bool basic = c == '"';
      for (i += 3; i < text.size() && !at(i, quotes); ++i) {
        if (text[i] == '\n') next_line(i);
        if (!basic || text[i] != '\\') continue;
        // An escape: the character after the backslash is looked at; after a line-ending
        // backslash, so is the first one past the blanks and newlines.
        if (i + 1 < text.size() && non_ascii(text[i + 1])) refuse(i + 1, "after a backslash");
        if (i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t' ||
                                    text[i + 1] == '\r' || text[i + 1] == '\n')) {
          while (i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t' ||
                                         text[i + 1] == '\r' || text[i + 1] == '\n')) {
            if (text[++i] == '\n') next_line(i);
          }
          if (i + 1 < text.size() && non_ascii(text[i + 1])) {
            refuse(i + 1, "after a line-ending backslash (write it as \\uXXXX)");
          }
        } else {
          ++i;  // the escaped character: \" does not end the string
        }
      }
      // The closing quotes, and up to two more that belong to the string.
      i += 3;
      for (int extra = 0; extra < 2 && i < text.size() && text[i] == c; ++extra) ++i;
    } else if (c == '"' || c == '\'') {
      for (++i; i < text.size() && text[i] != c && text[i] != '\n'; ++i) {
        if (c == '"' && text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i;
      }
      if (i < text.size() && text[i] == c) ++i;
    } else if (non_ascii(c)) {
      refuse(i, "outside a string or comment");
    } else {
      ++i;
    }
  }
}

// The scanner above guesses where strings are; toml++ decides. So before toml++ reads text with
// non-ASCII in it, it reads a copy with every non-ASCII byte turned into '?', which TOML allows in
// strings and comments only: if the copy parses, every non-ASCII character of the original is
// inside a string or a comment, where toml++ 3.3.0 reads it safely (the backslash cases are the
// scanner's). If the copy does not parse, its error is the original's, or a non-ASCII character
// where TOML allows none; toml++ never sees the original.
void refuse_non_ascii_toml_misreads(std::string_view text, const std::string& source_name) {
  const auto non_ascii = [](char c) { return static_cast<unsigned char>(c) >= 0x80; };
  const std::size_t bom = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  if (std::none_of(text.begin() + static_cast<std::ptrdiff_t>(bom), text.end(), non_ascii)) return;
  std::string ascii(text);
  std::replace_if(ascii.begin() + static_cast<std::ptrdiff_t>(bom), ascii.end(), non_ascii, '?');
  try {
    (void)toml::parse(ascii, source_name);
  } catch (const toml::parse_error& e) {
    // toml++ counts columns in characters: in the copy a byte is one.
    const auto line = static_cast<std::size_t>(e.source().begin.line);
    std::size_t start = 0;
    for (std::size_t l = 1; l < line && start < text.size(); ++l) {
      const std::size_t newline = text.find('\n', start);
      start = newline == std::string_view::npos ? text.size() : newline + 1;
    }
    const auto column_in_copy = static_cast<std::size_t>(e.source().begin.column);
    const std::size_t at =
        std::min(text.size(), start + (column_in_copy > 0 ? column_in_copy - 1 : 0));
    const auto column =
        1 + std::count_if(text.begin() + static_cast<std::ptrdiff_t>(start),
                          text.begin() + static_cast<std::ptrdiff_t>(at),
                          [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
    const bool ours = at < text.size() && non_ascii(text[at]);
    std::ostringstream os;
    os << source_name << ":" << line << ":" << column << ": "
       << (ours ? "non-ASCII character outside a string or comment" : e.description());
    throw config_error(os.str());
  }
}

config read_config(const toml::table& root_table) {
  config c;
  c.instruments = default_instruments();
  table_reader root(&root_table, "");
  read_server(root, c.server);
  read_limits(root, c.limits);
  read_log(root, c.log);
  read_metrics(root, c.metrics);
  read_admin(root, c.admin);
  read_market(root, c.instruments, c.composite, c.quote_stale);
  read_redis(root, c.redis);
  read_node(root, c.node);
  read_almanac(root, c.almanac);
  read_gas(root, c.gas);
  read_fng(root, c.fng);
  read_auth(root, c.auth);
  if (c.metrics.separate && c.metrics.listen.port != 0 &&
      c.metrics.listen.port == c.server.listen.port &&
      c.metrics.listen.host == c.server.listen.host) {
    fail("metrics.listen", "is server.listen; leave it out to serve /metrics there");
  }
  if (c.admin.enabled && c.admin.listen.port != 0 &&
      ((c.admin.listen.port == c.server.listen.port &&
        c.admin.listen.host == c.server.listen.host) ||
       (c.metrics.separate && c.admin.listen.port == c.metrics.listen.port &&
        c.admin.listen.host == c.metrics.listen.host))) {
    fail("admin.listen", "is the address of server.listen or metrics.listen: give it its own");
  }
  if (c.node.role != node_role::all && !c.redis.enabled) {
    fail("node.role", "'" + std::string(to_string(c.node.role)) +
                          "' needs a [redis] table: nodes share state through Redis");
  }
  if (const auto* feeds = root.array("feeds")) {
    std::size_t i = 0;
    for (const auto& n : *feeds) {
      const std::string prefix = "feeds[" + std::to_string(i++) + "]";
      if (!n.is_table()) fail(prefix, "must be a table ([[feeds]])");
      read_feed(n.as_table(), prefix, c.instruments, c.feeds.emplace_back());
      // One session per venue: the aggregator keeps one state and one freshness per venue.
      const venue_id v = c.feeds.back().session.venue;
      for (std::size_t j = 0; j + 1 < c.feeds.size(); ++j) {
        if (c.feeds[j].session.venue == v) {
          fail(prefix + ".venue", "'" + std::string(to_string(v)) +
                                      "' is already configured in feeds[" + std::to_string(j) +
                                      "] (each venue may appear once)");
        }
      }
    }
  }
  root.reject_unknown();
  return c;
}

}  // namespace

std::string_view to_string(node_role r) noexcept {
  switch (r) {
    case node_role::all:
      return "all";
    case node_role::ingest:
      return "ingest";
    case node_role::edge:
      return "edge";
  }
  return "all";
}

bool is_log_level(std::string_view level) noexcept {
  static constexpr std::string_view levels[] = {"trace", "debug",    "info", "warn",
                                                "error", "critical", "off"};
  return std::find(std::begin(levels), std::end(levels), level) != std::end(levels);
}

std::vector<instrument> default_instruments() {
  static constexpr std::string_view bases[] = {"BTC", "ETH", "BNB", "SOL",   "XRP", "DOGE",
                                               "TRX", "TON", "SUI", "TRUMP", "ONDO"};
  std::vector<instrument> out;
  for (const auto base : bases) out.push_back({std::string(base), "USDT"});
  return out;
}

endpoint_config parse_endpoint(std::string_view text, std::string_view key) {
  endpoint_config e;
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      fail(key, "'" + std::string(text) + "' is not [IPv6]:port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) fail(key, "'" + std::string(text) + "' is not host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || r.ec != std::errc{} || r.ptr != port.data() + port.size() || value > 65535) {
    fail(key, "'" + std::string(text) + "' is not host:port with a port of 0-65535");
  }
  e.host = std::string(host);
  e.port = static_cast<std::uint16_t>(value);
  return e;
}

std::string default_native_symbol(venue_id venue, const instrument& i) {
  switch (venue) {
    case venue_id::binance:
    case venue_id::bybit:
      return i.base + i.quote;
    case venue_id::okx:
    case venue_id::coinbase:
      return i.base + "-" + i.quote;
    case venue_id::kraken:
      return i.base + "/" + i.quote;
  }
  return i.symbol();
}

std::vector<venue_id> config::venues() const {
  std::vector<venue_id> out;
  out.reserve(feeds.size());
  for (const auto& f : feeds) out.push_back(f.session.venue);
  return out;
}

channel_families config::families() const {
  channel_families f;
  f.venue_ticker_wildcards = true;
  for (const auto& feed : feeds) {
    if ((feed.session.streams & fs_trades) != 0) f.trades = f.candles = true;
    if ((feed.session.streams & fs_bbo) != 0) f.bbo = true;
    if ((feed.session.streams & fs_book) != 0) f.books = true;
  }
  return f;
}

std::string native_symbol(const feed_entry_config& feed, const instrument& i) {
  const std::string canonical = i.symbol();
  for (const auto& [symbol, native] : feed.symbol_overrides) {
    if (symbol == canonical) return native;
  }
  instrument spelled = i;
  for (const auto& [ours, theirs] : feed.quote_map) {
    if (ours == i.quote) spelled.quote = theirs;
  }
  return default_native_symbol(feed.session.venue, spelled);
}

config load_config_string(std::string_view toml_text, const std::string& source_name) {
  refuse_non_ascii_toml_breaks_on(toml_text, source_name);
  refuse_non_ascii_toml_misreads(toml_text, source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source_name << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
       << e.description();
    throw config_error(os.str());
  }
  config c = read_config(root);
  c.source_text = std::string(toml_text);
  return c;
}

config load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_string(text.str(), path);
}

}  // namespace tickerd
