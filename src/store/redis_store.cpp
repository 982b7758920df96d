#include "tickerd/store/redis_store.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tickerd/hub/history_depth.hpp"
#include "tickerd/market/candle_builder.hpp"
#include "tickerd/market/candle_json.hpp"
#include "tickerd/net.hpp"

namespace tickerd {
namespace {

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = [] {
    auto l = spdlog::get("store");
    return l ? l : spdlog::default_logger();
  }();
  return logger;
}

// One call per batch, atomic in Redis: checks the lease (when fenced), then per update appends
// to the history stream and publishes on the bus, skipping anything not newer than what Redis
// has, and finally writes each channel's state hash once. A different epoch means a new
// stream: its history restarts.
// Each update is six arguments: channel, seq, epoch, data, candle cap, history length (the
// stream's MAXLEN ~). A closed candle (its 5th argument: how many of its interval to keep, ''
// for any other update) also goes into the channel's sorted set of closed candles, scored by open
// time: one per open time, the newest `cap` kept. Those outlive epochs (and restarts).
// Returns {1, written} or {0, "not leader"}.
constexpr std::string_view write_script = R"lua(
local node = ARGV[1]
if node ~= '' then
  local holder = redis.call('GET', KEYS[1])
  if holder and holder ~= node then return {0, 'not leader'} end
  if not holder then redis.call('SET', KEYS[1], node, 'PX', ARGV[2]) end
end
local prefix, written = ARGV[3], 0
local state = {}
for i = 4, #ARGV, 6 do
  local ch, seqs, epoch, data, cap = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local maxlen = ARGV[i + 5]
  local seq = tonumber(seqs)
  local hist = prefix .. ':hist:' .. ch
  local s = state[ch]
  if not s then
    local cur = redis.call('HMGET', prefix .. ':state:' .. ch, 'seq', 'epoch')
    s = {seq = tonumber(cur[1]) or 0, epoch = cur[2]}
    state[ch] = s
  end
  if s.epoch and s.epoch ~= epoch then
    redis.call('DEL', hist)
    s.seq = 0
  end
  s.epoch = epoch
  if seq > s.seq then
    redis.call('XADD', hist, 'MAXLEN', '~', maxlen, seqs .. '-0', 'data', data)
    redis.call('PUBLISH', prefix .. ':bus:' .. ch, epoch .. ' ' .. seqs .. ' ' .. data)
    s.seq, s.seqs, s.data, s.dirty = seq, seqs, data, true
    written = written + 1
    local open_time = cap ~= '' and string.match(data, '"open_time":(%-?%d+)')
    if open_time then
      local key = prefix .. ':candles:' .. ch
      redis.call('ZREMRANGEBYSCORE', key, open_time, open_time)
      redis.call('ZADD', key, open_time, data)
      redis.call('ZREMRANGEBYRANK', key, 0, -(tonumber(cap) + 1))
    end
  end
end
for ch, s in pairs(state) do
  if s.dirty then
    redis.call('HSET', prefix .. ':state:' .. ch, 'seq', s.seqs, 'epoch', s.epoch, 'data', s.data)
  end
end
return {1, written}
)lua";

std::string_view reply_string(const redisReply* r) {
  if (r == nullptr || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS)) return {};
  return {r->str, r->len};
}

