// Runs the fuzz target bodies (tests/fuzz/fuzz_targets.hpp) over a fixed corpus: the valid
// examples plus seeded random mutations of them, and every committed input (tests/fuzz/corpus/
// and the crashes libFuzzer found, tests/fuzz/regressions/). Deterministic, so it runs in every
// build, with or without clang and libFuzzer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../fuzz/fuzz_targets.hpp"

namespace tickerd {
namespace {

using target_fn = const char* (*)(const std::uint8_t*, std::size_t);

std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out += c;
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    }
  }
  return out;
}

// Byte-level mutations in the spirit of libFuzzer's: flips, truncations, insertions,
// deletions, duplications, and splices of tokens that matter to the grammar.
class mutator {
 public:
  mutator(std::uint32_t seed, std::vector<std::string> tokens)
      : rng_(seed), tokens_(std::move(tokens)) {}

  std::string mutate(std::string s) {
    const int rounds = 1 + static_cast<int>(pick(3));
    for (int i = 0; i < rounds; ++i) s = mutate_once(std::move(s));
    return s;
  }

 private:
  std::size_t pick(std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  std::string mutate_once(std::string s) {
    switch (pick(7)) {
      case 0:  // flip one bit
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
        break;
      case 1:  // truncate
        s.resize(pick(s.size() + 1));
        break;
      case 2:  // insert random bytes
        s.insert(pick(s.size() + 1), std::string(1 + pick(4), static_cast<char>(pick(256))));
        break;
      case 3:  // delete a range
        if (!s.empty()) {
          const std::size_t at = pick(s.size());
          s.erase(at, 1 + pick(8));
        }
        break;
      case 4:  // duplicate a range
        if (!s.empty()) {
          const std::size_t at = pick(s.size());
          const std::string piece = s.substr(at, 1 + pick(16));
          s.insert(pick(s.size() + 1), piece);
        }
        break;
      case 5:  // insert a grammar token
        s.insert(pick(s.size() + 1), tokens_[pick(tokens_.size())]);
        break;
      default:  // overwrite one byte with a token's first byte or a digit
        if (!s.empty()) {
          const std::string& t = tokens_[pick(tokens_.size())];
          s[pick(s.size())] = t.empty() ? '0' : t[0];
        }
        break;
    }
    return s;
  }

  std::mt19937 rng_;
  std::vector<std::string> tokens_;
};

// Runs `target` over the seeds and `mutations` mutants; reports the first few failures with
// the offending input.
void run_corpus(target_fn target, const std::vector<std::string>& seeds,
                const std::vector<std::string>& tokens, int mutations, std::uint32_t seed) {
  int failures = 0;
  auto run = [&](const std::string& input) {
    const char* f = target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    if (f != nullptr && ++failures <= 5) {
      ADD_FAILURE() << f << "\n  input: \"" << printable(input) << "\"";
    }
  };
  for (const std::string& s : seeds) run(s);
  mutator m(seed, tokens);
  for (int i = 0; i < mutations; ++i)
    run(m.mutate(seeds[static_cast<std::size_t>(i) % seeds.size()]));
  EXPECT_EQ(failures, 0);
}

std::string with_split(char split, std::string_view text) {
  return std::string(1, split) + std::string(text);
}

TEST(FuzzRegression, Decimal) {
  const std::vector<std::string> seeds = {
      "85205.70",
      "0.00000123",
      "123",
      "-0.0025",
      "1.5e-3",
      "2E2",
      "1.50e1",
      "-0.00",
      "0",
      "9223372036854775807",
      "-9223372036854775808",
      "0.123456789012345678",
      "1e-18",
      "1e-19",
      "99999999999999999999",
      "86056.1085205.7",
      "x1.01-1.02",
      // Pairs: the first byte picks where the rest splits into two operands.
      with_split(5, "100.5100"),
      with_split(3, "-1-2"),
      with_split(7, "9.0000000000000000099"),
      with_split(2, "1.0050.001"),
      "4-10553.32510025112051002",  // found by libFuzzer: a sum whose operand does not fit
      // The 128-bit range (issue 11): 38 digits, 30 decimals, and one beyond each.
      "99999999999999999999999999999999999999",
      "-99999999999999999999999999999999999999",
      "100000000000000000000000000000000000000",
      "1e-30",
      "1e-31",
      "98765432109876543.12345678",
      with_split(38, "99999999999999999999999999999999999999-1"),
      with_split(19, "9999999999999999999.0000000000000000001"),
  };
  const std::vector<std::string> tokens = {"-",   ".",    "e", "E",  "e-",
                                           "e+",  "0",    "9", "00", "999999999",
                                           "e18", "e-18", "+", " ",  std::string(1, '\0')};
  run_corpus(fuzz::decimal_target, seeds, tokens, 30000, 0xdec1);
}

TEST(FuzzRegression, DecimalPairs) {
  // Targeted pairs through the two-operand invariants: the first byte picks the split.
  std::mt19937 rng(0xbeef);
  std::uniform_int_distribution<std::int64_t> mant(-2'000'000'000'000'000'000,
                                                   2'000'000'000'000'000'000);
  std::uniform_int_distribution<int> scale(0, decimal::max_scale);
  int failures = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string a = decimal(mant(rng) >> (i % 60), scale(rng)).to_string();
    const std::string b = decimal(mant(rng) >> ((i * 7) % 60), scale(rng)).to_string();
    std::string input(1, static_cast<char>(a.size()));  // split = 1 + a.size() % (len - 1)
    input += a;
    input += b;
    const char* f =
        fuzz::decimal_target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    if (f != nullptr && ++failures <= 5) ADD_FAILURE() << f << " for " << a << " , " << b;
  }
  EXPECT_EQ(failures, 0);
}

TEST(FuzzRegression, DecimalWidePairs) {
  // Pairs near the 38-digit bound and across the whole scale range: lifts that leave 128 bits,
  // sums that overflow, midpoints of huge values.
  std::mt19937_64 rng(0x1d3c);
  std::uniform_int_distribution<int> scale(0, decimal::max_scale);
  std::uniform_int_distribution<int> digits(1, decimal::max_digits);
  const auto wide = [&] {
    std::string s = rng() % 2 == 0 ? "-" : "";
    const int n = digits(rng);
    for (int k = 0; k < n; ++k) s += static_cast<char>('0' + (k == 0 ? 1 + rng() % 9 : rng() % 10));
    decimal d;
    EXPECT_EQ(decimal::parse(s, d), decimal_errc::ok) << s;
    return decimal(d.mantissa(), scale(rng)).to_string();
  };
  int failures = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string a = wide();
    const std::string b = wide();
    std::string input(1, static_cast<char>(a.size()));
    input += a;
    input += b;
    const char* f =
        fuzz::decimal_target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    if (f != nullptr && ++failures <= 5) ADD_FAILURE() << f << " for " << a << " , " << b;
  }
  EXPECT_EQ(failures, 0);
}

