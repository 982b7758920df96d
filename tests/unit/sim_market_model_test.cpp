// The simulator's market model and Binance 24hrTicker encoding: determinism by seed, integer
// prices on the tick grid, consistent 24 h statistics, and Binance's exact message shape
// (checked by parsing the sim's own output with simdjson).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/binance_encode.hpp"
#include "sim/market_model.hpp"

namespace tickerd::sim {
namespace {

std::vector<symbol_spec> all_builtins() {
  const auto s = builtin_specs();
  return {s.begin(), s.end()};
}

std::vector<std::vector<symbol_state>> run(market_model& m, int steps) {
  std::vector<std::vector<symbol_state>> out(m.size());
  for (int k = 0; k < steps; ++k) {
    for (std::size_t i = 0; i < m.size(); ++i) out[i].push_back(m.step(i));
  }
  return out;
}

TEST(SimMarketModel, BuiltinTableHasTheSeedPageCoins) {
  std::set<std::string> names;
  for (const auto& s : builtin_specs()) names.insert(s.native());
  const std::set<std::string> want{"BTCUSDT", "ETHUSDT",   "BNBUSDT", "SOLUSDT",
                                   "XRPUSDT", "DOGEUSDT",  "TRXUSDT", "TONUSDT",
                                   "SUIUSDT", "TRUMPUSDT", "ONDOUSDT"};
  EXPECT_EQ(names, want);
  const auto btc = find_spec("BTCUSDT");
  ASSERT_TRUE(btc);
  EXPECT_EQ(btc->price(btc->start_price).to_string(), "85205.70");
  EXPECT_EQ(btc->price_scale, 2);
  EXPECT_EQ(btc->qty_scale, 5);
  const auto eth = find_spec("ETHUSDT");
  ASSERT_TRUE(eth);
  EXPECT_EQ(eth->price(eth->start_price).to_string(), "2817.02");
  const auto doge = find_spec("DOGEUSDT");
  ASSERT_TRUE(doge);
  EXPECT_EQ(doge->price_scale, 5);  // tick 0.00001
  const auto xrp = find_spec("XRPUSDT");
  ASSERT_TRUE(xrp);
  EXPECT_EQ(xrp->price_scale, 4);  // tick 0.0001
}

TEST(SimMarketModel, FindSpecAcceptsBothSpellingsAndMakesUpOthers) {
  const auto a = find_spec("btcusdt");
  const auto b = find_spec("BTC-USDT");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->native(), "BTCUSDT");
  EXPECT_EQ(b->native(), "BTCUSDT");
  EXPECT_EQ(a->start_price, b->start_price);

  const auto x = find_spec("PEPEUSDT");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->base, "PEPE");
  EXPECT_EQ(x->quote, "USDT");
  EXPECT_GT(x->start_price, 0);
  const auto x2 = find_spec("PEPEUSDT");
  EXPECT_EQ(x->start_price, x2->start_price);  // stable, derived from the name

  const auto cross = find_spec("ETHBTC");
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->base, "ETH");
  EXPECT_EQ(cross->quote, "BTC");

  EXPECT_FALSE(find_spec(""));
  EXPECT_FALSE(find_spec("USDT"));      // no base
  EXPECT_FALSE(find_spec("BTCXYZ"));    // unknown quote and no dash
  EXPECT_FALSE(find_spec("BT$-USDT"));  // bad character
  EXPECT_FALSE(find_spec("BTC-"));
}

TEST(SimMarketModel, ParseSymbolList) {
  std::string error;
  const auto list = parse_symbol_list("BTCUSDT,eth-usdt,DOGEUSDT", error);
  ASSERT_TRUE(list) << error;
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].native(), "ETHUSDT");

  EXPECT_FALSE(parse_symbol_list("BTCUSDT,,ETHUSDT", error));
  EXPECT_NE(error.find("''"), std::string::npos);
  EXPECT_FALSE(parse_symbol_list("BTCUSDT,BTC-USDT", error));
  EXPECT_NE(error.find("twice"), std::string::npos);
  EXPECT_FALSE(parse_symbol_list("BTCUSDT,???", error));
  EXPECT_NE(error.find("???"), std::string::npos);
}

