// Fault injection for tickerd-sim. A fault is written the same way on the command line
// (--fault VENUE:SPEC) and in the body of POST /faults/<venue>: "KIND[,key=value...]", e.g.
// "stall,ms=3000" or "reset,after=5000,every=20000". This header is pure (no Asio): the spec
// parser, the canonical spelling, the per-venue fault state the server keeps, and the bytes
// a fault puts on the wire (junk text, truncated frames).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickerd::sim {

enum class fault_kind : std::uint8_t {
  reset,         // abrupt TCP reset of the venue's open connections
  close,         // a WebSocket close frame with `code`
  stall,         // open but silent for `duration` (none: until clear)
  garbage,       // `count` text frames of printable junk that is not JSON, now
  invalid_json,  // the next `count` frames of each open connection cut in half
  gap,           // Coinbase: every product skips `count` sequence numbers
  drip,          // every frame written in fragments of `bytes`, `interval` apart, until clear
  refuse,        // drop the open connections and answer upgrades with 503 for `duration`
  max_age,       // close connections at age `duration` (0: back to --max-conn-age-ms)
  clear,         // ends stall, drip, refuse, max_age and pending invalid_json
  // Trade and top-of-book streams (trade_faults.hpp), every venue:
  trade_gap,      // every symbol's trade ids jump by `count`
  trade_dup,      // the next `count` trades are sent twice
  trade_reorder,  // the next `count` pairs of neighbouring trades are sent swapped
  bbo_stall,      // no top of book for `duration` (none: until clear) while trades go on
  // Depth streams (trade_faults.hpp; implemented for Binance so far):
  book_drop,      // the next `count` depth messages of each symbol are not sent (ids consumed)
  book_stale,     // Binance: the next `count` REST depth snapshots are an older book
  book_cross,     // the next `count` depth messages of each symbol add a bid at the best ask
  book_checksum,  // Kraken: the next `count` book messages of each symbol carry a wrong checksum
};
inline constexpr std::size_t fault_kind_count = 18;

std::string_view to_string(fault_kind k) noexcept;
std::optional<fault_kind> parse_fault_kind(std::string_view name) noexcept;

namespace fault_limits {
inline constexpr std::uint16_t default_close_code = 1011;  // internal error
inline constexpr std::chrono::milliseconds default_drip_interval{100};
inline constexpr std::size_t default_drip_bytes = 16;
inline constexpr std::chrono::milliseconds max_duration{7LL * 24 * 3600 * 1000};  // a week
inline constexpr std::chrono::milliseconds max_drip_interval{60'000};
inline constexpr std::size_t max_drip_bytes = 64 * 1024;
// A repeating fault faster than this would only keep the sim's loop busy.
inline constexpr std::chrono::milliseconds min_every{100};
// garbage frames are queued at once: stay well under the send queue's frame limit.
inline constexpr std::uint64_t max_garbage_count = 1'000;
inline constexpr std::uint64_t max_invalid_json_count = 1'000'000;
inline constexpr std::uint64_t max_gap_count = 1'000'000'000;
}  // namespace fault_limits

struct fault {
  fault_kind kind = fault_kind::clear;
  std::uint16_t code = fault_limits::default_close_code;  // close
  // stall (none = until clear), refuse (required), max_age (required; 0 = off).
  std::optional<std::chrono::milliseconds> duration;
  std::chrono::milliseconds drip_interval = fault_limits::default_drip_interval;  // drip
  std::size_t drip_bytes = fault_limits::default_drip_bytes;                      // drip
  std::uint64_t count = 1;  // garbage, invalid_json, gap, trade_*, book_*
  // Scheduling: first applied `after` from now (from start-up for --fault), then every `every`.
  std::optional<std::chrono::milliseconds> after;
  std::optional<std::chrono::milliseconds> every;

