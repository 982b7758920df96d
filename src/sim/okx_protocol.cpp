#include "sim/okx_protocol.hpp"

#include <simdjson.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <new>

#include "sim/okx_depth.hpp"
#include "sim/sim_hash.hpp"
#include "sim/sim_log.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim::okx {
namespace {

constexpr std::int64_t first_seq_id = 10'000'000'000;  // the documented examples' magnitude

// Nesting deeper than this is refused as an invalid request (a request needs 3 levels).
constexpr std::size_t max_request_depth = 32;
constexpr std::size_t initial_request_capacity = 4096;  // grows to the largest request seen
// Errors quote the request back ("Invalid request: {...}"), at most this much of it.
constexpr std::size_t max_quoted_request = 512;

constexpr std::string_view code_invalid_request = "60012";
constexpr std::string_view code_too_frequent = "60014";
constexpr std::string_view code_not_found = "60018";
constexpr std::string_view code_invalid_op = "60019";

// A prefix of `text` of at most `limit` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

// OKX ids: "a combination of case-sensitive alphanumerics, all numbers, or all letters of up
// to 32 characters".
bool valid_id(std::string_view id) noexcept {
  return !id.empty() && id.size() <= max_id_chars && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// connId: 8 hex digits, like OKX's "a4d3ae55", derived from the connection number so a run
// is reproducible.
std::string make_conn_id(std::uint64_t id) {
  std::uint64_t z = mix64(id);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = hex[z & 0xF];
    z >>= 4;
  }
  return out;
}

std::string not_found_message(std::string_view channel, std::optional<std::string_view> inst) {
  std::string msg = "Wrong URL or channel:";
  msg.append(channel);
  if (inst) {
    msg.append(",instId:");
    msg.append(*inst);
  }
  msg.append(
      " doesn't exist. Please use the correct URL, channel and parameters referring to "
      "API document.");
  return msg;
}

// One {"channel":..,"instId":..} of a request's args.
struct request_arg {
  std::string_view channel;
  std::optional<std::string_view> inst;
};

}  // namespace

// ---- endpoint --------------------------------------------------------------------------

struct endpoint::request_reader {
  simdjson::dom::parser parser;
  std::string padded;  // the request, with SIMDJSON_PADDING spare capacity so parse() need not copy
};

struct endpoint::sweeper {
  explicit sweeper(net::io_context& ioc) : timer(ioc) {}
  net::steady_timer timer;
};

endpoint::endpoint(const market_model& model, boost::asio::io_context* ioc, clock_fn clock)
    : model_(model),
      clock_(clock ? std::move(clock) : clock_fn([] { return mono_ms(); })),
      reader_(std::make_unique<request_reader>()),
      subscribers_(4 * model.size()),
      seq_ids_(model.size(), first_seq_id) {
  if (reader_->parser.allocate(initial_request_capacity, max_request_depth)) throw std::bad_alloc();
  for (std::size_t i = 0; i < model.size(); ++i) {
    by_inst_.emplace(inst_id(model.symbol(i).spec()), i);
  }
  if (ioc) {
    sweeper_ = std::make_unique<sweeper>(*ioc);
    schedule_sweep();
  }
}

endpoint::~endpoint() {
  // Handlers the server has not destroyed yet must not reach back into a dead endpoint.
  for (session* s : sessions_) s->endpoint_ = nullptr;
}

std::int64_t endpoint::now_ms() const {
  return clock_();
}

void endpoint::schedule_sweep() {
  sweeper_->timer.expires_after(std::chrono::milliseconds(sweep_interval_ms));
  sweeper_->timer.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled by stop(), or the endpoint is gone
    sweep();
    schedule_sweep();
  });
}

void endpoint::stop() {
  if (sweeper_) sweeper_->timer.cancel();
}

void endpoint::sweep() {
  const std::int64_t now = now_ms();
  // close() takes effect later on the event loop, so sessions_ does not change here.
  for (session* s : sessions_) {
    if (s->idle(now)) s->close_idle();
  }
}

std::unique_ptr<connection_handler> endpoint::accept(std::string_view target, http_reject& reject) {
  // OKX serves the public channels on exactly this path; a query string is ignored.
  if (target.substr(0, target.find('?')) != public_path) {
    reject.status = 404;
    reject.body = R"({"msg":"Not Found","code":"404"})";
    return nullptr;
  }
  ++stats_.connections;
  auto s = std::make_unique<session>(*this, now_ms());
  sessions_.push_back(s.get());
  return s;
}