TEST(SimMarketModel, SameSeedSameSequence) {
  market_model a(all_builtins(), 42);
  market_model b(all_builtins(), 42);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.symbol(i).state(), b.symbol(i).state());
  }
  const auto ra = run(a, 500);
  const auto rb = run(b, 500);
  EXPECT_EQ(ra, rb);
}

TEST(SimMarketModel, DifferentSeedDifferentSequence) {
  market_model a(all_builtins(), 42);
  market_model b(all_builtins(), 43);
  const auto ra = run(a, 50);
  const auto rb = run(b, 50);
  for (std::size_t i = 0; i < ra.size(); ++i) EXPECT_NE(ra[i], rb[i]) << i;
}

TEST(SimMarketModel, SymbolSequenceIgnoresOtherSymbolsAndOrder) {
  // BTC alone, stepped 300 times.
  market_model alone({*find_spec("BTCUSDT")}, 7);
  std::vector<symbol_state> want;
  for (int k = 0; k < 300; ++k) want.push_back(alone.step(0));

  // BTC among all symbols, stepped in a scrambled interleaving with uneven counts.
  market_model all(all_builtins(), 7);
  const auto btc = all.find("btcusdt");
  ASSERT_TRUE(btc);
  std::vector<symbol_state> got;
  for (int k = 0; got.size() < want.size(); ++k) {
    for (std::size_t j = all.size(); j-- > 0;) {
      if (j == *btc) {
        got.push_back(all.step(j));
      } else if ((k + static_cast<int>(j)) % 3 == 0) {
        all.step(j);
        all.step(j);
      }
    }
  }
  EXPECT_EQ(got, want);
}

TEST(SimMarketModel, StatisticsStayConsistent) {
  market_model m(all_builtins(), 1234);
  for (std::size_t i = 0; i < m.size(); ++i) {
    const auto& spec = m.symbol(i).spec();
    symbol_state prev = m.symbol(i).state();
    const std::int64_t open = prev.open_24h;
    EXPECT_NE(prev.last, open) << spec.native() << ": change% must not start at zero";
    for (int k = 0; k < 20'000; ++k) {
      const symbol_state s = m.step(i);
      SCOPED_TRACE(spec.native() + " step " + std::to_string(k));
      ASSERT_EQ(s.seq, prev.seq + 1);
      ASSERT_GT(s.last, 0);
      ASSERT_GT(s.bid, 0);
      ASSERT_GT(s.ask, s.bid);
      ASSERT_TRUE(s.last == s.bid || s.last == s.ask);
      ASSERT_GE(s.high_24h, s.last);
      ASSERT_LE(s.low_24h, s.last);
      ASSERT_GE(s.high_24h, prev.high_24h);
      ASSERT_LE(s.low_24h, prev.low_24h);
      ASSERT_GE(s.high_24h, open);
      ASSERT_LE(s.low_24h, open);
      ASSERT_EQ(s.open_24h, open);
      ASSERT_GT(s.volume_base, prev.volume_base);
      ASSERT_GT(s.volume_quote, prev.volume_quote);
      ASSERT_GT(s.trade_count, prev.trade_count);
      ASSERT_EQ(s.first_trade_id, prev.first_trade_id);
      ASSERT_EQ(s.last_trade_id(), s.first_trade_id + s.trade_count - 1);
      ASSERT_GT(s.last_qty, 0);
      ASSERT_GT(s.bid_qty, 0);
      ASSERT_GT(s.ask_qty, 0);
      const decimal w = weighted_avg_price(spec, s);
      ASSERT_GE(w, spec.price(s.low_24h));
      ASSERT_LE(w, spec.price(s.high_24h));
      prev = s;
    }
    // A long walk stays near its level (weak mean reversion) rather than drifting away.
    EXPECT_GT(prev.last, spec.start_price / 2) << spec.native();
    EXPECT_LT(prev.last, spec.start_price * 2) << spec.native();
    EXPECT_NE(prev.last, spec.start_price) << spec.native() << " never moved";
  }
}

