#include "sim/bybit_rest.hpp"

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::bybit {
namespace {

void append_spot(std::string& out, const symbol_spec& s) {
  out.append(R"({"symbol":)");
  json::append_string(out, s.native());
  out.append(R"(,"baseCoin":)");
  json::append_string(out, s.base);
  out.append(R"(,"quoteCoin":)");
  json::append_string(out, s.quote);
  out.append(R"(,"innovation":"0","status":"Trading","marginTrading":"none","stTag":"0",)"
             R"("lotSizeFilter":{"basePrecision":)");
  json::append_string(out, rest::step_text(s.qty_scale));
  out.append(R"(,"quotePrecision":"0.00000001","minOrderQty":)");
  json::append_string(out, rest::step_text(s.qty_scale));
  out.append(R"(,"maxOrderQty":"9000000","minOrderAmt":"1","maxOrderAmt":"2000000"},)"
             R"("priceFilter":{"tickSize":)");
  json::append_string(out, rest::step_text(s.price_scale));
  out.append(R"(},"riskParameters":{"priceLimitRatioX":"0.05","priceLimitRatioY":"0.05"}})");
}

}  // namespace

bool known_category(std::string_view c) noexcept {
  return c == "spot" || c == "linear" || c == "inverse" || c == "option";
}

std::string instruments_info(rest::specs symbols, std::string_view category, std::int64_t now_ms) {
  std::string out = R"({"retCode":0,"retMsg":"OK","result":{"category":)";
  json::append_string(out, category);
  out.append(R"(,"list":[)");
  if (category == "spot") {
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      if (i) out.push_back(',');
      append_spot(out, symbols[i]);
    }
  }
  out.append(R"(],"nextPageCursor":""},"retExtInfo":{},"time":)");
  json::append_int(out, now_ms);
  out.push_back('}');
  return out;
}

std::string rest_error(std::string_view message, std::int64_t now_ms) {
  std::string out = R"({"retCode":10001,"retMsg":)";
  json::append_string(out, message);
  out.append(R"(,"result":{},"retExtInfo":{},"time":)");
  json::append_int(out, now_ms);
  out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::bybit
