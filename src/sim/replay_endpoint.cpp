#include "sim/replay_endpoint.hpp"

#include <simdjson.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <new>
#include <optional>

#include "sim/binance_encode.hpp"
#include "sim/binance_protocol.hpp"
#include "sim/bybit_encode.hpp"
#include "sim/coinbase_encode.hpp"
#include "sim/coinbase_protocol.hpp"
#include "sim/kraken_encode.hpp"
#include "sim/kraken_protocol.hpp"
#include "sim/kraken_streams.hpp"
#include "sim/okx_encode.hpp"
#include "sim/okx_protocol.hpp"
#include "sim/sim_hash.hpp"
#include "sim/sim_log.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim::replay {
namespace {

namespace dom = simdjson::dom;

// Nesting deeper than this is not a request (a request needs 3 levels).
constexpr std::size_t max_request_depth = 33;
constexpr std::size_t initial_request_capacity = 4096;  // grows to the largest request seen
// Frames sent in one event-loop turn when many are due at once (a burst, a high --speed); the
// rest follow on the next turn, so one connection cannot hold the loop.
constexpr std::size_t max_frames_per_turn = 256;
// Client text quoted in debug logs, at most this much.
constexpr std::size_t max_logged_request = 96;
constexpr std::uint64_t okx_salt = 0x6f6b78636f6e6e69ull;     // "okxconni"
constexpr std::uint64_t kraken_salt = 0x6b72616b656e7632ull;  // "krakenv2"

std::int64_t steady_us() noexcept {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// OKX's connId: 8 hex digits ("a4d3ae55").
std::string okx_conn_id(std::uint64_t v) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = hex[v & 0xF];
    v >>= 4;
  }
  return out;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// An array of strings appended to `out` without duplicates; false when `e` is not one.
bool read_strings(dom::element e, std::vector<std::string>& out) {
  dom::array items;
  if (e.get(items)) return false;
  for (dom::element item : items) {
    std::string_view text;
    if (item.get(text)) return false;
    if (std::find(out.begin(), out.end(), text) == out.end()) out.emplace_back(text);
  }
  return true;
}

}  // namespace

// ---- shared state ----------------------------------------------------------------------

struct endpoint_state {
  endpoint_state(net::io_context& i, std::shared_ptr<const capture> c, endpoint_options o)
      : ioc(i), records(std::move(c)), options(o) {
    if (parser.allocate(initial_request_capacity, max_request_depth)) throw std::bad_alloc();
  }

  // Parses a client request as a JSON object. Valid until the next call (one thread, and
  // every request is answered before the next is read).
  bool parse(std::string_view message, dom::object& out) {
    padded.reserve(message.size() + simdjson::SIMDJSON_PADDING);
    padded.assign(message);
    dom::element doc;
    return !parser.parse(padded).get(doc) && !doc.get(out);
  }

  net::io_context& ioc;
  std::shared_ptr<const capture> records;
  endpoint_options options;
  endpoint_stats stats;
  dom::parser parser;
  std::string padded;  // the request, with SIMDJSON_PADDING spare capacity
  std::uint64_t next_connection = 1;
};

namespace {

// One client connection: the venue's replies, and the capture on this connection's schedule.
class session final : public connection_handler {
 public:
  session(std::shared_ptr<endpoint_state> state, binance::target_info binance)
      : state_(std::move(state)),
        venue_(state_->options.venue),
        number_(state_->next_connection++),
        cursor_(state_->records, state_->options.speed, state_->options.loop),
        timer_(state_->ioc),
        binance_(std::move(binance)) {}

  void on_open(connection& conn) override {
    conn_ = &conn;
    const std::uint64_t seed = state_->options.seed;
    switch (venue_) {
      case venue_id::binance:
        begin();  // the streams are in the URL: nothing to wait for
        break;
      case venue_id::okx:
        conn_id_ = okx_conn_id(mix64(seed ^ (okx_salt + number_)));
        break;
      case venue_id::bybit:
        conn_id_ = bybit::connection_id(seed, number_);
        break;
      case venue_id::kraken:
        reply(kraken::encode_status(mix64(seed ^ (kraken_salt + number_))));
        break;
      case venue_id::coinbase:
        break;
    }
  }

