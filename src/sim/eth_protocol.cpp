#include "sim/eth_protocol.hpp"

#include <simdjson.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <cmath>
#include <new>

#include "sim/sim_hash.hpp"
#include "sim/sim_log.hpp"
#include "tickerd/core/clock.hpp"
#include "tickerd/core/json_writer.hpp"
#include "tickerd/net.hpp"

namespace tickerd::sim::eth {

namespace dom = simdjson::dom;

namespace {

constexpr std::size_t max_request_depth = 16;
constexpr std::size_t initial_request_capacity = 4096;
constexpr std::uint64_t max_fee_history_blocks = chain::kept_blocks;
constexpr std::string_view chain_id = "0x1";  // mainnet
constexpr std::uint64_t block_size = 0x220;   // bytes of an empty post-Cancun block
constexpr std::string_view zero_hash =
    "0x0000000000000000000000000000000000000000000000000000000000000000";

std::string hex(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  char buf[16];
  std::size_t n = 0;
  do {
    buf[n++] = digits[v & 0xf];
    v >>= 4;
  } while (v != 0);
  std::string out = "0x";
  while (n > 0) out.push_back(buf[--n]);
  return out;
}

std::string quoted_hex(std::uint64_t v) {
  return '"' + hex(v) + '"';
}

// A JSON-RPC QUANTITY: "0x" and hex digits.
bool parse_quantity(std::string_view text, std::uint64_t& out) {
  if (text.size() < 3 || text.size() > 18 || !text.starts_with("0x")) return false;
  const auto r = std::from_chars(text.data() + 2, text.data() + text.size(), out, 16);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

// gasUsedRatio as a JSON number with six decimals at most ("0.512345", "1").
std::string ratio_text(std::uint64_t used) {
  const std::uint64_t millionths = used * 1'000'000 / gas_limit;
  if (millionths % 1'000'000 == 0) return std::to_string(millionths / 1'000'000);
  std::string frac = std::to_string(millionths % 1'000'000);
  frac.insert(0, 6 - frac.size(), '0');
  while (frac.back() == '0') frac.pop_back();
  return std::to_string(millionths / 1'000'000) + "." + frac;
}

std::string subscription_id(std::uint64_t seed, std::uint64_t n) {
  std::uint64_t z = seed ^ (n * 0x9e3779b97f4a7c15ULL);
  std::string out = "0x";
  static constexpr char digits[] = "0123456789abcdef";
  for (int word = 0; word < 2; ++word) {
    const std::uint64_t x = splitmix64(z);
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(x >> shift) & 0xf]);
  }
  return out;
}

struct params_error {
  std::string message;  // empty: none
};

}  // namespace

std::string encode_header(const block& b) {
  std::string out = R"({"parentHash":")";
  out += b.parent_hash;
  out += R"(","sha3Uncles":"0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")";
  out += R"(,"miner":"0x95222290dd7278aa3ddd389cc1e1d165cc4bafe5")";
  out += R"(,"stateRoot":")";
  out += zero_hash;
  out += R"(","transactionsRoot":")";
  out += zero_hash;
  out += R"(","receiptsRoot":")";
  out += zero_hash;
  out += R"(","logsBloom":"0x)";
  out.append(512, '0');
  out += R"(","difficulty":"0x0","number":)";
  out += quoted_hex(b.number);
  out += R"(,"gasLimit":)";
  out += quoted_hex(gas_limit);
  out += R"(,"gasUsed":)";
  out += quoted_hex(b.gas_used);
  out += R"(,"timestamp":)";
  out += quoted_hex(static_cast<std::uint64_t>(b.timestamp));
  out += R"(,"extraData":"0x7469636b6572642d73696d","mixHash":")";
  out += zero_hash;
  out += R"(","nonce":"0x0000000000000000","baseFeePerGas":)";
  out += quoted_hex(b.base_fee);
  out += R"(,"withdrawalsRoot":")";
  out += zero_hash;
  out += R"(","blobGasUsed":"0x0","excessBlobGas":"0x0","parentBeaconBlockRoot":")";
  out += zero_hash;
  out += R"(","hash":")";
  out += b.hash;
  out += "\"}";
  return out;
}

