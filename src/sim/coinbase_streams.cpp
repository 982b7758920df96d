#include "sim/coinbase_streams.hpp"

#include <algorithm>
#include <array>

#include "sim/coinbase_encode.hpp"
#include "sim/sim_hash.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::coinbase {
namespace {

constexpr std::size_t match_reserve = 320;

// The value with trailing fraction zeros dropped, as the ticker prints prices.
decimal trimmed(decimal d) noexcept {
  decimal::mantissa_type m = d.mantissa();
  int scale = d.scale();
  while (scale > 0 && m % 10 == 0) {
    m /= 10;
    --scale;
  }
  return decimal(m, scale);
}

}  // namespace

std::int64_t ticker_price(const symbol_spec& spec, const symbol_state& s) noexcept {
  const int bps = price_offset_bps(spec);
  const std::int64_t bid = offset_price(s.bid, bps);
  const std::int64_t ask = std::max(offset_price(s.ask, bps), bid + 1);
  return s.last >= s.ask ? ask : bid;
}

std::string order_id(const symbol_spec& spec, std::int64_t trade_id, bool maker) {
  const std::uint64_t a =
      mix64(fnv1a(product_id(spec)) ^ (static_cast<std::uint64_t>(trade_id) * 2 + (maker ? 1 : 0)));
  const std::uint64_t b = mix64(a);
  constexpr std::array<int, 5> groups{8, 4, 4, 4, 12};  // hex digits per group
  constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  std::uint64_t bits = a;
  int used = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0) out.push_back('-');
    for (int i = 0; i < groups[g]; ++i) {
      if (used == 16) bits = b;
      out.push_back(hex[bits & 0xF]);
      bits >>= 4;
      ++used;
    }
  }
  return out;
}

std::string encode_match(const symbol_spec& spec, const trade_print& t, std::int64_t price_ticks,
                         std::uint64_t sequence, std::int64_t time_us, bool last_match) {
  std::string out;
  out.reserve(match_reserve);
  out.append(last_match ? R"({"type":"last_match","trade_id":)" : R"({"type":"match","trade_id":)");
  json::append_int(out, t.id);
  out.append(R"(,"sequence":)");
  json::append_int(out, static_cast<std::int64_t>(sequence));
  out.append(R"(,"maker_order_id":)");
  json::append_string(out, order_id(spec, t.id, true));
  out.append(R"(,"taker_order_id":)");
  json::append_string(out, order_id(spec, t.id, false));
  out.append(R"(,"time":)");
  append_time(out, time_us);
  out.append(R"(,"product_id":)");
  json::append_string(out, product_id(spec));
  out.append(R"(,"size":)");
  json::append_decimal(out, spec.qty(t.qty));
  out.append(R"(,"price":)");
  json::append_decimal(out, trimmed(spec.price(price_ticks)));
  // The maker's side: a taker buy took a resting sell.
  out.append(t.taker_buy ? R"(,"side":"sell"})" : R"(,"side":"buy"})");
  return out;
}

}  // namespace tickerd::sim::coinbase
