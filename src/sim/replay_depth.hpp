// Binance's REST depth snapshot in replay mode (`--depth-snapshot SYMBOL:FILE`, docs/REPLAY.md):
// GET /api/v3/depth?symbol=…&limit=… answered with recorded bodies, so a capture of `@depth`
// diff frames replays into a whole book. Each symbol has its files in command-line order: the
// n-th GET for it gets the n-th file, and every GET after the last gets the last again. The
// answer is the file's bytes as they are (a real body, {"lastUpdateId":…,"bids":…,"asks":…}, or
// junk on purpose); `limit` is checked as Binance checks it but not applied. The sim does not
// read the bodies: it stays independent of tickerd's parsers. Pure except load_depth_snapshots().
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickerd::sim::replay {

// Largest snapshot file: Binance's 5000-level answer is well under 1 MiB.
inline constexpr std::size_t max_depth_snapshot_bytes = 16u << 20;

// One `--depth-snapshot SYMBOL:FILE`.
struct depth_snapshot_arg {
  std::string symbol;  // as Binance spells it in requests: BTCUSDT
  std::string path;
};

// "BTCUSDT:snap.json" -> {BTCUSDT, snap.json}: the symbol is 1 to 20 of A-Z 0-9 - _ . (Binance's
// legal range), the file anything non-empty after the first ':'. nullopt with `error` set.
std::optional<depth_snapshot_arg> parse_depth_snapshot_arg(std::string_view text,
                                                           std::string& error);

struct depth_reply {
  unsigned status = 200;
  std::string body;
};

class depth_snapshots {
 public:
  // Appends `body` to the symbol's list (the next in order).
  void add(const std::string& symbol, std::string body);
  bool empty() const noexcept { return by_symbol_.empty(); }
  // The symbols and how many files each has, for the start-up log.
  std::vector<std::pair<std::string, std::size_t>> counts() const;

  // True for GET /api/v3/depth and /binance/api/v3/depth (any query).
  static bool is_depth_target(std::string_view target) noexcept;
  // The answer to a depth request. A 200 answer advances the symbol's position when `advance`
  // (GET; a HEAD only looks). Errors, Binance's (HTTP 400): no symbol -1102, a bad limit -1100,
  // a symbol with no file -1121 {"code":-1121,"msg":"Invalid symbol."}.
  depth_reply answer(std::string_view target, bool advance = true);
  // 200 answers given so far for `symbol`.
  std::uint64_t served(std::string_view symbol) const noexcept;

 private:
  struct entry {
    std::vector<std::string> bodies;  // in order; at least one
    std::uint64_t served = 0;
  };
  std::map<std::string, entry, std::less<>> by_symbol_;
};

// Reads every file into `out`, in order. False with `message` = "FILE: reason" (cannot open,
// cannot read, empty or only whitespace, too large) at the first bad one.
bool load_depth_snapshots(const std::vector<depth_snapshot_arg>& args, depth_snapshots& out,
                          std::string& message);

}  // namespace tickerd::sim::replay
