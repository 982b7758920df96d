#include "tickerd/market/consolidated_bbo.hpp"

#include <algorithm>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace {

venue_mask bit(venue_id v) noexcept {
  return static_cast<venue_mask>(1u << static_cast<unsigned>(v));
}

// `candidate` beats `best` at the same price when it shows more size: the venue where more
// can be done at that price. Equal sizes keep the earlier venue (venue order: deterministic).
bool better_bid(const top_of_book& q, const bbo_side& best) noexcept {
  if (!best.present) return true;
  if (q.bid != best.price) return q.bid > best.price;
  return q.bid_size > best.qty;
}

bool better_ask(const top_of_book& q, const bbo_side& best) noexcept {
  if (!best.present) return true;
  if (q.ask != best.price) return q.ask < best.price;
  return q.ask_size > best.qty;
}

bool same_side(const bbo_side& a, const bbo_side& b) noexcept {
  if (a.present != b.present) return false;
  if (!a.present) return true;
  return a.venue == b.venue && a.price.identical(b.price) && a.qty.identical(b.qty);
}

void append_ts(std::string& out, std::int64_t exchange_ts_us, std::int64_t recv_ts_us) {
  if (exchange_ts_us != 0) {
    json::append_key(out, "ts");
    json::append_int(out, exchange_ts_us);
  }
  json::append_key(out, "recv_ts");
  json::append_int(out, recv_ts_us);
}

void append_spread(std::string& out, decimal bid, decimal ask) {
  decimal spread;
  if (!decimal::sub(ask, bid, spread)) return;  // beyond the decimal range: left out
  json::append_key(out, "spread");
  json::append_decimal(out, spread);
}

}  // namespace

bool consolidated_bbo::on_quote(const top_of_book& quote) {
  const auto v = static_cast<std::size_t>(quote.venue);
  if (v >= venue_count) return false;
  const venue_mask b = bit(quote.venue);
  top_of_book& current = quotes_[v];
  // A replay of an older event (e.g. both connections around a planned reconnect).
  if ((present_ & b) != 0 && quote.exchange_ts_us != 0 &&
      quote.exchange_ts_us < current.exchange_ts_us) {
    return false;
  }
  current = quote;
  present_ |= b;
  quote_fresh_ |= b;
  return recompute();
}

bool consolidated_bbo::on_venue_fresh(venue_id venue, bool fresh) {
  const venue_mask b = bit(venue);
  feed_fresh_ = static_cast<venue_mask>(fresh ? (feed_fresh_ | b) : (feed_fresh_ & ~b));
  return recompute();
}

bool consolidated_bbo::expire(std::int64_t now_us) {
  if (options_.quote_stale_after_us <= 0) return false;
  for (std::size_t v = 0; v < venue_count; ++v) {
    const auto b = static_cast<venue_mask>(1u << v);
    if ((present_ & b) == 0) continue;
    if (now_us - quotes_[v].recv_ts_us > options_.quote_stale_after_us) {
      quote_fresh_ = static_cast<venue_mask>(quote_fresh_ & ~b);
    }
  }
  return recompute();
}

const top_of_book* consolidated_bbo::venue_quote(venue_id venue) const noexcept {
  if ((present_ & bit(venue)) == 0) return nullptr;
  return &quotes_[static_cast<std::size_t>(venue)];
}

bool consolidated_bbo::venue_stale(venue_id venue) const noexcept {
  return (feed_fresh_ & quote_fresh_ & bit(venue)) == 0;
}

bool consolidated_bbo::recompute() {
  auto use = static_cast<venue_mask>(present_ & feed_fresh_ & quote_fresh_);
  consolidated_top next;
  next.stale = use == 0;
  if (next.stale) use = present_;
  next.venues = use;
  for (std::size_t v = 0; v < venue_count; ++v) {
    if ((use & (1u << v)) == 0) continue;
    const top_of_book& q = quotes_[v];
    if (q.has_bid && better_bid(q, next.bid)) {
      next.bid = {q.bid, q.bid_size, q.venue, true, q.exchange_ts_us, q.recv_ts_us};
    }
    if (q.has_ask && better_ask(q, next.ask)) {
      next.ask = {q.ask, q.ask_size, q.venue, true, q.exchange_ts_us, q.recv_ts_us};
    }
  }
  const bool changed = !same_side(next.bid, top_.bid) || !same_side(next.ask, top_.ask) ||
                       next.venues != top_.venues || next.stale != top_.stale;
  // Times follow the latest quotes even when nothing a client trades on moved.
  top_ = next;
  return changed;
}

void encode_bbo(std::string& out, const std::string& symbol, const consolidated_top& top) {
  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  const auto side = [&](const bbo_side& s, std::string_view price, std::string_view qty,
                        std::string_view venue) {
    if (!s.present) return;
    json::append_key(out, price);
    json::append_decimal(out, s.price);
    json::append_key(out, qty);
    json::append_decimal(out, s.qty);
    json::append_key(out, venue);
    json::append_string(out, to_string(s.venue));
  };
  side(top.bid, "bid", "bid_qty", "bid_venue");
  side(top.ask, "ask", "ask_qty", "ask_venue");
  if (top.bid.present && top.ask.present) append_spread(out, top.bid.price, top.ask.price);
  json::append_key(out, "crossed");
  out.append(top.crossed() ? "true" : "false");
  json::append_key(out, "locked");
  out.append(top.locked() ? "true" : "false");
  append_ts(out, std::max(top.bid.exchange_ts_us, top.ask.exchange_ts_us),
            std::max(top.bid.recv_ts_us, top.ask.recv_ts_us));
  json::append_key(out, "venues");
  out.push_back('[');
  bool first = true;
  for (std::size_t i = 0; i < venue_count; ++i) {
    if ((top.venues & (1u << i)) == 0) continue;
    if (!first) out.push_back(',');
    first = false;
    json::append_string(out, to_string(static_cast<venue_id>(i)));
  }
  out.push_back(']');
  json::append_key(out, "stale");
  out.append(top.stale ? "true" : "false");
  out.push_back('}');
}

void encode_venue_bbo(std::string& out, const std::string& symbol, const top_of_book& quote,
                      bool stale) {
  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  json::append_key(out, "venue");
  json::append_string(out, to_string(quote.venue));
  if (quote.has_bid) {
    json::append_key(out, "bid");
    json::append_decimal(out, quote.bid);
    json::append_key(out, "bid_qty");
    json::append_decimal(out, quote.bid_size);
  }
  if (quote.has_ask) {
    json::append_key(out, "ask");
    json::append_decimal(out, quote.ask);
    json::append_key(out, "ask_qty");
    json::append_decimal(out, quote.ask_size);
  }
  if (quote.has_bid && quote.has_ask) append_spread(out, quote.bid, quote.ask);
  append_ts(out, quote.exchange_ts_us, quote.recv_ts_us);
  json::append_key(out, "stale");
  out.append(stale ? "true" : "false");
  out.push_back('}');
}

}  // namespace tickerd
