// The channels that exist, fixed at start-up from the configured instruments and feeds, and
// the wildcards over them. Immutable after construction: shared by the ingest thread and every
// gateway shard.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/venue.hpp"

namespace tickerd {

using channel_id = std::uint32_t;

// A wildcard names a set of channels ("ticker.*": every composite ticker). Each channel belongs
// to at most one wildcard, so delivering an update finds its wildcard subscribers in O(1).
using wildcard_id = std::uint8_t;
inline constexpr wildcard_id no_wildcard = 0xff;

enum class channel_kind : std::uint8_t {
  ticker,        // "ticker.BTC-USDT": the composite over venues
  venue_ticker,  // "ticker.BTC-USDT@binance": one venue's normalized ticker
  status,
  almanac,  // "almanac": the daily crypto almanac
  gas,      // "gas.ETH": Ethereum fees
  fng,      // "fng": the Fear & Greed index
  // Channel families of issue 17, present only when channel_families turns them on.
  trades,         // "trades.BTC-USDT": the consolidated tape, every venue's trades
  venue_trades,   // "trades.BTC-USDT@binance"
  bbo,            // "bbo.BTC-USDT": the consolidated best bid and ask
  venue_bbo,      // "bbo.BTC-USDT@binance"
  candles,        // "candles.BTC-USDT.1m": from the consolidated tape
  venue_candles,  // "candles.BTC-USDT@binance.1m"
  // Issue 18's depth channels, present only when channel_families::books is on.
  book,        // "book20.BTC-USDT": the venues' books composed
  venue_book,  // "book20.BTC-USDT@binance": one venue's book
};

// Which channel families exist beyond the 24 h tickers, status, almanac, gas and fng. All off
// by default: each is turned on once its data is published (a channel that never gets data
// would be a promise the server does not keep).
struct channel_families {
  bool trades = false;   // trades.X-Y, trades.X-Y@venue; wildcards trades.*, trades.*@venue
  bool bbo = false;      // bbo.X-Y, bbo.X-Y@venue; wildcards bbo.*, bbo.*@venue
  bool candles = false;  // candles.X-Y.<interval>, candles.X-Y@venue.<interval>; no wildcard
  bool venue_ticker_wildcards = false;  // ticker.*@venue
  bool books = false;  // book<N>.X-Y, book<N>.X-Y@venue for N in book_depths; no wildcard
};

// The depths (levels a side) of the book channels, by index: book1, book10, book20, book50.
using book_depth_index = std::uint8_t;
inline constexpr std::array<std::size_t, 4> book_depths{1, 10, 20, 50};
// The index of a depth in book_depths; none for any other number.
constexpr std::optional<book_depth_index> book_depth_index_of(std::size_t depth) noexcept {
  for (std::size_t k = 0; k < book_depths.size(); ++k) {
    if (book_depths[k] == depth) return static_cast<book_depth_index>(k);
  }
  return std::nullopt;
}

// Candle intervals by index, in the order of market/candle.hpp's candle_interval.
using candle_interval_index = std::uint8_t;
inline constexpr std::array<std::string_view, 6> candle_interval_names{"1m", "5m", "15m",
                                                                       "1h", "4h", "1d"};

struct channel_info {
  std::string name;  // "ticker.BTC-USDT", "ticker.BTC-USDT@okx", "status", "gas.ETH"…
  channel_kind kind = channel_kind::ticker;
  instrument_id instrument = no_instrument;
  venue_id venue = venue_id::binance;  // venue_ticker, venue_trades, venue_bbo, venue_candles
  candle_interval_index interval = 0;  // candles and venue_candles only
  book_depth_index depth = 0;          // book and venue_book only: index in book_depths
};

struct wildcard_info {
  std::string name;                 // "ticker.*"
  std::vector<channel_id> members;  // ascending
};

class channel_registry {
 public:
  static constexpr std::string_view ticker_wildcard = "ticker.*";
  // The most wildcards a registry defines (subscriber_index keeps one bit per wildcard).
  static constexpr std::size_t max_wildcards = 64;

  // Composite tickers for every instrument, one venue ticker per instrument and configured
  // venue, then status, almanac, gas.ETH and fng; then, per family turned on, its channels
  // (consolidated, then per venue; candles per interval). Wildcard 0 is "ticker.*".
  explicit channel_registry(const std::vector<instrument>& instruments,
                            std::span<const venue_id> venues = {}, channel_families families = {});

