// Small helpers the venues' REST encoders (*_rest.cpp) share. Pure string building.
#pragma once

#include <span>
#include <string>

#include "sim/market_model.hpp"

namespace tickerd::sim::rest {

// 10^-scale as decimal text with at least `min_digits` fraction digits: (2, 8) ->
// "0.01000000", (0, 0) -> "1", (2, 0) -> "0.01".
std::string step_text(int scale, int min_digits = 0);

// The configured symbols (nonempty specs of the model), in order.
using specs = std::span<const symbol_spec>;

}  // namespace tickerd::sim::rest
