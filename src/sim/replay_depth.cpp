#include "sim/replay_depth.hpp"

#include <charconv>
#include <filesystem>
#include <system_error>
#include <utility>

#include "sim/replay_file.hpp"
#include "sim/rest_api.hpp"

namespace tickerd::sim::replay {
namespace {

constexpr unsigned bad_request = 400;
constexpr std::size_t max_symbol_chars = 20;

// Binance's error bodies (developers.binance.com, "Error codes"), as the live sim sends them.
constexpr std::string_view no_symbol_error =
    R"({"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."})";
constexpr std::string_view bad_limit_error =
    R"({"code":-1100,"msg":"Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'."})";
constexpr std::string_view invalid_symbol_error = R"({"code":-1121,"msg":"Invalid symbol."})";

bool symbol_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

bool only_whitespace(std::string_view text) noexcept {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// `limit`, when given, is 1 to 20 digits and not 0 (Binance caps larger values at 5000).
bool valid_limit(std::string_view text) noexcept {
  if (text.empty()) return true;
  std::uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  return text.size() <= 20 && r.ec == std::errc() && r.ptr == text.data() + text.size() && v > 0;
}

}  // namespace

std::optional<depth_snapshot_arg> parse_depth_snapshot_arg(std::string_view text,
                                                           std::string& error) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    error = "expected SYMBOL:FILE, e.g. BTCUSDT:btcusdt_depth.json";
    return std::nullopt;
  }
  const std::string_view symbol = text.substr(0, colon);
  const std::string_view path = text.substr(colon + 1);
  if (symbol.empty() || symbol.size() > max_symbol_chars) {
    error = "the symbol must be 1 to 20 characters, as Binance spells it (BTCUSDT)";
    return std::nullopt;
  }
  for (const char c : symbol) {
    if (!symbol_char(c)) {
      error = "the symbol '" + std::string(symbol) +
              "' may hold only A-Z, 0-9, '-', '_' and '.', as Binance spells it (BTCUSDT)";
      return std::nullopt;
    }
  }
  if (path.empty()) {
    error = "no file after '" + std::string(symbol) + ":'";
    return std::nullopt;
  }
  return depth_snapshot_arg{std::string(symbol), std::string(path)};
}

void depth_snapshots::add(const std::string& symbol, std::string body) {
  by_symbol_[symbol].bodies.push_back(std::move(body));
}

std::vector<std::pair<std::string, std::size_t>> depth_snapshots::counts() const {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (const auto& [symbol, e] : by_symbol_) out.emplace_back(symbol, e.bodies.size());
  return out;
}

bool depth_snapshots::is_depth_target(std::string_view target) noexcept {
  const std::string_view path = target.substr(0, target.find('?'));
  return path == "/api/v3/depth" || path == "/binance/api/v3/depth";
}

depth_reply depth_snapshots::answer(std::string_view target, bool advance) {
  const auto symbol = rest::query_value(target, "symbol");
  if (symbol.empty()) return {bad_request, std::string(no_symbol_error)};
  if (!valid_limit(rest::query_value(target, "limit"))) {
    return {bad_request, std::string(bad_limit_error)};
  }
  const auto it = by_symbol_.find(symbol);
  if (it == by_symbol_.end()) return {bad_request, std::string(invalid_symbol_error)};
  entry& e = it->second;
  const std::size_t last = e.bodies.size() - 1;
  const std::size_t at = e.served < last ? static_cast<std::size_t>(e.served) : last;
  if (advance) ++e.served;
  return {200, e.bodies[at]};
}

std::uint64_t depth_snapshots::served(std::string_view symbol) const noexcept {
  const auto it = by_symbol_.find(symbol);
  return it == by_symbol_.end() ? 0 : it->second.served;
}

bool load_depth_snapshots(const std::vector<depth_snapshot_arg>& args, depth_snapshots& out,
                          std::string& message) {
  for (const auto& a : args) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(a.path, ec);
    if (!ec && size > max_depth_snapshot_bytes) {
      message = a.path + ": too large (" + std::to_string(size) + " bytes; at most " +
                std::to_string(max_depth_snapshot_bytes) + ")";
      return false;
    }
    std::string body;
    if (!read_file(a.path, body, message)) return false;
    if (only_whitespace(body)) {
      message = a.path + ": empty (a depth snapshot is a REST body: {\"lastUpdateId\":…})";
      return false;
    }
    out.add(a.symbol, std::move(body));
  }
  return true;
}

}  // namespace tickerd::sim::replay
