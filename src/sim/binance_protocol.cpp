#include "sim/binance_protocol.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <new>

#include "sim/binance_streams.hpp"
#include "sim/rest_api.hpp"
#include "sim/sim_log.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/core/url.hpp"

namespace tickerd::sim::binance {
namespace {

constexpr std::size_t max_stream_name_chars = 200;
// Nesting deeper than this is refused as invalid JSON (a request needs 2 levels).
constexpr std::size_t max_request_depth = 33;
constexpr std::size_t initial_request_capacity = 4096;  // grows to the largest request seen
// book_stale serves a copy of the book taken stale_period to 2 x stale_period events ago.
constexpr std::uint64_t stale_period = 32;

bool is_word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Splits "a/b/c" into non-empty parts appended to `out`. With `streams_only`, a part that
// names no stream (no '@': CCXT's numeric connection index in "/ws/1") is skipped, as the
// venue accepts any such path.
void split_streams(std::string_view list, std::vector<std::string>& out,
                   bool streams_only = false) {
  while (!list.empty()) {
    const auto slash = list.find('/');
    const auto part = list.substr(0, slash);
    if (!part.empty() && !(streams_only && part.find('@') == std::string_view::npos)) {
      out.emplace_back(part);
    }
    if (slash == std::string_view::npos) break;
    list.remove_prefix(slash + 1);
  }
}

// The id exactly as the reply must echo it, or nullopt when Binance would reject it
// (64-bit signed integer, alphanumeric string of at most 36 characters, or null).
std::optional<std::string> id_json(simdjson::dom::object req) {
  simdjson::dom::element id;
  if (req["id"].get(id) || id.is_null()) return std::string("null");  // absent counts as null
  std::int64_t n = 0;
  if (!id.get_int64().get(n)) {  // only an integer literal: 1.0, 1e2 and 2^63 are refused
    std::string out;
    json::append_int(out, n);
    return out;
  }
  std::string_view text;
  if (!id.get(text) && text.size() <= max_id_chars &&
      std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      })) {
    std::string out;
    json::append_string(out, text);
    return out;
  }
  return std::nullopt;
}

// params as a list of strings; nullopt when absent or not an array of strings.
std::optional<std::vector<std::string>> string_params(simdjson::dom::object req) {
  simdjson::dom::array params;
  if (req["params"].get(params)) return std::nullopt;
  std::vector<std::string> out;
  for (simdjson::dom::element item : params) {
    std::string_view text;
    if (item.get(text)) return std::nullopt;
    out.emplace_back(text);
  }
  return out;
}

// Binance's replies carry serde_json's messages: "Invalid JSON: <what> at line L column C".
// simdjson reports no position, so the reply keeps serde's wording for the kind of error and
// leaves the position out. simdjson documents that kernels may differ in the code they return
// for the same bad input; the reply's code (3) never does.
std::string_view invalid_json_what(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::EMPTY:
      return "EOF while parsing a value";
    case simdjson::UNCLOSED_STRING:
      return "EOF while parsing a string";
    case simdjson::DEPTH_ERROR:
      return "recursion limit exceeded";
    case simdjson::STRING_ERROR:
      return "invalid escape";
    case simdjson::UNESCAPED_CHARS:
      return "control character (\\u0000-\\u001F) found while parsing a string";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "expected ident";
    case simdjson::NUMBER_ERROR:
      return "invalid number";
    case simdjson::UTF8_ERROR:
      return "invalid unicode code point";
    case simdjson::TRAILING_CONTENT:
      return "trailing characters";
    default:  // TAPE_ERROR and the like: a structural error, Binance's documented example
      return "expected value";
  }
}

std::string result_reply(std::string_view result_json, std::string_view id) {
  std::string out;
  out.reserve(32 + result_json.size() + id.size());
  out.append("{\"result\":");
  out.append(result_json);
  out.append(",\"id\":");
  out.append(id);
  out.push_back('}');
  return out;
}

}  // namespace

bool valid_stream_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_stream_name_chars) return false;
  if (name.front() == '!') name.remove_prefix(1);  // market-wide streams: "!ticker@arr"
  std::size_t parts = 0;
  while (true) {
    const auto at = name.find('@');
    const auto part = name.substr(0, at);
    if (part.empty() || !std::all_of(part.begin(), part.end(), is_word_char)) return false;
    ++parts;
    if (at == std::string_view::npos) break;
    name.remove_prefix(at + 1);
  }
  return parts >= 2;
}