TEST(SimMarketModel, ChangePctIsExactAndRoundsHalfAwayFromZero) {
  EXPECT_EQ(change_pct(110, 100, 3).to_string(), "10.000");
  EXPECT_EQ(change_pct(99, 100, 2).to_string(), "-1.00");
  EXPECT_EQ(change_pct(2, 3, 2).to_string(), "-33.33");
  EXPECT_EQ(change_pct(1, 3, 2).to_string(), "-66.67");
  EXPECT_EQ(change_pct(1'000'005, 1'000'000, 3).to_string(), "0.001");  // 0.0005 -> 0.001
  EXPECT_EQ(change_pct(999'995, 1'000'000, 3).to_string(), "-0.001");   // -0.0005 -> -0.001
  EXPECT_EQ(change_pct(1'000'004, 1'000'000, 3).to_string(), "0.000");
  EXPECT_EQ(change_pct(8'520'570, 8'606'000, 3).to_string(), "-0.993");  // 85205.70 vs 86060.00
}

// ---- Binance 24hrTicker ------------------------------------------------------------------

constexpr std::int64_t event_us = 1'764'061'234'567'890;

struct parsed_ticker {
  std::vector<std::string> keys;
  std::map<std::string, std::string> strings;
  std::map<std::string, std::int64_t> numbers;
};

// Parses a bare 24hrTicker with simdjson, failing the test on any type surprise.
parsed_ticker parse_ticker(simdjson::ondemand::object obj) {
  parsed_ticker out;
  for (auto field : obj) {
    std::string_view key;
    EXPECT_EQ(field.unescaped_key().get(key), simdjson::SUCCESS);
    out.keys.emplace_back(key);
    auto v = field.value();
    simdjson::ondemand::json_type type;
    EXPECT_EQ(v.type().get(type), simdjson::SUCCESS);
    if (type == simdjson::ondemand::json_type::string) {
      std::string_view s;
      EXPECT_EQ(v.get_string().get(s), simdjson::SUCCESS);
      out.strings.emplace(std::string(key), std::string(s));
    } else if (type == simdjson::ondemand::json_type::number) {
      std::int64_t n = 0;
      EXPECT_EQ(v.get_int64().get(n), simdjson::SUCCESS) << key;
      out.numbers.emplace(std::string(key), n);
    } else {
      ADD_FAILURE() << "field " << key << " is neither a string nor a number";
    }
  }
  return out;
}

parsed_ticker parse_bare(const std::string& text) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text);
  auto doc = parser.iterate(padded);
  simdjson::ondemand::object obj;
  EXPECT_EQ(doc.get_object().get(obj), simdjson::SUCCESS) << text;
  return parse_ticker(obj);
}

std::size_t fraction_digits(const std::string& s) {
  const auto dot = s.find('.');
  return dot == std::string::npos ? 0 : s.size() - dot - 1;
}

// --binance-tick-precision: the symbol's own tick and lot precision instead of 8 decimals.
constexpr binance::format_options tick_precision{.fixed8 = false};

