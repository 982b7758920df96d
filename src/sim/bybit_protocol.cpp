#include "sim/bybit_protocol.hpp"

#include <simdjson.h>

#include <algorithm>
#include <new>

#include "sim/sim_hash.hpp"
#include "sim/sim_log.hpp"
#include "tickerd/core/clock.hpp"

namespace tickerd::sim::bybit {
namespace {

// Nesting deeper than this is refused as invalid JSON (a request needs 2 levels).
constexpr std::size_t max_request_depth = 33;
constexpr std::size_t initial_request_capacity = 4096;  // grows to the largest request seen
constexpr std::int64_t us_per_ms = 1000;
// "cs"/"seq" are large venue-wide counters; each symbol starts somewhere in the billions.
constexpr std::int64_t cross_base_min = 1'000'000'000;
constexpr std::uint64_t cross_base_span = 9'000'000'000;

// Topic families of the spot public stream that the sim accepts but does not produce.
constexpr std::string_view silent_families[] = {"orderbook.50.", "orderbook.200.",
                                                "orderbook.1000.", "orderbook.rpi."};
constexpr std::string_view kline_prefix = "kline.";
// "Available intervals" of the Kline topic.
constexpr std::string_view kline_intervals[] = {"1",   "3",   "5",   "15", "30", "60", "120",
                                                "240", "360", "720", "D",  "W",  "M"};

bool is_symbol_text(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

template <typename T>
void erase_one(std::vector<T*>& v, T* p) {
  const auto it = std::find(v.begin(), v.end(), p);
  if (it == v.end()) return;
  *it = v.back();
  v.pop_back();
}

}  // namespace

struct endpoint::request_reader {
  simdjson::dom::parser parser;
  std::string padded;  // the request, with SIMDJSON_PADDING spare capacity
};

endpoint::endpoint(const market_model& model, endpoint_options options)
    : model_(model),
      options_(std::move(options)),
      reader_(std::make_unique<request_reader>()),
      symbols_(model.size()) {
  if (reader_->parser.allocate(initial_request_capacity, max_request_depth)) throw std::bad_alloc();
  for (std::size_t i = 0; i < model.size(); ++i) {
    const symbol_spec& spec = model.symbol(i).spec();
    by_native_.emplace(spec.native(), i);
    symbols_[i].offset = venue_offset_ticks(spec, options_.seed);
    symbols_[i].cross_base =
        cross_base_min +
        static_cast<std::int64_t>((fnv1a(spec.native()) ^ options_.seed) % cross_base_span);
  }
}

endpoint::endpoint(const market_model& model, std::uint64_t seed)
    : endpoint(model, [seed] {
        endpoint_options o;
        o.seed = seed;
        return o;
      }()) {}

endpoint::~endpoint() = default;

std::int64_t endpoint::now_us() const {
  return options_.clock_us ? options_.clock_us() : wall_us();
}

std::unique_ptr<connection_handler> endpoint::accept(std::string_view target, http_reject& reject) {
  // Anything below /v5/public/spot reaches us through the router; only the path itself is a
  // Bybit endpoint. A query string is ignored (the public stream takes no parameters).
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != spot_path) {
    reject.status = 404;
    reject.body = "not a Bybit v5 public spot endpoint (use /v5/public/spot)";
    return nullptr;
  }
  ++stats_.connections;
  return std::make_unique<session>(*this, connection_id(options_.seed, next_connection_++),
                                   now_us());
}

std::optional<std::size_t> endpoint::symbol_of(std::string_view native) const {
  const auto it = by_native_.find(std::string(native));
  if (it == by_native_.end()) return std::nullopt;
  return it->second;
}

bool endpoint::refresh_book(std::size_t i) {
  auto& f = symbols_[i];
  const symbol_walk& walk = model_.symbol(i);
  const symbol_state view = venue_view(walk.state(), f.offset);
  const bool changed = f.update_id == 0 || view.bid != f.book.bid || view.ask != f.book.ask ||
                       view.bid_qty != f.book.bid_qty || view.ask_qty != f.book.ask_qty;
  if (changed) {
    ++f.update_id;
    f.book_seq = f.cross_base + static_cast<std::int64_t>(walk.state().seq);
    f.book = view;
  }
  return changed;
}

std::string endpoint::book_frame(std::size_t i, std::int64_t ts_ms) const {
  const auto& f = symbols_[i];
  return encode_book(model_.symbol(i).spec(), f.book, ts_ms, f.update_id, f.book_seq);
}

void endpoint::fan_out(const std::vector<session*>& subs, const frame_ptr& frame) {
  for (session* s : subs) s->deliver(frame);
}

void endpoint::publish(std::size_t index, std::int64_t wall_time_us) {
  auto& f = symbols_[index];
  const std::int64_t ts_ms = wall_time_us / us_per_ms;
  if (!f.ticker_subs.empty()) {
    const symbol_walk& walk = model_.symbol(index);
    const auto cs = f.cross_base + static_cast<std::int64_t>(walk.state().seq);
    fan_out(f.ticker_subs,
            make_frame(encode_ticker(walk.spec(), venue_view(walk.state(), f.offset), ts_ms, cs)));
  }
  const auto trades = faults_.apply(model_.symbol(index).trades());
  if (!f.trade_subs.empty()) {
    const auto seq = f.cross_base + static_cast<std::int64_t>(model_.symbol(index).state().seq);
    fan_out(f.trade_subs,
            make_frame(encode_trades(model_.symbol(index).spec(), trades, f.offset, ts_ms, seq)));
  }
  publish_depth(index, ts_ms);
  if (faults_.bbo_stalled(wall_time_us)) return;  // the book stalls, trades go on
  if (!f.book_subs.empty() && refresh_book(index)) {
    f.last_book_push_us = wall_time_us;
    fan_out(f.book_subs, make_frame(book_frame(index, ts_ms)));
  }
}

void endpoint::publish_depth(std::size_t i, std::int64_t ts_ms) {
  auto& f = symbols_[i];
  if (!books_ || f.depth_subs.empty()) return;
  const symbol_book& book = books_->book(i);
  auto top = top_of(book, depth50_levels, [&f](std::int64_t p) { return p + f.offset; });
  const auto changes = diff(f.depth_top, top);
  if (changes.empty()) return;
  f.depth_top = std::move(top);
  ++f.depth_u;
  // A dropped delta still takes its "u": the client sees the gap.
  if (faults_.take_book_drop(i)) return;
  std::optional<level_change> crossed;
  if (faults_.take_book_cross(i) && !f.depth_top.asks.empty()) {
    crossed = level_change{true, f.depth_top.asks.front().first, f.depth_top.asks.front().second};
  }
  fan_out(f.depth_subs, make_frame(encode_depth_delta(model_.symbol(i).spec(), changes, ts_ms,
                                                      f.depth_u, book.update_id(), crossed)));
}

void endpoint::subscribe_depth(std::size_t i, session* s) {
  auto& f = symbols_[i];
  if (!books_) return;
  books_->activate();
  if (f.depth_subs.empty()) {
    // Nobody listened: the kept top is old; the snapshot starts from the book as it is.
    f.depth_top =
        top_of(books_->book(i), depth50_levels, [&f](std::int64_t p) { return p + f.offset; });
    ++f.depth_u;
  }
  f.depth_subs.push_back(s);
  s->deliver(
      make_frame(encode_depth_snapshot(model_.symbol(i).spec(), f.depth_top, now_us() / us_per_ms,
                                       f.depth_u, books_->book(i).update_id())));
}

void endpoint::housekeeping(std::int64_t wall_time_us) {
  // Level 1: "if 3 seconds have elapsed without a change in the orderbook, a snapshot message
  // will be pushed again, and the field u will be the same as that in the previous message".
  const std::int64_t refresh_us = options_.book_refresh.count() * us_per_ms;
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    auto& f = symbols_[i];
    if (f.book_subs.empty() || wall_time_us - f.last_book_push_us < refresh_us ||
        faults_.bbo_stalled(wall_time_us)) {
      continue;
    }
    // A change the market made since the last push goes out as a new "u" instead.
    refresh_book(i);
    f.last_book_push_us = wall_time_us;
    ++stats_.book_refreshes;
    fan_out(f.book_subs, make_frame(book_frame(i, wall_time_us / us_per_ms)));
  }

