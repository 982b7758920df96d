// How many recent updates a shard keeps per channel, for `since` resumes and GET /v1/trades:
// the rule docs/PROTOCOL.md ("Resume with `since`") states, by channel family.
#pragma once

#include <algorithm>
#include <cstddef>

#include "tickerd/hub/channel_registry.hpp"

namespace tickerd {

// Top of book and candles change many times a second and each update is the whole state: a
// client that missed more is sent a reset and the current state, which is all it lacked, and
// closed candles are served by GET /v1/candles. 256 updates each of ~470 such channels (11
// symbols, 5 venues) were most of the server's memory (bench/RESULTS.md, "Floor", memory).
inline constexpr std::size_t state_resume_history = 16;

// Book channels are full state too, and the biggest: a book50 update is ~3 KB a venue and ~6 KB
// composed, and 11 symbols x (5 venues + composed) x 4 depths is 264 channels. A client behind
// by more than a few updates is better served the current book than the path to it.
inline constexpr std::size_t book_resume_history = 4;

// Tickers, trades (an update's trades are in no later update, and GET /v1/trades pages through
// them), status, gas, fng and the almanac keep [node] resume_history.
constexpr std::size_t history_depth(channel_kind kind, std::size_t resume_history) noexcept {
  switch (kind) {
    case channel_kind::bbo:
    case channel_kind::venue_bbo:
    case channel_kind::candles:
    case channel_kind::venue_candles:
      return std::min(resume_history, state_resume_history);
    case channel_kind::book:
    case channel_kind::venue_book:
      return std::min(resume_history, book_resume_history);
    default:
      return resume_history;
  }
}

}  // namespace tickerd
