#include "load/core/scenario.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "tickerd/core/json_writer.hpp"

namespace tickerd::bench {
namespace {

constexpr std::size_t max_clients = 1'000'000;
constexpr double max_sim_rate = 10'000;  // tickerd-sim's own limit per symbol

[[noreturn]] void fail(const std::string& source, std::string_view key, std::string_view why) {
  throw scenario_error(source + ": " + std::string(key) + ": " + std::string(why));
}

void check_keys(const toml::table& t, std::string_view table_name,
                std::initializer_list<std::string_view> allowed, const std::string& source) {
  for (const auto& [key, value] : t) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      const std::string full = table_name.empty()
                                   ? std::string(key.str())
                                   : std::string(table_name) + "." + std::string(key.str());
      fail(source, full, "unknown key");
    }
  }
}

const toml::table* sub_table(const toml::table& root, std::string_view name,
                             const std::string& source) {
  const auto* node = root.get(name);
  if (node == nullptr) return nullptr;
  const auto* t = node->as_table();
  if (t == nullptr) fail(source, name, "must be a table");
  return t;
}

double number(const toml::table& t, std::string_view table_name, std::string_view key,
              double fallback, double min, double max, const std::string& source) {
  const auto* node = t.get(key);
  if (node == nullptr) return fallback;
  const std::string full = std::string(table_name) + "." + std::string(key);
  double v = 0;
  if (const auto i = node->value<std::int64_t>(); i && node->is_integer()) {
    v = static_cast<double>(*i);
  } else if (const auto d = node->value<double>(); d && node->is_floating_point()) {
    v = *d;
  } else {
    fail(source, full, "must be a number");
  }
  if (!(v >= min && v <= max)) {
    std::ostringstream why;
    why << "must be from " << min << " to " << max;
    fail(source, full, why.str());
  }
  return v;
}

std::vector<std::string> strings(const toml::table& t, std::string_view table_name,
                                 std::string_view key, const std::string& source) {
  std::vector<std::string> out;
  const auto* node = t.get(key);
  if (node == nullptr) return out;
  const std::string full = std::string(table_name) + "." + std::string(key);
  const auto* arr = node->as_array();
  if (arr == nullptr) fail(source, full, "must be an array of strings");
  for (const auto& item : *arr) {
    const auto s = item.value<std::string>();
    if (!s || !item.is_string() || s->empty()) fail(source, full, "must be non-empty strings");
    out.push_back(*s);
  }
  return out;
}

