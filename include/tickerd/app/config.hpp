// tickerd's configuration: an aggregate of defaults, loaded from TOML and validated at
// start-up. Every key is optional; docs/OPERATIONS.md lists them.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/instrument.hpp"
#include "tickerd/feeds/feed_session.hpp"
#include "tickerd/hub/channel_registry.hpp"
#include "tickerd/market/composite.hpp"
#include "tickerd/store/redis_store.hpp"

namespace tickerd {

// Thrown by load_config; `what()` names the key and the reason.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct endpoint_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
};

// [server.tls]: the client port serves https:// and wss:// only (docs/OPERATIONS.md "TLS").
struct server_tls_config {
  std::string cert;  // PEM: the certificate, then any intermediates (the chain sent to clients)
  std::string key;   // PEM: its unencrypted private key
  // TLS handshakes in progress per shard; at the limit the shard accepts no more connections
  // (they wait in the kernel's backlog) until one ends, so hellos cannot starve delivery.
  std::size_t max_handshakes = 64;
  bool enabled() const noexcept { return !cert.empty(); }
};

struct server_config {
  endpoint_config listen;
  // listen.host as IP literals, in the resolver's order (filled by resolve_config).
  std::vector<std::string> listen_addresses;
  unsigned shards = 0;  // 0 = one per hardware thread
  // "" = the installed dashboard (see resolve_config); an explicit directory must exist.
  std::string web_root;
  // After SIGTERM: /readyz answers 503 and everything else keeps serving this long before
  // clients are closed, so a load balancer can take the node out first.
  std::chrono::milliseconds drain{0};
  server_tls_config tls;  // off unless [server.tls] is present
  // Browser origins allowed to open /ws ("https://app.example.com", "*.example.com"); empty =
  // any. Reverse proxies (CIDRs) whose X-Forwarded-For names the client for the per-IP limit.
  std::vector<std::string> allowed_origins;
  std::vector<std::string> trusted_proxies;
};

enum class auth_mode : std::uint8_t { none, jwt };

