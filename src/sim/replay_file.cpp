#include "sim/replay_file.hpp"

#include <simdjson.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

namespace tickerd::sim::replay {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
constexpr std::size_t read_chunk_bytes = 64 * 1024;
// offset_us() never returns more than this (about 95 years), so a due time stays far inside
// steady_clock's nanosecond range however small --speed is.
constexpr double max_offset_us = 3e15;

bool is_blank(std::string_view line) noexcept {
  for (const char c : line) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

// `@<ms> <frame>` -> at_ms and frame; false with `reason` set.
bool parse_timed(std::string_view line, std::int64_t& at_ms, std::string_view& frame,
                 std::string& reason) {
  std::size_t i = 1;  // past '@'
  std::int64_t value = 0;
  bool too_big = false;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
    if (!too_big) {
      value = value * 10 + (line[i] - '0');
      too_big = value > max_time_ms;
    }
    ++i;
  }
  if (i == 1) {
    reason = "bad timestamp: expected @<milliseconds> <frame>";
    return false;
  }
  if (too_big) {
    reason = "bad timestamp: more than " + std::to_string(max_time_ms) +
             " ms (times are milliseconds since the capture's start, not since the epoch)";
    return false;
  }
  if (i < line.size() && line[i] != ' ' && line[i] != '\t') {
    reason = "bad timestamp: expected a space after @<milliseconds>";
    return false;
  }
  frame = i < line.size() ? line.substr(i + 1) : std::string_view{};
  if (is_blank(frame)) {
    reason = "empty frame after the timestamp";
    return false;
  }
  at_ms = value;
  return true;
}

}  // namespace

bool parse_capture(std::string_view text, capture& out, capture_error& error) {
  out.records.clear();
  if (text.starts_with(utf8_bom)) text.remove_prefix(utf8_bom.size());
  std::size_t line_no = 0;
  std::int64_t previous_ms = 0;
  std::size_t previous_timed_line = 0;
  auto fail = [&](std::string reason) {
    error.line = line_no;
    error.reason = std::move(reason);
    return false;
  };

  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);

    if (line.size() > max_line_bytes) {
      return fail("line longer than " + std::to_string(max_line_bytes) + " bytes");
    }
    if (!simdjson::validate_utf8(line.data(), line.size())) return fail("invalid UTF-8");
    if (is_blank(line) || line.front() == '#') continue;

    record r;
    r.line = line_no;
    r.at_ms = previous_ms;  // untimed: right after the previous record
    std::string_view frame = line;
    if (line.front() == '@') {
      std::string reason;
      if (!parse_timed(line, r.at_ms, frame, reason)) return fail(std::move(reason));
      if (r.at_ms < previous_ms) {
        return fail("time goes backwards: @" + std::to_string(r.at_ms) + " after @" +
                    std::to_string(previous_ms) + " on line " +
                    std::to_string(previous_timed_line));
      }
      previous_ms = r.at_ms;
      previous_timed_line = line_no;
    }
    r.frame = make_frame(std::string(frame));
    out.records.push_back(std::move(r));
  }
  if (out.records.empty()) {
    line_no = 0;
    return fail("no records (only blank lines and comments)");
  }
  return true;
}

bool read_file(const std::string& path, std::string& text, std::string& message) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    // Start-up only, before any other thread exists.
    message = path + ": cannot open: " + std::strerror(errno);  // NOLINT(concurrency-mt-unsafe)
    return false;
  }
  text.clear();
  char chunk[read_chunk_bytes];
  while (true) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
    text.append(chunk, n);
    if (n < sizeof chunk) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    message = path + ": cannot read: " + std::strerror(err);  // NOLINT(concurrency-mt-unsafe)
    return false;
  }
  return true;
}

bool load_capture(const std::string& path, capture& out, std::string& message) {
  std::string text;
  if (!read_file(path, text, message)) return false;
  capture_error error;
  if (!parse_capture(text, out, error)) {
    message = error.line == 0 ? path + ": " + error.reason
                              : path + ":" + std::to_string(error.line) + ": " + error.reason;
    return false;
  }
  return true;
}

bool valid_speed(double speed) noexcept {
  return std::isfinite(speed) && speed > 0;
}

std::int64_t offset_us(std::int64_t at_ms, double speed) noexcept {
  const double us = std::round(static_cast<double>(at_ms) * 1000.0 / speed);
  if (!(us < max_offset_us)) return static_cast<std::int64_t>(max_offset_us);
  return us > 0 ? static_cast<std::int64_t>(us) : 0;
}

cursor::cursor(std::shared_ptr<const capture> c, double speed, bool loop)
    : capture_(std::move(c)), speed_(speed), loop_(loop), done_(capture_->records.empty()) {}

void cursor::start(std::int64_t now_us) noexcept {
  if (started_) return;
  started_ = true;
  pass_start_us_ = now_us;
}

std::int64_t cursor::next_due_us() const noexcept {
  return pass_start_us_ + offset_us(capture_->records[next_].at_ms, speed_);
}

const record& cursor::take() noexcept {
  const auto& records = capture_->records;
  const record& r = records[next_];
  if (++next_ < records.size()) return r;
  ++passes_;
  if (!loop_) {
    done_ = true;
    return r;
  }
  // The next pass starts where this one's capture time ended (at least min_loop_period_us on).
  const std::int64_t pass_us = offset_us(r.at_ms, speed_);
  pass_start_us_ += pass_us > min_loop_period_us ? pass_us : min_loop_period_us;
  next_ = 0;
  return r;
}

}  // namespace tickerd::sim::replay
