// format=ccxt (docs/PROTOCOL.md "CCXT format") against a real tickerd fed by tickerd-sim: the
// REST ticker in CCXT's structure with the native ticker's exact values, WebSocket clients on
// the same channel reading CCXT and native side by side (the CCXT texts made once per update by
// the gateway, from the native data), switching back, an event stream, and the refusals
// (unknown format, a channel without a CCXT form) after which the session keeps serving; and an
// edge node serving the format from the bus's native data (ingest and edge over a real Redis).
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "redis_harness.hpp"

namespace tickerd::e2e {
namespace {

using std::chrono::seconds;

ws_client::predicate reply_to(std::int64_t id) {
  return [id](const ws_message& m) {
    return (m.type() == "ack" || m.type() == "error" || m.type() == "pong") &&
           m["id"].is_integer() && m["id"].integer() == id;
  };
}

// A CCXT key holds the native field's exact string, or null where the native data has none.
void expect_same(const json_value& ccxt, std::string_view ccxt_key, const json_value& native,
                 std::string_view native_key) {
  if (native[native_key].is_absent()) {
    EXPECT_TRUE(ccxt[ccxt_key].is_null()) << ccxt_key;
  } else {
    EXPECT_TRUE(ccxt[ccxt_key].is_string()) << ccxt_key;
    EXPECT_EQ(ccxt[ccxt_key].str(), native[native_key].str()) << ccxt_key << " vs " << native_key;
  }
}

// CCXT's ticker structure showing the same state as the native ticker data.
void expect_ccxt_ticker_of(const json_value& ccxt, const json_value& native,
                           std::string_view unified) {
  ASSERT_TRUE(ccxt.is_object());
  ASSERT_TRUE(native.is_object());
  EXPECT_EQ(ccxt["symbol"].str(), unified);
  expect_same(ccxt, "last", native, "last");
  expect_same(ccxt, "close", native, "last");
  expect_same(ccxt, "open", native, "open_24h");
  expect_same(ccxt, "high", native, "high_24h");
  expect_same(ccxt, "low", native, "low_24h");
  expect_same(ccxt, "bid", native, "bid");
  expect_same(ccxt, "bidVolume", native, "bid_qty");
  expect_same(ccxt, "ask", native, "ask");
  expect_same(ccxt, "askVolume", native, "ask_qty");
  expect_same(ccxt, "percentage", native, "change_pct");
  expect_same(ccxt, "baseVolume", native, "volume_base");
  expect_same(ccxt, "quoteVolume", native, "volume_quote");
  EXPECT_TRUE(ccxt["previousClose"].is_null());
  if (native.has("ts")) {
    // µs in tickerd, ms in CCXT.
    EXPECT_EQ(ccxt["timestamp"].integer(), native["ts"].integer() / 1000);
    EXPECT_EQ(ccxt["datetime"].str().size(), std::string_view("2025-11-25T09:00:34.567Z").size());
  } else {
    EXPECT_TRUE(ccxt["timestamp"].is_null());
  }
  EXPECT_EQ(ccxt["info"], native) << "info is the native data of the same update";
}

// GET `target` until its body parses; `data` and `seq` of the channel object.
json_value get_json(std::uint16_t port, const std::string& target) {
  const auto r = http_get(port, target);
  EXPECT_EQ(r.status, 200) << target << ": " << r.body << r.error;
  return json_value::parse(r.body).value_or(json_value{});
}

// The first bytes of an event stream, read until `needle` appears or the deadline passes.
std::string read_event_stream_until(std::uint16_t port, const std::string& target,
                                    std::string_view needle, duration timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    ADD_FAILURE() << "connect failed";
    return got;
  }
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  EXPECT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  const auto deadline = steady_clock::now() + timeout;
  while (got.find(needle) == std::string::npos && steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(1, left.count()))) <= 0) continue;
    char buf[4096];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

