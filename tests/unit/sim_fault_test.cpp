// tickerd-sim fault specs (src/sim/fault.*): the parser with good and bad input, the canonical
// spelling, --fault's VENUE:SPEC form, the venue-wide fault state, and the bytes a fault puts
// on the wire. Pure: no sockets (tests/integration/e2e_fault_test.cpp drives the real thing).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "sim/fault.hpp"

namespace tickerd::sim {
namespace {

using std::chrono::milliseconds;
using fault_clock = venue_fault_state::clock;

fault parse_ok(std::string_view spec) {
  const auto r = parse_fault(spec);
  EXPECT_TRUE(r.value.has_value()) << spec << ": " << r.error;
  EXPECT_TRUE(r.error.empty()) << spec << ": " << r.error;
  return r.value.value_or(fault{});
}

std::string parse_error(std::string_view spec) {
  const auto r = parse_fault(spec);
  EXPECT_FALSE(r.value.has_value()) << spec << " was accepted as " << to_spec(*r.value);
  EXPECT_FALSE(r.error.empty()) << spec;
  return r.error;
}

bool is_json(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(text).get(doc) == simdjson::SUCCESS;
}

// ---- kinds and defaults ----------------------------------------------------------------

TEST(sim_fault, every_kind_parses_with_its_defaults) {
  const fault reset = parse_ok("reset");
  EXPECT_EQ(reset.kind, fault_kind::reset);
  EXPECT_FALSE(reset.scheduled());

  const fault close = parse_ok("close");
  EXPECT_EQ(close.kind, fault_kind::close);
  EXPECT_EQ(close.code, 1011);

  const fault stall = parse_ok("stall");
  EXPECT_EQ(stall.kind, fault_kind::stall);
  EXPECT_FALSE(stall.duration.has_value()) << "no ms: until clear";

  EXPECT_EQ(parse_ok("garbage").count, 1u);
  EXPECT_EQ(parse_ok("invalid_json").count, 1u);
  EXPECT_EQ(parse_ok("gap").count, 1u);

  const fault drip = parse_ok("drip");
  EXPECT_EQ(drip.kind, fault_kind::drip);
  EXPECT_EQ(drip.drip_interval, milliseconds(100));
  EXPECT_EQ(drip.drip_bytes, 16u);

  EXPECT_EQ(parse_ok("refuse,ms=5000").duration, milliseconds(5000));
  EXPECT_EQ(parse_ok("max_age,ms=86400000").duration, milliseconds(86'400'000));
  EXPECT_EQ(parse_ok("max_age,ms=0").duration, milliseconds(0)) << "0 turns the override off";
  EXPECT_EQ(parse_ok("clear").kind, fault_kind::clear);
}

TEST(sim_fault, kind_names_round_trip) {
  for (std::size_t i = 0; i < fault_kind_count; ++i) {
    const auto kind = static_cast<fault_kind>(i);
    const auto parsed = parse_fault_kind(to_string(kind));
    ASSERT_TRUE(parsed.has_value()) << to_string(kind);
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_FALSE(parse_fault_kind("RESET").has_value()) << "kinds are lower-case";
  EXPECT_FALSE(parse_fault_kind("").has_value());
}

TEST(sim_fault, keys_are_read) {
  EXPECT_EQ(parse_ok("close,code=4000").code, 4000);
  EXPECT_EQ(parse_ok("stall,ms=3000").duration, milliseconds(3000));
  EXPECT_EQ(parse_ok("garbage,count=7").count, 7u);
  EXPECT_EQ(parse_ok("invalid_json,count=3").count, 3u);
  EXPECT_EQ(parse_ok("gap,count=1000").count, 1000u);
  const fault drip = parse_ok("drip,bytes=64,ms=20");
  EXPECT_EQ(drip.drip_interval, milliseconds(20));
  EXPECT_EQ(drip.drip_bytes, 64u);
  EXPECT_FALSE(drip.duration.has_value()) << "a drip lasts until clear";
  EXPECT_EQ(parse_ok("drip,ms=0").drip_interval, milliseconds(0)) << "fragments back to back";
}

TEST(sim_fault, scheduling_keys_on_any_kind) {
  const fault f = parse_ok("reset,after=5000,every=20000");
  EXPECT_TRUE(f.scheduled());
  EXPECT_EQ(f.after, milliseconds(5000));
  EXPECT_EQ(f.every, milliseconds(20000));
  const fault u = f.unscheduled();
  EXPECT_FALSE(u.scheduled());
  EXPECT_EQ(u.kind, fault_kind::reset);

  EXPECT_EQ(parse_ok("stall,ms=100,after=0").after, milliseconds(0));
  EXPECT_EQ(parse_ok("clear,every=1000").every, milliseconds(1000));
  EXPECT_EQ(parse_ok("gap,every=100,count=2").count, 2u);
  const fault close = parse_ok("close,after=1,code=1000");
  EXPECT_EQ(close.code, 1000);
  EXPECT_EQ(close.after, milliseconds(1));
}

TEST(sim_fault, blanks_around_items_are_ignored) {
  const fault f = parse_ok("  close , code = 4001 ,every= 1000\n");
  EXPECT_EQ(f.code, 4001);
  EXPECT_EQ(f.every, milliseconds(1000));
  EXPECT_EQ(parse_ok("reset\r\n").kind, fault_kind::reset) << "curl -d @file leaves a newline";
}

// ---- bad input: refused with a message naming what is wrong -----------------------------

TEST(sim_fault, empty_and_unknown_kinds_are_refused) {
  EXPECT_NE(parse_error("").find("empty"), std::string::npos);
  EXPECT_NE(parse_error("   ").find("empty"), std::string::npos);
  const auto e = parse_error("explode");
  EXPECT_NE(e.find("'explode'"), std::string::npos) << e;
  EXPECT_NE(e.find("reset"), std::string::npos) << "the message lists the kinds: " << e;
  EXPECT_NE(parse_error("Reset").find("'Reset'"), std::string::npos);
  EXPECT_NE(parse_error(",ms=5").find("''"), std::string::npos);
  EXPECT_NE(parse_error("stall ms=5").find("'stall ms=5'"), std::string::npos);
}

TEST(sim_fault, keys_a_kind_does_not_take_are_refused) {
  auto e = parse_error("reset,ms=100");
  EXPECT_NE(e.find("unknown key 'ms'"), std::string::npos) << e;
  EXPECT_NE(e.find("reset takes after, every"), std::string::npos) << e;
  e = parse_error("close,ms=100");
  EXPECT_NE(e.find("'ms'"), std::string::npos) << e;
  EXPECT_NE(e.find("code"), std::string::npos) << "lists what close takes: " << e;
  EXPECT_NE(parse_error("stall,count=2").find("'count'"), std::string::npos);
  EXPECT_NE(parse_error("garbage,bytes=2").find("'bytes'"), std::string::npos);
  EXPECT_NE(parse_error("gap,ms=2").find("'ms'"), std::string::npos);
  EXPECT_NE(parse_error("clear,code=1000").find("'code'"), std::string::npos);
  EXPECT_NE(parse_error("drip,count=1").find("'count'"), std::string::npos);
  EXPECT_NE(parse_error("stall,MS=100").find("'MS'"), std::string::npos) << "keys are lower-case";
  EXPECT_NE(parse_error("stall,=100").find("unknown key ''"), std::string::npos);
}

TEST(sim_fault, malformed_items_and_duplicates_are_refused) {
  EXPECT_NE(parse_error("stall,ms").find("'ms' is not key=value"), std::string::npos);
  EXPECT_NE(parse_error("stall,").find("'' is not key=value"), std::string::npos);
  EXPECT_NE(parse_error("stall,,ms=1").find("'' is not key=value"), std::string::npos);
  EXPECT_NE(parse_error("stall,ms=1,ms=2").find("'ms' given twice"), std::string::npos);
  EXPECT_NE(parse_error("reset,after=1,after=2").find("'after' given twice"), std::string::npos);
  EXPECT_NE(parse_error("reset,every=100,every=200").find("'every' given twice"),
            std::string::npos);
}

TEST(sim_fault, values_must_be_whole_numbers) {
  for (const char* spec : {"stall,ms=", "stall,ms=abc", "stall,ms=-5", "stall,ms=+5",
                           "stall,ms=1.5", "stall,ms=10ms", "stall,ms=0x10", "garbage,count=two"}) {
    const auto e = parse_error(spec);
    EXPECT_NE(e.find("is not a whole number"), std::string::npos) << spec << ": " << e;
  }
  const auto e = parse_error("stall,ms=99999999999999999999999");
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
}

TEST(sim_fault, values_out_of_range_are_refused) {
  const auto range = [](std::string_view spec, std::string_view key) {
    const auto e = parse_error(spec);
    EXPECT_NE(e.find(std::string(key) + ":"), std::string::npos) << spec << ": " << e;
    EXPECT_NE(e.find("out of range"), std::string::npos) << spec << ": " << e;
  };
  range("stall,ms=0", "ms");
  range("refuse,ms=0", "ms");
  range("stall,ms=604800001", "ms");
  range("max_age,ms=604800001", "ms");
  range("drip,ms=60001", "ms");
  range("drip,bytes=0", "bytes");
  range("drip,bytes=65537", "bytes");
  range("garbage,count=0", "count");
  range("garbage,count=1001", "count");
  range("invalid_json,count=0", "count");
  range("invalid_json,count=1000001", "count");
  range("gap,count=0", "count");
  range("gap,count=1000000001", "count");
  range("reset,every=99", "every");
  range("reset,every=0", "every");
  range("reset,after=604800001", "after");
  range("close,code=65536", "code");
  // The largest values are accepted.
  parse_ok("stall,ms=604800000");
  parse_ok("garbage,count=1000");
  parse_ok("gap,count=1000000000");
  parse_ok("drip,ms=60000,bytes=65536");
  parse_ok("reset,every=100");
}

TEST(sim_fault, close_codes_must_be_sendable) {
  for (unsigned code : {1000u, 1001u, 1002u, 1003u, 1007u, 1011u, 1014u, 3000u, 4000u, 4999u}) {
    EXPECT_TRUE(is_sendable_close_code(code)) << code;
    EXPECT_EQ(parse_ok("close,code=" + std::to_string(code)).code, code);
  }
  for (unsigned code : {0u, 999u, 1004u, 1005u, 1006u, 1015u, 1016u, 2000u, 2999u, 5000u}) {
    EXPECT_FALSE(is_sendable_close_code(code)) << code;
    const auto e = parse_error("close,code=" + std::to_string(code));
    EXPECT_NE(e.find("cannot be sent"), std::string::npos) << code << ": " << e;
  }
}

TEST(sim_fault, refuse_and_max_age_need_a_duration) {
  EXPECT_NE(parse_error("refuse").find("ms is required"), std::string::npos);
  EXPECT_NE(parse_error("max_age").find("ms is required"), std::string::npos);
  EXPECT_NE(parse_error("refuse,after=10").find("ms is required"), std::string::npos);
}

TEST(sim_fault, errors_name_the_kind) {
  EXPECT_EQ(parse_error("drip,bytes=0").rfind("drip: ", 0), 0u);
  EXPECT_EQ(parse_error("close,code=5").rfind("close: ", 0), 0u);
  EXPECT_EQ(parse_error("gap,every=1").rfind("gap: ", 0), 0u);
}

// ---- canonical spelling ----------------------------------------------------------------

TEST(sim_fault, to_spec_spells_out_every_key_and_round_trips) {
  EXPECT_EQ(to_spec(parse_ok("reset")), "reset");
  EXPECT_EQ(to_spec(parse_ok("close")), "close,code=1011");
  EXPECT_EQ(to_spec(parse_ok("stall")), "stall");
  EXPECT_EQ(to_spec(parse_ok("stall,ms=3000")), "stall,ms=3000");
  EXPECT_EQ(to_spec(parse_ok("garbage")), "garbage,count=1");
  EXPECT_EQ(to_spec(parse_ok("invalid_json,count=4")), "invalid_json,count=4");
  EXPECT_EQ(to_spec(parse_ok("gap")), "gap,count=1");
  EXPECT_EQ(to_spec(parse_ok("drip")), "drip,ms=100,bytes=16");
  EXPECT_EQ(to_spec(parse_ok("refuse,ms=10")), "refuse,ms=10");
  EXPECT_EQ(to_spec(parse_ok("max_age,ms=0")), "max_age,ms=0");
  EXPECT_EQ(to_spec(parse_ok("clear")), "clear");
  EXPECT_EQ(to_spec(parse_ok("reset,every=20000,after=5000")), "reset,after=5000,every=20000");

  for (const char* spec :
       {"reset", "close,code=4000,after=10", "stall", "stall,ms=1", "garbage,count=1000",
        "invalid_json,count=2,every=500", "gap,count=9", "drip,ms=0,bytes=1", "refuse,ms=604800000",
        "max_age,ms=0,after=0", "clear,every=100"}) {
    const fault f = parse_ok(spec);
    EXPECT_EQ(parse_ok(to_spec(f)), f) << spec << " -> " << to_spec(f);
  }
}

TEST(sim_fault, kind_must_come_first) {
  const auto e = parse_error("every=1000,reset");
  EXPECT_NE(e.find("unknown fault 'every=1000'"), std::string::npos) << e;
}

// ---- --fault VENUE:SPEC ----------------------------------------------------------------

TEST(sim_fault, venue_fault_parses_venue_and_spec) {
  const auto r = parse_venue_fault("okx:reset,after=5000,every=20000");
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_EQ(r.value->venue, "okx");
  EXPECT_EQ(r.value->spec.kind, fault_kind::reset);
  EXPECT_EQ(r.value->spec.every, milliseconds(20000));

  const auto all = parse_venue_fault("all:stall,ms=100");
  ASSERT_TRUE(all.value) << all.error;
  EXPECT_EQ(all.value->venue, "all");

  for (const auto venue : fault_venues) {
    EXPECT_TRUE(parse_venue_fault(std::string(venue) + ":clear").value) << venue;
  }
  const auto gap = parse_venue_fault("coinbase:gap,count=3");
  ASSERT_TRUE(gap.value) << gap.error;
  EXPECT_EQ(gap.value->spec.count, 3u);
}

TEST(sim_fault, venue_fault_errors) {
  auto r = parse_venue_fault("reset");
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.error.find("VENUE:FAULT"), std::string::npos) << r.error;

  r = parse_venue_fault("ftx:reset");
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.error.find("unknown venue 'ftx'"), std::string::npos) << r.error;