  void on_text(std::string_view message) override {
    if (!conn_) return;
    if (venue_ == venue_id::okx && message == "ping") return reply("pong");
    dom::object req;
    if (!state_->parse(message, req)) return ignore(message);
    bool answered = false;
    switch (venue_) {
      case venue_id::binance:
        answered = on_binance(req);
        break;
      case venue_id::okx:
        answered = on_okx(req);
        break;
      case venue_id::coinbase:
        answered = on_coinbase(req);
        break;
      case venue_id::bybit:
        answered = on_bybit(req);
        break;
      case venue_id::kraken:
        answered = on_kraken(req);
        break;
    }
    if (!answered) ignore(message);
  }

  void on_server_shutdown() override {
    if (venue_ == venue_id::binance) {
      reply(binance::encode_server_shutdown(wall_us(), binance_.unit, binance_.combined));
    } else if (venue_ == venue_id::okx) {
      reply(okx::encode_upgrade_notice(conn_id_));
    }
    stopped_ = true;  // only the close frame follows
    timer_.cancel();
  }

  unsigned max_incoming_per_sec() const noexcept override {
    if (venue_ == venue_id::binance) return state_->options.binance_max_incoming_per_sec;
    if (venue_ == venue_id::coinbase) return coinbase::max_incoming_per_sec;
    return 0;
  }

 private:
  // The capture starts on this connection (once).
  void begin() {
    if (cursor_.started() || stopped_) return;
    cursor_.start(steady_us());
    ++state_->stats.started;
    log().info("replay: connection {} starts the capture ({} records, speed {}{})", conn_->id(),
               state_->records->records.size(), state_->options.speed,
               state_->options.loop ? ", looping" : "");
    pump();
  }

  // Sends every record that is due, then waits for the next one.
  void pump() {
    if (stopped_ || !conn_) return;
    const std::int64_t now = steady_us();
    std::size_t sent = 0;
    while (!cursor_.done() && cursor_.next_due_us() <= now && sent < max_frames_per_turn) {
      const std::uint64_t passes = cursor_.passes();
      const record& r = cursor_.take();
      if (!conn_->send(r.frame)) {
        // Closing, or dropped as too slow by the server: nothing more to do here.
        ++state_->stats.frames_refused;
        stopped_ = true;
        log().debug("replay: connection {} refused line {}; its replay stops", conn_->id(), r.line);
        return;
      }
      ++state_->stats.frames_sent;
      ++sent;
      if (cursor_.passes() != passes) {
        ++state_->stats.passes;
        log().debug("replay: connection {} finished pass {}", conn_->id(), cursor_.passes());
      }
    }
    if (cursor_.done()) {
      log().info("replay: connection {} got the whole capture; only keepalives from now on",
                 conn_->id());
      return;
    }
    timer_.expires_at(
        std::chrono::steady_clock::time_point(std::chrono::microseconds(cursor_.next_due_us())));
    timer_.async_wait([this, alive = std::weak_ptr<char>(alive_)](boost::system::error_code ec) {
      // A completion already queued when the handler was destroyed still runs: `alive` says.
      if (ec || alive.expired()) return;
      pump();
    });
  }

  void reply(std::string text) {
    if (conn_) conn_->send(make_frame(std::move(text)));
  }

  void ignore(std::string_view message) const {
    log().debug("replay: connection {}: no answer to '{}'", conn_ ? conn_->id() : 0,
                message.substr(0, max_logged_request));
  }

  // {"result":null,"id":N} with the request's id as it was (a number or a string).
  bool on_binance(dom::object req) {
    std::string_view method;
    if (req["method"].get(method)) return false;
    if (method != "SUBSCRIBE" && method != "UNSUBSCRIBE" && method != "SET_PROPERTY") {
      return false;
    }
    std::string out = R"({"result":null,"id":)";
    dom::element id;
    std::int64_t n = 0;
    std::string_view text;
    if (req["id"].get(id) || id.is_null()) {
      out.append("null");
    } else if (!id.get_int64().get(n)) {
      json::append_int(out, n);
    } else if (!id.get(text)) {
      json::append_string(out, text);
    } else {
      return false;
    }
    out.push_back('}');
    reply(std::move(out));
    return true;
  }