std::optional<target_info> parse_target(std::string_view target, std::string& error) {
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query =
      qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  target_info info;
  std::string decoded;
  if (path == "/ws" || path.starts_with("/ws/")) {
    info.combined = false;
    if (!percent_decode(path.substr(std::min<std::size_t>(path.size(), 4)), decoded)) {
      error = "bad percent-encoding in path";
      return std::nullopt;
    }
    split_streams(decoded, info.streams, true);
  } else if (path == "/stream" || path == "/stream/") {
    info.combined = true;
  } else {
    error = "not a Binance stream endpoint (use /ws/<stream> or /stream?streams=<a>/<b>)";
    return std::nullopt;
  }

  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view raw = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (!percent_decode(raw, decoded)) {
      error = "bad percent-encoding in query parameter '" + std::string(key) + "'";
      return std::nullopt;
    }
    if (key == "streams" && info.combined) {
      split_streams(decoded, info.streams);
    } else if (key == "timeUnit") {
      if (decoded == "MICROSECOND" || decoded == "microsecond") {
        info.unit = time_unit::microsecond;
      } else if (decoded == "MILLISECOND" || decoded == "millisecond") {
        info.unit = time_unit::millisecond;
      } else {
        error = "invalid timeUnit '" + decoded + "'";
        return std::nullopt;
      }
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }

  std::vector<std::string> unique;
  for (auto& s : info.streams) {
    if (!valid_stream_name(s)) {
      error = "invalid stream name '" + s + "'";
      return std::nullopt;
    }
    if (std::find(unique.begin(), unique.end(), s) == unique.end()) unique.push_back(std::move(s));
  }
  if (unique.size() > max_streams_per_connection) {
    error = "more than 1024 streams";
    return std::nullopt;
  }
  info.streams = std::move(unique);
  return info;
}

// ---- endpoint --------------------------------------------------------------------------

struct endpoint::request_reader {
  simdjson::dom::parser parser;
  std::string padded;  // the request, with SIMDJSON_PADDING spare capacity so parse() need not copy
};

endpoint::endpoint(const market_model& model, format_options fmt, unsigned max_incoming_per_sec)
    : model_(model),
      fmt_(fmt),
      max_incoming_per_sec_(max_incoming_per_sec),
      reader_(std::make_unique<request_reader>()),
      subscribers_(model.size() * stream_kinds) {
  // Growing to a larger request later keeps this depth limit.
  if (reader_->parser.allocate(initial_request_capacity, max_request_depth)) throw std::bad_alloc();
  const auto slot = [](std::size_t i, stream_kind k) {
    return i * stream_kinds + static_cast<std::size_t>(k);
  };
  for (std::size_t i = 0; i < model.size(); ++i) {
    const symbol_spec& spec = model.symbol(i).spec();
    by_stream_.emplace(ticker_stream_name(spec), slot(i, stream_kind::ticker));
    by_stream_.emplace(mini_ticker_stream_name(spec), slot(i, stream_kind::mini_ticker));
    by_stream_.emplace(trade_stream_name(spec), slot(i, stream_kind::trade));
    by_stream_.emplace(book_ticker_stream_name(spec), slot(i, stream_kind::book_ticker));
    by_stream_.emplace(depth_stream_name(spec, true), slot(i, stream_kind::depth_fast));
    by_stream_.emplace(depth_stream_name(spec, false), slot(i, stream_kind::depth_slow));
  }
}

endpoint::~endpoint() = default;

std::unique_ptr<connection_handler> endpoint::accept(std::string_view target, http_reject& reject) {
  std::string error;
  auto info = parse_target(target, error);
  if (!info) {
    reject.status = 400;
    reject.body = R"({"code":-1100,"msg":)";
    json::append_string(reject.body, error);
    reject.body.push_back('}');
    return nullptr;
  }
  ++stats_.connections;
  return std::make_unique<session>(*this, std::move(*info));
}