TEST(SimBinanceEncode, TickerHasExactlyBinanceFieldsAndTypes) {
  market_model m(all_builtins(), 42);
  const auto i = *m.find("BTCUSDT");
  const auto& spec = m.symbol(i).spec();
  const std::string text = binance::encode_ticker(
      spec, m.symbol(i).state(), event_us, binance::time_unit::millisecond, tick_precision, false);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const auto t = parse_bare(text);

  const std::vector<std::string> order{"e", "E", "s", "p", "P", "w", "x", "c", "Q", "b", "B", "a",
                                       "A", "o", "h", "l", "v", "q", "O", "C", "F", "L", "n"};
  EXPECT_EQ(t.keys, order);
  for (const char* k :
       {"e", "s", "p", "P", "w", "x", "c", "Q", "b", "B", "a", "A", "o", "h", "l", "v", "q"}) {
    EXPECT_TRUE(t.strings.count(k)) << k << " must be a string";
  }
  for (const char* k : {"E", "O", "C", "F", "L", "n"}) {
    EXPECT_TRUE(t.numbers.count(k)) << k << " must be a number";
  }
  EXPECT_EQ(t.strings.at("e"), "24hrTicker");
  EXPECT_EQ(t.strings.at("s"), "BTCUSDT");
  EXPECT_EQ(t.strings.at("c"), "85205.70");  // the initial state is the seed page's price
  EXPECT_EQ(t.numbers.at("E"), event_us / 1000);
  EXPECT_EQ(t.numbers.at("C") - t.numbers.at("O"), 86'400'000);
  EXPECT_LE(t.numbers.at("C"), t.numbers.at("E"));
  EXPECT_EQ(t.numbers.at("L") - t.numbers.at("F") + 1, t.numbers.at("n"));
  // Prices at the tick precision, quantities at the lot precision, percent at 3 decimals.
  for (const char* k : {"p", "w", "x", "c", "b", "a", "o", "h", "l"}) {
    EXPECT_EQ(fraction_digits(t.strings.at(k)), 2u) << k << "=" << t.strings.at(k);
  }
  for (const char* k : {"Q", "B", "A", "v"}) {
    EXPECT_EQ(fraction_digits(t.strings.at(k)), 5u) << k << "=" << t.strings.at(k);
  }
  EXPECT_EQ(fraction_digits(t.strings.at("q")), 7u);
  EXPECT_EQ(fraction_digits(t.strings.at("P")), 3u);

  // The decimals agree with each other: p = c - o, P = p / o.
  decimal c, o, p, pct;
  ASSERT_EQ(decimal::parse(t.strings.at("c"), c), decimal_errc::ok);
  ASSERT_EQ(decimal::parse(t.strings.at("o"), o), decimal_errc::ok);
  ASSERT_EQ(decimal::parse(t.strings.at("p"), p), decimal_errc::ok);
  ASSERT_EQ(decimal::parse(t.strings.at("P"), pct), decimal_errc::ok);
  decimal diff;
  ASSERT_TRUE(decimal::sub(c, o, diff));
  EXPECT_TRUE(diff.identical(p));
  decimal want_pct;
  ASSERT_TRUE(decimal::change_pct(c, o, 3, want_pct));
  EXPECT_TRUE(want_pct.identical(pct)) << want_pct.to_string() << " vs " << t.strings.at("P");
  EXPECT_FALSE(pct.is_zero());
}

TEST(SimBinanceEncode, EverySymbolPrintsItsOwnPrecisionWhileWalking) {
  market_model m(all_builtins(), 99);
  for (std::size_t i = 0; i < m.size(); ++i) {
    const auto& spec = m.symbol(i).spec();
    for (int k = 0; k < 200; ++k) {
      m.step(i);
      const auto t = parse_bare(binance::encode_ticker(spec, m.symbol(i).state(), event_us,
                                                       binance::time_unit::millisecond,
                                                       tick_precision, false));
      for (const char* key : {"c", "b", "a", "o", "h", "l"}) {
        const std::string& v = t.strings.at(key);
        ASSERT_EQ(fraction_digits(v), static_cast<std::size_t>(spec.price_scale))
            << spec.native() << " " << key << "=" << v;
        decimal d;
        ASSERT_EQ(decimal::parse(v, d), decimal_errc::ok);
        ASSERT_GT(d, decimal(0, 0)) << spec.native() << " " << key << "=" << v;
      }
      for (const char* key : {"Q", "B", "A", "v"}) {
        ASSERT_EQ(fraction_digits(t.strings.at(key)), static_cast<std::size_t>(spec.qty_scale))
            << spec.native() << " " << key;
      }
    }
  }
}

TEST(SimBinanceEncode, PadsTo8DecimalsByDefaultLikeTheRealVenue) {
  EXPECT_TRUE(binance::format_options{}.fixed8);
  market_model m(all_builtins(), 42);
  const auto btc = *m.find("BTCUSDT");
  const auto t =
      parse_bare(binance::encode_ticker(m.symbol(btc).spec(), m.symbol(btc).state(), event_us,
                                        binance::time_unit::millisecond, {}, false));
  EXPECT_EQ(t.strings.at("c"), "85205.70000000");
}

