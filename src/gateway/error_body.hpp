// The body of every JSON error reply over HTTP (docs/PROTOCOL.md "HTTP"): one writer for the
// shards' routes, the ops listeners and the ingest thread's answers.
#pragma once

#include <string>
#include <string_view>

namespace tickerd {

// {"error":<code>,"message":<message>}, both escaped (the message may quote the client).
std::string error_body(std::string_view code, std::string_view message);

}  // namespace tickerd