  // One ack per {"channel":..,"instId":..} arg, echoing the request's id.
  bool on_okx(dom::object req) {
    std::string_view op;
    if (req["op"].get(op) || (op != "subscribe" && op != "unsubscribe")) return false;
    std::string_view id;
    if (req["id"].get(id)) id = {};
    dom::array args;
    if (req["args"].get(args)) return false;
    bool any = false;
    for (dom::element item : args) {
      dom::object arg;
      std::string_view channel;
      std::string_view inst;
      if (item.get(arg) || arg["channel"].get(channel)) continue;
      if (arg["instId"].get(inst)) inst = {};
      reply(okx::encode_ack(op, channel, inst, id, conn_id_));
      any = true;
    }
    if (!any) return false;
    if (op == "subscribe") begin();
    return true;
  }

  // Coinbase answers every subscribe and unsubscribe with everything the connection now has.
  bool on_coinbase(dom::object req) {
    std::string_view type;
    if (req["type"].get(type) || (type != "subscribe" && type != "unsubscribe")) return false;
    const bool subscribe = type == "subscribe";
    std::vector<std::string> root;
    dom::element e;
    if (!req["product_ids"].get(e) && !e.is_null() && !read_strings(e, root)) return false;
    dom::array channels;
    if (req["channels"].get(channels)) return false;
    for (dom::element c : channels) {
      std::vector<std::string> products = root;
      std::string_view name;
      if (c.get(name)) {
        dom::object obj;
        if (c.get(obj) || obj["name"].get(name)) continue;
        if (!obj["product_ids"].get(e) && !e.is_null()) read_strings(e, products);
      }
      if (subscribe) {
        coinbase_add(name, products);
      } else {
        coinbase_remove(name, products);
      }
    }
    reply(coinbase::encode_subscriptions(coinbase_channels_));
    if (subscribe) begin();
    return true;
  }

  void coinbase_add(std::string_view name, const std::vector<std::string>& products) {
    auto it = std::find_if(coinbase_channels_.begin(), coinbase_channels_.end(),
                           [&](const coinbase::channel_products& c) { return c.name == name; });
    if (it == coinbase_channels_.end()) {
      coinbase_channels_.push_back({std::string(name), {}});
      it = coinbase_channels_.end() - 1;
    }
    for (const auto& p : products) {
      if (std::find(it->product_ids.begin(), it->product_ids.end(), p) == it->product_ids.end()) {
        it->product_ids.push_back(p);
      }
    }
  }

  // No products: the whole channel, as on the venue.
  void coinbase_remove(std::string_view name, const std::vector<std::string>& products) {
    const auto it =
        std::find_if(coinbase_channels_.begin(), coinbase_channels_.end(),
                     [&](const coinbase::channel_products& c) { return c.name == name; });
    if (it == coinbase_channels_.end()) return;
    if (!products.empty()) {
      std::erase_if(it->product_ids, [&](const std::string& p) {
        return std::find(products.begin(), products.end(), p) != products.end();
      });
    }
    if (products.empty() || it->product_ids.empty()) coinbase_channels_.erase(it);
  }

  bool on_bybit(dom::object req) {
    std::optional<std::string> req_id;
    std::string_view text;
    if (!req["req_id"].get(text)) req_id = std::string(text);
    std::string_view op;
    if (req["op"].get(op)) return false;
    if (op == "ping") {
      reply(bybit::encode_pong(conn_id_, req_id));
      return true;
    }
    if (op != "subscribe" && op != "unsubscribe") return false;
    reply(bybit::encode_reply(true, op, conn_id_, req_id, op));
    if (op == "subscribe") begin();
    return true;
  }

