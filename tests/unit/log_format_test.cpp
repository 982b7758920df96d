// [log] format = "json": the message escaping and the line's shape (src/app/log_format.cpp).
#include "app/log_format.hpp"

#include <gtest/gtest.h>
#include <regex>

#include <spdlog/details/log_msg.h>

namespace tickerd {
namespace {

std::string escaped(std::string_view text) {
  spdlog::memory_buf_t out;
  append_json_escaped(out, text);
  return {out.data(), out.size()};
}

TEST(json_log, escapes_quotes_backslashes_and_control_characters) {
  EXPECT_EQ(escaped("plain text"), "plain text");
  EXPECT_EQ(escaped("say \"hi\" \\ bye"), "say \\\"hi\\\" \\\\ bye");
  EXPECT_EQ(escaped("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(escaped(std::string_view("\x01\x1f\x7f", 3)), "\\u0001\\u001f\\u007f");
  EXPECT_EQ(escaped(std::string_view("nul\0!", 5)), "nul\\u0000!");
}

TEST(json_log, keeps_utf8_and_replaces_bytes_that_are_not) {
  EXPECT_EQ(escaped("比特币 €"), "比特币 €");
  EXPECT_EQ(escaped("\xff"), "\\ufffd");
  EXPECT_EQ(escaped("a\xc3"), "a\\ufffd");                      // truncated sequence
  EXPECT_EQ(escaped("\xc0\xaf"), "\\ufffd\\ufffd");             // overlong
  EXPECT_EQ(escaped("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");  // a surrogate
}

TEST(json_log, a_line_is_one_object_with_timestamp_level_component_and_message) {
  auto f = make_json_log_formatter();
  const spdlog::details::log_msg msg("gateway", spdlog::level::warn, "quote \" here");
  spdlog::memory_buf_t out;
  f->format(msg, out);
  const std::string line(out.data(), out.size());
  const std::regex shape(
      R"(\{"timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","level":"warning","component":"gateway","message":"quote \\" here","thread":\d+\}\n)");
  EXPECT_TRUE(std::regex_match(line, shape)) << line;
}

}  // namespace
}  // namespace tickerd