TEST(FuzzRegression, Binance) {
  const std::vector<std::string> seeds = {
      std::string(fuzz::binance_reference_frame),
      R"({"e":"24hrTicker","E":1672515782136,"s":"BNBBTC","p":"0.0015","P":"250.00","w":"0.0018",)"
      R"("x":"0.0009","c":"0.0025","Q":"10","b":"0.0024","B":"10","a":"0.0026","A":"100",)"
      R"("o":"0.0010","h":"0.0025","l":"0.0010","v":"10000","q":"18","O":0,"C":86400000,"F":0,)"
      R"("L":18150,"n":18151})",
      R"({"stream":"ethusdt@ticker","data":{"E":1,"s":"ETHUSDT","c":"1.5","b":null,"zz":[1,{"a":[]}]}})",
      R"({"s":"BTCUSDT","c":"9223372036854775807","E":9223372036854775807})",
      R"({"result":null,"id":1})",
      R"({"code":2,"msg":"Invalid request"})",
      R"({"error":{"code":2,"msg":"Invalid request"},"id":1})",
      R"({"e":"serverShutdown","E":1764061234000})",
      R"({"stream":"dogeusdt@ticker","data":{"e":"24hrTicker","E":1,"s":"DOGEUSDT","c":"0.1"}})",
      "[1,2,3]",
      "",
  };
  const std::vector<std::string> tokens = {
      "{",           "}",
      "[",           "]",
      "\"",          ",",
      ":",           "null",
      "true",        "\\",
      "\\u0000",     "\xff",
      "\xc3",        "1e400",
      "-",           "\"c\":\"1\",",
      "\"E\":1,",    "\"s\":\"BTCUSDT\",",
      "\"data\":",   "\"result\":",
      "\"code\":1,", " ",
      "\n",          "99999999999999999999",
      "\"\"",        "{\"data\":{",
  };
  run_corpus(fuzz::binance_target, seeds, tokens, 6000, 0xb1a4ce);
}

TEST(FuzzRegression, Kraken) {
  const std::vector<std::string> seeds = {
      std::string(fuzz::kraken_reference_frame),
      // docs.kraken.com WebSocket v2 ticker "Example: Snapshot", compacted.
      R"({"channel":"ticker","type":"snapshot","data":[{"symbol":"ALGO/USD","bid":0.10025,)"
      R"("bid_qty":740.0,"ask":0.10036,"ask_qty":1361.44813783,"last":0.10035,)"
      R"("volume":997038.98383185,"vwap":0.10148,"low":0.09979,"high":0.10285,)"
      R"("change":-0.00017,"change_pct":-0.17,"timestamp":"2023-09-25T09:04:31.742648Z"}]})",
      R"({"channel":"ticker","data":[{"symbol":"ETH/USDT","last":1.5e3,"bid":null},)"
      R"({"symbol":"DOGE/USD","last":1}],"type":"snapshot"})",
      R"({"channel":"status","data":[{"api_version":"v2","connection_id":13834774380200032777,)"
      R"("system":"online","version":"2.0.0"}],"type":"update"})",
      R"({"channel":"heartbeat"})",
      R"({"method":"subscribe","result":{"channel":"ticker","snapshot":true,"symbol":"BTC/USDT"},)"
      R"("success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"})",
      R"({"method":"pong","req_id":101,"time_in":"2023-09-24T14:10:23.799685Z"})",
      R"({"error":"Currency pair not supported X/Y","method":"subscribe","success":false,"symbol":"X/Y"})",
      R"({"channel":"ticker","type":"update","data":[{"symbol":"BTC/USDT","last":9223372036854775807,)"
      R"("change":-1,"timestamp":"1969-12-31T23:59:59.5+00:30"}]})",
      "[1,2,3]",
      "",
  };
  const std::vector<std::string> tokens = {
      "{",
      "}",
      "[",
      "]",
      "\"",
      ",",
      ":",
      "null",
      "true",
      "\\",
      "\\u0000",
      "\xff",
      "\xc3",
      "1e400",
      "-",
      "0",
      "01",
      ".5",
      "e-19",
      " ",
      "\n",
      "99999999999999999999",
      "\"\"",
      "\"last\":",
      "\"change\":",
      "\"symbol\":\"BTC/USDT\",",
      "\"data\":[",
      "\"channel\":",
      "\"ticker\"",
      "\"type\":\"update\",",
      "\"method\":\"pong\",",
      "\"success\":false,",
      "\"error\":",
      "\"timestamp\":\"2023-09-25T09:04:31.742648Z\"",
  };
  run_corpus(fuzz::kraken_target, seeds, tokens, 6000, 0x6a4e);
}

TEST(FuzzRegression, Coinbase) {
  const std::vector<std::string> seeds = {
      std::string(fuzz::coinbase_reference_frame),
      // docs.cdp.coinbase.com Exchange WebSocket Channels, ticker example, compacted.
      R"({"type":"ticker","sequence":37475248783,"product_id":"ETH-USDT","price":"1285.22",)"
      R"("open_24h":"1310.79","volume_24h":"245532.79269678","low_24h":"1280.52",)"
      R"("high_24h":"1313.8","volume_30d":"9788783.60117027","best_bid":"1285.04",)"
      R"("best_bid_size":"0.46688654","best_ask":"1285.27","best_ask_size":"1.56637040",)"
      R"("side":"buy","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,)"
      R"("last_size":"11.4396987"})",
      R"({"type":"ticker","sequence":37475248785,"product_id":"ETH-USDT","price":"1285.23"})",
      R"({"type":"heartbeat","sequence":37475248790,"last_trade_id":20,"product_id":"ETH-USDT",)"
      R"("time":"2014-11-07T08:19:28.464459Z"})",
      R"({"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USDT"]}]})",
      R"({"type":"error","message":"Failed to subscribe","reason":" is not a valid product"})",
      R"({"type":"ticker","product_id":"DOGE-USD","price":"0.1","sequence":1})",
      R"({"type":"l2update","product_id":"BTC-USD","changes":[["buy","1","0"]]})",
      R"({"type":"ticker","sequence":18446744073709551615,"product_id":"BTC-USDT",)"
      R"("price":"9223372036854775807","time":"1969-12-31T23:59:59.5+00:30"})",
      "[1,2,3]",
      "",
  };
  const std::vector<std::string> tokens = {
      "{",
      "}",
      "[",
      "]",
      "\"",
      ",",
      ":",
      "null",
      "true",
      "\\",
      "\\u0000",
      "\xff",
      "\xc3",
      "1e400",
      "-",
      "0",
      ".5",
      " ",
      "\n",
      "99999999999999999999",
      "\"\"",
      "\"price\":",
      "\"sequence\":",
      "\"product_id\":\"BTC-USDT\",",
      "\"type\":",
      "\"ticker\"",
      "\"heartbeat\"",
      "\"error\"",
      "\"time\":",
      "Z\"",
      "+01:00\"",
      "\"2024-02-29T00:00:00Z\"",
  };
  run_corpus(fuzz::coinbase_target, seeds, tokens, 6000, 0xc0b);
}

