// make_update / empty_snapshot_text (the texts every subscriber shares) and the JSON writer.
#include "tickerd/hub/update.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "tickerd/core/json_writer.hpp"

namespace tickerd {
namespace {

struct envelope {
  bool valid = false;
  std::string type;
  std::string channel;
  std::uint64_t seq = 0;
  std::string data_minified;  // simdjson's minified rendering of `data`
  std::size_t keys = 0;
};

envelope parse_envelope(std::string_view text) {
  envelope e;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const auto err = parser.parse(std::string(text)).get(root); err != simdjson::SUCCESS) {
    ADD_FAILURE() << "not valid JSON (" << simdjson::error_message(err) << "): " << text;
    return e;
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not an object: " << text;
    return e;
  }
  std::string_view type;
  std::string_view channel;
  simdjson::dom::element data;
  if (obj["type"].get(type) != simdjson::SUCCESS || obj["channel"].get(channel) ||
      obj["seq"].get(e.seq) || obj["data"].get(data)) {
    ADD_FAILURE() << "type/channel/seq/data missing or mistyped: " << text;
    return e;
  }
  e.type = type;
  e.channel = channel;
  e.data_minified = simdjson::minify(data);
  e.keys = obj.size();
  e.valid = true;
  return e;
}

std::string minified(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(std::string(json)).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << "test data is not JSON: " << json;
    return {};
  }
  return simdjson::minify(root);
}

TEST(Update, TextsAreValidJsonWithTypeChannelSeqData) {
  const std::string_view datas[] = {
      R"({"symbol":"BTC-USDT","last":"85205.70","venues":["binance"],"stale":false})",
      "null",
      R"({"feeds":[]})",
      R"({"s":"brace } and bracket ] and \"quote\" and \\ inside","n":[1,[2,{"x":{}}]]})",
      "42",
      R"("just a string")",
  };
  channel_id id = 0;
  for (const std::string_view data : datas) {
    const update_ptr u = make_update(id, "ticker.BTC-USDT", 41 + id, data);
    ASSERT_NE(u, nullptr);
    EXPECT_EQ(u->channel, id);
    EXPECT_EQ(u->seq, 41u + id);

    // data() is exactly the bytes given, and sits inside update_text where the offset says.
    EXPECT_EQ(u->data(), data);
    EXPECT_EQ(u->data().data(), u->update_text.data() + u->data_offset);
    EXPECT_EQ(u->data_size, data.size());

    const envelope up = parse_envelope(u->update_text);
    ASSERT_TRUE(up.valid);
    EXPECT_EQ(up.type, "update");
    EXPECT_EQ(up.channel, "ticker.BTC-USDT");
    EXPECT_EQ(up.seq, 41u + id);
    EXPECT_EQ(up.data_minified, minified(data));
    EXPECT_EQ(up.keys, 4u);

    // An update holds one text; its snapshot is made from it (shard::snapshot).
    EXPECT_TRUE(u->snapshot_text.empty());
    const update_ptr s = make_snapshot(*u);
    EXPECT_TRUE(s->update_text.empty());
    EXPECT_EQ(s->data(), data);
    EXPECT_EQ(s->channel, u->channel);
    EXPECT_EQ(s->seq, u->seq);
    const envelope snap = parse_envelope(s->snapshot_text);
    ASSERT_TRUE(snap.valid);
    EXPECT_EQ(snap.type, "snapshot");
    EXPECT_EQ(snap.channel, "ticker.BTC-USDT");
    EXPECT_EQ(snap.seq, 41u + id);
    EXPECT_EQ(snap.data_minified, minified(data));
    EXPECT_EQ(snap.keys, 4u);

    // Messages may share a frame separated by '\n': no raw newline inside one.
    EXPECT_EQ(u->update_text.find('\n'), std::string::npos);
    EXPECT_EQ(s->snapshot_text.find('\n'), std::string::npos);
    ++id;
  }
}

TEST(Update, ExactText) {
  const update_ptr u = make_update(3, "status", 7, R"({"feeds":[]})");
  EXPECT_EQ(u->update_text, R"({"type":"update","channel":"status","seq":7,"data":{"feeds":[]}})");
  EXPECT_EQ(make_snapshot(*u)->snapshot_text,
            R"({"type":"snapshot","channel":"status","seq":7,"data":{"feeds":[]}})");
  EXPECT_EQ(snapshot_text_of(*u), make_snapshot(*u)->snapshot_text);
  EXPECT_EQ(u->data_offset,
            std::string_view(R"({"type":"update","channel":"status","seq":7,"data":)").size());
}

