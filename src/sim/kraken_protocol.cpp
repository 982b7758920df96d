#include "sim/kraken_protocol.hpp"

#include <simdjson.h>

#include <algorithm>
#include <new>

#include "sim/kraken_depth.hpp"
#include "sim/sim_hash.hpp"
#include "sim/sim_log.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::kraken {
namespace {

// Nesting deeper than this is refused as malformed (a request needs 3 levels).
constexpr std::size_t max_request_depth = 33;
constexpr std::size_t initial_request_capacity = 4096;  // grows to the largest request seen
constexpr std::uint64_t connection_id_salt = 0x6b72616b656e7632ull;  // "krakenv2"

constexpr std::string_view ticker_channel = "ticker";
constexpr std::string_view malformed = "Malformed request";
constexpr std::string_view invalid_arguments = "EGeneral:Invalid arguments";
constexpr std::string_view unsupported_event = "Unsupported event";
constexpr std::string_view ping_params = "Unsupported field: 'params' for the given msg type: ping";
constexpr std::string_view already_subscribed = "Already subscribed";
constexpr std::string_view not_subscribed = "Subscription Not Found";
constexpr std::string_view pair_not_supported = "Currency pair not supported ";

}  // namespace

// ---- endpoint --------------------------------------------------------------------------

struct endpoint::request_reader {
  simdjson::dom::parser parser;
  std::string padded;  // the request, with SIMDJSON_PADDING spare capacity so parse() need not copy
};

endpoint::endpoint(const market_model& model, std::uint64_t seed)
    : model_(model),
      seed_(seed),
      reader_(std::make_unique<request_reader>()),
      subscribers_((stream_kinds + book_kinds) * model.size()),
      recent_(model.size()),
      snapshots_(model.size()),
      last_event_us_(model.size(), 0),
      heartbeat_(make_frame(std::string(heartbeat_message))) {
  // Growing to a larger request later keeps this depth limit.
  if (reader_->parser.allocate(initial_request_capacity, max_request_depth)) throw std::bad_alloc();
  offsets_.reserve(model.size());
  for (std::size_t i = 0; i < model.size(); ++i) {
    const symbol_spec& spec = model.symbol(i).spec();
    by_symbol_.emplace(native_symbol(spec), i);
    offsets_.push_back(price_offset_ticks(spec, seed));
  }
}

endpoint::~endpoint() = default;

std::unique_ptr<connection_handler> endpoint::accept(std::string_view target, http_reject& reject) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != endpoint_path) {
    reject.status = 404;
    reject.body = "Not Found";
    return nullptr;
  }
  ++stats_.connections;
  return std::make_unique<session>(*this);
}

std::optional<std::size_t> endpoint::symbol_of(std::string_view kraken_symbol) const {
  const auto it = by_symbol_.find(std::string(kraken_symbol));
  if (it == by_symbol_.end()) return std::nullopt;
  return it->second;
}

void endpoint::add_subscriber(std::size_t index, session* s) {
  subscribers_[index].push_back(s);
}

void endpoint::remove_subscriber(std::size_t index, session* s) {
  auto& subs = subscribers_[index];
  const auto it = std::find(subs.begin(), subs.end(), s);
  if (it == subs.end()) return;
  *it = subs.back();
  subs.pop_back();
}

void endpoint::set_books(book_set* books) {
  books_ = books;
  book_tops_.assign(books ? book_kinds * model_.size() : 0, top_levels{});
}

top_levels endpoint::book_top(std::size_t symbol, std::size_t depth_index) const {
  const std::int64_t offset = offsets_[symbol];
  return top_of(books_->book(symbol), static_cast<std::size_t>(book_depths[depth_index]),
                [offset](std::int64_t p) { return p + offset; });
}

frame_ptr endpoint::book_snapshot(std::size_t stream) {
  const std::size_t n = model_.size();
  const std::size_t d = stream / n - stream_kinds, symbol = stream % n;
  auto& top = book_tops_[d * n + symbol];
  books_->activate();
  // The first listener: the kept top is old. Others share the top last sent.
  if (subscribers_[stream].size() == 1) top = book_top(symbol, d);
  std::vector<level_change> levels;
  levels.reserve(top.bids.size() + top.asks.size());
  for (const auto& [p, q] : top.bids) levels.push_back({true, p, q});
  for (const auto& [p, q] : top.asks) levels.push_back({false, p, q});
  return make_frame(
      encode_book(model_.symbol(symbol).spec(), true, levels, book_checksum(top), wall_us()));
}

