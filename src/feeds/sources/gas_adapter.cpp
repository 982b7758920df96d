// Ethereum JSON-RPC frames -> gas readings. simdjson's DOM API: a frame every 12 s does not
// need On-Demand's speed, and a response's `id` may follow its `result`, which the DOM reads in
// any order. Errors are values; nothing here throws per message.
#include "feeds/sources/gas_adapter.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::gas {

namespace dom = simdjson::dom;

namespace {

using venue_json::classify;

constexpr int gwei_scale = 9;
constexpr std::string_view subscription_method = "eth_subscription";

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A QUANTITY field: a string holding hex. Absent or null -> `present` false.
feed_errc read_quantity(dom::object obj, std::string_view key, std::uint64_t& out,
                        bool& present) noexcept {
  present = false;
  dom::element e;
  if (obj[key].get(e) != simdjson::SUCCESS || e.is_null()) return feed_errc::ok;
  std::string_view text;
  if (e.get(text) != simdjson::SUCCESS) return feed_errc::unexpected_shape;
  if (parse_quantity(text, out) != quantity_errc::ok) return feed_errc::bad_number;
  present = true;
  return feed_errc::ok;
}

// A fee in wei: a QUANTITY no larger than max_fee_wei.
feed_errc read_fee(dom::element e, std::int64_t& out) noexcept {
  std::string_view text;
  if (e.get(text) != simdjson::SUCCESS) return feed_errc::unexpected_shape;
  std::uint64_t v = 0;
  if (parse_quantity(text, v) != quantity_errc::ok || v > max_fee_wei) return feed_errc::bad_number;
  out = static_cast<std::int64_t>(v);
  return feed_errc::ok;
}

std::string hex_quantity(std::uint64_t v) {
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

// Per tier, the median (the lower one for an even count) of that percentile across blocks.
feed_errc reward_medians(dom::array rewards, std::array<std::int64_t, tier_count>& out) {
  std::array<std::vector<std::int64_t>, tier_count> columns;
  for (dom::element row_element : rewards) {
    dom::array row;
    if (row_element.get(row) != simdjson::SUCCESS || row.size() < tier_count) {
      return feed_errc::unexpected_shape;
    }
    std::size_t k = 0;
    for (dom::element v : row) {
      if (k == tier_count) break;
      std::int64_t wei = 0;
      if (auto e = read_fee(v, wei); e != feed_errc::ok) return e;
      columns[k++].push_back(wei);
    }
  }
  if (columns[0].empty()) return feed_errc::unexpected_shape;  // no block to learn from
  for (std::size_t k = 0; k < tier_count; ++k) {
    auto& c = columns[k];
    const auto mid = c.begin() + static_cast<std::ptrdiff_t>((c.size() - 1) / 2);
    std::nth_element(c.begin(), mid, c.end());
    out[k] = *mid;
  }
  return feed_errc::ok;
}

}  // namespace

// ---- quantities and encoding -------------------------------------------------------------

quantity_errc parse_quantity(std::string_view text, std::uint64_t& out) noexcept {
  if (text.size() < 3 || text[0] != '0' || text[1] != 'x') return quantity_errc::bad_syntax;
  text.remove_prefix(2);
  std::uint64_t v = 0;
  bool overflow = false;
  for (const char c : text) {
    const int d = hex_digit(c);
    if (d < 0) return quantity_errc::bad_syntax;
    if (v > (std::numeric_limits<std::uint64_t>::max() >> 4)) overflow = true;
    v = (v << 4) | static_cast<std::uint64_t>(d);
  }
  if (overflow) return quantity_errc::overflow;  // reported after the syntax is known good
  out = v;
  return quantity_errc::ok;
}

decimal wei_to_gwei(std::int64_t wei) noexcept {
  std::int64_t m = wei;
  int scale = gwei_scale;
  while (scale > 0 && m % 10 == 0) {
    m /= 10;
    --scale;
  }
  return decimal(m, scale);
}

void encode_reading(std::string& out, const reading& r, bool stale) {
  out.append(R"({"chain":"ETH","block":)");
  json::append_int(out, static_cast<std::int64_t>(r.block));
  json::append_key(out, "base_fee_gwei");
  json::append_decimal(out, wei_to_gwei(r.base_fee_wei));
  const bool known = r.priority != priority_source::none;
  const auto tiers = [&](std::string_view key, bool with_base) {
    json::append_key(out, key);
    if (!known) {
      out.append("null");
      return;
    }
    out.push_back('{');
    for (std::size_t k = 0; k < tier_count; ++k) {
      json::append_key(out, tier_names[k]);
      // Both are at most max_fee_wei, so the sum cannot overflow.
      json::append_decimal(out, wei_to_gwei(r.priority_wei[k] + (with_base ? r.base_fee_wei : 0)));
    }
    out.push_back('}');
  };
  tiers("priority_fee_gwei", false);
  tiers("total_gwei", true);
  json::append_key(out, "ts");
  json::append_int(out, r.ts_us);
  json::append_key(out, "stale");
  out.append(stale ? "true" : "false");
  out.push_back('}');
}

// ---- adapter -----------------------------------------------------------------------------

adapter::adapter(sink on_reading) : sink_(std::move(on_reading)) {}

std::string adapter::target(std::string_view url_path) const {
  return url_path.empty() ? std::string("/") : std::string(url_path);
}

std::vector<std::string> adapter::subscribe_messages() const {
  // The current block too: newHeads says nothing until the next block (up to 12 s away).
  return {R"({"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]})",
          R"({"jsonrpc":"2.0","id":2,"method":"eth_getBlockByNumber","params":["latest",false]})"};
}