// The CCXT form (format=ccxt): kept on the update (or snapshot) by the first gateway that needs
// it, in the object's own envelope around the CCXT data, and picked by text(format).
TEST(Update, CcxtFormHasTheSameEnvelopeAroundItsOwnData) {
  const std::string_view native = R"({"symbol":"BTC-USDT","last":"85205.70"})";
  const std::string_view ccxt = R"({"symbol":"BTC/USDT","last":"85205.70","info":{}})";
  const update_ptr u = make_update(2, "ticker.BTC-USDT", 41, native, "9f3a01bc");
  EXPECT_EQ(u->ccxt(), nullptr) << "nothing made at publication";
  EXPECT_EQ(u->ccxt_data(), "");
  const ccxt_texts& kept = u->keep_ccxt(ccxt);
  EXPECT_EQ(u->ccxt(), &kept);
  EXPECT_EQ(kept.text, std::string(R"({"type":"update","channel":"ticker.BTC-USDT","seq":41,)") +
                           R"("epoch":"9f3a01bc","data":)" + std::string(ccxt) + "}");
  EXPECT_EQ(u->ccxt_data(), ccxt);
  EXPECT_EQ(u->data(), native);  // the native text is untouched
  EXPECT_EQ(u->update_text,
            std::string(R"({"type":"update","channel":"ticker.BTC-USDT","seq":41,)") +
                R"("epoch":"9f3a01bc","data":)" + std::string(native) + "}");
  // text(): the one place a subscriber's text is chosen; the same objects, never copies.
  EXPECT_EQ(&u->text(data_format::native), &u->update_text);
  EXPECT_EQ(&u->text(data_format::ccxt), &kept.text);
  const envelope up = parse_envelope(kept.text);
  ASSERT_TRUE(up.valid);
  EXPECT_EQ(up.data_minified, minified(ccxt));
  EXPECT_EQ(up.keys, 5u);
  // A second maker (another shard that raced) gets the text kept first: one per update.
  EXPECT_EQ(&u->keep_ccxt(R"({"other":1})"), &kept);
  EXPECT_EQ(u->ccxt_data(), ccxt);

  // A snapshot keeps its own CCXT text, in the snapshot's envelope.
  const update_ptr s = make_snapshot(*u);
  EXPECT_EQ(s->ccxt(), nullptr);
  const ccxt_texts& snap = s->keep_ccxt(ccxt);
  EXPECT_EQ(snap.text, std::string(R"({"type":"snapshot","channel":"ticker.BTC-USDT","seq":41,)") +
                           R"("epoch":"9f3a01bc","data":)" + std::string(ccxt) + "}");
  EXPECT_EQ(&s->text(data_format::native), &s->snapshot_text);
  EXPECT_EQ(&s->text(data_format::ccxt), &snap.text);
  EXPECT_EQ(s->ccxt_data(), ccxt);
}

// Without an epoch (a channel restored with none) the envelope is the same around either data.
TEST(Update, CcxtFormWithoutAnEpoch) {
  const update_ptr u = make_update(3, "bbo.BTC-USDT", 7, R"({"bid":"1"})");
  const auto& kept = u->keep_ccxt(R"({"bid":"1","info":{"bid":"1"}})");
  EXPECT_EQ(
      kept.text,
      R"({"type":"update","channel":"bbo.BTC-USDT","seq":7,"data":{"bid":"1","info":{"bid":"1"}}})");
  const update_ptr s = make_snapshot(*u);
  const auto& snap = s->keep_ccxt(R"({"bid":"1","info":{"bid":"1"}})");
  EXPECT_EQ(
      snap.text,
      R"({"type":"snapshot","channel":"bbo.BTC-USDT","seq":7,"data":{"bid":"1","info":{"bid":"1"}}})");
}

TEST(Update, BeforeItsCcxtFormIsMadeTextGivesTheNativeText) {
  const update_ptr u = make_update(3, "gas.ETH", 7, R"({"base_fee":"1"})", "9f3a01bc");
  EXPECT_EQ(u->ccxt(), nullptr);
  EXPECT_EQ(u->ccxt_data(), "");
  // The gateway makes the form before it picks it (shard::text_of); text() alone never makes it.
  EXPECT_EQ(&u->text(data_format::ccxt), &u->update_text);
  const update_ptr s = make_snapshot(*u);
  EXPECT_EQ(&s->text(data_format::ccxt), &s->snapshot_text);
}