std::string encode_block(const block& b) {
  // geth's eth_getBlockByNumber(n, false): the header's fields, then the block's own. The sim's
  // blocks carry no transactions, uncles or withdrawals.
  std::string out = encode_header(b);
  out.pop_back();  // the header's closing '}'
  out += R"(,"size":)";
  out += quoted_hex(block_size);
  out += R"(,"transactions":[],"uncles":[],"withdrawals":[]})";
  return out;
}

// ---- endpoint ----------------------------------------------------------------------------

struct endpoint::request_reader {
  dom::parser parser;
  std::string padded;
};

struct endpoint::ticker {
  explicit ticker(net::io_context& ioc) : timer(ioc) {}
  net::steady_timer timer;
  std::chrono::steady_clock::time_point next;
};

endpoint::endpoint(std::uint64_t seed, net::io_context* ioc, std::chrono::milliseconds interval,
                   clock_fn clock)
    : seed_(seed),
      clock_(clock ? std::move(clock) : clock_fn([] { return wall_ms() / 1000; })),
      chain_(seed, clock_()),
      interval_(std::max(interval, std::chrono::milliseconds(1))),
      reader_(std::make_unique<request_reader>()) {
  if (reader_->parser.allocate(initial_request_capacity, max_request_depth)) throw std::bad_alloc();
  if (ioc) {
    ticker_ = std::make_unique<ticker>(*ioc);
    ticker_->next = std::chrono::steady_clock::now() + interval_;
    schedule();
  }
}

endpoint::~endpoint() {
  for (session* s : sessions_) s->endpoint_ = nullptr;
}

void endpoint::schedule() {
  ticker_->timer.expires_at(ticker_->next);
  ticker_->timer.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    produce_block();
    ticker_->next += interval_;  // absolute deadlines: no drift
    schedule();
  });
}

void endpoint::stop() {
  if (ticker_) ticker_->timer.cancel();
}

std::unique_ptr<connection_handler> endpoint::accept(std::string_view target, http_reject& reject) {
  const auto requested = target.substr(0, target.find('?'));
  if (requested != path && requested != "/") {  // "/": "/eth" after the router's prefix cut
    reject.status = 404;
    reject.body = R"({"error":"not found"})";
    return nullptr;
  }
  ++stats_.connections;
  auto s = std::make_unique<session>(*this);
  sessions_.push_back(s.get());
  return s;
}

void endpoint::forget(session* s) {
  const auto it = std::find(sessions_.begin(), sessions_.end(), s);
  if (it == sessions_.end()) return;
  *it = sessions_.back();
  sessions_.pop_back();
}

const block& endpoint::produce_block() {
  const block& b = chain_.produce(clock_());
  ++stats_.blocks;
  const std::string header = encode_header(b);
  for (session* s : sessions_) s->announce(header);
  return b;
}

// ---- session -----------------------------------------------------------------------------

session::session(endpoint& ep) : endpoint_(&ep) {}

session::~session() {
  if (endpoint_) endpoint_->forget(this);
}

void session::on_open(connection& conn) {
  conn_ = &conn;
}

void session::announce(std::string_view header_json) {
  if (!conn_) return;
  for (const auto& id : subscriptions_) {
    std::string text = R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":")";
    text += id;
    text += R"(","result":)";
    text += header_json;
    text += "}}";
    if (conn_->send(make_frame(std::move(text))) && endpoint_) ++endpoint_->stats_.notifications;
  }
}

void session::reply(std::string_view id_json, std::string_view result_json) {
  if (!conn_ || id_json.empty()) return;  // a notification gets no answer
  std::string text = R"({"jsonrpc":"2.0","id":)";
  text += id_json;
  text += R"(,"result":)";
  text += result_json;
  text += '}';
  conn_->send(make_frame(std::move(text)));
}

