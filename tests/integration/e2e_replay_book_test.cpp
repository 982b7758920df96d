// A recorded Binance book replays whole (issue 18): tickerd-sim --replay serves a capture of
// btcusdt@depth@100ms diff frames and, with --depth-snapshot, answers GET /api/v3/depth from the
// REST bodies recorded with it, one per request in order, the last repeated. tickerd with the
// `book` stream joins them by Binance's rule and its book20.BTC-USDT@binance must equal the book
// this test computes from the same files (the snapshot, then every event whose u is past its
// lastUpdateId, each level's absolute size, "0" removing it), over exact decimal strings. Also:
// the sim's answers themselves, and its start-up errors.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "sim_refusal.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string data_dir = std::string(TICKERD_SOURCE_DIR) + "/tests/data/replay/";
const std::string capture = data_dir + "binance_book.jsonl";
const std::string good_snapshot = data_dir + "binance_book_snapshot.json";
const std::string stale_snapshot = data_dir + "binance_book_snapshot_stale.json";
constexpr duration wait_bound{30'000};

// ---- the book, worked out from the files -------------------------------------------------

// Orders non-negative decimal strings by value ("91250.1" < "91250.15" < "91251"), so the
// levels are keyed by price exactly, with no floating point.
struct by_value {
  static std::pair<std::string_view, std::string_view> split(std::string_view s) {
    const auto dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
    while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
    while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
    return {whole, frac};
  }
  bool operator()(const std::string& a, const std::string& b) const {
    const auto [aw, af] = split(a);
    const auto [bw, bf] = split(b);
    if (aw.size() != bw.size()) return aw.size() < bw.size();
    if (aw != bw) return aw < bw;
    return af < bf;  // trailing zeros gone: plain string order is value order
  }
};

using side = std::map<std::string, std::string, by_value>;  // price -> size, as written

bool is_zero(std::string_view size) {
  return size.find_first_not_of("0.") == std::string_view::npos;
}

void apply_levels(side& s, const json_value& levels) {
  for (const auto& l : levels.items()) {
    if (is_zero(l[1].str())) {
      s.erase(l[0].str());
    } else {
      s[l[0].str()] = l[1].str();
    }
  }
}

struct expected_book {
  side bids, asks;
  std::int64_t update_id = 0;
};

// The snapshot, then each capture event with u > lastUpdateId (Binance's rule since 2025: the
// first of them has U <= lastUpdateId + 1 <= u; the test data is built so).
expected_book book_from_files(const std::string& snapshot_file, const std::string& capture_file) {
  expected_book b;
  const auto snapshot = json_value::parse(read_text_file(snapshot_file));
  EXPECT_TRUE(snapshot) << snapshot_file;
  if (!snapshot) return b;
  apply_levels(b.bids, (*snapshot)["bids"]);
  apply_levels(b.asks, (*snapshot)["asks"]);
  b.update_id = (*snapshot)["lastUpdateId"].integer();
  const std::string text = read_text_file(capture_file);
  std::size_t events = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = text.find('\n', at);
    std::string_view line(text.data() + at, (nl == std::string::npos ? text.size() : nl) - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '@') line.remove_prefix(line.find(' ') + 1);
    const auto frame = json_value::parse(line);
    EXPECT_TRUE(frame) << line;
    if (!frame) continue;
    const json_value& e = (*frame)["data"];
    ++events;
    if (e["u"].integer() <= b.update_id) continue;
    EXPECT_LE(e["U"].integer(), b.update_id + 1) << "a gap in the test data: " << line;
    apply_levels(b.bids, e["b"]);
    apply_levels(b.asks, e["a"]);
    b.update_id = e["u"].integer();
  }
  EXPECT_GT(events, 0u) << capture_file;
  return b;
}

// [[price, size], ...] best first, at most `depth`: bids high to low, asks low to high.
std::string levels_json(const side& s, bool bids, std::size_t depth) {
  std::vector<std::pair<std::string, std::string>> v(s.begin(), s.end());
  if (bids) std::reverse(v.begin(), v.end());
  if (v.size() > depth) v.resize(depth);
  std::string out = "[";
  for (const auto& [price, size] : v) {
    if (out.size() > 1) out += ',';
    out += "[\"" + price + "\",\"" + size + "\"]";
  }
  return out + "]";
}

// ---- tickerd and the replaying sim ---------------------------------------------------------

class book_replay {
 public:
  book_replay() : dir_("replay-book"), port_(free_port()), sim_port_(free_port()) {}

