#include "sim/sim_app.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdio>

#include "sim/binance_protocol.hpp"
#include "sim/book_model.hpp"
#include "sim/bybit_protocol.hpp"
#include "sim/coinbase_depth.hpp"
#include "sim/coinbase_protocol.hpp"
#include "sim/debug_book.hpp"
#include "sim/eth_protocol.hpp"
#include "sim/fng_api.hpp"
#include "sim/graceful_run.hpp"
#include "sim/kraken_protocol.hpp"
#include "sim/market_driver.hpp"
#include "sim/okx_encode.hpp"
#include "sim/okx_protocol.hpp"
#include "sim/rest_api.hpp"
#include "sim/router.hpp"
#include "sim/server.hpp"
#include "sim/sim_log.hpp"
#include "sim/trade_faults.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim {
namespace {

constexpr auto stats_interval = std::chrono::seconds(60);
// Scheduled faults pending at once; more is a runaway script, not a rehearsal.
constexpr std::size_t max_scheduled_faults = 256;

constexpr std::string_view faults_path = "/faults";
constexpr std::string_view market_path = "/market";

control_response error_reply(unsigned status, std::string_view message) {
  control_response r;
  r.status = status;
  r.body = R"({"error":)";
  json::append_string(r.body, message);
  r.body += "}\n";
  return r;
}

control_response json_reply(std::string body) {
  control_response r;
  r.body = std::move(body);
  r.body += '\n';
  return r;
}

bool is_read(std::string_view method) {
  return method == "GET" || method == "HEAD";
}

// GET /api/v3/depth (or /binance/api/v3/depth): served from the books, not rest_api.
bool is_binance_depth(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/api/v3/depth" || path == "/binance/api/v3/depth";
}

// A fault given with after/every: one timer each. Its wait holds it (shared_ptr), so an entry
// can leave the list whenever it is done, and a handler that runs late finds it intact.
struct scheduled_fault {
  scheduled_fault(net::io_context& ioc, std::string v, fault f)
      : venue(std::move(v)), spec(f), timer(ioc) {}
  std::string venue;
  fault spec;
  net::steady_timer timer;
  std::chrono::steady_clock::time_point next;
  std::uint64_t fired = 0;
  bool done = false;  // fired for the last time, or cancelled: the handler does nothing
};

// A request body holding one number in (0, max] (trailing white space allowed), or nullopt.
std::optional<double> positive_number(std::string_view body, double max) {
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())))
    body.remove_suffix(1);
  double value = 0;
  const auto res = std::from_chars(body.data(), body.data() + body.size(), value);
  if (body.empty() || res.ec != std::errc() || res.ptr != body.data() + body.size() ||
      !(value > 0) || value > max) {
    return std::nullopt;
  }
  return value;
}

std::vector<symbol_spec> or_builtins(std::vector<symbol_spec> symbols) {
  if (!symbols.empty()) return symbols;
  const auto all = builtin_specs();
  return {all.begin(), all.end()};
}

}  // namespace

bool parse_listen(std::string_view text, std::string& host, std::uint16_t& port,
                  std::string& error) {
  std::string_view h;
  std::string_view p;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) {
      error = "expected [IPv6]:PORT";
      return false;
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      error = "expected HOST:PORT, e.g. 127.0.0.1:9001";
      return false;
    }
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
  }
  if (h.empty()) {
    error = "missing host";
    return false;
  }
  boost::system::error_code ec;
  if (h != "localhost") net::ip::make_address(std::string(h), ec);
  if (ec) {
    error = "host must be an IP address or localhost";
    return false;
  }
  unsigned value = 0;
  const auto r = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || value > 65535) {
    error = "port must be 0..65535";
    return false;
  }
  host = std::string(h);
  port = static_cast<std::uint16_t>(value);
  return true;
}