void adapter::reset() noexcept {
  subscription_.clear();
  outstanding_.clear();
  outgoing_.clear();
  pending_.reset();  // a head from the old connection will not be answered
  fee_history_refused_ = false;
  next_id_ = first_request_id;
}

void adapter::take_outgoing(std::vector<std::string>& out) {
  for (auto& text : outgoing_) out.push_back(std::move(text));
  outgoing_.clear();
}

parse_result adapter::parse(std::string_view frame, std::int64_t recv_ts_us,
                            market_events& /*out*/) noexcept {
  parse_result result;
  result.kind = frame_kind::control;
  const auto fail = [&result](feed_errc e) {
    result.error = e;
    return result;
  };
  if (frame.size() > max_frame_bytes || !frame_.load(frame)) return fail(feed_errc::too_large);
  dom::element root;
  if (auto e = parser_.parse(frame_.data(), frame.size(), false).get(root)) {
    return fail(classify(e));
  }
  dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return fail(feed_errc::unexpected_shape);
  try {
    if (dom::element method; obj["method"].get(method) == simdjson::SUCCESS) {
      return on_notification(obj, recv_ts_us);
    }
    return on_response(obj, recv_ts_us);
  } catch (...) {
    // Only allocation can throw here (a request, the median columns, the sink publishing).
    return fail(feed_errc::too_large);
  }
}

parse_result adapter::on_notification(dom::object obj, std::int64_t recv_ts_us) {
  parse_result result;
  std::string_view method;
  if (obj["method"].get(method) != simdjson::SUCCESS || method != subscription_method) {
    result.error = feed_errc::unexpected_shape;  // a node sends clients no other calls
    return result;
  }
  dom::object params;
  dom::object head;
  std::string_view id;
  if (obj["params"].get(params) != simdjson::SUCCESS ||
      params["subscription"].get(id) != simdjson::SUCCESS ||
      params["result"].get(head) != simdjson::SUCCESS) {
    result.error = feed_errc::unexpected_shape;
    return result;
  }
  if (!subscription_.empty() && id != subscription_) {
    result.kind = frame_kind::control;  // someone else's subscription: not ours to read
    return result;
  }
  reading r;
  if (auto e = read_head(head, recv_ts_us, r); e != feed_errc::ok) {
    result.error = e;
    return result;
  }
  result.kind = frame_kind::data;
  on_head(r, result);
  return result;
}

// A block header (a newHeads notification's result, or eth_getBlockByNumber's block, whose
// extra fields are not read).
feed_errc adapter::read_head(dom::object head, std::int64_t recv_ts_us, reading& r) noexcept {
  bool present = false;
  if (auto e = read_quantity(head, "number", r.block, present); e != feed_errc::ok || !present) {
    return e != feed_errc::ok ? e : feed_errc::unexpected_shape;  // null: a pending block
  }
  if (r.block > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return feed_errc::bad_number;  // the channel carries it as a JSON int64
  }
  std::uint64_t base_fee = 0;
  if (auto e = read_quantity(head, "baseFeePerGas", base_fee, present); e != feed_errc::ok) {
    return e;
  }
  if (!present) return feed_errc::unexpected_shape;  // before London (EIP-1559): no base fee
  if (base_fee > max_fee_wei) return feed_errc::bad_number;
  r.base_fee_wei = static_cast<std::int64_t>(base_fee);
  std::uint64_t seconds = 0;
  if (auto e = read_quantity(head, "timestamp", seconds, present); e != feed_errc::ok) return e;
  constexpr std::int64_t us_per_s = 1'000'000;
  constexpr std::uint64_t max_seconds = std::numeric_limits<std::int64_t>::max() / us_per_s;
  if (present && seconds > max_seconds) return feed_errc::bad_number;
  r.ts_us = present ? static_cast<std::int64_t>(seconds) * us_per_s : recv_ts_us;
  return feed_errc::ok;
}