// How many closed candles of this update's interval Redis keeps, or "" when `u` is not a
// closed candle.
std::string_view candle_cap(const channel_info& info, const published_update& u,
                            const std::array<std::string, candle_interval_count>& caps) {
  if (info.kind != channel_kind::candles && info.kind != channel_kind::venue_candles) return {};
  if (!candle_data_closed(u.data()) || info.interval >= caps.size()) return {};
  return caps[info.interval];
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

bool parse_bus_message(std::string_view payload, std::string_view& epoch, std::uint64_t& seq,
                       std::string_view& data) {
  const auto a = payload.find(' ');
  if (a == std::string_view::npos || a == 0) return false;
  const auto b = payload.find(' ', a + 1);
  if (b == std::string_view::npos) return false;
  if (!parse_u64(payload.substr(a + 1, b - a - 1), seq) || seq == 0) return false;
  epoch = payload.substr(0, a);
  data = payload.substr(b + 1);
  return !data.empty();
}

struct writer_timer {
  explicit writer_timer(net::io_context& ioc) : timer(ioc) {}
  net::steady_timer timer;
};

redis_writer::redis_writer(net::io_context& ioc, redis_connection& conn, const redis_config& cfg,
                           const channel_registry& channels)
    : conn_(conn), cfg_(cfg), channels_(channels), timer_(std::make_unique<writer_timer>(ioc)) {}

redis_writer::~redis_writer() = default;

void redis_writer::schedule() {
  if (scheduled_ || sending_) return;
  if (cfg_.flush_interval.count() <= 0) return send();
  scheduled_ = true;
  const auto generation = generation_;
  timer_->timer.expires_after(cfg_.flush_interval);
  timer_->timer.async_wait([this, generation](boost::system::error_code ec) {
    if (ec || generation != generation_) return;
    scheduled_ = false;
    if (!sending_ && !buffer_.empty() && conn_.connected()) send();
  });
}

void redis_writer::write(update_ptr u) {
  buffer_.push_back(std::move(u));
  if (buffer_.size() > cfg_.max_buffered) shrink();
  set(stats_.buffered, buffer_.size() + inflight_.size());
  if (!sending_ && conn_.connected()) schedule();
}

void redis_writer::flush() {
  if (!sending_ && !buffer_.empty() && conn_.connected()) send();
}

void redis_writer::clear() {
  buffer_.clear();
  inflight_.clear();
  sending_ = false;
  scheduled_ = false;
  timer_->timer.cancel();
  ++generation_;
  set(stats_.buffered, 0);
}

// Keeps the newest update of each channel (and every closed candle), in publication order: the
// state survives, the history between gets a hole (a resume across it gets a reset).
void redis_writer::shrink() {
  std::vector<bool> seen(channels_.size(), false);
  std::vector<update_ptr> kept;
  // Newest first, so the update kept per channel is the latest one.
  for (auto it = buffer_.rbegin(); it != buffer_.rend(); ++it) {  // NOLINT(modernize-loop-convert)
    // A closed candle is final (not conflatable): it is kept for the candles' sorted set.
    if (seen[(*it)->channel] && (*it)->conflatable) {
      bump(stats_.dropped);
      continue;
    }
    seen[(*it)->channel] = true;
    kept.push_back(std::move(*it));
  }
  buffer_.assign(std::make_move_iterator(kept.rbegin()), std::make_move_iterator(kept.rend()));
}

void redis_writer::send() {
  sending_ = true;
  inflight_.swap(buffer_);
  buffer_.clear();
  const std::string space = key_space(cfg_);
  const std::string lease_key = space + ":lease:ingest";
  const std::string ttl = std::to_string(cfg_.lease_ttl.count());
  std::deque<std::string> numbers;  // stable addresses for the argument views
  std::vector<std::string_view> args{"EVAL", write_script, "1", lease_key, node_id_, ttl, space};
  std::array<std::string, candle_interval_count> caps;
  for (std::size_t i = 0; i < caps.size(); ++i) caps[i] = std::to_string(default_candle_history[i]);
  // Each family keeps in Redis the history a shard keeps (hub/history_depth.hpp): an edge's
  // resume reads no further back, and a book's history at [redis] history_length would be GBs.
  std::deque<std::pair<std::size_t, std::string>> maxlens;  // stable: args view them
  const auto maxlen_of = [&](channel_kind kind) -> std::string_view {
    const std::size_t n = history_depth(kind, cfg_.history_length);
    for (const auto& [depth, text] : maxlens) {
      if (depth == n) return text;
    }
    return maxlens.emplace_back(n, std::to_string(n)).second;
  };
  args.reserve(args.size() + inflight_.size() * 6);
  for (const auto& u : inflight_) {
    const auto& info = channels_.info(u->channel);
    args.push_back(info.name);
    args.push_back(numbers.emplace_back(std::to_string(u->seq)));
    args.push_back(u->epoch);
    args.push_back(u->data());
    args.push_back(candle_cap(info, *u, caps));
    args.push_back(maxlen_of(info.kind));
  }
  const auto generation = generation_;
  conn_.command(args, [this, generation](const redis_result& r) {
    if (generation != generation_) return;  // cleared meanwhile
    sending_ = false;
    const auto* reply = r.reply;
    if (!r) {
      bump(stats_.failures);
      // Back to the front of the buffer: rewritten, in order, after the reconnect.
      inflight_.insert(inflight_.end(), std::make_move_iterator(buffer_.begin()),
                       std::make_move_iterator(buffer_.end()));
      buffer_.swap(inflight_);
      inflight_.clear();
      if (buffer_.size() > cfg_.max_buffered) shrink();
      set(stats_.buffered, buffer_.size());
      if (read(stats_.failures) == 1 || read(stats_.failures) % 100 == 0) {
        log()->warn("redis write failed ({}); {} updates buffered", r.error, buffer_.size());
      }
      return;
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[0]->integer == 0) {
      log()->warn("redis write refused: {}", reply_string(reply->element[1]));
      inflight_.clear();
      if (on_fenced_) on_fenced_();
      return;
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
        reply->element[1]->type == REDIS_REPLY_INTEGER) {
      bump(stats_.written, static_cast<std::uint64_t>(reply->element[1]->integer));
    }
    bump(stats_.batches);
    inflight_.clear();
    set(stats_.buffered, buffer_.size());
    if (!buffer_.empty() && conn_.connected()) schedule();
  });
}

namespace {

struct load_state {
  std::vector<stored_channel> channels;
  std::size_t outstanding = 0;
  std::string error;
  std::function<void(std::vector<stored_channel>, std::string_view)> done;

  void finish_one() {
    if (--outstanding == 0) {
      std::vector<stored_channel> found;
      for (auto& c : channels) {
        if (c.seq > 0) found.push_back(std::move(c));
      }
      done(error.empty() ? std::move(found) : std::vector<stored_channel>{}, error);
    }
  }
};

}  // namespace

void load_channels(redis_connection& conn, const redis_config& cfg,
                   const channel_registry& channels, std::size_t history,
                   std::function<void(std::vector<stored_channel>, std::string_view)> done) {
  auto st = std::make_shared<load_state>();
  st->done = std::move(done);
  st->channels.resize(channels.size());
  st->outstanding = channels.size() * (history > 0 ? 2 : 1);
  if (st->outstanding == 0) return st->done({}, {});
  const std::string count = std::to_string(history);
  for (channel_id id = 0; id < channels.size(); ++id) {
    st->channels[id].channel = id;
    const std::string name(channels.info(id).name);
    const std::string state_key = key_space(cfg) + ":state:" + name;
    const std::string_view state_args[] = {"HMGET", state_key, "seq", "epoch", "data"};
    conn.command(state_args, [st, id](const redis_result& r) {
      if (!r) {
        if (st->error.empty()) st->error = std::string(r.error);
      } else if (r.reply->type == REDIS_REPLY_ARRAY && r.reply->elements == 3) {
        auto& c = st->channels[id];
        std::uint64_t seq = 0;
        if (parse_u64(reply_string(r.reply->element[0]), seq)) {
          c.seq = seq;
          c.epoch = std::string(reply_string(r.reply->element[1]));
          c.data = std::string(reply_string(r.reply->element[2]));
          if (c.data.empty() || c.epoch.empty()) c.seq = 0;  // not ours or half-written
        }
      }
      st->finish_one();
    });
    if (history == 0) continue;
    const std::string hist_key = key_space(cfg) + ":hist:" + name;
    const std::string_view hist_args[] = {"XREVRANGE", hist_key, "+", "-", "COUNT", count};
    conn.command(hist_args, [st, id](const redis_result& r) {
      if (!r) {
        if (st->error.empty()) st->error = std::string(r.error);
      } else if (r.reply->type == REDIS_REPLY_ARRAY) {
        auto& h = st->channels[id].history;
        // Newest first: [[id, [field, value, …]], …].
        for (std::size_t i = r.reply->elements; i-- > 0;) {
          const auto* e = r.reply->element[i];
          if (e->type != REDIS_REPLY_ARRAY || e->elements != 2) continue;
          const auto entry_id = reply_string(e->element[0]);
          std::uint64_t seq = 0;
          if (!parse_u64(entry_id.substr(0, entry_id.find('-')), seq)) continue;
          const auto* fields = e->element[1];
          if (fields->type != REDIS_REPLY_ARRAY) continue;
          for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
            if (reply_string(fields->element[f]) == "data") {
              h.emplace_back(seq, std::string(reply_string(fields->element[f + 1])));
            }
          }
        }
      }
      st->finish_one();
    });
  }
}

