#include "gateway/sse_query.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "gateway/query_params.hpp"

namespace tickerd {
namespace {

constexpr std::int64_t max_throttle_ms = client_request_parser::max_throttle_ms;

bool bad(sse_query_error& err, std::string message) {
  err.code = "bad_request";
  err.message = std::move(message);
  return false;
}

bool epoch_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool parse_position(std::string_view item, sse_position& out) {
  out = {};
  if (item == "-") return true;
  const auto colon = item.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const auto epoch = item.substr(0, colon);
  const auto seq = item.substr(colon + 1);
  if (epoch.size() > sse_max_epoch_chars || !std::all_of(epoch.begin(), epoch.end(), epoch_char)) {
    return false;
  }
  if (seq.empty() || seq.size() > 20 || seq.find_first_not_of("0123456789") != seq.npos) {
    return false;
  }
  const auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), out.seq);
  if (ec != std::errc() || end != seq.data() + seq.size()) return false;
  out.epoch = std::string(epoch);
  return true;
}

bool split_channels(std::string_view list, std::vector<std::string>& out, sse_query_error& err) {
  out.clear();
  if (list.empty()) return bad(err, "'channels' is empty");
  for (std::size_t start = 0;;) {
    const auto comma = list.find(',', start);
    const auto name = list.substr(start, comma == list.npos ? list.npos : comma - start);
    if (name.empty()) return bad(err, "'channels' has an empty name");
    if (std::find(out.begin(), out.end(), name) != out.end()) {
      return bad(err, "'channels' names '" + shown(name) + "' twice");
    }
    if (out.size() == sse_max_channels) return bad(err, "'channels' lists more than 1024 names");
    out.emplace_back(name);
    if (comma == list.npos) return true;
    start = comma + 1;
  }
}

}  // namespace

bool parse_sse_event_id(std::string_view id, std::size_t expected, std::vector<sse_position>& out,
                        std::string& error) {
  out.clear();
  for (std::size_t start = 0;;) {
    const auto comma = id.find(',', start);
    const auto item = id.substr(start, comma == id.npos ? id.npos : comma - start);
    if (out.size() == expected) {
      error =
          "names more positions than 'channels' names channels (" + std::to_string(expected) + ")";
      return false;
    }
    sse_position p;
    if (!parse_position(item, p)) {
      error = "position '" + shown(item) + "' is not <epoch>:<seq> or -";
      return false;
    }
    out.push_back(std::move(p));
    if (comma == id.npos) break;
    start = comma + 1;
  }
  if (out.size() != expected) {
    error = "names " + std::to_string(out.size()) + " positions for " + std::to_string(expected) +
            " channels";
    return false;
  }
  return true;
}

void append_sse_event_id(std::string& out, std::span<const sse_position> positions) {
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (i != 0) out.push_back(',');
    if (positions[i].epoch.empty()) {
      out.push_back('-');
      continue;
    }
    out.append(positions[i].epoch).push_back(':');
    char digits[20];  // the most a 64-bit unsigned needs
    const auto end = std::to_chars(digits, digits + sizeof digits, positions[i].seq).ptr;
    out.append(digits, end);
  }
}

bool parse_sse_query(std::string_view target, std::string_view last_event_id, sse_query& out,
                     sse_query_error& err) {
  out = {};
  bool has_channels = false;
  std::optional<std::string> since;
  // Repeated keys: the last one counts, as for a repeated key in a WebSocket request.
  const auto on_param = [&](std::string_view key, std::string_view value) {
    if (key == "channels") {
      has_channels = true;
      if (!split_channels(value, out.channels, err)) return false;
    } else if (key == "throttle_ms") {
      std::int64_t ms = -1;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || ms < 0 ||
          ms > max_throttle_ms) {
        return bad(err, "'throttle_ms' must be an integer from 0 to 60000");
      }
      out.throttle_ms = static_cast<std::int32_t>(ms);
    } else if (key == "format") {
      const auto f = parse_data_format(value);
      if (!f) return bad(err, "unknown format '" + shown(value) + R"(': "native" or "ccxt")");
      out.format = *f;
    } else if (key == "since") {
      since = value;
    } else if (key == "token") {
      out.token = value;
    }
    // Other parameters are ignored: cache busters, options newer servers may add.
    return true;
  };
  std::string broken;
  if (!for_each_query_param(target, broken, on_param)) {
    return broken.empty() ? false : bad(err, std::move(broken));
  }
  if (!has_channels) return bad(err, "missing 'channels' (e.g. ?channels=ticker.BTC-USDT,fng)");

  // Last-Event-ID is where the client really is: a reconnecting EventSource sends it and keeps
  // the URL, so the `since` there is older.
  std::string_view where = last_event_id;
  const char* source = "Last-Event-ID";
  if (where.empty() && since) {
    where = *since;
    source = "'since'";
  }
  if (where.empty()) return true;
  std::vector<sse_position> positions;
  std::string error;
  if (!parse_sse_event_id(where, out.channels.size(), positions, error)) {
    return bad(err, std::string(source) + " " + error);
  }
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (positions[i].epoch.empty()) continue;
    out.since.push_back({out.channels[i], positions[i].seq, std::move(positions[i].epoch)});
  }
  return true;
}

}  // namespace tickerd