TEST(FuzzRegression, Okx) {
  const std::vector<std::string> seeds = {
      std::string(fuzz::okx_reference_frame),
      // OKX's documented push example, compacted.
      R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT",)"
      R"("instId":"BTC-USDT","last":"9999.99","lastSz":"0.1","askPx":"9999.99","askSz":"11",)"
      R"("bidPx":"8888.88","bidSz":"5","open24h":"9000","high24h":"10000","low24h":"8888.88",)"
      R"("volCcy24h":"2222","vol24h":"2222","sodUtc0":"2222","sodUtc8":"2222",)"
      R"("ts":"1597026383085"}]})",
      R"({"data":[{"instId":"ETH-USDT","last":"1.5","ts":"7","bidPx":"","askPx":null},)"
      R"({"instId":"DOGE-USDT","last":"0.1","ts":"8"},{"instId":"BTC-USDT","last":"2","ts":"9"}]})",
      R"({"data":[{"instType":"SWAP","instId":"BTC-USDT","last":"1","ts":"1","volCcy24h":"3"}]})",
      R"({"id":"1512","event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},)"
      R"("connId":"a4d3ae55"})",
      R"({"id":"1512","event":"error","code":"60012","msg":"Invalid request: {\"op\": \"subscribe\"}",)"
      R"("connId":"a4d3ae55"})",
      R"({"event":"notice","code":"64008","msg":"The connection will soon be closed for a service )"
      R"(upgrade. Please reconnect.","connId":"a4d3ae55"})",
      R"({"data":[{"instId":"BTC-USDT","last":"9223372036854775807","ts":"9223372036854775807"}]})",
      "pong",
      "[1,2,3]",
      "",
  };
  const std::vector<std::string> tokens = {
      "{",
      "}",
      "[",
      "]",
      "\"",
      ",",
      ":",
      "null",
      "true",
      "\\",
      "\\u0000",
      "\xff",
      "\xc3",
      "1e400",
      "-",
      "\"\"",
      " ",
      "\n",
      "pong",
      "99999999999999999999",
      "\"last\":\"1\",",
      "\"ts\":\"1\",",
      "\"instId\":\"BTC-USDT\",",
      "\"data\":[",
      "\"arg\":{\"channel\":\"tickers\"},",
      "\"event\":\"error\",",
      "\"event\":null,",
      "\"instType\":\"SWAP\",",
      "{\"instId\":\"ETH-USDT\",\"last\":\"1\",\"ts\":\"2\"},",
  };
  run_corpus(fuzz::okx_target, seeds, tokens, 20000, 0x0c5);
}

TEST(FuzzRegression, Bybit) {
  const std::vector<std::string> seeds = {
      std::string(fuzz::bybit_reference_ticker),
      std::string(fuzz::bybit_reference_book),
      // Bybit's documented spot ticker example, compacted.
      R"({"topic":"tickers.BTCUSDT","ts":1673853746003,"type":"snapshot","cs":2588407389,)"
      R"("data":{"symbol":"BTCUSDT","lastPrice":"21109.77","highPrice24h":"21426.99",)"
      R"("lowPrice24h":"20575","prevPrice24h":"20704.93","volume24h":"6780.866843",)"
      R"("turnover24h":"141946527.22907118","price24hPcnt":"0.0196",)"
      R"("usdIndexPrice":"21120.2400136"}})",
      R"({"data":{"symbol":"ETHUSDT","bid1Price":"1.5","ask1Size":"","lastPrice":null},)"
      R"("topic":"tickers.ETHUSDT","type":"delta","ts":"7"})",
      R"({"topic":"orderbook.1.DOGEUSDT","ts":1,"data":{"s":"DOGEUSDT","b":[],"a":[["0.1","0"]]}})",
      R"({"topic":"orderbook.1.BTCUSDT","ts":1,"data":{"b":[["1","2","3"],["0.5","1"]],"a":null}})",
      R"({"success":true,"ret_msg":"subscribe","conn_id":"2324d924","req_id":"10001","op":"subscribe"})",
      R"({"success":false,"ret_msg":"Invalid symbol :[tickers.NOPEUSDT]","op":"subscribe"})",
      R"({"success":true,"ret_msg":"pong","conn_id":"0970e817","op":"ping"})",
      R"({"args":["1672916271846"],"op":"pong"})",
      R"({"topic":"tickers.BTCUSDT","ts":9223372036854775807,"data":{"lastPrice":"9223372036854775807",)"
      R"("price24hPcnt":"92233720368547758.07"}})",
      "[1,2,3]",
      "",
  };
  const std::vector<std::string> tokens = {
      "{",
      "}",
      "[",
      "]",
      "\"",
      ",",
      ":",
      "null",
      "true",
      "false",
      "\\",
      "\\u0000",
      "\xff",
      "\xc3",
      "1e400",
      "-",
      "\"\"",
      " ",
      "\n",
      "99999999999999999999",
      "\"topic\":\"tickers.BTCUSDT\",",
      "\"topic\":\"orderbook.1.ETHUSDT\",",
      "\"ts\":1,",
      "\"type\":\"delta\",",
      "\"data\":{",
      "\"symbol\":\"BTCUSDT\",",
      "\"s\":\"ETHUSDT\",",
      "\"lastPrice\":\"1\",",
      "\"price24hPcnt\":\"0.01\",",
      "\"b\":[[\"1\",\"2\"]],",
      "\"a\":[],",
      "\"success\":false,",
      "\"op\":\"ping\",",
  };
  run_corpus(fuzz::bybit_target, seeds, tokens, 20000, 0xb7b17);
}