TEST(end_to_end_ccxt_format, rest_websocket_and_sse_tickers_in_ccxt_form_beside_native) {
  stack_options options;
  options.streams = R"(["ticker","trades","bbo"])";
  stack s(options);
  ASSERT_TRUE(s.start());

  // --- WebSocket: one client in CCXT form, one native, on the same channels ----------------
  ws_client ccxt;
  ws_client native;
  ASSERT_TRUE(ccxt.connect(s.port()));
  ASSERT_TRUE(native.connect(s.port()));
  ASSERT_TRUE(ccxt.send_text(
      R"({"op":"subscribe","id":1,"channels":["ticker.BTC-USDT","ticker.ETH-USDT@binance"],)"
      R"("format":"ccxt"})"));
  ASSERT_TRUE(
      native.send_text(subscribe_request(1, {"ticker.BTC-USDT", "ticker.ETH-USDT@binance"})));
  const auto enough = [](const std::vector<ws_message>& ms) {
    return count_of(ms, "update", "ticker.BTC-USDT") >= 3 &&
           count_of(ms, "update", "ticker.ETH-USDT@binance") >= 1;
  };
  ASSERT_TRUE(ccxt.wait_until(enough, seconds(30))) << ccxt.tail();
  ASSERT_TRUE(native.wait_until(enough, seconds(30))) << native.tail();

  const auto ccxt_messages = ccxt.messages();
  const auto native_messages = native.messages();
  EXPECT_TRUE(check_sequences(ccxt_messages)) << ccxt.tail(20);
  EXPECT_TRUE(check_sequences(native_messages)) << native.tail(20);
  // The native client's data by channel and seq, to compare with the CCXT client's.
  std::map<std::pair<std::string, std::int64_t>, json_value> native_by_seq;
  for (const auto& m : native_messages) {
    if (m.type() != "snapshot" && m.type() != "update") continue;
    EXPECT_EQ(m.data()["symbol"].str().find('/'), std::string::npos) << m.raw;
    EXPECT_FALSE(m.data().has("info")) << m.raw;
    native_by_seq[{m.channel(), m.seq()}] = m.data();
  }
  std::size_t compared = 0;
  for (const auto& m : ccxt_messages) {
    if (m.type() != "snapshot" && m.type() != "update") continue;
    SCOPED_TRACE(m.raw);
    const bool venue = m.channel() == "ticker.ETH-USDT@binance";
    if (m.seq() == 0) continue;           // a snapshot before the first update: data null, no epoch
    EXPECT_TRUE(m["epoch"].is_string());  // the envelope is the native one
    EXPECT_EQ(m.data()["symbol"].str(), venue ? "ETH/USDT" : "BTC/USDT");
    if (venue) {
      EXPECT_EQ(m.data()["info"]["venue"].str(), "binance");
    }
    const auto same = native_by_seq.find({m.channel(), m.seq()});
    if (same == native_by_seq.end()) continue;
    expect_ccxt_ticker_of(m.data(), same->second, venue ? "ETH/USDT" : "BTC/USDT");
    ++compared;
  }
  EXPECT_GE(compared, 3u) << "both clients saw the same updates";

  // --- Refusals: an unknown format, a channel without a CCXT form; the session goes on ------
  std::size_t from = ccxt.size();
  ASSERT_TRUE(ccxt.send_text(R"({"op":"subscribe","id":5,"channels":["fng"],"format":"yaml"})"));
  auto reply = ccxt.wait_for(reply_to(5), default_timeout, from);
  ASSERT_TRUE(reply) << ccxt.tail();
  EXPECT_EQ(reply->type(), "error") << reply->raw;
  EXPECT_EQ(reply->json["code"].str(), "bad_request") << reply->raw;
  EXPECT_EQ(reply->json["message"].str(), R"(unknown format 'yaml': "native" or "ccxt")");
  ASSERT_TRUE(ccxt.send_text(
      R"({"op":"subscribe","id":6,"channels":["ticker.SOL-USDT","gas.ETH"],"format":"ccxt"})"));
  reply = ccxt.wait_for(reply_to(6), default_timeout, from);
  ASSERT_TRUE(reply) << ccxt.tail();
  EXPECT_EQ(reply->type(), "error") << reply->raw;
  EXPECT_EQ(reply->json["code"].str(), "format_unavailable") << reply->raw;
  EXPECT_EQ(reply->json["message"].str(),
            "'gas.ETH' has no ccxt format (ticker, trades and bbo channels do)");
  // All or nothing: SOL was not subscribed either. BTC goes on in CCXT form.
  const auto after_errors = ccxt.size();
  ASSERT_TRUE(ccxt.wait_until(
      [&](const std::vector<ws_message>& ms) {
        std::size_t btc = 0;
        for (std::size_t k = after_errors; k < ms.size(); ++k) {
          if (ms[k].type() == "update" && ms[k].channel() == "ticker.BTC-USDT") ++btc;
        }
        return btc >= 2;
      },
      seconds(30)))
      << ccxt.tail();
  for (const auto& m : ccxt.messages()) {
    EXPECT_NE(m.channel(), "ticker.SOL-USDT") << m.raw;
    if (m.index >= after_errors && m.type() == "update" && m.channel() == "ticker.BTC-USDT") {
      EXPECT_EQ(m.data()["symbol"].str(), "BTC/USDT") << m.raw;
    }
  }

  // --- Switching back: a subscribe without format makes the channel native from its ack on --
  from = ccxt.size();
  ASSERT_TRUE(ccxt.send_text(subscribe_request(7, {"ticker.BTC-USDT"})));
  const auto ack = ccxt.wait_for(reply_to(7), default_timeout, from);
  ASSERT_TRUE(ack) << ccxt.tail();
  EXPECT_EQ(ack->type(), "ack") << ack->raw;
  const auto native_again = ccxt.wait_for(
      [&](const ws_message& m) {
        return m.index > ack->index && m.type() == "update" && m.channel() == "ticker.BTC-USDT";
      },
      seconds(30), from);
  ASSERT_TRUE(native_again) << ccxt.tail();
  EXPECT_EQ(native_again->data()["symbol"].str(), "BTC-USDT") << native_again->raw;
  for (const auto& m : ccxt.messages()) {
    if (m.index > ack->index && m.channel() == "ticker.ETH-USDT@binance" && m.type() == "update") {
      EXPECT_EQ(m.data()["symbol"].str(), "ETH/USDT") << "untouched by the BTC request";
    }
  }
  EXPECT_TRUE(check_sequences(ccxt.messages())) << ccxt.tail(20);

  // --- REST: the same state in both forms (fetched until both show one seq) ----------------
  bool same_state = false;
  for (const auto deadline = steady_clock::now() + seconds(20);
       !same_state && steady_clock::now() < deadline;) {
    const auto plain = get_json(s.port(), "/v1/ticker/BTC-USDT");
    const auto unified = get_json(s.port(), "/v1/ticker/BTC-USDT?format=ccxt");
    if (plain["seq"].integer() == 0 || plain["seq"] != unified["seq"]) continue;
    same_state = true;
    EXPECT_EQ(unified["channel"].str(), "ticker.BTC-USDT");
    expect_ccxt_ticker_of(unified["data"], plain["data"], "BTC/USDT");
  }
  EXPECT_TRUE(same_state) << "never two REST reads of one state in 20 s";
  same_state = false;
  for (const auto deadline = steady_clock::now() + seconds(20);
       !same_state && steady_clock::now() < deadline;) {
    const auto plain = get_json(s.port(), "/v1/ticker/ETH-USDT?venue=binance");
    const auto unified = get_json(s.port(), "/v1/ticker/ETH-USDT?format=ccxt&venue=binance");
    if (plain["seq"].integer() == 0 || plain["seq"] != unified["seq"]) continue;
    same_state = true;
    EXPECT_EQ(plain["channel"].str(), "ticker.ETH-USDT@binance");
    EXPECT_EQ(plain["data"]["venue"].str(), "binance");
    expect_ccxt_ticker_of(unified["data"], plain["data"], "ETH/USDT");
  }
  EXPECT_TRUE(same_state) << "never two REST reads of one venue state in 20 s";
  auto r = http_get(s.port(), "/v1/ticker/BTC-USDT?format=xml");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body,
            R"({"error":"bad_request","message":"unknown format 'xml': \"native\" or \"ccxt\""})");
  r = http_get(s.port(), "/v1/ticker/BTC-USDT?venue=kraken");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(json_value::parse(r.body).value_or(json_value{})["error"].str(), "unknown_venue");

  // --- Server-sent events: the same CCXT texts; a channel without the form is a 400 --------
  const auto stream = read_event_stream_until(
      s.port(), "/v1/sse?channels=ticker.BTC-USDT&format=ccxt", R"("type":"update")", seconds(30));
  EXPECT_NE(stream.find("HTTP/1.1 200"), std::string::npos) << stream;
  EXPECT_NE(stream.find(R"(data: {"type":"snapshot","channel":"ticker.BTC-USDT")"),
            std::string::npos)
      << stream;
  EXPECT_NE(stream.find(R"("data":{"symbol":"BTC/USDT","timestamp":)"), std::string::npos)
      << stream;
  EXPECT_NE(stream.find(R"("info":{"symbol":"BTC-USDT",)"), std::string::npos) << stream;
  r = http_get(s.port(), "/v1/sse?channels=ticker.BTC-USDT,fng&format=ccxt");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json_value::parse(r.body).value_or(json_value{})["error"].str(), "format_unavailable")
      << r.body;

  // --- Trades and bbo (the sim's trade and bbo streams) in CCXT form beside native ----------
  const std::vector<std::string> market{"trades.BTC-USDT@binance", "trades.BTC-USDT",
                                        "bbo.BTC-USDT@binance", "bbo.*"};
  ws_client ccxt_market;
  ws_client native_market;
  ASSERT_TRUE(ccxt_market.connect(s.port()));
  ASSERT_TRUE(native_market.connect(s.port()));
  ASSERT_TRUE(ccxt_market.send_text(
      R"({"op":"subscribe","id":1,"channels":["trades.BTC-USDT@binance","trades.BTC-USDT",)"
      R"("bbo.BTC-USDT@binance","bbo.*"],"format":"ccxt"})"));
  ASSERT_TRUE(native_market.send_text(subscribe_request(1, market)));
  const auto flowing = [](const std::vector<ws_message>& ms) {
    return count_of(ms, "update", "trades.BTC-USDT@binance") >= 3 &&
           count_of(ms, "update", "trades.BTC-USDT") >= 3 &&
           count_of(ms, "update", "bbo.BTC-USDT@binance") >= 3 &&
           count_of(ms, "update", "bbo.BTC-USDT") >= 2;
  };
  ASSERT_TRUE(ccxt_market.wait_until(flowing, seconds(30))) << ccxt_market.tail();
  ASSERT_TRUE(native_market.wait_until(flowing, seconds(30))) << native_market.tail();
  EXPECT_TRUE(check_sequences(ccxt_market.messages())) << ccxt_market.tail(20);
  std::map<std::pair<std::string, std::int64_t>, json_value> native_market_by_seq;
  for (const auto& m : native_market.messages()) {
    if (m.type() == "update") native_market_by_seq[{m.channel(), m.seq()}] = m.data();
  }
  std::size_t trades_compared = 0;
  std::size_t bbo_compared = 0;
  for (const auto& m : ccxt_market.messages()) {
    if (m.type() != "update") continue;
    SCOPED_TRACE(m.raw);
    const auto same = native_market_by_seq.find({m.channel(), m.seq()});
    if (same == native_market_by_seq.end()) continue;
    const json_value& native_data = same->second;
    if (m.channel().starts_with("trades.")) {
      // CCXT's watchTrades: an array of trade structures, one per native trade, in order.
      ASSERT_TRUE(m.data().is_array());
      const auto& trades = native_data["trades"];
      ASSERT_EQ(m.data().size(), trades.size());
      for (std::size_t i = 0; i < trades.size(); ++i) {
        const auto& t = m.data()[i];
        EXPECT_EQ(t["symbol"].str(), "BTC/USDT");
        expect_same(t, "id", trades[i], "id");
        expect_same(t, "price", trades[i], "price");
        expect_same(t, "amount", trades[i], "qty");
        expect_same(t, "side", trades[i], "side");
        EXPECT_TRUE(t["cost"].is_string());
        EXPECT_EQ(t["takerOrMaker"].str(), "taker");
        if (trades[i].has("ts")) {
          EXPECT_EQ(t["timestamp"].integer(), trades[i]["ts"].integer() / 1000);
        }
        EXPECT_EQ(t["info"]["venue"].str(), "binance");
        EXPECT_EQ(t["info"]["price"], trades[i]["price"]);
      }
      ++trades_compared;
    } else {
      // CCXT's watchBidsAsks ticker.
      std::string unified = native_data["symbol"].str();  // bbo.* covers every symbol
      std::replace(unified.begin(), unified.end(), '-', '/');
      EXPECT_EQ(m.data()["symbol"].str(), unified);
      expect_same(m.data(), "bid", native_data, "bid");
      expect_same(m.data(), "bidVolume", native_data, "bid_qty");
      expect_same(m.data(), "ask", native_data, "ask");
      expect_same(m.data(), "askVolume", native_data, "ask_qty");
      if (native_data.has("ts")) {
        EXPECT_EQ(m.data()["timestamp"].integer(), native_data["ts"].integer() / 1000);
      }
      EXPECT_EQ(m.data()["info"]["bid"], native_data["bid"]);
      ++bbo_compared;
    }
  }
  EXPECT_GE(trades_compared, 3u);
  EXPECT_GE(bbo_compared, 3u);
}