  testing::AssertionResult start_sim(const std::vector<std::string>& snapshots) {
    std::vector<std::string> argv{
        TICKERD_SIM_BIN, "--listen", "127.0.0.1:" + std::to_string(sim_port_), "--replay", capture,
        "--venue",       "binance"};
    for (const auto& s : snapshots) {
      argv.push_back("--depth-snapshot");
      argv.push_back("BTCUSDT:" + s);
    }
    if (auto r = sim_.spawn(std::move(argv), dir_.path(), "sim"); !r) return r;
    return sim_.wait_for_stdout_line(
        "tickerd-sim listening on 127.0.0.1:" + std::to_string(sim_port_), start_timeout);
  }

  // One Binance feed reading only the book; rest_url defaults to the sim's own host and port.
  // A staleness window far longer than the test: no reconnect replays the capture again.
  testing::AssertionResult start_tickerd() {
    const auto config =
        dir_.write("tickerd.toml",
                   "[server]\nlisten = \"127.0.0.1:" + std::to_string(port_) +
                       "\"\nshards = 1\nweb_root = \"" + TICKERD_SOURCE_DIR +
                       "/web\"\n\n[log]\nlevel = \"info\"\n\n[market]\nsymbols = [\"BTC-USDT\"]\n\n"
                       "[[feeds]]\nvenue = \"binance\"\nurl = \"ws://127.0.0.1:" +
                       std::to_string(sim_port_) +
                       "/stream\"\nstreams = [\"book\"]\nstale_after_ms = 60000\n"
                       "backoff_initial_ms = 50\nbackoff_max_ms = 200\n");
    if (auto r = tickerd_.spawn({TICKERD_BIN, "--config", config.string()}, dir_.path(), "tickerd");
        !r) {
      return r;
    }
    return wait_for_http_200(port_, "/healthz", start_timeout, &tickerd_);
  }

  // Polls GET /v1/book until the book is ready at `update_id`; the last reply otherwise.
  testing::AssertionResult wait_book(std::int64_t update_id, json_value& data) {
    const auto deadline = std::chrono::steady_clock::now() + wait_bound;
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto r = http_get(port_, "/v1/book/BTC-USDT?venue=binance&depth=20", seconds(5));
      last = r.body;
      if (const auto json = json_value::parse(r.body); r.status == 200 && json) {
        const json_value& d = (*json)["data"];
        if (d["status"].str() == "ready" && d["update_id"].integer() == update_id) {
          data = d;
          return testing::AssertionSuccess();
        }
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return testing::AssertionFailure() << "the book never reached update_id " << update_id
                                       << "; last GET /v1/book: " << last << "\n"
                                       << logs();
  }

  // The feed's "books" object in /v1/feeds.
  json_value books() {
    const auto json = json_value::parse(http_get(port_, "/v1/feeds", seconds(5)).body);
    return json ? feed_entry(*json, "binance")["books"] : json_value{};
  }

  std::uint16_t sim_port() const { return sim_port_; }
  std::string logs() { return tickerd_.logs() + sim_.logs(); }

 private:
  temp_dir dir_;
  std::uint16_t port_;
  std::uint16_t sim_port_;
  // Declared before tickerd: destroyed after it, so tickerd does not log a reconnect storm.
  child_process sim_;
  child_process tickerd_;
};

void expect_book(const json_value& data, const expected_book& want) {
  const auto bids = json_value::parse(levels_json(want.bids, true, 20));
  const auto asks = json_value::parse(levels_json(want.asks, false, 20));
  ASSERT_TRUE(bids && asks);
  EXPECT_EQ(data["bids"], *bids) << "want " << levels_json(want.bids, true, 20);
  EXPECT_EQ(data["asks"], *asks) << "want " << levels_json(want.asks, false, 20);
  EXPECT_EQ(data["symbol"].str(), "BTC-USDT");
  EXPECT_EQ(data["venue"].str(), "binance");
}

TEST(end_to_end_replay_book, a_recorded_binance_book_replays_whole) {
  const expected_book want = book_from_files(good_snapshot, capture);
  // The data set means something: the snapshot's levels moved, some levels went, some came.
  ASSERT_EQ(want.update_id, 1000120);
  ASSERT_EQ(want.bids.size(), 6u);
  ASSERT_EQ(want.asks.size(), 5u);

  book_replay run;
  ASSERT_TRUE(run.start_sim({good_snapshot}));
  ASSERT_TRUE(run.start_tickerd());
  json_value data;
  ASSERT_TRUE(run.wait_book(want.update_id, data));
  expect_book(data, want);

  const json_value books = run.books();
  EXPECT_EQ(books["ready"].integer(), 1) << run.logs();
  EXPECT_EQ(books["snapshots"].integer(), 1);
  EXPECT_EQ(books["resyncs"]["stale_snapshot"].integer(), 0);
  EXPECT_EQ(books["resyncs"]["gap"].integer(), 0);
}

TEST(end_to_end_replay_book, a_stale_first_snapshot_is_refetched_and_the_next_one_joins) {
  const expected_book want = book_from_files(good_snapshot, capture);
  book_replay run;
  // The first answer is older than the capture's first event (lastUpdateId < U): tickerd must
  // count a stale_snapshot and ask again; the second answer (and any after) is the good one.
  ASSERT_TRUE(run.start_sim({stale_snapshot, good_snapshot}));
  ASSERT_TRUE(run.start_tickerd());
  json_value data;
  ASSERT_TRUE(run.wait_book(want.update_id, data));
  expect_book(data, want);

  const json_value books = run.books();
  EXPECT_EQ(books["ready"].integer(), 1) << run.logs();
  EXPECT_EQ(books["resyncs"]["stale_snapshot"].integer(), 1) << run.logs();
  EXPECT_EQ(books["snapshots"].integer(), 1);  // the stale one is not applied
  EXPECT_EQ(books["resyncs"]["gap"].integer(), 0);
}

TEST(end_to_end_replay_book, the_sim_answers_in_order_the_last_repeated) {
  book_replay run;
  ASSERT_TRUE(run.start_sim({stale_snapshot, good_snapshot}));
  const std::string target = "/api/v3/depth?symbol=BTCUSDT&limit=1000";
  const std::string stale_body = read_text_file(stale_snapshot);
  const std::string good_body = read_text_file(good_snapshot);
  const auto first = http_get(run.sim_port(), target);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, stale_body);
  for (int i = 0; i < 3; ++i) {
    const auto again = http_get(run.sim_port(), i == 1 ? "/binance" + target : target);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, good_body) << i;
  }
  const auto other = http_get(run.sim_port(), "/api/v3/depth?symbol=ETHUSDT&limit=1000");
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.body, R"({"code":-1121,"msg":"Invalid symbol."})");
  // The capture's WebSocket paths are still the venue's, and nothing else is served.
  EXPECT_EQ(http_get(run.sim_port(), "/stream").status, 426);
  EXPECT_EQ(http_get(run.sim_port(), "/api/v3/exchangeInfo").status, 404);
}

