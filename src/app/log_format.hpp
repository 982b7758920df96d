// [log] format = "json": one JSON object per line, built by spdlog's pattern formatter with
// one custom flag that writes the message as a JSON string.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/pattern_formatter.h>

namespace tickerd {

// {"timestamp":"2026-12-06T23:40:01.123Z","level":"info","component":"gateway",
//  "message":"...","thread":1234}: UTC with milliseconds (RFC 3339), the spdlog level name,
// the logger's name (one per module).
std::unique_ptr<spdlog::formatter> make_json_log_formatter();

// Appends `text` as the inside of a JSON string: quotes, backslashes and control characters
// escaped, bytes that are not UTF-8 replaced by U+FFFD (log lines may quote upstream input).
void append_json_escaped(spdlog::memory_buf_t& out, std::string_view text);

}  // namespace tickerd