std::optional<std::size_t> endpoint::symbol_of(std::string_view inst) const {
  const auto it = by_inst_.find(std::string(inst));
  if (it == by_inst_.end()) return std::nullopt;
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

void endpoint::forget(session* s) {
  for (const std::size_t index : s->subscribed_) remove_subscriber(index, s);
  const auto it = std::find(sessions_.begin(), sessions_.end(), s);
  if (it == sessions_.end()) return;
  *it = sessions_.back();
  sessions_.pop_back();
}

std::optional<std::size_t> endpoint::stream_of(std::string_view channel,
                                               std::string_view inst) const {
  std::size_t kind = 0;
  if (channel == trades_channel) {
    kind = 1;
  } else if (channel == bbo_channel) {
    kind = 2;
  } else if (channel == books_channel && books_) {
    kind = 3;
  } else if (channel != tickers_channel) {
    return std::nullopt;
  }
  const auto index = symbol_of(inst);
  if (!index) return std::nullopt;
  return kind * model_.size() + *index;
}

void endpoint::publish_streams(std::size_t index, std::int64_t wall_us) {
  const symbol_walk& walk = model_.symbol(index);
  const auto trades = faults_.apply(walk.trades());
  const std::int64_t now = now_ms();
  // seqId: one more per push of the symbol, trades and bbo-tbt alike.
  std::int64_t& seq = seq_ids_[index];
  const auto& trade_subs = subscribers_[model_.size() + index];
  if (!trade_subs.empty()) {
    for (const trade_print& t : trades) {
      const frame_ptr frame = make_frame(encode_trade(walk.spec(), t, wall_us, ++seq));
      for (session* s : trade_subs) s->deliver(frame, now);
    }
  }
  const auto& bbo_subs = subscribers_[2 * model_.size() + index];
  if (bbo_subs.empty() || faults_.bbo_stalled(wall_us)) return;
  const frame_ptr frame = make_frame(encode_bbo(walk.spec(), walk.state(), wall_us, ++seq));
  for (session* s : bbo_subs) s->deliver(frame, now);
}

void endpoint::set_books(book_set* books) {
  books_ = books;
  books_state_.assign(books ? books->size() : 0, books_state{});
}

void endpoint::publish_books(std::size_t index, std::int64_t wall_us) {
  const auto& subs = subscribers_[3 * model_.size() + index];
  if (!books_ || subs.empty()) return;
  auto& b = books_state_[index];
  auto top = top_of(books_->book(index), books_levels, offset_price);
  const auto changes = diff(b.top, top);
  if (changes.empty()) return;
  b.top = std::move(top);
  const std::int64_t prev = b.seq_id;
  b.seq_id = ++seq_ids_[index];
  // A dropped push still takes its seqId: the next one's prevSeqId names it.
  if (faults_.take_book_drop(index)) return;
  std::optional<level_change> crossed;
  if (faults_.take_book_cross(index) && !b.top.asks.empty()) {
    crossed = level_change{true, b.top.asks.front().first, b.top.asks.front().second};
  }
  const frame_ptr frame = make_frame(encode_books(model_.symbol(index).spec(), false, changes,
                                                  wall_us / 1000, prev, b.seq_id, crossed));
  const std::int64_t now = now_ms();
  for (session* s : subs) s->deliver(frame, now);
}

void endpoint::send_books_snapshot(std::size_t stream, session* s) {
  const std::size_t index = stream - 3 * model_.size();
  auto& b = books_state_[index];
  books_->activate();
  if (subscribers_[stream].size() == 1) {
    // The first listener: the kept top is old; start from the book as it is.
    b.top = top_of(books_->book(index), books_levels, offset_price);
    b.seq_id = ++seq_ids_[index];
  }
  std::vector<level_change> levels;
  levels.reserve(b.top.bids.size() + b.top.asks.size());
  for (const auto& [p, q] : b.top.bids) levels.push_back({true, p, q});
  for (const auto& [p, q] : b.top.asks) levels.push_back({false, p, q});
  const std::int64_t now = now_ms();
  s->deliver(make_frame(encode_books(model_.symbol(index).spec(), true, levels, now, -1, b.seq_id)),
             now);
}

void endpoint::publish(std::size_t index, std::int64_t wall_us) {
  publish_streams(index, wall_us);
  publish_books(index, wall_us);
  const auto& subs = subscribers_[index];
  if (subs.empty()) return;
  ++stats_.events;
  const symbol_walk& walk = model_.symbol(index);
  // One encoding per event, shared by every subscriber.
  const frame_ptr frame = make_frame(encode_ticker(walk.spec(), venue_view(walk.state()), wall_us));
  const std::int64_t now = now_ms();
  for (session* s : subs) s->deliver(frame, now);
}

// ---- session ---------------------------------------------------------------------------

session::session(endpoint& ep, std::int64_t now_ms)
    : endpoint_(&ep), opened_ms_(now_ms), last_push_ms_(now_ms), window_start_ms_(now_ms) {}

session::~session() {
  if (endpoint_) endpoint_->forget(this);
}

void session::on_open(connection& conn) {
  conn_ = &conn;
  conn_id_ = make_conn_id(conn.id());
}

bool session::idle(std::int64_t now_ms) const noexcept {
  if (closing_ || !conn_) return false;
  if (now_ms - last_push_ms_ >= idle_timeout_ms) return true;
  return !ever_subscribed_ && now_ms - opened_ms_ >= idle_timeout_ms;
}

void session::close_idle() {
  if (closing_ || !conn_) return;
  closing_ = true;
  if (endpoint_) ++endpoint_->stats_.idle_closes;
  log().debug("okx: connection {} idle for 30 s, closing", conn_->id());
  conn_->close(idle_close_code, idle_close_reason);
}

void session::deliver(const frame_ptr& frame, std::int64_t now_ms) {
  if (!closing_ && conn_ && conn_->send(frame)) {
    last_push_ms_ = now_ms;
    if (endpoint_) ++endpoint_->stats_.frames_sent;
  } else if (endpoint_) {
    ++endpoint_->stats_.frames_refused;
  }
}

void session::reply(std::string text) {
  if (closing_ || !conn_ || !endpoint_) return;
  if (conn_->send(make_frame(std::move(text)))) last_push_ms_ = endpoint_->now_ms();
}

void session::reply_error(std::string_view code, std::string_view msg, std::string_view id) {
  reply(encode_error(code, msg, id, conn_id_));
}

void session::on_server_shutdown() {
  reply(encode_upgrade_notice(conn_id_));
}

void session::subscribe(std::size_t index) {
  ever_subscribed_ = true;
  if (std::find(subscribed_.begin(), subscribed_.end(), index) != subscribed_.end()) return;
  subscribed_.push_back(index);
  endpoint_->add_subscriber(index, this);
}

void session::unsubscribe(std::size_t index) {
  const auto it = std::find(subscribed_.begin(), subscribed_.end(), index);
  if (it == subscribed_.end()) return;
  subscribed_.erase(it);
  endpoint_->remove_subscriber(index, this);
}

bool session::count_request(std::int64_t now_ms) {
  if (now_ms - window_start_ms_ >= request_window_ms) {
    window_start_ms_ = now_ms;
    window_requests_ = 0;
  }
  return ++window_requests_ <= max_requests_per_window;
}

void session::on_text(std::string_view message) {
  if (!endpoint_ || closing_) return;
  if (message == "ping") return reply("pong");

  const std::string invalid =
      "Invalid request: " + std::string(utf8_prefix(message, max_quoted_request));
  auto& reader = *endpoint_->reader_;
  reader.padded.reserve(message.size() + simdjson::SIMDJSON_PADDING);
  reader.padded.assign(message);
  // Valid until the next request is parsed, which cannot happen before this one is answered.
  simdjson::dom::element doc;
  simdjson::dom::object req;
  if (reader.parser.parse(reader.padded).get(doc) || doc.get(req)) {
    return reply_error(code_invalid_request, invalid, {});
  }

  std::string id;  // echoed in every reply to this request
  if (simdjson::dom::element e; !req["id"].get(e)) {
    std::string_view text;
    if (e.get(text) || !valid_id(text)) return reply_error(code_invalid_request, invalid, {});
    id = std::string(text);
  }
  std::string_view op;
  if (req["op"].get(op)) return reply_error(code_invalid_request, invalid, id);
  if (op != "subscribe" && op != "unsubscribe") {
    return reply_error(code_invalid_op, "Invalid op: " + std::string(utf8_prefix(op, 64)), id);
  }
  if (!count_request(endpoint_->now_ms())) {
    return reply_error(code_too_frequent, "Requests too frequent", id);
  }

  simdjson::dom::array args;
  if (req["args"].get(args) || args.size() == 0) {
    return reply_error(code_invalid_request, invalid, id);
  }
  std::vector<request_arg> parsed;
  parsed.reserve(args.size());
  for (simdjson::dom::element item : args) {
    simdjson::dom::object arg;
    request_arg a;
    if (item.get(arg) || arg["channel"].get(a.channel)) {
      return reply_error(code_invalid_request, invalid, id);
    }
    if (simdjson::dom::element inst; !arg["instId"].get(inst)) {
      std::string_view text;
      if (inst.get(text)) return reply_error(code_invalid_request, invalid, id);
      a.inst = text;
    }
    parsed.push_back(a);
  }

  // Each arg is answered on its own, in order: an ack, or 60018 for what does not exist.
  const bool sub = op == "subscribe";
  for (const request_arg& a : parsed) {
    const auto index = a.inst ? endpoint_->stream_of(a.channel, *a.inst) : std::nullopt;
    if (!index) {
      reply_error(code_not_found, not_found_message(a.channel, a.inst), id);
      continue;
    }
    if (sub) {
      subscribe(*index);
    } else {
      unsubscribe(*index);
    }
    reply(encode_ack(op, a.channel, *a.inst, id, conn_id_));
    if (sub && *index >= 3 * endpoint_->model_.size()) endpoint_->send_books_snapshot(*index, this);
  }
}

}  // namespace tickerd::sim::okx
