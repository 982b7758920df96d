// Canonical instruments ("BTC-USDT") and their per-venue spellings ("BTCUSDT", "BTC/USD").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tickerd {

// Index into the configured instrument list; stable for the life of the process.
using instrument_id = std::uint16_t;
inline constexpr instrument_id no_instrument = 0xffff;

struct instrument {
  std::string base;   // "BTC"
  std::string quote;  // "USDT"
  std::string symbol() const { return base + "-" + quote; }

  // Parses the canonical "BASE-QUOTE" form: upper-case letters and digits, one dash.
  static std::optional<instrument> parse(std::string_view canonical);
};

// Maps a venue's native symbols to instrument ids and back. Built once at start-up and then
// only read, so one instance may be shared by threads.
class symbol_map {
 public:
  void add(std::string native, instrument_id id);
  // no_instrument when the venue symbol is not configured.
  instrument_id find(std::string_view native) const noexcept;
  const std::string& native(instrument_id id) const;  // empty when absent
  const std::vector<std::pair<std::string, instrument_id>>& entries() const { return entries_; }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, instrument_id, string_hash, std::equal_to<>> by_native_;
  std::vector<std::pair<std::string, instrument_id>> entries_;
  std::vector<std::string> by_id_;
};

}  // namespace tickerd
