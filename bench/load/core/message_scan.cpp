#include "load/core/message_scan.hpp"

#include <charconv>
#include <cstring>

namespace tickerd::bench {
namespace {

constexpr std::string_view recv_ts_key = "\"recv_ts\":";

struct cursor {
  const char* p;
  const char* end;

  void skip_space() noexcept {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  }
  bool eat(char c) noexcept {
    skip_space();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  bool peek(char c) noexcept {
    skip_space();
    return p < end && *p == c;
  }

  // A string's raw content (escapes left as they are); p ends after the closing quote.
  bool string(std::string_view& out) noexcept {
    skip_space();
    if (p >= end || *p != '"') return false;
    const char* start = ++p;
    while (true) {
      const void* q = std::memchr(p, '"', static_cast<std::size_t>(end - p));
      if (q == nullptr) return false;
      p = static_cast<const char*>(q);
      std::size_t backslashes = 0;
      for (const char* b = p; b > start && b[-1] == '\\'; --b) ++backslashes;
      if (backslashes % 2 == 0) break;
      ++p;
    }
    out = std::string_view(start, static_cast<std::size_t>(p - start));
    ++p;
    return true;
  }

  // An integer value; false (p after the number) when it is not one.
  bool integer(std::int64_t& out) noexcept {
    skip_space();
    const auto r = std::from_chars(p, end, out);
    if (r.ec != std::errc()) return false;
    p = r.ptr;
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
      skip_scalar();
      return false;
    }
    return true;
  }

  // An integer value (true), or any other value skipped (false); p is null when there is no
  // value at all.
  bool integer_or_skip(std::int64_t& out) noexcept {
    skip_space();
    const char* before = p;
    if (integer(out)) return true;
    if (p == before && !skip_value()) p = nullptr;
    return false;
  }

  void skip_scalar() noexcept {
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
           *p != '\t' && *p != '\r') {
      ++p;
    }
  }

  bool skip_value() noexcept {
    skip_space();
    if (p >= end) return false;
    if (*p == '"') {
      std::string_view ignored;
      return string(ignored);
    }
    if (*p != '{' && *p != '[') {
      const char* start = p;
      skip_scalar();
      return p != start;
    }
    int depth = 0;
    while (p < end) {
      const char c = *p;
      if (c == '"') {
        std::string_view ignored;
        if (!string(ignored)) return false;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) {
          ++p;
          return true;
        }
      }
      ++p;
    }
    return false;
  }
};

constexpr int max_flatten_depth = 16;

// One value at `path` (and everything inside it) into `out`; false when malformed.
bool flatten_value(cursor& c, std::string& path, flat_json& out, int depth) {
  if (depth > max_flatten_depth) return false;
  c.skip_space();
  if (c.p >= c.end) return false;
  const auto prefix = path.size();
  const auto child = [&](std::string_view name) {
    path.resize(prefix);
    if (!path.empty()) path.push_back('.');
    path.append(name);
  };
  if (c.eat('{')) {
    if (c.eat('}')) return true;
    while (true) {
      std::string_view key;
      if (!c.string(key) || !c.eat(':')) return false;
      child(key);
      if (!flatten_value(c, path, out, depth + 1)) return false;
      path.resize(prefix);
      if (c.eat(',')) continue;
      return c.eat('}');
    }
  }
  if (c.eat('[')) {
    if (c.eat(']')) return true;
    for (std::size_t i = 0;; ++i) {
      child(std::to_string(i));
      if (!flatten_value(c, path, out, depth + 1)) return false;
      path.resize(prefix);
      if (c.eat(',')) continue;
      return c.eat(']');
    }
  }
  if (*c.p == '"') {
    std::string_view s;
    if (!c.string(s)) return false;
    out.emplace_back(path, std::string(s));
    return true;
  }
  const char* start = c.p;
  c.skip_scalar();
  const std::string_view token(start, static_cast<std::size_t>(c.p - start));
  const bool number = !token.empty() && (token[0] == '-' || (token[0] >= '0' && token[0] <= '9'));
  if (!number && token != "true" && token != "false" && token != "null") return false;
  out.emplace_back(path, std::string(token));
  return true;
}

message_type type_of(std::string_view t) noexcept {
  if (t == "update") return message_type::update;
  if (t == "snapshot") return message_type::snapshot;
  if (t == "conflated") return message_type::conflated;
  if (t == "ack") return message_type::ack;
  if (t == "error") return message_type::error;
  if (t == "pong") return message_type::pong;
  if (t == "reset") return message_type::reset;
  if (t == "reconnect") return message_type::reconnect;
  return message_type::other;
}

}  // namespace

