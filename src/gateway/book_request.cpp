#include "gateway/book_request.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "gateway/error_body.hpp"
#include "gateway/query_params.hpp"
#include "tickerd/core/url.hpp"

namespace tickerd {
namespace {

constexpr std::string_view route = "/v1/book/";

book_request_error refuse(unsigned status, std::string_view code, std::string message) {
  return {status, error_body(code, message)};
}

std::optional<book_depth_index> parse_depth(std::string_view s) {
  std::size_t n = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return book_depth_index_of(n);
}

}  // namespace

std::variant<channel_id, book_request_error> book_channel_for(std::string_view target,
                                                              const channel_registry& channels) {
  auto path = target.substr(0, target.find('?'));
  path.remove_prefix(std::min(path.size(), route.size()));
  std::string symbol;
  if (!percent_decode(path, symbol)) {
    return refuse(400, "bad_request", "the symbol has a broken %-escape");
  }
  if (symbol.empty() || symbol.find('/') != std::string::npos) {
    return refuse(400, "bad_request", "name one symbol: /v1/book/<BASE>-<QUOTE>");
  }
  std::optional<venue_id> venue;
  book_depth_index depth = *book_depth_index_of(book_default_depth);
  std::optional<book_request_error> error;
  std::string broken;
  // Other parameters are ignored (a cache-busting `_=…` must not fail a request).
  const bool walked =
      for_each_query_param(target, broken, [&](std::string_view key, std::string_view value) {
        if (key == "venue") {
          venue = parse_venue(value);
          if (!venue) {
            error = refuse(
                400, "bad_venue",
                "unknown venue '" + shown(value) + "' (binance, okx, coinbase, bybit, kraken)");
            return false;
          }
        } else if (key == "depth") {
          const auto d = parse_depth(value);
          if (!d) {
            error = refuse(400, "bad_depth", "depth must be 1, 10, 20 or 50");
            return false;
          }
          depth = *d;
        }
        return true;
      });
  if (error) return std::move(*error);
  if (!walked) return refuse(400, "bad_request", broken);
  const auto ticker = channels.find("ticker." + symbol);
  if (!ticker) {
    return refuse(404, "unknown_symbol", "no such instrument '" + shown(symbol) + "'");
  }
  const auto instrument = channels.info(*ticker).instrument;
  const std::string name = "book" + std::to_string(book_depths[depth]) + "." + symbol;
  if (!channels.families().books) {
    return refuse(404, "unknown_channel",
                  "this node publishes no " + name + " (no feed reads books)");
  }
  if (!venue) return *channels.book(instrument, depth);
  if (const auto id = channels.venue_book(instrument, *venue, depth)) return *id;
  return refuse(404, "unknown_venue",
                "no venue '" + std::string(to_string(*venue)) + "' quotes " + symbol);
}

}  // namespace tickerd
