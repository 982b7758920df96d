#include "sim/rest_api.hpp"

#include <array>

#include "sim/binance_rest.hpp"
#include "sim/bybit_rest.hpp"
#include "sim/coinbase_rest.hpp"
#include "sim/kraken_rest.hpp"
#include "sim/okx_rest.hpp"

namespace tickerd::sim::rest {
namespace {

constexpr unsigned bad_request = 400;

struct route {
  std::string_view venue;
  std::string_view path;
};

constexpr std::array<route, 11> routes{{
    {"binance", "/api/v3/exchangeInfo"},
    {"binance", "/api/v3/time"},
    {"binance", "/fapi/v1/exchangeInfo"},
    {"binance", "/dapi/v1/exchangeInfo"},
    {"okx", "/api/v5/public/instruments"},
    {"coinbase", "/products"},
    {"coinbase", "/currencies"},
    {"bybit", "/v5/market/instruments-info"},
    {"kraken", "/0/public/Assets"},
    {"kraken", "/0/public/AssetPairs"},
    {"binance", "/api/v3/ping"},
}};

reply ok(std::string body) {
  return reply{200, std::move(body)};
}

}  // namespace

std::string_view query_value(std::string_view target, std::string_view key) noexcept {
  const auto qmark = target.find('?');
  if (qmark == std::string_view::npos) return {};
  std::string_view rest = target.substr(qmark + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

std::optional<reply> answer(specs symbols, std::string_view target, std::int64_t now_ms) {
  std::string_view path = target.substr(0, target.find('?'));
  const route* hit = nullptr;
  for (const auto& r : routes) {
    // "/okx/api/v5/..." : the venue's name, then its path.
    const bool prefixed = path.size() == 1 + r.venue.size() + r.path.size() &&
                          path.substr(1, r.venue.size()) == r.venue && path.ends_with(r.path);
    if (path == r.path || prefixed) {
      hit = &r;
      break;
    }
  }
  if (!hit) return std::nullopt;
  path = hit->path;

  if (path == "/api/v3/exchangeInfo") return ok(binance::exchange_info(symbols, now_ms));
  if (path == "/api/v3/time") return ok(binance::server_time(now_ms));
  if (path == "/api/v3/ping") return ok("{}");
  if (path == "/fapi/v1/exchangeInfo") return ok(binance::futures_exchange_info(now_ms, true));
  if (path == "/dapi/v1/exchangeInfo") return ok(binance::futures_exchange_info(now_ms, false));
  if (path == "/api/v5/public/instruments") {
    const auto type = query_value(target, "instType");
    if (!okx::known_inst_type(type)) return reply{bad_request, okx::instruments_error("instType")};
    return ok(okx::instruments(symbols, type));
  }
  if (path == "/products") return ok(coinbase::products(symbols));
  if (path == "/currencies") return ok(coinbase::currencies(symbols));
  if (path == "/v5/market/instruments-info") {
    const auto category = query_value(target, "category");
    if (!bybit::known_category(category)) {
      return ok(bybit::rest_error("Illegal category", now_ms));  // Bybit answers 200 with retCode
    }
    return ok(bybit::instruments_info(symbols, category, now_ms));
  }
  if (path == "/0/public/Assets") return ok(kraken::assets(symbols));
  return ok(kraken::asset_pairs(symbols));
}

}  // namespace tickerd::sim::rest