std::size_t endpoint::subscriber_count(std::size_t index) const {
  std::size_t n = 0;
  for (std::size_t k = 0; k < stream_kinds; ++k)
    n += subscribers_.at(index * stream_kinds + k).size();
  return n;
}

std::optional<std::size_t> endpoint::slot_of(std::string_view stream) const {
  const auto it = by_stream_.find(std::string(stream));
  if (it == by_stream_.end()) return std::nullopt;
  return it->second;
}

void endpoint::add_subscriber(std::size_t slot, session* s) {
  subscribers_[slot].push_back(s);
}

void endpoint::remove_subscriber(std::size_t slot, session* s) {
  auto& subs = subscribers_[slot];
  const auto it = std::find(subs.begin(), subs.end(), s);
  if (it == subs.end()) return;
  *it = subs.back();
  subs.pop_back();
}

void endpoint::publish(std::size_t index, std::int64_t wall_us) {
  publish_streams(index, wall_us);
  publish_depth(index, wall_us);
  const auto& ticker_subs = subscribers_[index * stream_kinds];
  const auto& mini_subs = subscribers_[index * stream_kinds + 1];
  if (ticker_subs.empty() && mini_subs.empty()) return;
  ++stats_.events;
  const symbol_walk& walk = model_.symbol(index);
  for (const auto k : {stream_kind::ticker, stream_kind::mini_ticker}) {
    // One encoding per wire variant in use (raw/combined x ms/us), shared by all subscribers.
    std::array<frame_ptr, 4> variants;
    for (session* s : subscribers_[index * stream_kinds + static_cast<std::size_t>(k)]) {
      const std::size_t v =
          (s->combined() ? 2u : 0u) + (s->unit() == time_unit::microsecond ? 1u : 0u);
      if (!variants[v]) {
        variants[v] = make_frame(
            k == stream_kind::ticker
                ? encode_ticker(walk.spec(), walk.state(), wall_us, s->unit(), fmt_, s->combined())
                : encode_mini_ticker(walk.spec(), walk.state(), wall_us, s->unit(), fmt_,
                                     s->combined()));
      }
      s->deliver(variants[v]);
    }
  }
}

void endpoint::publish_streams(std::size_t index, std::int64_t wall_us) {
  const symbol_walk& walk = model_.symbol(index);
  const auto& trade_subs =
      subscribers_[index * stream_kinds + static_cast<std::size_t>(stream_kind::trade)];
  if (!trade_subs.empty()) {
    // One frame per trade, as Binance sends them; each encoded once per wire variant.
    for (const trade_print& t : faults_.apply(walk.trades())) {
      std::array<frame_ptr, 4> variants;
      for (session* s : trade_subs) {
        const std::size_t v =
            (s->combined() ? 2u : 0u) + (s->unit() == time_unit::microsecond ? 1u : 0u);
        if (!variants[v]) {
          variants[v] =
              make_frame(encode_trade(walk.spec(), t, wall_us, s->unit(), fmt_, s->combined()));
        }
        s->deliver(variants[v]);
      }
    }
  }
  const auto& book_subs =
      subscribers_[index * stream_kinds + static_cast<std::size_t>(stream_kind::book_ticker)];
  if (book_subs.empty() || faults_.bbo_stalled(wall_us)) return;
  std::array<frame_ptr, 2> variants;  // bookTicker has no time field: raw or combined only
  for (session* s : book_subs) {
    const std::size_t v = s->combined() ? 1u : 0u;
    if (!variants[v]) {
      variants[v] = make_frame(encode_book_ticker(walk.spec(), walk.state(), fmt_, s->combined()));
    }
    s->deliver(variants[v]);
  }
}

void endpoint::set_books(book_set* books) {
  books_ = books;
  depth_.clear();
  if (!books_) return;
  depth_.resize(books_->size());
  for (std::size_t i = 0; i < depth_.size(); ++i) {
    depth_[i].older = depth_[i].newer = copy_of(books_->book(i));
  }
}