void endpoint::publish_books(std::size_t index, std::int64_t wall_us) {
  if (!books_) return;
  const std::size_t n = model_.size();
  const symbol_book& book = books_->book(index);
  const std::int64_t offset = offsets_[index];
  for (std::size_t d = 0; d < book_kinds; ++d) {
    const auto& subs = subscribers_[(stream_kinds + d) * n + index];
    if (subs.empty()) continue;
    auto& kept = book_tops_[d * n + index];
    auto top = book_top(index, d);
    auto changes = diff(kept, top);
    // A level pushed below the subscribed depth is not sent: the client truncates.
    std::erase_if(changes, [&](const level_change& c) {
      return c.qty == 0 && (c.bid ? book.bids().contains(c.price - offset)
                                  : book.asks().contains(c.price - offset));
    });
    kept = std::move(top);
    if (changes.empty()) continue;
    // Kraken has no sequence numbers: a dropped update shows as a checksum mismatch later.
    if (faults_.take_book_drop(d * n + index)) continue;
    std::uint32_t sum = book_checksum(kept);
    if (faults_.take_book_checksum(d * n + index)) sum ^= 0x5a5a5a5au;
    std::optional<level_change> crossed;
    if (faults_.take_book_cross(d * n + index) && !kept.asks.empty()) {
      crossed = level_change{true, kept.asks.front().first, kept.asks.front().second};
    }
    const frame_ptr frame =
        make_frame(encode_book(model_.symbol(index).spec(), false, changes, sum, wall_us, crossed));
    for (session* s : subs) s->deliver(frame);
  }
}

std::uint64_t endpoint::next_connection_id() {
  return mix64(seed_ ^ (connection_id_salt + ++connection_counter_));
}

frame_ptr endpoint::snapshot(std::size_t index) {
  if (snapshots_[index]) return snapshots_[index];
  const symbol_walk& walk = model_.symbol(index);
  const std::int64_t at = last_event_us_[index];
  auto frame = make_frame(
      encode_ticker(walk.spec(), walk.state(), offsets_[index], at != 0 ? at : wall_us(), true));
  // Shared by every subscriber until the next event; before the first event the time is "now",
  // so it is not kept.
  if (at != 0) snapshots_[index] = frame;
  return frame;
}

frame_ptr endpoint::trade_snapshot(std::size_t index) const {
  const auto& recent = recent_[index];
  const std::vector<timed_trade> trades(recent.begin(), recent.end());
  return make_frame(encode_trades(model_.symbol(index).spec(), trades, offsets_[index], true));
}

void endpoint::publish_streams(std::size_t index, std::int64_t wall_us) {
  const symbol_walk& walk = model_.symbol(index);
  std::vector<timed_trade> trades;
  for (const trade_print& t : faults_.apply(walk.trades())) trades.push_back({t, wall_us});
  auto& recent = recent_[index];
  for (const auto& t : trades) {
    if (recent.size() == trade_snapshot_size) recent.pop_front();
    recent.push_back(t);
  }
  const std::size_t n = model_.size();
  if (const auto& subs = subscribers_[n + index]; !subs.empty() && !trades.empty()) {
    // All of an event's trades in one update, as Kraken batches a taker's fills.
    const frame_ptr frame = make_frame(encode_trades(walk.spec(), trades, offsets_[index], false));
    for (session* s : subs) s->deliver(frame);
  }
  const auto& bbo_subs = subscribers_[2 * n + index];
  if (bbo_subs.empty() || faults_.bbo_stalled(wall_us)) return;
  const frame_ptr frame =
      make_frame(encode_ticker(walk.spec(), walk.state(), offsets_[index], wall_us, false));
  for (session* s : bbo_subs) s->deliver(frame);
}

void endpoint::publish(std::size_t index, std::int64_t wall_us) {
  publish_streams(index, wall_us);
  publish_books(index, wall_us);
  last_event_us_[index] = wall_us;
  snapshots_[index].reset();
  const auto& subs = subscribers_[index];
  if (subs.empty()) return;
  ++stats_.events;
  const symbol_walk& walk = model_.symbol(index);
  const frame_ptr frame =
      make_frame(encode_ticker(walk.spec(), walk.state(), offsets_[index], wall_us, false));
  for (session* s : subs) s->deliver(frame);
}

