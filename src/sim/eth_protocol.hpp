// An Ethereum node's WebSocket JSON-RPC (/eth), served by the sim from eth::chain: a new block
// every --block-interval-ms (default 12000, Ethereum's slot time).
//
// Copied from the Ethereum JSON-RPC API (execution-apis) and geth's behaviour:
// - eth_subscribe ["newHeads"] -> a subscription id ("0x" + 32 hex digits); then each new block
//   as {"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":…,"result":
//   {header}}}, the header with geth's fields (hex quantities), baseFeePerGas included. Nothing
//   is sent at subscribe time: the first header comes with the next block. Other subscription
//   types get -32601 "no \"X\" subscription in eth namespace";
// - eth_unsubscribe [id] -> true, or false for an id this connection does not have;
// - eth_feeHistory [blockCount, newestBlock, rewardPercentiles]: blockCount a hex quantity or
//   an integer (1 … 1024), newestBlock a hex block number or a tag ("latest", "pending",
//   "safe", "finalized", "earliest"), percentiles ascending numbers in 0 … 100 (optional).
//   Result: oldestBlock, baseFeePerGas (one more than the blocks: the next block's, by
//   EIP-1559), gasUsedRatio, and reward (when percentiles were given). A range reaching back
//   before the blocks kept starts at the oldest kept; a newestBlock above the head is -32602;
// - eth_getBlockByNumber [block, fullTransactions] -> the block (its header's fields plus
//   "size", empty "transactions", "uncles" and "withdrawals"), block a hex number or a tag;
//   null for a block not kept or not yet made;
// - eth_maxPriorityFeePerGas -> the head block's median tip; eth_blockNumber; eth_chainId "0x1";
// - requests that are not JSON: -32700 "parse error" (id null); not an object with a string
//   `method`: -32600 "invalid request"; an unknown method: -32601 "the method X does not
//   exist/is not available"; bad params: -32602 "invalid params: …". A request without `id`
//   is a notification: it is carried out and not answered (JSON-RPC 2.0). Batches (arrays)
//   are answered with one -32600 (the sim's choice: tickerd never batches).
// The venue name for faults is "eth" (POST /faults/eth).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/connection.hpp"
#include "sim/eth_chain.hpp"

namespace boost::asio {
class io_context;
}

namespace tickerd::sim::eth {

inline constexpr std::string_view venue_name = "eth";
inline constexpr std::string_view path = "/eth";
inline constexpr std::chrono::milliseconds default_block_interval{12'000};
inline constexpr std::size_t max_subscriptions = 16;  // per connection
inline constexpr unsigned max_requests_per_sec = 50;

// JSON-RPC 2.0 error codes.
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;

struct endpoint_stats {
  std::uint64_t connections = 0;
  std::uint64_t blocks = 0;         // produced since start
  std::uint64_t notifications = 0;  // newHeads frames queued
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;  // error replies
};

class session;

class endpoint final : public venue_endpoint {
 public:
  using clock_fn = std::function<std::int64_t()>;  // wall seconds, for block timestamps

  // With an io_context a block is produced every `block_interval`; without one (unit tests)
  // produce_block() is called by hand.
  endpoint(std::uint64_t seed, boost::asio::io_context* ioc,
           std::chrono::milliseconds block_interval = default_block_interval, clock_fn clock = {});
  ~endpoint() override;

  std::string_view venue() const noexcept override { return venue_name; }
  // "/eth" is also this venue's name, and the router strips a venue-name prefix, leaving "/":
  // so "/" is listed too. Coinbase's "/" was registered first and keeps every other "/".
  std::vector<std::string> routes() const override { return {std::string(path), "/"}; }
  std::unique_ptr<connection_handler> accept(std::string_view target, http_reject& reject) override;
  void stop() override;

  // The next block: appended to the chain and announced to every newHeads subscription.
  const block& produce_block();

  const eth::chain& chain() const noexcept { return chain_; }
  const endpoint_stats& stats() const noexcept { return stats_; }

 private:
  friend class session;
  struct request_reader;  // simdjson's DOM parser, shared by the sessions (one thread)
  struct ticker;          // the block timer, kept out of this header

  void schedule();
  void forget(session* s);

  std::uint64_t seed_;
  clock_fn clock_;
  eth::chain chain_;
  std::chrono::milliseconds interval_;
  std::unique_ptr<request_reader> reader_;
  std::unique_ptr<ticker> ticker_;
  std::vector<session*> sessions_;
  std::uint64_t next_subscription_ = 1;
  endpoint_stats stats_;
};

// One client connection: its subscriptions and its requests.
class session final : public connection_handler {
 public:
  explicit session(endpoint& ep);
  ~session() override;

  void on_open(connection& conn) override;
  void on_text(std::string_view message) override;
  unsigned max_incoming_per_sec() const noexcept override { return max_requests_per_sec; }

  // Queues the newHeads notification of `header_json` (the block's header object) to each of
  // this connection's subscriptions.
  void announce(std::string_view header_json);
  const std::vector<std::string>& subscriptions() const noexcept { return subscriptions_; }

 private:
  friend class endpoint;
  void reply(std::string_view id_json, std::string_view result_json);
  void reply_error(std::string_view id_json, int code, std::string_view message);

  endpoint* endpoint_;  // null once the endpoint is gone
  connection* conn_ = nullptr;
  std::vector<std::string> subscriptions_;  // "0x…" ids
};

// The block's header as a node sends it in a newHeads notification (geth's field set).
std::string encode_header(const block& b);
// The eth_getBlockByNumber(n, false) object: the header's fields, "size", and the empty lists.
std::string encode_block(const block& b);

}  // namespace tickerd::sim::eth
