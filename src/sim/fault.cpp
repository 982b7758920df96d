#include "sim/fault.hpp"

#include <algorithm>
#include <charconv>

#include "sim/sim_hash.hpp"
#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim {
namespace {

using std::chrono::milliseconds;

constexpr std::array<std::string_view, fault_kind_count> kind_names{
    "reset",         "close",     "stall",     "garbage",    "invalid_json", "gap",
    "drip",          "refuse",    "max_age",   "clear",      "trade_gap",    "trade_dup",
    "trade_reorder", "bbo_stall", "book_drop", "book_stale", "book_cross",   "book_checksum"};

// Which keys each kind takes, besides `after` and `every` (any kind may be scheduled).
enum key_bit : unsigned {
  k_code = 1u << 0,
  k_ms = 1u << 1,
  k_count = 1u << 2,
  k_bytes = 1u << 3,
};

constexpr std::array<unsigned, fault_kind_count> kind_keys{
    0,               // reset
    k_code,          // close
    k_ms,            // stall
    k_count,         // garbage
    k_count,         // invalid_json
    k_count,         // gap
    k_ms | k_bytes,  // drip
    k_ms,            // refuse
    k_ms,            // max_age
    0,               // clear
    k_count,         // trade_gap
    k_count,         // trade_dup
    k_count,         // trade_reorder
    k_ms,            // bbo_stall
    k_count,         // book_drop
    k_count,         // book_stale
    k_count,         // book_cross
    k_count,         // book_checksum
};

// User input echoed in an error, safe for a JSON reply and a log line: quoted, printable
// ASCII only, and short.
std::string quoted(std::string_view text) {
  constexpr std::size_t max_echo = 40;
  std::string out = "'";
  for (const char c : text.substr(0, max_echo)) out.push_back(c >= ' ' && c <= '~' ? c : '?');
  if (text.size() > max_echo) out += "...";
  out += '\'';
  return out;
}

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string key_list(fault_kind kind) {
  const unsigned keys = kind_keys[static_cast<std::size_t>(kind)];
  std::string out;
  const auto add = [&out](std::string_view k) {
    if (!out.empty()) out += ", ";
    out += k;
  };
  if (keys & k_code) add("code");
  if (keys & k_ms) add("ms");
  if (keys & k_count) add("count");
  if (keys & k_bytes) add("bytes");
  add("after");
  add("every");
  return out;
}

std::string kind_list() {
  std::string out;
  for (const auto name : kind_names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// A whole number in [lo, hi]; otherwise `error` says why, naming the key.
bool read_number(std::string_view key, std::string_view text, std::uint64_t lo, std::uint64_t hi,
                 std::uint64_t& out, std::string& error) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec == std::errc::invalid_argument || r.ptr != text.data() + text.size()) {
    error = std::string(key) + ": " + quoted(text) + " is not a whole number";
    return false;
  }
  if (r.ec == std::errc::result_out_of_range || v < lo || v > hi) {
    error = std::string(key) + ": " + quoted(text) + " is out of range " + std::to_string(lo) +
            ".." + std::to_string(hi);
    return false;
  }
  out = v;
  return true;
}

std::uint64_t max_count(fault_kind kind) {
  switch (kind) {
    case fault_kind::garbage:
      return fault_limits::max_garbage_count;
    case fault_kind::gap:
    case fault_kind::trade_gap:
      return fault_limits::max_gap_count;
    default:
      return fault_limits::max_invalid_json_count;
  }
}

void append_ms(std::string& out, std::string_view key, milliseconds ms) {
  out += ',';
  out += key;
  out += '=';
  out += std::to_string(ms.count());
}

}  // namespace

std::string_view to_string(fault_kind k) noexcept {
  const auto i = static_cast<std::size_t>(k);
  return i < kind_names.size() ? kind_names[i] : std::string_view("unknown");
}

std::optional<fault_kind> parse_fault_kind(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kind_names.size(); ++i) {
    if (kind_names[i] == name) return static_cast<fault_kind>(i);
  }
  return std::nullopt;
}

