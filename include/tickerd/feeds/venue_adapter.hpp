// What a venue needs to be read: how to address and subscribe to its WebSocket, and a pure
// parser from one upstream text frame to zero or more ticks, trades and top-of-book quotes. No I/O
// here: feed_session does that, so adapters are unit-tested and fuzzed on bytes alone.
// upstream_adapter is the part feed_session needs; sources that are not exchanges (the Ethereum gas
// feed) implement only it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tickerd/core/instrument.hpp"
#include "tickerd/core/market_events.hpp"
#include "tickerd/core/tick.hpp"
#include "tickerd/core/venue.hpp"

namespace tickerd {

// The public streams a venue feed can subscribe to (config key `streams`).
enum feed_stream : std::uint8_t {
  fs_ticker = 1u << 0,  // the 24 h ticker
  fs_trades = 1u << 1,  // every public trade
  fs_bbo = 1u << 2,     // the fastest best bid/ask stream
  fs_book = 1u << 3,    // the L2 depth stream, kept as a book by the venue's rule (book_feed)
};
using feed_streams = std::uint8_t;  // feed_stream bits
// What an adapter reads when not told: the ticker. A configured feed reads all four (books
// included: a production user expects depth) unless its `streams` says otherwise (app/config).
constexpr feed_streams default_feed_streams = fs_ticker;
constexpr feed_streams all_feed_streams = fs_ticker | fs_trades | fs_bbo | fs_book;
// "ticker" / "trades" / "bbo" / "book" -> bit; 0 for any other name.
feed_stream feed_stream_from_name(std::string_view name) noexcept;

enum class frame_kind : std::uint8_t {
  data,     // produced events (possibly zero, e.g. an unconfigured symbol)
  control,  // subscription ack, pong, heartbeat: proof of life, nothing to publish
};

enum class feed_errc : std::uint8_t {
  ok = 0,
  invalid_json,      // not parseable JSON
  unexpected_shape,  // valid JSON but not a message this venue sends (missing or mistyped field)
  bad_number,        // a price or size that is not an exact decimal
  venue_error,       // the venue reported an error (e.g. a rejected subscription)
  too_large,         // frame bigger than the parser accepts
};
std::string_view to_string(feed_errc e) noexcept;

struct parse_result {
  feed_errc error = feed_errc::ok;
  frame_kind kind = frame_kind::data;
  std::size_t unknown_symbols = 0;  // data for symbols not in the map (counted, not errors)
  std::size_t gaps = 0;             // venue sequence jumps seen (e.g. Coinbase `sequence`)
  std::size_t trade_gaps = 0;       // trade ids skipped, plus duplicate/older trade ids dropped
  std::size_t readings = 0;         // published by the adapter itself (gas), counted as ticks
};

class upstream_adapter {
 public:
  virtual ~upstream_adapter() = default;

  // The HTTP target to request on the upstream URL, given the URL's own path ("/stream").
  virtual std::string target(std::string_view url_path) const = 0;

  // Text frames to send right after the WebSocket handshake.
  virtual std::vector<std::string> subscribe_messages() const = 0;

  // An application-level keepalive text frame and how often to send it (0 = none).
  virtual std::string keepalive_message() const { return {}; }
  virtual std::chrono::milliseconds keepalive_interval() const { return {}; }

  // A new connection starts: forget per-connection state such as sequence numbers.
  virtual void reset() noexcept {}

  // Parses one text frame. Appends what it carried to `out` (ticks, trades, quotes, each in
  // frame order); never throws. A frame that fails may leave partial events: callers drop them.
  virtual parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                             market_events& out) noexcept = 0;

  // The ticks of one frame only (tests and tools that read tickers); trades and quotes parsed
  // on the way are discarded. Implementers re-export it with `using upstream_adapter::parse;`.
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     std::vector<tick>& ticks) noexcept;

  // Text frames to send in reply to the frame just parsed (a request/response protocol such as
  // JSON-RPC); feed_session sends them on the same connection, in order, after every parse.
  virtual void take_outgoing(std::vector<std::string>& /*out*/) {}
};

class venue_adapter : public upstream_adapter {
 public:
  virtual venue_id venue() const noexcept = 0;
};

// Creates the adapter for `venue`, reading the given configured symbols on the given streams.
std::unique_ptr<venue_adapter> make_venue_adapter(venue_id venue, const symbol_map& symbols,
                                                  feed_streams streams = default_feed_streams);

}  // namespace tickerd