struct simulator::impl {
  impl(net::io_context& ioc, sim_options o)
      : options(std::move(o)),
        model(or_builtins(options.symbols), options.seed),
        books(model, options.seed),
        driver(ioc, model, options.rate),
        binance(model, binance::format_options{options.binance_fixed8},
                options.max_incoming_per_sec),
        okx(model, &ioc),
        coinbase(model),
        kraken(model, options.seed),
        bybit(model, options.seed),
        eth(options.seed, &ioc, std::chrono::milliseconds(options.block_interval_ms)),
        bybit_timer(ioc),
        srv(ioc, routes, make_server_options(options)),
        stats_timer(ioc),
        coinbase_timer(ioc),
        kraken_timer(ioc),
        io(ioc) {
    model.set_trade_scale(options.trade_scale);
    // The books step first (once something asked for depth): every venue then prints the book
    // of the event it prints.
    driver.add_listener([this](std::size_t i, std::int64_t) {
      if (books.active()) books.step(i, model.symbol(i).state());
    });
    binance.set_books(&books);
    bybit.set_books(&books);
    okx.set_books(&books);
    kraken.set_books(&books);
    coinbase.set_books(&books);
    routes.add(binance);
    routes.add(okx);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { okx.publish(i, ts); });
    routes.add(coinbase);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { coinbase.publish(i, ts); });
    routes.add(kraken);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { kraken.publish(i, ts); });
    routes.add(bybit);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { bybit.publish(i, ts); });
    routes.add(eth);
    driver.add_listener([this](std::size_t i, std::int64_t ts) { binance.publish(i, ts); });
    srv.set_control_handler([this](const control_request& r) { return control(r); });
  }

  ~impl() {
    cancel_schedules(all_venues);  // their handlers may outlive this and must not use it
    srv.set_control_handler({});
  }

  // ---- faults --------------------------------------------------------------------------

  std::size_t connections(std::string_view venue) const {
    if (venue != all_venues) return srv.connections(venue);
    std::size_t n = 0;
    for (const auto v : routes.venues()) n += srv.connections(v);
    return n;
  }

  void apply_gap(std::uint64_t count) {
    for (std::size_t i = 0; i < model.size(); ++i) {
      // Products nobody reads would only log.
      if (coinbase.ticker_subscribers(i) == 0 && coinbase.heartbeat_subscribers(i) == 0) continue;
      coinbase.skip_sequence(i, count);
    }
  }

  // The venue's trade and top-of-book stream faults; nullptr for the node.
  trade_faults* stream_faults(std::string_view venue) {
    if (venue == binance.venue()) return &binance.stream_faults();
    if (venue == okx.venue()) return &okx.stream_faults();
    if (venue == coinbase.venue()) return &coinbase.stream_faults();
    if (venue == bybit.venue()) return &bybit.stream_faults();
    if (venue == kraken.venue()) return &kraken.stream_faults();
    return nullptr;
  }

  // `f` without its scheduling keys, to one venue or all.
  std::size_t apply_now(std::string_view venue, const fault& f) {
    if (venue == all_venues) {
      std::size_t n = 0;
      for (const auto v : routes.venues()) n += apply_now(v, f);
      return n;
    }
    if (f.kind == fault_kind::gap) apply_gap(f.count);
    if (auto* t = stream_faults(venue)) apply_trade_fault(*t, f, wall_us());
    const std::size_t n = srv.apply_fault(venue, f);
    log().info("fault {}: {} ({} connections)", venue, to_spec(f), n);
    return n;
  }

  void arm(const std::shared_ptr<scheduled_fault>& s) {
    s->timer.expires_at(s->next);
    s->timer.async_wait([this, s](boost::system::error_code ec) {
      if (ec || s->done) return;  // `this` may be gone once done (see ~impl)
      ++s->fired;
      apply_now(s->venue, s->spec.unscheduled());
      if (!s->spec.every) {
        s->done = true;
        return;
      }
      s->next += *s->spec.every;  // absolute deadlines: no drift
      arm(s);
    });
  }

  bool schedule(std::string_view venue, const fault& f, std::string& error) {
    std::erase_if(scheduled, [](const auto& s) { return s->done; });
    if (scheduled.size() >= max_scheduled_faults) {
      error = "too many scheduled faults (" + std::to_string(max_scheduled_faults) +
              "); POST clear to the venue to cancel its own";
      return false;
    }
    auto s = std::make_shared<scheduled_fault>(io, std::string(venue), f);
    // Without `after`, a repeating fault first fires one period from now.
    s->next = std::chrono::steady_clock::now() +
              f.after.value_or(f.every.value_or(std::chrono::milliseconds(0)));
    arm(s);
    log().info("fault {}: {} scheduled", venue, to_spec(f));
    scheduled.push_back(std::move(s));
    return true;
  }

  // An immediate clear also cancels the venue's scheduled faults (all of them for "all").
  void cancel_schedules(std::string_view venue) {
    for (auto& s : scheduled) {
      if (s->done || (venue != all_venues && s->venue != venue)) continue;
      s->done = true;
      s->timer.cancel();
    }
  }

  bool inject(std::string_view venue, const fault& f, std::size_t& n, std::string& error) {
    if (venue == eth::venue_name) {
      // fault.cpp's venue list is the exchanges'; the node has no sequence numbers either.
      error =
          f.kind == fault_kind::gap ? "gap: only coinbase has sequence numbers, not \"eth\"" : "";
    } else {
      error = check_venue(f, venue);
    }
    if (!error.empty()) return false;
    if (stopped) {
      error = "the simulator is stopping";
      return false;
    }
    if (f.scheduled()) {
      if (!schedule(venue, f, error)) return false;
      n = connections(venue);
      return true;
    }
    if (f.kind == fault_kind::clear) cancel_schedules(venue);
    n = apply_now(venue, f);
    return true;
  }

  void start_faults() {
    for (const auto& vf : options.faults) {
      std::size_t n = 0;
      std::string error;
      // Validated by the command line; a failure here is logged, not fatal.
      if (!inject(vf.venue, vf.spec, n, error)) log().error("--fault {}: {}", vf.venue, error);
    }
  }

  void append_venue_json(std::string& out, std::string_view venue) const {
    out += R"({"venue":)";
    json::append_string(out, venue);
    out += R"(,"connections":)";
    json::append_int(out, static_cast<std::int64_t>(srv.connections(venue)));
    out += R"(,"faults":)";
    if (const auto* state = srv.fault_state(venue)) {
      append_fault_state_json(out, *state, std::chrono::steady_clock::now());
    } else {
      out += "null";
    }
    out += '}';
  }

  std::string faults_json(std::string_view only) const {
    const auto now = std::chrono::steady_clock::now();
    std::string out = R"({"market":)";
    json::append_string(out, paused ? "paused" : "running");
    out += R"(,"venues":[)";
    bool first = true;
    for (const auto v : routes.venues()) {
      if (only != all_venues && v != only) continue;
      if (!first) out += ',';
      first = false;
      append_venue_json(out, v);
    }
    out += R"(],"scheduled":[)";
    first = true;
    for (const auto& s : scheduled) {
      if (s->done || (only != all_venues && s->venue != only && s->venue != all_venues)) continue;
      if (!first) out += ',';
      first = false;
      out += R"({"venue":)";
      json::append_string(out, s->venue);
      out += R"(,"fault":)";
      json::append_string(out, to_spec(s->spec));
      out += R"(,"fired":)";
      json::append_int(out, static_cast<std::int64_t>(s->fired));
      out += R"(,"next_in_ms":)";
      json::append_int(
          out, std::chrono::duration_cast<std::chrono::milliseconds>(s->next - now).count());
      out += '}';
    }
    out += "]}";
    return out;
  }

  std::optional<control_response> faults_request(const control_request& r, std::string_view path) {
    if (path == faults_path) {
      if (!is_read(r.method)) return error_reply(405, "use GET /faults, or POST /faults/<venue>");
      return json_reply(faults_json(all_venues));
    }
    const std::string_view venue = path.substr(faults_path.size() + 1);
    const auto names = routes.venues();
    if (venue != all_venues && std::find(names.begin(), names.end(), venue) == names.end()) {
      // check_venue's message quotes the name safely.
      auto why = check_venue(fault{}, venue);
      if (why.empty()) why = "this simulator does not serve " + std::string(venue);
      return error_reply(r.method == "POST" ? 400 : 404, why);
    }
    if (is_read(r.method)) return json_reply(faults_json(venue));
    if (r.method != "POST") return error_reply(405, "use POST with a fault spec as the body");
    const auto parsed = parse_fault(r.body);
    if (!parsed.value) return error_reply(400, parsed.error);
    std::size_t n = 0;
    std::string error;
    if (!inject(venue, *parsed.value, n, error)) return error_reply(400, error);
    std::string out = R"({"venue":)";
    json::append_string(out, venue);
    out += R"(,"fault":)";
    json::append_string(out, to_spec(*parsed.value));
    out += R"(,"connections":)";
    json::append_int(out, static_cast<std::int64_t>(n));
    if (parsed.value->scheduled()) out += R"(,"scheduled":true)";
    out += '}';
    return json_reply(std::move(out));
  }

  // ---- market pause ---------------------------------------------------------------------

  std::string market_json() const {
    std::string out = R"({"market":)";
    json::append_string(out, paused ? "paused" : "running");
    out += R"(,"rate":)";
    out += fmt::format("{}", driver.rate());
    out += R"(,"trade_scale":)";
    out += fmt::format("{}", trade_scale);
    out += R"(,"events":)";
    json::append_int(out, static_cast<std::int64_t>(driver.events()));
    out += '}';
    return out;
  }

  std::optional<control_response> market_request(const control_request& r, std::string_view path) {
    if (path == market_path) {
      if (!is_read(r.method)) return error_reply(405, "use GET /market");
      return json_reply(market_json());
    }
    if (path == "/market/rate" || path == "/market/trades") {
      // The offered load, changed at run time (tickerd-bench's burst scenario): events per
      // second per symbol, or the trades in each event.
      const bool rate_path = path == "/market/rate";
      if (r.method != "POST") return error_reply(405, "use POST with the new value as the body");
      if (stopped) return error_reply(503, "the simulator is stopping");
      const auto value = positive_number(r.body, rate_path ? max_rate : max_trade_scale);
      if (!value) {
        return error_reply(400, rate_path ? "the body must be a rate > 0 and at most 10000 "
                                            "(events/s per symbol)"
                                          : "the body must be a trade scale > 0 and at most 100 "
                                            "(times each symbol's mean trades per event)");
      }
      if (rate_path) {
        driver.set_rate(*value);
        log().info("market rate now {} events/s per symbol", *value);
      } else {
        trade_scale = *value;
        model.set_trade_scale(*value);
        log().info("trade scale now {} (times each symbol's mean trades per event)", *value);
      }
      return json_reply(market_json());
    }
    const bool pause = path == "/market/pause";
    if (!pause && path != "/market/resume") {
      return error_reply(404,
                         "expected /market/pause, /market/resume, /market/rate or /market/trades");
    }
    if (r.method != "POST") return error_reply(405, "use POST");
    if (stopped) return error_reply(503, "the simulator is stopping");
    if (pause && !paused) {
      driver.stop();
      paused = true;
      log().info("market paused after {} events", driver.events());
    } else if (!pause && paused) {
      driver.start();
      paused = false;
      log().info("market resumed");
    }
    return json_reply(market_json());
  }

  std::optional<control_response> control(const control_request& r) {
    const std::string_view path = r.target.substr(0, r.target.find('?'));
    if (path == faults_path || path.starts_with("/faults/")) return faults_request(r, path);
    if (path == market_path || path.starts_with("/market/")) return market_request(r, path);
    if (path == "/fng" || path.starts_with("/fng/")) return fng_request(r, path);
    if (path == debug::book_path) return debug_book(r);
    return rest_request(r);
  }

  // ---- the venues' REST market metadata (rest_api.hpp) -------------------------------------

  std::optional<control_response> rest_request(const control_request& r) {
    if (!is_read(r.method)) return std::nullopt;
    std::vector<symbol_spec> specs;
    specs.reserve(model.size());
    for (std::size_t i = 0; i < model.size(); ++i) specs.push_back(model.symbol(i).spec());
    if (is_binance_depth(r.target)) {
      auto [status, body] = binance.depth_snapshot(r.target);
      control_response out;
      out.status = status;
      out.body = std::move(body);
      return out;
    }
    auto reply = rest::answer(specs, r.target, wall_ms());
    if (!reply) return std::nullopt;
    control_response out;
    out.status = reply->status;
    out.body = std::move(reply->body);
    return out;
  }

  // ---- GET /debug/book (debug_book.hpp) ------------------------------------------------------

  control_response debug_book(const control_request& r) {
    if (!is_read(r.method)) return error_reply(405, "use GET");
    std::string error;
    const auto q = debug::parse_book_query(r.target, error);
    if (!q) return error_reply(400, error);
    const auto index = model.find(q->symbol);
    if (!index) return error_reply(404, "no symbol " + q->symbol);
    const symbol_spec& spec = model.symbol(*index).spec();
    // The first ask starts the books, as a depth subscription does.
    books.activate();
    const symbol_book& book = books.book(*index);
    const auto shifted = [&](std::int64_t offset) {
      return top_of(book, book_max_levels, [offset](std::int64_t p) { return p + offset; });
    };
    top_levels top;
    if (q->venue == binance.venue()) {
      top = shifted(0);
    } else if (q->venue == okx.venue()) {
      top = top_of(book, book_max_levels, okx::offset_price);
    } else if (q->venue == bybit.venue()) {
      top = shifted(bybit.offset_ticks(*index));
    } else if (q->venue == kraken.venue()) {
      top = shifted(kraken.offset_ticks(*index));
    } else if (q->venue == coinbase.venue()) {
      top = coinbase::venue_book(spec, book);
    } else {
      return error_reply(404, "no venue " + q->venue + " (binance, okx, coinbase, bybit, kraken)");
    }
    return json_reply(debug::encode_book(*q, spec, top, book.events(), book.update_id()));
  }

  // ---- the Fear & Greed API ---------------------------------------------------------------

  std::optional<control_response> fng_request(const control_request& r, std::string_view path) {
    if (path == "/fng/down" || path == "/fng/up") {
      if (r.method != "POST") return error_reply(405, "use POST");
      fng_down = path == "/fng/down";
      log().info("fng API {}", fng_down ? "down" : "up");
      return json_reply(fng_down ? R"({"fng":"down"})" : R"({"fng":"up"})");
    }
    if (path != "/fng" && path != fng::path) {
      return error_reply(404, "expected /fng/, POST /fng/down or POST /fng/up");
    }
    if (!is_read(r.method)) return error_reply(405, "use GET");
    if (fng_down) return error_reply(503, "the Fear & Greed API is down (--fng-down)");
    std::string error;
    const auto q = fng::parse_query(r.target, error);
    if (!q) {
      control_response bad;
      bad.status = 400;
      bad.body = fng::error_body(error);
      return bad;
    }
    return json_reply(fng::response_body(options.seed, wall_ms() / 1000, *q));
  }

  static server_options make_server_options(const sim_options& o) {
    server_options s;
    s.host = o.host;
    s.port = o.port;
    s.limits.ping_interval = std::chrono::milliseconds(o.ping_interval_ms);
    s.limits.pong_timeout = std::chrono::milliseconds(o.pong_timeout_ms);
    s.limits.max_age = std::chrono::milliseconds(o.max_conn_age_ms);
    s.limits.max_queue_bytes = o.max_queue_bytes;
    return s;
  }

  void schedule_coinbase(std::chrono::steady_clock::time_point at) {
    coinbase_timer.expires_at(at);  // absolute deadlines: no drift
    coinbase_timer.async_wait([this, at](boost::system::error_code ec) {
      if (ec) return;
      coinbase.on_timer(wall_us());
      schedule_coinbase(at + coinbase::heartbeat_interval);
    });
  }

  void schedule_bybit() {
    bybit_timer.expires_after(bybit::housekeeping_interval);
    bybit_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      bybit.housekeeping(wall_us());  // level-1 book refreshes, idle cut-offs
      schedule_bybit();
    });
  }

  void schedule_kraken(std::chrono::steady_clock::time_point at) {
    kraken_timer.expires_at(at);  // absolute deadlines: no drift
    kraken_timer.async_wait([this, at](boost::system::error_code ec) {
      if (ec) return;
      kraken.on_second();
      schedule_kraken(at + kraken::tick_interval);
    });
  }

  void schedule_stats() {
    stats_timer.expires_after(stats_interval);
    stats_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      log().debug("{}", stats_line());
      schedule_stats();
    });
  }

  std::string stats_line() const {
    const auto& s = srv.stats();
    const auto& b = binance.stats();
    return fmt::format(
        "events={} skipped={} open={} accepted={} upgraded={} frames_sent={} refused={} "
        "slow_drops={} pong_drops={} rate_drops={} aged_out={}",
        driver.events(), driver.skipped(), s.open, s.accepted, s.upgraded, b.frames_sent,
        b.frames_refused, s.slow_drops, s.pong_drops, s.rate_drops, s.aged_out);
  }

  sim_options options;
  market_model model;
  book_set books;
  market_driver driver;
  binance::endpoint binance;
  okx::endpoint okx;  // /ws/v5/public
  coinbase::endpoint coinbase;
  kraken::endpoint kraken;  // /v2
  bybit::endpoint bybit;    // /v5/public/spot
  eth::endpoint eth;        // /eth, an Ethereum node's JSON-RPC
  // Bybit level-1 book refreshes and idle scan, every 250 ms.
  net::steady_timer bybit_timer;
  router routes;
  server srv;
  net::steady_timer stats_timer;
  net::steady_timer coinbase_timer;  // Coinbase heartbeats and subscribe deadline, every second
  net::steady_timer kraken_timer;    // Kraken heartbeats and idle cutoff, every second
  net::io_context& io;
  std::vector<std::shared_ptr<scheduled_fault>> scheduled;
  bool paused = false;                       // POST /market/pause
  double trade_scale = options.trade_scale;  // POST /market/trades
  bool fng_down = options.fng_down;          // GET /fng/ answers 503; POST /fng/up, /fng/down
  bool stopped = false;                      // stop() was called
};

