#include "tickerd/market/ccxt_from_native.hpp"

#include <cstdint>
#include <vector>

#include "tickerd/core/venue.hpp"
#include "tickerd/market/ccxt_json.hpp"

namespace tickerd {
namespace {

namespace dom = simdjson::dom;

bool read_decimal(dom::element value, decimal& out) {
  std::string_view text;
  return value.get_string().get(text) == simdjson::SUCCESS &&
         decimal::parse(text, out) == decimal_errc::ok;
}

bool read_int(dom::element value, std::int64_t& out) {
  return value.get_int64().get(out) == simdjson::SUCCESS;
}

bool read_text(dom::element value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return false;
  out.assign(text);
  return true;
}

bool read_venue(dom::element value, venue_id& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return false;
  const auto v = parse_venue(text);
  if (v) out = *v;
  return v.has_value();
}

// composite.cpp's encode: the keys CCXT's ticker reads; `venue(s)`, `stale` and `recv_ts` are
// only in `info`.
bool read_ticker(dom::object obj, std::string& symbol, composite_ticker& c) {
  struct field_key {
    std::string_view key;
    tick_field field;
    decimal tick::*member;
  };
  static constexpr field_key fields[] = {
      {"last", tf_last, &tick::last},
      {"open_24h", tf_open, &tick::open_24h},
      {"high_24h", tf_high, &tick::high_24h},
      {"low_24h", tf_low, &tick::low_24h},
      {"volume_base", tf_volume_base, &tick::volume_base},
      {"volume_quote", tf_volume_quote, &tick::volume_quote},
      {"bid", tf_bid, &tick::bid},
      {"bid_qty", tf_bid_qty, &tick::bid_qty},
      {"ask", tf_ask, &tick::ask},
      {"ask_qty", tf_ask_qty, &tick::ask_qty},
  };
  bool named = false;
  for (const dom::key_value_pair kv : obj) {
    if (kv.key == "symbol") {
      if (!read_text(kv.value, symbol)) return false;
      named = true;
    } else if (kv.key == "change_pct") {
      if (!read_decimal(kv.value, c.change_pct)) return false;
      c.has_change = true;
    } else if (kv.key == "ts") {
      if (!read_int(kv.value, c.value.exchange_ts_us)) return false;
    } else {
      for (const auto& f : fields) {
        if (kv.key != f.key) continue;
        if (!read_decimal(kv.value, c.value.*f.member)) return false;
        c.value.fields |= f.field;
        break;
      }
    }
  }
  return named;
}

// trade_json.cpp's encode_trade; a venue channel's trades name no venue (the data does).
bool read_trade(dom::object obj, const venue_id* venue, trade& t) {
  bool priced = false;
  bool sized = false;
  bool placed = venue != nullptr;
  if (venue != nullptr) t.venue = *venue;
  for (const dom::key_value_pair kv : obj) {
    if (kv.key == "id") {
      std::string_view text;
      if (kv.value.get_string().get(text) != simdjson::SUCCESS || !trade_id::make(text, t.id)) {
        return false;
      }
    } else if (kv.key == "price") {
      if (!read_decimal(kv.value, t.price)) return false;
      priced = true;
    } else if (kv.key == "qty") {
      if (!read_decimal(kv.value, t.size)) return false;
      sized = true;
    } else if (kv.key == "side") {
      std::string_view text;
      if (kv.value.get_string().get(text) != simdjson::SUCCESS) return false;
      if (text == "buy") {
        t.side = taker_side::buy;
      } else if (text == "sell") {
        t.side = taker_side::sell;
      } else {
        return false;
      }
    } else if (kv.key == "ts") {
      if (!read_int(kv.value, t.exchange_ts_us)) return false;
    } else if (kv.key == "recv_ts") {
      if (!read_int(kv.value, t.recv_ts_us)) return false;
    } else if (kv.key == "venue") {
      if (!read_venue(kv.value, t.venue)) return false;
      placed = true;
    }
  }
  return priced && sized && placed;
}

bool encode_trades(std::string& out, dom::object obj, bool venue_channel) {
  std::string symbol;
  venue_id venue = venue_id::binance;
  dom::array trades;
  bool listed = false;
  bool placed = false;
  for (const dom::key_value_pair kv : obj) {
    if (kv.key == "symbol") {
      if (!read_text(kv.value, symbol)) return false;
    } else if (kv.key == "venue") {
      if (!read_venue(kv.value, venue)) return false;
      placed = true;
    } else if (kv.key == "trades") {
      if (kv.value.get_array().get(trades) != simdjson::SUCCESS) return false;
      listed = true;
    }
  }
  if (symbol.empty() || !listed || placed != venue_channel) return false;
  std::vector<trade> read;
  read.reserve(trades.size());
  for (const dom::element e : trades) {
    dom::object t;
    if (e.get_object().get(t) != simdjson::SUCCESS) return false;
    if (!read_trade(t, placed ? &venue : nullptr, read.emplace_back())) return false;
  }
  encode_ccxt_trades(out, symbol, read);
  return true;
}

// consolidated_bbo.cpp's encode_venue_bbo and encode_bbo: the sides and the time are what
// CCXT's bid/ask ticker shows (each side's venue, spread, crossed, locked: in `info`).
bool encode_top(std::string& out, dom::object obj, bool venue_channel,
                std::string_view native_data) {
  std::string symbol;
  top_of_book quote;
  for (const dom::key_value_pair kv : obj) {
    bool ok = true;
    if (kv.key == "symbol") {
      ok = read_text(kv.value, symbol);
    } else if (kv.key == "bid") {
      ok = read_decimal(kv.value, quote.bid);
      quote.has_bid = true;
    } else if (kv.key == "bid_qty") {
      ok = read_decimal(kv.value, quote.bid_size);
    } else if (kv.key == "ask") {
      ok = read_decimal(kv.value, quote.ask);
      quote.has_ask = true;
    } else if (kv.key == "ask_qty") {
      ok = read_decimal(kv.value, quote.ask_size);
    } else if (kv.key == "ts") {
      ok = read_int(kv.value, quote.exchange_ts_us);
    }
    if (!ok) return false;
  }
  if (symbol.empty()) return false;
  if (venue_channel) {
    encode_ccxt_venue_bbo(out, symbol, quote, native_data);
    return true;
  }
  // The consolidated data states one time, the later side's: both sides carry it.
  consolidated_top top;
  top.bid = {quote.bid, quote.bid_size, venue_id::binance, quote.has_bid, quote.exchange_ts_us, 0};
  top.ask = {quote.ask, quote.ask_size, venue_id::binance, quote.has_ask, quote.exchange_ts_us, 0};
  encode_ccxt_bbo(out, symbol, top, native_data);
  return true;
}

}  // namespace

bool encode_ccxt_from_native(std::string& out, channel_kind kind, std::string_view native_data,
                             simdjson::dom::parser& parser) {
  dom::object obj;
  // parse() copies into its padded buffer: the text is a view into a shared update.
  if (parser.parse(native_data.data(), native_data.size(), true).get_object().get(obj) !=
      simdjson::SUCCESS) {
    return false;
  }
  const auto size = out.size();
  bool ok = false;
  switch (kind) {
    case channel_kind::ticker:
    case channel_kind::venue_ticker: {
      std::string symbol;
      composite_ticker c;
      ok = read_ticker(obj, symbol, c);
      if (ok) encode_ccxt_ticker(out, symbol, c, native_data);
      break;
    }
    case channel_kind::trades:
    case channel_kind::venue_trades:
      ok = encode_trades(out, obj, kind == channel_kind::venue_trades);
      break;
    case channel_kind::bbo:
    case channel_kind::venue_bbo:
      ok = encode_top(out, obj, kind == channel_kind::venue_bbo, native_data);
      break;
    default:
      break;
  }
  if (!ok) out.resize(size);
  return ok;
}

}  // namespace tickerd
