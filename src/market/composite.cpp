#include "tickerd/market/composite.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace {

constexpr int change_pct_scale = 2;
using i128 = decimal::mantissa_type;
__extension__ using u128 = unsigned __int128;

u128 magnitude(i128 v) noexcept {
  return v < 0 ? static_cast<u128>(-(v + 1)) + 1 : static_cast<u128>(v);
}

// a * x > b * y for 128-bit a, b and 64-bit x, y: the products take up to 192 bits, compared
// as (high 128, low 64) pairs.
bool product_greater(u128 a, std::uint64_t x, u128 b, std::uint64_t y) noexcept {
  constexpr int half = 64;
  const auto wide = [](u128 m, std::uint64_t k) {
    const u128 lo = static_cast<u128>(static_cast<std::uint64_t>(m)) * k;
    const u128 hi = static_cast<u128>(static_cast<std::uint64_t>(m >> half)) * k + (lo >> half);
    return std::pair<u128, std::uint64_t>(hi, static_cast<std::uint64_t>(lo));
  };
  const auto pa = wide(a, x);
  const auto pb = wide(b, y);
  return pa.first != pb.first ? pa.first > pb.first : pa.second > pb.second;
}

// Median of the values of `field` among inputs that carry it; false when none do.
template <typename Get>
bool median_of(std::span<const tick> inputs, tick_field field, Get get, decimal& out) {
  std::array<decimal, venue_count> values{};
  std::size_t n = 0;
  for (const auto& t : inputs) {
    if (t.has(field) && n < values.size()) values[n++] = get(t);
  }
  if (n == 0) return false;
  // Insertion sort: at most venue_count values (and std::sort trips GCC 12's -Warray-bounds
  // on arrays this small).
  for (std::size_t i = 1; i < n; ++i) {
    for (std::size_t j = i; j > 0 && values[j] < values[j - 1]; --j) {
      std::swap(values[j], values[j - 1]);
    }
  }
  if (n % 2 == 1) {
    out = values[n / 2];
    return true;
  }
  return decimal::midpoint(values[n / 2 - 1], values[n / 2], out);
}

template <typename Get>
bool sum_of(std::span<const tick> inputs, tick_field field, Get get, decimal& out) {
  // A sum over only some venues would understate the volume: all venues or none.
  bool any = false;
  decimal total;
  for (const auto& t : inputs) {
    if (!t.has(field)) return false;
    if (!any) {
      total = get(t);
      any = true;
    } else if (!decimal::add(total, get(t), total)) {
      return false;
    }
  }
  out = total;
  return any;
}

}  // namespace

bool outside_band(decimal value, decimal reference, std::uint32_t band_bp) noexcept {
  // Both at the finer scale when that fits 128 bits (always, for real prices). Otherwise the
  // coarser operand is over 1.7 times the other, a deviation of 40 % or more, and the finer one
  // is rounded to the coarser scale instead: an error below 10^-8 of that deviation.
  const int scale = std::max(value.scale(), reference.scale());
  decimal v;
  decimal r;
  if (!value.rescale(scale, v) || !reference.rescale(scale, r)) {
    const int coarse = std::min(value.scale(), reference.scale());
    if (!value.rescale(coarse, v) || !reference.rescale(coarse, r)) return true;
  }
  const u128 mv = magnitude(v.mantissa());
  const u128 mr = magnitude(r.mantissa());
  // |v - r| < 2 * 10^38 < 2^128.
  const u128 diff = (v.is_negative() == r.is_negative()) ? (mv > mr ? mv - mr : mr - mv) : mv + mr;
  constexpr std::uint64_t basis_points = 10'000;
  return product_greater(diff, basis_points, mr, band_bp);
}