void endpoint::on_second() {
  // Closing never re-enters a handler synchronously, so the list is stable here.
  for (session* s : sessions_) s->on_second();
}

// ---- session ---------------------------------------------------------------------------

session::session(endpoint& ep) : endpoint_(ep) {
  endpoint_.sessions_.push_back(this);
}

session::~session() {
  for (const std::size_t index : subscribed_) endpoint_.remove_subscriber(index, this);
  auto& all = endpoint_.sessions_;
  all.erase(std::remove(all.begin(), all.end(), this), all.end());
}

void session::on_open(connection& conn) {
  conn_ = &conn;
  reply(encode_status(endpoint_.next_connection_id()));
}

void session::deliver(const frame_ptr& frame) {
  if (conn_ && !closed_ && conn_->send(frame)) {
    ++endpoint_.stats_.frames_sent;
    quiet_ = false;
  } else {
    ++endpoint_.stats_.frames_refused;
  }
}

void session::reply(std::string text) {
  if (conn_ && !closed_) conn_->send(make_frame(std::move(text)));
}

void session::on_second() {
  if (!conn_ || closed_) return;
  if (!subscribed_.empty()) {
    idle_seconds_ = 0;
    if (quiet_ && conn_->send(endpoint_.heartbeat_)) ++endpoint_.stats_.heartbeats;
  } else if (++idle_seconds_ >= idle_cutoff_seconds) {
    ++endpoint_.stats_.idle_closes;
    log().debug("kraken: connection {} inactive for {} s, closing", conn_->id(), idle_seconds_);
    conn_->close(close_code::normal, "inactive");
    closed_ = true;
  }
  quiet_ = true;
}

void session::apply(const request& r) {
  const std::string_view method = r.subscribe ? "subscribe" : "unsubscribe";
  const bool book = r.channel == book_channel;
  const bool trade = r.channel == trade_channel || book;  // one subscription per symbol, no trigger
  // Subscription index: the symbol's plus one model size per kind (ticker with trades trigger,
  // trade, ticker with bbo trigger, then the book's depths).
  const std::size_t kind = book ? endpoint::stream_kinds + r.depth_index
                                : (trade ? 1 : (r.event_trigger == "bbo" ? 2 : 0));
  const std::size_t n = endpoint_.model_.size();
  for (const std::string& symbol : r.symbols) {
    auto index = endpoint_.symbol_of(symbol);
    if (!index) {
      reply(encode_error(std::string(pair_not_supported) + symbol, method, r.req_id, symbol,
                         {r.time_in_us, wall_us()}));
      continue;
    }
    const std::size_t sym = *index;
    *index += kind * n;
    auto it = std::find(subscribed_.begin(), subscribed_.end(), *index);
    if (!r.subscribe && !trade && it == subscribed_.end()) {
      // A ticker unsubscribe need not repeat the trigger it subscribed with.
      *index = sym + (kind == 0 ? 2 : 0) * n;
      it = std::find(subscribed_.begin(), subscribed_.end(), *index);
    }
    if (r.subscribe && !trade && it == subscribed_.end()) {
      // A ticker subscription with either trigger counts: Kraken has one per symbol.
      it = std::find(subscribed_.begin(), subscribed_.end(), sym + (kind == 0 ? 2 : 0) * n);
    }
    if (trade) {
      if ((it != subscribed_.end()) == r.subscribe) {
        reply(encode_error(r.subscribe ? already_subscribed : not_subscribed, method, r.req_id,
                           symbol, {r.time_in_us, wall_us()}));
        continue;
      }
      if (r.subscribe) {
        subscribed_.push_back(*index);
        endpoint_.add_subscriber(*index, this);
      } else {
        subscribed_.erase(it);
        endpoint_.remove_subscriber(*index, this);
      }
      reply(encode_channel_ack(method, book ? book_channel : trade_channel, symbol, r.snapshot,
                               r.req_id, {r.time_in_us, wall_us()}));
      if (book && r.subscribe) {
        deliver(endpoint_.book_snapshot(*index));  // the book always starts with one
      } else if (r.subscribe && r.snapshot) {
        deliver(endpoint_.trade_snapshot(sym));
      }
      continue;
    }
    if (r.subscribe) {
      if (it != subscribed_.end()) {
        reply(
            encode_error(already_subscribed, method, r.req_id, symbol, {r.time_in_us, wall_us()}));
        continue;
      }
      subscribed_.push_back(*index);
      endpoint_.add_subscriber(*index, this);
      reply(encode_subscribe_ack(symbol, r.event_trigger, r.snapshot, r.req_id,
                                 {r.time_in_us, wall_us()}));
      if (r.snapshot) deliver(endpoint_.snapshot(sym));
    } else {
      if (it == subscribed_.end()) {
        reply(encode_error(not_subscribed, method, r.req_id, symbol, {r.time_in_us, wall_us()}));
        continue;
      }
      subscribed_.erase(it);
      endpoint_.remove_subscriber(*index, this);
      reply(encode_unsubscribe_ack(symbol, r.event_trigger, r.req_id, {r.time_in_us, wall_us()}));
    }
  }
}

