#include "sim/kraken_rest.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::kraken {
namespace {

// Assets Kraken lists under a legacy four-letter id (X + crypto, Z + fiat).
constexpr std::array<std::string_view, 11> legacy_crypto{"XBT", "ETH", "XRP", "XDG", "LTC", "XLM",
                                                         "ETC", "MLN", "REP", "ZEC", "XMR"};
constexpr std::array<std::string_view, 5> legacy_fiat{"USD", "EUR", "GBP", "CAD", "JPY"};
constexpr int asset_decimals = 10;
constexpr int display_decimals = 5;

bool contains(auto& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

std::string asset_altname(const std::string& code) {
  if (code == "BTC") return "XBT";
  if (code == "DOGE") return "XDG";
  return code;
}

std::string asset_id(const std::string& code) {
  std::string alt = asset_altname(code);
  if (contains(legacy_crypto, alt)) return "X" + alt;
  if (contains(legacy_fiat, alt)) return "Z" + alt;
  return alt;
}

std::string pair_id(const symbol_spec& spec) {
  const std::string base = asset_id(spec.base);
  const std::string quote = asset_id(spec.quote);
  // Only pairs of two legacy assets keep both prefixes ("XXBTZUSD").
  if (base.size() == 4 && base != asset_altname(spec.base) && quote.size() == 4 &&
      quote != asset_altname(spec.quote)) {
    return base + quote;
  }
  return asset_altname(spec.base) + asset_altname(spec.quote);
}

std::string assets(rest::specs symbols) {
  std::vector<std::string> codes;
  for (const auto& s : symbols) {
    for (const std::string* c : {&s.base, &s.quote}) {
      if (std::find(codes.begin(), codes.end(), *c) == codes.end()) codes.push_back(*c);
    }
  }
  std::string out = R"({"error":[],"result":{)";
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i) out.push_back(',');
    json::append_string(out, asset_id(codes[i]));
    out.append(R"(:{"aclass":"currency","altname":)");
    json::append_string(out, asset_altname(codes[i]));
    out.append(R"(,"decimals":)");
    json::append_int(out, asset_decimals);
    out.append(R"(,"display_decimals":)");
    json::append_int(out, display_decimals);
    out.append(R"(,"status":"enabled"})");
  }
  out.append("}}");
  return out;
}

std::string asset_pairs(rest::specs symbols) {
  std::string out = R"({"error":[],"result":{)";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const symbol_spec& s = symbols[i];
    if (i) out.push_back(',');
    const std::string alt = asset_altname(s.base) + asset_altname(s.quote);
    json::append_string(out, pair_id(s));
    out.append(R"(:{"altname":)");
    json::append_string(out, alt);
    out.append(R"(,"wsname":)");
    json::append_string(out, asset_altname(s.base) + "/" + asset_altname(s.quote));
    out.append(R"(,"aclass_base":"currency","base":)");
    json::append_string(out, asset_id(s.base));
    out.append(R"(,"aclass_quote":"currency","quote":)");
    json::append_string(out, asset_id(s.quote));
    out.append(R"(,"lot":"unit","cost_decimals":)");
    json::append_int(out, s.quote_volume_scale());
    out.append(R"(,"pair_decimals":)");
    json::append_int(out, s.price_scale);
    out.append(R"(,"lot_decimals":)");
    json::append_int(out, s.qty_scale);
    out.append(R"(,"lot_multiplier":1,"leverage_buy":[],"leverage_sell":[],)"
               R"("fees":[[0,0.4],[10000,0.35],[50000,0.24]],)"
               R"("fees_maker":[[0,0.25],[10000,0.2],[50000,0.14]],"fee_volume_currency":"ZUSD",)"
               R"("margin_call":80,"margin_stop":40,"ordermin":)");
    json::append_string(out, rest::step_text(s.qty_scale));
    out.append(R"(,"costmin":"0.5","tick_size":)");
    json::append_string(out, rest::step_text(s.price_scale));
    out.append(R"(,"status":"online"})");
  }
  out.append("}}");
  return out;
}

}  // namespace tickerd::sim::kraken