  r = parse_venue_fault(":reset");
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.error.find("unknown venue ''"), std::string::npos) << r.error;

  r = parse_venue_fault("OKX:reset");
  EXPECT_FALSE(r.value) << "venues are lower-case, as in tickerd's config";

  r = parse_venue_fault("okx:stall,ms=0");
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.error.find("ms"), std::string::npos) << r.error;

  r = parse_venue_fault("okx:");
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.error.find("empty"), std::string::npos) << r.error;
}

TEST(sim_fault, gap_is_coinbase_only) {
  const fault gap = parse_ok("gap");
  EXPECT_EQ(check_venue(gap, "coinbase"), "");
  for (const auto venue : {"binance", "okx", "bybit", "kraken", "all"}) {
    const auto e = check_venue(gap, venue);
    EXPECT_NE(e.find("only coinbase"), std::string::npos) << venue << ": " << e;
    EXPECT_FALSE(parse_venue_fault(std::string(venue) + ":gap").value) << venue;
  }
  EXPECT_EQ(check_venue(parse_ok("reset"), "all"), "");
  EXPECT_NE(check_venue(parse_ok("reset"), "nasdaq"), "");
}

// ---- the bytes on the wire -------------------------------------------------------------

TEST(sim_fault, garbage_is_printable_and_not_json) {
  std::vector<std::string> seen;
  for (std::uint64_t n = 0; n < 200; ++n) {
    const std::string g = garbage_text(n);
    ASSERT_FALSE(g.empty());
    for (const char c : g) {
      ASSERT_TRUE(c >= ' ' && c <= '~')
          << "byte " << int(static_cast<unsigned char>(c)) << " in " << g;
    }
    EXPECT_FALSE(is_json(g)) << g;
    EXPECT_EQ(g, garbage_text(n)) << "deterministic";
    seen.push_back(g);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end()) << "every frame differs";
}