// An edge gets native data over the bus and makes the CCXT form itself: tickers and trades in
// CCXT form beside a native client of the same edge, and REST ?format=ccxt on the edge.
TEST(end_to_end_ccxt_format, an_edge_serves_the_ccxt_form_from_the_bus) {
  temp_dir redis_dir("ccxt-edge-redis");
  redis_server redis(redis_dir);
  ASSERT_TRUE(redis.start());
  const std::string redis_table = "[redis]\naddress = \"127.0.0.1:" + std::to_string(redis.port()) +
                                  "\"\nprefix = \"t\"\nbackoff_initial_ms = 50\n";
  stack_options options;
  options.streams = R"(["ticker","trades"])";
  options.extra_toml = redis_table + "\n[node]\nrole = \"ingest\"\n";
  stack s(options);  // its tickerd is the ingest node
  ASSERT_TRUE(s.start());
  const std::uint16_t edge_port = free_port();
  options.extra_toml = redis_table + "\n[node]\nrole = \"edge\"\n";
  const auto config = s.dir().write("edge.toml", tickerd_config(edge_port, s.sim_port(), options));
  child_process edge;
  ASSERT_TRUE(edge.spawn({TICKERD_BIN, "--config", config.string()}, s.dir().path(), "edge"));
  ASSERT_TRUE(wait_for_http_200(edge_port, "/healthz", start_timeout, &edge));

  const std::vector<std::string> channels{"ticker.BTC-USDT", "trades.BTC-USDT@binance"};
  ws_client ccxt;
  ws_client native;
  ASSERT_TRUE(ccxt.connect(edge_port));
  ASSERT_TRUE(native.connect(edge_port));
  ASSERT_TRUE(ccxt.send_text(
      R"({"op":"subscribe","id":1,"channels":["ticker.BTC-USDT","trades.BTC-USDT@binance"],)"
      R"("format":"ccxt"})"));
  ASSERT_TRUE(native.send_text(subscribe_request(1, channels)));
  const auto enough = [](const std::vector<ws_message>& ms) {
    return count_of(ms, "update", "ticker.BTC-USDT") >= 2 &&
           count_of(ms, "update", "trades.BTC-USDT@binance") >= 2;
  };
  ASSERT_TRUE(ccxt.wait_until(enough, seconds(30))) << ccxt.tail();
  ASSERT_TRUE(native.wait_until(enough, seconds(30))) << native.tail();
  EXPECT_TRUE(check_sequences(ccxt.messages())) << ccxt.tail(20);
  std::map<std::pair<std::string, std::int64_t>, json_value> native_by_seq;
  for (const auto& m : native.messages()) {
    if (m.type() == "update") native_by_seq[{m.channel(), m.seq()}] = m.data();
  }
  std::size_t tickers = 0;
  std::size_t trades = 0;
  for (const auto& m : ccxt.messages()) {
    if (m.type() != "update") continue;
    SCOPED_TRACE(m.raw);
    const auto same = native_by_seq.find({m.channel(), m.seq()});
    if (same == native_by_seq.end()) continue;
    if (m.channel() == "ticker.BTC-USDT") {
      expect_ccxt_ticker_of(m.data(), same->second, "BTC/USDT");
      ++tickers;
      continue;
    }
    const auto& native_trades = same->second["trades"];
    ASSERT_EQ(m.data().size(), native_trades.size());
    for (std::size_t i = 0; i < native_trades.size(); ++i) {
      expect_same(m.data()[i], "price", native_trades[i], "price");
      expect_same(m.data()[i], "amount", native_trades[i], "qty");
      EXPECT_EQ(m.data()[i]["info"]["venue"].str(), "binance");
    }
    ++trades;
  }
  EXPECT_GE(tickers, 1u);
  EXPECT_GE(trades, 1u);
  const auto unified = get_json(edge_port, "/v1/ticker/BTC-USDT?format=ccxt");
  EXPECT_EQ(unified["data"]["symbol"].str(), "BTC/USDT");
  EXPECT_TRUE(unified["data"]["info"].is_object());
}

}  // namespace
}  // namespace tickerd::e2e