bool is_sendable_close_code(unsigned code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

fault_parse_result parse_fault(std::string_view spec) {
  fault_parse_result result;
  spec = trim(spec);
  if (spec.empty()) {
    result.error = "empty fault: expected KIND[,key=value...], KIND one of " + kind_list();
    return result;
  }
  const auto first_comma = spec.find(',');
  const std::string_view kind_text = trim(spec.substr(0, first_comma));
  const auto kind = parse_fault_kind(kind_text);
  if (!kind) {
    result.error = "unknown fault " + quoted(kind_text) + " (expected one of " + kind_list() + ")";
    return result;
  }
  fault f;
  f.kind = *kind;
  const unsigned allowed = kind_keys[static_cast<std::size_t>(*kind)];
  const std::string kind_name(to_string(*kind));
  unsigned seen = 0;
  bool seen_after = false;
  bool seen_every = false;
  std::optional<std::uint64_t> ms;

  std::string_view rest =
      first_comma == std::string_view::npos ? std::string_view() : spec.substr(first_comma + 1);
  bool more = first_comma != std::string_view::npos;
  while (more) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    more = comma != std::string_view::npos;
    rest = more ? rest.substr(comma + 1) : std::string_view();
    const auto eq = item.find('=');
    if (item.empty() || eq == std::string_view::npos) {
      result.error = kind_name + ": " + quoted(item) + " is not key=value";
      return result;
    }
    const std::string_view key = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    const auto duplicate = [&] {
      result.error = kind_name + ": " + quoted(key) + " given twice";
      return result;
    };
    std::string error;
    std::uint64_t v = 0;
    if (key == "after" || key == "every") {
      bool& flag = key == "after" ? seen_after : seen_every;
      if (flag) return duplicate();
      flag = true;
      const std::uint64_t lo = key == "after" ? 0 : fault_limits::min_every.count();
      if (!read_number(key, value, lo, fault_limits::max_duration.count(), v, error)) {
        // NOLINTNEXTLINE(performance-inefficient-string-concatenation): error path, once
        result.error = kind_name + ": " + error;
        return result;
      }
      (key == "after" ? f.after : f.every) = milliseconds(v);
      continue;
    }
    unsigned bit = 0;
    if (key == "code") bit = k_code;
    if (key == "ms") bit = k_ms;
    if (key == "count") bit = k_count;
    if (key == "bytes") bit = k_bytes;
    if ((allowed & bit) == 0) {
      // NOLINTNEXTLINE(performance-inefficient-string-concatenation): error path, once
      result.error = kind_name + ": unknown key " + quoted(key) + " (" + kind_name + " takes " +
                     key_list(*kind) + ")";
      return result;
    }
    if (seen & bit) return duplicate();
    seen |= bit;
    bool ok = true;
    switch (bit) {
      case k_code:
        ok = read_number(key, value, 0, 65535, v, error);
        if (ok && !is_sendable_close_code(static_cast<unsigned>(v))) {
          error = "code: " + quoted(value) +
                  " cannot be sent in a close frame (1000-1003, 1007-1014, 3000-4999)";
          ok = false;
        }
        if (ok) f.code = static_cast<std::uint16_t>(v);
        break;
      case k_ms: {
        // stall and refuse last at least 1 ms; max_age 0 turns the override off; drip 0 means
        // fragments back to back.
        const std::uint64_t lo = (*kind == fault_kind::stall || *kind == fault_kind::refuse ||
                                  *kind == fault_kind::bbo_stall)
                                     ? 1
                                     : 0;
        const std::uint64_t hi = *kind == fault_kind::drip ? fault_limits::max_drip_interval.count()
                                                           : fault_limits::max_duration.count();
        ok = read_number(key, value, lo, hi, v, error);
        if (ok) ms = v;
        break;
      }
      case k_count:
        ok = read_number(key, value, 1, max_count(*kind), v, error);
        if (ok) f.count = v;
        break;
      case k_bytes:
        ok = read_number(key, value, 1, fault_limits::max_drip_bytes, v, error);
        if (ok) f.drip_bytes = static_cast<std::size_t>(v);
        break;
      default:
        break;
    }
    if (!ok) {
      // NOLINTNEXTLINE(performance-inefficient-string-concatenation): error path, once
      result.error = kind_name + ": " + error;
      return result;
    }
  }

  if ((*kind == fault_kind::refuse || *kind == fault_kind::max_age) && !ms) {
    result.error = kind_name + ": ms is required (e.g. " + kind_name + ",ms=5000)";
    return result;
  }
  if (ms) {
    if (*kind == fault_kind::drip) {
      f.drip_interval = milliseconds(*ms);
    } else {
      f.duration = milliseconds(*ms);
    }
  }
  result.value = f;
  return result;
}

std::string to_spec(const fault& f) {
  std::string out(to_string(f.kind));
  switch (f.kind) {
    case fault_kind::close:
      out += ",code=" + std::to_string(f.code);
      break;
    case fault_kind::stall:
    case fault_kind::refuse:
    case fault_kind::max_age:
    case fault_kind::bbo_stall:
      if (f.duration) append_ms(out, "ms", *f.duration);
      break;
    case fault_kind::garbage:
    case fault_kind::invalid_json:
    case fault_kind::gap:
    case fault_kind::trade_gap:
    case fault_kind::trade_dup:
    case fault_kind::trade_reorder:
    case fault_kind::book_drop:
    case fault_kind::book_stale:
    case fault_kind::book_cross:
    case fault_kind::book_checksum:
      out += ",count=" + std::to_string(f.count);
      break;
    case fault_kind::drip:
      append_ms(out, "ms", f.drip_interval);
      out += ",bytes=" + std::to_string(f.drip_bytes);
      break;
    case fault_kind::reset:
    case fault_kind::clear:
      break;
  }
  if (f.after) append_ms(out, "after", *f.after);
  if (f.every) append_ms(out, "every", *f.every);
  return out;
}