simulator::simulator(net::io_context& ioc, sim_options options)
    : impl_(std::make_unique<impl>(ioc, std::move(options))) {}

simulator::~simulator() = default;

void simulator::start() {
  impl_->srv.start();
  impl_->driver.start();
  impl_->schedule_stats();
  impl_->schedule_coinbase(std::chrono::steady_clock::now() + coinbase::heartbeat_interval);
  impl_->schedule_kraken(std::chrono::steady_clock::now() + kraken::tick_interval);
  impl_->schedule_bybit();
  impl_->start_faults();
  log().info("listening on {}: {} symbols, {} events/s each, seed {}", address(),
             impl_->model.size(), impl_->options.rate, impl_->options.seed);
}

void simulator::stop() {
  impl_->stopped = true;
  impl_->cancel_schedules(all_venues);
  impl_->driver.stop();
  impl_->stats_timer.cancel();
  impl_->binance.stop();
  impl_->okx.stop();
  impl_->eth.stop();
  impl_->kraken_timer.cancel();
  impl_->bybit_timer.cancel();
  impl_->coinbase_timer.cancel();
  impl_->srv.stop();
}

std::uint16_t simulator::port() const noexcept {
  return impl_->srv.port();
}
std::string simulator::address() const {
  return impl_->srv.address();
}
std::uint64_t simulator::open_connections() const noexcept {
  return impl_->srv.stats().open;
}
std::uint64_t simulator::events() const noexcept {
  return impl_->driver.events();
}
const server_stats& simulator::connection_stats() const noexcept {
  return impl_->srv.stats();
}
std::string simulator::stats_line() const {
  return impl_->stats_line();
}
std::optional<control_response> simulator::control(const control_request& request) {
  return impl_->control(request);
}
bool simulator::inject(std::string_view venue, const fault& f, std::size_t& connections,
                       std::string& error) {
  return impl_->inject(venue, f, connections, error);
}
bool simulator::market_paused() const noexcept {
  return impl_->paused;
}

int run(const sim_options& options) {
  net::io_context ioc(1);
  // Before the "listening" line: a signal sent as soon as it is seen must be handled.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  simulator sim(ioc, options);
  try {
    sim.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "--listen %s:%u: %s\n", options.host.c_str(), unsigned{options.port},
                 e.what());
    return 2;  // the option's value cannot be used, like any other bad value
  }
  std::printf("tickerd-sim listening on %s\n", sim.address().c_str());
  std::fflush(stdout);

  run_until_signal(
      ioc, signals, [&]() -> std::uint64_t { return sim.open_connections(); }, [&] { sim.stop(); });
  log().info("stopped: {}", sim.stats_line());
  return 0;
}

}  // namespace tickerd::sim