void endpoint::publish_depth(std::size_t index, std::int64_t wall_us) {
  if (!books_ || !books_->active() || index >= depth_.size()) return;
  const symbol_book& book = books_->book(index);
  const symbol_walk& walk = model_.symbol(index);
  auto& d = depth_[index];
  if (!d.live) {
    // The books were built since the previous event: copies from before are of another book.
    d.live = true;
    d.older = d.newer = copy_of(book);
  }
  if (book.events() % stale_period == 0) {
    d.older = std::move(d.newer);
    d.newer = copy_of(book);
  }
  for (std::size_t f = 0; f < 2; ++f) {
    auto& batch = d.batch[f];
    batch.add(book.changes(), book.update_id());
    const std::int64_t interval = f == 0 ? depth_fast_interval_us : depth_slow_interval_us;
    if (batch.empty() || wall_us - d.last_sent_us[f] < interval) continue;
    d.last_sent_us[f] = wall_us;
    // Faults are taken whether anyone listens or not, so every symbol sees them alike.
    const bool drop = faults_.take_book_drop(index * 2 + f);
    std::optional<level_change> crossed;
    if (faults_.take_book_cross(index * 2 + f) && !book.asks().empty()) {
      crossed = level_change{true, book.asks().begin()->first, book.asks().begin()->second};
    }
    const auto kind = f == 0 ? stream_kind::depth_fast : stream_kind::depth_slow;
    const auto& subs = subscribers_[index * stream_kinds + static_cast<std::size_t>(kind)];
    if (!drop) {
      std::array<frame_ptr, 4> variants;
      for (session* s : subs) {
        const std::size_t v =
            (s->combined() ? 2u : 0u) + (s->unit() == time_unit::microsecond ? 1u : 0u);
        if (!variants[v]) {
          variants[v] = make_frame(encode_depth_update(walk.spec(), f == 0, batch, wall_us,
                                                       s->unit(), fmt_, s->combined(), crossed));
        }
        s->deliver(variants[v]);
      }
    }
    batch.clear();
  }
}

std::pair<unsigned, std::string> endpoint::depth_snapshot(std::string_view target) {
  constexpr unsigned bad_request = 400;
  const auto symbol = rest::query_value(target, "symbol");
  if (symbol.empty()) {
    return {
        bad_request,
        R"({"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."})"};
  }
  const auto index = model_.find(symbol);
  if (!index || !books_) return {bad_request, R"({"code":-1121,"msg":"Invalid symbol."})"};
  std::size_t limit = depth_default_limit;
  if (const auto text = rest::query_value(target, "limit"); !text.empty()) {
    std::size_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v == 0) {
      return {
          bad_request,
          R"({"code":-1100,"msg":"Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'."})"};
    }
    limit = std::min(v, depth_max_limit);
  }
  books_->activate();
  const symbol_spec& spec = model_.symbol(*index).spec();
  if (faults_.take_book_stale() && depth_[*index].live) {
    return {200, encode_depth_snapshot(spec, depth_[*index].older, limit, fmt_)};
  }
  return {200, encode_depth_snapshot(spec, copy_of(books_->book(*index)), limit, fmt_)};
}

// ---- session ---------------------------------------------------------------------------

session::session(endpoint& ep, target_info target)
    : endpoint_(ep),
      combined_(target.combined),
      unit_(target.unit),
      initial_(std::move(target.streams)) {}

session::~session() {
  for (const auto& s : streams_) {
    if (auto slot = endpoint_.slot_of(s)) endpoint_.remove_subscriber(*slot, this);
  }
}

unsigned session::max_incoming_per_sec() const noexcept {
  return endpoint_.max_incoming_per_sec();
}

void session::on_open(connection& conn) {
  conn_ = &conn;
  for (const auto& s : initial_) subscribe(s);
  initial_.clear();
  initial_.shrink_to_fit();
}

void session::deliver(const frame_ptr& frame) {
  if (conn_ && conn_->send(frame)) {
    ++endpoint_.stats_.frames_sent;
  } else {
    ++endpoint_.stats_.frames_refused;
  }
}

bool session::subscribe(const std::string& stream) {
  if (std::find(streams_.begin(), streams_.end(), stream) != streams_.end()) return true;
  if (streams_.size() >= max_streams_per_connection) return false;
  streams_.push_back(stream);
  if (auto slot = endpoint_.slot_of(stream)) {
    endpoint_.add_subscriber(*slot, this);
    const auto kind = static_cast<stream_kind>(*slot % stream_kinds);
    if (endpoint_.books_ && (kind == stream_kind::depth_fast || kind == stream_kind::depth_slow)) {
      endpoint_.books_->activate();
    }
  } else {
    // Binance acks any well-formed name; nothing will ever arrive on this one.
    log().debug("binance: connection {} subscribed to '{}', which the sim does not produce",
                conn_ ? conn_->id() : 0, stream);
  }
  return true;
}

