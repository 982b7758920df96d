#include "sim/coinbase_encode.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "sim/sim_hash.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::coinbase {
namespace {

constexpr std::size_t ticker_reserve = 512;
constexpr std::size_t heartbeat_reserve = 160;
constexpr std::int64_t bps_per_unit = 10'000;
constexpr int max_offset_bps = 4;
constexpr std::int64_t us_per_day = 86'400'000'000;
constexpr std::uint64_t sequence_floor = 10'000'000'000;  // 11 digits, like the venue's
constexpr std::uint64_t sequence_spread = 90'000'000'000;
constexpr std::int64_t volume_30d_days = 30;

// __extension__ keeps -Wpedantic quiet about the GCC/Clang 128-bit integer.
__extension__ using int128 = __int128;

// The value with trailing fraction zeros dropped: 1313.80 -> 1313.8, 85205.00 -> 85205.
decimal trimmed(decimal d) noexcept {
  decimal::mantissa_type m = d.mantissa();
  int scale = d.scale();
  while (scale > 0 && m % 10 == 0) {
    m /= 10;
    --scale;
  }
  return decimal(m, scale);
}

void append_price_field(std::string& out, std::string_view key, const symbol_spec& spec,
                        std::int64_t ticks) {
  json::append_key(out, key);
  json::append_decimal(out, trimmed(spec.price(ticks)));
}

void append_qty_field(std::string& out, std::string_view key, decimal d) {
  json::append_key(out, key);
  json::append_decimal(out, d);
}

void append_two(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

std::int64_t saturating_mul(std::int64_t a, std::int64_t b) noexcept {
  const int128 p = static_cast<int128>(a) * b;
  if (p > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(p);
}

}  // namespace

std::string product_id(const symbol_spec& spec) {
  return spec.base + "-" + spec.quote;
}

int price_offset_bps(const symbol_spec& spec) noexcept {
  const std::uint64_t h = fnv1a("coinbase:" + spec.native());
  const int magnitude = 1 + static_cast<int>(h % max_offset_bps);
  return (h >> 32) & 1u ? magnitude : -magnitude;
}

std::int64_t offset_price(std::int64_t ticks, int bps) noexcept {
  const int128 num = static_cast<int128>(ticks) * bps;
  // Round half away from zero: |num| / 10^4 with a half-unit added to the magnitude.
  const int128 mag = ((num < 0 ? -num : num) + bps_per_unit / 2) / bps_per_unit;
  const int128 moved = static_cast<int128>(ticks) + (num < 0 ? -mag : mag);
  if (moved < 1) return 1;
  if (moved > std::numeric_limits<std::int64_t>::max()) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return static_cast<std::int64_t>(moved);
}

void append_time(std::string& out, std::int64_t wall_us) {
  // Floor division, so times before 1970 print correctly too.
  std::int64_t days = wall_us / us_per_day;
  std::int64_t rem = wall_us % us_per_day;
  if (rem < 0) {
    rem += us_per_day;
    --days;
  }
  // civil_from_days (H. Hinnant), for the proleptic Gregorian calendar.
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  const auto secs = static_cast<unsigned>(rem / 1'000'000);
  const auto micros = static_cast<unsigned>(rem % 1'000'000);
  std::array<char, 8> digits{};
  out.push_back('"');
  const auto y = static_cast<unsigned>(std::clamp<std::int64_t>(year, 0, 9999));
  append_two(out, y / 100);
  append_two(out, y % 100);
  out.push_back('-');
  append_two(out, month);
  out.push_back('-');
  append_two(out, day);
  out.push_back('T');
  append_two(out, secs / 3600);
  out.push_back(':');
  append_two(out, secs / 60 % 60);
  out.push_back(':');
  append_two(out, secs % 60);
  out.push_back('.');
  unsigned m = micros;
  for (int i = 5; i >= 0; --i) {
    digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + m % 10);
    m /= 10;
  }
  out.append(digits.data(), 6);
  out.append("Z\"");
}

std::uint64_t sequence_base(const symbol_spec& spec) noexcept {
  return sequence_floor + fnv1a(product_id(spec)) % sequence_spread;
}

std::string encode_ticker(const symbol_spec& spec, const symbol_state& s, std::uint64_t sequence,
                          std::int64_t time_us) {
  const int bps = price_offset_bps(spec);
  const std::int64_t bid = offset_price(s.bid, bps);
  // The offset is monotonic but may merge neighbouring ticks: keep the book uncrossed.
  const std::int64_t ask = std::max(offset_price(s.ask, bps), bid + 1);
  const bool taker_bought = s.last >= s.ask;  // the last trade hit the ask
  const std::int64_t last = taker_bought ? ask : bid;

  std::string out;
  out.reserve(ticker_reserve);
  out.append(R"({"type":"ticker","sequence":)");
  json::append_int(out, static_cast<std::int64_t>(sequence));
  json::append_key(out, "product_id");
  json::append_string(out, product_id(spec));
  append_price_field(out, "price", spec, last);
  append_price_field(out, "open_24h", spec, offset_price(s.open_24h, bps));
  append_qty_field(out, "volume_24h", spec.qty(s.volume_base));
  append_price_field(out, "low_24h", spec, std::min(offset_price(s.low_24h, bps), last));
  append_price_field(out, "high_24h", spec, std::max(offset_price(s.high_24h, bps), last));
  // The model keeps no 30-day window: a steady month at today's volume.
  append_qty_field(out, "volume_30d", spec.qty(saturating_mul(s.volume_base, volume_30d_days)));
  append_price_field(out, "best_bid", spec, bid);
  append_qty_field(out, "best_bid_size", spec.qty(s.bid_qty));
  append_price_field(out, "best_ask", spec, ask);
  append_qty_field(out, "best_ask_size", spec.qty(s.ask_qty));
  json::append_key(out, "side");
  out.append(taker_bought ? "\"buy\"" : "\"sell\"");
  json::append_key(out, "time");
  append_time(out, time_us);
  json::append_key(out, "trade_id");
  json::append_int(out, s.last_trade_id());
  append_qty_field(out, "last_size", spec.qty(s.last_qty));
  out.push_back('}');
  return out;
}

std::string encode_heartbeat(const symbol_spec& spec, const symbol_state& s, std::uint64_t sequence,
                             std::int64_t time_us) {
  std::string out;
  out.reserve(heartbeat_reserve);
  out.append(R"({"type":"heartbeat","sequence":)");
  json::append_int(out, static_cast<std::int64_t>(sequence));
  json::append_key(out, "last_trade_id");
  json::append_int(out, s.last_trade_id());
  json::append_key(out, "product_id");
  json::append_string(out, product_id(spec));
  json::append_key(out, "time");
  append_time(out, time_us);
  out.push_back('}');
  return out;
}

std::string encode_subscriptions(const std::vector<channel_products>& channels) {
  std::string out = R"({"type":"subscriptions","channels":[)";
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.append(R"({"name":)");
    json::append_string(out, channels[i].name);
    out.append(R"(,"product_ids":[)");
    for (std::size_t j = 0; j < channels[i].product_ids.size(); ++j) {
      if (j != 0) out.push_back(',');
      json::append_string(out, channels[i].product_ids[j]);
    }
    out.append("]}");
  }
  out.append("]}");
  return out;
}

std::string encode_error(std::string_view message, std::string_view reason) {
  std::string out = R"({"type":"error","message":)";
  json::append_string(out, message);
  if (!reason.empty()) {
    json::append_key(out, "reason");
    json::append_string(out, reason);
  }
  out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::coinbase
