#include "sim/okx_rest.hpp"

#include "tickerd/core/json_writer.hpp"

namespace tickerd::sim::okx {
namespace {

constexpr std::string_view listed_at_ms = "1606468572000";  // a fixed, plausible listTime

void append_spot(std::string& out, const symbol_spec& s) {
  out.append(R"({"alias":"","auctionEndTime":"","baseCcy":)");
  json::append_string(out, s.base);
  out.append(R"(,"category":"1","ctMult":"","ctType":"","ctVal":"","ctValCcy":"","expTime":"",)"
             R"("instFamily":"","instId":)");
  json::append_string(out, s.base + "-" + s.quote);
  out.append(R"(,"instType":"SPOT","lever":"","listTime":)");
  json::append_string(out, listed_at_ms);
  out.append(R"(,"lotSz":)");
  json::append_string(out, rest::step_text(s.qty_scale));
  out.append(R"(,"maxIcebergSz":"9999999999","maxLmtAmt":"20000000","maxLmtSz":"9999999999",)"
             R"("maxMktAmt":"1000000","maxMktSz":"1000000","maxStopSz":"1000000",)"
             R"("maxTriggerSz":"9999999999","maxTwapSz":"9999999999","minSz":)");
  json::append_string(out, rest::step_text(s.qty_scale));
  out.append(R"(,"optType":"","quoteCcy":)");
  json::append_string(out, s.quote);
  out.append(R"(,"ruleType":"normal","settleCcy":"","state":"live","stk":"","tickSz":)");
  json::append_string(out, rest::step_text(s.price_scale));
  out.append(R"(,"uly":""})");
}

}  // namespace

bool known_inst_type(std::string_view t) noexcept {
  return t == "SPOT" || t == "MARGIN" || t == "SWAP" || t == "FUTURES" || t == "OPTION";
}

std::string instruments(rest::specs symbols, std::string_view inst_type) {
  std::string out = R"({"code":"0","data":[)";
  if (inst_type == "SPOT") {
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      if (i) out.push_back(',');
      append_spot(out, symbols[i]);
    }
  }
  out.append(R"(],"msg":""})");
  return out;
}

std::string instruments_error(std::string_view parameter) {
  std::string out = R"({"code":"51000","data":[],"msg":)";
  json::append_string(out, "Parameter " + std::string(parameter) + " error");
  out.push_back('}');
  return out;
}

}  // namespace tickerd::sim::okx