void session::unsubscribe(std::string_view stream) {
  const auto it = std::find(streams_.begin(), streams_.end(), stream);
  if (it == streams_.end()) return;
  if (auto slot = endpoint_.slot_of(stream)) endpoint_.remove_subscriber(*slot, this);
  streams_.erase(it);
}

void session::reply(std::string text) {
  if (conn_) conn_->send(make_frame(std::move(text)));
}

void session::reply_error(int code, std::string_view msg, std::string_view id) {
  std::string out = R"({"error":{"code":)";
  json::append_int(out, code);
  out.append(",\"msg\":");
  json::append_string(out, msg);
  out.push_back('}');
  if (!id.empty()) {
    out.append(",\"id\":");
    out.append(id);
  }
  out.push_back('}');
  reply(std::move(out));
}

void session::on_server_shutdown() {
  reply(encode_server_shutdown(wall_us(), unit_, combined_));
}

void session::on_text(std::string_view message) {
  auto& reader = *endpoint_.reader_;
  reader.padded.reserve(message.size() + simdjson::SIMDJSON_PADDING);
  reader.padded.assign(message);
  // Valid until the next request is parsed, which cannot happen before this one is answered.
  simdjson::dom::element doc;
  if (const auto err = reader.parser.parse(reader.padded).get(doc)) {
    return reply_error(3, "Invalid JSON: " + std::string(invalid_json_what(err)), {});
  }
  simdjson::dom::object req;
  if (doc.get(req)) return reply_error(2, "Invalid request: expected a JSON object", {});
  const auto id = id_json(req);
  if (!id) return reply_error(2, "Invalid request: request ID must be an unsigned integer", {});

  simdjson::dom::element method;
  if (req["method"].get(method)) {
    return reply_error(2, "Invalid request: missing field `method`", *id);
  }
  std::string_view m;
  if (method.get(m)) return reply_error(2, "Invalid request: method must be a string", *id);

  if (m == "SUBSCRIBE" || m == "UNSUBSCRIBE") {
    const auto params = string_params(req);
    if (!params) return reply_error(2, "Invalid request: missing field `params`", *id);
    for (const auto& s : *params) {
      if (!valid_stream_name(s)) {
        reply_error(2, "Invalid request: invalid stream", *id);
        if (conn_) conn_->close(close_code::policy_violation, "invalid stream");
        return;
      }
    }
    if (m == "SUBSCRIBE") {
      for (const auto& s : *params) {
        if (!subscribe(s)) return reply_error(2, "Invalid request: too many streams", *id);
      }
    } else {
      for (const auto& s : *params) unsubscribe(s);
    }
    return reply(result_reply("null", *id));
  }

  if (m == "LIST_SUBSCRIPTIONS") {
    std::string list = "[";
    for (const auto& s : streams_) {
      if (list.size() > 1) list.push_back(',');
      json::append_string(list, s);
    }
    list.push_back(']');
    return reply(result_reply(list, *id));
  }

  if (m == "SET_PROPERTY" || m == "GET_PROPERTY") {
    simdjson::dom::array params;
    std::string_view name;
    if (req["params"].get(params) || params.at(0).get(name)) {
      return reply_error(2, "Invalid request: property name must be a string", *id);
    }
    if (name != "combined") return reply_error(0, "Unknown property", *id);
    if (m == "GET_PROPERTY") return reply(result_reply(combined_ ? "true" : "false", *id));
    bool value = false;
    if (params.size() != 2 || params.at(1).get(value)) {
      return reply_error(1, "Invalid value type: expected Boolean", *id);
    }
    combined_ = value;
    return reply(result_reply("null", *id));
  }

  reply_error(2,
              "Invalid request: unknown variant `" + std::string(m) +
                  "`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, "
                  "`SET_PROPERTY`, `GET_PROPERTY`",
              *id);
}

}  // namespace tickerd::sim::binance