// Order books: the first byte picks the reader (0 Binance, 1 OKX, 2 Bybit, 3 Kraken, 4 Coinbase,
// 5 Binance REST snapshot, 6 Kraken instruments); sequences that sync, gap and cross.
TEST(FuzzRegression, Book) {
  const auto with = [](char pick, std::string_view frame) {
    return std::string(1, pick) + std::string(frame);
  };
  const std::vector<std::string> seeds = {
      with('\0', fuzz::book_reference_frame),
      with('\5', R"({"lastUpdateId":158,"bids":[["0.0023","5"]],"asks":[["0.0027","1"]]})"),
      with('\0', R"({"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1,)"
                 R"("s":"BNBBTC","U":161,"u":162,"b":[["0.0025","1"]],"a":[]}})"),
      with('\0', R"({"e":"depthUpdate","E":1,"s":"BNBBTC","U":170,"u":171,"b":[],)"
                 R"("a":[["0.0022","1"]]})"),
      with('\1', R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot",)"
                 R"("data":[{"asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0",)"
                 R"("12"]],"ts":"1597026383085","checksum":0,"prevSeqId":-1,"seqId":123456}]})"),
      with('\1', R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update",)"
                 R"("data":[{"asks":[],"bids":[["8476.97","0","0","0"]],"ts":"1","checksum":0,)"
                 R"("prevSeqId":123456,"seqId":123460}]})"),
      with('\2', R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,)"
                 R"("data":{"s":"BTCUSDT","b":[["16493.50","0.006"]],"a":[["16611.00","0.029"]],)"
                 R"("u":18521288,"seq":7961638724},"cts":1672304484976})"),
      with('\2', R"({"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT",)"
                 R"("b":[["16493.50","0"]],"a":[],"u":18521289,"seq":7961638725}})"),
      with('\6', R"({"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[)"
                 R"({"symbol":"BTC/USD","price_precision":1,"qty_precision":8}]}})"),
      with('\3', R"({"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[)"
                 R"({"price":45283.5,"qty":0.10000000}],"asks":[{"price":45285.2,)"
                 R"("qty":0.00100000}],"checksum":3039719286}]})"),
      with('\3', R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],)"
                 R"("asks":[{"price":45285.2,"qty":0}],"checksum":1,)"
                 R"("timestamp":"2023-10-06T17:35:55.440295Z"}]})"),
      with('\3', R"({"channel":"heartbeat"})"),
      with('\4', R"({"type":"snapshot","product_id":"BTC-USD","bids":[["10101.10","0.45054140"]],)"
                 R"("asks":[["10102.55","0.57753524"]]})"),
      with('\4', R"({"type":"l2update","product_id":"BTC-USD","changes":[["buy","10101.80",)"
                 R"("0.162567"],["sell","10101.00","1"]],"time":"2019-08-14T20:42:27.265Z"})"),
      with('\1', "pong"),
      "",
  };
  const std::vector<std::string> tokens = {
      "{",
      "}",
      "[",
      "]",
      "\"",
      ",",
      ":",
      "null",
      "-1",
      "0",
      "\"0\"",
      "1e400",
      "\xff",
      "\\",
      "\"U\":",
      "\"u\":",
      "\"pu\":",
      "\"b\":",
      "\"a\":",
      "\"seqId\":",
      "\"prevSeqId\":",
      "\"bids\":",
      "\"asks\":",
      "\"price\":",
      "\"qty\":",
      "\"checksum\":",
      "\"type\":",
      "\"action\":",
      "\"changes\":",
      "[\"1\",\"1\"]",
      "[\"buy\",\"1\",\"0\"]",
      "99999999999999999999",
      "\"snapshot\"",
      "\"update\"",
      "\"delta\"",
  };
  run_corpus(fuzz::book_target, seeds, tokens, 20000, 0xb00c);
}

TEST(FuzzRegression, ClientRequest) {
  const std::vector<std::string> seeds = {
      std::string(fuzz::client_reference_request),
      R"({"op":"subscribe","id":1,"channels":["ticker.BTC-USDT","ticker.*"]})",
      R"({"op":"unsubscribe","id":2,"channels":["ticker.BTC-USDT"]})",
      R"({"op":"ping","id":3})",
      R"({"op":"ping","id":-9223372036854775808,"x":{"y":[1,2.5,"z",null,true,false]}})",
      R"({"op":"ping","id":9223372036854775808})",
      R"({"op":"subscribe","channels":[]})",
      R"({"channels":["status"],"op":"subscribe","id":"a\"b\\c\u00e9\ud83d\ude00"})",
      R"({"op":"dance","id":7})",
      R"({"op":1,"id":[1]})",
      "[1,2,3]",
      "\"ping\"",
      "",
      " \n\t{ \"op\" : \"ping\" } \n",
      // Found by libFuzzer: a repeated id was echoed as two JSON values side by side.
      R"({"op":"subscribe","id":"opcribe","id":"oDT","channels":["suker-*"]})",
      // Found by libFuzzer: On-Demand skipped an ignored field without validating it.
      R"({"op":"ping","i)d":A3})",
      // An unknown op longer than the 64 bytes the error message quotes, cut inside "é".
      R"({"op":")" + std::string(63, 'a') + "\xc3\xa9\"}",
      R"({"op":"ping","channels":["a"],"channels":["b"]})",
  };
  const std::vector<std::string> tokens = {
      "{",
      "}",
      "[",
      "]",
      ":",
      ",",
      "\"",
      "\\",
      "\\u0000",
      "\\ud83d",
      "null",
      "true",
      "-0",
      "1.5",
      "1e2",
      "\xc3",
      "\xff",
      "\"op\":",
      "\"id\":",
      "\"channels\":",
      "\"ping\"",
      "\"subscribe\"",
      "\"unsubscribe\"",
      "\"status\"",
      "9223372036854775808",
      std::string(1, '\0'),
  };
  run_corpus(fuzz::client_request_target, seeds, tokens, 20000, 0xc11e47);
}