scanned_message scan_message(std::string_view text) noexcept {
  scanned_message m;
  cursor c{text.data(), text.data() + text.size()};
  bool have_type = false;
  bool have_channel = false;
  bool have_seq = false;
  const auto fail = [] { return scanned_message{}; };
  if (!c.eat('{') || c.peek('}')) return fail();
  while (true) {
    std::string_view key;
    if (!c.string(key) || !c.eat(':')) return fail();
    if (key == "type") {
      std::string_view t;
      if (!c.string(t)) return fail();
      m.type = type_of(t);
      have_type = true;
    } else if (key == "channel") {
      if (c.peek('"')) {
        if (!c.string(m.channel)) return fail();
        have_channel = true;
      } else if (!c.skip_value()) {
        return fail();
      }
    } else if (key == "epoch") {
      if (c.peek('"')) {
        if (!c.string(m.epoch)) return fail();
      } else if (!c.skip_value()) {
        return fail();
      }
    } else if (key == "seq") {
      have_seq = c.integer_or_skip(m.seq);
      if (!have_seq) m.seq = -1;
      if (c.p == nullptr) return fail();
    } else if (key == "dropped") {
      if (!c.integer_or_skip(m.dropped)) m.dropped = 0;
      if (c.p == nullptr) return fail();
    } else if (key == "data" && c.peek('{')) {
      // Fast path: tickerd writes `data` last, so the search below usually ends the scan.
      const std::string_view rest(c.p, static_cast<std::size_t>(c.end - c.p));
      const auto at = rest.find(recv_ts_key);
      const char* found = at == std::string_view::npos ? nullptr : c.p + at;
      if (found != nullptr) {
        cursor v{found + recv_ts_key.size(), c.end};
        if (!v.integer(m.recv_ts)) m.recv_ts = -1;
      }
      if (have_type && have_channel && have_seq) return m;
      if (!c.skip_value()) return fail();
      if (found != nullptr && found >= c.p) m.recv_ts = -1;  // it was past `data`
    } else if (!c.skip_value()) {
      return fail();
    }
    if (c.eat(',')) continue;
    if (c.eat('}')) break;
    return fail();
  }
  if (!have_type) return fail();
  return m;
}

std::optional<std::vector<published_seq>> scan_published_seqs(std::string_view body) {
  cursor c{body.data(), body.data() + body.size()};
  std::vector<published_seq> out;
  bool have_channels = false;
  if (!c.eat('{')) return std::nullopt;
  if (c.eat('}')) return std::nullopt;
  while (true) {
    std::string_view key;
    if (!c.string(key) || !c.eat(':')) return std::nullopt;
    if (key == "channels" && c.eat('[')) {
      have_channels = true;
      if (!c.eat(']')) {
        while (true) {
          // One channel object: its `channel` and `seq`, everything else skipped.
          if (!c.eat('{')) return std::nullopt;
          published_seq entry;
          bool have_name = false;
          bool have_seq = false;
          if (!c.eat('}')) {
            while (true) {
              std::string_view k;
              if (!c.string(k) || !c.eat(':')) return std::nullopt;
              if (k == "channel" && c.peek('"')) {
                std::string_view name;
                if (!c.string(name)) return std::nullopt;
                entry.channel = std::string(name);
                have_name = true;
              } else if (k == "seq") {
                have_seq = c.integer_or_skip(entry.seq);
                if (c.p == nullptr) return std::nullopt;
              } else if (!c.skip_value()) {
                return std::nullopt;
              }
              if (c.eat(',')) continue;
              if (c.eat('}')) break;
              return std::nullopt;
            }
          }
          if (have_name && have_seq && entry.seq >= 0) out.push_back(std::move(entry));
          if (c.eat(',')) continue;
          if (c.eat(']')) break;
          return std::nullopt;
        }
      }
    } else if (!c.skip_value()) {
      return std::nullopt;
    }
    if (c.eat(',')) continue;
    if (c.eat('}')) break;
    return std::nullopt;
  }
  if (!have_channels) return std::nullopt;
  return out;
}

std::optional<flat_json> flatten_json(std::string_view text) {
  cursor c{text.data(), text.data() + text.size()};
  flat_json out;
  std::string path;
  if (!flatten_value(c, path, out, 0)) return std::nullopt;
  c.skip_space();
  if (c.p != c.end) return std::nullopt;
  return out;
}

std::optional<std::string_view> flat_value(const flat_json& doc, std::string_view path) {
  for (const auto& [k, v] : doc) {
    if (k == path) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::int64_t> flat_int(const flat_json& doc, std::string_view path) {
  const auto v = flat_value(doc, path);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  const auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size()) return std::nullopt;
  return n;
}

}  // namespace tickerd::bench