  bool scheduled() const noexcept { return after.has_value() || every.has_value(); }
  // The same fault without its scheduling keys: what a scheduled fault applies each time.
  fault unscheduled() const {
    fault f = *this;
    f.after.reset();
    f.every.reset();
    return f;
  }
  friend bool operator==(const fault&, const fault&) = default;
};

struct fault_parse_result {
  std::optional<fault> value;
  std::string error;  // when !value: names the bad kind, key or value
};

// Parses "KIND[,key=value...]". Blanks around the spec, items, keys and values are ignored.
fault_parse_result parse_fault(std::string_view spec);

// The canonical spec, every key spelled out ("close,code=1011", "drip,ms=100,bytes=16"): what
// the sim reports back. parse_fault(to_spec(f)) gives f again.
std::string to_spec(const fault& f);

// Close codes a server may put in a close frame: 1000-1003, 1007-1014, 3000-4999.
bool is_sendable_close_code(unsigned code) noexcept;

// "VENUE:SPEC" as given to --fault; the venue is lower-case, or "all".
struct venue_fault {
  std::string venue;
  fault spec;
};
struct venue_fault_parse_result {
  std::optional<venue_fault> value;
  std::string error;
};
venue_fault_parse_result parse_venue_fault(std::string_view text);

// Empty when `f` can apply to `venue` (a venue name or "all"), else the reason: an unknown
// venue, or a gap anywhere but on Coinbase (the only venue with sequence numbers).
std::string check_venue(const fault& f, std::string_view venue);

// The venues the sim serves, in tickerd's order, as --fault and /faults/<venue> name them.
inline constexpr std::array<std::string_view, 5> fault_venues{"binance", "okx", "coinbase", "bybit",
                                                              "kraken"};
inline constexpr std::string_view all_venues = "all";

// ---- what a fault puts on the wire ------------------------------------------------------

// Junk frame number `n`: printable ASCII that is not JSON (it starts with '~'), different for
// every n and the same for the same n.
std::string garbage_text(std::uint64_t n);

// The first half of `frame`, cut back to a UTF-8 character boundary so it stays a valid text
// frame: a frame that is simply not complete JSON.
std::string truncated_frame(std::string_view frame);

// ---- per-venue state, kept by the sim's server ------------------------------------------

struct drip_settings {
  std::chrono::milliseconds interval{};
  std::size_t bytes = 0;
  friend bool operator==(const drip_settings&, const drip_settings&) = default;
};

struct venue_fault_state {
  using clock = std::chrono::steady_clock;

  bool stall_forever = false;
  clock::time_point stall_until{};
  clock::time_point refuse_until{};
  std::optional<drip_settings> drip;
  std::optional<std::chrono::milliseconds> max_age;  // overrides session_limits::max_age

  // Counters, for GET /faults.
  std::array<std::uint64_t, fault_kind_count> applied{};  // by fault_kind
  std::uint64_t frames_discarded = 0;                     // not sent because the venue was stalled
  std::uint64_t frames_truncated = 0;                     // invalid_json
  std::uint64_t garbage_sent = 0;
  std::uint64_t fragments_sent = 0;  // drip
  std::uint64_t upgrades_refused = 0;
  std::uint64_t resets = 0;  // connections reset (reset, refuse)
  std::uint64_t closes = 0;  // close frames sent (close, max_age)

  bool stalled(clock::time_point now) const noexcept {
    return stall_forever || (stall_until != clock::time_point{} && now < stall_until);
  }
  bool refusing(clock::time_point now) const noexcept {
    return refuse_until != clock::time_point{} && now < refuse_until;
  }
  // Records `f` (unscheduled) and its venue-wide effect at `now`: stall, drip, refuse and
  // max_age start or end here. What a fault does to each open connection is the server's.
  void apply(const fault& f, clock::time_point now);
};

// Appends the state as a JSON object (times left in ms, as of `now`).
void append_fault_state_json(std::string& out, const venue_fault_state& s,
                             venue_fault_state::clock::time_point now);

}  // namespace tickerd::sim
