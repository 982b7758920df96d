// Ethereum fees (channel gas.ETH) from a node's WebSocket JSON-RPC: `eth_subscribe` `newHeads`
// for each block's base fee, and for each new head an `eth_feeHistory` of the recent blocks'
// priority-fee percentiles (falling back to `eth_maxPriorityFeePerGas` when the node refuses
// it). At connect it also asks for the current block (`eth_getBlockByNumber` "latest") and
// reads it as a head, so the channel has a value at once rather than a block interval later.
// Pure: bytes in, requests out (take_outgoing), a gas::reading out through the sink.
//
// Wire shapes (Ethereum JSON-RPC API, execution-apis; geth "Real-time Events"):
//   → {"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}
//   → {"jsonrpc":"2.0","id":2,"method":"eth_getBlockByNumber","params":["latest",false]}
//   ← {"jsonrpc":"2.0","id":1,"result":"0x9ce59a13059e417087c02d3236a0b1cc"}
//   ← {"jsonrpc":"2.0","id":2,"result":{"number":"0x1348c8","baseFeePerGas":"0x7",…}}
//        the current block, read as a head: a reading at connect, not a block interval later
//   ← {"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x9ce5…",
//        "result":{"number":"0x1348c9","baseFeePerGas":"0x7","timestamp":"0x56ffeff8",…}}}
//   → {"jsonrpc":"2.0","id":2,"method":"eth_feeHistory","params":["0x5","0x1348c9",[10,50,90]]}
//   ← {"jsonrpc":"2.0","id":2,"result":{"oldestBlock":"0x1348c5","baseFeePerGas":[…],
//        "gasUsedRatio":[…],"reward":[["0x…","0x…","0x…"],…]}}
//   → {"jsonrpc":"2.0","id":3,"method":"eth_maxPriorityFeePerGas","params":[]}
//   ← {"jsonrpc":"2.0","id":3,"result":"0x3b9aca00"}
//   ← {"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"…"}}
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "feeds/venues/json_frame.hpp"
#include "tickerd/core/decimal.hpp"
#include "tickerd/feeds/venue_adapter.hpp"

namespace tickerd::gas {

// ---- hex quantities ----------------------------------------------------------------------

enum class quantity_errc : std::uint8_t {
  ok = 0,
  bad_syntax,  // not "0x" followed by 1..n hex digits
  overflow,    // more than 64 bits
};

// A JSON-RPC QUANTITY ("0x0", "0x1bc3"; leading zeros are tolerated). Upper- and lower-case
// hex digits; "0X" is not accepted.
quantity_errc parse_quantity(std::string_view text, std::uint64_t& out) noexcept;

// Fees above this (1 ETH per unit of gas) are rejected as bad numbers: no real fee comes near,
// and it keeps every sum of two fees far inside int64.
inline constexpr std::uint64_t max_fee_wei = 1'000'000'000'000'000'000ULL;

// Wei as an exact Gwei decimal (scale 9) with trailing fraction zeros trimmed: 352114000 wei
// -> "0.352114", 2000000000 -> "2", 0 -> "0".
decimal wei_to_gwei(std::int64_t wei) noexcept;

// ---- readings ----------------------------------------------------------------------------

// The three suggested priority fees: eth_feeHistory reward percentiles 10, 50 and 90.
inline constexpr std::size_t tier_count = 3;
inline constexpr std::array<int, tier_count> reward_percentiles{10, 50, 90};
inline constexpr std::array<std::string_view, tier_count> tier_names{"slow", "standard", "fast"};

enum class priority_source : std::uint8_t {
  none,              // the node answered neither request: no priority fee known
  fee_history,       // per tier, the median over the recent blocks of that reward percentile
  max_priority_fee,  // eth_maxPriorityFeePerGas, the same value for every tier
};

struct reading {
  std::uint64_t block = 0;
  std::int64_t base_fee_wei = 0;  // the block's own baseFeePerGas
  std::array<std::int64_t, tier_count> priority_wei{};
  priority_source priority = priority_source::none;
  std::int64_t ts_us = 0;  // the block's timestamp (the header's seconds, as µs)
};

// Appends the gas.ETH `data` object (docs/PROTOCOL.md). Totals are base fee + priority fee of
// the same block; without a priority fee both objects are null.
void encode_reading(std::string& out, const reading& r, bool stale);

// ---- the adapter -------------------------------------------------------------------------

class adapter final : public upstream_adapter {
 public:
  // Called from parse() for each block ready to publish; must not throw.
  using sink = std::function<void(const reading&)>;

  // Frames above this are rejected unparsed (a newHeads notification is about 1.5 KB).
  static constexpr std::size_t max_frame_bytes = 1u << 20;
  // Blocks each eth_feeHistory covers, the newest being the block just announced.
  static constexpr int fee_history_blocks = 5;
  static constexpr std::int64_t subscribe_id = 1;
  static constexpr std::int64_t latest_block_id = 2;  // eth_getBlockByNumber("latest") at connect
  static constexpr std::int64_t first_request_id = 3;
  // Requests still unanswered beyond this are forgotten (their late replies are ignored).
  static constexpr std::size_t max_outstanding = 16;

  explicit adapter(sink on_reading);

  std::string target(std::string_view url_path) const override;
  std::vector<std::string> subscribe_messages() const override;
  void reset() noexcept override;
  using upstream_adapter::parse;
  parse_result parse(std::string_view frame, std::int64_t recv_ts_us,
                     market_events& out) noexcept override;
  void take_outgoing(std::vector<std::string>& out) override;

  // The subscription id the node gave us on this connection (empty before its reply).
  const std::string& subscription() const noexcept { return subscription_; }

 private:
  enum class request_kind : std::uint8_t { fee_history, max_priority_fee };
  struct request {
    std::int64_t id;
    request_kind kind;
    std::uint64_t block;  // the head it was sent for
  };

  parse_result on_notification(simdjson::dom::object obj, std::int64_t recv_ts_us);
  parse_result on_response(simdjson::dom::object obj, std::int64_t recv_ts_us);
  parse_result on_latest_block(bool is_error, simdjson::dom::element value,
                               std::int64_t recv_ts_us);
  static feed_errc read_head(simdjson::dom::object head, std::int64_t recv_ts_us,
                             reading& r) noexcept;
  void on_head(const reading& head, parse_result& result);
  void request_priority(std::uint64_t block, bool fee_history);
  void publish_pending(parse_result& result);
  void emit(const reading& r, parse_result& result);

  sink sink_;
  std::string subscription_;
  std::vector<request> outstanding_;
  std::vector<std::string> outgoing_;
  std::optional<reading> pending_;  // the newest head, waiting for its priority fee
  // The newest head taken, kept across reconnects: the block asked for at connect is published
  // only if it is newer (a reconnect does not publish the same block twice).
  std::optional<std::uint64_t> newest_block_;
  bool fee_history_refused_ = false;  // this connection's node refused eth_feeHistory
  std::int64_t next_id_ = first_request_id;
  // The last priority fees learnt, kept across reconnects: the estimate for a head whose own
  // requests fail.
  std::array<std::int64_t, tier_count> last_priority_wei_{};
  priority_source last_priority_ = priority_source::none;

  simdjson::dom::parser parser_{max_frame_bytes};
  venue_json::padded_frame frame_;
};

}  // namespace tickerd::gas