TEST(sim_fault, truncated_frames_are_half_and_invalid) {
  const std::string frame =
      R"({"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":1764061234000,"s":"BTCUSDT","c":"85205.70"}})";
  ASSERT_TRUE(is_json(frame));
  const std::string half = truncated_frame(frame);
  EXPECT_EQ(half.size(), frame.size() / 2);
  EXPECT_EQ(frame.substr(0, half.size()), half);
  EXPECT_FALSE(is_json(half)) << half;

  EXPECT_EQ(truncated_frame(""), "");
  EXPECT_EQ(truncated_frame("x"), "");
  EXPECT_EQ(truncated_frame("{}"), "{");
  EXPECT_EQ(truncated_frame("[1,2]"), "[1");
}

TEST(sim_fault, truncation_never_splits_a_utf8_character) {
  // "é" is C3 A9 and "€" E2 82 AC: a cut in the middle moves back to the character's start.
  EXPECT_EQ(truncated_frame("ab\xC3\xA9"), "ab");  // cut at 2: a boundary
  EXPECT_EQ(truncated_frame("a\xC3\xA9z"), "a");   // cut at 2 is inside "é"
  EXPECT_EQ(truncated_frame("\xE2\x82\xAC\xE2\x82\xAC"), "\xE2\x82\xAC");
  EXPECT_EQ(truncated_frame("a\xE2\x82\xAC"), "a");  // cut at 2 is inside "€"
  for (std::size_t n = 0; n < 40; ++n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += (i % 3 == 0) ? "\xE2\x82\xAC" : "a";
    const std::string t = truncated_frame(s);
    ASSERT_LE(t.size(), s.size() / 2);
    if (!t.empty()) {
      ASSERT_NE(static_cast<unsigned char>(s[t.size()]) & 0xC0u, 0x80u)
          << "the cut lands on a character start";
    }
  }
}

