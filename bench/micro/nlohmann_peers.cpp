// nlohmann::json versions of the five venue parsers (see nlohmann_peers.hpp). Each one does the
// work the adapter does on a ticker frame: the whole frame parsed and checked, the same fields
// read, every price and size converted with decimal::parse, the symbol mapped, the same tick
// produced. nlohmann is used without exceptions (parse(..., allow_exceptions = false) and
// get_ptr), as tickerd's hot paths are.
#include "nlohmann_peers.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "feeds/venues/coinbase_adapter.hpp"
#include "feeds/venues/json_frame.hpp"
#include "feeds/venues/kraken_adapter.hpp"
#include "feeds/venues/venue_time.hpp"

namespace tickerd::bench {
namespace {

using json = nlohmann::json;

struct decimal_field {
  std::string_view key;
  decimal tick::*member;
  tick_field bit;
};

// How a venue spells "no value" for a string decimal: Binance never sends "", OKX and Bybit do.
enum class empty_string : std::uint8_t { bad_number, absent };

parse_result failed(feed_errc e) {
  parse_result r;
  r.error = e;
  return r;
}

parse_result control(feed_errc e = feed_errc::ok) {
  parse_result r;
  r.kind = frame_kind::control;
  r.error = e;
  return r;
}

json parse_dom(std::string_view frame) {
  return json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
}

char to_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

symbol_map upper_case(const symbol_map& symbols) {
  symbol_map out;
  for (const auto& [native, id] : symbols.entries()) {
    std::string upper(native);
    for (char& c : upper) c = to_upper(c);
    out.add(std::move(upper), id);
  }
  return out;
}

// The string member `key` of `obj`; null when absent or not a string.
const std::string* string_at(const json& obj, std::string_view key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : it->get_ptr<const json::string_t*>();
}

// A decimal sent as a JSON string. Absent or null leaves the field unset.
feed_errc read_decimal(const json& obj, std::string_view key, decimal& out, bool& present,
                       empty_string empty) {
  present = false;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return feed_errc::ok;
  const auto* text = it->get_ptr<const json::string_t*>();
  if (text == nullptr) return feed_errc::unexpected_shape;
  if (text->empty() && empty == empty_string::absent) return feed_errc::ok;
  if (decimal::parse(*text, out) != decimal_errc::ok) return feed_errc::bad_number;
  present = true;
  return feed_errc::ok;
}

template <std::size_t N>
feed_errc read_decimals(const json& obj, const decimal_field (&fields)[N], tick& t,
                        empty_string empty) {
  for (const auto& f : fields) {
    bool present = false;
    if (auto e = read_decimal(obj, f.key, t.*f.member, present, empty); e != feed_errc::ok) {
      return e;
    }
    if (present) t.fields = static_cast<std::uint16_t>(t.fields | f.bit);
  }
  return feed_errc::ok;
}

// Milliseconds as text, to the protocol's microseconds.
bool parse_ms_as_us(std::string_view text, std::int64_t& us) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  std::int64_t ms = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), ms);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() &&
         venue_json::ms_to_us(ms, us) == feed_errc::ok;
}

void emit(tick& t, venue_id venue, instrument_id id, std::int64_t recv_ts_us,
          std::vector<tick>& out) {
  t.venue = venue;
  t.instrument = id;
  t.recv_ts_us = recv_ts_us;
  out.push_back(t);
}

// ---- Binance: {"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":…,"s":"BTCUSDT",…}} ----

constexpr decimal_field binance_fields[] = {
    {"c", &tick::last, tf_last},
    {"o", &tick::open_24h, tf_open},
    {"h", &tick::high_24h, tf_high},
    {"l", &tick::low_24h, tf_low},
    {"v", &tick::volume_base, tf_volume_base},
    {"q", &tick::volume_quote, tf_volume_quote},
    {"b", &tick::bid, tf_bid},
    {"B", &tick::bid_qty, tf_bid_qty},
    {"a", &tick::ask, tf_ask},
    {"A", &tick::ask_qty, tf_ask_qty},
    {"P", &tick::venue_change_pct, tf_change_pct},
};