  const std::int64_t scan_us = options_.idle_scan.count() * us_per_ms;
  if (wall_time_us - last_idle_scan_us_ < scan_us) return;
  last_idle_scan_us_ = wall_time_us;
  const std::int64_t idle_us = options_.idle_timeout.count() * us_per_ms;
  for (session* s : sessions_) {
    if (s->idle_closed_ || !s->conn_ || wall_time_us - s->last_activity_us_ < idle_us) continue;
    s->idle_closed_ = true;
    ++stats_.idle_closes;
    log().info("bybit: connection {} had no ping-pong and no data for {} s, closing",
               s->conn_->id(), options_.idle_timeout.count() / 1000);
    s->conn_->close(close_code::normal, "idle: no ping-pong and no data");
  }
}

// ---- session ---------------------------------------------------------------------------

session::session(endpoint& ep, std::string conn_id, std::int64_t now_us)
    : endpoint_(ep), conn_id_(std::move(conn_id)), last_activity_us_(now_us) {}

session::~session() {
  for (const auto& t : topics_) remove_topic(t);
  erase_one(endpoint_.sessions_, this);
}

void session::on_open(connection& conn) {
  conn_ = &conn;
  endpoint_.sessions_.push_back(this);
}

void session::deliver(const frame_ptr& frame) {
  if (conn_ && conn_->send(frame)) {
    ++endpoint_.stats_.frames_sent;
    last_activity_us_ = endpoint_.now_us();
  } else {
    ++endpoint_.stats_.frames_refused;
  }
}

