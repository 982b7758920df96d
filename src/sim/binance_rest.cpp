#include "sim/binance_rest.hpp"

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::binance {
namespace {

constexpr int padded_digits = 8;  // Binance prints every decimal with 8 fraction digits

void append_rate_limits(std::string& out) {
  out.append(
      R"("rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,)"
      R"("limit":6000},{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,)"
      R"("limit":100},{"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,)"
      R"("limit":200000},{"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,)"
      R"("limit":61000}])");
}

void append_symbol(std::string& out, const symbol_spec& s) {
  const std::string tick = rest::step_text(s.price_scale, padded_digits);
  const std::string step = rest::step_text(s.qty_scale, padded_digits);
  out.append(R"({"symbol":)");
  json::append_string(out, s.native());
  out.append(R"(,"status":"TRADING","baseAsset":)");
  json::append_string(out, s.base);
  out.append(R"(,"baseAssetPrecision":8,"quoteAsset":)");
  json::append_string(out, s.quote);
  out.append(
      R"(,"quotePrecision":8,"quoteAssetPrecision":8,"baseCommissionPrecision":8,)"
      R"("quoteCommissionPrecision":8,"orderTypes":["LIMIT","LIMIT_MAKER","MARKET",)"
      R"("STOP_LOSS","STOP_LOSS_LIMIT","TAKE_PROFIT","TAKE_PROFIT_LIMIT"],)"
      R"("icebergAllowed":true,"ocoAllowed":true,"otoAllowed":true,)"
      R"("quoteOrderQtyMarketAllowed":true,"allowTrailingStop":true,"cancelReplaceAllowed":true,)"
      R"("amendAllowed":true,"isSpotTradingAllowed":true,"isMarginTradingAllowed":false,)"
      R"("filters":[{"filterType":"PRICE_FILTER","minPrice":)");
  json::append_string(out, tick);
  out.append(R"(,"maxPrice":"1000000.00000000","tickSize":)");
  json::append_string(out, tick);
  out.append(R"(},{"filterType":"LOT_SIZE","minQty":)");
  json::append_string(out, step);
  out.append(R"(,"maxQty":"9000000.00000000","stepSize":)");
  json::append_string(out, step);
  out.append(R"(},{"filterType":"MARKET_LOT_SIZE","minQty":"0.00000000",)"
             R"("maxQty":"9000000.00000000","stepSize":"0.00000000"},)"
             R"({"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,)"
             R"("maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5}],)"
             R"("permissions":[],"permissionSets":[["SPOT"]],)"
             R"("defaultSelfTradePreventionMode":"EXPIRE_MAKER",)"
             R"("allowedSelfTradePreventionModes":["NONE","EXPIRE_TAKER","EXPIRE_MAKER",)"
             R"("EXPIRE_BOTH","DECREMENT"]})");
}

}  // namespace

std::string exchange_info(rest::specs symbols, std::int64_t now_ms) {
  std::string out = R"({"timezone":"UTC","serverTime":)";
  json::append_int(out, now_ms);
  out.push_back(',');
  append_rate_limits(out);
  out.append(R"(,"exchangeFilters":[],"symbols":[)");
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i) out.push_back(',');
    append_symbol(out, symbols[i]);
  }
  out.append("]}");
  return out;
}

std::string futures_exchange_info(std::int64_t now_ms, bool usd_margined) {
  std::string out = R"({"timezone":"UTC","serverTime":)";
  json::append_int(out, now_ms);
  if (usd_margined) out.append(R"(,"futuresType":"U_MARGINED")");
  out.push_back(',');
  append_rate_limits(out);
  out.append(R"(,"exchangeFilters":[],"assets":[],"symbols":[]})");
  return out;
}

std::string server_time(std::int64_t now_ms) {
  std::string out = R"({"serverTime":)";
  json::append_int(out, now_ms);
  out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::binance
