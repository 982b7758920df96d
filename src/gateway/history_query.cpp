#include "gateway/history_query.hpp"

#include <algorithm>
#include <charconv>

#include "tickerd/core/url.hpp"

namespace tickerd {
namespace {

constexpr std::size_t max_shown_chars = 64;  // of client text quoted back in an error

// Printable ASCII only, cut short: error messages quote what the client sent.
std::string shown(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, std::min(s.size(), max_shown_chars))) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

bool fail(history_query_error& err, std::string_view code, std::string message) {
  err.code = code;
  err.message = std::move(message);
  return false;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != s.npos) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Splits the query into decoded key/value pairs for `on_pair`; repeated keys: the last counts.
template <typename F>
bool for_each_param(std::string_view target, history_query_error& err, F&& on_pair) {
  const auto q = target.find('?');
  const std::string_view query = q == target.npos ? std::string_view{} : target.substr(q + 1);
  std::string value;
  for (std::size_t start = 0; start < query.size();) {
    auto amp = query.find('&', start);
    if (amp == query.npos) amp = query.size();
    const auto pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto key = pair.substr(0, eq);
    const auto raw = eq == pair.npos ? std::string_view{} : pair.substr(eq + 1);
    if (!percent_decode(raw, value, /*plus_is_space=*/true)) {
      return fail(err, "bad_request", "parameter '" + shown(key) + "' has a broken %-escape");
    }
    if (!on_pair(key, std::string_view(value))) return false;
  }
  return true;
}

bool parse_symbol(std::string_view target, std::string_view route, history_query& out,
                  history_query_error& err) {
  auto path = target.substr(0, target.find('?'));
  path.remove_prefix(std::min(path.size(), route.size()));
  if (!percent_decode(path, out.symbol)) {
    return fail(err, "bad_request", "the symbol has a broken %-escape");
  }
  if (out.symbol.empty() || out.symbol.find('/') != std::string::npos) {
    return fail(err, "bad_request", "name one symbol: " + std::string(route) + "<BASE>-<QUOTE>");
  }
  return true;
}

bool common_param(std::string_view key, std::string_view value, history_query& out,
                  history_query_error& err, bool& handled) {
  handled = true;
  if (key == "venue") {
    out.venue = parse_venue(value);
    if (!out.venue) {
      return fail(err, "bad_venue",
                  "unknown venue '" + shown(value) + "' (binance, okx, coinbase, bybit, kraken)");
    }
    return true;
  }
  if (key == "limit") {
    std::int64_t n = 0;
    if (!parse_int(value, n) || n < 1 || n > static_cast<std::int64_t>(history_max_limit)) {
      return fail(err, "bad_limit",
                  "limit must be an integer from 1 to " + std::to_string(history_max_limit));
    }
    out.limit = static_cast<std::size_t>(n);
    return true;
  }
  handled = false;
  return true;
}

}  // namespace

bool parse_trades_query(std::string_view target, std::string_view route, history_query& out,
                        history_query_error& err) {
  out = {};
  out.limit = trades_default_limit;
  if (!parse_symbol(target, route, out, err)) return false;
  // Other parameters are ignored (a cache-busting `_=…` must not fail a request).
  return for_each_param(target, err, [&](std::string_view key, std::string_view value) {
    bool handled = false;
    return common_param(key, value, out, err, handled);
  });
}

bool parse_candles_query(std::string_view target, std::string_view route, history_query& out,
                         history_query_error& err) {
  out = {};
  out.limit = candles_default_limit;
  if (!parse_symbol(target, route, out, err)) return false;
  const bool ok = for_each_param(target, err, [&](std::string_view key, std::string_view value) {
    bool handled = false;
    if (!common_param(key, value, out, err, handled)) return false;
    if (handled) return true;
    if (key == "interval") {
      const auto i = parse_candle_interval(value);
      if (!i) {
        return fail(err, "bad_interval",
                    "unknown interval '" + shown(value) + "' (1m, 5m, 15m, 1h, 4h, 1d)");
      }
      out.interval = *i;
    } else if (key == "start" || key == "end") {
      std::int64_t t = 0;
      if (!parse_int(value, t)) {
        return fail(err, "bad_time",
                    std::string(key) + " must be microseconds since the Unix epoch");
      }
      (key == "start" ? out.start_us : out.end_us) = t;
    }
    return true;
  });
  return ok;
}

}  // namespace tickerd
