#include "gateway/history_query.hpp"

#include <algorithm>
#include <charconv>

#include "gateway/query_params.hpp"
#include "tickerd/core/url.hpp"

namespace tickerd {
namespace {

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

// The query's parameters for `on_pair`; a broken %-escape is a bad_request.
template <typename F>
bool for_each_param(std::string_view target, history_query_error& err, F&& on_pair) {
  std::string broken;
  if (for_each_query_param(target, broken, on_pair)) return true;
  if (!broken.empty()) fail(err, "bad_request", std::move(broken));
  return false;
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
