// web/decimal.js, the page's exact decimal-string arithmetic, in Node (no browser needed).
// ctest: browser.decimal. By hand: node --test tests/browser/decimal.test.mjs

import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";

// web/ is served as it is, with no package.json to tell Node its .js files are ES modules, so
// the module is loaded from its text.
const source = fs.readFileSync(new URL("../../web/decimal.js", import.meta.url), "utf8");
const { addDecimal, compareDecimal, decimalsOf, isDecimal, roundDecimal, shortDecimal, signOf } = await import(
  "data:text/javascript," + encodeURIComponent(source)
);

test("isDecimal accepts what tickerd sends and nothing else", () => {
  for (const ok of ["0", "12", "-0.99", "85205.70", "0.00000001"]) assert.ok(isDecimal(ok), ok);
  for (const bad of ["", "-", ".5", "5.", "1e5", " 1", "1,000", "NaN", null, 12]) {
    assert.ok(!isDecimal(bad), String(bad));
  }
});

test("compareDecimal is exact, whatever the number of decimals", () => {
  assert.equal(compareDecimal("85205.70", "85205.7"), 0);
  assert.equal(compareDecimal("85205.71", "85205.7"), 1);
  assert.equal(compareDecimal("0.10", "0.09"), 1);
  assert.equal(compareDecimal("-0.5", "-0.6"), 1);
  assert.equal(compareDecimal("-1", "0.5"), -1);
  assert.equal(compareDecimal("-0.00", "0"), 0);
  assert.equal(compareDecimal("100", "99.999"), 1);
  assert.equal(compareDecimal("007.5", "7.50"), 0);
  // Beyond a double's 15-16 significant digits.
  assert.equal(compareDecimal("12345678901234567.000000002", "12345678901234567.000000001"), 1);
  assert.equal(compareDecimal("1", "x"), null);
});

test("signOf", () => {
  assert.equal(signOf("-0.99"), -1);
  assert.equal(signOf("0.00"), 0);
  assert.equal(signOf("-0.00"), 0);
  assert.equal(signOf("0.01"), 1);
  assert.equal(signOf("garbage"), 0);
});

test("roundDecimal rounds half away from zero in string arithmetic", () => {
  const cases = [
    ["0.402114", 2, "0.40"], ["0.405", 2, "0.41"], ["0.404999", 2, "0.40"], ["0.995", 2, "1.00"],
    ["9.995", 2, "10.00"], ["-1.005", 2, "-1.01"], ["-0.004", 2, "0.00"], ["12", 2, "12.00"],
    ["0.1", 3, "0.100"], ["99.5", 0, "100"], ["1.15", 1, "1.2"],
    // 1.005 is 1.00499999999999989... as a double: string arithmetic gets it right.
    ["1.005", 2, "1.01"],
  ];
  for (const [text, places, want] of cases) assert.equal(roundDecimal(text, places), want, `${text} to ${places}`);
  assert.equal(roundDecimal("abc", 2), null);
});

test("shortDecimal keeps two significant digits of a tiny value", () => {
  assert.equal(shortDecimal("0.402114"), "0.40");
  assert.equal(shortDecimal("2"), "2.00");
  assert.equal(shortDecimal("0.0042"), "0.0042");
  assert.equal(shortDecimal("0.00456"), "0.0046");
  assert.equal(shortDecimal("0"), "0.00");
  assert.equal(shortDecimal("0.352114", 3), "0.352");
});

test("decimalsOf", () => {
  assert.equal(decimalsOf("85205.70"), 2);
  assert.equal(decimalsOf("12"), 0);
  assert.equal(decimalsOf("0.00000001"), 8);
});

// Issue 11: tickerd sends up to 38 significant digits and up to 30 decimals. Trillions-sized
// volumes and prices of 1e-8 and below must stay exact here too (a JS number keeps ~16 digits).
const VOLUME = "98765432109876543.12345678"; // SHIB-sized, beyond 2^53 and int64
const WIDEST = "99999999999999999999999999999999999999"; // 38 digits
const TINY = "0.000000001234";
const SMALLEST = "0.000000000000000000000000000001"; // 1e-30

