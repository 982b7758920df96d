// The exchanges tickerd knows how to read.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tickerd {

enum class venue_id : std::uint8_t { binance, okx, coinbase, bybit, kraken };
inline constexpr std::size_t venue_count = 5;

std::string_view to_string(venue_id v) noexcept;
std::optional<venue_id> parse_venue(std::string_view name) noexcept;

}  // namespace tickerd