class binance_peer final : public peer_parser {
 public:
  explicit binance_peer(const symbol_map& symbols) : symbols_(upper_case(symbols)) {}

  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     std::vector<tick>& out) override {
    const json doc = parse_dom(frame);
    if (doc.is_discarded()) return failed(feed_errc::invalid_json);
    if (!doc.is_object()) return failed(feed_errc::unexpected_shape);
    if (doc.contains("result")) return control();
    const auto data_it = doc.find("data");
    const json& data = data_it == doc.end() ? doc : *data_it;
    if (!data.is_object()) return failed(feed_errc::unexpected_shape);
    if (const auto* event = string_at(data, "e"); event != nullptr && *event != "24hrTicker") {
      return *event == "serverShutdown" ? control() : failed(feed_errc::unexpected_shape);
    }
    const auto* symbol = string_at(data, "s");
    const auto time = data.find("E");
    if (symbol == nullptr || time == data.end() || !time->is_number_integer()) {
      return failed(feed_errc::unexpected_shape);
    }
    tick t;
    if (venue_json::ms_to_us(time->get<std::int64_t>(), t.exchange_ts_us) != feed_errc::ok) {
      return failed(feed_errc::bad_number);
    }
    if (auto e = read_decimals(data, binance_fields, t, empty_string::bad_number);
        e != feed_errc::ok) {
      return failed(e);
    }
    if (!t.has(tf_last)) return failed(feed_errc::unexpected_shape);
    parse_result r;
    const instrument_id id = symbols_.find(*symbol);
    if (id == no_instrument) {
      r.unknown_symbols = 1;
      return r;
    }
    emit(t, venue_id::binance, id, recv_ts_us, out);
    return r;
  }

 private:
  symbol_map symbols_;
};

// ---- OKX: {"arg":{"channel":"tickers",…},"data":[{"instType":"SPOT","instId":…,…}]} ----

constexpr decimal_field okx_fields[] = {
    {"last", &tick::last, tf_last},        {"askPx", &tick::ask, tf_ask},
    {"askSz", &tick::ask_qty, tf_ask_qty}, {"bidPx", &tick::bid, tf_bid},
    {"bidSz", &tick::bid_qty, tf_bid_qty}, {"open24h", &tick::open_24h, tf_open},
    {"high24h", &tick::high_24h, tf_high}, {"low24h", &tick::low_24h, tf_low},
};

class okx_peer final : public peer_parser {
 public:
  explicit okx_peer(const symbol_map& symbols) : symbols_(upper_case(symbols)) {}

  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     std::vector<tick>& out) override {
    if (frame == "pong") return control();
    const json doc = parse_dom(frame);
    if (doc.is_discarded()) return failed(feed_errc::invalid_json);
    if (!doc.is_object()) return failed(feed_errc::unexpected_shape);
    if (const auto* event = string_at(doc, "event"); event != nullptr) {
      return control(*event == "error" ? feed_errc::venue_error : feed_errc::ok);
    }
    if (const auto arg = doc.find("arg"); arg != doc.end() && arg->is_object()) {
      const auto* channel = string_at(*arg, "channel");
      if (channel != nullptr && *channel != "tickers") return failed(feed_errc::unexpected_shape);
    }
    const auto data = doc.find("data");
    if (data == doc.end() || !data->is_array() || data->empty()) {
      return failed(feed_errc::unexpected_shape);
    }
    const std::size_t first_new = out.size();
    parse_result r;
    for (const json& item : *data) {
      if (!item.is_object()) return fail_all(out, first_new, feed_errc::unexpected_shape);
      const auto* inst_id = string_at(item, "instId");
      const auto* ts = string_at(item, "ts");
      tick t;
      if (inst_id == nullptr || ts == nullptr || !parse_ms_as_us(*ts, t.exchange_ts_us)) {
        return fail_all(out, first_new, feed_errc::unexpected_shape);
      }
      if (auto e = read_decimals(item, okx_fields, t, empty_string::absent); e != feed_errc::ok) {
        return fail_all(out, first_new, e);
      }
      if (!t.has(tf_last)) return fail_all(out, first_new, feed_errc::unexpected_shape);
      decimal vol;
      decimal vol_ccy;
      bool have_vol = false;
      bool have_vol_ccy = false;
      if (auto e = read_decimal(item, "vol24h", vol, have_vol, empty_string::absent);
          e != feed_errc::ok) {
        return fail_all(out, first_new, e);
      }
      if (auto e = read_decimal(item, "volCcy24h", vol_ccy, have_vol_ccy, empty_string::absent);
          e != feed_errc::ok) {
        return fail_all(out, first_new, e);
      }
      const instrument_id id = symbols_.find(*inst_id);
      if (id == no_instrument) {
        ++r.unknown_symbols;
        continue;
      }
      // Spot and margin: vol24h in base, volCcy24h in quote; derivatives: volCcy24h in base.
      const auto* inst_type = string_at(item, "instType");
      const bool derivative =
          inst_type != nullptr &&
          (*inst_type == "SWAP" || *inst_type == "FUTURES" || *inst_type == "OPTION");
      if (derivative) {
        if (have_vol_ccy) {
          t.volume_base = vol_ccy;
          t.fields = static_cast<std::uint16_t>(t.fields | tf_volume_base);
        }
      } else {
        if (have_vol) {
          t.volume_base = vol;
          t.fields = static_cast<std::uint16_t>(t.fields | tf_volume_base);
        }
        if (have_vol_ccy) {
          t.volume_quote = vol_ccy;
          t.fields = static_cast<std::uint16_t>(t.fields | tf_volume_quote);
        }
      }
      emit(t, venue_id::okx, id, recv_ts_us, out);
    }
    return r;
  }

 private:
  static parse_result fail_all(std::vector<tick>& out, std::size_t first_new, feed_errc e) {
    out.resize(first_new);
    return failed(e);
  }

  symbol_map symbols_;
};