TEST(SimBinanceEncode, Fixed8PadsLikeTheRealVenue) {
  market_model m(all_builtins(), 42);
  for (const char* name : {"BTCUSDT", "DOGEUSDT"}) {
    const auto i = *m.find(name);
    const auto& spec = m.symbol(i).spec();
    const std::string text =
        binance::encode_ticker(spec, m.symbol(i).state(), event_us, binance::time_unit::millisecond,
                               {.fixed8 = true}, false);
    const auto t = parse_bare(text);
    for (const char* k : {"p", "w", "x", "c", "Q", "b", "B", "a", "A", "o", "h", "l", "v", "q"}) {
      const std::string& v = t.strings.at(k);
      EXPECT_EQ(fraction_digits(v), 8u) << name << " " << k << "=" << v;
      // Still on the tick grid: the padding is zeros.
      const auto scale = static_cast<std::size_t>(
          std::string_view(k) == "q" ? spec.quote_volume_scale()
          : std::string_view("QBAv").find(k[0]) != std::string_view::npos ? spec.qty_scale
                                                                          : spec.price_scale);
      EXPECT_EQ(v.substr(v.size() - (8 - scale)), std::string(8 - scale, '0')) << k << "=" << v;
    }
    EXPECT_EQ(fraction_digits(t.strings.at("P")), 3u);
  }
  const auto btc = *m.find("BTCUSDT");
  const auto t =
      parse_bare(binance::encode_ticker(m.symbol(btc).spec(), m.symbol(btc).state(), event_us,
                                        binance::time_unit::millisecond, {.fixed8 = true}, false));
  EXPECT_EQ(t.strings.at("c"), "85205.70000000");
}

TEST(SimBinanceEncode, CombinedWrapperAndMicroseconds) {
  market_model m(all_builtins(), 42);
  const auto i = *m.find("ETHUSDT");
  const auto& spec = m.symbol(i).spec();
  EXPECT_EQ(binance::ticker_stream_name(spec), "ethusdt@ticker");
  const std::string text = binance::encode_ticker(spec, m.symbol(i).state(), event_us,
                                                  binance::time_unit::microsecond, {}, true);
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text);
  auto doc = parser.iterate(padded);
  simdjson::ondemand::object outer;
  ASSERT_EQ(doc.get_object().get(outer), simdjson::SUCCESS);
  std::vector<std::string> keys;
  std::string stream;
  parsed_ticker data;
  for (auto field : outer) {
    std::string_view key;
    ASSERT_EQ(field.unescaped_key().get(key), simdjson::SUCCESS);
    keys.emplace_back(key);
    if (key == "stream") {
      std::string_view s;
      ASSERT_EQ(field.value().get_string().get(s), simdjson::SUCCESS);
      stream = s;
    } else if (key == "data") {
      simdjson::ondemand::object obj;
      ASSERT_EQ(field.value().get_object().get(obj), simdjson::SUCCESS);
      data = parse_ticker(obj);
    }
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"stream", "data"}));
  EXPECT_EQ(stream, "ethusdt@ticker");
  EXPECT_EQ(data.strings.at("s"), "ETHUSDT");
  EXPECT_EQ(data.strings.at("c"), "2817.02000000");  // padded to 8 decimals by default
  EXPECT_EQ(data.numbers.at("E"), event_us);
  EXPECT_EQ(data.numbers.at("C") - data.numbers.at("O"), 86'400'000'000);
}

TEST(SimBinanceEncode, ServerShutdownEvent) {
  EXPECT_EQ(binance::encode_server_shutdown(event_us, binance::time_unit::millisecond, false),
            "{\"e\":\"serverShutdown\",\"E\":1764061234567}");
  EXPECT_EQ(binance::encode_server_shutdown(event_us, binance::time_unit::millisecond, true),
            "{\"stream\":\"!serverShutdown\",\"data\":{\"e\":\"serverShutdown\",\"E\":"
            "1764061234567}}");
}

}  // namespace
}  // namespace tickerd::sim
