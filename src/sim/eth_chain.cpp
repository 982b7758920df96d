#include "sim/eth_chain.hpp"

#include <algorithm>
#include <cmath>

#include "sim/sim_hash.hpp"

namespace tickerd::sim::eth {

namespace {

constexpr std::int64_t slot_seconds = 12;
constexpr std::uint64_t millionths = 1'000'000;
constexpr std::uint64_t seed_salt = 0x657468636861696eULL;  // "ethchain"

std::string hex32(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (const std::uint64_t word : {a, b, c, d}) {
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(word >> shift) & 0xf]);
  }
  return out;
}

}  // namespace

std::uint64_t next_base_fee(const block& b) noexcept {
  const std::uint64_t target = gas_limit / elasticity;
  if (b.gas_used == target) return b.base_fee;
  // base_fee × delta fits easily: fees stay far below 2^40 wei and delta below 2^25.
  if (b.gas_used > target) {
    const std::uint64_t delta = b.gas_used - target;
    const std::uint64_t change =
        std::max<std::uint64_t>(b.base_fee * delta / target / base_fee_change_denominator, 1);
    return b.base_fee + change;
  }
  const std::uint64_t delta = target - b.gas_used;
  return b.base_fee - b.base_fee * delta / target / base_fee_change_denominator;
}

std::uint64_t reward_at(const block& b, double percentile) noexcept {
  const double p = std::clamp(percentile, 0.0, 100.0);
  const auto level = static_cast<std::size_t>(std::floor(p * tip_levels / 100.0));
  return b.tips[std::min(level, tip_levels - 1)];
}

chain::chain(std::uint64_t seed, std::int64_t now_s, std::size_t prefill)
    : state_(seed ^ seed_salt) {
  prefill = std::clamp<std::size_t>(prefill, 1, kept_blocks);
  // A starting base fee between 0.4 and 1.2 Gwei, by seed.
  const std::uint64_t first_fee = 400'000'000 + random() % 800'000'001;
  const std::string genesis_parent = hex32(random(), random(), random(), random());
  const auto start = now_s - slot_seconds * static_cast<std::int64_t>(prefill - 1);
  blocks_.push_back(make_block(first_number, first_fee, genesis_parent, start));
  for (std::size_t i = 1; i < prefill; ++i) {
    produce(start + slot_seconds * static_cast<std::int64_t>(i));
  }
}

std::uint64_t chain::random() noexcept {
  return splitmix64(state_);
}

block chain::make_block(std::uint64_t number, std::uint64_t base_fee, const std::string& parent,
                        std::int64_t timestamp_s) {
  block b;
  b.number = number;
  b.base_fee = base_fee;
  b.parent_hash = parent;
  b.timestamp = timestamp_s;
  // How full the block is, in millionths: fuller when fees are low, emptier when high, so the
  // base fee wanders but stays around 0.3 - 2 Gwei.
  std::uint64_t lo = 250'000;
  std::uint64_t hi = 750'000;
  if (base_fee < low_base_fee) {
    lo = 550'000;
    hi = 1'000'000;
  } else if (base_fee > high_base_fee) {
    lo = 0;
    hi = 450'000;
  } else if (base_fee < 500'000'000) {
    lo = 450'000;
    hi = 1'000'000;
  } else if (base_fee > 1'500'000'000) {
    lo = 0;
    hi = 550'000;
  }
  const std::uint64_t fill = lo + random() % (hi - lo + 1);
  b.gas_used = gas_limit * fill / millionths;
  // Tips: the lowest 0.001 - 0.010 Gwei, each level a quarter or so above the one before.
  std::uint64_t tip = tip_quantum * (1 + random() % 10);
  for (auto& level : b.tips) {
    level = tip;
    tip += tip_quantum * (1 + random() % (tip / (2 * tip_quantum) + 1));
  }
  b.hash = hex32(random(), random(), random(), random());
  return b;
}

const block* chain::find(std::uint64_t number) const noexcept {
  if (number < oldest() || number > head().number) return nullptr;
  return &blocks_[static_cast<std::size_t>(number - oldest())];
}

const block& chain::produce(std::int64_t timestamp_s) {
  const block& parent = head();
  block next = make_block(parent.number + 1, next_base_fee(parent), parent.hash,
                          std::max(timestamp_s, parent.timestamp));
  blocks_.push_back(std::move(next));
  if (blocks_.size() > kept_blocks) blocks_.pop_front();
  return blocks_.back();
}

std::uint64_t chain::suggested_tip() const noexcept {
  return head().tips[tip_levels / 2];
}

}  // namespace tickerd::sim::eth