TEST(end_to_end_replay_book, bad_depth_snapshots_exit_2_with_the_reason) {
  temp_dir dir("replay-book-bad");
  const auto empty = dir.write("empty.json", "");
  const auto missing = (dir.path() / "nope.json").string();
  struct bad_run {
    std::string name;
    std::vector<std::string> args;
    std::string stderr_part;
  };
  const std::vector<bad_run> runs{
      {"empty file",
       {"--venue", "binance", "--depth-snapshot", "BTCUSDT:" + empty.string()},
       empty.string() + ": empty"},
      {"missing file",
       {"--venue", "binance", "--depth-snapshot", "BTCUSDT:" + missing},
       missing + ": cannot open: No such file or directory"},
      {"a directory",
       {"--venue", "binance", "--depth-snapshot", "BTCUSDT:" + dir.path().string()},
       dir.path().string() + ": cannot read"},
      {"no symbol", {"--venue", "binance", "--depth-snapshot", good_snapshot}, "SYMBOL:FILE"},
      {"another venue",
       {"--venue", "okx", "--depth-snapshot", "BTCUSDT:" + good_snapshot},
       "--depth-snapshot: only with --venue binance"},
  };
  for (const auto& r : runs) {
    std::vector<std::string> args{"--replay", capture};
    args.insert(args.end(), r.args.begin(), r.args.end());
    expect_sim_refuses(r.name, args, r.stderr_part, dir.path());
  }
  // Without --replay the option is refused too.
  const auto plain = run_to_exit(
      {TICKERD_SIM_BIN, "--listen", "127.0.0.1:0", "--depth-snapshot", "BTCUSDT:" + good_snapshot},
      dir.path(), "sim", seconds(30));
  EXPECT_TRUE(plain.exit.exited && plain.exit.code == 2) << plain.exit.str() << plain.err;
  EXPECT_NE(plain.err.find("--replay"), std::string::npos) << plain.err;
}

}  // namespace
}  // namespace tickerd::e2e