composite_ticker compose(std::span<const tick> inputs, const compose_options& options) {
  if (options.outlier_band_bp != 0 && inputs.size() >= 3) {
    decimal median;
    if (median_of(
            inputs, tf_last, [](const tick& t) { return t.last; }, median)) {
      std::array<tick, venue_count> kept;
      std::size_t n = 0;
      for (const auto& t : inputs) {
        if (t.has(tf_last) && outside_band(t.last, median, options.outlier_band_bp)) continue;
        if (n < kept.size()) kept[n++] = t;
      }
      if (n != 0 && n < inputs.size()) {
        return compose(std::span<const tick>(kept.data(), n), compose_options{0});
      }
    }
  }
  composite_ticker c;
  tick& v = c.value;
  for (const auto& t : inputs) {
    c.venues = static_cast<venue_mask>(c.venues | (1u << static_cast<unsigned>(t.venue)));
    v.exchange_ts_us = std::max(v.exchange_ts_us, t.exchange_ts_us);
    v.recv_ts_us = std::max(v.recv_ts_us, t.recv_ts_us);
    // A quantity belongs to its venue's price: replacing the price drops the previous
    // venue's quantity, so a price never shows with another venue's size.
    if (t.has(tf_bid) && (!v.has(tf_bid) || t.bid > v.bid)) {
      v.bid = t.bid;
      v.bid_qty = t.bid_qty;
      v.fields =
          static_cast<std::uint16_t>((v.fields & ~tf_bid_qty) | tf_bid | (t.fields & tf_bid_qty));
    }
    if (t.has(tf_ask) && (!v.has(tf_ask) || t.ask < v.ask)) {
      v.ask = t.ask;
      v.ask_qty = t.ask_qty;
      v.fields =
          static_cast<std::uint16_t>((v.fields & ~tf_ask_qty) | tf_ask | (t.fields & tf_ask_qty));
    }
  }
  const auto set = [&v](bool ok, tick_field f) {
    if (ok) v.fields |= f;
  };
  set(median_of(
          inputs, tf_last, [](const tick& t) { return t.last; }, v.last),
      tf_last);
  set(median_of(
          inputs, tf_open, [](const tick& t) { return t.open_24h; }, v.open_24h),
      tf_open);
  set(median_of(
          inputs, tf_high, [](const tick& t) { return t.high_24h; }, v.high_24h),
      tf_high);
  set(median_of(
          inputs, tf_low, [](const tick& t) { return t.low_24h; }, v.low_24h),
      tf_low);
  set(sum_of(
          inputs, tf_volume_base, [](const tick& t) { return t.volume_base; }, v.volume_base),
      tf_volume_base);
  set(sum_of(
          inputs, tf_volume_quote, [](const tick& t) { return t.volume_quote; }, v.volume_quote),
      tf_volume_quote);
  if (v.has(tf_last) && v.has(tf_open)) {
    c.has_change = decimal::change_pct(v.last, v.open_24h, change_pct_scale, c.change_pct);
  }
  return c;
}

namespace {

constexpr int no_venue = -1;

void encode(std::string& out, const std::string& symbol, const composite_ticker& c,
            int single_venue) {
  const tick& v = c.value;
  out.push_back('{');
  json::append_key(out, "symbol");
  json::append_string(out, symbol);
  const auto field = [&](tick_field f, std::string_view key, decimal d) {
    if (!v.has(f)) return;
    json::append_key(out, key);
    json::append_decimal(out, d);
  };
  field(tf_last, "last", v.last);
  field(tf_open, "open_24h", v.open_24h);
  field(tf_high, "high_24h", v.high_24h);
  field(tf_low, "low_24h", v.low_24h);
  if (c.has_change) {
    json::append_key(out, "change_pct");
    json::append_decimal(out, c.change_pct);
  }
  field(tf_volume_base, "volume_base", v.volume_base);
  field(tf_volume_quote, "volume_quote", v.volume_quote);
  field(tf_bid, "bid", v.bid);
  field(tf_bid_qty, "bid_qty", v.bid_qty);
  field(tf_ask, "ask", v.ask);
  field(tf_ask_qty, "ask_qty", v.ask_qty);
  // µs since the epoch (docs/PROTOCOL.md, Conventions); a venue that sent no event time has
  // none to state, so the key is left out rather than written as 0 (1970).
  if (v.exchange_ts_us != 0) {
    json::append_key(out, "ts");
    json::append_int(out, v.exchange_ts_us);
  }
  json::append_key(out, "recv_ts");
  json::append_int(out, v.recv_ts_us);
  if (single_venue != no_venue) {
    json::append_key(out, "venue");
    json::append_string(out, to_string(static_cast<venue_id>(single_venue)));
    json::append_key(out, "stale");
    out.append(c.stale ? "true" : "false");
    out.push_back('}');
    return;
  }
  json::append_key(out, "venues");
  out.push_back('[');
  bool first = true;
  for (std::size_t i = 0; i < venue_count; ++i) {
    if ((c.venues & (1u << i)) == 0) continue;
    if (!first) out.push_back(',');
    first = false;
    json::append_string(out, to_string(static_cast<venue_id>(i)));
  }
  out.push_back(']');
  json::append_key(out, "stale");
  out.append(c.stale ? "true" : "false");
  out.push_back('}');
}

}  // namespace

void encode_ticker(std::string& out, const std::string& symbol, const composite_ticker& c) {
  encode(out, symbol, c, no_venue);
}

void encode_venue_ticker(std::string& out, const std::string& symbol, venue_id venue,
                         const composite_ticker& c) {
  encode(out, symbol, c, static_cast<int>(venue));
}

}  // namespace tickerd