// [auth]: who may connect and what they may read (docs/OPERATIONS.md "Authentication").
struct auth_config {
  auth_mode mode = auth_mode::none;
  std::string key_file;   // a PEM public key or an HMAC secret; or
  std::string jwks_file;  // a JSON Web Key Set (kid selects the key)
  std::vector<std::string> algorithms{"HS256", "RS256", "ES256", "EdDSA"};
  std::string issuer;                       // "" = not checked
  std::string audience;                     // "" = not checked
  std::chrono::milliseconds leeway{5'000};  // for exp and nbf
  std::string channels_claim = "channels";
  std::vector<std::string> anonymous_channels;  // patterns readable without a token
  // The `token_expiring` notice comes this long before the token's exp.
  std::chrono::milliseconds expiry_notice{60'000};
};

struct limits_config {
  std::size_t max_message_bytes = 64 * 1024;   // client message; above: close 1009
  std::size_t max_subscriptions = 256;         // per connection
  unsigned max_requests_per_second = 20;       // per connection; burst of the same size
  std::size_t conflate_after_messages = 1024;  // queued updates before conflation
  std::size_t max_queued_bytes = 8u << 20;     // after conflation; above: close 1013
  std::size_t max_connections = 20'000;        // per process
  std::size_t max_connections_per_ip = 20'000;
  std::chrono::milliseconds handshake_timeout{5'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_http_request_bytes = 8 * 1024;
};

struct log_config {
  std::string level = "info";
  std::string format = "text";  // or "json": one object per line (docs/OPERATIONS.md "Logs")
};

// GET /metrics (Prometheus text): on the client port, or with `listen` only on that address.
struct metrics_config {
  bool enabled = true;
  bool separate = false;  // [metrics] listen is set
  endpoint_config listen;
  std::vector<std::string> listen_addresses;  // listen.host as IP literals (resolve_config)
};

// [admin]: POST /admin/drain and GET /admin/status on a listener of their own; off without
// the table. Loopback only unless `token` is set (then every request needs it as a Bearer).
struct admin_config {
  bool enabled = false;  // the [admin] table is present
  endpoint_config listen{"127.0.0.1", 9091};
  std::vector<std::string> listen_addresses;  // listen.host as IP literals (resolve_config)
  std::string token;
};

struct feed_entry_config {
  feed_config session;
  std::vector<std::pair<std::string, std::string>> symbol_overrides;  // canonical -> native
  // Our quote -> the venue's quote (e.g. USDT -> USD: this venue's USD markets stand in for
  // our USDT instruments). USD and USDT are different quotes unless this says otherwise.
  std::vector<std::pair<std::string, std::string>> quote_map;
};

// What this process does when several share one Redis (docs/OPERATIONS.md "Nodes").
enum class node_role : std::uint8_t {
  all,     // feeds, seq and clients in one process (Redis optional: cache and warm start)
  ingest,  // feeds; assigns seq and writes to Redis while it holds the ingest lease
  edge,    // clients only; everything comes from Redis
};
std::string_view to_string(node_role r) noexcept;

struct node_config {
  node_role role = node_role::all;
  std::string id;  // unique per node; default "<hostname>-<pid>"
  // Updates kept per channel in memory for `since` resumes (and loaded from Redis at start).
  std::size_t resume_history = 256;
  // The writing node (all/ingest) publishes a heartbeat on the bus this often; an edge that
  // hears none for bus_silence marks every channel stale until heartbeats return.
  std::chrono::milliseconds heartbeat_interval{1'000};
  std::chrono::milliseconds bus_silence{3'000};
};

struct almanac_config {
  std::string tz = "Asia/Shanghai";  // IANA name, or a fixed offset like "UTC+8"
};

// Channel gas.ETH: an Ethereum node's WebSocket JSON-RPC, read by a feed_session named "eth".
struct gas_config {
  bool enabled = false;  // a [gas] table is present
  feed_config session = default_session();

  static feed_config default_session() {
    feed_config f;
    f.name = "eth";
    f.stale_after = std::chrono::milliseconds(60'000);  // five 12-second slots
    return f;
  }
};

inline constexpr std::string_view default_fng_url = "https://api.alternative.me/fng/?limit=1";

// Channel fng: the alternative.me API, polled over HTTP(S), and the index computed from the
// composites (always on; docs/FNG.md).
struct fng_config {
  std::string url;  // http:// or https://; empty: the API is not polled (no [fng] table)
  std::chrono::milliseconds poll_interval{600'000};
  std::chrono::milliseconds timeout{10'000};         // one request: connect, TLS, write and read
  std::chrono::milliseconds backoff_initial{1'000};  // retries of a failed poll
  std::chrono::milliseconds backoff_max{60'000};
  // The API's value gives way to the computed one when no poll has succeeded for this long.
  std::chrono::milliseconds stale_after{1'800'000};
  std::chrono::milliseconds compute_interval{60'000};
  std::size_t max_response_bytes = 64 * 1024;
  bool verify_tls = true;
};

struct config {
  server_config server;
  limits_config limits;
  log_config log;
  metrics_config metrics;
  admin_config admin;
  std::vector<instrument> instruments;
  compose_options composite{.outlier_band_bp = 500};
  // [market] quote_stale_ms: a venue whose bbo stream has been silent this long leaves the
  // consolidated bbo while its feed stays up (0: only the feed's state counts).
  std::chrono::milliseconds quote_stale{30'000};
  std::vector<feed_entry_config> feeds;
  node_config node;
  almanac_config almanac;
  gas_config gas;
  fng_config fng;
  redis_config redis;  // redis.enabled when the [redis] table is present
  auth_config auth;
  std::string source_text;  // the TOML it was loaded from: SIGHUP names what changed since

  std::vector<venue_id> venues() const;  // in [[feeds]] order
  // The channel families the feeds' streams publish: trades (and candles, made from them)
  // when a feed reads `trades`, bbo when one reads `bbo`; venue ticker wildcards always.
  channel_families families() const;
};

config load_config_file(const std::string& path);
config load_config_string(std::string_view toml_text, const std::string& source_name);

// What start-up needs from the environment, checked the same way by --check-config (one path,
// so both refuse the same configurations with the same message): server.listen's host
// resolved to addresses (a blocking lookup, done before any event loop runs) and
// server.web_root found: an explicit one must be a directory; unset, the first of
// <executable>/../share/tickerd/web, <install prefix>/share/tickerd/web and ./web that exists
// (none: no dashboard, GET / is 404). Throws config_error naming the key.
void resolve_config(config& cfg);

bool is_log_level(std::string_view level) noexcept;

// The seed page's coins, quoted in USDT: the default of market.symbols.
std::vector<instrument> default_instruments();

// "host:port" or "[v6]:port"; throws config_error naming `key`.
endpoint_config parse_endpoint(std::string_view text, std::string_view key);

// The venue's native spelling of a canonical instrument when the config does not override
// it (Binance: BTCUSDT).
std::string default_native_symbol(venue_id venue, const instrument& i);

// The native symbol a feed reads for instrument `i`: an override, else the venue's default
// spelling with the feed's quote_map applied.
std::string native_symbol(const feed_entry_config& feed, const instrument& i);

}  // namespace tickerd