TEST(FuzzRegression, ClientRequestChannelLimit) {
  // Exactly the limit is accepted; one more is a bad_request, not a longer list.
  std::string at_limit = R"({"op":"subscribe","channels":[)";
  for (std::size_t i = 0; i < client_request_parser::max_channels; ++i) {
    at_limit += i == 0 ? "\"c\"" : ",\"c\"";
  }
  const std::string over = at_limit + R"(,"c"]})";
  at_limit += "]}";
  for (const std::string* s : {&std::as_const(at_limit), &over}) {
    const char* f =
        fuzz::client_request_target(reinterpret_cast<const std::uint8_t*>(s->data()), s->size());
    EXPECT_EQ(f, nullptr) << f;
  }
}

TEST(FuzzRegression, ClientRequestSince) {
  const std::vector<std::string> seeds = {
      R"({"op":"subscribe","id":4,"channels":["ticker.BTC-USDT"],)"
      R"("since":{"ticker.BTC-USDT":{"seq":41,"epoch":"9f3a01bc"}}})",
      R"({"op":"subscribe","channels":["a","b"],"since":{"a":{"seq":18446744073709551615,)"
      R"("epoch":""},"b":{"epoch":"x\u00e9","seq":0}}})",
      R"({"op":"subscribe","channels":["a"],"since":{"a":{"seq":1,"epoch":"e"},"a":{"seq":2,)"
      R"("epoch":"f"}}})",
      R"({"op":"unsubscribe","channels":["a"],"since":{"a":{"seq":1,"epoch":"e"}}})",
      R"({"op":"subscribe","channels":["a"],"since":{"b":{"seq":1,"epoch":"e"}}})",
      R"({"op":"subscribe","channels":["a"],"since":{"a":{"seq":-1,"epoch":"e"}}})",
      R"({"op":"subscribe","channels":["a"],"since":{"a":{"seq":1.5,"epoch":"e"}}})",
      R"({"op":"subscribe","channels":["a"],"since":{"a":{"seq":1,"epoch":null}}})",
      R"({"op":"subscribe","channels":["a"],"since":{"a":{"seq":1,"epoch":")" +
          std::string(65, 'e') + R"("}}})",
      R"({"op":"subscribe","channels":["a"],"since":[]})",
      R"({"op":"subscribe","channels":["a"],"since":{}})",
      R"({"op":"ping","since":{"a":{"seq":1,"epoch":"e"}}})",
  };
  const std::vector<std::string> tokens = {
      "{",
      "}",
      "[",
      "]",
      ":",
      ",",
      "\"",
      "\\",
      "\\u00e9",
      "null",
      "-1",
      "1.5",
      "1e2",
      "\"since\":",
      "\"seq\":",
      "\"epoch\":",
      "\"a\"",
      "\"b\"",
      "18446744073709551616",
      "{\"seq\":0,\"epoch\":\"\"}",
  };
  run_corpus(fuzz::client_request_target, seeds, tokens, 20000, 0x51ce);
}

TEST(FuzzRegression, Gas) {
  const std::string ack(fuzz::gas_reference_ack);
  const std::string head(fuzz::gas_reference_head);
  std::string next_head = head;
  next_head.replace(next_head.find("0x1348c9"), 8, "0x1348ca");
  const std::string history =
      R"({"jsonrpc":"2.0","id":2,"result":{"oldestBlock":"0x1348c5","reward":)" +
      std::string(fuzz::gas_reference_rewards) + "}}";
  const std::string refused =
      R"({"jsonrpc":"2.0","id":2,"error":{"code":-32601,"message":"no eth_feeHistory"}})";
  const std::string tip = R"({"jsonrpc":"2.0","id":3,"result":"0x3b9aca00"})";
  const std::vector<std::string> seeds = {
      ack,
      ack + "\n" + head + "\n" + history,
      ack + "\n" + head + "\n" + refused + "\n" + tip,
      ack + "\n" + head + "\n" + next_head + "\n" + history + "\n" + tip,
      head + "\n" + R"({"jsonrpc":"2.0","id":2,"result":"0x1"})",
      ack + "\n" +
          R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":)"
          R"("0x9ce59a13059e417087c02d3236a0b1cc","result":{"number":"0xffffffffffffffff",)"
          R"("baseFeePerGas":"0xde0b6b3a7640000","timestamp":"0x20c49ba5e353f7"}}})" +
          "\n" +
          R"({"jsonrpc":"2.0","id":2,"result":{"reward":[["0xde0b6b3a7640000","0x0","0x1"]]}})",
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}})",
      "",
  };
  const std::vector<std::string> tokens = {
      "\n",
      "{",
      "}",
      "[",
      "]",
      "\"",
      ",",
      ":",
      "null",
      "\"0x\"",
      "\"0x0\"",
      "\"0X1\"",
      "\"0x10000000000000000\"",
      "\"0xde0b6b3a7640001\"",
      "\"id\":2,",
      "\"id\":3,",
      "\"result\":",
      "\"error\":{},",
      "\"number\":",
      "\"baseFeePerGas\":",
      "\"timestamp\":",
      "\"reward\":",
      "[\"0x1\",\"0x2\",\"0x3\"]",
  };
  run_corpus(fuzz::gas_target, seeds, tokens, 3000, 0x6a5);
}

TEST(FuzzRegression, GasRefusesBlockBeyondInt64) {
  // Found by the gas target: block 0xffffffffffffffff was published as "block":-1.
  std::vector<gas::reading> readings;
  gas::adapter a([&readings](const gas::reading& r) { readings.push_back(r); });
  std::vector<tick> ticks;
  const auto head = [](std::string_view number) {
    return R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x1",)"
           R"("result":{"number":")" +
           std::string(number) + R"(","baseFeePerGas":"0x7","timestamp":"0x1"}}})";
  };
  EXPECT_EQ(a.parse(head("0x8000000000000000"), 0, ticks).error, feed_errc::bad_number);
  EXPECT_EQ(a.parse(head("0xffffffffffffffff"), 0, ticks).error, feed_errc::bad_number);
  std::vector<std::string> requests;
  a.take_outgoing(requests);
  EXPECT_TRUE(requests.empty()) << "no fee request for a refused head";
  const parse_result ok = a.parse(head("0x7fffffffffffffff"), 0, ticks);
  EXPECT_EQ(ok.error, feed_errc::ok);
  EXPECT_EQ(ok.kind, frame_kind::data);
  a.take_outgoing(requests);
  EXPECT_EQ(requests.size(), 1u);
}