void session::on_text(std::string_view message) {
  const std::int64_t time_in = wall_us();
  idle_seconds_ = 0;
  auto error = [&](std::string_view text, std::string_view method, std::string_view req_id) {
    reply(encode_error(text, method, req_id, {}, {time_in, wall_us()}));
  };

  auto& reader = *endpoint_.reader_;
  reader.padded.reserve(message.size() + simdjson::SIMDJSON_PADDING);
  reader.padded.assign(message);
  // Valid until the next request is parsed, which cannot happen before this one is answered.
  simdjson::dom::element doc;
  simdjson::dom::object req;
  std::string_view method;
  if (reader.parser.parse(reader.padded).get(doc) || doc.get(req) || req["method"].get(method)) {
    return error(malformed, {}, {});
  }

  request r;
  r.time_in_us = time_in;
  simdjson::dom::element id;
  if (!req["req_id"].get(id)) {
    std::int64_t n = 0;
    std::uint64_t u = 0;
    if (!id.get_int64().get(n)) {
      json::append_int(r.req_id, n);
    } else if (!id.get_uint64().get(u)) {
      r.req_id = std::to_string(u);
    } else {
      return error(invalid_arguments, method, {});
    }
  }

  if (method == "ping") {
    if (!req["params"].error()) return error(ping_params, method, r.req_id);
    return reply(encode_pong(r.req_id, {time_in, wall_us()}));
  }
  if (method != "subscribe" && method != "unsubscribe") {
    return error(unsupported_event, method, r.req_id);
  }
  r.subscribe = method == "subscribe";

  simdjson::dom::object params;
  std::string_view channel;
  if (req["params"].get(params) || params["channel"].get(channel)) {
    return error(invalid_arguments, method, r.req_id);
  }
  if (channel == "instrument") {
    // Every pair at once, no symbol list: what a book's checksum needs (the precisions).
    reply(encode_instrument_ack(method, r.req_id, {time_in, wall_us()}));
    if (r.subscribe) reply(encode_instrument_snapshot(endpoint_.model_));
    return;
  }
  const bool book = channel == book_channel && endpoint_.books_;
  if (channel != ticker_channel && channel != trade_channel && !book) {
    return error(unsupported_event, method, r.req_id);
  }
  r.channel = std::string(channel);
  r.snapshot = channel != trade_channel;  // the trade channel's snapshot is opt-in

  simdjson::dom::array symbols;
  if (params["symbol"].get(symbols) || symbols.size() == 0) {
    return error(invalid_arguments, method, r.req_id);
  }
  for (simdjson::dom::element item : symbols) {
    std::string_view s;
    if (item.get(s)) return error(invalid_arguments, method, r.req_id);
    r.symbols.emplace_back(s);
  }
  simdjson::dom::element option;
  if (book && !params["depth"].get(option)) {
    std::int64_t depth = 0;
    const auto it = std::find(book_depths.begin(), book_depths.end(),
                              option.get(depth) ? -1 : static_cast<int>(depth));
    if (it == book_depths.end()) return error(invalid_arguments, method, r.req_id);
    r.depth_index = static_cast<std::size_t>(it - book_depths.begin());
  }
  if (!params["snapshot"].get(option) && option.get(r.snapshot)) {
    return error(invalid_arguments, method, r.req_id);
  }
  if (!params["event_trigger"].get(option)) {
    std::string_view trigger;
    if (option.get(trigger) || (trigger != "trades" && trigger != "bbo")) {
      return error(invalid_arguments, method, r.req_id);
    }
    r.event_trigger = std::string(trigger);
  }
  apply(r);
}

}  // namespace tickerd::sim::kraken
