// RESP encoding of one command (an array of bulk strings), appended to a buffer the caller
// reuses, so a pipeline of commands costs no allocation once the buffer has grown. Pure.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace tickerd {

// Appends "*<n>\r\n" then "$<len>\r\n<arg>\r\n" per argument (binary-safe).
void append_resp_command(std::string& out, std::span<const std::string_view> args);

}  // namespace tickerd