void session::reply_error(std::string_view id_json, int code, std::string_view message) {
  if (endpoint_) ++endpoint_->stats_.errors;
  if (!conn_ || id_json.empty()) return;
  std::string text = R"({"jsonrpc":"2.0","id":)";
  text += id_json;
  text += R"(,"error":{"code":)";
  json::append_int(text, code);
  text += R"(,"message":)";
  json::append_string(text, message);
  text += "}}";
  conn_->send(make_frame(std::move(text)));
}

void session::on_text(std::string_view message) {
  if (!endpoint_ || !conn_) return;
  ++endpoint_->stats_.requests;
  auto& reader = *endpoint_->reader_;
  reader.padded.reserve(message.size() + simdjson::SIMDJSON_PADDING);
  reader.padded.assign(message);
  dom::element doc;
  if (reader.parser.parse(reader.padded).get(doc)) {
    return reply_error("null", parse_error, "parse error");
  }
  dom::object req;
  if (doc.get(req)) return reply_error("null", invalid_request, "invalid request");

  // The id is echoed as written: a number, a string or null. Absent: a notification.
  std::string id;
  if (dom::element e; !req["id"].get(e)) {
    if (!e.is_null() && !e.is_string() && !e.is_int64() && !e.is_uint64()) {
      return reply_error("null", invalid_request, "invalid request");
    }
    id = simdjson::minify(e);
  }
  std::string_view method;
  if (req["method"].get(method)) {
    return reply_error(id.empty() ? "null" : id, invalid_request, "invalid request");
  }
  dom::array params;
  bool have_params = false;
  if (dom::element p; !req["params"].get(p)) {
    if (p.get(params)) return reply_error(id, invalid_params, "invalid params: not an array");
    have_params = true;
  }
  const auto param = [&](std::size_t i, dom::element& out) {
    return have_params && !params.at(i).get(out);
  };
  const eth::chain& ch = endpoint_->chain_;

  if (method == "eth_subscribe") {
    std::string_view kind;
    dom::element first;
    if (!param(0, first) || first.get(kind)) {
      return reply_error(id, invalid_params, "invalid params: expected a subscription name");
    }
    if (kind != "newHeads") {
      return reply_error(
          id, method_not_found,
          "no \"" + std::string(kind.substr(0, 64)) + "\" subscription in eth namespace");
    }
    if (subscriptions_.size() >= max_subscriptions) {
      return reply_error(id, invalid_request, "too many subscriptions on this connection");
    }
    subscriptions_.push_back(subscription_id(endpoint_->seed_, endpoint_->next_subscription_++));
    return reply(id, '"' + subscriptions_.back() + '"');
  }
  if (method == "eth_unsubscribe") {
    std::string_view sub;
    dom::element first;
    if (!param(0, first) || first.get(sub)) {
      return reply_error(id, invalid_params, "invalid params: expected a subscription id");
    }
    const auto it = std::find(subscriptions_.begin(), subscriptions_.end(), sub);
    if (it == subscriptions_.end()) return reply(id, "false");
    subscriptions_.erase(it);
    return reply(id, "true");
  }
  if (method == "eth_blockNumber") return reply(id, quoted_hex(ch.head().number));
  if (method == "eth_getBlockByNumber") {
    // [block, fullTransactions]: a hex number or a tag; a block not kept (or not yet made) is
    // null, as geth answers for an unknown block.
    dom::element which;
    std::string_view tag;
    if (!param(0, which) || which.get(tag)) {
      return reply_error(id, invalid_params, "invalid params: expected a block number or tag");
    }
    std::uint64_t number = ch.head().number;
    if (tag == "earliest") {
      number = ch.oldest();
    } else if (tag != "latest" && tag != "pending" && tag != "safe" && tag != "finalized" &&
               !parse_quantity(tag, number)) {
      return reply_error(id, invalid_params, "invalid params: not a block number or tag");
    }
    const block* b = ch.find(number);
    return reply(id, b ? encode_block(*b) : std::string("null"));
  }
  if (method == "eth_chainId") return reply(id, '"' + std::string(chain_id) + '"');
  if (method == "eth_maxPriorityFeePerGas") return reply(id, quoted_hex(ch.suggested_tip()));
  if (method != "eth_feeHistory") {
    return reply_error(
        id, method_not_found,
        "the method " + std::string(method.substr(0, 64)) + " does not exist/is not available");
  }

  // eth_feeHistory [blockCount, newestBlock, rewardPercentiles]
  dom::element count_e;
  dom::element newest_e;
  if (!param(0, count_e) || !param(1, newest_e)) {
    return reply_error(id, invalid_params, "invalid params: expected blockCount, newestBlock");
  }
  std::uint64_t count = 0;
  if (std::string_view text; !count_e.get(text)) {
    if (!parse_quantity(text, count)) {
      return reply_error(id, invalid_params, "invalid params: blockCount is not a quantity");
    }
  } else if (count_e.get(count)) {
    return reply_error(id, invalid_params, "invalid params: blockCount is not a quantity");
  }
  if (count == 0 || count > max_fee_history_blocks) {
    return reply_error(id, invalid_params, "invalid params: blockCount must be 1 to 1024");
  }
  std::uint64_t newest = ch.head().number;
  std::string_view tag;
  if (newest_e.get(tag)) {
    return reply_error(id, invalid_params, "invalid params: newestBlock is not a string");
  }
  if (tag == "earliest") {
    newest = ch.oldest();
  } else if (tag != "latest" && tag != "pending" && tag != "safe" && tag != "finalized") {
    if (!parse_quantity(tag, newest)) {
      return reply_error(id, invalid_params, "invalid params: newestBlock is not a block number");
    }
    if (newest > ch.head().number) {
      return reply_error(id, invalid_params,
                         "request beyond head block: requested " + std::to_string(newest) +
                             ", head " + std::to_string(ch.head().number));
    }
    if (newest < ch.oldest()) {
      return reply_error(id, invalid_params, "invalid params: newestBlock is no longer kept");
    }
  }
  std::vector<double> percentiles;
  if (dom::element third; param(2, third) && !third.is_null()) {
    dom::array list;
    if (third.get(list)) {
      return reply_error(id, invalid_params, "invalid params: rewardPercentiles is not an array");
    }
    for (dom::element p : list) {
      double v = 0;
      if (p.get(v) || !(v >= 0 && v <= 100) || (!percentiles.empty() && v < percentiles.back())) {
        return reply_error(id, invalid_params, "invalid reward percentile");
      }
      percentiles.push_back(v);
    }
  }
  const std::uint64_t oldest =
      newest + 1 >= count ? std::max(newest + 1 - count, ch.oldest()) : ch.oldest();
  std::string result = R"({"oldestBlock":)" + quoted_hex(oldest) + R"(,"baseFeePerGas":[)";
  for (std::uint64_t n = oldest; n <= newest; ++n) {
    result += quoted_hex(ch.find(n)->base_fee);
    result += ',';
  }
  result += quoted_hex(next_base_fee(*ch.find(newest)));
  result += R"(],"gasUsedRatio":[)";
  for (std::uint64_t n = oldest; n <= newest; ++n) {
    if (n != oldest) result += ',';
    result += ratio_text(ch.find(n)->gas_used);
  }
  result += ']';
  if (!percentiles.empty()) {
    result += R"(,"reward":[)";
    for (std::uint64_t n = oldest; n <= newest; ++n) {
      if (n != oldest) result += ',';
      result += '[';
      for (std::size_t i = 0; i < percentiles.size(); ++i) {
        if (i != 0) result += ',';
        result += quoted_hex(reward_at(*ch.find(n), percentiles[i]));
      }
      result += ']';
    }
    result += ']';
  }
  result += '}';
  reply(id, result);
}

}  // namespace tickerd::sim::eth
