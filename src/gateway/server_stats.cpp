#include "tickerd/gateway/server_stats.hpp"

#include <array>
#include <string_view>
#include <utility>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace {

using field = std::pair<std::string_view, stat_counter shard_stats::*>;

constexpr std::array<field, 17> shard_fields{{
    {"connections", &shard_stats::connections},
    {"http_connections", &shard_stats::http_connections},
    {"queued_messages", &shard_stats::queued_messages},
    {"queued_bytes", &shard_stats::queued_bytes},
    {"pending_timers", &shard_stats::pending_timers},
    {"queued_batches", &shard_stats::queued_batches},
    {"accepted", &shard_stats::accepted},
    {"conflations", &shard_stats::conflations},
    {"conflated_dropped", &shard_stats::conflated_dropped},
    {"slow_closes", &shard_stats::slow_closes},
    {"idle_closes", &shard_stats::idle_closes},
    {"tls_handshakes_in_progress", &shard_stats::tls_handshakes_in_progress},
    {"tls_handshakes", &shard_stats::tls_handshakes},
    {"tls_handshake_failures", &shard_stats::tls_handshake_failures},
    {"tls_handshake_timeouts", &shard_stats::tls_handshake_timeouts},
    {"tls_accept_pauses", &shard_stats::tls_accept_pauses},
    {"tls_handshake_us", &shard_stats::tls_handshake_us},
}};

void append_u64(std::string& out, std::uint64_t v) {
  json::append_int(out, static_cast<std::int64_t>(v));
}

// The refusal and auth-failure counters of one shard (or their sum), each read once.
struct reason_counts {
  std::array<std::uint64_t, refusal_count> refused{};
  std::array<std::uint64_t, auth_failure_count> auth_failures{};

  static reason_counts of(const shard_stats& s) {
    reason_counts c;
    for (std::size_t r = 0; r < refusal_count; ++r) c.refused[r] = read(s.refused[r]);
    for (std::size_t f = 0; f < auth_failure_count; ++f) {
      c.auth_failures[f] = read(s.auth_failures[f]);
    }
    return c;
  }
  void add(const reason_counts& o) {
    for (std::size_t r = 0; r < refusal_count; ++r) refused[r] += o.refused[r];
    for (std::size_t f = 0; f < auth_failure_count; ++f) auth_failures[f] += o.auth_failures[f];
  }
};

// ,"refused":{"origin":0,...},"auth_failures":{"missing":0,...}
template <typename Reason, std::size_t N>
void append_reasons(std::string& out, std::string_view key,
                    const std::array<std::uint64_t, N>& counts) {
  json::append_key(out, key);
  out.push_back('{');
  for (std::size_t r = 0; r < N; ++r) {
    if (r != 0) out.push_back(',');
    json::append_string(out, to_string(static_cast<Reason>(r)));
    out.push_back(':');
    append_u64(out, counts[r]);
  }
  out.push_back('}');
}

void append_refusals(std::string& out, const reason_counts& c) {
  append_reasons<refusal>(out, "refused", c.refused);
  append_reasons<auth_failure>(out, "auth_failures", c.auth_failures);
}

}  // namespace

void encode_server_stats(std::string& out, std::span<const shard_stats* const> shards,
                         const redis_stats* redis, std::int64_t ts_us) {
  out.append("{\"ts\":");
  json::append_int(out, ts_us);
  // Each field read once per shard: the totals are the sum of exactly what the shards list.
  std::array<std::uint64_t, shard_fields.size()> totals{};
  reason_counts reason_totals;
  std::string per_shard = "[";
  for (std::size_t s = 0; s < shards.size(); ++s) {
    if (s != 0) per_shard.push_back(',');
    per_shard.push_back('{');
    for (std::size_t f = 0; f < shard_fields.size(); ++f) {
      const auto v = read(shards[s]->*shard_fields[f].second);
      totals[f] += v;
      json::append_key(per_shard, shard_fields[f].first);
      append_u64(per_shard, v);
    }
    const auto reasons = reason_counts::of(*shards[s]);
    reason_totals.add(reasons);
    append_refusals(per_shard, reasons);
    per_shard.push_back('}');
  }
  per_shard.push_back(']');
  json::append_key(out, "shards");
  append_u64(out, shards.size());
  for (std::size_t f = 0; f < shard_fields.size(); ++f) {
    json::append_key(out, shard_fields[f].first);
    append_u64(out, totals[f]);
  }
  append_refusals(out, reason_totals);
  json::append_key(out, "per_shard");
  out.append(per_shard);
  json::append_key(out, "redis");
  if (redis == nullptr || !redis->enabled.load(std::memory_order_relaxed)) {
    out.append("null");
  } else {
    out.append("{\"connected\":");
    out.append(redis->connected.load(std::memory_order_relaxed) ? "true" : "false");
    json::append_key(out, "connects");
    append_u64(out, read(redis->connects));
    json::append_key(out, "disconnects");
    append_u64(out, read(redis->disconnects));
    out.push_back('}');
  }
  out.push_back('}');
}

}  // namespace tickerd
