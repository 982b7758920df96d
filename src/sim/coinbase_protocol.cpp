#include "sim/coinbase_protocol.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <new>
#include <utility>

#include "sim/sim_log.hpp"
#include "tickerd/core/clock.hpp"

namespace tickerd::sim::coinbase {
namespace {

// Nesting deeper than this is refused as invalid JSON (a request needs 3 levels).
constexpr std::size_t max_request_depth = 33;
constexpr std::size_t initial_request_capacity = 4096;  // grows to the largest request seen

constexpr std::string_view channel_ticker = "ticker";
constexpr std::string_view channel_heartbeat = "heartbeat";
constexpr std::string_view channel_status = "status";  // the one channel without products

// The channels of Coinbase's "Exchange WebSocket Channels" page. The sim produces ticker,
// heartbeat, matches, level2 and level2_batch; the others are acknowledged and stay silent.
constexpr std::array<std::string_view, 13> known_channels{
    "heartbeat", "status",       "auction", "matches", "rfq_matches", "ticker", "ticker_batch",
    "level2",    "level2_batch", "level3",  "full",    "user",        "balance"};

// "The following WebSocket feeds now enforce authentication" (Exchange changelog, 2023-08-01),
// with the venue's refusal text. The sim takes any signed request (it has no accounts).
constexpr std::array<std::string_view, 3> signed_channels{"level2", "level3", "full"};
constexpr std::string_view needs_auth =
    "level2, level3, and full channels now require authentication. "
    "https://docs.cloud.coinbase.com/exchange/docs/websocket-auth";

bool known_channel(std::string_view name) noexcept {
  return std::find(known_channels.begin(), known_channels.end(), name) != known_channels.end();
}

void append_unique(std::vector<std::string>& list, std::string_view item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.emplace_back(item);
}

// Reads an array of strings; false when `e` is not one.
bool string_list(simdjson::dom::element e, std::vector<std::string>& out) {
  simdjson::dom::array items;
  if (e.get(items)) return false;
  for (simdjson::dom::element item : items) {
    std::string_view text;
    if (item.get(text)) return false;
    append_unique(out, text);
  }
  return true;
}

// One channel of a request, with the product ids it applies to.
struct channel_request {
  std::string name;
  std::vector<std::string> products;  // root ids first, then the channel's own
};

void erase_one(std::vector<session*>& list, session* s) {
  const auto it = std::find(list.begin(), list.end(), s);
  if (it == list.end()) return;
  *it = list.back();
  list.pop_back();
}

}  // namespace

// ---- endpoint --------------------------------------------------------------------------

struct endpoint::request_reader {
  simdjson::dom::parser parser;
  std::string padded;  // the request, with SIMDJSON_PADDING spare capacity so parse() need not copy
};

endpoint::endpoint(const market_model& model, clock now)
    : model_(model),
      now_(now ? std::move(now) : clock([] { return wall_us(); })),
      reader_(std::make_unique<request_reader>()),
      skipped_(model.size(), 0),
      tickers_(model.size()),
      heartbeats_(model.size()),
      matches_(model.size()),
      level2_(model.size()),
      level2_batch_(model.size()) {
  // Growing to a larger request later keeps this depth limit.
  if (reader_->parser.allocate(initial_request_capacity, max_request_depth)) throw std::bad_alloc();
  for (std::size_t i = 0; i < model.size(); ++i) {
    by_product_.emplace(product_id(model.symbol(i).spec()), i);
  }
}

endpoint::~endpoint() = default;

std::unique_ptr<connection_handler> endpoint::accept(std::string_view target, http_reject& reject) {
  if (target.substr(0, target.find('?')) != "/") {
    reject.status = 404;
    reject.body = R"({"message":"Not Found"})";
    return nullptr;
  }
  ++stats_.connections;
  return std::make_unique<session>(*this);
}

std::optional<std::size_t> endpoint::product_index(std::string_view id) const {
  const auto it = by_product_.find(std::string(id));
  if (it == by_product_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t endpoint::sequence(std::size_t index) const {
  const symbol_walk& walk = model_.symbol(index);
  return sequence_base(walk.spec()) + walk.state().seq + skipped_.at(index);
}

void endpoint::skip_sequence(std::size_t index, std::uint64_t n) {
  skipped_.at(index) += n;
  ++stats_.injected_gaps;
  log().info("coinbase: {} skips {} sequence numbers (now {})",
             product_id(model_.symbol(index).spec()), n, sequence(index));
}

void endpoint::publish_matches(std::size_t index, std::int64_t wall_us) {
  const symbol_walk& walk = model_.symbol(index);
  const auto trades = faults_.apply(walk.trades());
  const auto& subs = matches_[index];
  if (subs.empty()) return;
  const int bps = price_offset_bps(walk.spec());
  const std::int64_t last_id = walk.state().last_trade_id() + faults_.id_shift();
  for (const trade_print& t : trades) {
    const std::int64_t price =
        t.id == last_id ? ticker_price(walk.spec(), walk.state()) : offset_price(t.price, bps);
    const frame_ptr frame =
        make_frame(encode_match(walk.spec(), t, price, sequence(index), wall_us, false));
    for (session* s : subs) s->deliver(frame);
  }
}

frame_ptr endpoint::last_match(std::size_t index) const {
  const symbol_walk& walk = model_.symbol(index);
  const symbol_state& s = walk.state();
  trade_print t{s.last_trade_id(), s.last, s.last_qty, s.last >= s.ask};
  if (!walk.trades().empty()) t = walk.trades().back();
  t.id += faults_.id_shift();
  return make_frame(
      encode_match(walk.spec(), t, ticker_price(walk.spec(), s), sequence(index), now(), true));
}

void endpoint::set_books(book_set* books) {
  books_ = books;
  level2_books_.assign(books ? books->size() : 0, top_levels{});
}

void endpoint::open_level2(std::size_t index) {
  if (!books_) return;
  books_->activate();
  if (level2_subscribers(index) != 0) return;
  level2_books_[index] = venue_book(model_.symbol(index).spec(), books_->book(index));
}

frame_ptr endpoint::level2_snapshot(std::size_t index) const {
  return make_frame(encode_l2_snapshot(model_.symbol(index).spec(), level2_books_.at(index)));
}

void endpoint::publish_level2(std::size_t index, std::int64_t wall_us) {
  if (!books_ || level2_subscribers(index) == 0) return;
  const symbol_spec& spec = model_.symbol(index).spec();
  top_levels book = venue_book(spec, books_->book(index));
  top_levels& sent = level2_books_[index];
  const auto changes = diff(sent, book);
  if (changes.empty()) return;
  const auto touch = [](const top_levels& t) {
    return std::pair{t.bids.empty() ? std::pair<std::int64_t, std::int64_t>{} : t.bids.front(),
                     t.asks.empty() ? std::pair<std::int64_t, std::int64_t>{} : t.asks.front()};
  };
  const bool touch_moved = touch(sent) != touch(book);
  sent = std::move(book);
  // No sequence on this channel: the dropped update is one the next ticker contradicts.
  if (touch_moved && faults_.take_book_drop(index)) return;
  std::optional<level_change> crossed;
  if (faults_.take_book_cross(index) && !sent.asks.empty()) {
    crossed = level_change{true, sent.asks.front().first, sent.asks.front().second};
  }
  ++stats_.l2updates;
  const frame_ptr frame = make_frame(encode_l2_update(spec, changes, wall_us, crossed));
  for (session* s : level2_[index]) s->deliver(frame);
  for (session* s : level2_batch_[index]) s->deliver(frame);
}

void endpoint::publish(std::size_t index, std::int64_t wall_us) {
  publish_matches(index, wall_us);
  publish_level2(index, wall_us);
  const auto& subs = tickers_[index];
  if (subs.empty() || faults_.bbo_stalled(wall_us)) return;
  ++stats_.events;
  const symbol_walk& walk = model_.symbol(index);
  const frame_ptr frame =
      make_frame(encode_ticker(walk.spec(), walk.state(), sequence(index), wall_us));
  for (session* s : subs) s->deliver(frame);
}

void endpoint::on_timer(std::int64_t wall_us) {
  for (std::size_t i = 0; i < heartbeats_.size(); ++i) {
    const auto& subs = heartbeats_[i];
    if (subs.empty()) continue;
    ++stats_.heartbeats;
    const symbol_walk& walk = model_.symbol(i);
    const frame_ptr frame =
        make_frame(encode_heartbeat(walk.spec(), walk.state(), sequence(i), wall_us));
    for (session* s : subs) s->deliver(frame);
  }
  // "You are disconnected if no subscribe has been received within 5 seconds."
  for (session* s : sessions_) {
    if (s->subscribed_ || s->closing_ || s->conn_ == nullptr) continue;
    if (wall_us - s->opened_us_ < subscribe_deadline_us) continue;
    s->closing_ = true;
    ++stats_.deadline_closes;
    s->conn_->close(close_code::policy_violation, "no subscribe within 5 seconds");
  }
}

// ---- session ---------------------------------------------------------------------------

session::session(endpoint& ep) : endpoint_(ep) {}

session::~session() {
  for (const auto& c : channels_) {
    if (auto* lists = fanout(c.name)) {
      for (const auto& p : c.product_ids) {
        if (auto index = endpoint_.product_index(p)) erase_one((*lists)[*index], this);
      }
    }
  }
  if (conn_) erase_one(endpoint_.sessions_, this);
}

void session::on_open(connection& conn) {
  conn_ = &conn;
  opened_us_ = endpoint_.now();
  endpoint_.sessions_.push_back(this);
}

void session::deliver(const frame_ptr& frame) {
  if (conn_ && conn_->send(frame)) {
    ++endpoint_.stats_.frames_sent;
  } else {
    ++endpoint_.stats_.frames_refused;
  }
}

void session::reply(std::string text) {
  if (conn_) conn_->send(make_frame(std::move(text)));
}

void session::reply_error(std::string_view message, std::string_view reason) {
  reply(encode_error(message, reason));
}

std::vector<std::vector<session*>>* session::fanout(std::string_view channel) const {
  if (channel == channel_ticker) return &endpoint_.tickers_;
  if (channel == channel_heartbeat) return &endpoint_.heartbeats_;
  if (channel == channel_matches) return &endpoint_.matches_;
  if (channel == channel_level2) return &endpoint_.level2_;
  if (channel == channel_level2_batch) return &endpoint_.level2_batch_;
  return nullptr;
}

void session::add(std::string_view channel, const std::vector<std::string>& products) {
  auto it = std::find_if(channels_.begin(), channels_.end(),
                         [&](const channel_products& c) { return c.name == channel; });
  if (it == channels_.end()) {
    channels_.push_back({std::string(channel), {}});
    it = channels_.end() - 1;
  }
  auto* lists = fanout(channel);
  for (const auto& p : products) {
    if (std::find(it->product_ids.begin(), it->product_ids.end(), p) != it->product_ids.end()) {
      continue;
    }
    it->product_ids.push_back(p);
    if (lists) {
      if (auto index = endpoint_.product_index(p)) {
        const bool book = channel == channel_level2 || channel == channel_level2_batch;
        if (book) endpoint_.open_level2(*index);
        (*lists)[*index].push_back(this);
        if (channel == channel_matches) pending_last_match_.push_back(*index);
        if (book && endpoint_.books_) pending_snapshots_.push_back(*index);
      }
    }
  }
}

void session::remove(std::string_view channel, const std::vector<std::string>& products, bool all) {
  const auto it = std::find_if(channels_.begin(), channels_.end(),
                               [&](const channel_products& c) { return c.name == channel; });
  if (it == channels_.end()) return;
  auto* lists = fanout(channel);
  auto drop = [&](const std::string& p) {
    if (!lists) return;
    if (auto index = endpoint_.product_index(p)) erase_one((*lists)[*index], this);
  };
  if (all) {
    for (const auto& p : it->product_ids) drop(p);
    channels_.erase(it);
    return;
  }
  for (const auto& p : products) {
    const auto pos = std::find(it->product_ids.begin(), it->product_ids.end(), p);
    if (pos == it->product_ids.end()) continue;
    drop(p);
    it->product_ids.erase(pos);
  }
  if (it->product_ids.empty()) channels_.erase(it);
}

void session::on_text(std::string_view message) {
  auto& reader = *endpoint_.reader_;
  reader.padded.reserve(message.size() + simdjson::SIMDJSON_PADDING);
  reader.padded.assign(message);
  // Valid until the next request is parsed, which cannot happen before this one is answered.
  simdjson::dom::element doc;
  if (reader.parser.parse(reader.padded).get(doc)) {
    return reply_error("Failed to parse message", "malformed JSON");
  }
  simdjson::dom::object req;
  if (doc.get(req)) return reply_error("Failed to parse message", "expected a JSON object");

  std::string_view type;
  if (req["type"].get(type)) return reply_error("Failed to subscribe", "missing message type");
  const bool subscribe = type == "subscribe";
  if (!subscribe && type != "unsubscribe") {
    return reply_error("Failed to subscribe", "'" + std::string(type) + "' is not a valid type");
  }
  const std::string_view failed = subscribe ? "Failed to subscribe" : "Failed to unsubscribe";

  // Product ids at the root "add them to all the channels you subscribe to".
  std::vector<std::string> root;
  simdjson::dom::element e;
  if (!req["product_ids"].get(e) && !e.is_null() && !string_list(e, root)) {
    return reply_error(failed, "product_ids must be an array of strings");
  }
  simdjson::dom::array channels;
  if (req["channels"].get(e) || e.get(channels) || channels.size() == 0) {
    return reply_error(failed, "No channels provided");
  }

  // Everything is checked before anything changes: a request is applied whole or not at all.
  std::vector<channel_request> wanted;
  for (simdjson::dom::element c : channels) {
    channel_request r;
    r.products = root;
    std::string_view name;
    if (c.get(name)) {
      simdjson::dom::object obj;
      if (c.get(obj) || obj["name"].get(name)) {
        return reply_error(failed, "a channel must be a name or an object with a name");
      }
      if (!obj["product_ids"].get(e) && !e.is_null() && !string_list(e, r.products)) {
        return reply_error(failed, "product_ids must be an array of strings");
      }
    }
    if (!known_channel(name)) {
      return reply_error(failed, std::string(name) + " is not a valid channel");
    }
    for (const auto& p : r.products) {
      if (!endpoint_.product_index(p)) return reply_error(failed, p + " is not a valid product");
    }
    if (subscribe && r.products.empty() && name != channel_status) {
      return reply_error(
          failed, "You need to specify at least one product ID for channel " + std::string(name));
    }
    if (subscribe &&
        std::find(signed_channels.begin(), signed_channels.end(), name) != signed_channels.end()) {
      // WebSocket Authentication: signature, key, passphrase and timestamp in the request.
      std::string_view signature;
      if (req["signature"].get(signature) || signature.empty()) {
        return reply_error(failed, needs_auth);
      }
    }
    r.name = std::string(name);
    wanted.push_back(std::move(r));
  }

  for (const auto& r : wanted) {
    if (subscribe) {
      add(r.name, r.products);
    } else {
      // "You can also unsubscribe from a channel entirely by providing no product IDs."
      remove(r.name, r.products, r.products.empty());
    }
  }
  if (subscribe) subscribed_ = true;
  reply(encode_subscriptions(channels_));
  // "the most recent match" of each newly subscribed product, once, as last_match
  for (const std::size_t index : std::exchange(pending_last_match_, {})) {
    deliver(endpoint_.last_match(index));
  }
  for (const std::size_t index : std::exchange(pending_snapshots_, {})) {
    deliver(endpoint_.level2_snapshot(index));
  }
}

}  // namespace tickerd::sim::coinbase
