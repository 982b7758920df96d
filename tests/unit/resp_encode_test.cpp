// append_resp_command writes what hiredis' own encoder writes, byte for byte, and appends.
#include "store/resp_encode.hpp"

#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace tickerd {
namespace {

std::string hiredis_encoding(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  for (const auto a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* out = nullptr;
  const int n =
      ::redisFormatCommandArgv(&out, static_cast<int>(argv.size()), argv.data(), lens.data());
  std::string s(out, static_cast<std::size_t>(n));
  std::free(out);  // NOLINT(cppcoreguidelines-no-malloc): hiredis allocated it
  return s;
}

TEST(RespEncode, MatchesHiredisAndAppends) {
  const std::string big(70'000, 'x');
  const std::vector<std::vector<std::string_view>> commands = {
      {"PING"},
      {"SET", "k", std::string_view("v\0\r\nw", 5)},
      {"EVALSHA", "abc", "0", "", big},
  };
  std::string out = "prefix";
  std::string expected = "prefix";
  for (const auto& c : commands) {
    append_resp_command(out, c);
    expected += hiredis_encoding(c);
  }
  EXPECT_EQ(out, expected);
  std::string ping;
  const std::string_view args[] = {"PING"};
  append_resp_command(ping, args);
  EXPECT_EQ(ping, "*1\r\n$4\r\nPING\r\n");
}

}  // namespace
}  // namespace tickerd
