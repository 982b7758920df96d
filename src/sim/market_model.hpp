// The simulator's synthetic market: one integer random walk per symbol, deterministic by seed.
// Pure (no I/O, no clock): the driver decides when to step, venue encoders decide how to print.
// Every price is an int64 count of ticks and every quantity an int64 count of lot steps, so a
// price is always an exact multiple of the tick size and never passes through double.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/decimal.hpp"

namespace tickerd::sim {

// Static description of one simulated instrument. Tick and lot sizes are powers of ten, so
// price_scale / qty_scale are the number of fraction digits the venue prints.
struct symbol_spec {
  std::string base;   // "BTC"
  std::string quote;  // "USDT"
  int price_scale = 2;
  int qty_scale = 5;
  std::int64_t start_price = 0;      // ticks (mantissa at price_scale)
  double step_bps = 2.0;             // standard deviation of one step, basis points of price
  double trade_notional = 1000.0;    // typical single trade size, in quote currency
  double trades_per_event = 10.0;    // mean trades between two ticker events
  double daily_volume_base = 1.0e6;  // 24 h base volume at start, in base units
  std::int64_t first_trade_id = 1;   // Binance "F"

  std::string native() const { return base + quote; }  // "BTCUSDT"
  decimal price(std::int64_t ticks) const noexcept { return decimal(ticks, price_scale); }
  decimal qty(std::int64_t steps) const noexcept { return decimal(steps, qty_scale); }
  int quote_volume_scale() const noexcept { return price_scale + qty_scale; }
};

// The built-in table: the seed page's coins and their Binance spot filters (see the .cpp).
std::span<const symbol_spec> builtin_specs() noexcept;

// Looks up "BTCUSDT" or "BTC-USDT" (case-insensitive). Symbols outside the table get a
// deterministic generic spec (4 price decimals, 2 quantity decimals, a price derived from the
// name) so load tests can ask for hundreds of symbols. nullopt when the name is malformed.
std::optional<symbol_spec> find_spec(std::string_view name);

// Parses a comma-separated list ("BTCUSDT,ETHUSDT"); empty entries and duplicates are errors.
// On error returns nullopt and sets `error` to a message naming the bad entry.
std::optional<std::vector<symbol_spec>> parse_symbol_list(std::string_view list,
                                                          std::string& error);

// Everything a ticker message shows about one symbol at one event.
struct symbol_state {
  std::uint64_t seq = 0;  // events applied; 0 is the initial state
  // Prices, in ticks.
  std::int64_t last = 0;
  std::int64_t open_24h = 0;  // fixed for the life of the process: the "24 h ago" price
  std::int64_t high_24h = 0;
  std::int64_t low_24h = 0;
  std::int64_t bid = 0;
  std::int64_t ask = 0;
  // Quantities, in lot steps.
  std::int64_t last_qty = 0;
  std::int64_t bid_qty = 0;
  std::int64_t ask_qty = 0;
  std::int64_t volume_base = 0;   // lot steps
  std::int64_t volume_quote = 0;  // mantissa at spec.quote_volume_scale(), exact sum of p*q
  // Trades in the window.
  std::int64_t first_trade_id = 0;
  std::int64_t trade_count = 0;

  std::int64_t last_trade_id() const noexcept { return first_trade_id + trade_count - 1; }
  bool operator==(const symbol_state&) const = default;
};

// (last - open) / open * 100 with `scale` fraction digits, rounded half away from zero.
decimal change_pct(std::int64_t last, std::int64_t open, int scale) noexcept;
// volume_quote / volume_base at the price scale, rounded half away from zero (0 when no volume).
decimal weighted_avg_price(const symbol_spec& spec, const symbol_state& s) noexcept;

// One trade of a market event, in the model's units. The trades of an event walk from the
// previous last price to the new one, all with the taker on the side of the move; the last one
// is the ticker's last price and last quantity, and their sizes add up to the volume the event
// added.
struct trade_print {
  std::int64_t id = 0;     // the model's trade id: one more than the previous trade's
  std::int64_t price = 0;  // ticks
  std::int64_t qty = 0;    // lot steps, >= 1
  bool taker_buy = true;
  bool operator==(const trade_print&) const = default;
};

// Multiplies every symbol's mean trades per event (`--trade-scale`): trades per second are
// rate x trades_per_event x scale, each event a burst of 1 to about twice its mean.
inline constexpr double max_trade_scale = 100.0;

// One symbol's walk. Its PRNG is seeded from (seed, symbol name) only, so the sequence of
// states is the same whatever other symbols exist and however fast events are requested.
class symbol_walk {
 public:
  symbol_walk(symbol_spec spec, std::uint64_t seed);

  const symbol_spec& spec() const noexcept { return spec_; }
  const symbol_state& state() const noexcept { return state_; }
  // Applies one ticker event (a few trades and a price move) and returns the new state.
  const symbol_state& step();
  // The trades of the latest step, oldest first (empty before the first step).
  std::span<const trade_print> trades() const noexcept { return trades_; }
  // From the next step on (0 < scale <= max_trade_scale). Prices do not depend on it: the
  // walk draws the same numbers whatever the scale, only the trade count (and so the volume
  // and the sizes) follows it.
  void set_trade_scale(double scale) noexcept { trade_scale_ = scale; }
  double trade_scale() const noexcept { return trade_scale_; }

 private:
  std::uint64_t next_u64() noexcept;
  double next_unit() noexcept;    // [0, 1)
  double next_normal() noexcept;  // standard normal
  std::int64_t qty_for_notional(double notional) const noexcept;
  // Fills trades_ for one step; returns the event's volume, raised when it cannot give every
  // trade at least one lot step.
  std::int64_t make_trades(std::int64_t from, bool buy, std::int64_t count, std::int64_t volume);

  symbol_spec spec_;
  std::uint64_t rng_;
  // Trade sizes draw from their own stream, so adding trades left every state as it was.
  std::uint64_t trade_rng_;
  symbol_state state_;
  std::vector<trade_print> trades_;
  double trade_scale_ = 1.0;
};

// All simulated symbols; index = position in the configured list.
class market_model {
 public:
  market_model(std::vector<symbol_spec> specs, std::uint64_t seed);

  std::size_t size() const noexcept { return walks_.size(); }
  const symbol_walk& symbol(std::size_t i) const { return walks_[i]; }
  const symbol_state& step(std::size_t i) { return walks_[i].step(); }
  // Every symbol's trade scale (symbol_walk::set_trade_scale).
  void set_trade_scale(double scale) noexcept {
    for (auto& w : walks_) w.set_trade_scale(scale);
  }
  // Index of a native symbol ("BTCUSDT", case-insensitive), or nullopt.
  std::optional<std::size_t> find(std::string_view native) const noexcept;

 private:
  std::vector<symbol_walk> walks_;
  std::vector<std::string> natives_;  // upper case, same index
};

}  // namespace tickerd::sim