namespace {

std::string candles_key(const redis_config& cfg, std::string_view channel) {
  return key_space(cfg) + ":candles:" + std::string(channel);
}

void read_strings(const redisReply* r, std::vector<std::string>& out) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return;
  out.reserve(r->elements);
  for (std::size_t i = 0; i < r->elements; ++i) {
    const auto s = reply_string(r->element[i]);
    if (!s.empty()) out.emplace_back(s);
  }
}

}  // namespace

void load_candles(redis_connection& conn, const redis_config& cfg, const channel_registry& channels,
                  std::function<void(std::vector<stored_candles>, std::string_view)> done) {
  struct state {
    std::vector<stored_candles> found;
    std::size_t outstanding = 0;
    std::string error;
    std::function<void(std::vector<stored_candles>, std::string_view)> done;
  };
  auto st = std::make_shared<state>();
  st->done = std::move(done);
  std::vector<channel_id> ids;
  for (channel_id id = 0; id < channels.size(); ++id) {
    const auto kind = channels.info(id).kind;
    if (kind == channel_kind::candles || kind == channel_kind::venue_candles) ids.push_back(id);
  }
  st->outstanding = ids.size();
  if (ids.empty()) return st->done({}, {});
  st->found.resize(ids.size());
  for (std::size_t n = 0; n < ids.size(); ++n) {
    st->found[n].channel = ids[n];
    const std::string key = candles_key(cfg, channels.info(ids[n]).name);
    const std::string_view args[] = {"ZRANGE", key, "0", "-1"};
    conn.command(args, [st, n](const redis_result& r) {
      if (!r) {
        if (st->error.empty()) st->error = std::string(r.error);
      } else {
        read_strings(r.reply, st->found[n].candles);
      }
      if (--st->outstanding != 0) return;
      std::vector<stored_candles> found;
      for (auto& c : st->found) {
        if (!c.candles.empty()) found.push_back(std::move(c));
      }
      st->done(st->error.empty() ? std::move(found) : std::vector<stored_candles>{}, st->error);
    });
  }
}

