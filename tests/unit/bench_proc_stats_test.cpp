#include <gtest/gtest.h>

#include <unistd.h>

#include <string>

#include "load/core/proc_stats.hpp"

namespace tickerd::bench {
namespace {

TEST(BenchProcStats, StatLineWithAwkwardCommandName) {
  // Field 2 may hold spaces and parentheses; utime and stime are fields 14 and 15.
  const std::string stat =
      "4242 (tick erd) (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 750 250 0 0 20 0 3 0 100 "
      "1000000 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  EXPECT_EQ(parse_stat_cpu_ticks(stat), 1000u);
  EXPECT_FALSE(parse_stat_cpu_ticks("4242 (x) S 1 2"));
  EXPECT_FALSE(parse_stat_cpu_ticks("garbage"));
}

TEST(BenchProcStats, StatusFields) {
  const std::string status =
      "Name:\ttickerd\nVmHWM:\t   50000 kB\nVmRSS:\t   45312 kB\nThreads:\t3\nVmRSSx:\t1 kB\n";
  EXPECT_EQ(parse_status_field(status, "VmRSS"), 45312u);
  EXPECT_EQ(parse_status_field(status, "VmHWM"), 50000u);
  EXPECT_EQ(parse_status_field(status, "Threads"), 3u);
  EXPECT_FALSE(parse_status_field(status, "VmSwap"));
  EXPECT_FALSE(parse_status_field("VmRSS:\tnone\n", "VmRSS"));
}

TEST(BenchProcStats, ListenInode) {
  const std::string table =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        "
      "0 123456 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        "
      "0 999 1 0000000000000000 20 4 30 10 -1\n";
  EXPECT_EQ(parse_listen_inode(table, 8080), 123456u);
  EXPECT_FALSE(parse_listen_inode(table, 8081));
}

TEST(BenchProcStats, SamplesThisProcess) {
  const auto s = sample_process(::getpid());
  ASSERT_TRUE(s);
  EXPECT_GT(s->rss_kib, 0u);
  EXPECT_GE(s->threads, 1u);
  EXPECT_GT(clock_ticks_per_second(), 0);
  EXPECT_FALSE(sample_process(-5));
}

}  // namespace
}  // namespace tickerd::bench
