#include "sim/coinbase_rest.hpp"

#include <algorithm>
#include <vector>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::coinbase {
namespace {

constexpr int padded_digits = 8;  // the Exchange prints increments with 8 fraction digits

}  // namespace

std::string products(rest::specs symbols) {
  std::string out = "[";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const symbol_spec& s = symbols[i];
    const std::string id = s.base + "-" + s.quote;
    if (i) out.push_back(',');
    out.append(R"({"id":)");
    json::append_string(out, id);
    out.append(R"(,"base_currency":)");
    json::append_string(out, s.base);
    out.append(R"(,"quote_currency":)");
    json::append_string(out, s.quote);
    out.append(R"(,"quote_increment":)");
    json::append_string(out, rest::step_text(s.price_scale, padded_digits));
    out.append(R"(,"base_increment":)");
    json::append_string(out, rest::step_text(s.qty_scale, padded_digits));
    out.append(R"(,"display_name":)");
    json::append_string(out, s.base + "/" + s.quote);
    out.append(R"(,"min_market_funds":"1","margin_enabled":false,"post_only":false,)"
               R"("limit_only":false,"cancel_only":false,"status":"online","status_message":"",)"
               R"("trading_disabled":false,"fx_stablecoin":false,)"
               R"("max_slippage_percentage":"0.02000000","auction_mode":false,)"
               R"("high_bid_limit_percentage":""})");
  }
  out.push_back(']');
  return out;
}

std::string currencies(rest::specs symbols) {
  std::vector<const std::string*> codes;
  for (const auto& s : symbols) {
    for (const std::string* c : {&s.base, &s.quote}) {
      if (std::none_of(codes.begin(), codes.end(),
                       [&](const std::string* k) { return *k == *c; })) {
        codes.push_back(c);
      }
    }
  }
  std::string out = "[";
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i) out.push_back(',');
    out.append(R"({"id":)");
    json::append_string(out, *codes[i]);
    out.append(R"(,"name":)");
    json::append_string(out, *codes[i]);
    out.append(R"(,"min_size":"0.00000001","status":"online","message":"",)"
               R"("max_precision":"0.00000001","convertible_to":[],)"
               R"("details":{"type":"crypto","symbol":"","network_confirmations":0,)"
               R"("sort_order":0,"crypto_address_link":"","crypto_transaction_link":"",)"
               R"("push_payment_methods":[],"min_withdrawal_amount":0,)"
               R"("max_withdrawal_amount":0},"default_network":"","supported_networks":[]})");
  }
  out.push_back(']');
  return out;
}

}  // namespace tickerd::sim::coinbase