// Whole client counts, sorted, duplicates removed.
std::vector<std::size_t> client_counts(const toml::table& t, std::string_view table_name,
                                       std::string_view key, const std::string& source) {
  std::vector<std::size_t> out;
  const auto* node = t.get(key);
  if (node == nullptr) return out;
  const std::string full = std::string(table_name) + "." + std::string(key);
  const auto* arr = node->as_array();
  if (arr == nullptr) fail(source, full, "must be an array of client counts");
  for (const auto& item : *arr) {
    const auto v = item.value<std::int64_t>();
    if (!item.is_integer() || !v || *v < 1 || static_cast<std::size_t>(*v) > max_clients) {
      fail(source, full, "must be whole client counts from 1 to 1000000");
    }
    out.push_back(static_cast<std::size_t>(*v));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// `<table>.rates`: sim rates (events/s per symbol), each > 0 and at most max_sim_rate, sorted;
// empty when absent.
std::vector<double> sim_rates(const toml::table& t, std::string_view table_name,
                              const std::string& source) {
  std::vector<double> out;
  const auto* node = t.get("rates");
  if (node == nullptr) return out;
  const std::string key = std::string(table_name) + ".rates";
  const auto* arr = node->as_array();
  if (arr == nullptr) fail(source, key, "must be a non-empty array");
  for (const auto& item : *arr) {
    const auto v = item.value<double>();
    if (!v || !(*v > 0 && *v <= max_sim_rate))
      fail(source, key, "must be numbers > 0 and at most 10000");
    out.push_back(*v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool flag(const toml::table& t, std::string_view table_name, std::string_view key,
          const std::string& source) {
  const auto* node = t.get(key);
  if (node == nullptr) return false;
  const auto b = node->value<bool>();
  if (!b || !node->is_boolean()) {
    fail(source, std::string(table_name) + "." + std::string(key), "must be true or false");
  }
  return *b;
}

std::string text(const toml::table& t, std::string_view key, std::string fallback,
                 const std::string& source) {
  const auto* node = t.get(key);
  if (node == nullptr) return fallback;
  const auto s = node->value<std::string>();
  if (!s || !node->is_string()) fail(source, key, "must be a string");
  return *s;
}

bool is_symbol(std::string_view s) {
  const auto dash = s.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == s.size()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

std::string_view to_string(scenario_mode m) noexcept {
  switch (m) {
    case scenario_mode::stream:
      return "stream";
    case scenario_mode::sweep:
      return "sweep";
    case scenario_mode::churn:
      return "churn";
    case scenario_mode::idle:
      return "idle";
    case scenario_mode::handshakes:
      return "handshakes";
  }
  return "stream";
}

const std::vector<std::string>& default_symbols() {
  static const std::vector<std::string> symbols{"BTC-USDT", "ETH-USDT",   "BNB-USDT", "SOL-USDT",
                                                "XRP-USDT", "DOGE-USDT",  "TRX-USDT", "TON-USDT",
                                                "SUI-USDT", "TRUMP-USDT", "ONDO-USDT"};
  return symbols;
}

scenario parse_scenario(std::string_view toml_text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream why;
    why << e.description() << " (line " << e.source().begin.line << ")";
    throw scenario_error(source + ": " + why.str());
  }
  check_keys(root, "",
             {"name", "description", "note", "mode", "stack", "clients", "run", "sweep", "churn",
              "floor", "targets"},
             source);
  scenario s;
  s.name = text(root, "name", "", source);
  if (s.name.empty()) fail(source, "name", "required");
  s.description = text(root, "description", "", source);
  s.note = text(root, "note", "", source);
  const auto mode = text(root, "mode", "stream", source);
  if (mode == "stream") {
    s.mode = scenario_mode::stream;
  } else if (mode == "sweep") {
    s.mode = scenario_mode::sweep;
  } else if (mode == "churn") {
    s.mode = scenario_mode::churn;
  } else if (mode == "idle") {
    s.mode = scenario_mode::idle;
  } else if (mode == "handshakes") {
    s.mode = scenario_mode::handshakes;
  } else {
    fail(source, "mode", "must be stream, sweep, churn, idle or handshakes");
  }

  if (const auto* t = sub_table(root, "stack", source)) {
    check_keys(*t, "stack", {"venues", "symbols", "rate", "shards", "tls", "auth", "streams"},
               source);
    if (t->contains("venues")) s.venues = strings(*t, "stack", "venues", source);
    static const std::set<std::string> known{"binance", "okx", "coinbase", "bybit", "kraken"};
    if (s.venues.empty()) fail(source, "stack.venues", "needs at least one venue");
    for (const auto& v : s.venues) {
      if (!known.contains(v)) fail(source, "stack.venues", "unknown venue '" + v + "'");
    }
    s.symbols = strings(*t, "stack", "symbols", source);
    for (const auto& sym : s.symbols) {
      if (!is_symbol(sym)) fail(source, "stack.symbols", "'" + sym + "' is not BASE-QUOTE");
    }
    s.rate = number(*t, "stack", "rate", s.rate, 0.01, max_sim_rate, source);
    s.shards = static_cast<unsigned>(number(*t, "stack", "shards", s.shards, 1, 64, source));
    s.tls = flag(*t, "stack", "tls", source);
    s.auth = flag(*t, "stack", "auth", source);
    if (t->contains("streams")) {
      s.streams = strings(*t, "stack", "streams", source);
      static const std::set<std::string> streams{"ticker", "trades", "bbo", "book"};
      if (s.streams.empty()) fail(source, "stack.streams", "needs at least one stream");
      for (const auto& name : s.streams) {
        if (!streams.contains(name)) {
          fail(source, "stack.streams",
               "unknown stream '" + name + "' (ticker, trades, bbo, book)");
        }
      }
    }
  }
  if (const auto* t = sub_table(root, "clients", source)) {
    check_keys(*t, "clients",
               {"count", "channels", "throttle_ms", "connect_concurrency", "sweep", "sweep_step_s",
                "sweep_warmup_s"},
               source);
    s.clients = static_cast<std::size_t>(
        number(*t, "clients", "count", static_cast<double>(s.clients), 1, max_clients, source));
    s.channels = strings(*t, "clients", "channels", source);
    s.throttle_ms =
        static_cast<std::int64_t>(number(*t, "clients", "throttle_ms", 0, 0, 3'600'000, source));
    s.connect_concurrency = static_cast<std::size_t>(
        number(*t, "clients", "connect_concurrency", static_cast<double>(s.connect_concurrency), 1,
               100'000, source));
    s.client_sweep = client_counts(*t, "clients", "sweep", source);
    s.client_sweep_step_s =
        number(*t, "clients", "sweep_step_s", s.client_sweep_step_s, 0.5, 3600, source);
    s.client_sweep_warmup_s =
        number(*t, "clients", "sweep_warmup_s", s.client_sweep_warmup_s, 0, 3600, source);
  }
  if (const auto* t = sub_table(root, "run", source)) {
    check_keys(*t, "run", {"warmup_s", "duration_s", "phases"}, source);
    s.warmup_s = number(*t, "run", "warmup_s", s.warmup_s, 0, 3600, source);
    s.duration_s = number(*t, "run", "duration_s", s.duration_s, 0.1, 86'400, source);
    if (const auto* node = t->get("phases")) {
      const auto* arr = node->as_array();
      if (arr == nullptr) fail(source, "run.phases", "must be an array of tables ([[run.phases]])");
      for (const auto& item : *arr) {
        const auto* pt = item.as_table();
        if (pt == nullptr) fail(source, "run.phases", "must be tables");
        check_keys(*pt, "run.phases", {"at_s", "rate_multiplier"}, source);
        rate_phase p;
        p.at_s = number(*pt, "run.phases", "at_s", -1, 0, 86'400, source);
        if (!pt->contains("at_s")) fail(source, "run.phases.at_s", "required");
        p.rate_multiplier = number(*pt, "run.phases", "rate_multiplier", 1, 0.001, 1000, source);
        s.phases.push_back(p);
      }
      std::sort(s.phases.begin(), s.phases.end(),
                [](const rate_phase& a, const rate_phase& b) { return a.at_s < b.at_s; });
      for (const auto& p : s.phases) {
        if (s.rate * p.rate_multiplier > max_sim_rate) {
          fail(source, "run.phases.rate_multiplier", "stack.rate times it exceeds 10000");
        }
      }
    }
  }
  if (const auto* t = sub_table(root, "sweep", source)) {
    check_keys(*t, "sweep", {"rates", "step_s", "step_warmup_s", "p99_limit_ms", "peer"}, source);
    if (t->contains("rates")) {
      s.sweep_rates = sim_rates(*t, "sweep", source);
      if (s.sweep_rates.empty()) fail(source, "sweep.rates", "must be a non-empty array");
    }
    s.step_s = number(*t, "sweep", "step_s", s.step_s, 0.5, 3600, source);
    s.step_warmup_s = number(*t, "sweep", "step_warmup_s", s.step_warmup_s, 0, 3600, source);
    s.p99_limit_ms = number(*t, "sweep", "p99_limit_ms", s.p99_limit_ms, 0.001, 60'000, source);
    if (const auto* node = t->get("peer")) {
      const auto b = node->value<bool>();
      if (!b || !node->is_boolean()) fail(source, "sweep.peer", "must be true or false");
      s.peer = *b;
    }
  }
  if (const auto* t = sub_table(root, "floor", source)) {
    check_keys(*t, "floor", {"run", "rates", "venues"}, source);
    s.floor = flag(*t, "floor", "run", source);
    s.floor_rates = sim_rates(*t, "floor", source);
    if (t->contains("venues")) {
      s.floor_venues = strings(*t, "floor", "venues", source);
      if (s.floor_venues != std::vector<std::string>{"binance"}) {
        fail(source, "floor.venues", "must be [\"binance\"]: the floor reads Binance only");
      }
      if (std::find(s.venues.begin(), s.venues.end(), "binance") == s.venues.end()) {
        fail(source, "floor.venues", "stack.venues has no binance");
      }
    }
  }
  if (s.mode == scenario_mode::handshakes && !s.tls) {
    fail(source, "stack.tls", "must be true when mode = \"handshakes\"");
  }
  // The Node peer speaks plain ws:// without tokens: a comparison with it would not be one.
  if (s.peer && (s.tls || s.auth)) fail(source, "sweep.peer", "not with stack.tls or stack.auth");
  // The floor speaks plain ws:// and serves the sweep, stream and idle modes only.
  if (s.floor && (s.tls || s.auth)) fail(source, "floor.run", "not with stack.tls or stack.auth");
  if (s.floor && s.mode != scenario_mode::stream && s.mode != scenario_mode::sweep &&
      s.mode != scenario_mode::idle) {
    fail(source, "floor.run", "only with mode = \"stream\", \"sweep\" or \"idle\"");
  }
  if (!s.floor_rates.empty() && s.mode != scenario_mode::stream) {
    fail(source, "floor.rates", "only with mode = \"stream\"");
  }
  if (!s.floor_venues.empty() && s.mode != scenario_mode::stream) {
    fail(source, "floor.venues", "only with mode = \"stream\"");
  }
  if (s.mode == scenario_mode::sweep && s.sweep_rates.empty()) {
    fail(source, "sweep.rates", "required when mode = \"sweep\"");
  }
  // The steps repeat the main run's load at the base rate and skip the throttled runs'
  // latest-seq check, so only a plain stream scenario can have them.
  if (!s.client_sweep.empty()) {
    if (s.mode != scenario_mode::stream)
      fail(source, "clients.sweep", "only with mode = \"stream\"");
    if (!s.phases.empty()) {
      fail(source, "clients.sweep", "not with run.phases (each step runs at stack.rate)");
    }
    if (s.throttle_ms > 0) fail(source, "clients.sweep", "not with clients.throttle_ms");
  }
  if (const auto* t = sub_table(root, "churn", source)) {
    check_keys(*t, "churn", {"concurrency"}, source);
    s.churn_concurrency = static_cast<std::size_t>(number(
        *t, "churn", "concurrency", static_cast<double>(s.churn_concurrency), 1, 100'000, source));
  }
  if (const auto* t = sub_table(root, "targets", source)) {
    check_keys(*t, "targets",
               {"p99_ms", "kib_per_connection", "peer_ratio", "floor_latency_ratio",
                "floor_cpu_ratio", "floor_saturation_ratio"},
               source);
    if (t->contains("floor_latency_ratio")) {
      s.target_floor_latency_ratio =
          number(*t, "targets", "floor_latency_ratio", 0, 0, 1e9, source);
    }
    if (t->contains("floor_cpu_ratio")) {
      s.target_floor_cpu_ratio = number(*t, "targets", "floor_cpu_ratio", 0, 0, 1e9, source);
    }
    if (t->contains("floor_saturation_ratio")) {
      s.target_floor_saturation_ratio =
          number(*t, "targets", "floor_saturation_ratio", 0, 0, 1e9, source);
    }
    if (t->contains("p99_ms")) s.target_p99_ms = number(*t, "targets", "p99_ms", 0, 0, 1e9, source);
    if (t->contains("kib_per_connection")) {
      s.target_kib_per_connection = number(*t, "targets", "kib_per_connection", 0, 0, 1e9, source);
    }
    if (t->contains("peer_ratio")) {
      s.target_peer_ratio = number(*t, "targets", "peer_ratio", 0, 0, 1e9, source);
    }
  }
  return s;
}

scenario load_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw scenario_error(path + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

std::vector<std::string> expand_channels(const scenario& s) {
  const auto& symbols = s.symbols.empty() ? default_symbols() : s.symbols;
  std::vector<std::string> out;
  const auto add = [&](std::string name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  };
  for (const auto& c : s.channels) {
    if (c == "@tickers") {
      for (const auto& sym : symbols) add("ticker." + sym);
    } else if (c == "@venue_tickers") {
      for (const auto& venue : s.venues) {
        for (const auto& sym : symbols) add("ticker." + sym + "@" + venue);
      }
    } else {
      add(c);
    }
  }
  return out;
}

std::string subscribe_request(const std::vector<std::string>& channels, std::int64_t throttle_ms) {
  std::string out = R"({"op":"subscribe","id":1,"channels":[)";
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (i != 0) out.push_back(',');
    json::append_string(out, channels[i]);
  }
  out.push_back(']');
  if (throttle_ms > 0) {
    out.append(R"(,"throttle_ms":)");
    json::append_int(out, throttle_ms);
  }
  out.push_back('}');
  return out;
}

}  // namespace tickerd::bench