TEST(FuzzRegression, Fng) {
  const std::vector<std::string> seeds = {
      std::string(fuzz::fng_reference_response),
      R"({"data":[{"value":0,"value_classification":"Extreme Fear","timestamp":1551157200,)"
      R"("time_until_update":0}]})",
      R"({"data":[{"value":"17","value_classification":"Extreme Fear \u00e9","timestamp":)"
      R"("1765929600"},{"value":"60","value_classification":"Greed","timestamp":"1765843200"}],)"
      R"("metadata":{"error":null}})",
      R"({"name":"x","data":[],"metadata":{"error":"Limit exceeded"}})",
      R"({"data":[{"value":"100","value_classification":"Extreme Greed","timestamp":)"
      R"("9223372036854775807","time_until_update":null}]})",
      // Found by libFuzzer (reduced): a negative JSON number was taken as a count of seconds.
      R"({"data":[{"value":"20","value_classification":"Extreme Fear","timestamp":-1551157200}]})",
      "[1,2,3]",
      "",
  };
  const std::vector<std::string> tokens = {
      "{",
      "}",
      "[",
      "]",
      "\"",
      ",",
      ":",
      "null",
      "-",
      "0",
      "100",
      "101",
      "\"\"",
      "1e2",
      "\\u00e9",
      "\xff",
      "\"value\":",
      "\"timestamp\":",
      "\"time_until_update\":",
      "\"value_classification\":",
      "9223372036854775808",
  };
  run_corpus(fuzz::fng_target, seeds, tokens, 20000, 0xf9);
}

TEST(FuzzRegression, FngRefusesNegativeJsonNumbers) {
  // Found by libFuzzer: a JSON integer below zero passed as a timestamp (and as
  // time_until_update); counts of seconds are never negative, quoted or not.
  const auto parse = [](std::string_view timestamp, std::string_view until) {
    fng::api_reading r;
    return fng::parse_api_response(
        std::string(R"({"data":[{"value":40,"value_classification":"Fear","timestamp":)") +
            std::string(timestamp) + R"(,"time_until_update":)" + std::string(until) + "}]}",
        r);
  };
  EXPECT_EQ(parse("-1551157200", "0"), fng::api_errc::bad_value);
  EXPECT_EQ(parse("1551157200", "-5"), fng::api_errc::bad_value);
  EXPECT_EQ(parse("1551157200", "5"), fng::api_errc::ok);
  EXPECT_EQ(parse("1551157200", "0"), fng::api_errc::ok);
}

TEST(FuzzRegression, Fault) {
  const std::vector<std::string> seeds = {
      "reset",
      "close,code=4000",
      "stall,ms=3000",
      "garbage,count=1000",
      "invalid_json,count=3",
      "gap,count=1000000000,every=100",
      "drip,bytes=65536,ms=60000",
      "refuse,ms=604800000",
      "max_age,ms=0",
      "clear,every=1000",
      "  close , code = 4001 ,every= 1000\r\n",
      "reset,after=5000,every=20000",
      "okx:stall,ms=100",
      "coinbase:gap",
      "all:drip",
      "binance:gap",
      "close,code=1004",
      "stall,ms=0",
      "garbage,count=1001",
      "reset,,",
      "drip,ms=1,ms=2",
      "close,code=18446744073709551616",
      "\xc3\xa9,\xff=\x01",
  };
  const std::vector<std::string> tokens = {
      "reset",
      "close",
      "stall",
      "garbage",
      "invalid_json",
      "gap",
      "drip",
      "refuse",
      "max_age",
      "clear",
      ",",
      "=",
      " ",
      "\t",
      "\r\n",
      ":",
      "okx:",
      "all:",
      "code=",
      "ms=",
      "count=",
      "bytes=",
      "after=",
      "every=",
      "0",
      "99",
      "100",
      "4999",
      "-1",
      "+1",
      "18446744073709551615",
  };
  run_corpus(fuzz::fault_target, seeds, tokens, 30000, 0xfa17);
}

TEST(FuzzRegression, Replay) {
  const std::vector<std::string> seeds = {
      "{\"a\":1}\n@100 {\"b\":2}\n{\"c\":3}\n@100 {\"d\":4}\n@2500 {\"e\":5}\n{\"f\":6}\n",
      "# a capture\r\n\r\n   \t \n@5 {\"x\":\"# not a comment\"}\r\n#@10 {\"c\":true}\n\n"
      "@7 last line without a newline",
      "\xEF\xBB\xBF@1  two spaces\n@2\t{tab}\n@3 @not-a-time\n@4 # not a comment\n",
      "@10 a\n@5 b\n",
      "@1000000000000 x\n@1000000000001 y\n",
      "@00000000000000000000000001 x\n",
      "@12x\n",
      "@12\n",
      "@12 \t \n",
      "# only\n\n",
      "\r\r\n",
      "{\"u\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}\n\xff\n",
      "",
  };
  const std::vector<std::string> tokens = {
      "\n",
      "\r\n",
      "\xEF\xBB\xBF",
      "@",
      "@0 ",
      "@100 ",
      "@1000000000001 ",
      "\t",
      "#",
      " ",
      "0",
      "9",
      "{\"a\":1}",
      "\xc3\xa9",
      "\xff",
      "\xed\xa0\x80",
  };
  run_corpus(fuzz::replay_target, seeds, tokens, 20000, 0x4e91);
}

// A client frame (RFC 6455 5.2), masked unless `mask` is empty; the first byte of a
// ws_frame_target input picks the message limit and how the rest is cut.
std::string ws_frame(unsigned first, std::string_view payload,
                     std::string_view mask = "\x11\x22\x33\x44") {
  std::string out(1, static_cast<char>(first));
  const unsigned char mask_bit = mask.empty() ? 0x00 : 0x80;
  if (payload.size() < 126) {
    out += static_cast<char>(mask_bit | payload.size());
  } else if (payload.size() <= 0xffff) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xff);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>(payload.size() >> shift);
  }
  out += mask;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out += mask.empty() ? payload[i] : static_cast<char>(payload[i] ^ mask[i % 4]);
  }
  return out;
}