  std::optional<channel_id> find(std::string_view name) const noexcept;
  const channel_info& info(channel_id id) const { return channels_.at(id); }
  std::size_t size() const noexcept { return channels_.size(); }

  channel_id ticker(instrument_id id) const { return ticker_ids_.at(id); }
  std::span<const channel_id> tickers() const noexcept { return ticker_ids_; }
  channel_id status() const noexcept { return status_id_; }
  channel_id almanac() const noexcept { return status_id_ + 1; }
  channel_id gas_eth() const noexcept { return status_id_ + 2; }
  channel_id fng() const noexcept { return status_id_ + 3; }
  // The venue ticker channel, if that venue is configured.
  std::optional<channel_id> venue_ticker(instrument_id id, venue_id venue) const noexcept;
  // The families' channels: none when the family is off (or the venue not configured).
  std::optional<channel_id> trades(instrument_id id) const noexcept;
  std::optional<channel_id> venue_trades(instrument_id id, venue_id venue) const noexcept;
  std::optional<channel_id> bbo(instrument_id id) const noexcept;
  std::optional<channel_id> venue_bbo(instrument_id id, venue_id venue) const noexcept;
  std::optional<channel_id> candles(instrument_id id,
                                    candle_interval_index interval) const noexcept;
  std::optional<channel_id> venue_candles(instrument_id id, venue_id venue,
                                          candle_interval_index interval) const noexcept;
  // Book channels by depth index (book_depths): none when books are off.
  std::optional<channel_id> book(instrument_id id, book_depth_index depth) const noexcept;
  std::optional<channel_id> venue_book(instrument_id id, venue_id venue,
                                       book_depth_index depth) const noexcept;
  const channel_families& families() const noexcept { return families_; }

  // Wildcards: by name, by id, and the one a channel belongs to (no_wildcard: none).
  std::optional<wildcard_id> find_wildcard(std::string_view name) const noexcept;
  const wildcard_info& wildcard(wildcard_id id) const { return wildcards_.at(id); }
  std::size_t wildcard_count() const noexcept { return wildcards_.size(); }
  wildcard_id wildcard_of(channel_id id) const noexcept {
    return id < wildcard_of_.size() ? wildcard_of_[id] : no_wildcard;
  }
  std::span<const wildcard_id> wildcard_map() const noexcept { return wildcard_of_; }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  void add_wildcard(std::string name, std::vector<channel_id> members);
  // Adds one family's channels for every instrument: the consolidated one, then one per
  // configured venue; per interval for candles.
  void add_family(channel_kind consolidated, channel_kind per_venue, std::string_view prefix,
                  const std::vector<instrument>& instruments, std::span<const venue_id> venues,
                  std::size_t intervals, std::vector<channel_id>& ids,
                  std::vector<channel_id>& venue_ids);
  // The family's wildcards: "<prefix>.*" over `ids`, "<prefix>.*@venue" over each venue's.
  void add_family_wildcards(std::string_view prefix, const std::vector<channel_id>& ids,
                            const std::vector<channel_id>& venue_ids,
                            std::span<const venue_id> venues, bool consolidated);

  std::vector<channel_info> channels_;
  std::vector<channel_id> ticker_ids_;        // by instrument_id
  std::vector<channel_id> venue_ticker_ids_;  // [instrument * venue_count + venue]; none = ~0
  // The families', empty when off. Per venue: [instrument * venue_count + venue]; candles:
  // [(that) * intervals + interval]; none = ~0.
  std::vector<channel_id> trades_ids_, venue_trades_ids_;
  std::vector<channel_id> bbo_ids_, venue_bbo_ids_;
  std::vector<channel_id> candle_ids_, venue_candle_ids_;
  std::array<std::vector<channel_id>, book_depths.size()> book_ids_, venue_book_ids_;
  channel_families families_;
  channel_id status_id_ = 0;
  std::unordered_map<std::string, channel_id, string_hash, std::equal_to<>> by_name_;
  std::vector<wildcard_info> wildcards_;
  std::vector<wildcard_id> wildcard_of_;  // by channel
};

}  // namespace tickerd