  // Kraken v2: ping -> pong; one ack per symbol of a subscribe / unsubscribe, any channel.
  bool on_kraken(dom::object req) {
    const std::int64_t time_in = wall_us();
    std::string_view method;
    if (req["method"].get(method)) return false;
    std::string req_id;  // as JSON; empty when absent
    dom::element id;
    if (!req["req_id"].get(id)) {
      std::int64_t n = 0;
      std::uint64_t u = 0;
      if (!id.get_int64().get(n)) {
        json::append_int(req_id, n);
      } else if (!id.get_uint64().get(u)) {
        req_id = std::to_string(u);
      } else {
        return false;
      }
    }
    if (method == "ping") {
      reply(kraken::encode_pong(req_id, {time_in, wall_us()}));
      return true;
    }
    const bool subscribe = method == "subscribe";
    if (!subscribe && method != "unsubscribe") return false;
    dom::object params;
    std::string_view channel;
    dom::array symbols;
    // Any channel starts the replay (trade, book, ...: a capture may hold them): the ticker's
    // ack names its event_trigger, the others' do not.
    if (req["params"].get(params) || params["channel"].get(channel) ||
        params["symbol"].get(symbols)) {
      return false;
    }
    const bool ticker = channel == "ticker";
    bool snapshot = ticker;  // the ticker's snapshot is opt-out, the others' opt-in
    std::string_view trigger = "trades";
    dom::element option;
    if (!params["snapshot"].get(option) && option.get(snapshot)) return false;
    if (!params["event_trigger"].get(option) && option.get(trigger)) return false;
    bool any = false;
    for (dom::element item : symbols) {
      std::string_view symbol;
      if (item.get(symbol)) continue;
      const kraken::reply_times times{time_in, wall_us()};
      if (!ticker) {
        reply(kraken::encode_channel_ack(method, channel, symbol, snapshot, req_id, times));
      } else if (subscribe) {
        reply(kraken::encode_subscribe_ack(symbol, trigger, snapshot, req_id, times));
      } else {
        reply(kraken::encode_unsubscribe_ack(symbol, trigger, req_id, times));
      }
      any = true;
    }
    if (!any) return false;
    if (subscribe) begin();
    return true;
  }

  std::shared_ptr<endpoint_state> state_;
  venue_id venue_;
  std::uint64_t number_;  // this endpoint's connection count, for ids in acks
  connection* conn_ = nullptr;
  cursor cursor_;
  net::steady_timer timer_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // timer completions hold it weakly
  bool stopped_ = false;  // the connection refused a frame, or the server stops
  std::string conn_id_;   // OKX, Bybit
  binance::target_info binance_;
  std::vector<coinbase::channel_products> coinbase_channels_;
};

}  // namespace

// ---- endpoint --------------------------------------------------------------------------

std::vector<std::string> venue_routes(venue_id venue) {
  switch (venue) {
    case venue_id::binance:
      return {"/ws", "/stream"};
    case venue_id::okx:
      return {std::string(okx::public_path)};
    case venue_id::coinbase:
      return {"/"};
    case venue_id::bybit:
      return {std::string(bybit::spot_path)};
    case venue_id::kraken:
      return {std::string(kraken::endpoint_path)};
  }
  return {};
}

endpoint::endpoint(net::io_context& ioc, std::shared_ptr<const capture> records,
                   endpoint_options options)
    : state_(std::make_shared<endpoint_state>(ioc, std::move(records), options)) {}

endpoint::~endpoint() = default;

std::string_view endpoint::venue() const noexcept {
  return to_string(state_->options.venue);
}

std::vector<std::string> endpoint::routes() const {
  return venue_routes(state_->options.venue);
}

const endpoint_stats& endpoint::stats() const noexcept {
  return state_->stats;
}

std::unique_ptr<connection_handler> endpoint::accept(std::string_view target, http_reject& reject) {
  // The same paths, and the same refusals, as the live sim's endpoints.
  binance::target_info binance;
  const std::string_view path = path_of(target);
  switch (state_->options.venue) {
    case venue_id::binance: {
      std::string error;
      auto info = binance::parse_target(target, error);
      if (!info) {
        reject.status = 400;
        reject.body = R"({"code":-1100,"msg":)";
        json::append_string(reject.body, error);
        reject.body.push_back('}');
        return nullptr;
      }
      binance = std::move(*info);
      break;
    }
    case venue_id::okx:
      if (path != okx::public_path) {
        reject.status = 404;
        reject.body = R"({"msg":"Not Found","code":"404"})";
        return nullptr;
      }
      break;
    case venue_id::coinbase:
      if (path != "/") {
        reject.status = 404;
        reject.body = R"({"message":"Not Found"})";
        return nullptr;
      }
      break;
    case venue_id::bybit:
      if (path != bybit::spot_path) {
        reject.status = 404;
        reject.body = "not a Bybit v5 public spot endpoint (use /v5/public/spot)";
        return nullptr;
      }
      break;
    case venue_id::kraken:
      if (path != kraken::endpoint_path) {
        reject.status = 404;
        reject.body = "Not Found";
        return nullptr;
      }
      break;
  }
  ++state_->stats.connections;
  return std::make_unique<session>(state_, std::move(binance));
}

}  // namespace tickerd::sim::replay