void session::reply(std::string text) {
  if (conn_) conn_->send(make_frame(std::move(text)));
}

void session::add_topic(const std::string& topic) {
  topics_.push_back(topic);
  args_chars_ += topic.size();
  auto& symbols = endpoint_.symbols_;
  if (topic.starts_with(ticker_prefix)) {
    if (auto i = endpoint_.symbol_of(std::string_view(topic).substr(ticker_prefix.size()))) {
      symbols[*i].ticker_subs.push_back(this);
    }
  } else if (topic.starts_with(trade_prefix)) {
    if (auto i = endpoint_.symbol_of(std::string_view(topic).substr(trade_prefix.size()))) {
      symbols[*i].trade_subs.push_back(this);  // nothing on subscribe: trades as they happen
    }
  } else if (topic.starts_with(depth50_prefix)) {
    if (auto i = endpoint_.symbol_of(std::string_view(topic).substr(depth50_prefix.size()))) {
      endpoint_.subscribe_depth(*i, this);
    }
  } else if (topic.starts_with(book_prefix)) {
    if (auto i = endpoint_.symbol_of(std::string_view(topic).substr(book_prefix.size()))) {
      // "Once you have subscribed successfully, you will receive a snapshot."
      auto& f = symbols[*i];
      const bool first = f.book_subs.empty();
      f.book_subs.push_back(this);
      const std::int64_t now = endpoint_.now_us();
      if (endpoint_.refresh_book(*i) && !first) {
        // The market moved since the others' last book: they get the new one too, shared.
        f.last_book_push_us = now;
        endpoint_.fan_out(f.book_subs, make_frame(endpoint_.book_frame(*i, now / us_per_ms)));
      } else {
        if (first) f.last_book_push_us = now;
        deliver(make_frame(endpoint_.book_frame(*i, now / us_per_ms)));
      }
    }
  }
}

void session::remove_topic(const std::string& topic) {
  auto& symbols = endpoint_.symbols_;
  if (topic.starts_with(ticker_prefix)) {
    if (auto i = endpoint_.symbol_of(std::string_view(topic).substr(ticker_prefix.size()))) {
      erase_one(symbols[*i].ticker_subs, this);
    }
  } else if (topic.starts_with(book_prefix)) {
    if (auto i = endpoint_.symbol_of(std::string_view(topic).substr(book_prefix.size()))) {
      erase_one(symbols[*i].book_subs, this);
    }
  } else if (topic.starts_with(trade_prefix)) {
    if (auto i = endpoint_.symbol_of(std::string_view(topic).substr(trade_prefix.size()))) {
      erase_one(symbols[*i].trade_subs, this);
    }
  } else if (topic.starts_with(depth50_prefix)) {
    if (auto i = endpoint_.symbol_of(std::string_view(topic).substr(depth50_prefix.size()))) {
      erase_one(symbols[*i].depth_subs, this);
    }
  }
}