test("extremes tickerd can send are decimals", () => {
  const extremes = [VOLUME, WIDEST, "-" + WIDEST, TINY, SMALLEST, "345678901234.00000000"];
  for (const ok of [...extremes, "99999999.999999999999999999999999999999"]) {
    assert.ok(isDecimal(ok), ok);
  }
});

test("compareDecimal stays exact across the whole range", () => {
  assert.equal(compareDecimal(VOLUME, "98765432109876543.12345679"), -1);
  assert.equal(compareDecimal("98765432109876543.123456780", VOLUME), 0);
  assert.equal(compareDecimal(WIDEST, "99999999999999999999999999999999999998"), 1);
  assert.equal(compareDecimal("-" + WIDEST, "-99999999999999999999999999999999999998"), -1);
  assert.equal(compareDecimal(SMALLEST, "0.000000000000000000000000000002"), -1);
  assert.equal(compareDecimal(SMALLEST, "0"), 1);
  assert.equal(compareDecimal(TINY, "0.000000001233"), 1);
  assert.equal(compareDecimal("0.00000001", "1e-8"), null); // tickerd never sends exponents
});

test("signOf and decimalsOf at the extremes", () => {
  assert.equal(signOf(SMALLEST), 1);
  assert.equal(signOf("-" + SMALLEST), -1);
  assert.equal(signOf("-0.000000000000000000000000000000"), 0);
  assert.equal(decimalsOf(SMALLEST), 30);
  assert.equal(decimalsOf(VOLUME), 8);
  assert.equal(decimalsOf(WIDEST), 0);
});

test("roundDecimal carries through 38 digits without a JS number", () => {
  assert.equal(roundDecimal(VOLUME, 2), "98765432109876543.12");
  assert.equal(roundDecimal("99999999.999999999999999999999999999999", 2), "100000000.00");
  assert.equal(roundDecimal(WIDEST + ".5", 0), "1" + "0".repeat(38));
  assert.equal(roundDecimal("-" + WIDEST + ".5", 0), "-1" + "0".repeat(38));
  assert.equal(roundDecimal(TINY, 8), "0.00000000");
  assert.equal(roundDecimal(TINY, 11), "0.00000000123");
  assert.equal(roundDecimal("0.000000000000000000000000000005", 29), "0.00000000000000000000000000001");
});

test("shortDecimal keeps two significant digits down to 1e-30", () => {
  assert.equal(shortDecimal("0.00000001"), "0.000000010");
  assert.equal(shortDecimal(TINY), "0.0000000012");
  assert.equal(shortDecimal("0.000000000000000000001234"), "0.0000000000000000000012");
  assert.equal(shortDecimal(SMALLEST), "0.000000000000000000000000000001");
  assert.equal(shortDecimal(VOLUME), "98765432109876543.12");
});

test("addDecimal sums sizes exactly, at the larger scale, carrying through every digit", () => {
  assert.equal(addDecimal("0", "0.00120000"), "0.00120000");
  assert.equal(addDecimal("0.5", "0.00120000"), "0.50120000");
  assert.equal(addDecimal("0.1", "0.2"), "0.3"); // 0.30000000000000004 as JS numbers
  assert.equal(addDecimal("9.99", "0.01"), "10.00");
  assert.equal(addDecimal("999", "1"), "1000");
  assert.equal(addDecimal("007.50", "0"), "7.50");
  assert.equal(addDecimal(WIDEST, "1"), "1" + "0".repeat(38));
  assert.equal(addDecimal(SMALLEST, SMALLEST), "0.000000000000000000000000000002");
  assert.equal(addDecimal("98765432109876543.123456789", "0.876543211"), "98765432109876544.000000000");
  for (const bad of [["-1", "2"], ["1", "-0.5"], ["1e3", "1"], ["", "1"], [null, "1"], ["1", 2]]) {
    assert.equal(addDecimal(...bad), null, JSON.stringify(bad));
  }
});
