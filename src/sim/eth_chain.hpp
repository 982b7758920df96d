// The simulator's Ethereum chain: a deterministic sequence of block headers with EIP-1559 base
// fees and a spread of priority fees per block, for the /eth JSON-RPC endpoint. Pure (no I/O,
// no clock: the caller gives each block its timestamp). Block k of a chain depends only on the
// seed and k, so tests can rebuild what the sim served.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace tickerd::sim::eth {

inline constexpr std::uint64_t gas_limit = 30'000'000;
inline constexpr std::uint64_t elasticity = 2;                   // EIP-1559
inline constexpr std::uint64_t base_fee_change_denominator = 8;  // EIP-1559: at most ±12.5 %
inline constexpr std::uint64_t gwei = 1'000'000'000;
// The base fee is steered back into this band (by the blocks' fullness, as the market would).
inline constexpr std::uint64_t low_base_fee = 300'000'000;     // 0.3 Gwei
inline constexpr std::uint64_t high_base_fee = 2'000'000'000;  // 2 Gwei
// Priority fees each block "paid", sorted: a percentile p reads level floor(p / 100 * count).
inline constexpr std::size_t tip_levels = 20;
// Tips are whole multiples of this (0.001 Gwei), so they print as short decimals.
inline constexpr std::uint64_t tip_quantum = 1'000'000;

struct block {
  std::uint64_t number = 0;
  std::uint64_t base_fee = 0;  // wei
  std::uint64_t gas_used = 0;
  std::int64_t timestamp = 0;                    // seconds since the epoch
  std::array<std::uint64_t, tip_levels> tips{};  // wei, ascending
  std::string hash;                              // "0x" + 64 hex digits
  std::string parent_hash;                       // the previous block's hash
};

// EIP-1559's base fee for the block after `b` (integer arithmetic as in the EIP).
std::uint64_t next_base_fee(const block& b) noexcept;

// The priority fee at `percentile` (0 … 100) of block `b`: level floor(percentile × n / 100),
// the highest level for 100.
std::uint64_t reward_at(const block& b, double percentile) noexcept;

class chain {
 public:
  static constexpr std::uint64_t first_number = 21'000'000;
  static constexpr std::size_t kept_blocks = 1024;  // eth_feeHistory's maximum block count

  // `prefill` blocks already exist, the newest stamped `now_s`, each 12 s before the next.
  chain(std::uint64_t seed, std::int64_t now_s, std::size_t prefill = 32);

  const block& head() const noexcept { return blocks_.back(); }
  std::uint64_t oldest() const noexcept { return blocks_.front().number; }
  // nullptr when `number` is not kept (too old, or not produced yet).
  const block* find(std::uint64_t number) const noexcept;

  // Appends the next block, stamped at least its parent's timestamp.
  const block& produce(std::int64_t timestamp_s);

  // eth_maxPriorityFeePerGas: the median tip of the head block.
  std::uint64_t suggested_tip() const noexcept;

 private:
  std::uint64_t random() noexcept;  // splitmix64
  block make_block(std::uint64_t number, std::uint64_t base_fee, const std::string& parent,
                   std::int64_t timestamp_s);

  std::uint64_t state_;
  std::deque<block> blocks_;
};

}  // namespace tickerd::sim::eth
