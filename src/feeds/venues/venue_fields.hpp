// Field readers the trade and top-of-book parsers share: plain strings, exact decimals from a
// JSON string or a JSON number's own text, millisecond times, trade ids, and the per-instrument
// trade-id check. Values are read in place from the padded frame; nothing here allocates.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tickerd/core/decimal.hpp"
#include "tickerd/core/instrument.hpp"
#include "tickerd/core/trade.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd::venue_json {

// A key as written, without quotes; empty when it holds an escape (no key of ours does).
std::string_view key_text(const simdjson::ondemand::raw_json_string& key) noexcept;

// The value's type; a null is validated here so callers may treat it as "absent".
feed_errc peek_type(simdjson::ondemand::value& v, simdjson::ondemand::json_type& type) noexcept;

// A string without escapes (symbols, sides, ids, timestamps). Null: present = false.
feed_errc read_text(simdjson::ondemand::value& v, std::string_view& out, bool& present) noexcept;

// A decimal sent as a JSON string ("16578.50"). Null or "": present = false.
feed_errc read_decimal_string(simdjson::ondemand::value& v, decimal& out, bool& present) noexcept;

// A decimal sent as a JSON number (Kraken), from the number's own text, never through double.
// Null: present = false.
feed_errc read_decimal_number(simdjson::ondemand::value& v, decimal& out, bool& present) noexcept;

// Milliseconds since the epoch as a JSON number or a string of digits, returned in µs.
feed_errc read_ms_as_us(simdjson::ondemand::value& v, std::int64_t& us, bool& present) noexcept;

// An unsigned integer sent as a JSON number (book update ids, sequence numbers).
feed_errc read_u64(simdjson::ondemand::value& v, std::uint64_t& out, bool& present) noexcept;

// A trade id sent as a JSON number (its digits) or a string (kept as written).
feed_errc read_trade_id(simdjson::ondemand::value& v, trade_id& out, bool& present) noexcept;

// A JSON boolean; anything else is unexpected_shape (a broken literal is invalid_json).
feed_errc read_bool(simdjson::ondemand::value& v, bool& out) noexcept;

// Per-instrument check of trade ids that a venue numbers consecutively (or at least
// increasingly) per symbol. Per connection: reset() on every new connection.
class trade_sequence {
 public:
  enum class verdict : std::uint8_t {
    fresh,  // the next id (or the first seen): publish it
    gap,    // ids were skipped: publish it, count one gap
    stale,  // at or below the last id seen: a duplicate or an older trade, dropped and counted
  };

  explicit trade_sequence(std::size_t instruments = 0) : last_(instruments), known_(instruments) {}
  void resize(std::size_t instruments) {
    last_.assign(instruments, 0);
    known_.assign(instruments, false);
  }
  void reset() noexcept { std::fill(known_.begin(), known_.end(), false); }

  // `consecutive`: whether a jump of more than one is a gap (false for venues whose ids only
  // increase). Instruments outside the table are always fresh.
  verdict check(instrument_id id, std::uint64_t value, bool consecutive) noexcept;

 private:
  std::vector<std::uint64_t> last_;
  std::vector<bool> known_;
};

// Applies `v` to a parse_result: gap and stale each count one trade gap; true to publish.
inline bool publish_trade(trade_sequence::verdict v, parse_result& result) noexcept {
  if (v != trade_sequence::verdict::fresh) ++result.trade_gaps;
  return v != trade_sequence::verdict::stale;
}

// The streams bit is on: small helper so adapters read as prose.
constexpr bool wants(feed_streams streams, feed_stream s) noexcept {
  return (streams & s) != 0;
}

}  // namespace tickerd::venue_json
