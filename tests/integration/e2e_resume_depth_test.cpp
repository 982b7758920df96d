// The resume history's depth per family (docs/PROTOCOL.md, "Resume with `since`"): a
// top-of-book channel keeps its last 16 updates, a ticker [node] resume_history (256). From the
// same position 20 updates back, the ticker resumes with exactly the missed updates and the
// bbo channel gets a reset and its current state; from within 16 the bbo channel resumes too.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::seconds;

constexpr const char* ticker = "ticker.BTC-USDT";
constexpr const char* bbo = "bbo.BTC-USDT@binance";

struct position {
  std::int64_t seq = 0;
  std::string epoch;
};

std::string resume_request(std::int64_t id, const position& t, const position& b) {
  const auto since = [](const char* channel, const position& p) {
    return "\"" + std::string(channel) + R"(":{"seq":)" + std::to_string(p.seq) + R"(,"epoch":")" +
           p.epoch + R"("})";
  };
  return R"({"op":"subscribe","id":)" + std::to_string(id) + R"(,"channels":[")" + ticker +
         R"(",")" + bbo + R"("],"since":{)" + since(ticker, t) + "," + since(bbo, b) + "}}";
}

std::vector<ws_message> on(const std::vector<ws_message>& all, std::string_view type,
                           std::string_view channel) {
  std::vector<ws_message> out;
  for (const auto& m : all) {
    if (m.type() == type && m.channel() == channel) out.push_back(m);
  }
  return out;
}

// The updates of `channel` follow `from` one by one, starting right after it.
testing::AssertionResult follows_on(const std::vector<ws_message>& all, std::string_view channel,
                                    std::int64_t from) {
  std::int64_t expect = from + 1;
  for (const auto& m : on(all, "update", channel)) {
    if (m.seq() != expect) {
      return testing::AssertionFailure()
             << channel << ": seq " << m.seq() << ", expected " << expect << ": " << m.raw;
    }
    ++expect;
  }
  if (expect == from + 1) return testing::AssertionFailure() << channel << ": no update";
  return testing::AssertionSuccess();
}

TEST(resume_depth_e2e, bbo_keeps_sixteen_updates_for_resumes_and_the_ticker_its_resume_history) {
  stack_options options;
  options.symbols = {"BTC-USDT"};
  options.sim_args = {"--symbols", "BTCUSDT"};
  options.streams = R"(["ticker", "bbo"])";
  stack s(options);
  ASSERT_TRUE(s.start());

  ws_client first;
  ASSERT_TRUE(first.connect(s.port()));
  ASSERT_TRUE(first.send_text(subscribe_request(1, {ticker, bbo})));
  const auto first_update = [&](const char* channel) {
    const auto m = first.wait_for(typed_on("update", channel), seconds(30));
    return m ? position{m->seq(), (*m)["epoch"].str()} : position{};
  };
  const position t0 = first_update(ticker);
  const position b0 = first_update(bbo);
  ASSERT_NE(t0.seq, 0) << first.tail();
  ASSERT_NE(b0.seq, 0) << first.tail();
  // 20 updates of each later: past the bbo's 16, well within the ticker's 256.
  ASSERT_TRUE(first.wait_until(
      [&](const auto& all) {
        const auto t = on(all, "update", ticker);
        const auto b = on(all, "update", bbo);
        return !t.empty() && !b.empty() && t.back().seq() >= t0.seq + 20 &&
               b.back().seq() >= b0.seq + 20;
      },
      seconds(60)))
      << first.tail();
  const auto seen = first.messages();
  const position b_recent{on(seen, "update", bbo).back().seq() - 4, b0.epoch};
  const position t_recent{on(seen, "update", ticker).back().seq() - 4, t0.epoch};

  ws_client old;
  ASSERT_TRUE(old.connect(s.port()));
  ASSERT_TRUE(old.send_text(resume_request(2, t0, b0)));
  const auto reset = old.wait_for(typed_on("reset", bbo));
  ASSERT_TRUE(reset) << old.tail();
  EXPECT_EQ((*reset)["reason"].str(), "history_gone") << reset->raw;
  EXPECT_EQ((*reset)["epoch"].str(), b0.epoch) << reset->raw;
  const auto snap = old.wait_for(typed_on("snapshot", bbo), default_timeout, reset->index + 1);
  ASSERT_TRUE(snap) << old.tail();
  EXPECT_GE(snap->seq(), b0.seq + 20) << snap->raw;
  EXPECT_TRUE(snap->data().has("bid")) << snap->raw;
  // The ticker, as far back, resumes exactly: every missed update, no reset, no snapshot.
  ASSERT_TRUE(old.wait_until([&](const auto& all) {
    const auto t = on(all, "update", ticker);
    return !t.empty() && t.back().seq() >= t0.seq + 22;
  })) << old.tail();
  const auto resumed = old.messages();
  EXPECT_TRUE(follows_on(resumed, ticker, t0.seq)) << old.tail();
  EXPECT_TRUE(on(resumed, "reset", ticker).empty()) << old.tail();
  EXPECT_TRUE(on(resumed, "snapshot", ticker).empty()) << old.tail();

  // Within the last 16: the bbo channel resumes exactly too.
  ws_client recent;
  ASSERT_TRUE(recent.connect(s.port()));
  ASSERT_TRUE(recent.send_text(resume_request(3, t_recent, b_recent)));
  ASSERT_TRUE(recent.wait_until([&](const auto& all) {
    const auto b = on(all, "update", bbo);
    const auto t = on(all, "update", ticker);
    return !b.empty() && !t.empty() && b.back().seq() >= b_recent.seq + 6 &&
           t.back().seq() >= t_recent.seq + 6;
  })) << recent.tail();
  const auto again = recent.messages();
  EXPECT_TRUE(on(again, "reset", bbo).empty()) << recent.tail();
  EXPECT_TRUE(on(again, "snapshot", bbo).empty()) << recent.tail();
  EXPECT_TRUE(follows_on(again, bbo, b_recent.seq)) << recent.tail();
  EXPECT_TRUE(follows_on(again, ticker, t_recent.seq)) << recent.tail();
}

}  // namespace
}  // namespace tickerd::e2e
