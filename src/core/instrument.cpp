#include "tickerd/core/instrument.hpp"

#include <stdexcept>

namespace tickerd {

namespace {

// Longest base or quote asset accepted; real tickers are far shorter ("1000SATS"), and a bound
// keeps client-supplied channel names from carrying arbitrary payloads.
constexpr std::size_t max_asset_len = 16;

bool valid_asset(std::string_view s) noexcept {
  if (s.empty() || s.size() > max_asset_len) return false;
  for (const char c : s) {
    const bool upper = c >= 'A' && c <= 'Z';
    const bool digit = c >= '0' && c <= '9';
    if (!upper && !digit) return false;
  }
  return true;
}

}  // namespace

std::optional<instrument> instrument::parse(std::string_view canonical) {
  const auto dash = canonical.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view base = canonical.substr(0, dash);
  const std::string_view quote = canonical.substr(dash + 1);
  // valid_asset rejects a second dash in the quote part.
  if (!valid_asset(base) || !valid_asset(quote)) return std::nullopt;
  return instrument{std::string(base), std::string(quote)};
}

void symbol_map::add(std::string native, instrument_id id) {
  if (native.empty()) throw std::invalid_argument("symbol_map: empty native symbol");
  if (id == no_instrument) throw std::invalid_argument("symbol_map: invalid instrument id");
  if (by_native_.contains(native)) {
    throw std::invalid_argument("symbol_map: native symbol '" + native + "' added twice");
  }
  if (id < by_id_.size() && !by_id_[id].empty()) {
    throw std::invalid_argument("symbol_map: instrument id " + std::to_string(id) +
                                " already mapped to '" + by_id_[id] + "'");
  }
  if (id >= by_id_.size()) by_id_.resize(static_cast<std::size_t>(id) + 1);
  by_id_[id] = native;
  by_native_.emplace(native, id);
  entries_.emplace_back(std::move(native), id);
}

instrument_id symbol_map::find(std::string_view native) const noexcept {
  const auto it = by_native_.find(native);
  return it == by_native_.end() ? no_instrument : it->second;
}

const std::string& symbol_map::native(instrument_id id) const {
  static const std::string none;
  return id < by_id_.size() ? by_id_[id] : none;
}

}  // namespace tickerd