// ---- Coinbase: {"type":"ticker","sequence":…,"product_id":"BTC-USD","price":…,…} ----

constexpr decimal_field coinbase_fields[] = {
    {"price", &tick::last, tf_last},
    {"open_24h", &tick::open_24h, tf_open},
    {"high_24h", &tick::high_24h, tf_high},
    {"low_24h", &tick::low_24h, tf_low},
    {"volume_24h", &tick::volume_base, tf_volume_base},
    {"best_bid", &tick::bid, tf_bid},
    {"best_bid_size", &tick::bid_qty, tf_bid_qty},
    {"best_ask", &tick::ask, tf_ask},
    {"best_ask_size", &tick::ask_qty, tf_ask_qty},
};

class coinbase_peer final : public peer_parser {
 public:
  explicit coinbase_peer(const symbol_map& symbols) : symbols_(upper_case(symbols)) {
    for (const auto& entry : symbols.entries()) {
      if (entry.second >= last_ticker_.size()) last_ticker_.resize(entry.second + 1u, 0);
    }
  }

  void reset() override { std::fill(last_ticker_.begin(), last_ticker_.end(), 0); }

  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     std::vector<tick>& out) override {
    const json doc = parse_dom(frame);
    if (doc.is_discarded()) return failed(feed_errc::invalid_json);
    if (!doc.is_object()) return failed(feed_errc::unexpected_shape);
    const auto* type = string_at(doc, "type");
    if (type == nullptr) return failed(feed_errc::unexpected_shape);
    if (*type != "ticker")
      return control(*type == "error" ? feed_errc::venue_error : feed_errc::ok);
    const auto* product = string_at(doc, "product_id");
    if (product == nullptr) return failed(feed_errc::unexpected_shape);
    std::uint64_t sequence = 0;
    const auto seq = doc.find("sequence");
    const bool has_sequence = seq != doc.end() && !seq->is_null();
    if (has_sequence) {
      if (!seq->is_number_unsigned()) return failed(feed_errc::unexpected_shape);
      sequence = seq->get<std::uint64_t>();
    }
    tick t;
    if (const auto* time = string_at(doc, "time"); time != nullptr) {
      if (!coinbase_adapter::parse_time_us(*time, t.exchange_ts_us)) {
        return failed(feed_errc::unexpected_shape);
      }
    }
    if (auto e = read_decimals(doc, coinbase_fields, t, empty_string::bad_number);
        e != feed_errc::ok) {
      return failed(e);
    }
    if (!t.has(tf_last)) return failed(feed_errc::unexpected_shape);
    parse_result r;
    const instrument_id id = symbols_.find(*product);
    if (id == no_instrument) {
      r.unknown_symbols = 1;
      return r;
    }
    if (has_sequence) {
      // Sequence numbers are per product: drop duplicates and older messages, count gaps.
      std::uint64_t& last = last_ticker_[id];
      if (last != 0 && sequence <= last) return r;
      if (last != 0 && sequence > last + 1) r.gaps = 1;
      last = sequence;
    }
    emit(t, venue_id::coinbase, id, recv_ts_us, out);
    return r;
  }

 private:
  symbol_map symbols_;
  std::vector<std::uint64_t> last_ticker_;  // by instrument; 0 = none yet
};

// ---- Bybit: {"topic":"tickers.BTCUSDT","ts":…,"type":"snapshot","data":{"symbol":…,…}} ----

constexpr std::string_view bybit_ticker_prefix = "tickers.";
constexpr int fraction_to_percent_digits = 2;