parse_result adapter::on_response(dom::object obj, std::int64_t recv_ts_us) {
  parse_result result;
  result.kind = frame_kind::control;
  dom::element error;
  const bool is_error = obj["error"].get(error) == simdjson::SUCCESS && !error.is_null();
  std::int64_t id = 0;
  if (obj["id"].get(id) != simdjson::SUCCESS) {
    // An error about a request the node could not even read (its id is null), or not JSON-RPC.
    result.error = is_error ? feed_errc::venue_error : feed_errc::unexpected_shape;
    return result;
  }
  dom::element value;
  const bool has_result = obj["result"].get(value) == simdjson::SUCCESS;
  if (!is_error && !has_result) {
    result.error = feed_errc::unexpected_shape;
    return result;
  }

  if (id == subscribe_id) {
    std::string_view sub;
    if (is_error) {
      result.error = feed_errc::venue_error;  // no heads will come: the feed goes stale
    } else if (value.get(sub) != simdjson::SUCCESS || sub.empty()) {
      result.error = feed_errc::unexpected_shape;
    } else {
      subscription_.assign(sub);
    }
    return result;
  }
  if (id == latest_block_id) return on_latest_block(is_error, value, recv_ts_us);

  const auto it = std::find_if(outstanding_.begin(), outstanding_.end(),
                               [id](const request& r) { return r.id == id; });
  if (it == outstanding_.end()) return result;  // a late reply to a forgotten request
  const request req = *it;
  outstanding_.erase(it);
  const bool for_pending = pending_ && pending_->block == req.block;

  std::array<std::int64_t, tier_count> tiers{};
  feed_errc e = feed_errc::ok;
  if (is_error) {
    e = feed_errc::venue_error;
  } else if (req.kind == request_kind::fee_history) {
    dom::object history;
    dom::array rewards;
    if (value.get(history) != simdjson::SUCCESS ||
        history["reward"].get(rewards) != simdjson::SUCCESS) {
      e = feed_errc::unexpected_shape;
    } else {
      e = reward_medians(rewards, tiers);
    }
  } else {
    std::int64_t tip = 0;
    e = read_fee(value, tip);
    tiers.fill(tip);
  }

  if (e != feed_errc::ok) {
    result.error = e;
    if (req.kind == request_kind::fee_history) {
      // The node refuses (or garbles) fee history: ask for its single suggestion instead,
      // now and for the rest of this connection.
      if (is_error) fee_history_refused_ = true;
      if (for_pending) request_priority(req.block, false);
    } else if (for_pending) {
      publish_pending(result);  // with the last priority learnt, if any
    }
    return result;
  }
  last_priority_wei_ = tiers;
  last_priority_ = req.kind == request_kind::fee_history ? priority_source::fee_history
                                                         : priority_source::max_priority_fee;
  if (for_pending) {
    result.kind = frame_kind::data;
    publish_pending(result);
  }
  return result;
}

parse_result adapter::on_latest_block(bool is_error, dom::element value, std::int64_t recv_ts_us) {
  parse_result result;
  result.kind = frame_kind::control;
  const auto fail = [&result](feed_errc e) {
    result.error = e;
    return result;
  };
  if (is_error) return fail(feed_errc::venue_error);  // newHeads still brings the next block
  if (value.is_null()) return result;                 // no block yet: the first comes by newHeads
  dom::object block;
  if (value.get(block) != simdjson::SUCCESS) return fail(feed_errc::unexpected_shape);
  reading r;
  if (auto e = read_head(block, recv_ts_us, r); e != feed_errc::ok) return fail(e);
  // A head as new already came (by newHeads, or before a reconnect): this is older news.
  if (newest_block_ && r.block <= *newest_block_) return result;
  result.kind = frame_kind::data;
  on_head(r, result);
  return result;
}

void adapter::on_head(const reading& head, parse_result& result) {
  // A head still waiting when the next arrives (a slow node) goes out with the last
  // priority fees learnt rather than not at all.
  if (pending_) publish_pending(result);
  newest_block_ = head.block;
  pending_ = head;
  request_priority(head.block, !fee_history_refused_);
}

void adapter::request_priority(std::uint64_t block, bool fee_history) {
  const std::int64_t id = next_id_++;
  std::string text = R"({"jsonrpc":"2.0","id":)";
  json::append_int(text, id);
  if (fee_history) {
    text += R"(,"method":"eth_feeHistory","params":[")";
    text += hex_quantity(fee_history_blocks);
    text += R"(",")";
    text += hex_quantity(block);
    text += R"(",[)";
    for (std::size_t k = 0; k < tier_count; ++k) {
      if (k != 0) text += ',';
      json::append_int(text, reward_percentiles[k]);
    }
    text += "]]}";
  } else {
    text += R"(,"method":"eth_maxPriorityFeePerGas","params":[]})";
  }
  if (outstanding_.size() >= max_outstanding) outstanding_.erase(outstanding_.begin());
  outstanding_.push_back(
      {id, fee_history ? request_kind::fee_history : request_kind::max_priority_fee, block});
  outgoing_.push_back(std::move(text));
}

void adapter::publish_pending(parse_result& result) {
  reading r = *pending_;
  pending_.reset();
  r.priority = last_priority_;
  r.priority_wei = last_priority_wei_;
  emit(r, result);
}

void adapter::emit(const reading& r, parse_result& result) {
  ++result.readings;
  if (sink_) sink_(r);
}

}  // namespace tickerd::gas