venue_fault_parse_result parse_venue_fault(std::string_view text) {
  venue_fault_parse_result result;
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    result.error = "expected VENUE:FAULT, e.g. okx:reset,after=5000";
    return result;
  }
  const std::string_view venue = trim(text.substr(0, colon));
  auto parsed = parse_fault(text.substr(colon + 1));
  if (!parsed.value) {
    result.error = std::move(parsed.error);
    return result;
  }
  if (auto why = check_venue(*parsed.value, venue); !why.empty()) {
    result.error = std::move(why);
    return result;
  }
  result.value = venue_fault{std::string(venue), *parsed.value};
  return result;
}

std::string check_venue(const fault& f, std::string_view venue) {
  const bool known = venue == all_venues || std::find(fault_venues.begin(), fault_venues.end(),
                                                      venue) != fault_venues.end();
  if (!known) {
    std::string names;
    for (const auto v : fault_venues) names += std::string(v) + ", ";
    return "unknown venue " + quoted(venue) + " (expected " + names + "or all)";
  }
  if (f.kind == fault_kind::gap && venue != "coinbase") {
    return "gap: only coinbase has sequence numbers, not " + quoted(venue);
  }
  if (f.kind == fault_kind::book_stale && venue != "binance") {
    return "book_stale: only binance serves a REST depth snapshot, not " + quoted(venue);
  }
  if (f.kind == fault_kind::book_checksum && venue != "kraken") {
    return "book_checksum: only kraken's book carries a checksum, not " + quoted(venue);
  }
  return {};
}

std::string garbage_text(std::uint64_t n) {
  constexpr std::size_t junk_bytes = 40;
  constexpr char first_printable = ' ';
  constexpr unsigned printable_count = '~' - ' ' + 1;
  std::string out = "~garbage #" + std::to_string(n) + " ";
  std::uint64_t state = n;
  for (std::size_t i = 0; i < junk_bytes; ++i) {
    state = mix64(state);
    out.push_back(static_cast<char>(first_printable + state % printable_count));
  }
  return out;
}

std::string truncated_frame(std::string_view frame) {
  std::size_t cut = frame.size() / 2;
  // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(frame[cut]) & 0xC0u) == 0x80u) --cut;
  return std::string(frame.substr(0, cut));
}

void venue_fault_state::apply(const fault& f, clock::time_point now) {
  ++applied[static_cast<std::size_t>(f.kind)];
  switch (f.kind) {
    case fault_kind::stall:
      stall_forever = !f.duration.has_value();
      stall_until = f.duration ? now + *f.duration : clock::time_point{};
      break;
    case fault_kind::refuse:
      refuse_until = now + f.duration.value_or(milliseconds(0));
      break;
    case fault_kind::drip:
      drip = drip_settings{f.drip_interval, f.drip_bytes};
      break;
    case fault_kind::max_age:
      if (f.duration && f.duration->count() > 0) {
        max_age = *f.duration;
      } else {
        max_age.reset();
      }
      break;
    case fault_kind::clear:
      stall_forever = false;
      stall_until = {};
      refuse_until = {};
      drip.reset();
      max_age.reset();
      break;
    default:
      break;  // per connection only (reset, close, garbage, invalid_json) or Coinbase's (gap)
  }
}

void append_fault_state_json(std::string& out, const venue_fault_state& s,
                             venue_fault_state::clock::time_point now) {
  const auto left_ms = [now](venue_fault_state::clock::time_point until) {
    return std::chrono::duration_cast<milliseconds>(until - now).count();
  };
  out.push_back('{');
  json::append_key(out, "stall");
  out.append(s.stalled(now) ? "true" : "false");
  json::append_key(out, "stall_left_ms");
  if (s.stall_forever || !s.stalled(now)) {
    out.append("null");  // until clear, or not stalled
  } else {
    json::append_int(out, left_ms(s.stall_until));
  }
  json::append_key(out, "refuse_left_ms");
  if (s.refusing(now)) {
    json::append_int(out, left_ms(s.refuse_until));
  } else {
    out.append("null");
  }
  json::append_key(out, "drip");
  if (s.drip) {
    out.append("{\"ms\":");
    json::append_int(out, s.drip->interval.count());
    out.append(",\"bytes\":");
    json::append_int(out, static_cast<std::int64_t>(s.drip->bytes));
    out.push_back('}');
  } else {
    out.append("null");
  }
  json::append_key(out, "max_age_ms");
  if (s.max_age) {
    json::append_int(out, s.max_age->count());
  } else {
    out.append("null");
  }
  json::append_key(out, "applied");
  out.push_back('{');
  for (std::size_t i = 0; i < fault_kind_count; ++i) {
    json::append_key(out, kind_names[i]);
    json::append_int(out, static_cast<std::int64_t>(s.applied[i]));
  }
  out.push_back('}');
  const auto counter = [&out](std::string_view key, std::uint64_t v) {
    json::append_key(out, key);
    json::append_int(out, static_cast<std::int64_t>(v));
  };
  counter("frames_discarded", s.frames_discarded);
  counter("frames_truncated", s.frames_truncated);
  counter("garbage_sent", s.garbage_sent);
  counter("fragments_sent", s.fragments_sent);
  counter("upgrades_refused", s.upgrades_refused);
  counter("resets", s.resets);
  counter("closes", s.closes);
  out.push_back('}');
}

}  // namespace tickerd::sim