constexpr decimal_field bybit_fields[] = {
    {"lastPrice", &tick::last, tf_last},
    {"highPrice24h", &tick::high_24h, tf_high},
    {"lowPrice24h", &tick::low_24h, tf_low},
    {"prevPrice24h", &tick::open_24h, tf_open},
    {"volume24h", &tick::volume_base, tf_volume_base},
    {"turnover24h", &tick::volume_quote, tf_volume_quote},
};

// "0.0196" -> "1.96": the point moved two places, exactly.
bool fraction_to_percent(decimal fraction, decimal& percent) {
  if (fraction.scale() >= fraction_to_percent_digits) {
    percent = decimal(fraction.mantissa(), fraction.scale() - fraction_to_percent_digits);
    return true;
  }
  // Fewer fraction digits than the point moves: the mantissa gains zeros, at scale 0.
  decimal lifted;
  if (!decimal(fraction.mantissa(), 0)
           .rescale(fraction_to_percent_digits - fraction.scale(), lifted)) {
    return false;
  }
  percent = decimal(lifted.mantissa(), 0);
  return true;
}

class bybit_peer final : public peer_parser {
 public:
  explicit bybit_peer(const symbol_map& symbols) : symbols_(upper_case(symbols)) {}

  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     std::vector<tick>& out) override {
    const json doc = parse_dom(frame);
    if (doc.is_discarded()) return failed(feed_errc::invalid_json);
    if (!doc.is_object()) return failed(feed_errc::unexpected_shape);
    if (const auto success = doc.find("success"); success != doc.end() && success->is_boolean()) {
      return control(success->get<bool>() ? feed_errc::ok : feed_errc::venue_error);
    }
    const auto* topic = string_at(doc, "topic");
    if (topic == nullptr) {
      return doc.contains("op") ? control() : failed(feed_errc::unexpected_shape);
    }
    // This peer reads tickers only: the frames it is measured on.
    if (!std::string_view(*topic).starts_with(bybit_ticker_prefix)) {
      return failed(feed_errc::unexpected_shape);
    }
    if (const auto* type = string_at(doc, "type");
        type != nullptr && *type != "snapshot" && *type != "delta") {
      return failed(feed_errc::unexpected_shape);
    }
    const auto ts = doc.find("ts");
    const auto data = doc.find("data");
    if (ts == doc.end() || !ts->is_number_integer() || data == doc.end() || !data->is_object()) {
      return failed(feed_errc::unexpected_shape);
    }
    const std::string_view symbol = std::string_view(*topic).substr(bybit_ticker_prefix.size());
    if (const auto* s = string_at(*data, "symbol"); s != nullptr && *s != symbol) {
      return failed(feed_errc::unexpected_shape);
    }
    if (symbol.empty()) return failed(feed_errc::unexpected_shape);
    tick t;
    if (venue_json::ms_to_us(ts->get<std::int64_t>(), t.exchange_ts_us) != feed_errc::ok) {
      return failed(feed_errc::bad_number);
    }
    if (auto e = read_decimals(*data, bybit_fields, t, empty_string::absent); e != feed_errc::ok) {
      return failed(e);
    }
    decimal change;
    bool have_change = false;
    if (auto e = read_decimal(*data, "price24hPcnt", change, have_change, empty_string::absent);
        e != feed_errc::ok) {
      return failed(e);
    }
    if (have_change) {
      if (!fraction_to_percent(change, t.venue_change_pct)) return failed(feed_errc::bad_number);
      t.fields = static_cast<std::uint16_t>(t.fields | tf_change_pct);
    }
    parse_result r;
    const instrument_id id = symbols_.find(symbol);
    if (id == no_instrument) {
      r.unknown_symbols = 1;
      return r;
    }
    if (t.fields == 0) return r;
    emit(t, venue_id::bybit, id, recv_ts_us, out);
    return r;
  }

 private:
  symbol_map symbols_;
};

// ---- Kraken v2: {"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":…}]} ----

// nlohmann's own DOM builder, except that a floating-point number is kept as its text: Kraken
// sends prices as JSON numbers, a double cannot carry "0.51200000"'s precision, and tickerd's
// decimals never pass through one. (Integers stay integers and convert exactly.)
class exact_dom_builder : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  using json_sax_dom_parser::json_sax_dom_parser;

  bool number_float(json::number_float_t /*value*/, const json::string_t& text) {
    json::string_t copy(text);
    return string(copy);
  }
};