// ---- venue state -----------------------------------------------------------------------

TEST(sim_fault, stall_with_and_without_duration) {
  venue_fault_state s;
  const auto t0 = fault_clock::now();
  EXPECT_FALSE(s.stalled(t0));
  s.apply(parse_ok("stall,ms=3000"), t0);
  EXPECT_TRUE(s.stalled(t0));
  EXPECT_TRUE(s.stalled(t0 + milliseconds(2999)));
  EXPECT_FALSE(s.stalled(t0 + milliseconds(3000))) << "a timed stall ends by itself";

  s.apply(parse_ok("stall"), t0);
  EXPECT_TRUE(s.stalled(t0 + std::chrono::hours(24 * 365))) << "no ms: until clear";
  s.apply(parse_ok("stall,ms=10"), t0);
  EXPECT_FALSE(s.stalled(t0 + milliseconds(10))) << "the latest stall wins";
  s.apply(parse_ok("stall"), t0);
  s.apply(parse_ok("clear"), t0);
  EXPECT_FALSE(s.stalled(t0));
  EXPECT_EQ(s.applied[static_cast<std::size_t>(fault_kind::stall)], 4u);
  EXPECT_EQ(s.applied[static_cast<std::size_t>(fault_kind::clear)], 1u);
}

TEST(sim_fault, refuse_drip_and_max_age_state) {
  venue_fault_state s;
  const auto t0 = fault_clock::now();
  EXPECT_FALSE(s.refusing(t0));
  s.apply(parse_ok("refuse,ms=1500"), t0);
  EXPECT_TRUE(s.refusing(t0 + milliseconds(1499)));
  EXPECT_FALSE(s.refusing(t0 + milliseconds(1500)));

  EXPECT_FALSE(s.drip.has_value());
  s.apply(parse_ok("drip,ms=20,bytes=64"), t0);
  ASSERT_TRUE(s.drip.has_value());
  EXPECT_EQ(*s.drip, (drip_settings{milliseconds(20), 64}));

  EXPECT_FALSE(s.max_age.has_value());
  s.apply(parse_ok("max_age,ms=1500"), t0);
  EXPECT_EQ(s.max_age, milliseconds(1500));
  s.apply(parse_ok("max_age,ms=0"), t0);
  EXPECT_FALSE(s.max_age.has_value()) << "ms=0: back to the server's limit";
  s.apply(parse_ok("max_age,ms=10"), t0);

  // Per-connection faults change nothing venue-wide, but are counted.
  const venue_fault_state before = s;
  for (const char* spec : {"reset", "close", "garbage", "invalid_json", "gap"}) {
    s.apply(parse_ok(spec), t0);
  }
  EXPECT_EQ(s.drip, before.drip);
  EXPECT_EQ(s.max_age, before.max_age);
  EXPECT_EQ(s.stalled(t0), before.stalled(t0));
  for (const auto kind : {fault_kind::reset, fault_kind::close, fault_kind::garbage,
                          fault_kind::invalid_json, fault_kind::gap}) {
    EXPECT_EQ(s.applied[static_cast<std::size_t>(kind)], 1u) << to_string(kind);
  }

  s.apply(parse_ok("refuse,ms=100000"), t0);
  s.apply(parse_ok("stall"), t0);
  s.apply(parse_ok("clear"), t0);
  EXPECT_FALSE(s.refusing(t0));
  EXPECT_FALSE(s.stalled(t0));
  EXPECT_FALSE(s.drip.has_value());
  EXPECT_FALSE(s.max_age.has_value());
}

