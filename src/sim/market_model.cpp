#include "sim/market_model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <numbers>

#include "sim/sim_hash.hpp"

namespace tickerd::sim {
namespace {

// Binance spot filters of the seed page's coins (PRICE_FILTER tickSize, LOT_SIZE stepSize) and
// start prices near their late-November-2025 levels. BTC and ETH are the seed page's own
// prices. Filters are from Binance spot exchangeInfo as best known at the time of writing;
// the ones marked (?) could not be confirmed offline and are plausible values, not facts.
//
// | symbol    | tick     | step    | start      | 24 h base volume |
// |-----------|----------|---------|------------|------------------|
// | BTCUSDT   | 0.01     | 0.00001 | 85205.70   | 18 500           |
// | ETHUSDT   | 0.01     | 0.0001  | 2817.02    | 410 000          |
// | BNBUSDT   | 0.01     | 0.001   | 842.31     | 230 000          |
// | SOLUSDT   | 0.01     | 0.001   | 131.42     | 3 900 000        |
// | XRPUSDT   | 0.0001   | 0.1     | 2.0413     | 240 000 000      |
// | DOGEUSDT  | 0.00001  | 1       | 0.14327    | 1 500 000 000    |
// | TRXUSDT   | 0.0001   | 0.1     | 0.2764     | 210 000 000  (?) |
// | TONUSDT   | 0.001    | 0.01    | 1.544      | 15 000 000   (?) |
// | SUIUSDT   | 0.0001   | 0.1     | 1.5213     | 62 000 000       |
// | TRUMPUSDT | 0.001    | 0.001   | 6.482      | 6 000 000    (?) |
// | ONDOUSDT  | 0.0001   | 0.01    | 0.4712     | 48 000 000   (?) |
//
// Columns below: base, quote, price decimals, qty decimals, start ticks, step bps, trade
// notional (USDT), trades per event, 24 h base volume, first trade id.
// NOLINTNEXTLINE(cert-err58-cpp): short strings stay in the SSO buffer, nothing allocates
const std::array<symbol_spec, 11> builtin_table{{
    {"BTC", "USDT", 2, 5, 8'520'570, 1.5, 2000.0, 25.0, 18'500.0, 5'400'000'000},
    {"ETH", "USDT", 2, 4, 281'702, 2.0, 1500.0, 20.0, 410'000.0, 3'100'000'000},
    {"BNB", "USDT", 2, 3, 84'231, 2.0, 800.0, 8.0, 230'000.0, 1'150'000'000},
    {"SOL", "USDT", 2, 3, 13'142, 2.5, 800.0, 12.0, 3'900'000.0, 1'600'000'000},
    {"XRP", "USDT", 4, 1, 20'413, 2.5, 600.0, 12.0, 240'000'000.0, 980'000'000},
    {"DOGE", "USDT", 5, 0, 14'327, 3.0, 400.0, 10.0, 1'500'000'000.0, 1'050'000'000},
    {"TRX", "USDT", 4, 1, 2'764, 1.5, 300.0, 5.0, 210'000'000.0, 470'000'000},
    {"TON", "USDT", 3, 2, 1'544, 3.0, 300.0, 5.0, 15'000'000.0, 190'000'000},
    {"SUI", "USDT", 4, 1, 15'213, 3.5, 400.0, 8.0, 62'000'000.0, 330'000'000},
    {"TRUMP", "USDT", 3, 3, 6'482, 4.0, 300.0, 6.0, 6'000'000.0, 160'000'000},
    {"ONDO", "USDT", 4, 2, 4'712, 3.5, 300.0, 6.0, 48'000'000.0, 175'000'000},
}};

// Longest first where one is a suffix of another ("FDUSD" before "USD").
constexpr std::array<std::string_view, 11> known_quotes{
    "FDUSD", "USDT", "USDC", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY", "USD"};

constexpr std::size_t max_base_len = 20;
// Pull towards the start price per event, so a long run stays near realistic levels.
constexpr double mean_reversion = 2.0e-4;

// __extension__ keeps -Wpedantic quiet about the GCC/Clang 128-bit integer.
__extension__ using int128 = __int128;

constexpr std::int64_t pow10(int n) noexcept {
  std::int64_t r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

std::int64_t saturate(int128 v) noexcept {
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  return v > hi ? hi : static_cast<std::int64_t>(v);
}

std::int64_t add_saturating(std::int64_t a, std::int64_t b) noexcept {
  return saturate(static_cast<int128>(a) + b);
}

// num / den rounded half away from zero; den > 0.
std::int64_t div_round(int128 num, int128 den) noexcept {
  int128 q = num / den;
  int128 r = num % den;
  if (r < 0) r = -r;
  if (2 * r >= den) q += num < 0 ? -1 : 1;
  return static_cast<std::int64_t>(q);
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_alnum_upper(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// Splits "BTCUSDT" / "BTC-USDT" into base and quote; false when it is not a symbol.
bool split_symbol(const std::string& upper, std::string& base, std::string& quote) {
  if (auto dash = upper.find('-'); dash != std::string::npos) {
    base = upper.substr(0, dash);
    quote = upper.substr(dash + 1);
  } else {
    auto it = std::find_if(known_quotes.begin(), known_quotes.end(), [&](std::string_view q) {
      return upper.size() > q.size() && upper.ends_with(q);
    });
    if (it == known_quotes.end()) return false;
    quote = std::string(*it);
    base = upper.substr(0, upper.size() - it->size());
  }
  return is_alnum_upper(base) && is_alnum_upper(quote) && base.size() <= max_base_len &&
         quote.size() <= max_base_len;
}

// 'item' (built by pieces: GCC 12 -O3 warns falsely on operator+ with string_view parts)
std::string quoted(std::string_view item) {
  std::string out;
  out += '\'';
  out.append(item.begin(), item.end());
  out += '\'';
  return out;
}

}  // namespace

std::span<const symbol_spec> builtin_specs() noexcept {
  return builtin_table;
}

std::optional<symbol_spec> find_spec(std::string_view name) {
  std::string base, quote;
  if (!split_symbol(to_upper(name), base, quote)) return std::nullopt;
  for (const auto& s : builtin_table) {
    if (s.base == base && s.quote == quote) return s;
  }
  // Not in the table: a made-up but stable instrument, priced from its name.
  symbol_spec s;
  s.base = base;
  s.quote = quote;
  s.price_scale = 4;
  s.qty_scale = 2;
  const std::uint64_t h = fnv1a(s.native());
  s.start_price = 1'000 + static_cast<std::int64_t>(h % 999'000);  // 0.1000 .. 99.9999
  s.step_bps = 4.0;
  s.trade_notional = 300.0;
  s.trades_per_event = 5.0;
  s.daily_volume_base = 1.0e7 / (static_cast<double>(s.start_price) / 1.0e4);
  s.first_trade_id = 1'000'000 + static_cast<std::int64_t>(h % 100'000'000);
  return s;
}

std::optional<std::vector<symbol_spec>> parse_symbol_list(std::string_view list,
                                                          std::string& error) {
  std::vector<symbol_spec> out;
  while (true) {
    const auto comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    auto spec = find_spec(item);
    if (!spec) {
      error = quoted(item) + " is not a symbol like BTCUSDT or BTC-USDT";
      return std::nullopt;
    }
    const bool dup = std::any_of(
        out.begin(), out.end(), [&](const symbol_spec& s) { return s.native() == spec->native(); });
    if (dup) {
      error = quoted(item) + " is listed twice";
      return std::nullopt;
    }
    out.push_back(std::move(*spec));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

decimal change_pct(std::int64_t last, std::int64_t open, int scale) noexcept {
  if (open <= 0) return decimal(0, scale);
  const int128 num = static_cast<int128>(last - open) * 100 * pow10(scale);
  return decimal(div_round(num, open), scale);
}

decimal weighted_avg_price(const symbol_spec& spec, const symbol_state& s) noexcept {
  if (s.volume_base <= 0) return spec.price(0);
  return spec.price(div_round(s.volume_quote, s.volume_base));
}

symbol_walk::symbol_walk(symbol_spec spec, std::uint64_t seed) : spec_(std::move(spec)) {
  std::uint64_t mix = seed ^ fnv1a(spec_.native());
  rng_ = splitmix64(mix);
  std::uint64_t trade_mix = rng_ ^ fnv1a("trades");
  trade_rng_ = splitmix64(trade_mix);

  auto& s = state_;
  s.last = std::max<std::int64_t>(1, spec_.start_price);
  // The "24 h ago" price: 0.5 % to 3 % away, either side, so change% is never ~0.
  const double off = (0.005 + 0.025 * next_unit()) * (next_unit() < 0.5 ? -1.0 : 1.0);
  s.open_24h = std::max<std::int64_t>(1, std::llround(static_cast<double>(s.last) * (1.0 + off)));
  const std::int64_t top = std::max(s.open_24h, s.last);
  const std::int64_t bottom = std::min(s.open_24h, s.last);
  s.high_24h = top + std::llround(static_cast<double>(top) * (0.002 + 0.013 * next_unit()));
  s.low_24h = std::max<std::int64_t>(
      1, bottom - std::llround(static_cast<double>(bottom) * (0.002 + 0.013 * next_unit())));
  s.ask = s.last;
  s.bid = std::max<std::int64_t>(1, s.last - 1);
  if (s.ask <= s.bid) s.ask = s.bid + 1;
  s.last_qty = qty_for_notional(spec_.trade_notional * (0.02 + 1.98 * next_unit()));
  s.bid_qty = qty_for_notional(spec_.trade_notional * (0.1 + 9.9 * next_unit()));
  s.ask_qty = qty_for_notional(spec_.trade_notional * (0.1 + 9.9 * next_unit()));
  s.volume_base =
      std::max<std::int64_t>(1, std::llround(spec_.daily_volume_base * (0.8 + 0.4 * next_unit()) *
                                             static_cast<double>(pow10(spec_.qty_scale))));
  s.volume_quote = saturate(static_cast<int128>(s.volume_base) * ((s.open_24h + s.last) / 2));
  s.first_trade_id = spec_.first_trade_id;
  const double price = static_cast<double>(s.last) / static_cast<double>(pow10(spec_.price_scale));
  s.trade_count = std::max<std::int64_t>(
      1, std::llround(spec_.daily_volume_base * price / spec_.trade_notional));
}

std::uint64_t symbol_walk::next_u64() noexcept {
  return splitmix64(rng_);
}

double symbol_walk::next_unit() noexcept {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

double symbol_walk::next_normal() noexcept {
  // Box-Muller; 1 - u keeps the log argument in (0, 1].
  const double u1 = 1.0 - next_unit();
  const double u2 = next_unit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::int64_t symbol_walk::qty_for_notional(double notional) const noexcept {
  const double steps = notional * static_cast<double>(pow10(spec_.price_scale + spec_.qty_scale)) /
                       static_cast<double>(std::max<std::int64_t>(1, state_.last));
  return std::max<std::int64_t>(1, std::llround(steps));
}

const symbol_state& symbol_walk::step() {
  auto& s = state_;
  ++s.seq;

  // Price: Gaussian step in whole ticks plus a weak pull to the start level.
  const std::int64_t prev_last = s.last;
  const auto last = static_cast<double>(s.last);
  const double sigma = std::max(0.6, last * spec_.step_bps / 1.0e4);
  const double pull = -(last - static_cast<double>(spec_.start_price)) * mean_reversion;
  const std::int64_t move = std::llround(pull + sigma * next_normal());
  s.last = std::max<std::int64_t>(1, s.last + move);
  s.high_24h = std::max(s.high_24h, s.last);
  s.low_24h = std::min(s.low_24h, s.last);

  // The last trade hit the ask on an up-move, the bid on a down-move.
  const bool buy = move > 0 || (move == 0 && next_unit() < 0.5);
  const std::int64_t spread =
      1 + (next_unit() < 0.3 ? static_cast<std::int64_t>(next_u64() % 3) : 0);
  if (buy) {
    s.ask = s.last;
    s.bid = std::max<std::int64_t>(1, s.last - spread);
  } else {
    s.bid = s.last;
    s.ask = s.last + spread;
  }
  if (s.ask <= s.bid) s.ask = s.bid + 1;
  // The book stays inside the 24 h range (a tick outside it would be a new high or low).
  s.high_24h = std::max(s.high_24h, s.ask);
  s.low_24h = std::min(s.low_24h, s.bid);

  // Trades since the previous event.
  const double mean_trades = spec_.trades_per_event * trade_scale_;
  const auto trades =
      1 + static_cast<std::int64_t>(next_unit() * std::max(0.0, 2.0 * mean_trades - 1.0));
  const double traded =
      spec_.trade_notional * static_cast<double>(trades) * (0.3 + 1.4 * next_unit());
  std::int64_t volume = qty_for_notional(traded);
  s.last_qty =
      std::min(volume, qty_for_notional(spec_.trade_notional * (0.02 + 1.98 * next_unit())));
  volume = make_trades(prev_last, buy, trades, volume);
  s.bid_qty = qty_for_notional(spec_.trade_notional * (0.1 + 9.9 * next_unit()));
  s.ask_qty = qty_for_notional(spec_.trade_notional * (0.1 + 9.9 * next_unit()));
  // Volumes only grow; they saturate instead of wrapping (after ~10^7 BTC events).
  s.volume_base = add_saturating(s.volume_base, volume);
  s.volume_quote =
      saturate(static_cast<int128>(s.volume_quote) + static_cast<int128>(volume) * s.last);
  s.trade_count = add_saturating(s.trade_count, trades);
  return s;
}

std::int64_t symbol_walk::make_trades(std::int64_t from, bool buy, std::int64_t count,
                                      std::int64_t volume) {
  auto& s = state_;
  trades_.clear();
  trades_.reserve(static_cast<std::size_t>(count));
  // A single trade is the whole volume of its event.
  if (count == 1) volume = s.last_qty;
  // What the earlier trades share: at least one lot step each.
  std::int64_t rest = volume - s.last_qty;
  if (rest < count - 1) {
    volume += count - 1 - rest;
    rest = count - 1;
  }
  const std::int64_t first_id = s.last_trade_id() + 1;
  const std::int64_t to = s.last;
  for (std::int64_t k = 0; k + 1 < count; ++k) {
    const std::int64_t prints_left = count - 1 - k;  // this one included
    std::int64_t qty = rest;
    if (prints_left > 1) {
      const double share = static_cast<double>(rest) / static_cast<double>(prints_left);
      const double unit = static_cast<double>(splitmix64(trade_rng_) >> 11) * 0x1.0p-53;
      qty = std::clamp<std::int64_t>(std::llround(share * (0.4 + 1.2 * unit)), 1,
                                     rest - (prints_left - 1));
    }
    rest -= qty;
    // Walking from the previous price to the new one: a taker sweeping the levels in between.
    const std::int64_t price = std::max<std::int64_t>(1, from + (to - from) * (k + 1) / count);
    trades_.push_back({first_id + k, price, qty, buy});
  }
  trades_.push_back({first_id + count - 1, to, s.last_qty, buy});
  return volume;
}

market_model::market_model(std::vector<symbol_spec> specs, std::uint64_t seed) {
  walks_.reserve(specs.size());
  natives_.reserve(specs.size());
  for (auto& spec : specs) {
    natives_.push_back(spec.native());
    walks_.emplace_back(std::move(spec), seed);
  }
}

std::optional<std::size_t> market_model::find(std::string_view native) const noexcept {
  for (std::size_t i = 0; i < walks_.size(); ++i) {
    const std::string& n = natives_[i];
    if (n.size() == native.size() &&
        std::equal(n.begin(), n.end(), native.begin(), [](char a, char b) {
          return a == std::toupper(static_cast<unsigned char>(b));
        })) {
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace tickerd::sim