constexpr decimal_field kraken_fields[] = {
    {"bid", &tick::bid, tf_bid},
    {"bid_qty", &tick::bid_qty, tf_bid_qty},
    {"ask", &tick::ask, tf_ask},
    {"ask_qty", &tick::ask_qty, tf_ask_qty},
    {"last", &tick::last, tf_last},
    {"volume", &tick::volume_base, tf_volume_base},
    {"low", &tick::low_24h, tf_low},
    {"high", &tick::high_24h, tf_high},
    {"change_pct", &tick::venue_change_pct, tf_change_pct},
};

// A JSON number of the exact DOM: a float's text, or an integer.
feed_errc read_number(const json& obj, std::string_view key, decimal& out, bool& present) {
  present = false;
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return feed_errc::ok;
  if (const auto* text = it->get_ptr<const json::string_t*>(); text != nullptr) {
    if (decimal::parse(*text, out) != decimal_errc::ok) return feed_errc::bad_number;
  } else if (it->is_number_integer()) {
    out = decimal(it->get<std::int64_t>(), 0);
  } else {
    return feed_errc::unexpected_shape;
  }
  present = true;
  return feed_errc::ok;
}

class kraken_peer final : public peer_parser {
 public:
  explicit kraken_peer(const symbol_map& symbols) : symbols_(symbols) {}

  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     std::vector<tick>& out) override {
    json doc;
    exact_dom_builder builder(doc, /*allow_exceptions=*/false);
    if (!json::sax_parse(frame.begin(), frame.end(), &builder)) {
      return failed(feed_errc::invalid_json);
    }
    if (!doc.is_object()) return failed(feed_errc::unexpected_shape);
    if (doc.contains("error")) return control(feed_errc::venue_error);
    if (doc.contains("method")) return control();
    const auto* channel = string_at(doc, "channel");
    if (channel == nullptr) return failed(feed_errc::unexpected_shape);
    if (*channel == "heartbeat" || *channel == "status") return control();
    const auto* type = string_at(doc, "type");
    if (*channel != "ticker" || type == nullptr || (*type != "snapshot" && *type != "update")) {
      return failed(feed_errc::unexpected_shape);
    }
    const auto data = doc.find("data");
    if (data == doc.end() || !data->is_array()) return failed(feed_errc::unexpected_shape);
    const std::size_t first_new = out.size();
    parse_result r;
    for (const json& item : *data) {
      const auto* symbol = item.is_object() ? string_at(item, "symbol") : nullptr;
      if (symbol == nullptr) return fail_all(out, first_new, feed_errc::unexpected_shape);
      tick t;
      for (const auto& f : kraken_fields) {
        bool present = false;
        if (auto e = read_number(item, f.key, t.*f.member, present); e != feed_errc::ok) {
          return fail_all(out, first_new, e);
        }
        if (present) t.fields = static_cast<std::uint16_t>(t.fields | f.bit);
      }
      if (t.fields == 0) return fail_all(out, first_new, feed_errc::unexpected_shape);
      decimal change;
      bool have_change = false;
      if (auto e = read_number(item, "change", change, have_change); e != feed_errc::ok) {
        return fail_all(out, first_new, e);
      }
      // Kraken sends no open: "change" is last minus the price 24 h ago.
      if (have_change && t.has(tf_last) && decimal::sub(t.last, change, t.open_24h)) {
        t.fields = static_cast<std::uint16_t>(t.fields | tf_open);
      }
      if (const auto* ts = string_at(item, "timestamp"); ts != nullptr) {
        if (!venue_time::parse_rfc3339_us(*ts, t.exchange_ts_us)) {
          return fail_all(out, first_new, feed_errc::unexpected_shape);
        }
      }
      const instrument_id id = symbols_.find(*symbol);
      if (id == no_instrument) {
        ++r.unknown_symbols;
        continue;
      }
      emit(t, venue_id::kraken, id, recv_ts_us, out);
    }
    return r;
  }

 private:
  static parse_result fail_all(std::vector<tick>& out, std::size_t first_new, feed_errc e) {
    out.resize(first_new);
    return failed(e);
  }

  symbol_map symbols_;
};

}  // namespace

std::unique_ptr<peer_parser> make_nlohmann_peer(venue_id venue, const symbol_map& symbols) {
  switch (venue) {
    case venue_id::binance:
      return std::make_unique<binance_peer>(symbols);
    case venue_id::okx:
      return std::make_unique<okx_peer>(symbols);
    case venue_id::coinbase:
      return std::make_unique<coinbase_peer>(symbols);
    case venue_id::bybit:
      return std::make_unique<bybit_peer>(symbols);
    case venue_id::kraken:
      return std::make_unique<kraken_peer>(symbols);
  }
  throw std::invalid_argument("unknown venue");
}

}  // namespace tickerd::bench
