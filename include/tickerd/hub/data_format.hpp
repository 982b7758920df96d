// Which encoding of a channel's data a client reads: tickerd's own (native), or CCXT's unified
// structures (docs/PROTOCOL.md "CCXT format"). The native texts are encoded once per update at
// publication; the CCXT ones once per update per node, by the first gateway shard that has a
// client for them (gateway/ccxt_form.hpp). A client's choice only picks which shared text it
// is sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "tickerd/hub/channel_registry.hpp"

namespace tickerd {

enum class data_format : std::uint8_t { native, ccxt };

// "native" or "ccxt"; nullopt for anything else.
constexpr std::optional<data_format> parse_data_format(std::string_view name) noexcept {
  if (name == "native") return data_format::native;
  if (name == "ccxt") return data_format::ccxt;
  return std::nullopt;
}

constexpr std::string_view to_string(data_format f) noexcept {
  return f == data_format::ccxt ? "ccxt" : "native";
}

// Whether channels of this kind are published with a CCXT form: tickers, trades and bbo.
// Status, almanac, gas, fng and candles have no CCXT structure.
constexpr bool has_ccxt_form(channel_kind kind) noexcept {
  switch (kind) {
    case channel_kind::ticker:
    case channel_kind::venue_ticker:
    case channel_kind::trades:
    case channel_kind::venue_trades:
    case channel_kind::bbo:
    case channel_kind::venue_bbo:
      return true;
    default:
      return false;
  }
}

}  // namespace tickerd