void load_candle_page(redis_connection& conn, const redis_config& cfg, std::string_view channel,
                      std::optional<std::int64_t> start_us, std::optional<std::int64_t> end_us,
                      std::size_t limit,
                      std::function<void(std::vector<std::string>, std::string_view)> done) {
  if (limit == 0) return done({}, {});
  const std::string key = candles_key(cfg, channel);
  const std::string count = std::to_string(limit);
  const std::string end = end_us ? "(" + std::to_string(*end_us) : "+inf";
  if (start_us) {
    // Paging forward: the oldest from start.
    const std::string start = std::to_string(*start_us);
    const std::string_view args[] = {"ZRANGEBYSCORE", key, start, end, "LIMIT", "0", count};
    return conn.command(args, [done = std::move(done)](const redis_result& r) {
      std::vector<std::string> out;
      if (r) read_strings(r.reply, out);
      done(std::move(out), r.error);
    });
  }
  // The newest before end, read newest first and handed on oldest first.
  const std::string_view args[] = {"ZREVRANGEBYSCORE", key, end, "-inf", "LIMIT", "0", count};
  conn.command(args, [done = std::move(done)](const redis_result& r) {
    std::vector<std::string> out;
    if (r) read_strings(r.reply, out);
    std::reverse(out.begin(), out.end());
    done(std::move(out), r.error);
  });
}

}  // namespace tickerd
