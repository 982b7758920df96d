// Capture files for `tickerd-sim --replay` (format: docs/REPLAY.md) and the schedule on which
// one connection receives them. Pure: no sockets, no clock (times are passed in), so parsing
// and pacing are unit-tested on their own. load_capture() is the only I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/connection.hpp"

namespace tickerd::sim::replay {

// Longest line accepted (without its line break): far above any venue frame, low enough that
// a file that is not a capture fails fast.
inline constexpr std::size_t max_line_bytes = 1u << 20;
// Largest `@<ms>`: about 31.7 years. Catches epoch timestamps (1.7e12), which would make the
// first record wait for decades.
inline constexpr std::int64_t max_time_ms = 1'000'000'000'000;
// With --replay-loop a pass lasts at least this long (wall time), so a capture without
// timestamps repeats once a second instead of flooding the client.
inline constexpr std::int64_t min_loop_period_us = 1'000'000;

struct record {
  std::int64_t at_ms = 0;  // since the capture's start
  std::size_t line = 0;    // 1-based line in the file, for logs
  frame_ptr frame;         // sent byte for byte as one text frame, shared by every connection
};

struct capture {
  std::vector<record> records;  // at least one, times non-decreasing
  std::int64_t duration_ms() const noexcept { return records.empty() ? 0 : records.back().at_ms; }
};

struct capture_error {
  std::size_t line = 0;  // 1-based; 0 when the error is about the whole file
  std::string reason;
};

// Parses a capture's text. False with `error` set at the first bad line, or when the text
// holds no record; `out` is then unspecified.
bool parse_capture(std::string_view text, capture& out, capture_error& error);

// Reads the whole of `path` into `text`. False with `message` set to "FILE: cannot open: …" or
// "FILE: cannot read: …".
bool read_file(const std::string& path, std::string& text, std::string& message);

// Reads and parses `path`. False with `message` set to "FILE:LINE: reason" (or "FILE: reason"
// for an unreadable or empty file).
bool load_capture(const std::string& path, capture& out, std::string& message);

// --speed: finite and > 0.
bool valid_speed(double speed) noexcept;

// When a record stamped `at_ms` is due, in microseconds after its pass started, at `speed`
// (delays are divided by it). Rounded to the nearest microsecond, and at most about 95 years
// however small the speed, so due times stay inside steady_clock's range.
std::int64_t offset_us(std::int64_t at_ms, double speed) noexcept;

// One connection's position in the capture: which record is next and when it is due.
class cursor {
 public:
  cursor(std::shared_ptr<const capture> c, double speed, bool loop);

  // The first pass starts now (on connect, or at the first subscribe request).
  void start(std::int64_t now_us) noexcept;
  bool started() const noexcept { return started_; }
  // Every record was taken and there is no loop.
  bool done() const noexcept { return done_; }
  // When the next record is due (steady-clock µs); only meaningful when started and not done.
  std::int64_t next_due_us() const noexcept;
  // The next record; advances, and with a loop starts the next pass after the last record.
  const record& take() noexcept;
  std::uint64_t passes() const noexcept { return passes_; }  // completed passes

 private:
  std::shared_ptr<const capture> capture_;
  double speed_;
  bool loop_;
  bool started_ = false;
  bool done_ = false;
  std::size_t next_ = 0;
  std::int64_t pass_start_us_ = 0;
  std::uint64_t passes_ = 0;
};

}  // namespace tickerd::sim::replay