TEST(FuzzRegression, WsFrame) {
  const std::string close_1000 = std::string("\x03\xe8", 2) + "bye";
  const std::string stream = ws_frame(0x01, "{\"op\":", "\x01\x02\x03\x04") + ws_frame(0x89, "hi") +
                             ws_frame(0x00, "\"ping\"", "\xff\x00\xff\x00") + ws_frame(0x8a, "") +
                             ws_frame(0x80, "}\xc3\xa9") +
                             ws_frame(0x82, std::string(130, '\x9c')) +
                             ws_frame(0x81, "\xe2\x82\xac") + ws_frame(0x88, close_1000);
  std::vector<std::string> seeds;
  // Every message limit with every way of cutting the input.
  for (unsigned selector = 0; selector < 64; ++selector) {
    seeds.push_back(std::string(1, static_cast<char>(selector)) + stream);
  }
  const std::string limit_1m(1, '\x07');        // 1 MiB, chunks of 1
  const std::string limit_300_cuts(1, '\x3d');  // 300 bytes, cuts from the input
  for (const std::string& frames : {
           ws_frame(0x81, "Hello", "\x37\xfa\x21\x3d"),     // RFC 6455 5.7
           ws_frame(0x88, ""),                              // close without a code
           ws_frame(0x88, "\x03"),                          // close of one byte
           ws_frame(0x88, std::string("\x03\xed", 2)),      // 1005 may not be sent
           ws_frame(0x88, std::string("\x03\xe8\xff", 3)),  // reason not UTF-8
           ws_frame(0x81, "unmasked", ""),
           ws_frame(0xc1, "rsv1"),
           ws_frame(0x83, "opcode 3"),
           ws_frame(0x09, "fragmented ping"),
           ws_frame(0x89, std::string(126, 'p')),
           ws_frame(0x80, "no message"),
           ws_frame(0x01, "a") + ws_frame(0x81, "b"),
           ws_frame(0x01, "\xf0\x9f") + ws_frame(0x80, "\x98\x80"),
           ws_frame(0x81, "\xed\xa0\x80"),
           std::string("\x82\xfe\x00\x7d\x00\x00\x00\x00", 8) + std::string(125, 'x'),
           std::string("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00", 10),
           std::string("\x82\xff\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00", 14),
       }) {
    seeds.push_back(limit_1m + frames);
    seeds.push_back(limit_300_cuts + frames);
  }
  seeds.push_back("");
  seeds.push_back(std::string(1, '\x03'));
  const std::vector<std::string> tokens = {std::string("\x81\x80", 2),
                                           std::string("\x81\x85", 2),
                                           std::string("\x01\x81", 2),
                                           std::string("\x80\x81", 2),
                                           std::string("\x00\x81", 2),
                                           std::string("\x88\x82", 2),
                                           std::string("\x89\x80", 2),
                                           std::string("\x8a\x81", 2),
                                           std::string("\x82\xfe\x00\x7e", 4),
                                           std::string("\x00\x00\x00\x00", 4),
                                           std::string("\x03\xe8", 2),
                                           std::string("\xc3\xa9", 2),
                                           std::string("\xe2\x82\xac", 3),
                                           std::string("\xff", 1),
                                           std::string(1, '\0')};
  run_corpus(fuzz::ws_frame_target, seeds, tokens, 20000, 0x6455);

  // A 64-bit length, unmutated (too slow to mutate 20,000 times): taken with a 1 MiB limit
  // in pieces of 1 and 64 bytes and of the input's choosing, and refused over 4096.
  const std::string big = ws_frame(0x01, std::string(70000, 'b')) + ws_frame(0x80, "!");
  for (const char selector : {'\x07', '\x37', '\x3f', '\x3e'}) {
    const std::string input = selector + big;
    const char* f =
        fuzz::ws_frame_target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    EXPECT_EQ(f, nullptr) << f << " with selector " << static_cast<int>(selector);
  }
}

TEST(FuzzRegression, SseQuery) {
  const std::vector<std::string> seeds = {
      "/v1/sse?channels=ticker.BTC-USDT,fng",
      "/v1/sse?channels=ticker.BTC-USDT%2Cgas.ETH&throttle_ms=500",
      "/v1/sse?channels=ticker.BTC-USDT,fng&since=3fa2c1d0:41,-",
      "/v1/sse?channels=a,b,c&throttle_ms=0\n3fa2c1d0:41,-,9b0e11aa:18446744073709551615",
      "/v1/sse?token=abc&channels=fng&_=1733500000",
      "/v1/sse?channels=a,,b&throttle_ms=60001&since=e%0A:1",
  };
  const std::vector<std::string> tokens = {"channels=",
                                           "throttle_ms=",
                                           "since=",
                                           "token=",
                                           "&",
                                           "=",
                                           ",",
                                           ":",
                                           "-",
                                           "%2C",
                                           "%0A",
                                           "%",
                                           "+",
                                           "\n",
                                           "18446744073709551616",
                                           "60000",
                                           "e:1",
                                           "fng"};
  run_corpus(fuzz::sse_query_target, seeds, tokens, 20000, 0x55e);
}

TEST(FuzzRegression, Config) {
  const std::vector<std::string> seeds = {
      "[server]\nlisten = \"0.0.0.0:8080\"\n\n[market]\nsymbols = [\"BTC-USDT\", \"ETH-USDT\"]\n\n"
      "[[feeds]]\nvenue = \"binance\"\nurl = \"wss://stream.binance.com:9443/stream\"\n",
      "[limits]\nmax_message_bytes = 256\nidle_timeout_ms = 100\n[log]\nlevel = \"off\"\n",
      "[redis]\naddress = \"[::1]:6379\"\nprefix = \"t\"\n[node]\nrole = \"ingest\"\nid = \"a\"\n",
      "[[feeds]]\nvenue = \"kraken\"\nurl = \"ws://h:1/v2\"\nmax_connection_age_ms = 2\n"
      "rollover_lead_ms = 1\nsymbols = { \"BTC-USDT\" = \"XBT/USD\" }\nquote_map = { USDT = "
      "\"USD\" }\n",
      "[almanac]\ntz = \"UTC-03:30\"\n[gas]\nurl = \"wss://n/\"\n[fng]\nurl = \"\"\n",
      "[fng]\nurl = \"http://127.0.0.1:9001/fng/?limit=1\"\nbackoff_initial_ms = 2\n"
      "backoff_max_ms = 1\n",
      "[almanac]\ntz = \"Asia/Shanghai\"\n",
      "[server\nlisten = 1\n",
      "a = [1, \"x\", {b = 2}]\ns = '''\nm'''\nd = 1979-05-27T07:32:00Z\nf = 1e400\n",
      "",
  };
  const std::vector<std::string> tokens = {
      "\n",
      "[",
      "]",
      "[[",
      "]]",
      "=",
      "\"",
      "'''",
      "{",
      "}",
      ",",
      ".",
      "#",
      "\\u00e9",
      "\xff",
      "-1",
      "0",
      "4294967296",
      "true",
      "1e400",
      "inf",
      "nan",
      "0x7fffffffffffffff",
      "[server]",
      "[limits]",
      "[redis]",
      "[node]",
      "[[feeds]]",
      "[market]",
      "[almanac]",
      "[gas]",
      "[fng]",
      "[log]",
      "listen = ",
      "venue = \"okx\"",
      "url = ",
      "tz = ",
      "role = ",
      "symbols = ",
      "\"ws://h/\"",
      "\"UTC+8\"",
      "\"Europe/Paris\"",
      "\"../x\"",
  };
  run_corpus(fuzz::config_target, seeds, tokens, 3000, 0xc0f1);
}