TEST(Update, ExactTextWithAnEpoch) {
  const update_ptr u = make_update(3, "status", 7, R"({"feeds":[]})", "9f3a01bc");
  EXPECT_EQ(
      u->update_text,
      R"({"type":"update","channel":"status","seq":7,"epoch":"9f3a01bc","data":{"feeds":[]}})");
  const update_ptr s = make_snapshot(*u);
  EXPECT_EQ(
      s->snapshot_text,
      R"({"type":"snapshot","channel":"status","seq":7,"epoch":"9f3a01bc","data":{"feeds":[]}})");
  EXPECT_EQ(u->data(), R"({"feeds":[]})");
  EXPECT_EQ(s->data(), R"({"feeds":[]})");
  EXPECT_EQ(u->epoch, "9f3a01bc");
  EXPECT_EQ(s->epoch, "9f3a01bc");
}

TEST(Update, LargestSequenceNumber) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const update_ptr u = make_update(0, "ticker.ETH-USDT", max, "{}");
  EXPECT_NE(u->update_text.find(R"("seq":18446744073709551615,)"), std::string::npos)
      << u->update_text;
  const envelope e = parse_envelope(u->update_text);
  EXPECT_EQ(e.seq, max);
  EXPECT_EQ(u->data(), "{}");
}

TEST(Update, EmptySnapshotHasSeqZeroAndNullData) {
  const std::string text = empty_snapshot_text("ticker.BTC-USDT");
  EXPECT_EQ(text, R"({"type":"snapshot","channel":"ticker.BTC-USDT","seq":0,"data":null})");
  const envelope e = parse_envelope(text);
  ASSERT_TRUE(e.valid);
  EXPECT_EQ(e.type, "snapshot");
  EXPECT_EQ(e.seq, 0u);
  EXPECT_EQ(e.data_minified, "null");
}

std::string json_string(std::string_view s) {
  std::string out;
  json::append_string(out, s);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  using namespace std::string_view_literals;
  EXPECT_EQ(json_string(""), R"("")");
  EXPECT_EQ(json_string("plain"), R"("plain")");
  EXPECT_EQ(json_string(R"(a"b)"), R"("a\"b")");
  EXPECT_EQ(json_string(R"(a\b)"), R"("a\\b")");
  EXPECT_EQ(json_string(R"(\")"), R"("\\\"")");
  EXPECT_EQ(json_string("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(json_string("\0"sv), R"("\u0000")");
  EXPECT_EQ(json_string("\x01\x08\x0b\x0c\x1f"), R"("\u0001\u0008\u000b\u000c\u001f")");
  EXPECT_EQ(json_string("a\x1f"
                        "b"),
            R"("a\u001fb")");
  EXPECT_EQ(json_string(" ~\x7f"), "\" ~\x7f\"");  // DEL and printable ASCII need no escape
  EXPECT_EQ(json_string("/"), R"("/")");
}

TEST(JsonWriter, LeavesUtf8Alone) {
  const std::string_view utf8 = "é € 😀 日本 ÿ";
  EXPECT_EQ(json_string(utf8), "\"" + std::string(utf8) + "\"");
}

TEST(JsonWriter, AppendsWithoutClearing) {
  std::string out = "[";
  json::append_string(out, "a");
  out += ',';
  json::append_string(out, "\"");
  out += ']';
  EXPECT_EQ(out, R"(["a","\""])");
}

TEST(JsonWriter, EveryAsciiCharacterRoundTripsThroughAJsonParser) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  all += "é€😀";
  const std::string encoded = json_string(all);
  for (const char c : encoded) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20u) << "raw control character in output";
  }
  simdjson::dom::parser parser;
  std::string_view back;
  ASSERT_EQ(parser.parse(encoded).get(back), simdjson::SUCCESS) << encoded;
  EXPECT_EQ(back, all);
}

TEST(JsonWriter, NumbersDecimalsAndKeys) {
  std::string out = "{";
  json::append_key(out, "a");
  json::append_int(out, std::numeric_limits<std::int64_t>::min());
  json::append_key(out, "b");
  json::append_decimal(out, decimal(-850, 2));
  json::append_key(out, "c");
  json::append_decimal(out, decimal(1, 8));
  json::append_key(out, "d");
  json::append_int(out, 0);
  out += '}';
  EXPECT_EQ(out, R"({"a":-9223372036854775808,"b":"-8.50","c":"0.00000001","d":0})");
  EXPECT_EQ(minified(out), out);
}

}  // namespace
}  // namespace tickerd