void session::subscribe(const std::vector<std::string>& args,
                        const std::optional<std::string>& req_id) {
  const auto refuse = [&](std::string_view msg) {
    reply(encode_reply(false, msg, conn_id_, req_id, "subscribe"));
  };
  if (args.empty()) return refuse("args is empty");
  // The live venue's answer to 11 or more args (it escapes the '>' as \u003e).
  if (args.size() > endpoint_.options_.max_args_per_request) return refuse("args size >10");
  std::size_t new_chars = 0;
  std::vector<const std::string*> fresh;
  for (const auto& topic : args) {
    std::string_view symbol;
    bool known_family = true;
    if (topic.starts_with(ticker_prefix)) {
      symbol = std::string_view(topic).substr(ticker_prefix.size());
    } else if (topic.starts_with(book_prefix)) {
      symbol = std::string_view(topic).substr(book_prefix.size());
    } else if (topic.starts_with(trade_prefix)) {
      symbol = std::string_view(topic).substr(trade_prefix.size());
    } else if (topic.starts_with(kline_prefix)) {
      const auto dot = topic.find('.', kline_prefix.size());
      const std::string_view interval =
          std::string_view(topic).substr(kline_prefix.size(), dot - kline_prefix.size());
      known_family = dot != std::string::npos &&
                     std::find(std::begin(kline_intervals), std::end(kline_intervals), interval) !=
                         std::end(kline_intervals);
      if (known_family) symbol = std::string_view(topic).substr(dot + 1);
    } else {
      known_family = false;
      for (std::string_view family : silent_families) {
        if (topic.starts_with(family)) {
          symbol = std::string_view(topic).substr(family.size());
          known_family = true;
          break;
        }
      }
    }
    if (!known_family) return refuse("Invalid topic :[" + topic + "]");
    if (!is_symbol_text(symbol) || !endpoint_.symbol_of(symbol)) {
      return refuse("Invalid symbol :[" + topic + "]");
    }
    if (std::find(topics_.begin(), topics_.end(), topic) != topics_.end()) continue;
    if (std::find_if(fresh.begin(), fresh.end(),
                     [&](const std::string* t) { return *t == topic; }) != fresh.end()) {
      continue;
    }
    fresh.push_back(&topic);
    new_chars += topic.size();
  }
  if (args_chars_ + new_chars > endpoint_.options_.max_args_chars) {
    return refuse("args length exceeds 21000 characters for this connection");
  }
  reply(encode_reply(true, "subscribe", conn_id_, req_id, "subscribe"));
  for (const std::string* topic : fresh) add_topic(*topic);
}

void session::unsubscribe(const std::vector<std::string>& args,
                          const std::optional<std::string>& req_id) {
  for (const auto& topic : args) {
    const auto it = std::find(topics_.begin(), topics_.end(), topic);
    if (it == topics_.end()) continue;
    remove_topic(topic);
    args_chars_ -= topic.size();
    topics_.erase(it);
  }
  reply(encode_reply(true, "unsubscribe", conn_id_, req_id, "unsubscribe"));
}

void session::on_text(std::string_view message) {
  auto& reader = *endpoint_.reader_;
  reader.padded.reserve(message.size() + simdjson::SIMDJSON_PADDING);
  reader.padded.assign(message);
  simdjson::dom::element doc;
  simdjson::dom::object req;
  if (reader.parser.parse(reader.padded).get(doc) || doc.get(req)) {
    return reply(encode_reply(false, "Invalid request: not a JSON object", conn_id_, {}, ""));
  }
  std::optional<std::string> req_id;
  std::string_view text;
  std::int64_t number = 0;
  if (!req["req_id"].get(text)) {
    req_id = std::string(text);
  } else if (!req["req_id"].get(number)) {
    // CCXT sends a number; the venue echoes it as a string ("req_id":"3").
    req_id = std::to_string(number);
  }
  std::string_view op;
  if (req["op"].get(op)) {
    return reply(encode_reply(false, "Invalid request: missing op", conn_id_, req_id, ""));
  }
  if (op == "ping") {
    last_activity_us_ = endpoint_.now_us();  // the "ping-pong" that keeps a connection alive
    return reply(encode_pong(conn_id_, req_id));
  }
  if (op == "subscribe" || op == "unsubscribe") {
    simdjson::dom::array arr;
    std::vector<std::string> args;
    if (req["args"].get(arr)) {
      return reply(encode_reply(false, "Invalid request: args must be an array of topics", conn_id_,
                                req_id, op));
    }
    for (simdjson::dom::element item : arr) {
      if (item.get(text)) {
        return reply(encode_reply(false, "Invalid request: args must be an array of topics",
                                  conn_id_, req_id, op));
      }
      args.emplace_back(text);
    }
    if (op == "subscribe") return subscribe(args, req_id);
    return unsubscribe(args, req_id);
  }
  reply(encode_reply(false, "Invalid request: unknown op '" + std::string(op) + "'", conn_id_,
                     req_id, op));
}

}  // namespace tickerd::sim::bybit