TEST(sim_fault, state_json_is_valid_and_shows_what_is_active) {
  venue_fault_state s;
  const auto t0 = fault_clock::now();
  std::string idle;
  append_fault_state_json(idle, s, t0);
  ASSERT_TRUE(is_json(idle)) << idle;
  EXPECT_NE(idle.find(R"("stall":false)"), std::string::npos) << idle;
  EXPECT_NE(idle.find(R"("drip":null)"), std::string::npos) << idle;
  EXPECT_NE(idle.find(R"("max_age_ms":null)"), std::string::npos) << idle;
  EXPECT_NE(idle.find(R"("refuse_left_ms":null)"), std::string::npos) << idle;

  s.apply(parse_ok("stall,ms=3000"), t0);
  s.apply(parse_ok("refuse,ms=2000"), t0);
  s.apply(parse_ok("drip,ms=20,bytes=64"), t0);
  s.apply(parse_ok("max_age,ms=1500"), t0);
  s.frames_discarded = 5;
  std::string busy;
  append_fault_state_json(busy, s, t0 + milliseconds(1000));
  ASSERT_TRUE(is_json(busy)) << busy;
  EXPECT_NE(busy.find(R"("stall":true,"stall_left_ms":2000)"), std::string::npos) << busy;
  EXPECT_NE(busy.find(R"("refuse_left_ms":1000)"), std::string::npos) << busy;
  EXPECT_NE(busy.find(R"("drip":{"ms":20,"bytes":64})"), std::string::npos) << busy;
  EXPECT_NE(busy.find(R"("max_age_ms":1500)"), std::string::npos) << busy;
  EXPECT_NE(busy.find(R"("stall":1,)"), std::string::npos) << "applied counts: " << busy;
  EXPECT_NE(busy.find(R"("frames_discarded":5)"), std::string::npos) << busy;

  s.apply(parse_ok("stall"), t0);
  std::string forever;
  append_fault_state_json(forever, s, t0);
  EXPECT_NE(forever.find(R"("stall":true,"stall_left_ms":null)"), std::string::npos) << forever;
}

}  // namespace
}  // namespace tickerd::sim