TEST(FuzzRegression, ConfigRefusesNonAsciiWhereTomlBreaks) {
  // Found by the config target: toml++ 3.3.0 reaches __builtin_unreachable() when it asks
  // whether "ʒ" (U+0292) or "、" (U+3001) is whitespace. The loader refuses such text first,
  // naming the place; strings and comments keep any character.
  const auto error = [](std::string_view text) -> std::string {
    try {
      load_config_string(text, "t.toml");
    } catch (const config_error& e) {
      return e.what();
    }
    return "loaded";
  };
  EXPECT_EQ(error("x = 25\xca\x92\n"),
            "t.toml:1:7: non-ASCII character outside a string or comment");
  EXPECT_EQ(error("[node]\nid = \"\"\"\\\n\xc2\xa7\"\"\"\n"),
            "t.toml:3:1: non-ASCII character after a line-ending backslash (write it as \\uXXXX)");
  EXPECT_EQ(error("[node]\nid = \"\"\"a\\\xe3\x80\x81\"\"\"\n"),
            "t.toml:2:11: non-ASCII character after a backslash");
  EXPECT_EQ(error("[\xe3\x80\x81]\n"),
            "t.toml:1:2: non-ASCII character outside a string or comment");
  // Found by make fuzz-ci: quotes inside a bare value open no string.
  EXPECT_EQ(error("d = 1979-04-'''07:32\xc9\xb1\n"),
            "t.toml:1:21: non-ASCII character outside a string or comment");
  // Found by make fuzz-ci: an '=' inside a bare value opens no string either. The loader no longer
  // trusts its own guess alone: toml++ first reads a copy with '?' for every non-ASCII byte.
  EXPECT_EQ(error("s  =9-04-='''07:32\xc9\xb1\n"),
            "t.toml:1:5: Error while parsing value: could not determine value type");
  EXPECT_EQ(error("s = 9-04-='''07:32\xc9\xb1'''\n"),
            "t.toml:1:5: Error while parsing value: could not determine value type");
  EXPECT_EQ(error("a = 1.'\xc9\xb1'\n"),
            "t.toml:1:7: Error while parsing floating-point: expected decimal digit, saw '''");
  EXPECT_EQ(error("a = [1, 2\xc9\xb1]\n"),
            "t.toml:1:10: non-ASCII character outside a string or comment");
  // Anywhere else they are data: basic, literal and multi-line strings, quoted keys, comments.
  EXPECT_EQ(
      error("# caf\xc3\xa9\xe3\x80\x82\n[node] # \xca\x92\nid = \"caf\xc3\xa9\xe3\x80\x81\"\n"),
      "loaded");
  EXPECT_EQ(error("[node]\nid = '\xca\x92\"#'\n"), "loaded");
  EXPECT_EQ(error("[node]\nid = \"\"\"\xca\x92\n\\\"\"\"\xe3\x80\x81\"\"\"\"\"\n"), "loaded");
  EXPECT_EQ(error("[node]\nid = '''\xca\x92'\\'''\n"), "loaded");
  EXPECT_EQ(error("[market]\nsymbols = [\"BTC-USDT\"] # \xca\x92\n\"\xca\x92\" = 1\n"),
            "market.\xca\x92: unknown key");
}

std::string read_input(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every committed input through its target's body: the corpus libFuzzer starts from, and the
// inputs it once crashed on (tests/fuzz/regressions/<name>/, saved by `make fuzz-ci`), so a
// fixed crash stays fixed in every build. targets.txt, all_targets and the directories agree.
TEST(FuzzRegression, CommittedInputs) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(TICKERD_SOURCE_DIR) / "tests" / "fuzz";
  std::ifstream list(dir / "targets.txt");
  ASSERT_TRUE(list) << "cannot read " << (dir / "targets.txt");
  std::set<std::string> listed;
  for (std::string line; std::getline(list, line);) {
    std::istringstream words(line);
    std::string name;
    if (words >> name && name.front() != '#') listed.insert(name);
  }
  const auto body = [](std::string_view name) -> target_fn {
    for (const fuzz::named_target& t : fuzz::all_targets) {
      if (t.name == name) return t.body;
    }
    return nullptr;
  };
  for (const fuzz::named_target& t : fuzz::all_targets) {
    EXPECT_TRUE(listed.contains(std::string(t.name))) << t.name << " is not in targets.txt";
  }
  for (const std::string& name : listed) {
    EXPECT_NE(body(name), nullptr) << "targets.txt lists " << name << ", all_targets does not";
    EXPECT_TRUE(fs::is_directory(dir / "corpus" / name)) << "no seeds in corpus/" << name;
  }
  std::size_t inputs = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    if (!fs::is_directory(dir / kind)) continue;
    for (const fs::directory_entry& target_dir : fs::directory_iterator(dir / kind)) {
      const std::string name = target_dir.path().filename().string();
      const target_fn target = body(name);
      if (target == nullptr || !listed.contains(name)) {
        ADD_FAILURE() << target_dir.path() << " belongs to no target in targets.txt";
        continue;
      }
      std::vector<fs::path> files;
      for (const fs::directory_entry& f : fs::directory_iterator(target_dir)) {
        if (f.is_regular_file()) files.push_back(f.path());
      }
      std::sort(files.begin(), files.end());  // the bodies keep state: one order every time
      for (const fs::path& file : files) {
        const std::string input = read_input(file);
        const char* f = target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
        EXPECT_EQ(f, nullptr) << f << "\n  file: " << file << "\n  input: \"" << printable(input)
                              << "\"";
        ++inputs;
      }
    }
  }
  EXPECT_GE(inputs, listed.size());
}

}  // namespace
}  // namespace tickerd
